import type { CrossbeamClient } from '../crossbeam/client';
import { extractStream, newRunId } from '../extract/extract';
import type { Manifest } from '../extract/manifest';
import { loadPendingRuns, readBookmark } from '../load/load';
import { applyMigrations } from '../sql/migrate';
import { buildModels, type BuildResult } from '../sql/models';
import { STREAMS, type StreamName } from '../streams/catalog';
import type { PipelineContext } from './context';

export interface StreamProgress {
  stream: StreamName;
  pages: number;
  records: number;
  rejects: number;
}

export interface SyncResult {
  runId: string;
  manifests: Manifest[];
  durationMs: number;
}

/**
 * Points a saved bookmark at the configured API base. `next_href` carries the
 * host that served it, which changes when the API is reached through another
 * address (a proxy, or a sandbox on a new port); path and query are the
 * bookmark.
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
    onProgress?: (progress: StreamProgress) => void;
  } = {},
): Promise<SyncResult> {
  const started = Date.now();
  const observedAt = options.observedAt ?? new Date();
  const runId = options.runId ?? newRunId(observedAt);
  const streams = options.streams ?? context.settings.streams;

  await applyMigrations(context.warehouse, context.sql);

  const manifests = await mapWithLimit(
    streams,
    context.settings.concurrency,
    async (stream) => {
      const incremental =
        STREAMS[stream].sync === 'incremental' && !options.fullRefresh;
      const saved = incremental
        ? await readBookmark(context.warehouse, context.sql, stream)
        : null;
      const bookmark = saved
        ? rebaseBookmark(saved, context.settings.apiUrl)
        : null;

      const result = await extractStream({
        stream,
        client,
        store: context.store,
        runId,
        observedAt,
        bookmark,
        logger: context.logger,
        onProgress: options.onProgress,
      });
      if (result.status !== 'complete') {
        throw new Error(
          `Extract of ${stream} stopped before the end without a deadline; this is a bug.`,
        );
      }

      context.logger.info(`Extracted ${stream}.`, {
        run: runId,
        mode: result.manifest.mode,
        pages: result.manifest.pages,
        records: result.manifest.records,
        rejects: result.manifest.rejects.count,
      });
      return result.manifest;
    },
  );

  return { runId, manifests, durationMs: Date.now() - started };
}

export async function loadLanded(
  context: PipelineContext,
  options: { streams?: readonly StreamName[] } = {},
) {
  const started = Date.now();
  await applyMigrations(context.warehouse, context.sql);
  const result = await loadPendingRuns({
    warehouse: context.warehouse,
    store: context.store,
    context: context.sql,
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
  });
  for (const skipped of result.skipped) {
    context.logger.info(`Skipped model ${skipped.name}: ${skipped.reason}`);
  }
  return { result, durationMs: Date.now() - started };
}
