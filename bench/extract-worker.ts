import { getHeapStatistics } from 'node:v8';
import { createCrossbeamClient } from '../lib/crossbeam/client';
import { extractStream } from '../lib/extract/extract';
import { createExtractLimiter, SlotPriority } from '../lib/extract/limiter';
import { requestSchedule } from '../lib/extract/partitions';
import { chooseSplit, countPartners } from '../lib/extract/split-mode';
import { FileLandingStore } from '../lib/landing/file-store';
import { createConsoleLogger } from '../lib/log';
import type { StreamName } from '../lib/streams/catalog';
import {
  cpuMs,
  finishWorker,
  maxRssBytes,
  readJob,
  RssSampler,
} from './read-job';
import type {
  ExtractJob,
  ExtractOutcome,
  StreamFigures,
} from './worker-protocol';

/**
 * Runs only the extract (fetch, validate, normalize, land) of every stream
 * in the job as `syncStreams` runs it: `concurrency` streams at a time,
 * under one limiter of `concurrency` requests in flight, the overlap
 * streams split by partner unless the job turns that off. This process's
 * peak RSS is the extract's alone.
 * The access token comes from CROSSBEAM_ACCESS_TOKEN, never from the job
 * file.
 */
async function runExtract(): Promise<ExtractOutcome> {
  const job = readJob<ExtractJob>('extract-worker');
  const accessToken = process.env.CROSSBEAM_ACCESS_TOKEN;
  if (!accessToken) {
    throw new Error(
      'Missing CROSSBEAM_ACCESS_TOKEN: bench.js passes a sandbox access token to the extract worker in this variable.',
    );
  }
  const logger = createConsoleLogger({ level: 'warn' });
  const client = createCrossbeamClient({
    apiUrl: job.apiUrl,
    authUrl: job.authUrl,
    organization: job.organization,
    credentials: { accessToken },
    logger,
  });
  const store = new FileLandingStore(job.landingDir);
  const observedAt = new Date(job.observedAt);
  const rss = new RssSampler();
  const started = Date.now();

  const limiter = createExtractLimiter(job.concurrency);
  const figures: StreamFigures[] = [];
  const rawPages: string[] = [];
  const queue: StreamName[] = [...job.streams];
  const extractNext = async (): Promise<void> => {
    for (let stream = queue.shift(); stream; stream = queue.shift()) {
      const streamStarted = Date.now();
      const partnerBookmarks = job.partitionBookmarks[stream] ?? {};
      const { split } = await chooseSplit({
        stream,
        setting: job.splitOverlapsByPartner,
        partnerBookmarks: Object.keys(partnerBookmarks).length,
        streamBookmark: job.bookmarks[stream] !== undefined,
        requestsInFlight: job.concurrency,
        countPartners: () =>
          countPartners(
            client,
            requestSchedule(limiter, stream, SlotPriority.list),
          ),
      });
      const result = await extractStream({
        stream,
        client,
        store,
        runId: job.runId,
        observedAt,
        bookmark: split ? null : (job.bookmarks[stream] ?? null),
        partitions: split
          ? { bookmarks: new Map(Object.entries(partnerBookmarks)) }
          : undefined,
        limiter,
        logger,
      });
      if (result.status !== 'complete') {
        throw new Error(
          `Extract of ${stream} returned a checkpoint although the worker sets no deadline.`,
        );
      }
      const { manifest } = result;
      figures.push({
        stream,
        mode: manifest.mode,
        pages: manifest.pages + (manifest.partitions?.listed.pages ?? 0),
        records: manifest.records + (manifest.partitions?.listed.records ?? 0),
        sequentialPages: manifest.partitions
          ? manifest.partitions.listed.pages +
            Math.max(0, ...manifest.partitions.slices.map((s) => s.pages))
          : manifest.pages,
        split,
        rejects: manifest.rejects.count,
        durationMs: Date.now() - streamStarted,
      });
      rawPages.push(...manifest.raw_pages);
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(job.concurrency, queue.length) }, () =>
      extractNext(),
    ),
  );

  return {
    durationMs: Date.now() - started,
    streams: figures,
    rawPages,
    maxRssBytes: maxRssBytes(),
    rssPeaksByPartBytes: rss.peaksByPart(),
    heapSizeLimitBytes: getHeapStatistics().heap_size_limit,
    cpuMs: cpuMs(),
  };
}

finishWorker(runExtract);
