import type { CrossbeamClient } from '../crossbeam/client';
import { extractStream, newRunId } from '../extract/extract';
import {
  BookmarkExpiredError,
  CrossbeamApiError,
  RejectThresholdError,
  SyncFailedError,
} from '../errors';
import {
  createExtractLimiter,
  SlotPriority,
  type ExtractLimiter,
} from '../extract/limiter';
import { requestSchedule } from '../extract/partitions';
import { chooseSplit, countPartners } from '../extract/split-mode';
import type { Manifest } from '../extract/manifest';
import { partBytesFromMb } from '../landing/part-writer';
import {
  loadPendingRuns,
  readBookmark,
  readPartitionBookmarks,
} from '../load/load';
import {
  hasLiveRows,
  readStreamStatus,
  writeStreamErrorSql,
} from '../load/sync-state';
import { ensureWarehouseId } from '../load/warehouse-identity';
import { applyMigrations } from '../sql/migrate';
import { buildModels, type BuildResult } from '../sql/models';
import { STREAMS, type StreamName } from '../streams/catalog';
import type { PipelineContext } from './context';
import { crashPoint } from './crash-point';
import { refreshDue } from './refresh';

export interface StreamProgress {
  stream: StreamName;
  pages: number;
  records: number;
  rejects: number;
}

/** A stream whose extract failed; the other streams' runs still land. */
export interface StreamFailure {
  stream: StreamName;
  error: unknown;
}

/** Receives per-stream counts while streams extract (a progress display). */
export interface SyncProgress {
  update(progress: StreamProgress): void;
  /** Called once per stream when it ends, then once with no stream. */
  finish(stream?: StreamName): void;
}

/** A stream the run did not read, with the reason. */
export interface StreamSkip {
  stream: StreamName;
  reason: string;
}

export interface SyncResult {
  runId: string;
  /** Manifests of the streams that landed completely. */
  manifests: Manifest[];
  failures: StreamFailure[];
  /** Own-record streams read recently enough (`recordsRefreshHours`). */
  skipped: StreamSkip[];
  durationMs: number;
}

/** Raises one error naming every stream that failed, with the first as cause. */
export function throwIfFailed(sync: SyncResult): void {
  if (sync.failures.length === 0) return;
  const lines = sync.failures.map(
    (failure) =>
      `  - ${failure.stream}: ${failure.error instanceof Error ? failure.error.message : String(failure.error)}`,
  );
  throw new SyncFailedError(
    `Extract failed for ${sync.failures.length} of ${sync.failures.length + sync.manifests.length} streams in run ${sync.runId}:\n${lines.join('\n')}\n${sync.manifests.length > 0 ? 'The other streams landed and were kept. ' : ''}Fix what each line names, then run again.`,
    { cause: sync.failures[0]!.error },
  );
}

/**
 * Points a saved bookmark at the configured API base. A `next_href` carries
 * the host that served it, and that host changes when the API is reached
 * through another address, such as a proxy or a sandbox on a new port. The
 * path and query are the bookmark.
 */
export function rebaseBookmark(bookmark: string, apiUrl: string): string {
  const saved = new URL(bookmark);
  const base = new URL(apiUrl);
  if (saved.origin === base.origin) return bookmark;
  return `${base.origin}${saved.pathname}${saved.search}`;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index]!);
      }
    },
  );
  await Promise.all(workers);
  return results;
}

/**
 * Extracts every selected stream into the landing store, incremental streams
 * from the bookmark the warehouse holds. Migrations run first, because the
 * bookmarks live in a table they create.
 */
