import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type {
  CrossbeamClient,
  CrossbeamPage,
  RequestSchedule,
} from '../crossbeam/client';
import { serializeItem, type Lineage } from '../crossbeam/normalize';
import { PartWriter } from '../landing/part-writer';
import type { LandingStore } from '../landing/store';
import type { Logger } from '../log';
import { crashPoint } from '../pipeline/crash-point';
import { STREAMS, type StreamName } from '../streams/catalog';
import type { ExtractCheckpoint, SliceState } from './checkpoint';
import { completeRun } from './complete-run';
import { PageReader, SlotPriority, type ExtractLimiter } from './limiter';
import {
  planSlices,
  readSlices,
  relistPartners,
  requestSchedule,
  type PartnerBookmarks,
} from './partitions';
import type { Manifest } from './manifest';
import { runFolder, startRunState, type RunState } from './run-state';

export { newRunId } from './run-id';
export type { ExtractCheckpoint } from './checkpoint';

const gzipAsync = promisify(gzip);

/** Distinct API warnings kept in the manifest. The client logs every one. */
const MAX_WARNINGS = 100;

export interface ExtractProgress {
  readonly stream: StreamName;
  readonly pages: number;
  readonly records: number;
  readonly rejects: number;
}

export interface ExtractOptions {
  readonly stream: StreamName;
  readonly client: CrossbeamClient;
  readonly store: LandingStore;
  readonly runId: string;
  /** When the run reads the API; every row's `_observed_at`. */
  readonly observedAt: Date;
  /**
   * The saved `next_href` to read changes from; only for incremental
   * streams. Null reads the stream in full.
   */
  readonly bookmark: string | null;
  /** Rows per part before it rolls. @default 1000000 */
  readonly partRows?: number;
  /** Uncompressed bytes per part before it rolls. @default 64 MiB */
  readonly partBytes?: number;
  /**
   * Epoch ms by which the call should return. When the next page would
   * probably not finish in time, the extract stops after the current page
   * and returns a checkpoint. At least one page is read per call.
   */
  readonly deadline?: number;
  /** A checkpoint from an earlier call of the same run, to continue it. */
  readonly checkpoint?: ExtractCheckpoint;
  /**
   * Splits the stream by partner (only streams whose catalog entry has
   * `partitionBy`): the partners come from `GET /v1/partners`, and each
   * partner's list is read from its bookmark in `bookmarks`, or in full when
   * it has none. `bookmark` must then be null.
   */
  readonly partitions?: PartnerBookmarks;
  /**
   * Caps requests in flight and pages held in memory, shared by every
   * stream of a run. Without one, the stream reads at most one page ahead,
   * or four partners at once.
   */
  readonly limiter?: ExtractLimiter;
  readonly onProgress?: (progress: ExtractProgress) => void;
  /**
   * Checks the finished manifest before it is written. Throwing leaves the
   * run without a manifest, so it never loads; its parts, raw pages and
   * rejects stay in the store.
   */
  readonly beforeManifest?: (manifest: Manifest) => void | Promise<void>;
  readonly logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Clock for the deadline. @default Date.now */
  readonly now?: () => number;
  /**
   * Id of the warehouse the run is for, written into the manifest so that
   * only that warehouse loads it. None lets any warehouse load it.
   */
  readonly warehouseId?: string;
}

export type ExtractResult =
  | {
      readonly status: 'complete';
      readonly manifest: Manifest;
      readonly manifestKey: string;
    }
  | { readonly status: 'partial'; readonly checkpoint: ExtractCheckpoint };

const silent = { info() {}, warn() {}, error() {} };

function pageKey(stream: string, runId: string, page: number): string {
  return `raw/${stream}/${runId}/page-${String(page).padStart(5, '0')}.json.gz`;
}

/**
 * Reads one stream from the Crossbeam API into the landing store: raw pages
 * under `raw/`, normalized rows as gzip NDJSON parts per table, items that
 * fail validation in `rejects.ndjson.gz`, a Redshift COPY manifest per
 * table, and `manifest.json` last. A run that fails midway writes no
 * manifest, so it is never loaded. With a `deadline`, the extract can stop
 * between pages and return a checkpoint that a later call resumes from.
 */
