import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

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
});
