import { execFile, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
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
    const { stdout, stderr } = await cli('run');

    expect(stdout).toContain('Warehouse tables');
    expect(stdout).toContain(
      'A stream read one partner at a time counts the partner list it read as well.',
    );
    expect(stderr).toMatch(
      /Finished extracting account_overlaps\..* partnerListPages=\d+ partnerListRecords=\d+/,
    );
    // Models skipped for one missing source share one log line.
    expect(stderr).toMatch(
      /Skipped \d+ models \(stg_crm__accounts, .*\)\. Each requires the crm source/,
    );
    expect(stderr).not.toContain('Skipped model stg_crm__accounts');
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

  it('builds again after a view schema was dropped', async () => {
    await cli('sql', 'drop schema crossbeam_models cascade');

    await cli('build');

    expect(await liveOverlaps()).toBe(
      worldOverlaps(new Date(anchor.getTime() + 30 * DAY_MS)),
    );
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
      stderr: expect.stringContaining('warehouse (--warehouse)'),
    });
  });

  it('reads no warehouse at a mistyped path', async () => {
    const typo = path.join(workDir, '.crossbeam', 'warehous');

    await expect(
      cli('sql', '--warehouse', `pglite:${typo}`, 'select 1'),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(
        `No warehouse at ${typo} (warehouse, CROSSBEAM_WAREHOUSE): check the path`,
      ),
    });
    expect(existsSync(typo)).toBe(false);

    // A folder that exists but holds no database, such as the state folder.
    const stateDir = path.join(workDir, '.crossbeam');
    await expect(
      cli('sql', '--warehouse', `pglite:${stateDir}`, 'select 1'),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining(`No warehouse at ${stateDir} `),
    });
    expect(existsSync(path.join(stateDir, 'PG_VERSION'))).toBe(false);
  });

  it('rejects a sandbox port out of range', async () => {
    await expect(cli('sandbox', '--port', '99999')).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'Invalid --port "99999": use a whole number from 0 to 65535',
      ),
    });
  });

  it('rejects a sandbox port in use', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) =>
      occupant.listen(0, '127.0.0.1', resolve),
    );
    const { port } = occupant.address() as AddressInfo;
    try {
      await expect(
        cli('sandbox', '--port', String(port)),
      ).rejects.toMatchObject({
        stderr: expect.stringContaining(
          `Port ${port} on 127.0.0.1 is in use: choose another --port, or 0 for a free one.`,
        ),
      });
    } finally {
      await new Promise((resolve) => occupant.close(resolve));
    }
  });

  it('prints sandbox exports with a warehouse of their own', async () => {
    const child = spawn(process.execPath, [bin, 'sandbox', '--scale', 'tiny'], {
      cwd: workDir,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let stdout = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Ctrl-C stops.')) resolve();
      });
    });
    child.kill();

    expect(stdout).toContain(
      'export CROSSBEAM_WAREHOUSE=pglite:.crossbeam/sandbox/warehouse CROSSBEAM_LANDING=file:.crossbeam/sandbox/landing',
    );
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

  it('checks sources only in commands that read them', async () => {
    const config = path.join(workDir, 'sources-typo.config.json');
    writeFileSync(
      config,
      JSON.stringify({ sources: { crm: { shcema: 'x' } } }),
    );

    const { stdout } = await cli('status', '--config', config);

    expect(stdout).toContain('account_overlaps');
    await expect(cli('build', '--config', config)).rejects.toMatchObject({
      stderr: expect.stringContaining(
        'sources.crm.shcema: unknown setting. Did you mean sources.crm.schema?',
      ),
    });
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
