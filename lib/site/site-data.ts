import { CrossbeamWarehouseError } from '../errors';
import {
  columnKind,
  readWarehouseColumns,
  type ColumnKind,
  type WarehouseColumn,
} from '../reference/columns';
import { listModels, type ModelSpec } from '../sql/models';
import type { RenderContext } from '../sql/render';
import type { Warehouse } from '../warehouse/warehouse';
import { DASHBOARDS, type Dashboard, type Panel } from './dashboards';

/** A dashboard spec and the dashboard views disagree. */
export class DashboardSiteError extends CrossbeamWarehouseError {}

/**
 * Rows embedded per panel at most, so that a large warehouse still gives a
 * page a browser opens quickly. The panel shows when rows were left out.
 */
export const MAX_PANEL_ROWS = 2000;

export interface SiteColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** The column's documentation from the model header, when it has one. */
  readonly doc?: string;
}

/** A panel whose view exists: its columns, rows and basis values. */
export interface ReadyPanelData {
  readonly status: 'ready';
  readonly columns: readonly SiteColumn[];
  /** Rows as arrays in `columns` order, in the panel's sort order. */
  readonly rows: readonly (readonly unknown[])[];
  /** Rows in the view; more than `rows.length` when the cap applied. */
  readonly totalRows: number;
  /** Distinct values of the view's `basis` column; empty without one. */
  readonly basis: readonly string[];
}

/** A panel whose view is not in the warehouse, with the reason. */
export interface SkippedPanelData {
  readonly status: 'skipped';
  readonly message: string;
}

export type PanelData = Panel & {
  readonly data: ReadyPanelData | SkippedPanelData;
};

export interface DashboardData extends Omit<Dashboard, 'panels'> {
  readonly panels: readonly PanelData[];
}

/** Everything the page shows, embedded in it as JSON. */
export interface SiteData {
  readonly generatedAt: string;
  /** The warehouse location without credentials. */
  readonly warehouse: string;
  readonly dashboards: readonly DashboardData[];
}

export interface CollectSiteDataOptions {
  readonly dashboards?: readonly Dashboard[];
  /** Folder of model files, for the reasons of skipped views. */
  readonly modelsDir?: string;
  readonly now?: Date;
  readonly maxRows?: number;
}

function toDisplayValue(value: unknown, kind: ColumnKind): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'number': {
      const number = Number(value);
      return Number.isFinite(number) ? number : String(value);
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : String(value) === 'true';
    case 'timestamp':
      return value instanceof Date ? value.toISOString() : String(value);
    case 'date':
      return value instanceof Date
        ? value.toISOString().slice(0, 10)
        : String(value).slice(0, 10);
    default:
      return String(value);
  }
}

function skipMessage(view: string, model: ModelSpec | undefined): string {
  if (!model) {
    return `The view ${view} is not in the warehouse and no model file defines it.`;
  }
  if (model.requires.length > 0) {
    return `The view ${view} was not built: it needs the ${model.requires.join(' and ')} source${model.requires.length > 1 ? 's' : ''}. Configure ${model.requires.length > 1 ? 'them' : 'it'} in the sources section of the config file, then run "crossbeam-warehouse build".`;
  }
  return `The view ${view} was not built yet: run "crossbeam-warehouse build".`;
}

function checkPanelColumns(panel: Panel, available: ReadonlySet<string>): void {
  const named = [
    ...panel.sort.map((sort) => sort.column),
    ...(panel.rep ? [panel.rep.id, panel.rep.name] : []),
    ...(panel.kind === 'table'
      ? panel.columns
      : [
          ...panel.labelColumns,
          ...panel.series.map((series) => series.column),
          ...(panel.pivotColumn ? [panel.pivotColumn] : []),
        ]),
  ];
  const missing = [...new Set(named)].filter((name) => !available.has(name));
  if (missing.length > 0) {
    throw new DashboardSiteError(
      `Dashboard panel ${panel.id} names ${missing.join(', ')}, which the view ${panel.view} does not have (it has ${[...available].join(', ')}). Update the panel in lib/site/dashboards.ts or rebuild the views with "crossbeam-warehouse build".`,
    );
  }
}

async function readPanel(
  warehouse: Warehouse,
  qualifiedName: string,
  panel: Panel,
  columns: readonly WarehouseColumn[],
  model: ModelSpec | undefined,
  maxRows: number,
): Promise<ReadyPanelData> {
  const names = new Set(columns.map((column) => column.name));
  checkPanelColumns(panel, names);

  const orderBy = panel.sort
    .map((sort) => `${sort.column} ${sort.direction} nulls last`)
    .join(', ');
  const rows = await warehouse.query(
    `select * from ${qualifiedName}${orderBy ? ` order by ${orderBy}` : ''} limit ${maxRows}`,
  );
  const [count] = await warehouse.query(
    `select count(*) as row_count from ${qualifiedName}`,
  );
  const basis = names.has('basis')
    ? await warehouse.query(
        `select distinct basis from ${qualifiedName} where basis is not null order by basis`,
      )
    : [];

  const siteColumns: SiteColumn[] = columns.map((column) => ({
    name: column.name,
    kind: columnKind(column.dataType),
    ...(model?.columns[column.name] ? { doc: model.columns[column.name] } : {}),
  }));
  return {
    status: 'ready',
    columns: siteColumns,
    rows: rows.map((row) =>
      siteColumns.map((column) =>
        toDisplayValue(row[column.name], column.kind),
      ),
    ),
    totalRows: Number(count?.row_count ?? rows.length),
    basis: basis.map((row) => String(row.basis)),
  };
}

/**
 * Reads every panel's view from the dashboards schema of `warehouse`. A
 * view that is not there (its source was not configured at build time)
 * becomes a skipped panel with the reason; a view that lacks a column a
 * panel names raises DashboardSiteError.
 */
export async function collectSiteData(
  warehouse: Warehouse,
  context: RenderContext,
  options: CollectSiteDataOptions = {},
): Promise<SiteData> {
  const schema = context.schemas.dashboards;
  const dashboards = options.dashboards ?? DASHBOARDS;
  const maxRows = options.maxRows ?? MAX_PANEL_ROWS;
  const catalog = await readWarehouseColumns(warehouse, [schema]);
  const models = new Map(
    (await listModels(options.modelsDir)).map((model) => [model.name, model]),
  );

  const result: DashboardData[] = [];
  for (const dashboard of dashboards) {
    const panels: PanelData[] = [];
    for (const panel of dashboard.panels) {
      const columns = catalog.get(`${schema}.${panel.view}`);
      const model = models.get(panel.view);
      const data: ReadyPanelData | SkippedPanelData = columns
        ? await readPanel(
            warehouse,
            `${schema}.${panel.view}`,
            panel,
            columns,
            model,
            maxRows,
          )
        : { status: 'skipped', message: skipMessage(panel.view, model) };
      panels.push({ ...panel, data });
    }
    result.push({ ...dashboard, panels });
  }

  return {
    generatedAt: (options.now ?? new Date()).toISOString(),
    warehouse: warehouse.url,
    dashboards: result,
  };
}
