import { redactUrl } from '../../lib/warehouse/statement-error';

describe('redactUrl', () => {
  test.each([
    [
      'postgres://loader:secret@127.0.0.1:5432/db',
      'postgres://loader@127.0.0.1:5432/db',
    ],
    ['postgres://admin:p@ss@127.0.0.1/db', 'postgres://admin@127.0.0.1/db'],
    ['postgres://admin:pa/ss@127.0.0.1/db', 'postgres://admin@127.0.0.1/db'],
    [
      'postgres://admin@127.0.0.1/db?password=secret&sslmode=require',
      'postgres://admin@127.0.0.1/db?sslmode=require',
    ],
    [
      'postgresql://admin@127.0.0.1/db?sslmode=require&PASSWORD=secret#x',
      'postgresql://admin@127.0.0.1/db?sslmode=require#x',
    ],
    ['postgres://127.0.0.1/db?password=secret', 'postgres://127.0.0.1/db'],
    ['postgres://127.0.0.1/db', 'postgres://127.0.0.1/db'],
    ['pglite:.crossbeam/warehouse', 'pglite:.crossbeam/warehouse'],
    ['s3://AKIAEXAMPLE:s3cret@bucket/prefix', 's3://AKIAEXAMPLE@bucket/prefix'],
    [
      'redshift://workgroup/analytics/dev?region=eu-west-1&Token=abc&client%5Fsecret=xyz&secret_arn=arn',
      'redshift://workgroup/analytics/dev?region=eu-west-1&secret_arn=arn',
    ],
    ['https://api.example/v1?access_token=abc', 'https://api.example/v1'],
    ['postgres://user:pa?ss@host:5432/db', 'postgres://user@host:5432/db'],
    ['postgres://user:pa#ss@host/db', 'postgres://user@host/db'],
    [
      'postgres://host/db?application_name=a@b&password=c',
      'postgres://host/db?application_name=a@b',
    ],
  ])('%s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
