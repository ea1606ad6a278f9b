import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';

const run = promisify(execFile);
const bin = path.resolve(__dirname, '../../bin/crossbeam-warehouse.js');
const DAY_MS = 86_400_000;

/**
 * The pipeline as a user runs it: the compiled CLI in a child process,
 * against the sandbox over HTTP, into a PGlite warehouse on disk.
 */
describe('crossbeam-warehouse run', () => {
  const anchor = new Date('2026-06-01T00:00:00Z');
  const world = createWorld({ seed: 7, scale: 'tiny', anchor });
  const workDir = mkdtempSync(path.join(tmpdir(), 'cli-run-'));
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: anchor });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  const cli = async (...args: string[]) => {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: workDir,
      env: {
        PATH: process.env.PATH,
        CROSSBEAM_API_URL: sandbox.url,
        CROSSBEAM_AUTH_URL: sandbox.authUrl,
        CROSSBEAM_ORGANIZATION: sandbox.organization,
        CROSSBEAM_CLIENT_ID: sandbox.credentials.clientId,
        CROSSBEAM_CLIENT_SECRET: sandbox.credentials.clientSecret,
        CROSSBEAM_REFRESH_TOKEN: sandbox.credentials.refreshToken,
      },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { stdout, stderr };
  };

  /** Live account and lead overlaps, counted from the world itself. */
  const worldOverlaps = (clock: Date) =>
    world.liveOverlapCount(clock, 'account') +
    world.liveOverlapCount(clock, 'lead');

  const liveOverlaps = async (): Promise<number> => {
    const { stdout } = await cli(
      'sql',
      '--json',
      'select count(*) as n from crossbeam_models.crossbeam_overlaps',
    );
    const rows = JSON.parse(stdout) as { n: number | string }[];
    return Number(rows[0]!.n);
  };

  it('loads every live overlap the server holds', async () => {
    const { stdout } = await cli('run');

    expect(stdout).toContain('Warehouse tables');
    expect(await liveOverlaps()).toBe(worldOverlaps(anchor));
  });

  it('converges after the server changes and deletes overlaps', async () => {
    const later = new Date(anchor.getTime() + 30 * DAY_MS);
    sandbox.setClock(later);
    expect(worldOverlaps(later)).not.toBe(worldOverlaps(anchor));

    await cli('run');

    expect(await liveOverlaps()).toBe(worldOverlaps(later));
    const { stdout } = await cli(
      'sql',
      '--json',
      `select count(*) as n from (
         select crossbeam_record_id, partner_crossbeam_record_id
           from crossbeam_models.crossbeam_overlaps
          group by 1, 2 having count(*) > 1) as duplicates`,
    );
    expect(JSON.parse(stdout)).toEqual([{ n: 0 }]);
  });

  it('prints only a JSON array on stdout with --json', async () => {
    const { stdout, stderr } = await cli('sql', '--json', 'select 1 as one');

    expect(JSON.parse(stdout)).toEqual([{ one: 1 }]);
    expect(stderr).not.toContain('[');
  });

  it('shows the bookmark of each stream in status', async () => {
    const { stdout } = await cli('status');

    expect(stdout).toMatch(/account_overlaps\s+\d+ partners, oldest \d+ min/);
    expect(stdout).toMatch(/account_signals\s+\d+ min/);
  });

  it('names the setting in a bad warehouse URL error', async () => {
    await expect(
      cli('status', '--warehouse', 'mysql://nowhere'),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('warehouse (CROSSBEAM_WAREHOUSE)'),
    });
  });

  it('rejects a sandbox port out of range', async () => {
    await expect(cli('sandbox', '--port', '99999')).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'Invalid --port "99999": use a whole number from 0 to 65535',
      ),
    });
  });

  it('names the organizations for a wrong one', async () => {
    const wrong = '11111111-2222-4333-8444-555555555555';
    const failure = await cli('sync', '--organization', wrong).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );

    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      `Organization "${wrong}" (CROSSBEAM_ORGANIZATION or --organization) is not one this token may act for. Set it to one of: ${sandbox.organization} (`,
    );
    expect(failure?.stderr).not.toContain('HTTP 403');
    expect(failure?.stderr).not.toContain('Extracting');
  });

  it('names a misspelled setting in the config file', async () => {
    const config = path.join(workDir, 'typo.config.json');
    writeFileSync(config, JSON.stringify({ concurency: 8 }));

    await expect(cli('status', '--config', config)).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'concurency: unknown setting. Did you mean concurrency?',
      ),
    });
  });
});
