import { existsSync } from 'node:fs';
import path from 'node:path';
import { CRASH_POINTS, CRASH_VARIABLE } from '../../lib/pipeline/crash-point';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import {
  apiTruth,
  cliEnv,
  cliSql,
  DAY_MS,
  DUPLICATES_SQL,
  runCli,
  tempDir,
  worldOverlaps,
} from './harness';

/** Everything the crash tests compare, read with one `sql` call. */
const STATE_SQL = `select
  (select string_agg(overlap_key, ',' order by overlap_key) from (select overlap_type || '|' || crossbeam_record_id || '|' || partner_crossbeam_record_id as overlap_key from crossbeam.overlaps) as current_keys) as keys,
  (select count(*) from crossbeam.overlap_populations) as population_rows,
  (${DUPLICATES_SQL}) as duplicates,
  (select count(*) from crossbeam.overlap_history where valid_to is null) as open_history,
  (select count(*) from crossbeam_models.crossbeam_overlaps) as model_overlaps,
  (select count(*) from information_schema.tables where table_schema = 'crossbeam_staging') as staging_tables,
  (select count(*) from crossbeam.load_runs) as load_runs,
  (select count(*) - count(distinct stream || '/' || run_id) from crossbeam.load_runs) as loaded_twice,
  (select string_agg(stream || '=' || coalesce(bookmark_run_id, ''), ',' order by stream) from crossbeam.sync_state) as bookmarks,
  (select count(*) from crossbeam.sync_state as state where state.bookmark is not null and not exists (select 1 from crossbeam.load_runs as run where run.stream = state.stream and run.run_id = state.bookmark_run_id and run.bookmark = state.bookmark and run.bookmark_advanced)) as unbacked_bookmarks`;

interface WarehouseSnapshot {
  keys: string[];
  population_rows: number;
  duplicates: number;
  open_history: number;
  model_overlaps: number;
  staging_tables: number;
  load_runs: number;
  loaded_twice: number;
  bookmarks: string;
  unbacked_bookmarks: number;
}

/**
 * Kills the compiled CLI with SIGKILL at each crash point of
 * lib/pipeline/crash-point.ts while the sandbox has new, changed and deleted
 * overlaps. A plain re-run must then converge: the same overlaps as the
 * API, none twice, no run loaded twice, and every bookmark backed by the run
 * that set it.
 */
jest.setTimeout(180_000);

describe('crash at each pipeline boundary', () => {
  const anchor = new Date('2026-04-01T00:00:00Z');
  const world = createWorld({ seed: 21, scale: 'tiny', anchor });
  const workDir = tempDir('crash');
  let sandbox: Sandbox;
  let clock = anchor;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: anchor });
    env = cliEnv(sandbox, sandbox);
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  async function snapshot(): Promise<WarehouseSnapshot> {
    const [row] = await cliSql(workDir, env, STATE_SQL);
    return {
      keys: String(row!.keys ?? '')
        .split(',')
        .filter(Boolean),
      population_rows: Number(row!.population_rows),
      duplicates: Number(row!.duplicates),
      open_history: Number(row!.open_history),
      model_overlaps: Number(row!.model_overlaps),
      staging_tables: Number(row!.staging_tables),
      load_runs: Number(row!.load_runs),
      loaded_twice: Number(row!.loaded_twice),
      bookmarks: String(row!.bookmarks),
      unbacked_bookmarks: Number(row!.unbacked_bookmarks),
    };
  }

  async function expectConverged(state: WarehouseSnapshot): Promise<void> {
    const truth = await apiTruth(sandbox);
    expect(truth.keys).toHaveLength(worldOverlaps(world, clock));
    expect(state.keys).toEqual(truth.keys);
    expect(state.population_rows).toBe(truth.populationRows);
    expect(state.duplicates).toBe(0);
    expect(state.open_history).toBe(truth.keys.length);
    expect(state.model_overlaps).toBe(truth.keys.length);
    expect(state.staging_tables).toBe(0);
    expect(state.loaded_twice).toBe(0);
    expect(state.unbacked_bookmarks).toBe(0);
  }

  let last: WarehouseSnapshot;

  it('loads a clean first run', async () => {
    const result = await runCli(workDir, env, ['run']);

    expect(result.stderr).not.toContain('error:');
    expect(result.code).toBe(0);
    last = await snapshot();
    await expectConverged(last);
  });

  it.each(
    CRASH_POINTS.map((point) => [
      point === 'in-transaction' ? `${point}:3` : point,
    ]),
  )('converges after a kill at %s', async (point) => {
    clock = new Date(clock.getTime() + 5 * DAY_MS);
    sandbox.setClock(clock);

    const crashed = await runCli(workDir, { ...env, [CRASH_VARIABLE]: point }, [
      'run',
    ]);
    expect(crashed.signal).toBe('SIGKILL');
    // The killed process leaves its lock file; the next run takes it over.
    expect(existsSync(path.join(workDir, '.crossbeam/warehouse.lock'))).toBe(
      true,
    );

    const afterKill = await snapshot();
    if (point === 'extract-page' || point === 'before-load') {
      expect(afterKill.load_runs).toBe(last.load_runs);
    }
    if (point === 'after-staging' || point.startsWith('in-transaction')) {
      // The kill came inside a load, after its staging copy, and the run
      // being loaded left neither rows nor a bookmark behind.
      expect(afterKill.staging_tables).toBeGreaterThan(0);
      expect(afterKill.keys).toEqual(last.keys);
      expect(afterKill.bookmarks).toBe(last.bookmarks);
      expect(afterKill.load_runs).toBe(last.load_runs);
    }

    const rerun = await runCli(workDir, env, ['run']);
    expect(rerun.stderr).not.toContain('error:');
    expect(rerun.code).toBe(0);
    last = await snapshot();
    await expectConverged(last);
  });
});
