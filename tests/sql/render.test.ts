import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError } from '../../lib/errors';
import { listMigrations } from '../../lib/sql/migrate';
import { migrationsDir, modelsDir } from '../../lib/sql/paths';
import {
  assertIdentifier,
  checkRedshiftSql,
  columnTypeSql,
  quoteLiteral,
  renderSql,
  type RenderContext,
} from '../../lib/sql/render';

const schemas = {
  crossbeam: 'crossbeam',
  staging: 'crossbeam_staging',
  models: 'crossbeam_models',
  dashboards: 'crossbeam_dashboards',
};
const postgres: RenderContext = { dialect: 'postgres', schemas };
const redshift: RenderContext = { dialect: 'redshift', schemas };

describe('renderSql', () => {
  it('fills schemas and dialect placeholders for PostgreSQL', () => {
    const sql = renderSql(
      'create view {{ models }}.v as select cast(x as {{ text }}), {{ now }} from {{crossbeam}}.t {{ view_options }}',
      postgres,
    );
    expect(sql).toBe(
      'create view crossbeam_models.v as select cast(x as text), now() from crossbeam.t ',
    );
  });

  it('fills schemas and dialect placeholders for Redshift', () => {
    const sql = renderSql(
      'create view {{ models }}.v as select cast(x as {{ text }}), {{ now }} from {{ crossbeam }}.t {{ view_options }}',
      redshift,
    );
    expect(sql).toBe(
      'create view crossbeam_models.v as select cast(x as varchar(65535)), getdate() from crossbeam.t with no schema binding',
    );
  });

  it('renders list_agg per dialect', () => {
    const template = 'select {{ list_agg(coalesce(a.name, b.name)) }}';
    expect(renderSql(template, postgres)).toBe(
      "select string_agg(distinct coalesce(a.name, b.name), ', ' order by coalesce(a.name, b.name))",
    );
    expect(renderSql(template, redshift)).toBe(
      "select listagg(distinct coalesce(a.name, b.name), ', ') within group (order by coalesce(a.name, b.name))",
    );
  });

  it('renders table_options only for Redshift', () => {
    const template =
      'create table t (a int) {{ table_options(diststyle all) }};';
    expect(renderSql(template, postgres)).toBe('create table t (a int) ;');
    expect(renderSql(template, redshift)).toBe(
      'create table t (a int) diststyle all;',
    );
  });

  it('fills variables', () => {
    const sql = renderSql('select {{ amount_column }} from t', {
      ...postgres,
      vars: { amount_column: '"Amount"' },
    });
    expect(sql).toBe('select "Amount" from t');
  });

  it('names an unknown placeholder and its file', () => {
    expect(() =>
      renderSql('select 1\nfrom {{ nope }}', postgres, 'sql/models/x.sql'),
    ).toThrow(
      /Unknown placeholder \{\{ nope \}\} in sql\/models\/x\.sql at line 2/,
    );
  });

  it('rejects an unclosed placeholder', () => {
    expect(() => renderSql('select {{ text', postgres, 'a.sql')).toThrow(
      /Unclosed placeholder in a\.sql at line 1/,
    );
  });

  it('rejects an unsafe schema name', () => {
    expect(() =>
      renderSql('select 1', {
        ...postgres,
        schemas: { ...schemas, models: 'models; drop table x' },
      }),
    ).toThrow(/Invalid schemas\.models: "models; drop table x"/);
  });

  it('rejects a variable named like a built-in', () => {
    expect(() =>
      renderSql('select 1', { ...postgres, vars: { text: 'varchar' } }),
    ).toThrow(ConfigurationError);
  });
});

describe('assertIdentifier', () => {
  it.each([
    ['a plain name', 'crossbeam'],
    ['a leading underscore', '_x'],
    ['digits', 'a1_b2'],
    ['127 characters', 'a'.repeat(127)],
  ])('accepts %s', (_label, name) => {
    expect(assertIdentifier(name, 'schema')).toBe(name);
  });

  it.each([
    ['an empty name', ''],
    ['upper case', 'Crossbeam'],
    ['a leading digit', '1abc'],
    ['a hyphen', 'a-b'],
    ['a space', 'a b'],
    ['128 characters', 'a'.repeat(128)],
    ['a reserved word', 'user'],
  ])('rejects %s', (_label, name) => {
    expect(() => assertIdentifier(name, 'schemas.crossbeam')).toThrow(
      /Invalid schemas\.crossbeam/,
    );
  });
});