export async function extractStream(
  options: ExtractOptions,
): Promise<ExtractResult> {
  const state = startRunState(options);
  const spec = STREAMS[options.stream];
  const { store } = options;
  const logger = options.logger ?? silent;
  const now = options.now ?? Date.now;
  const folder = runFolder(options.stream, state.run_id);
  const lineage: Lineage = {
    runId: state.run_id,
    observedAt: state.observed_at,
  };

  const writers = new Map<string, PartWriter>();
  for (const table of spec.tables) {
    writers.set(
      table.name,
      new PartWriter({
        store,
        folder: `${folder}/${table.name}`,
        maxPartRows: options.partRows,
        maxPartBytes: options.partBytes,
        firstPartNumber: state.tables[table.name]!.parts.length,
      }),
    );
  }
  const rejectWriter = new PartWriter({
    store,
    folder: `${folder}/rejects`,
    maxPartRows: options.partRows,
    maxPartBytes: options.partBytes,
    firstPartNumber: state.rejects.parts.length,
  });

  const land = (page: CrossbeamPage) =>
    landPage(page, state, writers, rejectWriter, options, lineage);
  const abortWriters = async (error: unknown) => {
    const reason = error instanceof Error ? error : new Error(String(error));
    await Promise.all(
      [...writers.values(), rejectWriter].map((writer) => writer.abort(reason)),
    );
  };

  if (options.partitions) {
    try {
      return await extractSlices(options, state, land, () =>
        finishWriters(state, writers, rejectWriter),
      );
    } catch (error) {
      await abortWriters(error);
      throw error;
    }
  }

  const reader = new PageReader(
    options.limiter,
    options.stream,
    SlotPriority.list,
  );
  const pages = openPages(options, spec.path, spec.pagination, reader.schedule);
  let scope = 'full pass';
  if (options.checkpoint) scope = `resuming at page ${state.pages}`;
  else if (options.bookmark !== null) scope = 'changes since the bookmark';
  logger.info(`Extracting ${options.stream} (${scope}).`, {
    stream: options.stream,
    run: state.run_id,
  });

  // A page slot is held from the request until the page is landed.
  const nextPage = async (): Promise<{
    result: IteratorResult<CrossbeamPage, void>;
    release: () => void;
  }> => {
    try {
      const result = await pages.next();
      return { result, release: reader.takePageSlot() };
    } catch (error) {
      reader.takePageSlot()();
      throw error;
    }
  };

  let pending:
    | Promise<{
        result: IteratorResult<CrossbeamPage, void>;
        release: () => void;
      }>
    | undefined = nextPage();
  let lastPage: CrossbeamPage | undefined;
  let lastArrival = now();
  let slowestPageMs = 0;

  try {
    while (pending !== undefined) {
      // Cleared before the wait, so that the catch below handles only a
      // prefetch that is still running, not the page that failed.
      const current = pending;
      pending = undefined;
      const { result, release } = await current;
      if (result.done) {
        release();
        break;
      }
      const page = result.value;
      lastPage = page;

      const arrival = now();
      slowestPageMs = Math.max(slowestPageMs, arrival - lastArrival);
      lastArrival = arrival;
      const stopHere =
        page.nextUrl !== null &&
        options.deadline !== undefined &&
        arrival + slowestPageMs >= options.deadline;
      // Fetch the next page while this one is written.
      if (page.nextUrl !== null && !stopHere) pending = nextPage();

      try {
        await land(page);
      } finally {
        release();
      }
      crashPoint('extract-page');
      options.onProgress?.({
        stream: options.stream,
        pages: state.pages,
        records: state.records,
        rejects: state.rejects.count,
      });

      if (stopHere) {
        await finishWriters(state, writers, rejectWriter);
        const checkpoint: ExtractCheckpoint = {
          ...state,
          next_url: page.nextUrl!,
        };
        logger.info(
          `Stopped ${options.stream} before the deadline after page ${state.pages}. Call again with the checkpoint to continue.`,
          { stream: options.stream, run: state.run_id, records: state.records },
        );
        return { status: 'partial', checkpoint };
      }
    }

    await finishWriters(state, writers, rejectWriter);
    return await completeRun(options, state, lastPage, logger);
  } catch (error) {
    if (pending) {
      pending.then(
        ({ release }) => release(),
        (prefetchError: unknown) => {
          logger.warn(
            `A prefetched page of ${options.stream} failed after the run had already failed.`,
            { stream: options.stream, run: state.run_id, error: prefetchError },
          );
        },
      );
    }
    await abortWriters(error);
    throw error;
  }
}

/**
 * Reads a stream split by partner: lists the partners on a new run, then
 * reads the partners' lists several at a time and lands their pages one at
 * a time. Stops requesting pages once the deadline is near and returns a
 * checkpoint with every partner's position.
 */
