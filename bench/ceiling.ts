import { gunzipSync, gzipSync } from 'node:zlib';
import type { LandingStore } from '../lib/landing/store';

/** The parse and gzip ceiling of one machine, from a run's raw pages. */
export interface Ceiling {
  readonly pages: number;
  readonly records: number;
  /** Uncompressed bytes of the raw pages. */
  readonly bytes: number;
  /** Time spent in JSON.parse and gzip, reading excluded, in ms. */
  readonly parseAndGzipMs: number;
  readonly recordsPerSecond: number;
}

function itemCount(page: unknown): number {
  if (typeof page !== 'object' || page === null) return 0;
  const list =
    (page as { data?: unknown }).data ?? (page as { items?: unknown }).items;
  return Array.isArray(list) ? list.length : 0;
}

/**
 * Replays the raw pages a run landed through `JSON.parse` and `gzipSync`
 * with nothing else, one page at a time. The result is the records per
 * second that one JavaScript thread of this machine reaches on the same
 * bytes, with no fetching, validation, normalization or writing.
 */
export async function measureCeiling(
  store: LandingStore,
  rawPages: readonly string[],
): Promise<Ceiling> {
  let records = 0;
  let bytes = 0;
  let elapsedNs = 0n;
  for (const key of rawPages) {
    const body = gunzipSync(await store.getBuffer(key)).toString('utf8');
    const started = process.hrtime.bigint();
    const page: unknown = JSON.parse(body);
    gzipSync(body);
    elapsedNs += process.hrtime.bigint() - started;
    records += itemCount(page);
    bytes += Buffer.byteLength(body);
  }
  const parseAndGzipMs = Number(elapsedNs) / 1e6;
  return {
    pages: rawPages.length,
    records,
    bytes,
    parseAndGzipMs,
    recordsPerSecond:
      parseAndGzipMs > 0 ? records / (parseAndGzipMs / 1000) : 0,
  };
}
