/**
 * Benchmark scales and the sandbox account counts they run. At the world's
 * anchor, the clock the full runs read at, the sandbox shows about 1.34
 * account overlaps per account (1.74 over its whole timeline), so `million`
 * is about 1,000,000 account overlaps (1,004,000 with seed 42).
 */
export const BENCH_SCALES = {
  smoke: 1_000,
  small: 10_000,
  medium: 50_000,
  large: 200_000,
  million: 750_000,
} as const;

export type BenchScale = keyof typeof BENCH_SCALES;

/** Parses `--scale a,b,c` into known scales, ordered smallest first. */
export function parseScales(value: string): BenchScale[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => !(name in BENCH_SCALES));
  if (names.length === 0 || unknown.length > 0) {
    throw new Error(
      `Invalid --scale ${JSON.stringify(value)}: use one or more of ${Object.keys(BENCH_SCALES).join(', ')}, separated by commas.`,
    );
  }
  const unique = [...new Set(names)] as BenchScale[];
  return unique.sort((a, b) => BENCH_SCALES[a] - BENCH_SCALES[b]);
}
