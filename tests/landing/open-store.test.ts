import * as path from 'node:path';
import { ConfigurationError } from '../../lib/errors';
import { FileLandingStore } from '../../lib/landing/file-store';
import { openLandingStore } from '../../lib/landing/open-store';
import { S3LandingStore } from '../../lib/landing/s3-store';

describe('openLandingStore', () => {
  test('opens a relative file: directory against cwd', () => {
    const store = openLandingStore('file:.crossbeam/landing', {
      cwd: '/srv/app',
    });

    expect(store).toBeInstanceOf(FileLandingStore);
    expect(store.url).toBe('file:.crossbeam/landing');
    expect(store.locate('a/b.json')).toBe(
      path.join('/srv/app', '.crossbeam/landing', 'a', 'b.json'),
    );
  });

  test('opens a file:// URL', () => {
    const store = openLandingStore('file:///var/landing');

    expect(store.locate('k')).toBe(path.join('/var/landing', 'k'));
  });

  test('opens an s3:// bucket and prefix', () => {
    const store = openLandingStore('s3://my-bucket/crossbeam/landing/', {
      s3: { region: 'us-east-1' },
    });

    expect(store).toBeInstanceOf(S3LandingStore);
    expect(store.url).toBe('s3://my-bucket/crossbeam/landing');
    expect(store.locate('accounts/r/manifest.json')).toBe(
      's3://my-bucket/crossbeam/landing/accounts/r/manifest.json',
    );
  });

  test('opens an s3:// bucket without a prefix', () => {
    const store = openLandingStore('s3://my-bucket', {
      s3: { region: 'us-east-1' },
    });

    expect(store.locate('k')).toBe('s3://my-bucket/k');
  });

  test.each([
    ['/tmp/landing', 'the scheme is not supported'],
    ['gs://bucket/prefix', 'the scheme is not supported'],
    ['file:', 'the directory is missing'],
    ['s3://Bad_Bucket/x', 'not a valid S3 bucket name'],
    ['s3://bucket/a//b', 'empty or ".." segment'],
  ])('rejects %j', (url, problem) => {
    expect(() => openLandingStore(url)).toThrow(ConfigurationError);
    expect(() => openLandingStore(url)).toThrow(problem);
    expect(() => openLandingStore(url)).toThrow('file:<dir>');
  });

  test('rejects credentials without echoing the secret', () => {
    const open = () => openLandingStore('s3://AKIAEXAMPLE:s3cret@bucket/p');

    expect(open).toThrow(ConfigurationError);
    expect(open).toThrow('Invalid landing store "s3://AKIAEXAMPLE@bucket/p"');
    expect(open).not.toThrow(/s3cret/);
  });
});
