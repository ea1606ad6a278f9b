/**
 * Named points where a test can kill the process, to prove that a crash at
 * any step loses nothing and a plain re-run converges. The environment
 * variable `CROSSBEAM_WAREHOUSE_TEST_CRASH_AT` names one point, optionally
 * followed by `:N` to fire on its Nth hit (default 1). When the point fires,
 * the process sends itself SIGKILL, so no `finally` block, exit handler or
 * buffered write runs: the same as a power cut or an out-of-memory kill.
 *
 * Points, in pipeline order:
 * - `extract-page`: after a page is landed, before the stream's manifest.
 * - `before-load`: after the sync step, before the load step starts.
 * - `after-staging`: a run is copied to staging, its merge not begun.
 * - `in-transaction`: after a statement inside a warehouse transaction
 *   (PGlite only), before the commit.
 * - `build-model`: after a model view is built, before the next one.
 */
export const CRASH_POINTS = [
  'extract-page',
  'before-load',
  'after-staging',
  'in-transaction',
  'build-model',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export const CRASH_VARIABLE = 'CROSSBEAM_WAREHOUSE_TEST_CRASH_AT';

const hits = new Map<CrashPoint, number>();

/** Parses the variable's value, or returns undefined when it is unset. */
function parseTarget(
  value: string | undefined,
): { point: CrashPoint; hit: number } | undefined {
  if (value === undefined || value === '') return undefined;
  const [name, count] = value.split(':');
  const hit = count === undefined ? 1 : Number(count);
  if (
    !(CRASH_POINTS as readonly string[]).includes(name!) ||
    !Number.isInteger(hit) ||
    hit < 1
  ) {
    throw new Error(
      `Invalid ${CRASH_VARIABLE} ${JSON.stringify(value)}: expected one of ${CRASH_POINTS.join(', ')}, optionally followed by :N with N a whole number of at least 1. Unset the variable outside tests.`,
    );
  }
  return { point: name as CrashPoint, hit };
}

/** Kills this process with SIGKILL when `point` is the one the variable names. */
export function crashPoint(point: CrashPoint): void {
  const target = parseTarget(process.env[CRASH_VARIABLE]);
  if (target?.point !== point) return;
  const hit = (hits.get(point) ?? 0) + 1;
  hits.set(point, hit);
  if (hit === target.hit) process.kill(process.pid, 'SIGKILL');
}
