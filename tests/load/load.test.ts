import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileLandingStore } from '../../lib/landing/file-store';
import {
  loadPendingRuns,
  loadRun,
  readBookmark,
  readSyncStatus,
} from '../../lib/load/load';
import {
  ensureWarehouseId,
  readWarehouseId,
} from '../../lib/load/warehouse-identity';
import { applyMigrations } from '../../lib/sql/migrate';
import { migrationsDir } from '../../lib/sql/paths';
import type { RenderContext } from '../../lib/sql/render';
import { allLandedTables } from '../../lib/streams/catalog';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import type { Row, Warehouse } from '../../lib/warehouse/warehouse';
import {
  overlapPopulationRow,
  overlapRow,
  writeLandedRun,
} from './landed-runs';

let warehouse: PgliteWarehouse;
let landingDir: string;
let store: FileLandingStore;
let context: RenderContext;
let schemaCounter = 0;

const T1 = '2026-03-01T10:00:00.000Z';
const T2 = '2026-03-02T10:00:00.000Z';
const T3 = '2026-03-03T10:00:00.000Z';

beforeAll(async () => {
  warehouse = await PgliteWarehouse.open('pglite:memory:');
});

afterAll(async () => {
  await warehouse.close();
});

beforeEach(async () => {
  landingDir = await mkdtemp(path.join(os.tmpdir(), 'landing-'));
  store = new FileLandingStore(landingDir);
  schemaCounter += 1;
  const prefix = `load_${schemaCounter}`;
  context = {
    dialect: 'postgres',
    schemas: {
      crossbeam: prefix,
      staging: `${prefix}_staging`,
      models: `${prefix}_models`,
      dashboards: `${prefix}_dashboards`,
    },
  };
  await applyMigrations(warehouse, context);
});

afterEach(async () => {
  await rm(landingDir, { recursive: true, force: true });
});

async function rows(sql: string): Promise<Row[]> {
  return warehouse.query(
    sql.replace(/\bcb\./g, `${context.schemas.crossbeam}.`),
  );
}

/** Returns the partner-customer status intervals as [record, status, from, to]. */
async function statusIntervals(): Promise<unknown[][]> {
  const status = await rows(
    'select crossbeam_record_id, is_partner_customer, valid_from, valid_to from cb.overlap_status_history order by 1, 3',
  );
  return status.map((row) => [
    row.crossbeam_record_id,
    row.is_partner_customer,
    (row.valid_from as Date).toISOString(),
    row.valid_to ? (row.valid_to as Date).toISOString() : null,
  ]);
}

async function overlapKeys(): Promise<string[]> {
  const result = await rows(
    'select crossbeam_record_id, partner_crossbeam_record_id from cb.overlaps order by 1, 2',
  );
  return result.map(
    (row) => `${row.crossbeam_record_id}-${row.partner_crossbeam_record_id}`,
  );
}

/** Reads every landed and derived table, to compare two loads. */
async function snapshotTables(): Promise<Record<string, Row[]>> {
  const names = [
    ...allLandedTables().map((table) => table.name),
    'partner_accounts',
    'overlap_history',
    'overlap_status_history',
  ];
  const snapshot: Record<string, Row[]> = {};
  for (const name of names) {
    snapshot[name] = await rows(`select * from cb.${name} order by 1, 2, 3`);
  }
  return snapshot;
}

async function stagingTables(): Promise<Row[]> {
  return warehouse.query(
    `select table_name from information_schema.tables where table_schema = '${context.schemas.staging}'`,
  );
}

function firstRun() {
  return writeLandedRun(store, {
    stream: 'account_overlaps',
    runId: 'run-001',
    observedAt: T1,
    mode: 'full',
    bookmark: 'https://api.example/v1/overlaps/accounts?cursor=b1',
    rowsPerPart: 2,
    tables: {
      overlaps: [
        overlapRow('a', 'x'),
        overlapRow('b', 'y'),
        overlapRow('c', 'z', { partner_owner_id: 'owner-2' }),
        // Sent twice, as a shifting page can: the later copy wins.
        overlapRow('a', 'x', { partner_record_name: 'Second copy' }),
      ],
      overlap_populations: [
        overlapPopulationRow('a', 'x', 'own', 1, 'Customers'),
        overlapPopulationRow('a', 'x', 'partner', 11, 'Customers'),
        overlapPopulationRow('a', 'x', 'partner', 12, 'Open deals'),
        overlapPopulationRow('b', 'y', 'partner', 12, 'Open deals'),
      ],
      overlap_partner_fields: [
        {
          crossbeam_record_id: 'a',
          partner_crossbeam_record_id: 'x',
          overlap_type: 'account',
          field_name: 'Industry',
          field_value: 'Logistics',
        },
      ],
    },
  });
}

