import { BookmarkExpiredError, CrossbeamApiError } from '../errors';
import {
  CURSOR_PAGE_LIMIT,
  type CrossbeamClient,
  type CrossbeamPage,
  type RequestSchedule,
} from '../crossbeam/client';
import type { Logger } from '../log';
import { STREAMS, type StreamName } from '../streams/catalog';
import type { PartitionState, SliceState } from './checkpoint';
import {
  PageReader,
  PageReadStoppedError,
  SlotPriority,
  type ExtractLimiter,
} from './limiter';

/** Lists read at the same time per split stream when no limiter is given. */
export const DEFAULT_SLICE_READERS = 4;

/**
 * Returns a schedule that runs each request of `group` under the
 * limiter's request slots at `priority`, or runs it directly without a
 * limiter.
 */
export function requestSchedule(
  limiter: ExtractLimiter | undefined,
  group: string,
  priority: SlotPriority,
): RequestSchedule {
  if (!limiter) return (request) => request();
  return (request) => limiter.requests.run(group, request, priority);
}

/** Returns the first page's URL of one partner's list. */
export function sliceStartUrl(
  client: CrossbeamClient,
  stream: StreamName,
  partnerId: string,
): string {
  const spec = STREAMS[stream];
  return client.buildUrl(spec.path, {
    [spec.partitionBy!.parameter]: partnerId,
    limit: CURSOR_PAGE_LIMIT,
  });
}

/** The stored state that a stream split by partner starts from. */
export interface PartnerBookmarks {
  /** Each partner's bookmark. A partner without one is read in full. */
  readonly bookmarks: ReadonlyMap<string, string>;
  /**
   * Returns whether the warehouse contains rows of the stream, which
   * loading an empty split run would remove. Called only when the partner
   * list is empty.
   */
  readonly hasStoredRows?: () => Promise<boolean>;
}

/**
 * Lists the organization's partners (`GET /v1/partners`) and returns one
 * slice per partner: incremental from the partner's bookmark when
 * `bookmarks` has one, otherwise a full pass of the partner's list. Raises
 * `CrossbeamApiError` for a partner item without a uuid, because its
 * overlaps could not be read and would be taken for deleted, and for an
 * empty partner list when the stream has partner bookmarks or stored rows.
 */
export async function planSlices(
  client: CrossbeamClient,
  stream: StreamName,
  stored: PartnerBookmarks,
  schedule: RequestSchedule,
): Promise<PartitionState> {
  const { bookmarks } = stored;
  const { ids, pages, records } = await listPartners(client, stream, schedule);
  if (ids.size === 0 && bookmarks.size > 0) {
    throw new CrossbeamApiError(
      `GET ${STREAMS.partners.path} returned no partners, although ${bookmarks.size} partners of ${stream} have bookmarks. Loading that would remove every overlap of the stream, so the stream stops here. If every partnership has ended, run again with --full-refresh (or delete the stream's rows from crossbeam.partition_bookmarks).`,
    );
  }
  if (ids.size === 0 && (await stored.hasStoredRows?.())) {
    throw new CrossbeamApiError(
      `GET ${STREAMS.partners.path} returned no partners, although the warehouse contains overlaps of ${stream}, which its last run read as one list. Loading that would remove every overlap of the stream, so the stream stops here. If every partnership has ended, set splitOverlapsByPartner to false, or run again with --full-refresh.`,
    );
  }

  const slices = [...ids].map((value): SliceState => {
    const bookmark = bookmarks.get(value) ?? null;
    return {
      value,
      mode: bookmark === null ? 'full' : 'incremental',
      previous_bookmark: bookmark,
      next_url: bookmark ?? sliceStartUrl(client, stream, value),
      bookmark: null,
      pages: 0,
      records: 0,
    };
  });
  return {
    column: 'partner_id',
    listed: { pages, records },
    slices,
    unread: [],
  };
}

/**
 * Lists the partners again once every slice is read, and records those the
 * first listing missed in `unread`. `/v1/partners` pages by offset, so a
 * partnership that ends during the first listing can shift another partner
 * past it. The loader keeps the rows and bookmark of an unread partner
 * instead of taking it for ended.
 */
export async function relistPartners(
  client: CrossbeamClient,
  stream: StreamName,
  partitions: PartitionState,
  schedule: RequestSchedule,
): Promise<void> {
  const { ids, pages, records } = await listPartners(client, stream, schedule);
  const read = new Set(partitions.slices.map((slice) => slice.value));
  partitions.unread = [...ids].filter((id) => !read.has(id));
  partitions.listed = {
    pages: partitions.listed.pages + pages,
    records: partitions.listed.records + records,
  };
}

