/**
 * Backoff arithmetic for the Crossbeam client: exponential delays with full
 * jitter, and `Retry-After` parsing.
 */

/**
 * Returns the delay before retry number `retry` (1 for the first retry):
 * a uniformly random share of `min(maxDelayMs, baseDelayMs * 2^(retry - 1))`
 * ("full jitter"), so that many clients that failed together spread out.
 */
export function backoffDelayMs(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a `Retry-After` header: delta seconds (`120`) or an HTTP date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). Returns milliseconds from `nowMs`, zero
 * for a date in the past, or undefined when the header is absent or invalid.
 */
export function parseRetryAfterMs(
  header: string | null,
  nowMs: number,
): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;

  // An HTTP date names its day or month in letters; without them Date.parse
  // would read strings such as "-5" or "1.5" as dates.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
