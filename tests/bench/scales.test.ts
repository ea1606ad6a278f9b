import { BENCH_SCALES, parseScales } from '../../bench/scales';

describe('parseScales', () => {
  test('orders scales smallest first', () => {
    expect(parseScales('million, smoke,large')).toEqual([
      'smoke',
      'large',
      'million',
    ]);
  });

  test('drops repeated scales', () => {
    expect(parseScales('smoke,smoke')).toEqual(['smoke']);
  });

  test.each([[''], ['huge'], ['smoke,tiny']])('rejects %j', (value) => {
    expect(() => parseScales(value)).toThrow(
      /Invalid --scale .*smoke, small, medium, large, million/,
    );
  });

  test('grows accounts with each scale', () => {
    const counts = Object.values(BENCH_SCALES);

    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
  });
});
