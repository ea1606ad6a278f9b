import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractHeapLimitMb } from '../lib/extract/limiter';
import type { SplitSetting } from '../lib/extract/split-mode';
import { newRunId } from '../lib/extract/run-id';
import { FileLandingStore } from '../lib/landing/file-store';
import { startSandbox, type Sandbox } from '../lib/sandbox/server';
import { createWorld } from '../lib/sandbox/world';
import { STREAM_NAMES, type StreamName } from '../lib/streams/catalog';
import { measureCeiling } from './ceiling';
import { findChangeStep } from './change-clock';
import type { ScaleReport } from './report';
import { cpuProfileArgs, runWorker } from './run-worker';
import { BENCH_SCALES, type BenchScale } from './scales';
import type {
  ExtractJob,
  ExtractOutcome,
  LoadJob,
  LoadOutcome,
} from './worker-protocol';

export interface ScaleRunOptions {
  readonly seed: number;
  /** Sandbox latency per page for the timed passes, in ms. */
  readonly latencyMs: number;
  /** Streams extracted at the same time. */
  readonly concurrency: number;
  /** How to read the overlap streams, as the pipeline setting. */
  readonly splitOverlapsByPartner: SplitSetting;
  /** Share of overlaps that change before the incremental run. */
  readonly changeShare: number;
  /** Keep the landing and warehouse folders instead of removing them. */
  readonly keep: boolean;
  /** Folder for the workers' V8 CPU profiles; none when undefined. */
  readonly cpuProfileDir?: string;
  readonly log: (message: string) => void;
}

/** The world's "today", fixed so that every run reads the same world. */
const ANCHOR = new Date('2026-01-15T00:00:00Z');

const OVERLAP_STREAMS: readonly StreamName[] = [
  'account_overlaps',
  'lead_overlaps',
];

const MB = 1024 * 1024;

const NO_BOOKMARKS = { bookmarks: {}, partitionBookmarks: {} };

function sum(outcome: ExtractOutcome, key: 'pages' | 'records'): number {
  return outcome.streams.reduce((total, stream) => total + stream[key], 0);
}

/** Load time of the two overlap streams, in ms. */
function overlapLoadMs(outcome: LoadOutcome): number {
  return OVERLAP_STREAMS.reduce(
    (total, stream) => total + (outcome.streamLoadMs[stream] ?? 0),
    0,
  );
}

function overlapFigures(outcome: ExtractOutcome): {
  records: number;
  ms: number;
} {
  const streams = outcome.streams.filter((stream) =>
    OVERLAP_STREAMS.includes(stream.stream),
  );
  return {
    records: streams.reduce((total, stream) => total + stream.records, 0),
    ms: streams.reduce((total, stream) => total + stream.durationMs, 0),
  };
}

/**
 * Runs every measurement of one scale against a sandbox on loopback. The
 * steps are a full extract with no latency (throughput and its ceiling), a
 * full extract at `latencyMs` per page, a PGlite load and build, and an
 * incremental extract after `changeShare` of the overlaps changed. A second
 * full pass at that clock is the comparison for the incremental run.
 */
export async function runScale(
  scale: BenchScale,
  options: ScaleRunOptions,
): Promise<ScaleReport> {
  const accounts = BENCH_SCALES[scale];
  const world = createWorld({
    seed: options.seed,
    scale: accounts,
    anchor: ANCHOR,
  });
  const accountOverlaps = world.liveOverlapCount(ANCHOR, 'account');
  const leadOverlaps = world.liveOverlapCount(ANCHOR, 'lead');
  options.log(
    `Scale ${scale}: ${accounts} accounts, ${accountOverlaps} account overlaps, ${leadOverlaps} lead overlaps.`,
  );

  const root = await mkdtemp(
    path.join(os.tmpdir(), `crossbeam-bench-${scale}-`),
  );
  const sandbox = await startSandbox({ world, clock: ANCHOR });
  try {
    return await measure(scale, options, {
      root,
      sandbox,
      world,
      accounts,
      accountOverlaps,
      leadOverlaps,
    });
  } finally {
    await sandbox.close();
    if (!options.keep) await rm(root, { recursive: true, force: true });
    else options.log(`Kept the landing and warehouse folders in ${root}.`);
  }
}

