import { sameBookmark } from './bookmark';
import { CrossbeamWarehouseError, WarehouseError } from '../errors';
import {
  ManifestSchema,
  manifestKey,
  type Manifest,
} from '../extract/manifest';
import { runFolder } from '../extract/run-state';
import type { LandingStore } from '../landing/store';
import type { Logger } from '../log';
import { crashPoint } from '../pipeline/crash-point';
import { quoteLiteral, type RenderContext } from '../sql/render';
import {
  STREAM_NAMES,
  STREAMS,
  type StreamName,
  type StreamSpec,
} from '../streams/catalog';
import type { Warehouse } from '../warehouse/warehouse';
import { mergeStatements, type StagedTable } from './merge-sql';
import { createStagingTableSql, stagingTableName } from './staging';
import {
  readPartitionBookmarks,
  readStreamStatus,
  toDate,
  writePartitionBookmarksSql,
  writeStreamErrorSql,
  writeSyncStatusSql,
  type PartitionBookmark,
  type SyncStatus,
} from './sync-state';

export {
  readBookmark,
  readPartitionBookmarks,
  readPartitionSummaries,
  readSyncStatus,
  type PartitionBookmark,
  type SyncStatus,
} from './sync-state';

export interface LoadProgress {
  readonly stream: StreamName;
  readonly runId: string;
  /** `copy`: one table was copied to staging; `merged`: the run is loaded. */
  readonly phase: 'copy' | 'merged';
  readonly table?: string;
  readonly rows?: number;
}

export interface LoadRunOptions {
  readonly warehouse: Warehouse;
  readonly store: LandingStore;
  readonly context: RenderContext;
  readonly manifest: Manifest;
  readonly logger?: Logger;
  readonly onProgress?: (progress: LoadProgress) => void;
}

export interface LoadRunResult {
  readonly stream: StreamName;
  readonly runId: string;
  readonly mode: Manifest['mode'];
  /** Rows copied to staging per landed table, before de-duplication. */
  readonly tableRows: Readonly<Record<string, number>>;
  readonly rowsLoaded: number;
  /** Staged rows dropped because a key column was null. */
  readonly nullKeyRows: number;
  /** True when the run moved the stream's bookmark to its own. */
  readonly bookmarkAdvanced: boolean;
}

export interface LoadPendingRunsOptions {
  readonly warehouse: Warehouse;
  readonly store: LandingStore;
  readonly context: RenderContext;
  /** Streams to load; every stream by default. */
  readonly streams?: readonly StreamName[];
  /**
   * Id of the warehouse being loaded. A run whose manifest names another
   * warehouse is skipped; runs that name none load anyway. Without it,
   * every complete run loads.
   */
  readonly warehouseId?: string;
  readonly logger?: Logger;
  readonly onProgress?: (progress: LoadProgress) => void;
}

export interface StreamLoadResult {
  readonly stream: StreamName;
  /** Runs loaded by this call, in run-id order. */
  readonly loaded: LoadRunResult[];
  /**
   * Runs not loaded, with the reason (already loaded, incomplete, landed for
   * another warehouse).
   */
  readonly skipped: { runId: string; reason: string }[];
}

