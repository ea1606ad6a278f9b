import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A throw-away PostgreSQL server for tests: `initdb` into a temporary
 * directory and `postgres` listening on 127.0.0.1 only, with trust
 * authentication. Tests skip when no PostgreSQL binaries are installed.
 */

export interface TestPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

function findBinDir(): string | null {
  const fromPath = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [
    fromPath.status === 0 ? fromPath.stdout.trim() : '',
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort()
          .reverse()
          .map((version) => `/usr/lib/postgresql/${version}/bin`)
      : []),
  ];
  return (
    candidates.find(
      (dir) =>
        dir !== '' &&
        existsSync(path.join(dir, 'initdb')) &&
        existsSync(path.join(dir, 'pg_ctl')) &&
        existsSync(path.join(dir, 'postgres')),
    ) ?? null
  );
}

const binDir = findBinDir();
const runningAsRoot = process.getuid?.() === 0;

/** Looks up the `postgres` account, which initdb needs under root. */
function postgresAccount(): { uid: number; gid: number } | null {
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return null;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const account = runningAsRoot ? postgresAccount() : null;

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export const postgresUnavailable: string | null = !binDir
  ? 'no PostgreSQL binaries (initdb, pg_ctl, postgres) are installed'
  : runningAsRoot && !account
    ? 'tests run as root and there is no postgres account for initdb'
    : null;

function command(binary: string, args: string[]): [string, string[]] {
  const executable = path.join(binDir!, binary);
  return runningAsRoot
    ? ['runuser', ['-u', 'postgres', '--', executable, ...args]]
    : [executable, args];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('No port was assigned.')),
      );
    });
  });
}

async function waitUntilReady(url: string, server: ChildProcess) {
  const deadline = Date.now() + 30_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`postgres exited with code ${server.exitCode}.`);
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(
    `postgres did not accept connections within 30 s: ${String(lastError)}`,
  );
}

/** Starts a server; call `stop` in `afterAll`. */
export async function startTestPostgres(): Promise<TestPostgres> {
  if (postgresUnavailable) {
    throw new Error(`PostgreSQL tests cannot run: ${postgresUnavailable}.`);
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'test-postgres-'));
  if (account) await chown(dir, account.uid, account.gid);
  const dataDir = path.join(dir, 'data');

  const [initdb, initArgs] = command('initdb', [
    '-D',
    dataDir,
    '-U',
    'loader',
    '--auth=trust',
    '--encoding=UTF8',
    '--no-locale',
  ]);
  const init = spawnSync(initdb, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }

  const port = await freePort();
  const [postgres, serverArgs] = command('postgres', [
    '-D',
    dataDir,
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'fsync=off',
  ]);
  const server = spawn(postgres, serverArgs, { stdio: 'ignore' });
  // The password is ignored under trust authentication; it is in the URL
  // so that tests can check it never reaches a message.
  const url = `postgres://loader:not-a-real-password@127.0.0.1:${port}/postgres`;

  const stop = async (): Promise<void> => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      // pg_ctl signals the postmaster itself: a signal to the child process
      // would reach only runuser when the tests run as root.
      const [pgCtl, stopArgs] = command('pg_ctl', [
        'stop',
        '-D',
        dataDir,
        '-m',
        'immediate',
        '-w',
      ]);
      const stopped = spawnSync(pgCtl, stopArgs, { encoding: 'utf8' });
      if (stopped.status !== 0) server.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, server);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
