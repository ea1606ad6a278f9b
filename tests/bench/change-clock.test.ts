import { findChangeStep } from '../../bench/change-clock';
import { createWorld, toSeconds } from '../../lib/sandbox/world';

const anchor = new Date('2026-01-15T00:00:00Z');
const world = createWorld({ seed: 42, scale: 5_000, anchor });

function changedBetween(since: Date, until: Date): number {
  const table = world.overlaps('account');
  let changed = 0;
  for (let i = 0; i < table.count; i += 1) {
    if (table.changedBetween(i, toSeconds(since), toSeconds(until))) {
      changed += 1;
    }
  }
  return changed;
}

describe('findChangeStep', () => {
  test('reaches the requested share of changes', () => {
    const step = findChangeStep(world, anchor, 0.01);
    const visible = world.liveOverlapCount(anchor);

    expect(step.changedAccountOverlaps).toBeGreaterThanOrEqual(0.01 * visible);
    expect(step.changedShare).toBeCloseTo(
      step.changedAccountOverlaps / visible,
      10,
    );
  });

  test('returns the earliest such second', () => {
    const step = findChangeStep(world, anchor, 0.01);
    const before = new Date(step.clock.getTime() - 1000);

    expect(changedBetween(anchor, step.clock)).toBe(
      step.changedAccountOverlaps,
    );
    expect(changedBetween(anchor, before)).toBeLessThan(
      0.01 * world.liveOverlapCount(anchor),
    );
  });

  test('rejects a share the timeline never reaches', () => {
    expect(() => findChangeStep(world, anchor, 5)).toThrow(
      /timeline ends before 500\.0% of its overlaps change/,
    );
  });
});
