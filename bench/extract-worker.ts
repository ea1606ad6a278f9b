import { createCrossbeamClient } from '../lib/crossbeam/client';
import { extractStream } from '../lib/extract/extract';
import { FileLandingStore } from '../lib/landing/file-store';
import { createConsoleLogger } from '../lib/log';
import type { StreamName } from '../lib/streams/catalog';
import { cpuMs, finishWorker, maxRssBytes, readJob } from './read-job';
import type {
  ExtractJob,
  ExtractOutcome,
  StreamFigures,
} from './worker-protocol';

/**
 * Runs only the extract (fetch, validate, normalize, land) of every stream
 * in the job, `concurrency` streams at a time, so that this process's peak
 * RSS is the extract's alone. The access token comes from
 * CROSSBEAM_ACCESS_TOKEN, never from the job file.
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
  const started = Date.now();

  const figures: StreamFigures[] = [];
  const rawPages: string[] = [];
  const queue: StreamName[] = [...job.streams];
  const extractNext = async (): Promise<void> => {
    for (let stream = queue.shift(); stream; stream = queue.shift()) {
      const streamStarted = Date.now();
      const result = await extractStream({
        stream,
        client,
        store,
        runId: job.runId,
        observedAt,
        bookmark: job.bookmarks[stream] ?? null,
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
        pages: manifest.pages,
        records: manifest.records,
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
    cpuMs: cpuMs(),
  };
}

finishWorker(runExtract);
