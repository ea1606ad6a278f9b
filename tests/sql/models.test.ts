import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileLandingStore } from '../../lib/landing/file-store';
import { loadRun } from '../../lib/load/load';
import { applyMigrations } from '../../lib/sql/migrate';
import { buildModels, listModels, parseModel } from '../../lib/sql/models';
import { modelsDir } from '../../lib/sql/paths';
import type { RenderContext } from '../../lib/sql/render';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import {
  overlapPopulationRow,
  overlapRow,
  writeLandedRun,
} from '../load/landed-runs';

const context: RenderContext = {
  dialect: 'postgres',
  schemas: {
    crossbeam: 'crossbeam',
    staging: 'crossbeam_staging',
    models: 'crossbeam_models',
    dashboards: 'crossbeam_dashboards',
  },
};

let warehouse: PgliteWarehouse;
let scratch: string;

beforeAll(async () => {
  warehouse = await PgliteWarehouse.open('pglite:memory:');
  await applyMigrations(warehouse, context);
});

afterAll(async () => {
  await warehouse.close();
});

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'models-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function writeModel(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(scratch, file)), { recursive: true });
  await writeFile(path.join(scratch, file), text);
}

const header = (name: string, extra = ''): string =>
  `-- model: ${name}\n-- grain: one row per thing\n-- key: id\n${extra}`;

describe('parseModel', () => {
  it('reads the header', () => {
    const model = parseModel(
      `${header('a', '-- requires: crm, marketing\n-- depends: b\n-- column id: the id\n')}create or replace view {{ models }}.a as select 1 as id;`,
      'core/a.sql',
      'core',
    );
    expect(model).toMatchObject({
      name: 'a',
      schema: 'models',
      grain: 'one row per thing',
      key: ['id'],
      requires: ['crm', 'marketing'],
      dependsOn: ['b'],
      columns: { id: 'the id' },
    });
  });

  it('rejects a model named unlike its file', () => {
    expect(() =>
      parseModel(
        `${header('b')}create or replace view {{ models }}.b as select 1;`,
        'core/a.sql',
        'core',
      ),
    ).toThrow(/declares model "b": the name must equal the file name \(a\)/);
  });

  it('rejects an unknown source', () => {
    expect(() =>
      parseModel(
        `${header('a', '-- requires: erp\n')}create or replace view {{ models }}.a as select 1;`,
        'core/a.sql',
        'core',
      ),
    ).toThrow(/requires unknown source "erp"/);
  });

  it('rejects a file with two views', () => {
    expect(() =>
      parseModel(
        `${header('a')}create or replace view {{ models }}.a as select 1;\ncreate or replace view {{ models }}.a2 as select 1;`,
        'core/a.sql',
        'core',
      ),
    ).toThrow(/exactly one/);
  });
});

describe('listModels', () => {
  it('orders models after the models they read', async () => {
    await writeModel(
      'core/b_first.sql',
      `${header('b_first')}create or replace view {{ models }}.b_first as select id from {{ models }}.z_base;`,
    );
    await writeModel(
      'core/z_base.sql',
      `${header('z_base')}create or replace view {{ models }}.z_base as select 1 as id;`,
    );
    await writeModel(
      'dashboards/a_chart.sql',
      `${header('a_chart', '-- depends: b_first\n')}create or replace view {{ dashboards }}.a_chart as select 1 as id;`,
    );
    const names = (await listModels(scratch)).map((model) => model.name);
    expect(names).toEqual(['z_base', 'b_first', 'a_chart']);
  });

  it('rejects a dependency cycle', async () => {
    await writeModel(
      'core/a.sql',
      `${header('a')}create or replace view {{ models }}.a as select * from {{ models }}.b;`,
    );
    await writeModel(
      'core/b.sql',
      `${header('b')}create or replace view {{ models }}.b as select * from {{ models }}.a;`,
    );
    await expect(listModels(scratch)).rejects.toThrow(/cycle: a → b → a/);
  });

  it('rejects an unknown folder', async () => {
    await writeModel(
      'marts/a.sql',
      `${header('a')}create or replace view {{ models }}.a as select 1;`,
    );
    await expect(listModels(scratch)).rejects.toThrow(
      /Unknown model folder marts/,
    );
  });

  it('reads every project model header', async () => {
    const models = await listModels();
    const overlaps = models.find(
      (model) => model.name === 'crossbeam_overlaps',
    );
    expect(overlaps?.key).toEqual([
      'crossbeam_record_id',
      'partner_crossbeam_record_id',
    ]);
    expect(overlaps?.requires).toEqual([]);
  });
});

