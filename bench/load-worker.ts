import { loadSettings } from '../lib/config/settings';
import { createConsoleLogger } from '../lib/log';
import { openPipeline } from '../lib/pipeline/context';
import { buildWarehouse, loadLanded } from '../lib/pipeline/steps';
import { readBookmark, readPartitionBookmarks } from '../lib/load/load';
import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
} from '../lib/sources/config';
import { STREAMS, type StreamName } from '../lib/streams/catalog';
import { finishWorker, maxRssBytes, readJob } from './read-job';
import type { LoadJob, LoadOutcome } from './worker-protocol';

/**
 * Loads every complete run in the landing directory into a PGlite
 * warehouse and optionally rebuilds the models, in a process of its own so
 * that PGlite's memory is measured apart from the extract's.
 */
async function runLoad(): Promise<LoadOutcome> {
  const job = readLoadJob();
  const baselineRssBytes = process.memoryUsage().rss;
  const logger = createConsoleLogger({ level: 'warn' });
  const settings = loadSettings({
    flags: {
      warehouse: `pglite:${job.warehouseDir}`,
      landing: `file:${job.landingDir}`,
      streams: [...job.streams],
    },
    env: {},
    cwd: job.warehouseDir,
  });
  const context = await openPipeline(settings, logger);
  try {
    // One stream at a time, in the pipeline's order, to time each.
    const streamLoadMs: LoadOutcome['streamLoadMs'] = {};
    let loadMs = 0;
    let runsLoaded = 0;
    for (const stream of job.streams) {
      const load = await loadLanded(context, { streams: [stream] });
      streamLoadMs[stream] = load.durationMs;
      loadMs += load.durationMs;
      runsLoaded += load.result.streams.reduce(
        (sum, entry) => sum + entry.loaded.length,
        0,
      );
    }
    // No CRM, marketing or product sources are configured, so the models
    // that need them are skipped. The rest build as the scheduled build
    // does: migrations and views, without counting each view's rows.
    const sources = parseSourcesConfig({});
    const build = job.build
      ? await buildWarehouse(context, {
          configuredSources: configuredSources(sources),
          vars: renderSourceVars(sources),
          countRows: false,
        })
      : undefined;

    const bookmarks: Partial<Record<StreamName, string>> = {};
    const partitionBookmarks: LoadOutcome['partitionBookmarks'] = {};
    // Both kinds, as the pipeline reads them: a load keeps the kind that
    // its runs made, and the next extract chooses from what it finds.
    for (const stream of job.streams) {
      if (STREAMS[stream].sync !== 'incremental') continue;
      if (STREAMS[stream].partitionBy) {
        const stored = await readPartitionBookmarks(
          context.warehouse,
          context.sql,
          stream,
        );
        const byPartner: Record<string, string> = {};
        for (const [partner, entry] of stored) {
          if (entry.bookmark !== null) byPartner[partner] = entry.bookmark;
        }
        partitionBookmarks[stream] = byPartner;
      }
      const bookmark = await readBookmark(
        context.warehouse,
        context.sql,
        stream,
      );
      if (bookmark !== null) bookmarks[stream] = bookmark;
    }
    return {
      loadMs,
      streamLoadMs,
      buildMs: build?.durationMs ?? 0,
      runsLoaded,
      modelsBuilt: build?.result.built.length ?? 0,
      bookmarks,
      partitionBookmarks,
      baselineRssBytes,
      maxRssBytes: maxRssBytes(),
    };
  } finally {
    await context.warehouse.close();
  }
}

function readLoadJob(): LoadJob {
  return readJob<LoadJob>('load-worker');
}

finishWorker(runLoad);