async function measure(
  scale: BenchScale,
  options: ScaleRunOptions,
  run: {
    root: string;
    sandbox: Sandbox;
    world: ReturnType<typeof createWorld>;
    accounts: number;
    accountOverlaps: number;
    leadOverlaps: number;
  },
): Promise<ScaleReport> {
  const { root, sandbox } = run;
  const env = { CROSSBEAM_ACCESS_TOKEN: sandbox.issueAccessToken() };
  let jobNumber = 0;
  // The extract worker runs under the heap ceiling the extract function
  // is deployed with at this many requests in flight.
  const extractHeapMb = extractHeapLimitMb(options.concurrency);
  const extract = async (
    landing: string,
    runId: string,
    clock: Date,
    bookmarks: Pick<ExtractJob, 'bookmarks' | 'partitionBookmarks'>,
  ): Promise<ExtractOutcome> => {
    const landingDir = path.join(root, landing);
    await mkdir(landingDir, { recursive: true });
    const job: ExtractJob = {
      apiUrl: sandbox.url,
      authUrl: sandbox.authUrl,
      organization: sandbox.organization,
      landingDir,
      runId,
      observedAt: clock.toISOString(),
      streams: STREAM_NAMES,
      concurrency: options.concurrency,
      splitOverlapsByPartner: options.splitOverlapsByPartner,
      ...bookmarks,
    };
    jobNumber += 1;
    return runWorker<ExtractOutcome>(
      'extract-worker',
      job,
      path.join(root, `job-${jobNumber}.json`),
      env,
      [
        `--max-old-space-size=${extractHeapMb}`,
        ...cpuProfileArgs(options.cpuProfileDir),
      ],
    );
  };
  const load = async (build: boolean): Promise<LoadOutcome> => {
    const job: LoadJob = {
      warehouseDir: path.join(root, 'warehouse'),
      landingDir: path.join(root, 'loaded'),
      streams: STREAM_NAMES,
      build,
    };
    jobNumber += 1;
    return runWorker<LoadOutcome>(
      'load-worker',
      job,
      path.join(root, `job-${jobNumber}.json`),
      {},
      cpuProfileArgs(options.cpuProfileDir),
    );
  };

  sandbox.setLatency(0);
  const sandboxCpu = process.cpuUsage();
  const throughput = await extract(
    'loaded',
    newRunId(ANCHOR),
    ANCHOR,
    NO_BOOKMARKS,
  );
  const sandboxCpuUsed = process.cpuUsage(sandboxCpu);
  const ceiling = await measureCeiling(
    new FileLandingStore(path.join(root, 'loaded')),
    throughput.rawPages,
  );
  options.log(
    `Scale ${scale}: full extract with no latency took ${(throughput.durationMs / 1000).toFixed(1)} s for ${sum(throughput, 'records')} records.`,
  );

  sandbox.setLatency(options.latencyMs);
  const timed = await extract('timed', newRunId(ANCHOR), ANCHOR, NO_BOOKMARKS);
  options.log(
    `Scale ${scale}: full extract at ${options.latencyMs} ms per page took ${(timed.durationMs / 1000).toFixed(1)} s.`,
  );

  const loaded = await load(true);
  options.log(
    `Scale ${scale}: PGlite load took ${(loaded.loadMs / 1000).toFixed(1)} s and build ${(loaded.buildMs / 1000).toFixed(1)} s.`,
  );

  const step = findChangeStep(run.world, ANCHOR, options.changeShare);
  sandbox.setClock(step.clock);
  const incremental = await extract(
    'loaded',
    newRunId(step.clock),
    step.clock,
    loaded,
  );
  const incrementalLoad = await load(false);
  const fullPull = await extract(
    'pull',
    newRunId(step.clock),
    step.clock,
    NO_BOOKMARKS,
  );
  options.log(
    `Scale ${scale}: incremental extract took ${(incremental.durationMs / 1000).toFixed(1)} s, a full pull ${(fullPull.durationMs / 1000).toFixed(1)} s.`,
  );

  const pages = sum(timed, 'pages');
  const records = sum(timed, 'records');
  const latencyBoundMs = (pages / options.concurrency) * options.latencyMs;
  const longest = timed.streams.reduce((a, b) =>
    b.sequentialPages > a.sequentialPages ? b : a,
  );
  const overlapsFull = overlapFigures(timed);
  const overlapsIncremental = overlapFigures(incremental);
  const overlapCount = run.accountOverlaps + run.leadOverlaps;
  const perMillion = (ms: number) => (ms / Math.max(1, overlapCount)) * 1e6;
  const throughputRecords = sum(throughput, 'records');
  const recordsPerSecond = throughputRecords / (throughput.durationMs / 1000);

  return {
    scale,
    accounts: run.accounts,
    accountOverlaps: run.accountOverlaps,
    leadOverlaps: run.leadOverlaps,
    extract: {
      latencyMs: options.latencyMs,
      concurrency: options.concurrency,
      splitOverlapsByPartner: options.splitOverlapsByPartner,
      splitStreams: timed.streams
        .filter((stream) => stream.split)
        .map((stream) => stream.stream),
      pages,
      records,
      wallMs: timed.durationMs,
      latencyBoundMs,
      latencyBoundRatio: timed.durationMs / latencyBoundMs,
      longestStreamBoundMs: longest.sequentialPages * options.latencyMs,
      longestStream: longest.stream,
    },
    throughput: {
      wallMs: throughput.durationMs,
      records: throughputRecords,
      recordsPerSecond,
      ceilingRecordsPerSecond: ceiling.recordsPerSecond,
      ceilingRatio: recordsPerSecond / ceiling.recordsPerSecond,
      rawBytes: ceiling.bytes,
      extractCpuMs: throughput.cpuMs,
      sandboxCpuMs: (sandboxCpuUsed.user + sandboxCpuUsed.system) / 1000,
    },
    memory: {
      extractHeapMb,
      extractV8HeapLimitMb: timed.heapSizeLimitBytes / MB,
      extractPeakRssMb:
        Math.max(throughput.maxRssBytes, timed.maxRssBytes) / MB,
      extractRssByTenthMb: timed.rssPeaksByPartBytes.map((bytes) => bytes / MB),
      pgliteFootprintMb: (loaded.maxRssBytes - loaded.baselineRssBytes) / MB,
      loadPeakRssMb: loaded.maxRssBytes / MB,
    },
    warehouse: {
      loadMs: loaded.loadMs,
      buildMs: loaded.buildMs,
      modelsBuilt: loaded.modelsBuilt,
      loadMsPerMillionOverlaps: perMillion(loaded.loadMs),
      buildMsPerMillionOverlaps: perMillion(loaded.buildMs),
    },
    incremental: {
      clock: step.clock.toISOString(),
      changedAccountOverlaps: step.changedAccountOverlaps,
      changedLeadOverlaps: step.changedLeadOverlaps,
      changedShare: step.changedShare,
      records: sum(incremental, 'records'),
      wallMs: incremental.durationMs,
      overlapRecords: overlapsIncremental.records,
      overlapStreamsMs: overlapsIncremental.ms,
      recordsRatio: sum(incremental, 'records') / records,
      timeRatio: incremental.durationMs / timed.durationMs,
      overlapRecordsRatio: overlapsIncremental.records / overlapsFull.records,
      overlapTimeRatio: overlapsIncremental.ms / overlapsFull.ms,
      loadMs: incrementalLoad.loadMs,
      loadRatio: incrementalLoad.loadMs / loaded.loadMs,
      overlapLoadMs: overlapLoadMs(incrementalLoad),
      overlapLoadRatio:
        overlapLoadMs(incrementalLoad) / Math.max(1, overlapLoadMs(loaded)),
      fullPull: {
        records: sum(fullPull, 'records'),
        wallMs: fullPull.durationMs,
      },
    },
  };
}