export interface LoadPendingRunsResult {
  readonly streams: StreamLoadResult[];
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Decides whether a run may move the bookmark: a full pass may, and so may
 * an incremental run that started from the bookmark stored now. A run
 * observed before the run that set the stored bookmark never moves it back.
 */
export function bookmarkAdvances(
  manifest: Manifest,
  stored: SyncStatus | null,
): boolean {
  const storedBookmark = stored?.bookmark ?? null;
  const startsFromStored =
    manifest.mode === 'full' ||
    sameBookmark(manifest.previous_bookmark, storedBookmark);
  const observedAt = new Date(manifest.observed_at);
  const notOlder =
    !stored?.bookmark_at ||
    observedAt.getTime() >= stored.bookmark_at.getTime();
  return startsFromStored && notOlder;
}

/**
 * Returns the partner bookmarks a split run moves: a partner read in full
 * may move its bookmark, and so may one read from the bookmark stored now.
 * A run observed before the run that set a partner's stored bookmark never
 * moves it back.
 */
export function advancedPartitions(
  manifest: Manifest,
  stored: ReadonlyMap<string, PartitionBookmark>,
): PartitionBookmark[] {
  const observedAt = new Date(manifest.observed_at);
  return (manifest.partitions?.slices ?? [])
    .filter((slice) => {
      const current = stored.get(slice.value);
      const startsFromStored =
        slice.mode === 'full' ||
        sameBookmark(slice.previous_bookmark, current?.bookmark ?? null);
      const notOlder =
        !current?.bookmark_at ||
        observedAt.getTime() >= current.bookmark_at.getTime();
      return startsFromStored && notOlder;
    })
    .map((slice) => ({
      value: slice.value,
      bookmark: slice.bookmark,
      bookmark_run_id: manifest.run_id,
      bookmark_at: observedAt,
    }));
}

function validateManifest(manifest: Manifest, spec: StreamSpec): void {
  if (manifest.partitions && !spec.partitionBy) {
    throw new WarehouseError(
      `Manifest of ${manifest.stream} run ${manifest.run_id} is split by partner, but the stream is not read by partner. Re-extract the run with this version of the extractor.`,
    );
  }
  const known = new Set(spec.tables.map((table) => table.name));
  for (const name of Object.keys(manifest.tables)) {
    if (!known.has(name)) {
      throw new WarehouseError(
        `Manifest of ${manifest.stream} run ${manifest.run_id} lists table ${name}, which the stream does not land (expected ${[...known].join(', ')}). Re-extract the run with this version of the extractor.`,
      );
    }
  }
  if (Number.isNaN(new Date(manifest.observed_at).getTime())) {
    throw new WarehouseError(
      `Manifest of ${manifest.stream} run ${manifest.run_id} has an invalid observed_at ${JSON.stringify(manifest.observed_at)}: expected an ISO 8601 instant.`,
    );
  }
}

async function dropStagingTables(
  warehouse: Warehouse,
  tables: readonly StagedTable[],
  logger: Logger | undefined,
  runId: string,
): Promise<void> {
  for (const table of tables) {
    try {
      await warehouse.query(`drop table if exists ${table.staging}`);
    } catch (error) {
      // The load's outcome is kept, because the next load of the same
      // run replaces a leftover staging table.
      logger?.warn('Dropping a staging table failed; it is left in place.', {
        table: table.staging,
        run: runId,
        error,
      });
    }
  }
}

async function copyToStaging(
  options: LoadRunOptions,
  spec: StreamSpec,
  staged: readonly StagedTable[],
): Promise<Record<string, number>> {
  const { warehouse, store, context, manifest } = options;
  const tableRows: Record<string, number> = {};
  for (const table of staged) {
    await warehouse.query(`drop table if exists ${table.staging}`);
    await warehouse.query(
      createStagingTableSql(table.staging, table.spec, context.dialect),
    );

    const landed = manifest.tables[table.spec.name];
    let copied = 0;
    if (landed && landed.parts.length > 0) {
      copied = await warehouse.copyFromLanding(
        {
          schema: context.schemas.staging,
          name: table.staging.slice(context.schemas.staging.length + 1),
          columns: table.spec.columns.map((column) => column.name),
        },
        {
          store,
          parts: landed.parts.map((part) => part.key),
          copyManifest: landed.copy_manifest,
        },
      );
      if (copied !== landed.rows) {
        throw new WarehouseError(
          `Copying ${spec.name} run ${manifest.run_id} table ${table.spec.name} loaded ${copied} rows, but its manifest lists ${landed.rows}. The landed parts are incomplete or damaged: extract the run again.`,
        );
      }
    }
    tableRows[table.spec.name] = copied;
    options.onProgress?.({
      stream: spec.name,
      runId: manifest.run_id,
      phase: 'copy',
      table: table.spec.name,
      rows: copied,
    });
  }
  return tableRows;
}

async function countNullKeys(
  warehouse: Warehouse,
  staged: readonly StagedTable[],
): Promise<number> {
  let total = 0;
  for (const table of staged) {
    const condition = table.spec.key.map((c) => `${c} is null`).join(' or ');
    const rows = await warehouse.query(
      `select count(*) as null_key_rows from ${table.staging} where ${condition}`,
    );
    total += Number(rows[0]?.null_key_rows ?? 0);
  }
  return total;
}

function loadRunSql(
  manifest: Manifest,
  result: Omit<LoadRunResult, 'stream' | 'runId' | 'mode'>,
  loadedAt: Date,
  context: RenderContext,
): string {
  const literal = (value: string | number | boolean | null): string =>
    quoteLiteral(value, context.dialect);
  const timestamp = (iso: string): string =>
    `cast(${literal(iso)} as timestamptz)`;
  const tableRows = Object.entries(result.tableRows)
    .map(([table, rows]) => `${table}=${rows}`)
    .join(',');
  return `insert into ${context.schemas.crossbeam}.load_runs (stream, run_id, mode, observed_at, loaded_at, previous_bookmark, bookmark, bookmark_advanced, rows_loaded, table_rows, rejects) values (${[
    literal(manifest.stream),
    literal(manifest.run_id),
    literal(manifest.mode),
    timestamp(manifest.observed_at),
    timestamp(loadedAt.toISOString()),
    literal(manifest.previous_bookmark),
    literal(manifest.bookmark),
    literal(result.bookmarkAdvanced),
    literal(result.rowsLoaded),
    literal(tableRows),
    literal(manifest.rejects.count),
  ].join(', ')})`;
}

async function recordFailure(
  options: LoadRunOptions,
  stored: SyncStatus | null,
  error: unknown,
): Promise<void> {
  const { warehouse, context, manifest } = options;
  const message = `Loading run ${manifest.run_id} failed: ${errorMessage(error)}`;
  try {
    await warehouse.executeBatch(
      writeStreamErrorSql(manifest.stream, stored, message, context),
    );
  } catch (recordError) {
    options.logger?.error(
      'Recording a failed load in sync_state failed as well; the load error is raised.',
      { stream: manifest.stream, run: manifest.run_id, error: recordError },
    );
  }
}

/**
 * Loads one complete run: copies its parts into fresh staging tables, then
 * in one transaction merges them into the `crossbeam` tables, applies
 * deletes and history, records the run in `load_runs` and sets the stream's
 * sync state and bookmark. The staging tables are dropped afterwards, also
 * after a failure, which leaves the tables and the bookmark as they were.
 */
export async function loadRun(options: LoadRunOptions): Promise<LoadRunResult> {
  const { warehouse, context, manifest, logger } = options;
  const spec = STREAMS[manifest.stream];
  validateManifest(manifest, spec);

  const staged: StagedTable[] = spec.tables.map((table) => ({
    spec: table,
    staging: `${context.schemas.staging}.${stagingTableName(table.name, spec.name, manifest.run_id)}`,
  }));
  const stored = await readStreamStatus(warehouse, context, spec.name);

  try {
    const tableRows = await copyToStaging(options, spec, staged);
    const nullKeyRows = await countNullKeys(warehouse, staged);
    crashPoint('after-staging');
    if (nullKeyRows > 0) {
      logger?.warn('Landed rows with a null key column are not loaded.', {
        stream: spec.name,
        run: manifest.run_id,
        rows: nullKeyRows,
      });
    }

    const { partitions } = manifest;
    // A split run covers every partner: a partner it did not list is gone,
    // and one it read in full lost the rows it did not return. Only the
    // partners read from a bookmark keep their absent rows.
    const replacesScope =
      spec.sync === 'snapshot' ||
      manifest.mode === 'full' ||
      partitions !== undefined;
    const keepAbsent =
      partitions && spec.partitionBy
        ? {
            column: spec.partitionBy.column,
            values: [
              ...partitions.slices
                .filter((slice) => slice.mode === 'incremental')
                .map((slice) => slice.value),
              ...partitions.unread,
            ],
          }
        : undefined;
    const mainRows = tableRows[spec.tables[0]!.name] ?? 0;
    if (manifest.mode === 'full' && replacesScope && mainRows === 0) {
      logger?.warn(
        'A full pass landed no rows, so every stored row of the stream is removed.',
        { stream: spec.name, run: manifest.run_id },
      );
    }

    const storedPartitions = spec.partitionBy
      ? await readPartitionBookmarks(warehouse, context, spec.name)
      : new Map<string, PartitionBookmark>();
    const movableBookmarks = advancedPartitions(manifest, storedPartitions);
    const bookmarkAdvanced = partitions
      ? movableBookmarks.length === partitions.slices.length
      : bookmarkAdvances(manifest, stored);
    // When a list run loaded before this split run has replaced the partner
    // bookmarks that the split run started from, the split run keeps the
    // list's bookmark. Moving only some partners' bookmarks would clear it,
    // and the next run would read the other partners in full.
    const afterListRun =
      partitions !== undefined &&
      !bookmarkAdvanced &&
      (stored?.bookmark ?? null) !== null;
    const advanced = afterListRun ? [] : movableBookmarks;
    const rowsLoaded = Object.values(tableRows).reduce((a, b) => a + b, 0);
    const loadedAt = new Date();
    const observedAt = toDate(manifest.observed_at)!;
    const result: LoadRunResult = {
      stream: spec.name,
      runId: manifest.run_id,
      mode: manifest.mode,
      tableRows,
      rowsLoaded,
      nullKeyRows,
      bookmarkAdvanced,
    };
    const status: SyncStatus = {
      stream: spec.name,
      // A split stream keeps its bookmarks per partner.
      bookmark: partitions
        ? afterListRun
          ? stored!.bookmark
          : null
        : bookmarkAdvanced
          ? manifest.bookmark
          : (stored?.bookmark ?? null),
      bookmark_run_id: bookmarkAdvanced
        ? manifest.run_id
        : (stored?.bookmark_run_id ?? null),
      bookmark_at: bookmarkAdvanced
        ? observedAt
        : (stored?.bookmark_at ?? null),
      last_run_id: manifest.run_id,
      last_loaded_at: loadedAt,
      last_mode: manifest.mode,
      rows_loaded: rowsLoaded,
      rejects: manifest.rejects.count,
      last_error: null,
      retries: manifest.retries,
      reject_reasons: manifest.rejects.reasons,
    };

    await warehouse.executeBatch([
      ...mergeStatements({
        stream: spec,
        tables: staged,
        runId: manifest.run_id,
        observedAt: observedAt.toISOString(),
        replacesScope,
        keepAbsent,
        context,
      }),
      loadRunSql(manifest, result, loadedAt, context),
      ...writeSyncStatusSql(status, context),
      ...partitionBookmarkSql(
        manifest,
        spec,
        advanced,
        bookmarkAdvanced,
        context,
      ),
    ]);

    logger?.info('Loaded a run.', {
      stream: spec.name,
      run: manifest.run_id,
      mode: manifest.mode,
      rows: rowsLoaded,
      bookmark: bookmarkAdvanced ? 'advanced' : 'unchanged',
    });
    options.onProgress?.({
      stream: spec.name,
      runId: manifest.run_id,
      phase: 'merged',
      rows: rowsLoaded,
    });
    return result;
  } catch (error) {
    await recordFailure(options, stored, error);
    throw error;
  } finally {
    await dropStagingTables(warehouse, staged, logger, manifest.run_id);
  }
}

/**
 * Statements that keep the partner bookmarks in step with the run: a split
 * run stores the ones it advanced and drops those of partners it did not
 * list. A run that read the stream in one list and moved the stream's
 * bookmark drops every partner bookmark, which that list replaced.
 */
function partitionBookmarkSql(
  manifest: Manifest,
  spec: StreamSpec,
  advanced: readonly PartitionBookmark[],
  bookmarkAdvanced: boolean,
  context: RenderContext,
): string[] {
  if (!spec.partitionBy) return [];
  const observedAt = new Date(manifest.observed_at);
  if (manifest.partitions) {
    return writePartitionBookmarksSql(
      spec.name,
      advanced,
      [
        ...manifest.partitions.slices.map((slice) => slice.value),
        ...manifest.partitions.unread,
      ],
      observedAt,
      context,
    );
  }
  if (!bookmarkAdvanced) return [];
  return writePartitionBookmarksSql(spec.name, [], [], observedAt, context);
}

async function readManifest(
  store: LandingStore,
  stream: StreamName,
  runId: string,
): Promise<Manifest> {
  const key = manifestKey(stream, runId);
  const text = (await store.getBuffer(key)).toString('utf8');
  // A load never moves a bookmark past a run it has not loaded, so the next
  // sync reads a removed run's records again.
  const advice = `Remove the run folder ${store.locate(runFolder(stream, runId))} to go on, and the next sync reads its records again.`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CrossbeamWarehouseError(
      `Invalid manifest ${store.locate(key)}: it is not JSON (${errorMessage(error)}). ${advice}`,
      { cause: error },
    );
  }
  const result = ManifestSchema.safeParse(parsed);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new CrossbeamWarehouseError(
      `Invalid manifest ${store.locate(key)}: ${problems}. ${advice}`,
    );
  }
  const manifest = result.data;
  if (manifest.stream !== stream || manifest.run_id !== runId) {
    throw new CrossbeamWarehouseError(
      `Manifest ${store.locate(key)} names stream ${manifest.stream} run ${manifest.run_id}, but it is stored under ${stream}/${runId}. Move it back or extract the run again.`,
    );
  }
  return manifest;
}