function incrementalRun() {
  return writeLandedRun(store, {
    stream: 'account_overlaps',
    runId: 'run-002',
    observedAt: T2,
    mode: 'incremental',
    previousBookmark: 'https://api.example/v1/overlaps/accounts?cursor=b1',
    bookmark: 'https://api.example/v1/overlaps/accounts?cursor=b2',
    tables: {
      overlaps: [
        overlapRow('a', 'x', { partner_owner_name: 'Lee Chen-Park' }),
        overlapRow('b', 'y', { is_deleted: true }),
        overlapRow('d', 'w'),
      ],
      overlap_populations: [
        overlapPopulationRow('a', 'x', 'partner', 11, 'Customers'),
        overlapPopulationRow('d', 'w', 'own', 1, 'Customers'),
      ],
    },
  });
}

describe('loadRun', () => {
  it('loads a run twice with the same result', async () => {
    const manifest = await firstRun();
    await loadRun({ warehouse, store, context, manifest });
    const once = await snapshotTables();

    await rows("delete from cb.load_runs where run_id = 'run-001'");
    await loadRun({ warehouse, store, context, manifest });
    const twice = await snapshotTables();

    expect(twice).toEqual(once);
    expect(await overlapKeys()).toEqual(['a-x', 'b-y', 'c-z']);
  });

  it('keeps the last copy of a key sent twice', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const [row] = await rows(
      "select partner_record_name from cb.overlaps where crossbeam_record_id = 'a'",
    );
    expect(row?.partner_record_name).toBe('Second copy');
  });

  it('applies changes and deletes of an incremental run', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await incrementalRun(),
    });

    expect(await overlapKeys()).toEqual(['a-x', 'c-z', 'd-w']);
    const [changed] = await rows(
      "select partner_owner_name, _run_id from cb.overlaps where crossbeam_record_id = 'a'",
    );
    expect(changed).toEqual({
      partner_owner_name: 'Lee Chen-Park',
      _run_id: 'run-002',
    });

    const populations = await rows(
      'select crossbeam_record_id, side, population_id from cb.overlap_populations order by 1, 2, 3',
    );
    expect(populations).toEqual([
      { crossbeam_record_id: 'a', side: 'partner', population_id: 11 },
      { crossbeam_record_id: 'd', side: 'own', population_id: 1 },
    ]);
    // The re-sent overlap a-x carries no partner fields any more.
    expect(await rows('select * from cb.overlap_partner_fields')).toEqual([]);
  });

  it('opens and closes history intervals', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await incrementalRun(),
    });

    const history = await rows(
      'select crossbeam_record_id, valid_from, valid_to, first_run_id, last_run_id from cb.overlap_history order by 1, 2',
    );
    expect(
      history.map((row) => ({
        ...row,
        valid_from: (row.valid_from as Date).toISOString(),
        valid_to: row.valid_to ? (row.valid_to as Date).toISOString() : null,
      })),
    ).toEqual([
      {
        crossbeam_record_id: 'a',
        valid_from: T1,
        valid_to: null,
        first_run_id: 'run-001',
        last_run_id: 'run-002',
      },
      {
        crossbeam_record_id: 'b',
        valid_from: T1,
        valid_to: T2,
        first_run_id: 'run-001',
        last_run_id: 'run-002',
      },
      {
        crossbeam_record_id: 'c',
        valid_from: T1,
        valid_to: null,
        first_run_id: 'run-001',
        last_run_id: 'run-001',
      },
      {
        crossbeam_record_id: 'd',
        valid_from: T2,
        valid_to: null,
        first_run_id: 'run-002',
        last_run_id: 'run-002',
      },
    ]);
  });

  it('records the partner side customer status per overlap', async () => {
    const partnerPopulations = await writeLandedRun(store, {
      stream: 'partner_populations',
      runId: 'run-000',
      observedAt: T1,
      tables: {
        partner_populations: [
          {
            population_id: 21,
            population_name: 'Pipeline',
            standard_type: 'prospects',
            partner_id: 'partner-1',
          },
          // Named unlike its standard type: the status follows the type.
          {
            population_id: 22,
            population_name: 'Prospects (won)',
            standard_type: 'customers',
            partner_id: 'partner-1',
          },
        ],
      },
    });
    await loadRun({ warehouse, store, context, manifest: partnerPopulations });
    const statusRun = (
      runId: string,
      observedAt: string,
      populationId: number,
    ) =>
      writeLandedRun(store, {
        stream: 'account_overlaps',
        runId,
        observedAt,
        tables: {
          overlaps: [
            overlapRow('a', 'x'),
            overlapRow('b', 'y', { is_deleted: runId === 'run-002' }),
          ],
          overlap_populations: [
            overlapPopulationRow('a', 'x', 'own', 1, 'Customers'),
            overlapPopulationRow('a', 'x', 'partner', populationId, 'Any'),
            overlapPopulationRow('b', 'y', 'partner', 22, 'Any'),
          ],
        },
      });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await statusRun('run-001', T1, 21),
    });
    const second = await statusRun('run-002', T2, 22);
    await loadRun({ warehouse, store, context, manifest: second });
    const statusIntervals = async () =>
      (
        await rows(
          'select crossbeam_record_id, is_partner_customer, valid_from, valid_to, first_run_id, last_run_id from cb.overlap_status_history order by 1, 3',
        )
      ).map((row) => ({
        ...row,
        valid_from: (row.valid_from as Date).toISOString(),
        valid_to: row.valid_to ? (row.valid_to as Date).toISOString() : null,
      }));
    const expected = [
      {
        crossbeam_record_id: 'a',
        is_partner_customer: false,
        valid_from: T1,
        valid_to: T2,
        first_run_id: 'run-001',
        last_run_id: 'run-002',
      },
      {
        crossbeam_record_id: 'a',
        is_partner_customer: true,
        valid_from: T2,
        valid_to: null,
        first_run_id: 'run-002',
        last_run_id: 'run-002',
      },
      // Deleted in the second run: its interval closes then.
      {
        crossbeam_record_id: 'b',
        is_partner_customer: true,
        valid_from: T1,
        valid_to: T2,
        first_run_id: 'run-001',
        last_run_id: 'run-002',
      },
    ];
    expect(await statusIntervals()).toEqual(expected);

    await rows("delete from cb.load_runs where run_id = 'run-002'");
    await loadRun({ warehouse, store, context, manifest: second });
    expect(await statusIntervals()).toEqual(expected);
  });

  it('recomputes open statuses when partner populations load later', async () => {
    const overlaps = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-001',
      observedAt: T1,
      tables: {
        overlaps: [overlapRow('a', 'x'), overlapRow('b', 'y')],
        overlap_populations: [
          overlapPopulationRow('a', 'x', 'partner', 22, 'Customers'),
          overlapPopulationRow('b', 'y', 'partner', 21, 'Pipeline'),
        ],
      },
    });
    await loadRun({ warehouse, store, context, manifest: overlaps });
    const populations = (runId: string, observedAt: string) =>
      writeLandedRun(store, {
        stream: 'partner_populations',
        runId,
        observedAt,
        tables: {
          partner_populations: [
            { population_id: 21, standard_type: 'prospects' },
            { population_id: 22, standard_type: 'customers' },
          ],
        },
      });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-002', T2),
    });

    expect(await statusIntervals()).toEqual([
      // Population 22 was unknown at T1, so a-x was not a customer then.
      ['a', false, T1, T2],
      ['a', true, T2, null],
      ['b', false, T1, null],
    ]);
  });

  it('recomputes statuses when a population changes type', async () => {
    const overlaps = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-001',
      observedAt: T1,
      tables: {
        overlaps: [
          overlapRow('a', 'x'),
          overlapRow('b', 'y'),
          overlapRow('c', 'z'),
        ],
        overlap_populations: [
          overlapPopulationRow('a', 'x', 'partner', 22, 'Customers'),
          overlapPopulationRow('b', 'y', 'partner', 21, 'Pipeline'),
          overlapPopulationRow('c', 'z', 'own', 21, 'Pipeline'),
        ],
      },
    });
    const populations = (
      runId: string,
      observedAt: string,
      types: Record<number, string>,
    ) =>
      writeLandedRun(store, {
        stream: 'partner_populations',
        runId,
        observedAt,
        tables: {
          partner_populations: Object.entries(types).map(
            ([id, standardType]) => ({
              population_id: Number(id),
              standard_type: standardType,
            }),
          ),
        },
      });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-001', T1, {
        21: 'prospects',
        22: 'customers',
      }),
    });
    await loadRun({ warehouse, store, context, manifest: overlaps });
    // 21 becomes a customers population and 22 is no longer listed.
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-002', T2, { 21: 'customers' }),
    });

    expect(await statusIntervals()).toEqual([
      ['a', true, T1, T2],
      ['a', false, T2, null],
      ['b', false, T1, T2],
      ['b', true, T2, null],
      // Only the partner side counts: c-z's own population 21 does not.
      ['c', false, T1, null],
    ]);
  });

  it('corrects a status opened earlier in the same run', async () => {
    const populations = (runId: string, observedAt: string, type21: string) =>
      writeLandedRun(store, {
        stream: 'partner_populations',
        runId,
        observedAt,
        tables: {
          partner_populations: [
            { population_id: 21, standard_type: type21 },
            { population_id: 24, standard_type: 'prospects' },
          ],
        },
      });
    const overlaps = (
      runId: string,
      observedAt: string,
      populationId: number,
    ) =>
      writeLandedRun(store, {
        stream: 'account_overlaps',
        runId,
        observedAt,
        mode: 'incremental',
        tables: {
          overlaps: [overlapRow('a', 'x')],
          overlap_populations: [
            overlapPopulationRow('a', 'x', 'partner', populationId, 'P'),
          ],
        },
      });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-001', T1, 'prospects'),
    });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await overlaps('run-001', T1, 21),
    });
    // Run 2 first makes 21 a customers population, which opens a customer
    // interval for a-x, and then moves a-x from 21 to 24.
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-002', T2, 'customers'),
    });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await overlaps('run-002', T2, 24),
    });

    const status = await rows(
      'select is_partner_customer, valid_from, valid_to from cb.overlap_status_history order by valid_from',
    );
    expect(
      status.map((row) => [
        row.is_partner_customer,
        (row.valid_from as Date).toISOString(),
        row.valid_to ? (row.valid_to as Date).toISOString() : null,
      ]),
    ).toEqual([
      [false, T1, T2],
      [false, T2, null],
    ]);
  });

  it('recomputes only overlaps of changed populations', async () => {
    const overlaps = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-001',
      observedAt: T1,
      tables: {
        overlaps: [overlapRow('a', 'x'), overlapRow('b', 'y')],
        overlap_populations: [
          overlapPopulationRow('a', 'x', 'partner', 22, 'Customers'),
          overlapPopulationRow('b', 'y', 'partner', 21, 'Pipeline'),
        ],
      },
    });
    const populations = (runId: string, observedAt: string, type21: string) =>
      writeLandedRun(store, {
        stream: 'partner_populations',
        runId,
        observedAt,
        tables: {
          partner_populations: [
            { population_id: 21, standard_type: type21 },
            { population_id: 22, standard_type: 'customers' },
          ],
        },
      });
    await loadRun({ warehouse, store, context, manifest: overlaps });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-002', T2, 'prospects'),
    });
    // a-x's open status is set by hand to one that its unchanged population
    // 22 contradicts. A load that recomputed every overlap would correct it.
    await rows(
      "update cb.overlap_status_history set is_partner_customer = false where crossbeam_record_id = 'a' and valid_to is null",
    );

    await loadRun({
      warehouse,
      store,
      context,
      manifest: await populations('run-003', T3, 'customers'),
    });

    const open = await rows(
      'select crossbeam_record_id, is_partner_customer from cb.overlap_status_history where valid_to is null order by 1',
    );
    expect(open).toEqual([
      { crossbeam_record_id: 'a', is_partner_customer: false },
      { crossbeam_record_id: 'b', is_partner_customer: true },
    ]);
  });

  it('starts the status of overlaps loaded before its history', async () => {
    // A warehouse migrated before overlap_status_history existed.
    const earlier = path.join(landingDir, 'migrations');
    await mkdir(earlier);
    for (const file of await readdir(migrationsDir())) {
      if (file.endsWith('.sql') && file < '0005') {
        await copyFile(
          path.join(migrationsDir(), file),
          path.join(earlier, file),
        );
      }
    }
    const prefix = `before_${schemaCounter}`;
    const old: RenderContext = {
      ...context,
      schemas: {
        crossbeam: prefix,
        staging: `${prefix}_staging`,
        models: `${prefix}_models`,
        dashboards: `${prefix}_dashboards`,
      },
    };
    await applyMigrations(warehouse, old, { dir: earlier });
    await warehouse.query(
      `insert into ${prefix}.partner_populations (population_id, standard_type) values (21, 'prospects'), (22, 'customers')`,
    );
    await warehouse.query(
      `insert into ${prefix}.overlaps (crossbeam_record_id, partner_crossbeam_record_id, overlap_type, partner_id) values ('a', 'x', 'account', 'partner-1'), ('b', 'y', 'account', 'partner-1')`,
    );
    await warehouse.query(
      `insert into ${prefix}.overlap_populations (crossbeam_record_id, partner_crossbeam_record_id, overlap_type, side, population_id) values ('a', 'x', 'account', 'partner', 22), ('a', 'x', 'account', 'own', 21), ('b', 'y', 'account', 'partner', 21)`,
    );
    await warehouse.query(
      `insert into ${prefix}.overlap_history (crossbeam_record_id, partner_crossbeam_record_id, overlap_type, partner_id, valid_from, valid_to, first_run_id, last_run_id) values ('a', 'x', 'account', 'partner-1', '${T1}', null, 'run-001', 'run-002'), ('b', 'y', 'account', 'partner-1', '${T2}', null, 'run-002', 'run-002'), ('c', 'z', 'account', 'partner-1', '${T1}', '${T2}', 'run-001', 'run-002')`,
    );

    await applyMigrations(warehouse, old);

    const status = await warehouse.query(
      `select crossbeam_record_id, is_partner_customer, valid_from, valid_to, first_run_id, last_run_id from ${prefix}.overlap_status_history order by 1`,
    );
    expect(
      status.map((row) => [
        row.crossbeam_record_id,
        row.is_partner_customer,
        (row.valid_from as Date).toISOString(),
        row.valid_to,
        row.first_run_id,
        row.last_run_id,
      ]),
    ).toEqual([
      // Only the partner side counts: a-x's own population 21 does not.
      ['a', true, T1, null, 'run-001', 'run-002'],
      ['b', false, T2, null, 'run-002', 'run-002'],
    ]);
  });

  it('closes the status of overlaps absent from a full pass', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const full = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-003',
      observedAt: T3,
      mode: 'full',
      bookmark: 'https://api.example/v1/overlaps/accounts?cursor=b3',
      tables: { overlaps: [overlapRow('a', 'x')] },
    });
    await loadRun({ warehouse, store, context, manifest: full });

    const status = await rows(
      'select crossbeam_record_id, is_partner_customer, valid_to from cb.overlap_status_history order by 1',
    );
    expect(
      status.map((row) => [
        row.crossbeam_record_id,
        row.is_partner_customer,
        row.valid_to ? (row.valid_to as Date).toISOString() : null,
      ]),
    ).toEqual([
      // No partner population is loaded, so none counts as customers.
      ['a', false, null],
      ['b', false, T3],
      ['c', false, T3],
    ]);
  });

  it('removes overlaps absent from a full pass', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const lead = await writeLandedRun(store, {
      stream: 'lead_overlaps',
      runId: 'run-001',
      observedAt: T1,
      tables: {
        overlaps: [overlapRow('l', 'q', { overlap_type: 'lead' })],
      },
    });
    await loadRun({ warehouse, store, context, manifest: lead });

    const full = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-003',
      observedAt: T3,
      mode: 'full',
      bookmark: 'https://api.example/v1/overlaps/accounts?cursor=b3',
      tables: { overlaps: [overlapRow('a', 'x')] },
    });
    await loadRun({ warehouse, store, context, manifest: full });

    // The lead overlap belongs to another stream's scope and stays.
    expect(await overlapKeys()).toEqual(['a-x', 'l-q']);
    expect(await rows('select * from cb.overlap_populations')).toEqual([]);
    const closed = await rows(
      'select crossbeam_record_id, valid_to from cb.overlap_history where valid_to is not null order by 1',
    );
    expect(
      closed.map((row) => [
        row.crossbeam_record_id,
        (row.valid_to as Date).toISOString(),
      ]),
    ).toEqual([
      ['b', T3],
      ['c', T3],
    ]);
  });

  it('replaces a snapshot stream', async () => {
    const partners = (runId: string, observedAt: string, ids: string[]) =>
      writeLandedRun(store, {
        stream: 'partners',
        runId,
        observedAt,
        tables: {
          partners: ids.map((id) => ({
            partner_id: id,
            partner_name: `Partner ${id}`,
          })),
          partner_tags: ids.map((id) => ({
            partner_id: id,
            tag_id: 't1',
            tag_label: 'Tech',
          })),
        },
      });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await partners('run-001', T1, ['p1', 'p2']),
    });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await partners('run-002', T2, ['p2', 'p3']),
    });

    const stored = await rows('select partner_id from cb.partners order by 1');
    expect(stored.map((row) => row.partner_id)).toEqual(['p2', 'p3']);
    const tags = await rows(
      'select partner_id from cb.partner_tags order by 1',
    );
    expect(tags.map((row) => row.partner_id)).toEqual(['p2', 'p3']);
  });

  it('keeps partner users through a users snapshot', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const users = await writeLandedRun(store, {
      stream: 'users',
      runId: 'run-002',
      observedAt: T2,
      tables: {
        users: [
          {
            user_id: 'u1',
            user_name: 'Ana Ruiz',
            user_email: 'ana@ourco.example',
            is_partner_user: false,
          },
        ],
      },
    });
    await loadRun({ warehouse, store, context, manifest: users });

    const stored = await rows(
      'select user_id, is_partner_user, partner_id from cb.users order by 1',
    );
    expect(stored).toEqual([
      { user_id: 'owner-1', is_partner_user: true, partner_id: 'partner-1' },
      { user_id: 'owner-2', is_partner_user: true, partner_id: 'partner-1' },
      { user_id: 'u1', is_partner_user: false, partner_id: null },
    ]);
  });

  it('restores a partner user once no own user has its id', async () => {
    const ownUsers = (runId: string, observedAt: string, ids: string[]) =>
      writeLandedRun(store, {
        stream: 'users',
        runId,
        observedAt,
        tables: {
          users: ids.map((id) => ({ user_id: id, is_partner_user: false })),
        },
      });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await ownUsers('run-001', T1, ['owner-1', 'me']),
    });
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await ownUsers('run-002', T2, ['me']),
    });

    const stored = await rows(
      'select user_id, is_partner_user from cb.users order by 1',
    );
    expect(stored).toEqual([
      { user_id: 'me', is_partner_user: false },
      { user_id: 'owner-1', is_partner_user: true },
      { user_id: 'owner-2', is_partner_user: true },
    ]);
  });

  it('derives partner accounts from overlaps', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const accounts = await rows(
      'select partner_crossbeam_record_id, partner_owner_id, overlap_count from cb.partner_accounts order by 1',
    );
    expect(accounts).toEqual([
      {
        partner_crossbeam_record_id: 'x',
        partner_owner_id: 'owner-1',
        overlap_count: 1,
      },
      {
        partner_crossbeam_record_id: 'y',
        partner_owner_id: 'owner-1',
        overlap_count: 1,
      },
      {
        partner_crossbeam_record_id: 'z',
        partner_owner_id: 'owner-2',
        overlap_count: 1,
      },
    ]);
  });

  it('rewrites only the partner rows a load touches', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    // xmin is the transaction that last wrote a row.
    const versions = async (sql: string) =>
      Object.fromEntries(
        (await rows(sql)).map((row) => [String(row.id), String(row.version)]),
      );
    const accountsBefore = await versions(
      'select partner_crossbeam_record_id as id, xmin::text as version from cb.partner_accounts',
    );
    const usersBefore = await versions(
      'select user_id as id, xmin::text as version from cb.users',
    );

    await loadRun({
      warehouse,
      store,
      context,
      manifest: await incrementalRun(),
    });

    const accountsAfter = await versions(
      'select partner_crossbeam_record_id as id, xmin::text as version from cb.partner_accounts',
    );
    const usersAfter = await versions(
      'select user_id as id, xmin::text as version from cb.users',
    );
    expect(Object.keys(accountsAfter).sort()).toEqual(['w', 'x', 'z']);
    expect(accountsAfter.z).toBe(accountsBefore.z);
    expect(accountsAfter.x).not.toBe(accountsBefore.x);
    expect(Object.keys(usersAfter).sort()).toEqual(['owner-1', 'owner-2']);
    expect(usersAfter['owner-2']).toBe(usersBefore['owner-2']);
    expect(usersAfter['owner-1']).not.toBe(usersBefore['owner-1']);
  });

  it('derives partner rows as a full rebuild would', async () => {
    const overlapsRun = (
      runId: string,
      observedAt: string,
      overlaps: Record<string, unknown>[],
      options: {
        stream?: 'account_overlaps' | 'lead_overlaps';
        mode?: 'full' | 'incremental';
      } = {},
    ) =>
      writeLandedRun(store, {
        stream: options.stream ?? 'account_overlaps',
        runId,
        observedAt,
        mode: options.mode ?? 'incremental',
        tables: { overlaps },
      });
    const lead = { overlap_type: 'lead' };
    const runs = [
      await overlapsRun('run-001', T1, [
        overlapRow('a', 'x'),
        overlapRow('b', 'x', { partner_owner_id: 'owner-2' }),
        overlapRow('c', 'y', { partner_owner_id: 'owner-3' }),
      ]),
      // A lead overlap with partner record x, which account overlaps name too.
      await overlapsRun(
        'run-002',
        T1,
        [overlapRow('l1', 'x', { ...lead, partner_owner_id: 'owner-4' })],
        { stream: 'lead_overlaps', mode: 'full' },
      ),
      // c-y changes owner, so owner-3 loses its only overlap.
      await overlapsRun('run-003', T2, [
        overlapRow('c', 'y', { partner_owner_id: 'owner-5' }),
        overlapRow('b', 'x', { is_deleted: true }),
      ]),
      // A full pass of account overlaps without a-x: x keeps its lead overlap.
      await overlapsRun(
        'run-004',
        T3,
        [overlapRow('c', 'y', { partner_owner_id: 'owner-5' })],
        { mode: 'full' },
      ),
    ];
    const rebuiltAccounts = `select partner_crossbeam_record_id, partner_owner_id, overlap_count, _run_id from (select overlap_rows.*, count(*) over (partition by partner_crossbeam_record_id) as overlap_count, row_number() over (partition by partner_crossbeam_record_id order by _observed_at desc, crossbeam_record_id) as recency_rank from cb.overlaps as overlap_rows) as ranked where recency_rank = 1 order by 1`;
    const rebuiltUsers = `select partner_owner_id as user_id, partner_id, _run_id from (select overlap_rows.*, row_number() over (partition by partner_owner_id order by _observed_at desc, crossbeam_record_id, partner_crossbeam_record_id) as recency_rank from cb.overlaps as overlap_rows where partner_owner_id is not null) as ranked where recency_rank = 1 order by 1`;

    for (const manifest of runs) {
      await loadRun({ warehouse, store, context, manifest });

      expect({
        run: manifest.run_id,
        rows: await rows(
          'select partner_crossbeam_record_id, partner_owner_id, overlap_count, _run_id from cb.partner_accounts order by 1',
        ),
      }).toEqual({ run: manifest.run_id, rows: await rows(rebuiltAccounts) });
      expect({
        run: manifest.run_id,
        rows: await rows(
          'select user_id, partner_id, _run_id from cb.users where is_partner_user order by 1',
        ),
      }).toEqual({ run: manifest.run_id, rows: await rows(rebuiltUsers) });
    }
    const owners = await rows(
      'select user_id from cb.users where is_partner_user order by 1',
    );
    expect(owners.map((row) => row.user_id)).toEqual(['owner-4', 'owner-5']);
    const records = await rows(
      'select partner_crossbeam_record_id, overlap_count from cb.partner_accounts order by 1',
    );
    expect(records).toEqual([
      { partner_crossbeam_record_id: 'x', overlap_count: 1 },
      { partner_crossbeam_record_id: 'y', overlap_count: 1 },
    ]);
  });

  it('drops its staging tables', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    expect(await stagingTables()).toEqual([]);
  });
});