async function extractSlices(
  options: ExtractOptions,
  state: RunState,
  land: (page: CrossbeamPage) => Promise<void>,
  finish: () => Promise<void>,
): Promise<ExtractResult> {
  const logger = options.logger ?? silent;
  const now = options.now ?? Date.now;
  const schedule = requestSchedule(
    options.limiter,
    options.stream,
    SlotPriority.list,
  );
  if (!state.partitions) {
    state.partitions = await planSlices(
      options.client,
      options.stream,
      options.partitions!,
      schedule,
    );
  }
  const { slices } = state.partitions;
  const incremental = slices.filter((slice) => slice.mode === 'incremental');
  logger.info(
    `Extracting ${options.stream} for ${slices.length} partners (${incremental.length} from their bookmarks${options.checkpoint ? `, resuming at page ${state.pages}` : ''}).`,
    { stream: options.stream, run: state.run_id },
  );

  let stopping = false;
  let lastArrival = now();
  let slowestPageMs = 0;
  await readSlices({
    stream: options.stream,
    client: options.client,
    partitions: state.partitions,
    limiter: options.limiter,
    logger,
    shouldStop: () => stopping,
    land: async (page: CrossbeamPage, slice: SliceState) => {
      const arrival = now();
      slowestPageMs = Math.max(slowestPageMs, arrival - lastArrival);
      lastArrival = arrival;
      await land(page);
      slice.pages++;
      slice.records += page.items.length;
      slice.next_url = page.nextUrl;
      if (page.nextUrl === null) {
        slice.bookmark = page.nextHref ?? slice.previous_bookmark;
      }
      crashPoint('extract-page');
      options.onProgress?.({
        stream: options.stream,
        pages: state.pages,
        records: state.records,
        rejects: state.rejects.count,
      });
      if (
        options.deadline !== undefined &&
        now() + slowestPageMs >= options.deadline
      ) {
        stopping = true;
      }
    },
  });

  if (slices.every((slice) => slice.next_url === null)) {
    await relistPartners(
      options.client,
      options.stream,
      state.partitions,
      schedule,
    );
    if (state.partitions.unread.length > 0) {
      logger.warn(
        `${state.partitions.unread.length} partners of ${options.stream} appeared in the partner list only after their overlaps would have been read; their stored rows and bookmarks are kept until the next run.`,
        { stream: options.stream, run: state.run_id },
      );
    }
  }
  await finish();
  if (slices.some((slice) => slice.next_url !== null)) {
    logger.info(
      `Stopped ${options.stream} before the deadline after page ${state.pages}. Call again with the checkpoint to continue.`,
      { stream: options.stream, run: state.run_id, records: state.records },
    );
    return { status: 'partial', checkpoint: { ...state } };
  }
  return await completeRun(options, state, undefined, logger);
}

function openPages(
  options: ExtractOptions,
  path: string,
  pagination: 'page' | 'cursor' | 'none',
  schedule: RequestSchedule,
): AsyncGenerator<CrossbeamPage, void, undefined> {
  const { client } = options;
  if (options.checkpoint) {
    return client.paginateFrom(options.checkpoint.next_url!, { schedule });
  }
  if (options.bookmark !== null) {
    return client.paginateFrom(options.bookmark, { bookmark: true, schedule });
  }
  const filledPath = path.replace(
    '{organization}',
    encodeURIComponent(client.organization),
  );
  return client.paginate(filledPath, {}, { pagination, schedule });
}

async function landPage(
  page: CrossbeamPage,
  state: RunState,
  writers: Map<string, PartWriter>,
  rejectWriter: PartWriter,
  options: ExtractOptions,
  lineage: Lineage,
): Promise<void> {
  const rawKey = pageKey(options.stream, state.run_id, state.raw_pages.length);
  // The raw page is compressed and stored on the zlib and file system
  // threads while its items are normalized on this one.
  const rawLanded = gzipAsync(page.rawBody).then((body) =>
    options.store.put(rawKey, body, { contentType: 'application/json' }),
  );
  // The await below raises a failure; this handler only keeps Node from
  // reporting it early when normalizing fails first.
  rawLanded.catch(() => undefined);

  // Writers in the order of the stream's tables, which `serializeItem`
  // returns lines in.
  const tableWriters = STREAMS[options.stream].tables.map((table) =>
    writers.get(table.name)!,
  );
  for (const item of page.items) {
    const result = serializeItem(options.stream, item, lineage);
    if (!result.ok) {
      await rejectWriter.write({ ...result.reject });
      state.rejects.count++;
      const reasons = state.rejects.reasons;
      reasons[result.reject.reason] = (reasons[result.reject.reason] ?? 0) + 1;
      continue;
    }
    for (const note of result.notes) {
      options.logger?.warn(note, { stream: options.stream });
      addWarning(state, note);
    }
    for (let index = 0; index < result.lines.length; index++) {
      const writer = tableWriters[index]!;
      for (const line of result.lines[index]!) {
        const wait = writer.writeLine(line);
        if (wait !== undefined) await wait;
      }
    }
  }
  await rawLanded;
  state.raw_pages.push(rawKey);

  state.pages++;
  state.records += page.items.length;
  state.retries += page.retries;
  for (const warning of page.warnings) addWarning(state, warning);
}

function addWarning(state: RunState, warning: string): void {
  if (
    state.warnings.length < MAX_WARNINGS &&
    !state.warnings.includes(warning)
  ) {
    state.warnings.push(warning);
  }
}

/** Closes every writer and records the parts it wrote in `state`. */
async function finishWriters(
  state: RunState,
  writers: Map<string, PartWriter>,
  rejectWriter: PartWriter,
): Promise<void> {
  for (const [table, writer] of writers) {
    const entry = state.tables[table]!;
    for (const part of await writer.finish()) {
      entry.parts.push({ key: part.key, rows: part.rows, bytes: part.bytes });
      entry.rows += part.rows;
      entry.bytes += part.bytes;
    }
  }
  for (const part of await rejectWriter.finish()) {
    state.rejects.parts.push(part.key);
  }
}
