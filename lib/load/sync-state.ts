import { quoteLiteral, renderSql, type RenderContext } from '../sql/render';
import type { StreamName } from '../streams/catalog';
import type { Row, Warehouse } from '../warehouse/warehouse';

/** A stream's row of `<crossbeam>.sync_state`. */
export interface SyncStatus {
  readonly stream: string;
  /** The `next_href` the next incremental run starts from. */
  readonly bookmark: string | null;
  readonly bookmark_run_id: string | null;
  /** observed_at of the run that set the bookmark. */
  readonly bookmark_at: Date | null;
  readonly last_run_id: string | null;
  readonly last_loaded_at: Date | null;
  readonly last_mode: string | null;
  readonly rows_loaded: number | null;
  readonly rejects: number | null;
  /** The last failed load's message, cleared by the next successful load. */
  readonly last_error: string | null;
}

const COLUMNS = [
  'stream',
  'bookmark',
  'bookmark_run_id',
  'bookmark_at',
  'last_run_id',
  'last_loaded_at',
  'last_mode',
  'rows_loaded',
  'rejects',
  'last_error',
] as const;

const text = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value);

const number = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/** Reads a warehouse timestamp, which drivers return as a Date or a string. */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

function toSyncStatus(row: Row): SyncStatus {
  return {
    stream: String(row.stream),
    bookmark: text(row.bookmark),
    bookmark_run_id: text(row.bookmark_run_id),
    bookmark_at: toDate(row.bookmark_at),
    last_run_id: text(row.last_run_id),
    last_loaded_at: toDate(row.last_loaded_at),
    last_mode: text(row.last_mode),
    rows_loaded: number(row.rows_loaded),
    rejects: number(row.rejects),
    last_error: text(row.last_error),
  };
}

function syncStateTable(context: RenderContext): string {
  return renderSql('{{ crossbeam }}.sync_state', context);
}

/** Reads every stream's sync state, ordered by stream, for `status`. */
export async function readSyncStatus(
  warehouse: Warehouse,
  context: RenderContext,
): Promise<SyncStatus[]> {
  const rows = await warehouse.query(
    `select ${COLUMNS.join(', ')} from ${syncStateTable(context)} order by stream`,
  );
  return rows.map(toSyncStatus);
}

/** Reads one stream's sync state, or null before its first load. */
export async function readStreamStatus(
  warehouse: Warehouse,
  context: RenderContext,
  stream: string,
): Promise<SyncStatus | null> {
  const rows = await warehouse.query(
    `select ${COLUMNS.join(', ')} from ${syncStateTable(context)} where stream = ${quoteLiteral(stream, context.dialect)}`,
  );
  return rows[0] ? toSyncStatus(rows[0]) : null;
}

/**
 * Returns the bookmark the next incremental run of `stream` starts from,
 * or null when the stream needs a full pass.
 */
export async function readBookmark(
  warehouse: Warehouse,
  context: RenderContext,
  stream: StreamName,
): Promise<string | null> {
  return (await readStreamStatus(warehouse, context, stream))?.bookmark ?? null;
}

function timestampLiteral(date: Date | null, context: RenderContext): string {
  return date
    ? `cast(${quoteLiteral(date.toISOString(), context.dialect)} as timestamptz)`
    : 'null';
}

/** Statements that replace a stream's sync state row with `status`. */
export function writeSyncStatusSql(
  status: SyncStatus,
  context: RenderContext,
): string[] {
  const table = syncStateTable(context);
  const literal = (value: string | number | null): string =>
    quoteLiteral(value, context.dialect);
  const values = [
    literal(status.stream),
    literal(status.bookmark),
    literal(status.bookmark_run_id),
    timestampLiteral(status.bookmark_at, context),
    literal(status.last_run_id),
    timestampLiteral(status.last_loaded_at, context),
    literal(status.last_mode),
    literal(status.rows_loaded),
    literal(status.rejects),
    literal(status.last_error),
  ];
  return [
    `delete from ${table} where stream = ${literal(status.stream)}`,
    `insert into ${table} (${COLUMNS.join(', ')}) values (${values.join(', ')})`,
  ];
}
