/**
 * LookML for the warehouse views: one `.view.lkml` file per view, with
 * dimensions typed from the warehouse catalog, and one `.explore.lkml`
 * file that a Looker model includes as it is.
 */
import {
  columnKind,
  type ColumnKind,
  type WarehouseColumn,
} from '../reference/columns';

/** One view to describe, with its model header. */
export interface LookmlViewInput {
  readonly name: string;
  readonly schema: string;
  /** Columns as the warehouse catalog lists them, in order. */
  readonly columns: readonly WarehouseColumn[];
  /** The model header's key; several columns make a compound key. */
  readonly key: readonly string[];
  readonly grain: string;
  /** Column documentation from the model header. */
  readonly docs: Readonly<Record<string, string>>;
}

export interface LookmlFile {
  /** File name relative to the output folder. */
  readonly path: string;
  readonly contents: string;
}

/** The view whose explore joins the others. */
export const OVERLAPS_VIEW = 'crossbeam_overlaps';

/** Name of the hidden dimension that concatenates a compound key. */
export const COMPOUND_KEY_DIMENSION = 'primary_key';

const TIME_TIMEFRAMES = [
  'raw',
  'time',
  'date',
  'week',
  'month',
  'quarter',
  'year',
];
const DATE_TIMEFRAMES = ['raw', 'date', 'week', 'month', 'quarter', 'year'];

/** Numeric columns that add up: totals and averages make sense. */
const ADDITIVE = /(^|_)(amount|revenue|credit|count)$/;
/** Numeric columns that are ratios or scores: only averages make sense. */
const AVERAGED = /(^avg_|_rate$|_share$|_score$|_size$|_close$)/;

/** Quotes text as a LookML string. */
export function lookmlString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\s+/g, ' ')}"`;
}

function block(
  header: string,
  lines: readonly string[],
  indent = '  ',
): string {
  const body = lines.map((line) => `${indent}  ${line}`).join('\n');
  return `${indent}${header} {\n${body}\n${indent}}`;
}

