import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  postgresUnavailable,
  startTestPostgres,
  type TestPostgres,
} from '../warehouse/postgres-server';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '../../bin/crossbeam-warehouse.js');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The demo as a newcomer runs it, again and again: the compiled CLI in a
 * child process, in one working folder, with the world kept small.
 */
describe('crossbeam-warehouse demo on later runs', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cli-demo-'));
  const env = { PATH: process.env.PATH, HOME: workDir };
  const stateFile = path.join(workDir, '.crossbeam', 'demo.json');
  const demoState = () =>
    JSON.parse(readFileSync(stateFile, 'utf8')) as {
      scale: string;
      seed: number;
      runs: number;
    };

  const cli = async (...args: string[]): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
        cwd: workDir,
        env,
        maxBuffer: 32 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      return error as Outcome;
    }
  };

  beforeAll(async () => {
    const first = await cli(
      'demo',
      '--scale',
      'tiny',
      '--history-months',
      '0',
      '--anchor',
      '2026-06-01',
    );
    expect(first.code).toBe(0);
  }, 120_000);

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('rejects flags for a new world', async () => {
    const rejected = await cli(
      'demo',
      '--scale',
      'demo',
      '--seed',
      '7',
      '--anchor',
      '2026-07-01',
      '--history-months',
      '3',
    );
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(
      'The demo in .crossbeam has already run 1 time, so these flags would have no effect:',
    );
    expect(rejected.stderr).toContain(
      '--scale demo (this demo has scale tiny)',
    );
    expect(rejected.stderr).toContain('--seed 7 (this demo has seed 42)');
    expect(rejected.stderr).toContain(
      "--anchor 2026-07-01 (this demo's world began on 2026-06-01)",
    );
    expect(rejected.stderr).toContain(
      "--history-months 3 (history is replayed on a demo's first run only)",
    );
    expect(rejected.stderr).toContain(
      'delete .crossbeam to start a new demo with them.',
    );
    expect(rejected.stderr).not.toContain('    at ');
    expect(demoState()).toMatchObject({ scale: 'tiny', seed: 42, runs: 1 });
  }, 60_000);

  it('moves on with matching or no flags', async () => {
    const same = await cli('demo', '--scale', 'tiny', '--seed', '42');
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('Incremental run as of 2026-06-08');
    // Progress shows at the default log level.
    expect(same.stderr).toMatch(/account_overlaps: done, \d+ pages?/);
    expect(demoState().runs).toBe(2);

    const quiet = await cli('--log-level', 'warn', 'demo');
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toContain('Incremental run as of 2026-06-15');
    expect(quiet.stderr).not.toContain('records/s');
    expect(demoState().runs).toBe(3);
  }, 120_000);

  it('saves its state after stdout closes', async () => {
    const child = spawn(process.execPath, [bin, 'demo'], {
      cwd: workDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // A reader such as `head -1` that takes the first line and closes.
    child.stdout.once('data', () => child.stdout.destroy());
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) =>
      child.on('close', resolve),
    );
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
    expect(demoState().runs).toBe(4);
  }, 120_000);

  it('saves its state after stderr closes', async () => {
    const child = spawn(process.execPath, [bin, 'demo'], {
      cwd: workDir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // The reader of `demo 2>&1 | head -1` closes after the first log line.
    child.stderr.once('data', () => child.stderr.destroy());
    const code = await new Promise<number | null>((resolve) =>
      child.on('close', resolve),
    );

    expect(code).toBe(0);
    expect(demoState().runs).toBe(5);
  }, 120_000);
});

describe('status after a demo ahead of real time', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cli-demo-ahead-'));

  afterAll(() => {
    rmSync(workDir, { recursive: true, force: true });
  });

  it('shows bookmark ages as ahead', async () => {
    const anchor = new Date(Date.now() + 30 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const options = {
      cwd: workDir,
      env: { PATH: process.env.PATH, HOME: workDir },
    };
    await run(
      process.execPath,
      [bin, '--log-level', 'warn', 'demo', '--scale', 'tiny'].concat([
        '--history-months',
        '0',
        '--anchor',
        anchor,
      ]),
      options,
    );

    const { stdout } = await run(process.execPath, [bin, 'status'], options);

    expect(stdout).toMatch(/account_signals\s+(29|30) d ahead/);
  }, 120_000);
});

// A real PostgreSQL server on 127.0.0.1; skipped where none is installed,
// except in CI (CI=true), whose .ci/run installs it.
const skipPostgres = postgresUnavailable !== null && !process.env.CI;

(skipPostgres ? describe.skip : describe)('demo into PostgreSQL', () => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'cli-demo-pg-'));
  let server: TestPostgres;

  beforeAll(async () => {
    server = await startTestPostgres();
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('keeps the password out of output and files', async () => {
    const password = new URL(server.url).password;
    const { stdout } = await run(
      process.execPath,
      [
        bin,
        '--log-level',
        'warn',
        '--warehouse',
        server.url,
        'demo',
        '--scale',
        'tiny',
        '--history-months',
        '0',
      ],
      { cwd: workDir, env: { PATH: process.env.PATH, HOME: workDir } },
    );
    const saved = readFileSync(
      path.join(workDir, '.crossbeam', 'demo.config.json'),
      'utf8',
    );

    expect(stdout).toContain('Warehouse: postgres://loader@127.0.0.1:');
    expect(stdout).toContain(
      '.crossbeam/demo.config.json names the warehouse without its password',
    );
    expect(stdout).toContain(
      "so that sql and status read this demo's warehouse.",
    );
    expect(stdout).not.toContain(password);
    expect(saved).not.toContain(password);
    expect(JSON.parse(saved)).toMatchObject({
      warehouse: server.url.replace(`:${password}@`, '@'),
    });
  }, 120_000);
});
