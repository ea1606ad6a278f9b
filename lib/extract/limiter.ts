import type { RequestSchedule } from '../crossbeam/client';

/**
 * The urgency of a waiter for a slot. A list read one page after another
 * cannot go faster than its pages arrive, so every ms it waits for a slot
 * lengthens the run. A stream read one partner at a time has other
 * partners' pages to fetch meanwhile, so it fills the slots that are left.
 */
export const SlotPriority = {
  /** A page of a partner's list, read beside the stream's other partners. */
  slice: 0,
  /** A page of a list read one page after another. */
  list: 1,
} as const;

export type SlotPriority = (typeof SlotPriority)[keyof typeof SlotPriority];

/**
 * A counting semaphore whose free slots go to the waiter of the highest
 * priority, then to the group that holds the fewest slots, the longest
 * waiter first among equals. A stream that reads one page after another
 * (one group, one slot at a time) is never starved by a stream that reads
 * many partners' pages at once.
 *
 * With `keepListSlots`, a slot freed at `SlotPriority.list` is reserved for
 * its group until the event loop's next turn. A list requests its next page
 * as soon as a page arrives, and would otherwise wait for another request
 * to finish.
 *
 * NOTE: a list that takes its reserved slot back can hold it until it ends.
 * With as many lists as slots, partners' lists wait until a list ends.
 * `syncStreams` runs at most `concurrency` streams at once, so there a
 * stream read per partner always has a slot.
 */
export class FairSemaphore {
  private readonly held = new Map<string, number>();
  /** Freed list slots reserved for their group until the next turn. */
  private readonly reserved = new Map<string, number>();
  private readonly waiting: {
    group: string;
    priority: SlotPriority;
    grant: () => void;
  }[] = [];
  private inUse = 0;

