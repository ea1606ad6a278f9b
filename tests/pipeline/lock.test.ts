import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { WarehouseBusyError, WarehouseError } from '../../lib/errors';
import { acquireRunLock } from '../../lib/pipeline/lock';

describe('acquireRunLock on PGlite', () => {
  const folder = () =>
    path.join(mkdtempSync(path.join(tmpdir(), 'lock-')), 'warehouse');

  it('rejects a second run while the first holds it', async () => {
    const dir = folder();
    const first = await acquireRunLock(`pglite:${dir}`, 'crossbeam', 'run');

    const second = acquireRunLock(`pglite:${dir}`, 'crossbeam', 'load');

    await expect(second).rejects.toBeInstanceOf(WarehouseBusyError);
    await expect(second).rejects.toThrow(/in use by "crossbeam-warehouse run"/);
    await first.release();
  });

  it('removes its lock file on release', async () => {
    const dir = folder();
    const lock = await acquireRunLock(`pglite:${dir}`, 'crossbeam', 'run');
    expect(existsSync(`${dir}.lock`)).toBe(true);

    await lock.release();

    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = folder();
    const deadPid = 2 ** 22 + 1;
    writeFileSync(
      `${dir}.lock`,
      JSON.stringify({
        pid: deadPid,
        host: hostname(),
        command: 'run',
        started_at: '2026-01-01T00:00:00.000Z',
      }),
    );

    const lock = await acquireRunLock(`pglite:${dir}`, 'crossbeam', 'run');

    await lock.release();
    expect(existsSync(`${dir}.lock`)).toBe(false);
  });

  it('takes no lock for an in-memory warehouse', async () => {
    const first = await acquireRunLock('pglite:memory:', 'crossbeam', 'run');
    const second = await acquireRunLock('pglite:memory:', 'crossbeam', 'run');

    await first.release();
    await second.release();
  });
});

describe('acquireRunLock on PostgreSQL', () => {
  it('names the setting when it cannot connect', async () => {
    const lock = acquireRunLock(
      'postgres://loader:secret-pw@127.0.0.1:1/postgres',
      'crossbeam',
      'run',
    );

    await expect(lock).rejects.toBeInstanceOf(WarehouseError);
    await expect(lock).rejects.toThrow(
      'Connecting to the warehouse postgres://loader@127.0.0.1:1/postgres (warehouse, CROSSBEAM_WAREHOUSE) failed: connect ECONNREFUSED 127.0.0.1:1.',
    );
    await expect(lock).rejects.not.toThrow('secret-pw');
  });

  it('explains a password the URL cannot hold raw', async () => {
    const lock = acquireRunLock(
      'postgres://loader:pa?ss-pw@127.0.0.1:1/postgres',
      'crossbeam',
      'run',
    );

    await expect(lock).rejects.toBeInstanceOf(WarehouseError);
    await expect(lock).rejects.toThrow(
      'Connecting to the warehouse postgres://loader@127.0.0.1:1/postgres (warehouse, CROSSBEAM_WAREHOUSE) failed: Invalid URL. The URL is not valid: percent-encode',
    );
    await expect(lock).rejects.not.toThrow('ss-pw');
  });
});
