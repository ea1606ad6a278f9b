import { toSeconds, type World } from '../lib/sandbox/world';

/** A later sandbox clock and how many overlaps changed by then. */
export interface ChangeStep {
  readonly clock: Date;
  /** Account overlaps that appeared, changed or disappeared in between. */
  readonly changedAccountOverlaps: number;
  readonly changedLeadOverlaps: number;
  /** Changed account overlaps ÷ account overlaps visible at `from`. */
  readonly changedShare: number;
}

function countChanged(
  world: World,
  kind: 'account' | 'lead',
  since: number,
  until: number,
): number {
  const table = world.overlaps(kind);
  let changed = 0;
  for (let i = 0; i < table.count; i += 1) {
    if (table.changedBetween(i, since, until)) changed += 1;
  }
  return changed;
}

/**
 * Finds the earliest whole second after `from` by which at least `share` of
 * the account overlaps visible at `from` have changed, by bisection over the
 * world's deterministic timeline. Raises an error when the timeline ends
 * first.
 */
export function findChangeStep(
  world: World,
  from: Date,
  share: number,
): ChangeStep {
  const since = toSeconds(from);
  const target = share * world.overlaps('account').visibleCount(since);
  let low = since;
  let high = world.timeline.end;
  if (countChanged(world, 'account', since, high) < target) {
    throw new Error(
      `The sandbox timeline ends before ${(share * 100).toFixed(1)}% of its overlaps change after ${from.toISOString()}: use an earlier start clock.`,
    );
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (countChanged(world, 'account', since, middle) >= target) high = middle;
    else low = middle;
  }
  const changedAccountOverlaps = countChanged(world, 'account', since, high);
  return {
    clock: new Date(high * 1000),
    changedAccountOverlaps,
    changedLeadOverlaps: countChanged(world, 'lead', since, high),
    changedShare:
      changedAccountOverlaps /
      Math.max(1, world.overlaps('account').visibleCount(since)),
  };
}
