import type { SplitSetting } from '../lib/extract/split-mode';
import type { StreamName } from '../lib/streams/catalog';

/** Input of `extract-worker.js`, passed as a JSON file path in argv[2]. */
export interface ExtractJob {
  readonly apiUrl: string;
  readonly authUrl: string;
  readonly organization: string;
  /** Landing directory, absolute. */
  readonly landingDir: string;
  readonly runId: string;
  readonly observedAt: string;
  readonly streams: readonly StreamName[];
  /**
   * API requests in flight at once, and streams extracted at the same
   * time, as the pipeline's `concurrency` setting.
   */
  readonly concurrency: number;
  /** How to read the overlap streams, as the pipeline setting. */
  readonly splitOverlapsByPartner: SplitSetting;
  /** Saved bookmark per incremental stream; a missing one reads in full. */
  readonly bookmarks: Partial<Record<StreamName, string>>;
  /**
   * Saved bookmarks per partner of the streams split by partner; a partner
   * without one is read in full.
   */
  readonly partitionBookmarks: Partial<
    Record<StreamName, Record<string, string>>
  >;
}

/** Counts of one stream's run, as its manifest records them. */
export interface StreamFigures {
  readonly stream: StreamName;
  readonly mode: 'full' | 'incremental';
  /** API pages read, the partner list of a split stream included. */
  readonly pages: number;
  /** API items read, the partner list of a split stream included. */
  readonly records: number;
  /**
   * Pages of the stream's longest list, read one after another because
   * each page's URL is in the one before: all pages of an unsplit stream,
   * the partner list plus the largest partner's pages of a split one.
   */
  readonly sequentialPages: number;
  /** Whether the run read the stream one partner at a time. */
  readonly split: boolean;
  readonly rejects: number;
  readonly durationMs: number;
}

/** Outcome of `extract-worker.js`, the last line of its stdout. */
export interface ExtractOutcome {
  readonly durationMs: number;
  readonly streams: StreamFigures[];
  /** Raw page keys the run landed, for the parse and gzip ceiling. */
  readonly rawPages: string[];
  /** Peak resident set size of the worker process, in bytes. */
  readonly maxRssBytes: number;
  /**
   * Peak resident set size in each tenth of the extract, in bytes, sampled
   * every 250 ms.
   */
  readonly rssPeaksByPartBytes: number[];
  /** V8's heap size limit in the worker, in bytes, as its flags set it. */
  readonly heapSizeLimitBytes: number;
  /** CPU time of the worker process, user and system, in ms. */
  readonly cpuMs: number;
}

/** Input of `load-worker.js`. */
export interface LoadJob {
  /** PGlite data directory, absolute. */
  readonly warehouseDir: string;
  readonly landingDir: string;
  readonly streams: readonly StreamName[];
  /** Rebuild the models after the load. */
  readonly build: boolean;
}

/** Outcome of `load-worker.js`, the last line of its stdout. */
export interface LoadOutcome {
  readonly loadMs: number;
  /** Load time of each stream, migrations included, in ms. */
  readonly streamLoadMs: Partial<Record<StreamName, number>>;
  /** Zero when the job had `build: false`. */
  readonly buildMs: number;
  readonly runsLoaded: number;
  readonly modelsBuilt: number;
  /** Bookmark per incremental stream after the load. */
  readonly bookmarks: Partial<Record<StreamName, string>>;
  /** Bookmarks per partner of the split streams after the load. */
  readonly partitionBookmarks: Partial<
    Record<StreamName, Record<string, string>>
  >;
  /** Resident set size before PGlite was opened, in bytes. */
  readonly baselineRssBytes: number;
  /** Peak resident set size of the load process, in bytes. */
  readonly maxRssBytes: number;
}
