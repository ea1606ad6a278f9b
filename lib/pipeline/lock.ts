import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { WarehouseBusyError } from '../errors';
import { connectionError } from '../warehouse/statement-error';

export interface RunLock {
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  started_at: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A lock file cut short by a crash while it was written.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * Takes a lock file beside a PGlite data folder. PGlite runs inside one
 * process, so two processes on one folder would corrupt it: a second run
 * is rejected while the owner lives, and a lock left by a process that died
 * is taken over.
 */
function lockPgliteFolder(dir: string, command: string): RunLock {
  const file = `${path.resolve(dir)}.lock`;
  mkdirSync(path.dirname(file), { recursive: true });
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    command,
    started_at: new Date().toISOString(),
  };

  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      return {
        release: async () => {
          if (readOwner(file)?.pid === process.pid)
            rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }

    const current = readOwner(file);
    const sameHost = !current || current.host === owner.host;
    if (current && (!sameHost || processAlive(current.pid))) {
      throw new WarehouseBusyError(
        `The warehouse ${dir} is in use by "crossbeam-warehouse ${current.command}" (pid ${current.pid} on ${current.host}, started ${current.started_at}). Wait for it to finish and run again; if that process is gone, delete ${file}.`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new WarehouseBusyError(
    `Another run took the lock ${file} at the same moment. Run again once it has finished.`,
  );
}

/**
 * Takes a PostgreSQL session advisory lock on a connection of its own. The
 * server releases it when the session ends, so a killed run never leaves it
 * behind.
 */
async function lockPostgres(
  url: string,
  schema: string,
  command: string,
): Promise<RunLock> {
  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url });
    await client.connect();
  } catch (error) {
    throw connectionError(error, url);
  }
  const key = `crossbeam-warehouse:${schema}`;
  const result = await client.query<{ locked: boolean }>(
    'select pg_try_advisory_lock(hashtext($1)) as locked',
    [key],
  );
  if (!result.rows[0]?.locked) {
    await client.end();
    throw new WarehouseBusyError(
      `Another crossbeam-warehouse run has taken the PostgreSQL advisory lock for schema ${schema}, so "${command}" did not start. Run again once it has finished.`,
    );
  }
  return {
    release: async () => {
      await client.query('select pg_advisory_unlock(hashtext($1))', [key]);
      await client.end();
    },
  };
}

/**
 * Ensures one run at a time per warehouse, so two runs never interleave
 * loads: a lock file beside a PGlite folder, an advisory lock on PostgreSQL.
 * Redshift runs are serialized by the state machine instead; from the CLI
 * they take no lock.
 */
export async function acquireRunLock(
  warehouseUrl: string,
  schema: string,
  command: string,
): Promise<RunLock> {
  if (warehouseUrl.startsWith('pglite:')) {
    const location = warehouseUrl.slice('pglite:'.length);
    if (location === 'memory:') return { release: async () => undefined };
    return lockPgliteFolder(location, command);
  }
  if (/^postgres(ql)?:\/\//.test(warehouseUrl)) {
    return lockPostgres(warehouseUrl, schema, command);
  }
  return { release: async () => undefined };
}
