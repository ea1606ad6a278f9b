import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MigrationError } from '../errors';
import type { Logger } from '../log';
import type { Warehouse } from '../warehouse/warehouse';
import { migrationsDir } from './paths';
import { quoteLiteral, renderSql, type RenderContext } from './render';
import { splitStatements } from './split';

/** One `NNNN_name.sql` file. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly file: string;
  /** sha256 of the template text, in hex. */
  readonly checksum: string;
  readonly template: string;
}

export interface ApplyMigrationsOptions {
  /** Folder of migration files; defaults to the package's `sql/migrations`. */
  readonly dir?: string;
  readonly logger?: Logger;
}

export interface ApplyMigrationsResult {
  /** Files applied by this call, in order. */
  readonly applied: string[];
  /** Files that an earlier call had applied. */
  readonly alreadyApplied: string[];
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Reads the migration files of `dir` in version order. Raises
 * MigrationError on a file whose name is not `NNNN_name.sql`, on a
 * duplicate number, and on a gap (versions must run 1, 2, 3, …).
 */
export async function listMigrations(
  dir = migrationsDir(),
): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql'));
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new MigrationError(
        `Invalid migration file name ${file} in ${dir}: name it NNNN_name.sql, with a four-digit number and a lower-case name.`,
      );
    }
    const template = await readFile(path.join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      file,
      checksum: createHash('sha256').update(template).digest('hex'),
      template,
    });
  }
  migrations.sort((a, b) => a.version - b.version);

  migrations.forEach((migration, index) => {
    const previous = migrations[index - 1];
    if (previous && previous.version === migration.version) {
      throw new MigrationError(
        `Migrations ${previous.file} and ${migration.file} share the number ${migration.version}: renumber the newer one.`,
      );
    }
    if (migration.version !== index + 1) {
      throw new MigrationError(
        `Migration ${migration.file} has number ${migration.version}, but ${index + 1} is expected: migrations are numbered 1, 2, 3, … without gaps.`,
      );
    }
  });
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function readApplied(
  warehouse: Warehouse,
  table: string,
): Promise<AppliedRow[]> {
  const rows = await warehouse.query(
    `select version, name, checksum from ${table} order by version`,
  );
  return rows.map((row) => ({
    version: Number(row.version),
    name: String(row.name),
    checksum: String(row.checksum),
  }));
}

/**
 * Applies pending migrations in order, each in its own transaction together
 * with its row in `<crossbeam>.schema_migrations`. Raises MigrationError
 * when an applied migration's file changed or is missing, because
 * re-running changed DDL silently could diverge from what the database holds.
 */
export async function applyMigrations(
  warehouse: Warehouse,
  context: RenderContext,
  options: ApplyMigrationsOptions = {},
): Promise<ApplyMigrationsResult> {
  const migrations = await listMigrations(options.dir);
  const schema = renderSql('{{ crossbeam }}', context);
  const table = `${schema}.schema_migrations`;
  const text = renderSql('{{ text }}', context);

  await warehouse.query(`create schema if not exists ${schema}`);
  await warehouse.query(
    `create table if not exists ${table} (version integer not null, name ${text} not null, checksum varchar(64) not null, applied_at timestamptz not null)`,
  );

  const applied = await readApplied(warehouse, table);
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const row of applied) {
    const migration = byVersion.get(row.version);
    if (!migration) {
      throw new MigrationError(
        `Migration ${row.version} (${row.name}) is recorded in ${table} but no file has that number: restore the file, since an applied migration cannot be removed.`,
      );
    }
    if (migration.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${migration.file} changed after it was applied (checksum ${row.checksum.slice(0, 12)}… recorded, ${migration.checksum.slice(0, 12)}… now): restore the file and put the change in a new migration.`,
      );
    }
  }

  const appliedVersions = new Set(applied.map((row) => row.version));
  const result: ApplyMigrationsResult = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    if (appliedVersions.has(migration.version)) {
      result.alreadyApplied.push(migration.file);
      continue;
    }
    const source = path.join('sql/migrations', migration.file);
    const statements = splitStatements(
      renderSql(migration.template, context, source),
    );
    const record = `insert into ${table} (version, name, checksum, applied_at) values (${migration.version}, ${quoteLiteral(migration.name, context.dialect)}, ${quoteLiteral(migration.checksum, context.dialect)}, ${renderSql('{{ now }}', context)})`;
    try {
      await warehouse.executeBatch([...statements, record]);
    } catch (error) {
      throw new MigrationError(
        `Migration ${migration.file} failed and was rolled back: ${(error as Error).message}`,
        { cause: error },
      );
    }
    result.applied.push(migration.file);
    options.logger?.info('Applied a migration.', {
      migration: migration.file,
      statements: statements.length,
    });
  }
  return result;
}