describe('buildModels', () => {
  it('skips a model whose source is missing, and its dependents', async () => {
    await writeModel(
      'staging/stg_crm.sql',
      `${header('stg_crm', '-- requires: crm\n')}create or replace view {{ models }}.stg_crm as select 1 as id;`,
    );
    await writeModel(
      'dashboards/crm_chart.sql',
      `${header('crm_chart')}create or replace view {{ dashboards }}.crm_chart as select id from {{ models }}.stg_crm;`,
    );
    await writeModel(
      'core/plain.sql',
      `${header('plain')}create or replace view {{ models }}.plain as select 1 as id union all select 2;`,
    );
    const result = await buildModels(warehouse, context, {
      configuredSources: new Set(),
      dir: scratch,
      countRows: true,
    });
    expect(result.built).toEqual([
      { schema: 'crossbeam_models', name: 'plain', rows: 2 },
    ]);
    expect(result.skipped).toEqual([
      {
        name: 'stg_crm',
        reason:
          "requires the crm source, which is not configured. Add sources.crm to the config file (the README's sources section shows how)",
      },
      { name: 'crm_chart', reason: 'depends on stg_crm, which was skipped' },
    ]);
  });

  it('runs no view without countRows', async () => {
    await writeModel(
      'core/failing.sql',
      `${header('failing')}create or replace view {{ models }}.failing as select 1 as id where 1 / (select count(*) - count(*) from {{ crossbeam }}.schema_migrations) = 1;`,
    );
    const options = { configuredSources: new Set<never>(), dir: scratch };

    const result = await buildModels(warehouse, context, options);

    expect(result.built).toContainEqual({
      schema: 'crossbeam_models',
      name: 'failing',
      rows: null,
    });
    await expect(
      buildModels(warehouse, context, { ...options, countRows: true }),
    ).rejects.toThrow(/division by zero/);
  });

  it('re-creates a view whose columns changed', async () => {
    await writeModel(
      'core/shrinking.sql',
      `${header('shrinking')}create or replace view {{ models }}.shrinking as select 1 as id, 2 as extra;`,
    );
    await writeModel(
      'dashboards/on_shrinking.sql',
      `${header('on_shrinking')}create or replace view {{ dashboards }}.on_shrinking as select id from {{ models }}.shrinking;`,
    );
    const options = { configuredSources: new Set<never>(), dir: scratch };
    await buildModels(warehouse, context, options);

    await writeModel(
      'core/shrinking.sql',
      `${header('shrinking')}create or replace view {{ models }}.shrinking as select 1 as id;`,
    );
    const result = await buildModels(warehouse, context, options);
    expect(result.built.map((view) => view.name)).toEqual([
      'shrinking',
      'on_shrinking',
    ]);
    const columns = await warehouse.query(
      "select column_name from information_schema.columns where table_schema = 'crossbeam_models' and table_name = 'shrinking'",
    );
    expect(columns).toEqual([{ column_name: 'id' }]);
  });
});

