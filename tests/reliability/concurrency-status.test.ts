import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import {
  apiTruth,
  cliEnv,
  cliSql,
  DAY_MS,
  FAST_RETRY,
  runCli,
  startItemProxy,
  tempDir,
  type ItemProxy,
} from './harness';

interface StatusRow {
  stream: string;
  bookmark: string | null;
  bookmark_run_id: string | null;
  retries: number | null;
  rejects: number | null;
  reject_reasons: Record<string, number> | null;
  last_error: string | null;
}

/**
 * Two CLI runs on one PGlite folder, a lock left by a killed process, and
 * what `status` shows after retried requests, rejected items and a failed
 * run.
 */
jest.setTimeout(180_000);

describe('run lock and status after faults', () => {
  const anchor = new Date('2026-07-01T00:00:00Z');
  const world = createWorld({ seed: 41, scale: 'tiny', anchor });
  const workDir = tempDir('lock');
  const lockFile = path.join(workDir, '.crossbeam/warehouse.lock');
  let sandbox: Sandbox;
  let proxy: ItemProxy;
  let env: Record<string, string>;
  let clock = anchor;

  const writeConfig = (maxRejectShare: number) =>
    writeFileSync(
      path.join(workDir, 'crossbeam-warehouse.config.json'),
      // The proxy plants bad items per page; one list per overlap stream
      // keeps their count fixed.
      JSON.stringify({
        retry: FAST_RETRY,
        maxRejectShare,
        splitOverlapsByPartner: false,
      }),
    );

  const advance = (days: number) => {
    clock = new Date(clock.getTime() + days * DAY_MS);
    sandbox.setClock(clock);
  };

  const status = async (): Promise<StatusRow[]> => {
    const result = await runCli(workDir, env, ['status', '--json']);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as StatusRow[];
  };

  const storedKeys = async () =>
    (
      await cliSql(
        workDir,
        env,
        `select overlap_type || '|' || crossbeam_record_id || '|' || partner_crossbeam_record_id as overlap_key from crossbeam.overlaps order by 1`,
      )
    ).map((row) => String(row.overlap_key));

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: anchor });
    proxy = await startItemProxy(sandbox, '/v1/overlaps/accounts');
    env = cliEnv(proxy, sandbox);
    writeConfig(0.05);
  });

  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
  });

  it('rejects a second run while the first holds the warehouse', async () => {
    // Slow responses keep the first run inside its lock for a while.
    sandbox.setLatency(150);
    const running = runCli(workDir, env, ['run']);
    // The second run starts once the first holds the lock, however slowly
    // the machine starts the first.
    const waitUntil = Date.now() + 60_000;
    while (!existsSync(lockFile) && Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const second = await runCli(workDir, env, ['run']);
    const first = await running;
    sandbox.setLatency(0);

    // The whole result, so that a failure shows the run's stderr.
    expect(first).toMatchObject({ code: 0 });
    expect(second).toMatchObject({ code: 1 });
    expect(second.stderr).toContain(
      `error: The warehouse .crossbeam/warehouse is in use by "crossbeam-warehouse run" (pid `,
    );
    expect(second.stderr).toContain('Wait for it to finish and run again');
    expect(existsSync(lockFile)).toBe(false);
    const [runs] = await cliSql(
      workDir,
      env,
      'select count(*) as runs, count(distinct run_id) as run_ids from crossbeam.load_runs',
    );
    expect(Number(runs!.run_ids)).toBe(1);
    expect((await apiTruth(sandbox)).keys).toEqual(await storedKeys());
  });

  it('takes over a lock whose process is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']);
    writeFileSync(
      lockFile,
      JSON.stringify({
        pid: gone.pid,
        host: hostname(),
        command: 'run',
        started_at: '2026-07-01T00:00:00.000Z',
      }),
    );

    const result = await runCli(workDir, env, ['status']);

    expect(result.code).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('takes over a lock file cut short by a crash', async () => {
    writeFileSync(lockFile, '{"pid": 12');

    const result = await runCli(workDir, env, ['status']);

    expect(result.code).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('shows retries and reject reasons of the last load', async () => {
    writeConfig(0.5);
    sandbox.setFaults([
      { path: '/v1/overlaps/leads', type: 'status', status: 502, count: 2 },
    ]);
    let rejected: string[] = [];
    proxy.setRewrite((items) => {
      rejected = items
        .slice(0, 2)
        .map(
          (item) =>
            `account|${String(item.crossbeam_record_id)}|${String(item.partner_crossbeam_record_id)}`,
        );
      return items.map((item, index) =>
        index < 2 ? { ...item, overlap_created_at: 'soon' } : item,
      );
    });
    advance(2);

    const result = await runCli(workDir, env, ['run', '--full-refresh']);
    sandbox.setFaults([]);
    proxy.setRewrite(null);

    expect(result.code).toBe(0);
    const rows = await status();
    const accounts = rows.find((row) => row.stream === 'account_overlaps')!;
    expect(accounts.rejects).toBe(2);
    expect(accounts.reject_reasons).toEqual({
      'invalid timestamp in overlap_created_at: expected ISO 8601 such as 2024-05-02T08:30:00Z': 2,
    });
    const leads = rows.find((row) => row.stream === 'lead_overlaps')!;
    expect(leads.retries).toBe(2);
    expect(leads.last_error).toBeNull();
    // A full pass replaces the stream, so a rejected overlap is absent
    // until the API serves it valid again.
    const stored = await storedKeys();
    expect(rejected).toHaveLength(2);
    for (const key of rejected) expect(stored).not.toContain(key);

    const table = await runCli(workDir, env, ['status']);
    expect(table.stdout).toMatch(/retries\s.*rejects\s+reject_reasons/);
    expect(table.stdout).toContain(
      '2 × invalid timestamp in overlap_created_at',
    );
  });

  it('shows a failed run and keeps the last good bookmark', async () => {
    writeConfig(0.05);
    const before = (await status()).find(
      (row) => row.stream === 'account_overlaps',
    )!;
    proxy.setRewrite((items) =>
      items.map((item) => ({ ...item, overlap_created_at: 'soon' })),
    );
    advance(2);

    const result = await runCli(workDir, env, ['run', '--full-refresh']);
    proxy.setRewrite(null);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Extract failed for 1 of 11 streams');
    expect(result.stderr).toContain('more than maxRejectShare allows (5.0%)');
    const after = (await status()).find(
      (row) => row.stream === 'account_overlaps',
    )!;
    expect(after.last_error).toContain('more than maxRejectShare allows');
    expect(after.bookmark).toBe(before.bookmark);
    expect(after.bookmark_run_id).toBe(before.bookmark_run_id);

    advance(1);
    const rerun = await runCli(workDir, env, ['run', '--full-refresh']);

    expect(rerun.code).toBe(0);
    expect(await storedKeys()).toEqual((await apiTruth(sandbox)).keys);
    const healed = (await status()).find(
      (row) => row.stream === 'account_overlaps',
    )!;
    expect(healed.last_error).toBeNull();
  });
});