describe('quoteLiteral', () => {
  it('doubles single quotes', () => {
    expect(quoteLiteral("O'Brien")).toBe("'O''Brien'");
  });

  it('doubles backslashes only for Redshift', () => {
    expect(quoteLiteral('a\\b')).toBe("'a\\b'");
    expect(quoteLiteral('a\\b', 'redshift')).toBe("'a\\\\b'");
  });

  it('writes null, numbers and booleans bare', () => {
    expect(quoteLiteral(null)).toBe('null');
    expect(quoteLiteral(12.5)).toBe('12.5');
    expect(quoteLiteral(false)).toBe('false');
  });

  it('rejects NUL characters and non-finite numbers', () => {
    expect(() => quoteLiteral('a\u0000b')).toThrow(/NUL character/);
    expect(() => quoteLiteral(Number.NaN)).toThrow(/finite/);
  });
});

describe('columnTypeSql', () => {
  it('maps catalog types per dialect', () => {
    expect(columnTypeSql('text', 'postgres')).toBe('text');
    expect(columnTypeSql('text', 'redshift')).toBe('varchar(65535)');
    expect(columnTypeSql('numeric', 'postgres')).toBe('numeric');
    expect(columnTypeSql('numeric', 'redshift')).toBe('numeric(38, 6)');
    for (const type of [
      'timestamptz',
      'bigint',
      'integer',
      'boolean',
      'date',
    ] as const) {
      expect(columnTypeSql(type, 'redshift')).toBe(type);
    }
  });
});

describe('checkRedshiftSql', () => {
  it.each([
    ['create table t (a text)', 'bare text type'],
    ["select string_agg(a, ',') from t", 'string_agg'],
    ['select array_agg(a) from t', 'array_agg'],
    ['select * from generate_series(1, 3)', 'generate_series'],
    ['select a is distinct from b', 'is distinct from'],
    ["select format('%s', a)", 'format()'],
    ['select now()', 'now()'],
    ['create table t (a jsonb)', 'json or jsonb type'],
    ['create table t (a serial)', 'serial type'],
    ['create table t (a uuid)', 'uuid type'],
    ['select a::varchar[]', 'array type or constructor'],
    ['create index i on t (a)', 'create index'],
    ['truncate t', 'truncate'],
    ['select count(*) filter (where a) from t', 'aggregate filter'],
    ['select distinct on (a) a from t', 'distinct on'],
    ['select * from t, lateral (select 1) x', 'lateral'],
  ])('reports %s', (sql, construct) => {
    const findings = checkRedshiftSql(sql);
    expect(findings.map((finding) => finding.construct).join('; ')).toContain(
      construct,
    );
  });

  it('ignores comments, string literals and longer names', () => {
    const sql = [
      '-- text and now() in a comment',
      "select 'text' as label, tag_text, uuid_value from t",
    ].join('\n');
    expect(checkRedshiftSql(sql)).toEqual([]);
  });

  it('names the line of a finding', () => {
    const [finding] = checkRedshiftSql('select 1,\n  now()\nfrom t');
    expect(finding).toMatchObject({ line: 2, excerpt: 'now()' });
  });
});

/** Lists every `.sql` file below a folder, relative to it. */
async function sqlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((file) => file.endsWith('.sql')).sort();
}

/**
 * Stand-ins for the source variables (`lib/sources`) so that every model
 * renders: each unknown placeholder becomes a plain column name.
 */
function standInVars(template: string): Record<string, string> {
  const builtIns = new Set([
    ...Object.keys(schemas),
    'text',
    'now',
    'view_options',
  ]);
  const vars: Record<string, string> = {};
  for (const match of template.matchAll(/\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}/g)) {
    const name = match[1]!;
    if (!builtIns.has(name)) vars[name] = 'stand_in_column';
  }
  return vars;
}

describe('project SQL files', () => {
  it('render migrations for Redshift without unsupported constructs', async () => {
    for (const migration of await listMigrations()) {
      const sql = renderSql(migration.template, redshift, migration.file);
      expect({ file: migration.file, findings: checkRedshiftSql(sql) }).toEqual(
        { file: migration.file, findings: [] },
      );
    }
  });

  it('render migrations for PostgreSQL with text columns', async () => {
    const template = await readFile(
      path.join(migrationsDir(), '0002_landed_tables.sql'),
      'utf8',
    );
    const sql = renderSql(template, postgres);
    expect(sql).toContain('partner_id       text not null');
    expect(sql).not.toContain('varchar(65535)');
    expect(sql).not.toContain('diststyle');
  });

  it('render models for Redshift without unsupported constructs', async () => {
    const files = await sqlFiles(modelsDir());
    expect(files).toContain(path.join('core', 'crossbeam_overlaps.sql'));
    for (const file of files) {
      const template = await readFile(path.join(modelsDir(), file), 'utf8');
      const context = { ...redshift, vars: standInVars(template) };
      const sql = renderSql(template, context, file);
      expect({ file, findings: checkRedshiftSql(sql) }).toEqual({
        file,
        findings: [],
      });
    }
  });
});
