/* global document, Chart */
// The dashboard page's script: draws every panel from the JSON data that
// the page embeds (see lib/site/site-data.ts for its shape), makes tables
// sortable, and applies each dashboard's rep filter. It runs in the
// browser, inline in the page, with Chart.js loaded before it.
(function () {
  'use strict';

  const data = JSON.parse(
    document.getElementById('dashboard-data').textContent,
  );

  const COLORS = [
    '#2563eb',
    '#f97316',
    '#16a34a',
    '#9333ea',
    '#dc2626',
    '#0891b2',
    '#ca8a04',
  ];

  const numberFormat = new Intl.NumberFormat('en-US', {
    maximumFractionDigits: 2,
  });
  const percentFormat = new Intl.NumberFormat('en-US', {
    style: 'percent',
    maximumFractionDigits: 1,
  });

  function isPercentColumn(name) {
    return /(_rate|_share)$/.test(name);
  }

  function formatValue(value, column) {
    if (value === null || value === undefined) return '';
    if (column.kind === 'number' && typeof value === 'number') {
      return isPercentColumn(column.name)
        ? percentFormat.format(value)
        : numberFormat.format(value);
    }
    if (column.kind === 'boolean') return value ? 'yes' : 'no';
    if (column.kind === 'timestamp') {
      return String(value).replace('T', ' ').slice(0, 16);
    }
    return String(value);
  }

  function headingText(name) {
    const text = name.replace(/_/g, ' ');
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      node.setAttribute(key, value);
    }
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function compareValues(left, right) {
    if (left === right) return 0;
    if (left === null || left === undefined) return 1;
    if (right === null || right === undefined) return -1;
    if (typeof left === 'number' && typeof right === 'number') {
      return left - right;
    }
    return String(left).localeCompare(String(right));
  }

  /** Returns a panel's rows as objects keyed by column name. */
  function rowObjects(panel) {
    const columns = panel.data.columns;
    return panel.data.rows.map((values) => {
      const row = {};
      columns.forEach((column, index) => {
        row[column.name] = values[index];
      });
      return row;
    });
  }

  function columnByName(panel, name) {
    return panel.data.columns.find((column) => column.name === name);
  }

  function repLabel(row, rep) {
    const name = row[rep.name];
    return name === null || name === undefined || name === ''
      ? String(row[rep.id])
      : String(name);
  }

  function renderHeader(container, panel) {
    container.appendChild(element('h3', {}, panel.title));
    container.appendChild(
      element('p', { class: 'description' }, panel.description),
    );
  }

  function renderNotes(container, panel, shownRows) {
    const notes = [];
    if (panel.data.basis.length > 0) {
      notes.push('Basis: ' + panel.data.basis.join(', '));
    }
    notes.push('View: ' + panel.view);
    if (panel.data.totalRows > panel.data.rows.length) {
      notes.push(
        'first ' +
          panel.data.rows.length +
          ' of ' +
          panel.data.totalRows +
          ' rows',
      );
    } else if (shownRows !== undefined) {
      notes.push(shownRows + ' rows');
    }
    const note = container.querySelector('.notes');
    const text = notes.join(' · ');
    if (note) {
      note.textContent = text;
    } else {
      container.appendChild(element('p', { class: 'notes' }, text));
    }
  }

  function chartData(panel, rows) {
    const labelOf = (row) => {
      for (const name of panel.labelColumns) {
        const value = row[name];
        if (value !== null && value !== undefined && value !== '') {
          const names = panel.labelNames || {};
          return Object.prototype.hasOwnProperty.call(names, value)
            ? names[value]
            : String(value);
        }
      }
      return '(none)';
    };
    if (panel.pivotColumn) {
      const labels = [...new Set(rows.map(labelOf))];
      const groups = [...new Set(rows.map((row) => row[panel.pivotColumn]))];
      const series = panel.series[0];
      const datasets = groups.map((group, index) => ({
        label: String(group),
        backgroundColor: COLORS[index % COLORS.length],
        data: labels.map((label) => {
          const match = rows.find(
            (row) => labelOf(row) === label && row[panel.pivotColumn] === group,
          );
          return match ? match[series.column] : 0;
        }),
      }));
      return { labels, datasets };
    }
    return {
      labels: rows.map(labelOf),
      datasets: panel.series.map((series, index) => ({
        label: series.label,
        backgroundColor: COLORS[index % COLORS.length],
        data: rows.map((row) => row[series.column]),
      })),
    };
  }

  const charts = new Map();
  const tables = new Map();

  function renderChart(container, panel) {
    const rows = rowObjects(panel);
    const wrapper = element('div', { class: 'chart' });
    const canvas = element('canvas', {
      'data-chart': panel.id,
      role: 'img',
      'aria-label': panel.title,
    });
    wrapper.appendChild(canvas);
    container.appendChild(wrapper);
    const valueColumn = columnByName(panel, panel.series[0].column);
    const indexAxis = panel.axis;
    const valueAxis = indexAxis === 'x' ? 'y' : 'x';
    const chart = new Chart(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis,
        plugins: {
          legend: { display: panel.series.length > 1 || !!panel.pivotColumn },
          tooltip: {
            callbacks: {
              label: (item) =>
                item.dataset.label + ': ' + formatValue(item.raw, valueColumn),
            },
          },
        },
        scales: {
          [valueAxis]: {
            beginAtZero: true,
            ticks: {
              // Counts get whole-number ticks only.
              precision: /_count$/.test(valueColumn.name) ? 0 : undefined,
              callback: (value) => formatValue(value, valueColumn),
            },
          },
        },
      },
    });
    const state = { panel, rows, chart, container };
    charts.set(panel.id, state);
    updateChart(state, '');
  }

  function updateChart(state, repId) {
    const { panel, chart } = state;
    let rows = state.rows;
    if (panel.rep && repId) {
      rows = rows.filter((row) => String(row[panel.rep.id]) === repId);
    }
    if (panel.limit) rows = rows.slice(0, panel.limit);
    const { labels, datasets } = chartData(panel, rows);
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    const wrapper = state.container.querySelector('.chart');
    if (panel.axis === 'y') {
      wrapper.style.height = Math.max(160, 40 + labels.length * 26) + 'px';
    }
    chart.update();
    renderNotes(state.container, panel, rows.length);
  }

  function renderTable(container, panel) {
    const columns = panel.columns.map((name) => columnByName(panel, name));
    const scroller = element('div', { class: 'table-scroll' });
    const table = element('table', { 'data-table': panel.id });
    const head = element('thead');
    const headRow = element('tr');
    columns.forEach((column, index) => {
      const cell = element('th', {
        scope: 'col',
        'aria-sort': 'none',
        title: column.doc || '',
        class: column.kind === 'number' ? 'number' : '',
      });
      const button = element(
        'button',
        { type: 'button', 'data-column': column.name },
        headingText(column.name),
      );
      button.addEventListener('click', () => sortTable(state, index));
      cell.appendChild(button);
      headRow.appendChild(cell);
    });
    head.appendChild(headRow);
    table.appendChild(head);
    const body = element('tbody');
    table.appendChild(body);
    scroller.appendChild(table);
    container.appendChild(scroller);
    const state = {
      panel,
      columns,
      rows: rowObjects(panel),
      body,
      headRow,
      container,
      repId: '',
      sortIndex: -1,
      sortDirection: 'asc',
    };
    tables.set(panel.id, state);
    drawTable(state);
  }

  function sortTable(state, index) {
    if (state.sortIndex === index) {
      state.sortDirection = state.sortDirection === 'asc' ? 'desc' : 'asc';
    } else {
      state.sortIndex = index;
      state.sortDirection =
        state.columns[index].kind === 'number' ? 'desc' : 'asc';
    }
    const name = state.columns[index].name;
    const sign = state.sortDirection === 'asc' ? 1 : -1;
    // Array.prototype.sort is stable, so equal values keep the view's order.
    state.rows.sort((left, right) => {
      const leftValue = left[name];
      const rightValue = right[name];
      if (leftValue === null || leftValue === undefined) {
        return rightValue === null || rightValue === undefined ? 0 : 1;
      }
      if (rightValue === null || rightValue === undefined) return -1;
      return sign * compareValues(leftValue, rightValue);
    });
    Array.from(state.headRow.children).forEach((cell, cellIndex) => {
      cell.setAttribute(
        'aria-sort',
        cellIndex === index
          ? state.sortDirection === 'asc'
            ? 'ascending'
            : 'descending'
          : 'none',
      );
    });
    drawTable(state);
  }

  function drawTable(state) {
    const { panel, columns, body } = state;
    const rows =
      panel.rep && state.repId
        ? state.rows.filter((row) => String(row[panel.rep.id]) === state.repId)
        : state.rows;
    body.replaceChildren();
    for (const row of rows) {
      const line = element('tr');
      for (const column of columns) {
        line.appendChild(
          element(
            'td',
            { class: column.kind === 'number' ? 'number' : '' },
            formatValue(row[column.name], column),
          ),
        );
      }
      body.appendChild(line);
    }
    if (rows.length === 0) {
      const line = element('tr', { class: 'empty' });
      line.appendChild(
        element(
          'td',
          { colspan: String(columns.length) },
          state.repId ? 'No rows for this rep.' : 'No rows.',
        ),
      );
      body.appendChild(line);
    }
    renderNotes(state.container, panel, rows.length);
  }

  function renderPanel(panel) {
    const container = document.querySelector('[data-panel="' + panel.id + '"]');
    renderHeader(container, panel);
    if (panel.data.status !== 'ready') {
      container.classList.add('skipped');
      container.appendChild(
        element('p', { class: 'skipped-message' }, panel.data.message),
      );
      return;
    }
    if (panel.data.rows.length === 0) {
      container.classList.add('empty');
      container.appendChild(
        element(
          'p',
          { class: 'empty-message' },
          'The view ' + panel.view + ' has no rows yet.',
        ),
      );
      renderNotes(container, panel);
      return;
    }
    if (panel.kind === 'chart') {
      renderChart(container, panel);
    } else {
      renderTable(container, panel);
    }
  }

  function setUpRepFilter(dashboard) {
    const select = document.querySelector(
      '[data-rep-filter="' + dashboard.id + '"]',
    );
    if (!select) return;
    const reps = new Map();
    for (const panel of dashboard.panels) {
      if (!panel.rep || panel.data.status !== 'ready') continue;
      for (const row of rowObjects(panel)) {
        const id = row[panel.rep.id];
        if (id === null || id === undefined) continue;
        if (!reps.has(String(id)))
          reps.set(String(id), repLabel(row, panel.rep));
      }
    }
    const sorted = [...reps.entries()].sort((left, right) =>
      left[1].localeCompare(right[1]),
    );
    for (const [id, label] of sorted) {
      select.appendChild(element('option', { value: id }, label));
    }
    select.addEventListener('change', () => {
      for (const panel of dashboard.panels) {
        if (!panel.rep) continue;
        const table = tables.get(panel.id);
        if (table) {
          table.repId = select.value;
          drawTable(table);
        }
        const chart = charts.get(panel.id);
        if (chart) updateChart(chart, select.value);
      }
    });
  }

  for (const dashboard of data.dashboards) {
    for (const panel of dashboard.panels) renderPanel(panel);
    setUpRepFilter(dashboard);
  }
  document.body.setAttribute('data-rendered', 'true');
})();
