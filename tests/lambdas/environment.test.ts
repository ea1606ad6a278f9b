import { readLambdaEnvironment } from '../../lambdas/environment';
import { ConfigurationError } from '../../lib/errors';

const REQUIRED = {
  CROSSBEAM_WAREHOUSE: 'redshift://workgroup/analytics/dev',
  CROSSBEAM_LANDING: 's3://landing-bucket/crossbeam',
};

describe('readLambdaEnvironment', () => {
  it('applies the extract defaults', () => {
    const env = readLambdaEnvironment(REQUIRED);

    expect(env.CROSSBEAM_REQUESTS_IN_FLIGHT).toBe(4);
    expect(env.CROSSBEAM_PART_SIZE_MB).toBe(64);
    expect(env.CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER).toBe('auto');
  });

  it('reads the split setting', () => {
    const split = (value: string) =>
      readLambdaEnvironment({
        ...REQUIRED,
        CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER: value,
      }).CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER;

    expect(split('true')).toBe(true);
    expect(split('false')).toBe(false);
    expect(split('auto')).toBe('auto');
    expect(() => split('yes')).toThrow(
      /CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER: .*\(received "yes"\)/,
    );
  });

  it('reads the part size as a number', () => {
    const env = readLambdaEnvironment({
      ...REQUIRED,
      CROSSBEAM_PART_SIZE_MB: '256',
    });

    expect(env.CROSSBEAM_PART_SIZE_MB).toBe(256);
  });

  it('names an invalid part size and its value', () => {
    const read = () =>
      readLambdaEnvironment({ ...REQUIRED, CROSSBEAM_PART_SIZE_MB: '0' });

    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(
      'CROSSBEAM_PART_SIZE_MB: must be at least 1 (received "0")',
    );
  });

  it('words a number out of range plainly', () => {
    const read = (value: string) => () =>
      readLambdaEnvironment({ ...REQUIRED, CROSSBEAM_PART_SIZE_MB: value });

    expect(read('4097')).toThrow(
      'CROSSBEAM_PART_SIZE_MB: must be at most 4096 (received "4097")',
    );
    expect(read('1.5')).toThrow(
      'CROSSBEAM_PART_SIZE_MB: must be a whole number (received "1.5")',
    );
  });
});
