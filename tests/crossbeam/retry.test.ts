import { backoffDelayMs, parseRetryAfterMs } from '../../lib/crossbeam/retry';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-12-04T01:00:00Z');

  test.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Fri, 04 Dec 2026 01:00:30 GMT', 30_000],
    ['Fri, 04 Dec 2026 00:59:00 GMT', 0],
  ])('parses %j', (header, expected) => {
    expect(parseRetryAfterMs(header, now)).toBe(expected);
  });

  test.each([[null], ['soon'], ['-5'], ['1.5']])('ignores %j', (header) => {
    expect(parseRetryAfterMs(header, now)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  test('doubles the ceiling per retry up to the maximum', () => {
    const top = () => 0.999999;
    expect(backoffDelayMs(1, 1000, 60_000, top)).toBe(999);
    expect(backoffDelayMs(3, 1000, 60_000, top)).toBe(3999);
    expect(backoffDelayMs(10, 1000, 60_000, top)).toBe(59_999);
  });

  test('draws from zero with full jitter', () => {
    expect(backoffDelayMs(4, 1000, 60_000, () => 0)).toBe(0);
  });
});