// NOTE: run ids order runs to the second of their observed time. Two runs
// of one stream observed within the same second load in the order of their
// random suffixes. The run lock and the time a sync takes make that
// unlikely, but do not rule it out.
/** Orders run ids by their characters, the order in which runs happened. */
function compareRunIds(a: string, b: string): number {
  if (a < b) return -1;
  if (a > b) return 1;
  return 0;
}

/** Run ids under `<stream>/`, and which of them have a manifest. */
async function listRuns(
  store: LandingStore,
  stream: StreamName,
): Promise<{ runId: string; complete: boolean }[]> {
  const keys = await store.list(`${stream}/`);
  const runs = new Map<string, boolean>();
  for (const key of keys) {
    const [, runId, ...rest] = key.split('/');
    if (!runId || rest.length === 0) continue;
    const isManifest = rest.length === 1 && rest[0] === 'manifest.json';
    runs.set(runId, (runs.get(runId) ?? false) || isManifest);
  }
  return [...runs.entries()]
    .sort(([a], [b]) => compareRunIds(a, b))
    .map(([runId, complete]) => ({ runId, complete }));
}

async function loadedRunIds(
  warehouse: Warehouse,
  context: RenderContext,
  stream: StreamName,
): Promise<Set<string>> {
  const rows = await warehouse.query(
    `select run_id from ${context.schemas.crossbeam}.load_runs where stream = ${quoteLiteral(stream, context.dialect)}`,
  );
  return new Set(rows.map((row) => String(row.run_id)));
}

