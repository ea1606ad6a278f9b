/**
 * A counting semaphore whose free slots go to the waiting group that holds
 * the fewest slots, the longest waiter first among equals. A stream that
 * reads one page after another (one group, one slot at a time) is never
 * starved by a stream that reads many partners' pages at once.
 */
export class FairSemaphore {
  private readonly held = new Map<string, number>();
  private readonly waiting: { group: string; grant: () => void }[] = [];
  private inUse = 0;

  constructor(readonly capacity: number) {
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
  async acquire(group: string): Promise<() => void> {
    if (this.inUse < this.capacity && this.waiting.length === 0) {
      this.take(group);
    } else {
      await new Promise<void>((resolve) => {
        this.waiting.push({ group, grant: resolve });
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(group);
    };
  }

  /** Runs `task` while holding a slot. */
  async run<T>(group: string, task: () => Promise<T>): Promise<T> {
    const release = await this.acquire(group);
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

  private give(group: string): void {
    this.inUse--;
    const left = (this.held.get(group) ?? 1) - 1;
    if (left === 0) this.held.delete(group);
    else this.held.set(group, left);

    while (this.inUse < this.capacity && this.waiting.length > 0) {
      let best = 0;
      for (let index = 1; index < this.waiting.length; index++) {
        const candidate = this.held.get(this.waiting[index]!.group) ?? 0;
        if (candidate < (this.held.get(this.waiting[best]!.group) ?? 0)) {
          best = index;
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
 * A page slot is taken before its request and freed once the page is
 * landed, so memory stays flat however many partners a stream reads.
 */
export interface ExtractLimiter {
  readonly requests: FairSemaphore;
  readonly pages: FairSemaphore;
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
    requests: new FairSemaphore(concurrency),
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