describe('crossbeam_overlaps', () => {
  beforeAll(async () => {
    const landing = await mkdtemp(path.join(os.tmpdir(), 'overlaps-'));
    const store = new FileLandingStore(landing);
    const observedAt = '2026-03-01T10:00:00.000Z';
    const load = async (
      stream: Parameters<typeof writeLandedRun>[1]['stream'],
      tables: Parameters<typeof writeLandedRun>[1]['tables'],
    ) => {
      const manifest = await writeLandedRun(store, {
        stream,
        runId: 'run-001',
        observedAt,
        tables,
      });
      await loadRun({ warehouse, store, context, manifest });
    };
    const population = (
      id: number,
      name: string,
      standardType: string | null,
    ) => ({
      population_id: id,
      population_name: name,
      population_type: 'companies',
      standard_type: standardType,
    });

    // The display names contradict the standard types, and the flags must
    // follow standard_type.
    await load('populations', {
      populations: [
        population(1, 'Prospects', 'customers'),
        population(2, 'Customers', 'prospects'),
        population(3, 'Pipeline', 'open_opportunities'),
      ],
    });
    await load('partner_populations', {
      partner_populations: [
        {
          ...population(11, 'Prospects', 'customers'),
          partner_id: 'partner-1',
        },
        { ...population(12, 'Customers', null), partner_id: 'partner-1' },
        {
          ...population(13, 'Deals', 'open_opportunities'),
          partner_id: 'partner-1',
        },
      ],
    });
    await load('accounts', {
      accounts: [
        {
          crossbeam_record_id: 'a',
          master_id: '0017Q00000AbCdEQAZ',
          record_name: 'Northwind',
          account_name: 'Northwind Traders',
          account_type: 'Customer',
          industry: 'Logistics',
          owner_account_executive_name: 'Ana Ruiz',
          owner_account_executive_email: 'ana@ourco.example',
        },
      ],
    });
    await load('account_overlaps', {
      overlaps: [
        overlapRow('a', 'x', {
          overlap_created_at: '2025-01-01T00:00:00.000Z',
        }),
        overlapRow('b', 'y'),
      ],
      overlap_populations: [
        overlapPopulationRow('a', 'x', 'own', 1, 'Prospects'),
        overlapPopulationRow('a', 'x', 'own', 3, 'Pipeline'),
        overlapPopulationRow('a', 'x', 'partner', 11, 'Prospects'),
        overlapPopulationRow('a', 'x', 'partner', 13, 'Deals'),
        overlapPopulationRow('b', 'y', 'own', 2, 'Customers'),
        overlapPopulationRow('b', 'y', 'partner', 12, 'Customers'),
      ],
    });
    await rm(landing, { recursive: true, force: true });

    const dir = await mkdtemp(path.join(os.tmpdir(), 'project-models-'));
    await mkdir(path.join(dir, 'core'));
    await copyFile(
      path.join(modelsDir(), 'core', 'crossbeam_overlaps.sql'),
      path.join(dir, 'core', 'crossbeam_overlaps.sql'),
    );
    const result = await buildModels(warehouse, context, {
      configuredSources: new Set(),
      dir,
      countRows: true,
    });
    await rm(dir, { recursive: true, force: true });
    expect(result.built).toEqual([
      { schema: 'crossbeam_models', name: 'crossbeam_overlaps', rows: 2 },
    ]);
  });

  async function overlap(ours: string) {
    const rows = await warehouse.query(
      `select * from crossbeam_models.crossbeam_overlaps where crossbeam_record_id = '${ours}'`,
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  }

  it('sets flags from standard types, not names', async () => {
    expect(await overlap('a')).toMatchObject({
      is_customer: true,
      is_prospect: false,
      is_open_opportunity: true,
      is_partner_customer: true,
      is_partner_prospect: false,
      is_partner_open_opportunity: true,
    });
    expect(await overlap('b')).toMatchObject({
      is_customer: false,
      is_prospect: true,
      is_open_opportunity: false,
      is_partner_customer: false,
      is_partner_prospect: false,
      is_partner_open_opportunity: false,
    });
  });

  it('lists population names', async () => {
    expect(await overlap('a')).toMatchObject({
      population_names: 'Pipeline, Prospects',
      partner_population_names: 'Deals, Prospects',
    });
  });

  it('joins our account fields', async () => {
    expect(await overlap('a')).toMatchObject({
      master_id: '0017Q00000AbCdEQAZ',
      account_name: 'Northwind Traders',
      account_type: 'Customer',
      industry: 'Logistics',
      owner_account_executive_email: 'ana@ourco.example',
      partner_owner_email: 'lee@blueharbor.example',
    });
    expect(await overlap('b')).toMatchObject({
      master_id: 'crm-b',
      account_name: 'Account b',
    });
  });

  it('takes the earliest first_seen_at', async () => {
    const a = await overlap('a');
    const b = await overlap('b');
    expect((a.first_seen_at as Date).toISOString()).toBe(
      '2025-01-01T00:00:00.000Z',
    );
    expect((b.first_seen_at as Date).toISOString()).toBe(
      '2026-03-01T10:00:00.000Z',
    );
  });

  it('has a unique, non-null key', async () => {
    const [row] = await warehouse.query(
      `select count(*) as total, count(distinct crossbeam_record_id || '/' || partner_crossbeam_record_id) as distinct_keys, sum(case when crossbeam_record_id is null or partner_crossbeam_record_id is null then 1 else 0 end) as null_keys from crossbeam_models.crossbeam_overlaps`,
    );
    expect(row).toEqual({ total: 2, distinct_keys: 2, null_keys: 0 });
  });
});