/**
 * Loads every complete run in the landing store that the warehouse has not
 * loaded yet, stream by stream, each stream's runs in run-id order. Runs
 * without a manifest are incomplete and skipped. The first failure stops
 * the call and is raised; runs loaded before it stay loaded.
 */
export async function loadPendingRuns(
  options: LoadPendingRunsOptions,
): Promise<LoadPendingRunsResult> {
  const { warehouse, store, context, logger } = options;
  const streams: StreamLoadResult[] = [];
  const foreign: string[] = [];
  for (const stream of options.streams ?? STREAM_NAMES) {
    const result: StreamLoadResult = { stream, loaded: [], skipped: [] };
    streams.push(result);
    const loaded = await loadedRunIds(warehouse, context, stream);

    for (const { runId, complete } of await listRuns(store, stream)) {
      if (!complete) {
        result.skipped.push({
          runId,
          reason: 'incomplete: the run has no manifest.json',
        });
        logger?.info('Skipped an incomplete run without a manifest.', {
          stream,
          run: runId,
        });
        continue;
      }
      if (loaded.has(runId)) {
        result.skipped.push({ runId, reason: 'already loaded' });
        continue;
      }
      const manifest = await readManifest(store, stream, runId);
      if (
        options.warehouseId !== undefined &&
        manifest.warehouse_id !== undefined &&
        manifest.warehouse_id !== options.warehouseId
      ) {
        result.skipped.push({
          runId,
          reason: `landed for another warehouse (${manifest.warehouse_id})`,
        });
        foreign.push(`${stream}/${runId}`);
        continue;
      }
      result.loaded.push(
        await loadRun({
          warehouse,
          store,
          context,
          manifest,
          logger,
          onProgress: options.onProgress,
        }),
      );
    }
  }
  if (foreign.length > 0) {
    logger?.warn(
      `Skipped ${foreign.length} landed ${foreign.length === 1 ? 'run' : 'runs'} stamped for another warehouse, not this one (${options.warehouseId}): ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}. Another warehouse shares this landing store, or this warehouse was recreated. Give each warehouse a landing folder of its own (CROSSBEAM_LANDING), or remove those run folders.`,
      { runs: foreign.length },
    );
  }
  return { streams };
}
