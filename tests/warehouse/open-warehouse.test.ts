import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigurationError, WarehouseError } from '../../lib/errors';
import { openWarehouse } from '../../lib/warehouse/open-warehouse';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';

describe('openWarehouse', () => {
  it('opens a PGlite database persisted in a directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-'));
    try {
      const url = `pglite:${path.join(dir, 'db')}`;
      const first = await PgliteWarehouse.open(url);
      await first.query('create table kept (id integer)');
      await first.query('insert into kept values (7)');
      await first.close();

      const second = await openWarehouse(url);
      try {
        expect(second).toBeInstanceOf(PgliteWarehouse);
        expect(second.dialect).toBe('postgres');
        expect(await second.query('select id from kept')).toEqual([{ id: 7 }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a PGlite URL without a directory', async () => {
    await expect(openWarehouse('pglite:')).rejects.toThrow(
      /Invalid PGlite warehouse "pglite:": the directory is missing/,
    );
  });

  it('opens PostgreSQL lazily and hides the password', async () => {
    const opened = await openWarehouse(
      'postgresql://loader:s3cret@127.0.0.1:1/warehouse',
    );
    try {
      expect(opened.dialect).toBe('postgres');
      expect(opened.url).toBe('postgresql://loader@127.0.0.1:1/warehouse');
      const failure = await opened
        .query('select 1')
        .catch((error: unknown) => error as Error);
      expect(failure).toBeInstanceOf(WarehouseError);
      expect((failure as Error).message).toContain(
        'postgresql://loader@127.0.0.1:1/warehouse',
      );
      expect((failure as Error).message).not.toContain('s3cret');
    } finally {
      await opened.close();
    }
  });

  it('opens Redshift through the Data API adapter', async () => {
    const opened = await openWarehouse(
      'redshift://workgroup/analytics/dev?region=eu-west-1',
    );
    try {
      expect(opened.dialect).toBe('redshift');
    } finally {
      await opened.close();
    }
  });

  it('rejects another scheme without echoing a password', async () => {
    const failure = openWarehouse('mysql://root:hunter2@db/warehouse');
    await expect(failure).rejects.toThrow(ConfigurationError);
    await expect(failure).rejects.toThrow(
      'Invalid warehouse "mysql://root@db/warehouse": the scheme must be pglite:, postgres:, postgresql: or redshift:.',
    );
    const error = (await failure.catch((caught: unknown) => caught)) as Error;
    expect(error.message).not.toContain('hunter2');
  });

  it('names an invalid Redshift URL without its secrets', async () => {
    const failure = openWarehouse(
      'redshift://workgroup/Analytics/dev?password=hunter2',
    );
    await expect(failure).rejects.toThrow(
      'Invalid Redshift warehouse URL "redshift://workgroup/Analytics/dev"',
    );
    const error = (await failure.catch((caught: unknown) => caught)) as Error;
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects a value without a scheme', async () => {
    await expect(openWarehouse('.crossbeam/warehouse')).rejects.toThrow(
      /Invalid warehouse "\.crossbeam\/warehouse"/,
    );
  });
});
