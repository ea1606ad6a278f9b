import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MigrationError } from '../../lib/errors';
import { applyMigrations, listMigrations } from '../../lib/sql/migrate';
import {
  columnTypeSql,
  renderSql,
  type RenderContext,
} from '../../lib/sql/render';
import { splitStatements } from '../../lib/sql/split';
import { migrationsDir } from '../../lib/sql/paths';
import { allLandedTables } from '../../lib/streams/catalog';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';

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
});

afterAll(async () => {
  await warehouse.close();
});

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'migrations-'));
});

afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function writeMigrations(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(scratch, name), text);
  }
}

describe('listMigrations', () => {
  it('orders the project migrations by number', async () => {
    const migrations = await listMigrations();
    expect(migrations.map((m) => m.version)).toEqual(
      migrations.map((_m, index) => index + 1),
    );
    expect(migrations[0]?.file).toBe('0001_schemas.sql');
  });

  it('rejects a gap in the numbers', async () => {
    await writeMigrations({
      '0001_a.sql': 'select 1;',
      '0003_c.sql': 'select 1;',
    });
    await expect(listMigrations(scratch)).rejects.toThrow(
      /0003_c\.sql has number 3, but 2 is expected/,
    );
  });

  it('rejects a duplicate number', async () => {
    await writeMigrations({
      '0001_a.sql': 'select 1;',
      '0002_b.sql': 'select 1;',
      '0002_c.sql': 'select 1;',
    });
    await expect(listMigrations(scratch)).rejects.toThrow(
      /0002_b\.sql and 0002_c\.sql share the number 2/,
    );
  });

  it('rejects a badly named file', async () => {
    await writeMigrations({ '1_a.sql': 'select 1;' });
    await expect(listMigrations(scratch)).rejects.toThrow(MigrationError);
  });

  it('keeps each migration within a Redshift batch', async () => {
    // The Data API runs at most 40 statements per transaction, and the
    // runner adds one row to schema_migrations.
    for (const migration of await listMigrations()) {
      const redshift = { ...context, dialect: 'redshift' as const };
      const statements = splitStatements(
        renderSql(migration.template, redshift, migration.file),
      );
      expect(statements.length).toBeLessThanOrEqual(39);
    }
  });
});

describe('applyMigrations', () => {
  it('applies the project migrations once', async () => {
    const first = await applyMigrations(warehouse, context);
    expect(first.applied).toEqual((await listMigrations()).map((m) => m.file));
    const second = await applyMigrations(warehouse, context);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);
  });

  it('creates every landed table with the catalog columns', async () => {
    await applyMigrations(warehouse, context);
    for (const table of allLandedTables()) {
      const rows = await warehouse.query(
        `select column_name, data_type from information_schema.columns where table_schema = 'crossbeam' and table_name = '${table.name}' order by ordinal_position`,
      );
      const expected = table.columns.map((column) => ({
        column_name: column.name,
        data_type:
          column.type === 'timestamptz'
            ? 'timestamp with time zone'
            : columnTypeSql(column.type, 'postgres'),
      }));
      expect({ table: table.name, columns: rows }).toEqual({
        table: table.name,
        columns: expected,
      });
    }
  });

  it('raises MigrationError when an applied file changed', async () => {
    const schemas = { ...context.schemas, crossbeam: 'checksum_test' };
    const changed = { ...context, schemas };
    await writeMigrations({
      '0001_first.sql': 'create table {{ crossbeam }}.one (id integer);',
    });
    await applyMigrations(warehouse, changed, { dir: scratch });
    await writeMigrations({
      '0001_first.sql':
        'create table {{ crossbeam }}.one (id integer, name text);',
    });
    await expect(
      applyMigrations(warehouse, changed, { dir: scratch }),
    ).rejects.toThrow(/Migration 0001_first\.sql changed after it was applied/);
  });

  it('rolls back a failing migration completely', async () => {
    const schemas = { ...context.schemas, crossbeam: 'rollback_test' };
    const failing = { ...context, schemas };
    await writeMigrations({
      '0001_first.sql': [
        'create table {{ crossbeam }}.kept (id integer);',
        'create table {{ crossbeam }}.broken (id no_such_type);',
      ].join('\n'),
    });
    await expect(
      applyMigrations(warehouse, failing, { dir: scratch }),
    ).rejects.toThrow(/0001_first\.sql failed and was rolled back/);
    const tables = await warehouse.query(
      "select table_name from information_schema.tables where table_schema = 'rollback_test' order by table_name",
    );
    expect(tables).toEqual([{ table_name: 'schema_migrations' }]);
  });

  it('rejects a recorded migration whose file is gone', async () => {
    const schemas = { ...context.schemas, crossbeam: 'missing_test' };
    const missing = { ...context, schemas };
    await writeMigrations({
      '0001_first.sql': 'create table {{ crossbeam }}.one (id integer);',
    });
    await applyMigrations(warehouse, missing, { dir: scratch });
    const empty = await mkdtemp(path.join(os.tmpdir(), 'migrations-empty-'));
    try {
      await expect(
        applyMigrations(warehouse, missing, { dir: empty }),
      ).rejects.toThrow(/Migration 1 \(first\) is recorded/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('reads the migrations from the package folder', async () => {
    const first = await readFile(
      path.join(migrationsDir(), '0001_schemas.sql'),
      'utf8',
    );
    expect(first).toContain('{{ crossbeam }}');
  });
});