export async function syncStreams(
  context: PipelineContext,
  client: CrossbeamClient,
  options: {
    streams?: readonly StreamName[];
    observedAt?: Date;
    runId?: string;
    fullRefresh?: boolean;
    progress?: SyncProgress;
  } = {},
): Promise<SyncResult> {
  const started = Date.now();
  const observedAt = options.observedAt ?? new Date();
  const runId = options.runId ?? newRunId(observedAt);
  const selected = options.streams ?? context.settings.streams;

  await applyMigrations(context.warehouse, context.sql);
  const warehouseId = await ensureWarehouseId(context.warehouse, context.sql);

  const skipped: StreamSkip[] = [];
  const streams: StreamName[] = [];
  for (const stream of selected) {
    const decision = options.fullRefresh
      ? { due: true as const }
      : refreshDue(
          STREAMS[stream],
          await readStreamStatus(context.warehouse, context.sql, stream),
          observedAt,
          context.settings.recordsRefreshHours,
        );
    if (decision.due) {
      streams.push(stream);
      continue;
    }
    skipped.push({ stream, reason: decision.reason });
    context.logger.info(`Skipped ${stream}: ${decision.reason}.`, {
      run: runId,
    });
  }

  const limiter = createExtractLimiter(context.settings.concurrency);
  const outcomes = await mapWithLimit(
    streams,
    context.settings.concurrency,
    async (stream): Promise<Manifest | StreamFailure> => {
      try {
        return await extractOne(context, client, stream, {
          runId,
          observedAt,
          warehouseId,
          fullRefresh: options.fullRefresh,
          onProgress: options.progress?.update,
          limiter,
        });
      } catch (error) {
        context.logger.error(`Extract of ${stream} failed.`, {
          run: runId,
          error: error instanceof Error ? error.message : String(error),
        });
        await recordExtractFailure(context, stream, runId, error);
        return { stream, error };
      } finally {
        options.progress?.finish(stream);
      }
    },
  );
  options.progress?.finish();

  const manifests = outcomes.filter(
    (outcome): outcome is Manifest => 'run_id' in outcome,
  );
  const failures = outcomes.filter(
    (outcome): outcome is StreamFailure => !('run_id' in outcome),
  );
  return {
    runId,
    manifests,
    failures,
    skipped,
    durationMs: Date.now() - started,
  };
}

/**
 * Sets the stream's `last_error` in sync_state, so `status` shows a failed
 * extract; the bookmark and the last good load's counts are kept.
 */
async function recordExtractFailure(
  context: PipelineContext,
  stream: StreamName,
  runId: string,
  error: unknown,
): Promise<void> {
  const message = `Extract of run ${runId} failed: ${error instanceof Error ? error.message : String(error)}`;
  try {
    const stored = await readStreamStatus(
      context.warehouse,
      context.sql,
      stream,
    );
    await context.warehouse.executeBatch(
      writeStreamErrorSql(stream, stored, message, context.sql),
    );
  } catch (recordError) {
    context.logger.error(
      'Recording a failed extract in sync_state failed as well; the extract error is still reported.',
      { stream, run: runId, error: recordError },
    );
  }
}

/**
 * Extracts one stream, incremental streams from their bookmark. When the API
 * no longer accepts the bookmark, the stream is read again in full: a full
 * pass replaces what the warehouse holds for it, so nothing is duplicated.
 */
async function extractOne(
  context: PipelineContext,
  client: CrossbeamClient,
  stream: StreamName,
  options: {
    runId: string;
    observedAt: Date;
    warehouseId: string;
    fullRefresh?: boolean;
    onProgress?: (progress: StreamProgress) => void;
    limiter: ExtractLimiter;
  },
): Promise<Manifest> {
  const spec = STREAMS[stream];
  const incremental = spec.sync === 'incremental' && !options.fullRefresh;
  const streamBookmark = incremental
    ? await readBookmark(context.warehouse, context.sql, stream)
    : null;
  const partnerBookmarks =
    incremental && spec.partitionBy !== undefined
      ? await readPartnerBookmarks(context, stream)
      : new Map<string, string>();
  const choice = await chooseSplit({
    stream,
    setting: context.settings.splitOverlapsByPartner,
    partnerBookmarks: partnerBookmarks.size,
    streamBookmark: streamBookmark !== null,
    requestsInFlight: context.settings.concurrency,
    countPartners: () =>
      countPartners(
        client,
        requestSchedule(options.limiter, stream, SlotPriority.list),
      ),
  });
  if (spec.partitionBy !== undefined) {
    context.logger.info(
      `Reading ${stream} ${choice.split ? 'one partner at a time' : 'as one list'}: ${choice.reason}.`,
      { run: options.runId },
    );
  }
  const saved = choice.split ? null : streamBookmark;
  const partitions = choice.split
    ? {
        bookmarks: partnerBookmarks,
        ...(streamBookmark !== null && {
          hasStoredRows: () =>
            hasLiveRows(context.warehouse, context.sql, stream),
        }),
      }
    : undefined;

  // Bounds a stream in time, so an API that pages without end cannot keep
  // a run going for ever.
  const deadline = Date.now() + context.settings.maxStreamMinutes * 60_000;
  const extract = (bookmark: string | null) =>
    extractStream({
      stream,
      client,
      store: context.store,
      runId: options.runId,
      observedAt: options.observedAt,
      bookmark,
      partitions,
      limiter: options.limiter,
      deadline,
      partBytes: partBytesFromMb(context.settings.partSizeMb),
      warehouseId: options.warehouseId,
      beforeManifest: (manifest) => rejectMostlyBrokenRun(context, manifest),
      logger: context.logger,
      onProgress: options.onProgress,
    });

  let result;
  try {
    result = await extract(
      saved ? rebaseBookmark(saved, context.settings.apiUrl) : null,
    );
  } catch (error) {
    if (!(error instanceof BookmarkExpiredError)) throw error;
    context.logger.warn(
      `Crossbeam rejected the bookmark of ${stream}, so the stream is read again in full.`,
      { run: options.runId, status: error.status },
    );
    result = await extract(null);
  }

  if (result.status !== 'complete') {
    const { pages, records } = result.checkpoint;
    throw new CrossbeamApiError(
      `Extract of ${stream} did not finish within ${context.settings.maxStreamMinutes} minutes (maxStreamMinutes) after ${pages} pages and ${records} records, so the run was stopped and nothing of it loads. An API that returns pages without end does this; for a very large organization, raise maxStreamMinutes in the config file.`,
    );
  }
  return result.manifest;
}