  constructor(
    readonly capacity: number,
    private readonly options: { readonly keepListSlots?: boolean } = {},
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(
        `Invalid semaphore capacity ${capacity}: expected a whole number of at least 1.`,
      );
    }
  }

  /** Slots in use now. */
  get used(): number {
    return this.inUse;
  }

  /** Waits for a slot and returns the function that frees it, once. */
  async acquire(
    group: string,
    priority: SlotPriority = SlotPriority.slice,
  ): Promise<() => void> {
    const reserved = this.reserved.get(group) ?? 0;
    if (reserved > 0) {
      this.setCount(this.reserved, group, reserved - 1);
      this.setCount(this.held, group, (this.held.get(group) ?? 0) + 1);
    } else if (this.inUse < this.capacity && this.waiting.length === 0) {
      this.take(group);
    } else {
      await new Promise<void>((resolve) => {
        this.waiting.push({ group, priority, grant: resolve });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (priority === SlotPriority.list && this.options.keepListSlots) {
        this.reserve(group);
      } else this.give(group);
    };
  }

  /** Runs `task` while holding a slot. */
  async run<T>(
    group: string,
    task: () => Promise<T>,
    priority: SlotPriority = SlotPriority.slice,
  ): Promise<T> {
    const release = await this.acquire(group, priority);
    try {
      return await task();
    } finally {
      release();
    }
  }

  private take(group: string): void {
    this.inUse++;
    this.held.set(group, (this.held.get(group) ?? 0) + 1);
  }

  private setCount(counts: Map<string, number>, group: string, n: number) {
    if (n === 0) counts.delete(group);
    else counts.set(group, n);
  }

  /** Frees a slot of `group` for its own next acquire, until the next turn. */
  private reserve(group: string): void {
    this.setCount(this.held, group, (this.held.get(group) ?? 1) - 1);
    this.setCount(this.reserved, group, (this.reserved.get(group) ?? 0) + 1);
    setImmediate(() => {
      const reserved = this.reserved.get(group) ?? 0;
      if (reserved === 0) return;
      this.setCount(this.reserved, group, reserved - 1);
      this.inUse--;
      this.dispatch();
    });
  }

  private give(group: string): void {
    this.inUse--;
    this.setCount(this.held, group, (this.held.get(group) ?? 1) - 1);
    this.dispatch();
  }

  /** Hands free slots to the waiters that come first. */
  private dispatch(): void {
    while (this.inUse < this.capacity && this.waiting.length > 0) {
      let best = 0;
      let bestHeld = this.held.get(this.waiting[0]!.group) ?? 0;
      for (let index = 1; index < this.waiting.length; index++) {
        const candidate = this.waiting[index]!;
        const leader = this.waiting[best]!;
        const held = this.held.get(candidate.group) ?? 0;
        if (
          candidate.priority > leader.priority ||
          (candidate.priority === leader.priority && held < bestHeld)
        ) {
          best = index;
          bestHeld = held;
        }
      }
      const [next] = this.waiting.splice(best, 1);
      this.take(next!.group);
      next!.grant();
    }
  }
}

/**
 * Bounds the requests one run sends to the Crossbeam API and the pages it
 * keeps in memory:
 * `requests` caps the requests in flight across every stream and partner,
 * and `pages` caps the pages fetched or being fetched but not yet landed.
 * A page slot is taken once a request slot is held, before the request is
 * sent, and freed once the page is landed (see `PageReader`), so memory
 * stays flat however many partners a stream reads.
 */
export interface ExtractLimiter {
  readonly requests: FairSemaphore;
  readonly pages: FairSemaphore;
}

/**
 * Raised by a `PageReader`'s schedule for a request that was still waiting
 * for its slots when the reader was stopped. The request was not sent.
 */
export class PageReadStoppedError extends Error {
  constructor(group: string) {
    super(`Stopped reading ${group} before sending its next request.`);
    this.name = 'PageReadStoppedError';
  }
}

/**
 * One reader's share of the limiter, for one list: each request waits for
 * a request slot, then for a page slot, so that no page slot is held by a
 * request that has not been sent. The page slot outlives the request: the
 * reader takes it with `takePageSlot` once the page arrives and frees it
 * once the page is landed. A reader has at most one request pending.
 */
export class PageReader {
  /** Pass to the client's `paginate` and `paginateFrom`. */
  readonly schedule: RequestSchedule;
  private pageSlot: (() => void) | undefined;

  /**
   * `shouldStop` is checked once a request has both slots. When it
   * returns true, the request is not sent and the schedule raises
   * `PageReadStoppedError`.
   */
  constructor(
    limiter: ExtractLimiter | undefined,
    group: string,
    priority: SlotPriority,
    shouldStop: () => boolean = () => false,
  ) {
    if (!limiter) {
      this.schedule = (request) => request();
      return;
    }
    this.schedule = (request) =>
      limiter.requests.run(
        group,
        async () => {
          const release = await limiter.pages.acquire(group, priority);
          if (shouldStop()) {
            release();
            throw new PageReadStoppedError(group);
          }
          this.pageSlot?.();
          this.pageSlot = release;
          try {
            return await request();
          } catch (error) {
            this.takePageSlot()();
            throw error;
          }
        },
        priority,
      );
  }

  /**
   * Returns the function that frees the page slot of the last request, or
   * one that does nothing when no slot is held. Call it after every
   * `next()` of the list, the failed ones too.
   */
  takePageSlot(): () => void {
    const release = this.pageSlot ?? (() => undefined);
    this.pageSlot = undefined;
    return release;
  }
}

/**
 * Pages kept in memory beyond the requests in flight: the page being
 * landed, and one that arrived meanwhile.
 */
export const PAGES_BEYOND_REQUESTS = 2;

/**
 * Creates the limiter of one run: `concurrency` requests in flight, and
 * `PAGES_BEYOND_REQUESTS` more pages in memory, so that new pages arrive
 * while the current one is written. A sandbox page of 1,000 overlaps is a
 * 1.1 MB body and 1.3 MB of parsed items on the heap (Node 20), so a page
 * slot costs a few MB.
 */
export function createExtractLimiter(concurrency: number): ExtractLimiter {
  return {
    requests: new FairSemaphore(concurrency, { keepListSlots: true }),
    pages: new FairSemaphore(concurrency + PAGES_BEYOND_REQUESTS),
  };
}

/** V8 heap of an extract beyond its pages: code, clients and run state. */
const EXTRACT_BASE_HEAP_MB = 64;

/**
 * Heap allowed per page slot: a parsed sandbox page of 1,000 overlaps takes
 * about 2.4 MB (body and items), so this leaves room for records about three
 * times as wide, an estimate rather than a measured limit.
 */
const EXTRACT_HEAP_MB_PER_PAGE = 8;

/**
 * Returns the V8 old-generation ceiling (`--max-old-space-size`, in MB) for
 * an extract with `concurrency` requests in flight. Beyond a fixed base, an
 * extract keeps alive only the pages in its slots, so under this ceiling V8
 * collects garbage before the heap grows with the length of the run.
 *
 * NOTE: an extract whose live heap passes the ceiling ends with a V8
 * out-of-memory error; the deploy setting `extractHeapMb` raises it.
 */
export function extractHeapLimitMb(concurrency: number): number {
  return (
    EXTRACT_BASE_HEAP_MB +
    EXTRACT_HEAP_MB_PER_PAGE * (concurrency + PAGES_BEYOND_REQUESTS)
  );
}
