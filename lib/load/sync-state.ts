import { quoteLiteral, renderSql, type RenderContext } from '../sql/render';
import { STREAMS, type StreamName } from '../streams/catalog';
import { liveRowSql } from './merge-sql';
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
 * Returns whether the warehouse contains a row of `stream` that is not
 * deleted, in the stream's first table (overlaps, for an overlap stream).
 */
export async function hasLiveRows(
  warehouse: Warehouse,
  context: RenderContext,
  stream: StreamName,
): Promise<boolean> {
  const main = STREAMS[stream].tables[0]!;
  return (await warehouse.query(liveRowSql(main, context))).length > 0;
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

/** A partner's bookmark of a stream split by partner. */
export interface PartitionBookmark {
  readonly value: string;
  readonly bookmark: string | null;
  readonly bookmark_run_id: string | null;
  /** observed_at of the run that set the bookmark. */
  readonly bookmark_at: Date | null;
}

function partitionTable(context: RenderContext): string {
  return renderSql('{{ crossbeam }}.partition_bookmarks', context);
}

/** Reads every partner's bookmark of `stream`, keyed by partner id. */
export async function readPartitionBookmarks(
  warehouse: Warehouse,
  context: RenderContext,
  stream: string,
): Promise<Map<string, PartitionBookmark>> {
  const rows = await warehouse.query(
    `select partition_value, bookmark, bookmark_run_id, bookmark_at from ${partitionTable(context)} where stream = ${quoteLiteral(stream, context.dialect)} order by partition_value`,
  );
  return new Map(
    rows.map((row) => [
      String(row.partition_value),
      {
        value: String(row.partition_value),
        bookmark: text(row.bookmark),
        bookmark_run_id: text(row.bookmark_run_id),
        bookmark_at: toDate(row.bookmark_at),
      },
    ]),
  );
}

/**
 * Statements that store the partner bookmarks a run advanced, and remove
 * the bookmarks of partners the run did not list unless a run newer than
 * `observedAt` set them.
 */
export function writePartitionBookmarksSql(
  stream: string,
  advanced: readonly PartitionBookmark[],
  listed: readonly string[],
  observedAt: Date,
  context: RenderContext,
): string[] {
  const table = partitionTable(context);
  const literal = (value: string | null): string =>
    quoteLiteral(value, context.dialect);
  const where = `stream = ${literal(stream)}`;
  const statements: string[] = [];
  const notListed =
    listed.length > 0
      ? ` and partition_value not in (${listed.map(literal).join(', ')})`
      : '';
  statements.push(
    `delete from ${table} where ${where}${notListed} and (bookmark_at is null or bookmark_at < ${timestampLiteral(observedAt, context)})`,
  );
  if (advanced.length > 0) {
    statements.push(
      `delete from ${table} where ${where} and partition_value in (${advanced.map((entry) => literal(entry.value)).join(', ')})`,
      `insert into ${table} (stream, partition_value, bookmark, bookmark_run_id, bookmark_at) values ${advanced
        .map(
          (entry) =>
            `(${[
              literal(stream),
              literal(entry.value),
              literal(entry.bookmark),
              literal(entry.bookmark_run_id),
              timestampLiteral(entry.bookmark_at, context),
            ].join(', ')})`,
        )
        .join(', ')}`,
    );
  }
  return statements;
}

/** How many partners of a split stream have a bookmark, and the oldest. */
export interface PartitionSummary {
  readonly stream: string;
  readonly partners: number;
  readonly oldest_bookmark_at: Date | null;
}

/** Summarizes the partner bookmarks of every split stream, for `status`. */
export async function readPartitionSummaries(
  warehouse: Warehouse,
  context: RenderContext,
): Promise<Map<string, PartitionSummary>> {
  const rows = await warehouse.query(
    `select stream, count(*) as partners, min(bookmark_at) as oldest_bookmark_at from ${partitionTable(context)} where bookmark is not null group by stream`,
  );
  return new Map(
    rows.map((row) => [
      String(row.stream),
      {
        stream: String(row.stream),
        partners: Number(row.partners),
        oldest_bookmark_at: toDate(row.oldest_bookmark_at),
      },
    ]),
  );
}