/** Reads the partner bookmarks of `stream`, each pointed at the API base. */
async function readPartnerBookmarks(
  context: PipelineContext,
  stream: StreamName,
): Promise<Map<string, string>> {
  const stored = await readPartitionBookmarks(
    context.warehouse,
    context.sql,
    stream,
  );
  const bookmarks = new Map<string, string>();
  for (const [partner, entry] of stored) {
    if (entry.bookmark !== null) {
      bookmarks.set(
        partner,
        rebaseBookmark(entry.bookmark, context.settings.apiUrl),
      );
    }
  }
  return bookmarks;
}

/**
 * Fails a run whose share of rejected items exceeds `maxRejectShare`, so a
 * mostly broken batch never loads. It runs before the manifest is written,
 * so the run stays incomplete; its parts, raw pages and rejects stay for
 * inspection.
 */
function rejectMostlyBrokenRun(
  context: PipelineContext,
  manifest: Manifest,
): void {
  const { count, key, reasons } = manifest.rejects;
  const limit = context.settings.maxRejectShare;
  if (manifest.records === 0 || count / manifest.records <= limit) return;

  const share = ((100 * count) / manifest.records).toFixed(1);
  const top = Object.entries(reasons)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3)
    .map(([reason, times]) => `${times} × ${reason}`)
    .join('; ');
  throw new RejectThresholdError(
    `${count} of ${manifest.records} items of ${manifest.stream} (${share}%) were rejected, more than maxRejectShare allows (${(limit * 100).toFixed(1)}%), so run ${manifest.run_id} was not loaded. Most common: ${top}. The items are in ${context.store.locate(key ?? '')}. Fix the cause, or raise maxRejectShare in the config file and run again to load the valid items.`,
  );
}

export async function loadLanded(
  context: PipelineContext,
  options: { streams?: readonly StreamName[] } = {},
) {
  crashPoint('before-load');
  const started = Date.now();
  await applyMigrations(context.warehouse, context.sql);
  const result = await loadPendingRuns({
    warehouse: context.warehouse,
    store: context.store,
    context: context.sql,
    warehouseId: await ensureWarehouseId(context.warehouse, context.sql),
    streams: options.streams ?? context.settings.streams,
    logger: context.logger,
  });
  return { result, durationMs: Date.now() - started };
}

export async function buildWarehouse(
  context: PipelineContext,
  options: {
    configuredSources?: ReadonlySet<'crm' | 'marketing' | 'product'>;
    vars?: Record<string, string>;
    /** Counts each view's rows for the summary. @default true */
    countRows?: boolean;
  } = {},
): Promise<{ result: BuildResult; durationMs: number }> {
  const started = Date.now();
  const sql = {
    ...context.sql,
    vars: { ...context.sql.vars, ...options.vars },
  };
  await applyMigrations(context.warehouse, sql);
  const result = await buildModels(context.warehouse, sql, {
    configuredSources: new Set(options.configuredSources ?? []),
    countRows: options.countRows ?? true,
  });
  // One line per reason: many models share one missing source.
  const byReason = new Map<string, string[]>();
  for (const skipped of result.skipped) {
    byReason.set(skipped.reason, [
      ...(byReason.get(skipped.reason) ?? []),
      skipped.name,
    ]);
  }
  for (const [reason, names] of byReason) {
    context.logger.info(
      names.length === 1
        ? `Skipped model ${names[0]}. It ${reason}.`
        : `Skipped ${names.length} models (${names.join(', ')}). Each ${reason}.`,
    );
  }
  return { result, durationMs: Date.now() - started };
}
