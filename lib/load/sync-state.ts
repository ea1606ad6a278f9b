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
  /**
   * The last failed extract's or load's message, cleared by the next
   * successful load.
   */
  readonly last_error: string | null;
  /** API requests the last loaded run retried. */
  readonly retries?: number | null;
  /** The last loaded run's rejected items, counted by reason. */
  readonly reject_reasons?: Readonly<Record<string, number>> | null;
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
  'retries',
  'reject_reasons',
] as const;

/** Longest `last_error` kept, in characters. */
export const MAX_ERROR_LENGTH = 2000;

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
    retries: number(row.retries),
    reject_reasons: reasons(row.reject_reasons),
  };
}

/** Reads the JSON object of reject counts, or null when absent or invalid. */
function reasons(value: unknown): Record<string, number> | null {
  if (value === null || value === undefined || value === '') return null;
  try {
    const parsed: unknown = JSON.parse(String(value));
    return parsed && typeof parsed === 'object'
      ? (parsed as Record<string, number>)
      : null;
  } catch {
    return null;
  }
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

/**
 * Statements that keep `stored` (or an empty state before the stream's
 * first load) but set `last_error` to `message`: the bookmark and the
 * counts of the last good load stay as they were.
 */
export function writeStreamErrorSql(
  stream: string,
  stored: SyncStatus | null,
  message: string,
  context: RenderContext,
): string[] {
  return writeSyncStatusSql(
    {
      stream,
      bookmark: stored?.bookmark ?? null,
      bookmark_run_id: stored?.bookmark_run_id ?? null,
      bookmark_at: stored?.bookmark_at ?? null,
      last_run_id: stored?.last_run_id ?? null,
      last_loaded_at: stored?.last_loaded_at ?? null,
      last_mode: stored?.last_mode ?? null,
      rows_loaded: stored?.rows_loaded ?? null,
      rejects: stored?.rejects ?? null,
      retries: stored?.retries ?? null,
      reject_reasons: stored?.reject_reasons ?? null,
      last_error: message.slice(0, MAX_ERROR_LENGTH),
    },
    context,
  );
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
    literal(status.retries ?? null),
    literal(
      status.reject_reasons ? JSON.stringify(status.reject_reasons) : null,
    ),
  ];
  return [
    `delete from ${table} where stream = ${literal(status.stream)}`,
    `insert into ${table} (${COLUMNS.join(', ')}) values (${values.join(', ')})`,
  ];
}