function humanLabel(name: string): string {
  const text = name.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Names of the fields a dimension group creates, one per timeframe. */
function groupFieldNames(
  group: string,
  timeframes: readonly string[],
): string[] {
  return timeframes.map((timeframe) => `${group}_${timeframe}`);
}

/** Returns the LookML dimension type for a column of `kind`. */
function dimensionType(kind: ColumnKind): 'number' | 'yesno' | 'string' {
  if (kind === 'number') return 'number';
  if (kind === 'boolean') return 'yesno';
  return 'string';
}

function dimensionGroupName(
  column: string,
  timeframes: readonly string[],
  taken: ReadonlySet<string>,
): string {
  const stripped = column.replace(/_(at|date|time)$/, '');
  if (stripped !== column && stripped.length > 0 && !taken.has(stripped)) {
    const generated = groupFieldNames(stripped, timeframes);
    if (!generated.some((name) => taken.has(name) && name !== column)) {
      return stripped;
    }
  }
  return column;
}

/**
 * Returns the measures of a view: a count, then totals and averages of the
 * numeric columns that add up, and averages of ratios and scores. Names in
 * `taken` are skipped, and the new ones are added to it.
 */
function measureBlocks(view: LookmlViewInput, taken: Set<string>): string[] {
  const measures: string[] = [];
  measures.push(
    block('measure: count', [
      'type: count',
      `description: ${lookmlString(`Rows of ${view.name}: ${view.grain}.`)}`,
    ]),
  );
  for (const column of view.columns) {
    if (columnKind(column.dataType) !== 'number') continue;
    if (view.key.includes(column.name) || /_rank$/.test(column.name)) continue;
    const candidates: { name: string; type: string; format: string }[] = [];
    const format = /_rate$|_share$/.test(column.name)
      ? 'percent_1'
      : 'decimal_2';
    if (ADDITIVE.test(column.name)) {
      candidates.push({ name: `total_${column.name}`, type: 'sum', format });
      candidates.push({
        name: `average_${column.name}`,
        type: 'average',
        format,
      });
    } else if (AVERAGED.test(column.name)) {
      candidates.push({
        name: `average_${column.name}`,
        type: 'average',
        format,
      });
    }
    for (const measure of candidates) {
      if (taken.has(measure.name)) continue;
      taken.add(measure.name);
      measures.push(
        block(`measure: ${measure.name}`, [
          `type: ${measure.type}`,
          `label: ${lookmlString(`${measure.type === 'sum' ? 'Total' : 'Average'} ${humanLabel(column.name).toLowerCase()}`)}`,
          `value_format_name: ${measure.format}`,
          `sql: \${${column.name}} ;;`,
        ]),
      );
    }
  }
  return measures;
}

/** Returns the field blocks of a view: its key, dimensions and measures. */
function viewFields(view: LookmlViewInput): string[] {
  const blocks: string[] = [];
  const columnNames = new Set(view.columns.map((column) => column.name));
  const singleKey = view.key.length === 1 ? view.key[0] : undefined;

  if (view.key.length > 1) {
    const parts = view.key.map((name) => {
      const column = view.columns.find((item) => item.name === name);
      const text =
        column && columnKind(column.dataType) === 'string'
          ? `\${TABLE}.${name}`
          : `cast(\${TABLE}.${name} as varchar)`;
      return `coalesce(${text}, '')`;
    });
    blocks.push(
      block(`dimension: ${COMPOUND_KEY_DIMENSION}`, [
        'primary_key: yes',
        'hidden: yes',
        'type: string',
        `description: ${lookmlString(`The compound key ${view.key.join(', ')}, joined with "|".`)}`,
        `sql: ${parts.join(` || '|' || `)} ;;`,
      ]),
    );
  }

  const taken = new Set([...columnNames, COMPOUND_KEY_DIMENSION]);
  for (const column of view.columns) {
    const kind = columnKind(column.dataType);
    const doc = view.docs[column.name];
    const description = doc ? [`description: ${lookmlString(doc)}`] : [];
    if (kind === 'timestamp' || kind === 'date') {
      const timeframes = kind === 'date' ? DATE_TIMEFRAMES : TIME_TIMEFRAMES;
      const name = dimensionGroupName(column.name, timeframes, taken);
      for (const field of groupFieldNames(name, timeframes)) taken.add(field);
      blocks.push(
        block(`dimension_group: ${name}`, [
          'type: time',
          `timeframes: [${timeframes.join(', ')}]`,
          ...(kind === 'date' ? ['datatype: date', 'convert_tz: no'] : []),
          ...description,
          `sql: \${TABLE}.${column.name} ;;`,
        ]),
      );
      continue;
    }
    const type = dimensionType(kind);
    blocks.push(
      block(`dimension: ${column.name}`, [
        ...(column.name === singleKey ? ['primary_key: yes'] : []),
        `type: ${type}`,
        ...description,
        `sql: \${TABLE}.${column.name} ;;`,
      ]),
    );
  }

  blocks.push(...measureBlocks(view, taken));
  return blocks;
}

/** Renders one view file. */
export function renderViewFile(view: LookmlViewInput): LookmlFile {
  const blocks = viewFields(view);
  const header = [
    `# Generated by "crossbeam-warehouse lookml" from ${view.schema}.${view.name}.`,
    `# Grain: ${view.grain}.`,
    '# Generate it again after the view changes rather than editing it.',
  ].join('\n');
  const contents = `${header}\nview: ${view.name} {\n  sql_table_name: ${view.schema}.${view.name} ;;\n\n${blocks.join('\n\n')}\n}\n`;
  return { path: `${view.name}.view.lkml`, contents };
}

/** A join of one view to the overlaps explore, on the keys they share. */
export interface OverlapJoin {
  readonly view: string;
  readonly columns: readonly string[];
  readonly relationship: 'many_to_one' | 'one_to_many';
}

/**
 * Finds the views that join `crossbeam_overlaps` on shared keys. A view
 * whose key columns are all overlaps columns joins many-to-one, because
 * each overlap matches at most one of its rows (a partner-level view on
 * partner_id, for example). A view that has the overlaps key joins
 * one-to-many, with several of its rows per overlap.
 */
export function overlapJoins(
  overlaps: LookmlViewInput,
  views: readonly LookmlViewInput[],
): OverlapJoin[] {
  const overlapColumns = new Map(
    overlaps.columns.map((column) => [column.name, column]),
  );
  const joinable = (name: string): boolean => {
    const column = overlapColumns.get(name);
    if (!column) return false;
    const kind = columnKind(column.dataType);
    return kind === 'string' || kind === 'number';
  };
  const joins: OverlapJoin[] = [];
  for (const view of views) {
    if (view.name === overlaps.name) continue;
    const names = new Set(view.columns.map((column) => column.name));
    if (view.key.length > 0 && view.key.every(joinable)) {
      joins.push({
        view: view.name,
        columns: view.key,
        relationship: 'many_to_one',
      });
    } else if (
      overlaps.key.length > 0 &&
      overlaps.key.every((name) => names.has(name) && joinable(name))
    ) {
      joins.push({
        view: view.name,
        columns: overlaps.key,
        relationship: 'one_to_many',
      });
    }
  }
  return joins;
}

/** Renders the explore file: the overlaps explore with joins, then one explore per other view. */
export function renderExploreFile(
  views: readonly LookmlViewInput[],
  fileName = 'crossbeam_warehouse.explore.lkml',
): LookmlFile {
  const overlaps = views.find((view) => view.name === OVERLAPS_VIEW);
  const explores: string[] = [];
  const joined = new Set<string>();
  if (overlaps) {
    const joins = overlapJoins(overlaps, views);
    const joinBlocks = joins.map((join) => {
      joined.add(join.view);
      const on = join.columns
        .map(
          (column) =>
            `\${${overlaps.name}.${column}} = \${${join.view}.${column}}`,
        )
        .join(' and ');
      return block(
        `join: ${join.view}`,
        [
          'type: left_outer',
          `relationship: ${join.relationship}`,
          `sql_on: ${on} ;;`,
        ],
        '  ',
      );
    });
    explores.push(
      `explore: ${overlaps.name} {\n  label: "Crossbeam overlaps"\n  description: ${lookmlString(`Crossbeam overlaps, ${overlaps.grain}, joined to the dashboard views that share their keys.`)}${joinBlocks.length > 0 ? `\n\n${joinBlocks.join('\n\n')}` : ''}\n}`,
    );
  }
  for (const view of views) {
    if (view.name === OVERLAPS_VIEW) continue;
    explores.push(
      `explore: ${view.name} {\n  description: ${lookmlString(`${humanLabel(view.name)}: ${view.grain}.`)}\n}`,
    );
  }
  const contents = [
    '# Generated by "crossbeam-warehouse lookml". Include this file from a',
    '# model file that sets the connection, for example:',
    '#   connection: "redshift"',
    `#   include: "/crossbeam_warehouse/${fileName}"`,
    'include: "*.view.lkml"',
    '',
    explores.join('\n\n'),
    '',
  ].join('\n');
  return { path: fileName, contents };
}

/** Renders every view file and the explore file. */
export function generateLookml(
  views: readonly LookmlViewInput[],
): LookmlFile[] {
  const sorted = [...views].sort((a, b) => a.name.localeCompare(b.name));
  return [...sorted.map(renderViewFile), renderExploreFile(sorted)];
}