describe('bookmarks', () => {
  it('advances the bookmark with the merge', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      'https://api.example/v1/overlaps/accounts?cursor=b1',
    );
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await incrementalRun(),
    });
    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      'https://api.example/v1/overlaps/accounts?cursor=b2',
    );
  });

  it('leaves the bookmark and tables when a load fails', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const before = await snapshotTables();
    const failing = failingOn(warehouse, /\.load_runs\b/);

    await expect(
      loadRun({
        warehouse: failing,
        store,
        context,
        manifest: await incrementalRun(),
      }),
    ).rejects.toThrow(/Statement \d+ of \d+ in a transaction failed/);

    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      'https://api.example/v1/overlaps/accounts?cursor=b1',
    );
    expect(await snapshotTables()).toEqual(before);
    expect(await stagingTables()).toEqual([]);
    const [status] = await readSyncStatus(warehouse, context);
    expect(status?.last_error).toMatch(/Loading run run-002 failed/);
    expect(status?.last_run_id).toBe('run-001');
  });

  it('never moves the bookmark back for an older run', async () => {
    const newer = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-002',
      observedAt: T2,
      bookmark: 'https://api.example/v1/overlaps/accounts?cursor=new',
      tables: { overlaps: [overlapRow('a', 'x', { record_name: 'New' })] },
    });
    const older = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-001',
      observedAt: T1,
      bookmark: 'https://api.example/v1/overlaps/accounts?cursor=old',
      tables: { overlaps: [overlapRow('a', 'x', { record_name: 'Old' })] },
    });
    await loadRun({ warehouse, store, context, manifest: newer });
    const result = await loadRun({
      warehouse,
      store,
      context,
      manifest: older,
    });

    expect(result.bookmarkAdvanced).toBe(false);
    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      'https://api.example/v1/overlaps/accounts?cursor=new',
    );
    const [row] = await rows('select record_name from cb.overlaps');
    expect(row?.record_name).toBe('New');
  });

  it('ignores an incremental run from another bookmark', async () => {
    await loadRun({ warehouse, store, context, manifest: await firstRun() });
    const stray = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-002',
      observedAt: T2,
      mode: 'incremental',
      previousBookmark: 'https://api.example/v1/overlaps/accounts?cursor=other',
      bookmark: 'https://api.example/v1/overlaps/accounts?cursor=stray',
      tables: { overlaps: [overlapRow('e', 'v')] },
    });
    const result = await loadRun({
      warehouse,
      store,
      context,
      manifest: stray,
    });

    expect(result.bookmarkAdvanced).toBe(false);
    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      'https://api.example/v1/overlaps/accounts?cursor=b1',
    );
    expect(await overlapKeys()).toEqual(['a-x', 'b-y', 'c-z', 'e-v']);
  });
});

