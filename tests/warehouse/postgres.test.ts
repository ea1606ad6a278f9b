import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WarehouseError } from '../../lib/errors';
import { FileLandingStore } from '../../lib/landing/file-store';
import { loadPendingRuns, readBookmark } from '../../lib/load/load';
import { applyMigrations } from '../../lib/sql/migrate';
import { PostgresWarehouse } from '../../lib/warehouse/postgres';
import { copyRawPart, copyRoundTrip, LONG_TEXT_LENGTH } from './copy-cases';
import {
  postgresUnavailable,
  startTestPostgres,
  type TestPostgres,
} from './postgres-server';
import {
  overlapPopulationRow,
  overlapRow,
  writeLandedRun,
} from '../load/landed-runs';

// These tests start a real PostgreSQL server on 127.0.0.1. Where none is
// installed they are skipped, and the reason is printed, except in CI
// (CI=true), whose .ci/run installs PostgreSQL: there they must run.
const skipPostgres = postgresUnavailable !== null && !process.env.CI;
const describeWithPostgres = skipPostgres ? describe.skip : describe;
if (postgresUnavailable && process.env.CI) {
  throw new Error(
    `CI=true but the PostgresWarehouse tests cannot run: ${postgresUnavailable}.`,
  );
}
if (skipPostgres) {
  console.warn(`Skipping PostgresWarehouse tests: ${postgresUnavailable}.`);
}

describeWithPostgres('PostgresWarehouse', () => {
  let server: TestPostgres;
  let warehouse: PostgresWarehouse;

  beforeAll(async () => {
    server = await startTestPostgres();
    warehouse = new PostgresWarehouse(server.url);
  });

  afterAll(async () => {
    await warehouse?.close();
    await server?.stop();
  });

  it('hides the password in its url', () => {
    expect(warehouse.url).toMatch(
      /^postgres:\/\/loader@127\.0\.0\.1:\d+\/postgres$/,
    );
  });

  it('names the setting when it cannot connect', async () => {
    const missing = new PostgresWarehouse(
      server.url.replace(/\/postgres$/, '/no_such_db'),
    );
    try {
      await expect(missing.query('select 1')).rejects.toThrow(
        /^Connecting to the warehouse postgres:\/\/loader@127\.0\.0\.1:\d+\/no_such_db \(warehouse, CROSSBEAM_WAREHOUSE\) failed: database "no_such_db" does not exist\./,
      );
    } finally {
      await missing.close();
    }
  });

  it('names the SQL of a statement about a missing database', async () => {
    await expect(
      warehouse.query("select pg_database_size('no_such_db')"),
    ).rejects.toThrow(
      /^A statement failed on .*: database "no_such_db" does not exist\. SQL: select pg_database_size/,
    );
  });

  it('round-trips special characters, types and long text', async () => {
    const { copied, rows, expected } = await copyRoundTrip(
      warehouse,
      'copy_test',
    );
    expect(copied).toBe(expected.length);
    const byName = new Map(rows.map((row) => [row.case_name, row]));
    for (const row of expected) {
      expect(byName.get(row.case_name)).toEqual(row);
    }
    expect((byName.get('long')?.text_value as string).length).toBe(
      LONG_TEXT_LENGTH,
    );
  });

  it('names the part and line of invalid JSON, and stays usable', async () => {
    await expect(
      copyRawPart(warehouse, 'copy_test', '{"case_name":"ok"}\nnot json\n'),
    ).rejects.toThrow(
      /Invalid JSON at raw\/run\/raw_cases\/part-00000\.ndjson\.gz line 2/,
    );
    expect(
      await warehouse.query(
        'select count(*) as total from copy_test.raw_cases',
      ),
    ).toEqual([{ total: 0 }]);
  });

  it('rolls back a batch and names the failing statement', async () => {
    await warehouse.query('create table batch_test (id integer primary key)');
    await warehouse.executeBatch(['insert into batch_test values (1)']);
    const failure = (await warehouse
      .executeBatch([
        'insert into batch_test values (2)',
        'insert into batch_test values (1)',
      ])
      .catch((error: unknown) => error)) as WarehouseError;

    expect(failure).toBeInstanceOf(WarehouseError);
    expect(failure.message).toMatch(
      /^Statement 2 of 2 in a transaction failed on postgres:\/\/loader@127\.0\.0\.1:\d+\/postgres: duplicate key value/,
    );
    expect(failure.message).not.toContain('not-a-real-password');
    expect(failure.cause).toMatchObject({ code: '23505' });
    expect(await warehouse.query('select id from batch_test')).toEqual([
      { id: 1 },
    ]);
  });

  const context = {
    dialect: 'postgres' as const,
    schemas: {
      crossbeam: 'crossbeam',
      staging: 'crossbeam_staging',
      models: 'crossbeam_models',
      dashboards: 'crossbeam_dashboards',
    },
  };

  it('applies the project migrations', async () => {
    const first = await applyMigrations(warehouse, context);
    expect(first.applied.length).toBeGreaterThan(0);
    const second = await applyMigrations(warehouse, context);
    expect(second.applied).toEqual([]);
  });

  it('loads a full and an incremental overlap run', async () => {
    await applyMigrations(warehouse, context);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pg-landing-'));
    try {
      const store = new FileLandingStore(dir);
      await writeLandedRun(store, {
        stream: 'account_overlaps',
        runId: 'run-001',
        observedAt: '2026-03-01T10:00:00.000Z',
        bookmark: 'cursor-1',
        tables: {
          overlaps: [overlapRow('a', 'x'), overlapRow('b', 'y')],
          overlap_populations: [
            overlapPopulationRow('a', 'x', 'partner', 11, 'Customers'),
          ],
        },
      });
      await writeLandedRun(store, {
        stream: 'account_overlaps',
        runId: 'run-002',
        observedAt: '2026-03-02T10:00:00.000Z',
        mode: 'incremental',
        previousBookmark: 'cursor-1',
        bookmark: 'cursor-2',
        tables: { overlaps: [overlapRow('b', 'y', { is_deleted: true })] },
      });

      const result = await loadPendingRuns({ warehouse, store, context });
      expect(
        result.streams
          .find((stream) => stream.stream === 'account_overlaps')
          ?.loaded.map((run) => run.runId),
      ).toEqual(['run-001', 'run-002']);
      expect(
        await warehouse.query(
          'select crossbeam_record_id from crossbeam.overlaps order by 1',
        ),
      ).toEqual([{ crossbeam_record_id: 'a' }]);
      expect(
        await warehouse.query(
          'select crossbeam_record_id, valid_to is not null as closed from crossbeam.overlap_history order by 1',
        ),
      ).toEqual([
        { crossbeam_record_id: 'a', closed: false },
        { crossbeam_record_id: 'b', closed: true },
      ]);
      expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
        'cursor-2',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