/** Returns the partner uuids of `GET /v1/partners`, with the pages read. */
async function listPartners(
  client: CrossbeamClient,
  stream: StreamName,
  schedule: RequestSchedule,
): Promise<{ ids: Set<string>; pages: number; records: number }> {
  const partners = STREAMS.partners;
  const ids = new Set<string>();
  let pages = 0;
  let records = 0;
  for await (const page of client.paginate(
    partners.path,
    {},
    { pagination: partners.pagination, schedule },
  )) {
    pages++;
    records += page.items.length;
    for (const item of page.items) {
      const uuid = (item as { uuid?: unknown } | null)?.uuid;
      if (typeof uuid !== 'string' || uuid.trim() === '') {
        throw new CrossbeamApiError(
          `Cannot split ${stream} by partner: GET ${partners.path} returned a partner without a uuid (${JSON.stringify(item).slice(0, 200)}), so its overlaps could not be read. Set splitOverlapsByPartner to false to read the stream in one list.`,
        );
      }
      ids.add(uuid);
    }
  }
  return { ids, pages, records };
}

/**
 * Puts the partner into the message of an error from one partner's list,
 * keeping the error's class, so that the run's failure names the list.
 */
function namePartner(error: unknown, stream: string, partner: string): unknown {
  if (error instanceof Error) {
    error.message = `Reading ${stream} for partner ${partner} (the partner-id filter) failed: ${error.message}`;
  }
  return error;
}

export interface SliceReadOptions {
  readonly stream: StreamName;
  readonly client: CrossbeamClient;
  readonly partitions: PartitionState;
  readonly limiter?: ExtractLimiter;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /**
   * Lands one page of `slice`. Calls never overlap, and the pages of one
   * slice arrive in list order.
   */
  readonly land: (page: CrossbeamPage, slice: SliceState) => Promise<void>;
  /** Returns true once no further page should be requested. */
  readonly shouldStop: () => boolean;
}

/**
 * Reads the unfinished slices, several at a time, and lands each page as it
 * arrives. A slice's next page is requested while its current one is
 * landed. After each landed page the slice's `next_url` is the page after
 * it, and a finished slice has `next_url` null and its `bookmark` set, so
 * the partition state is a valid checkpoint whenever this returns. When a
 * partner's bookmark is rejected, that partner's list is read again in
 * full. Raises the first reader's error after every reader has stopped.
 */
export async function readSlices(options: SliceReadOptions): Promise<void> {
  const { stream, client, limiter, logger } = options;
  const todo = options.partitions.slices.filter(
    (slice) => slice.next_url !== null,
  );
  const readers = Math.min(
    todo.length,
    limiter?.requests.capacity ?? DEFAULT_SLICE_READERS,
  );
  let failed = false;
  let landing: Promise<void> = Promise.resolve();
  const landInOrder = (page: CrossbeamPage, slice: SliceState) => {
    const landed = landing.then(() => options.land(page, slice));
    landing = landed.catch(() => undefined);
    return landed;
  };

  const readSlice = async (slice: SliceState): Promise<void> => {
    const reader = new PageReader(
      limiter,
      stream,
      SlotPriority.slice,
      () => failed || options.shouldStop(),
    );
    const { schedule } = reader;
    let pages = client.paginateFrom(slice.next_url!, {
      bookmark: slice.mode === 'incremental' && slice.pages === 0,
      schedule,
    });
    let previous: Promise<void> = Promise.resolve();
    try {
      while (!failed && !options.shouldStop()) {
        let result: IteratorResult<CrossbeamPage, void>;
        let release: () => void;
        try {
          result = await pages.next();
          release = reader.takePageSlot();
        } catch (error) {
          reader.takePageSlot()();
          if (error instanceof PageReadStoppedError) break;
          if (!(error instanceof BookmarkExpiredError) || slice.pages > 0) {
            throw namePartner(error, stream, slice.value);
          }
          logger.warn(
            `Crossbeam rejected the bookmark of ${stream} for partner ${slice.value}, so that partner's list is read again in full.`,
            { stream, partner: slice.value, status: error.status },
          );
          slice.mode = 'full';
          slice.previous_bookmark = null;
          slice.next_url = sliceStartUrl(client, stream, slice.value);
          pages = client.paginateFrom(slice.next_url, { schedule });
          continue;
        }
        if (result.done) {
          release();
          break;
        }
        // The page before this one must be landed first, which also keeps
        // at most two pages of this slice in memory.
        try {
          await previous;
        } catch (error) {
          release();
          throw error;
        }
        previous = landInOrder(result.value, slice).finally(release);
        // Marks the rejection as handled until the await above or below
        // raises it.
        previous.catch(() => undefined);
        if (result.value.nextUrl === null) break;
      }
      await previous;
    } finally {
      await pages.return();
    }
  };

  let next = 0;
  const outcomes = await Promise.allSettled(
    Array.from({ length: readers }, async () => {
      try {
        while (!failed && !options.shouldStop() && next < todo.length) {
          await readSlice(todo[next++]!);
        }
      } catch (error) {
        failed = true;
        throw error;
      }
    }),
  );
  const failure = outcomes.find(
    (outcome): outcome is PromiseRejectedResult =>
      outcome.status === 'rejected',
  );
  if (failure) throw failure.reason;
}