describe('loadPendingRuns', () => {
  it('loads complete runs in order and skips the rest', async () => {
    await incrementalRun();
    await firstRun();
    await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-003',
      observedAt: T3,
      withoutManifest: true,
      tables: { overlaps: [overlapRow('f', 'u')] },
    });

    const first = await loadPendingRuns({
      warehouse,
      store,
      context,
      streams: ['account_overlaps'],
    });
    const [stream] = first.streams;
    expect(stream?.loaded.map((run) => run.runId)).toEqual([
      'run-001',
      'run-002',
    ]);
    expect(stream?.skipped).toEqual([
      { runId: 'run-003', reason: 'incomplete: the run has no manifest.json' },
    ]);

    const second = await loadPendingRuns({
      warehouse,
      store,
      context,
      streams: ['account_overlaps'],
    });
    expect(second.streams[0]?.loaded).toEqual([]);
    expect(second.streams[0]?.skipped.map((run) => run.reason)).toEqual([
      'already loaded',
      'already loaded',
      'incomplete: the run has no manifest.json',
    ]);
    expect(await overlapKeys()).toEqual(['a-x', 'c-z', 'd-w']);
  });

  it('reports the sync status of loaded streams', async () => {
    await firstRun();
    await loadPendingRuns({ warehouse, store, context });
    const status = await readSyncStatus(warehouse, context);
    expect(status).toHaveLength(1);
    expect(status[0]).toMatchObject({
      stream: 'account_overlaps',
      last_run_id: 'run-001',
      last_mode: 'full',
      rows_loaded: 9,
      rejects: 0,
      last_error: null,
    });
    expect(status[0]?.bookmark_at?.toISOString()).toBe(T1);
  });

  it('rejects a manifest whose row count does not match', async () => {
    const manifest = await firstRun();
    const overlaps = manifest.tables.overlaps!;
    const damaged = {
      ...manifest,
      tables: { ...manifest.tables, overlaps: { ...overlaps, rows: 5 } },
    };
    await expect(
      loadRun({ warehouse, store, context, manifest: damaged }),
    ).rejects.toThrow(/loaded 4 rows, but its manifest lists 5/);
  });
});

