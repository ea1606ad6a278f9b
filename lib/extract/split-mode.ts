import type { CrossbeamClient, RequestSchedule } from '../crossbeam/client';
import { STREAMS, type StreamName } from '../streams/catalog';

/**
 * The `splitOverlapsByPartner` setting: `true` reads each overlap stream one
 * partner at a time, `false` as one list, and `auto` chooses per stream.
 */
export type SplitSetting = boolean | 'auto';

/** The way a run reads one stream, and the reason for it. */
export interface SplitChoice {
  readonly split: boolean;
  readonly reason: string;
}

export interface SplitChoiceOptions {
  readonly stream: StreamName;
  readonly setting: SplitSetting;
  /** Partners of the stream with a stored bookmark. */
  readonly partnerBookmarks: number;
  /** Whether the stream has a stored bookmark of its own (one list). */
  readonly streamBookmark: boolean;
  /** Requests in flight at once, the run's `concurrency`. */
  readonly requestsInFlight: number;
  /** Counts the organization's partners (`GET /v1/partners`). */
  readonly countPartners: () => Promise<number>;
}

/**
 * Decides whether a run reads `stream` one partner at a time. With `auto`,
 * a stream keeps the kind of bookmarks it has, because changing costs a
 * full pass. A stream without bookmarks (its first run, a full refresh)
 * is read per partner only when one round of requests covers every
 * partner. Each partner's bookmark costs a request on every later run, even
 * when nothing changed, while one list costs one request. One list is
 * slower only on a full pass, whose pages it reads one after another.
 */
export async function chooseSplit(
  options: SplitChoiceOptions,
): Promise<SplitChoice> {
  if (STREAMS[options.stream].partitionBy === undefined) {
    return { split: false, reason: 'the API cannot filter it by partner' };
  }
  if (options.setting !== 'auto') {
    const setting = `splitOverlapsByPartner is ${String(options.setting)}`;
    const otherKind = options.setting
      ? options.partnerBookmarks === 0 && options.streamBookmark
      : options.partnerBookmarks > 0 && !options.streamBookmark;
    return {
      split: options.setting,
      reason: otherKind
        ? `${setting}, but its bookmarks are ${options.setting ? 'for one list' : 'per partner'}, so this run reads it in full`
        : setting,
    };
  }
  if (options.partnerBookmarks > 0) {
    return {
      split: true,
      reason:
        options.partnerBookmarks === 1
          ? 'its partner bookmark continues'
          : `its ${options.partnerBookmarks} partner bookmarks continue`,
    };
  }
  if (options.streamBookmark) {
    return { split: false, reason: 'its bookmark continues' };
  }
  const partners = await options.countPartners();
  return partners <= options.requestsInFlight
    ? {
        split: true,
        reason: `its ${partners} ${partners === 1 ? 'partner fits' : 'partners fit'} in one round of ${options.requestsInFlight} requests`,
      }
    : {
        split: false,
        reason: `one bookmark per partner would cost ${partners} requests on every run, more than ${options.requestsInFlight} in flight`,
      };
}

/** Counts the items of `GET /v1/partners`, every page of it. */
export async function countPartners(
  client: CrossbeamClient,
  schedule: RequestSchedule,
): Promise<number> {
  const partners = STREAMS.partners;
  let count = 0;
  for await (const page of client.paginate(
    partners.path,
    {},
    { pagination: partners.pagination, schedule },
  )) {
    count += page.items.length;
  }
  return count;
}