/** Wraps a warehouse so that a batch with a matching statement fails. */
function failingOn(inner: Warehouse, pattern: RegExp): Warehouse {
  return {
    dialect: inner.dialect,
    url: inner.url,
    query: (sql) => inner.query(sql),
    copyFromLanding: (table, landed) => inner.copyFromLanding(table, landed),
    close: () => inner.close(),
    executeBatch: (sqls) =>
      inner.executeBatch(
        sqls.map((sql) =>
          pattern.test(sql) && sql.startsWith('insert') ? 'select 1 / 0' : sql,
        ),
      ),
  };
}

describe('ensureWarehouseId', () => {
  it('keeps the first id of the warehouse', async () => {
    const first = await ensureWarehouseId(warehouse, context);
    expect(await ensureWarehouseId(warehouse, context)).toBe(first);
    expect(await readWarehouseId(warehouse, context)).toBe(first);
  });

  it('agrees with an id set after its read', async () => {
    // Another caller inserts its id between this caller's read of the
    // empty table and its own insert.
    let reads = 0;
    const racing = {
      dialect: warehouse.dialect,
      query: async (sql: string) => {
        if (/^select warehouse_id/.test(sql) && reads++ === 0) {
          await warehouse.query(
            `insert into ${context.schemas.crossbeam}.warehouse_identity (warehouse_id, created_at) values ('other-caller', now())`,
          );
          return [];
        }
        return warehouse.query(sql);
      },
    } as unknown as Warehouse;

    expect(await ensureWarehouseId(racing, context)).toBe('other-caller');
    const stored = await rows('select warehouse_id from cb.warehouse_identity');
    expect(stored).toEqual([{ warehouse_id: 'other-caller' }]);
  });
});
