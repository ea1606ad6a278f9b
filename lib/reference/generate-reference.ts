/**
 * Generates docs/reference.md: every table the migrations create and every
 * view the models build, with their columns and types as PostgreSQL
 * reports them, the streams that feed each table, and each view's grain,
 * key, required sources and column documentation.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SettingsSchema } from '../config/settings';
import { CrossbeamWarehouseError } from '../errors';
import { createWorld } from '../sandbox/world';
import { configuredSources, renderSourceVars } from '../sources/config';
import { writeSandboxSources } from '../sources/seed';
import { applyMigrations } from '../sql/migrate';
import { buildModels, listModels, type ModelSpec } from '../sql/models';
import { migrationsDir, modelsDir } from '../sql/paths';
import type { RenderContext } from '../sql/render';
import { STREAM_NAMES, STREAMS } from '../streams/catalog';
import { PgliteWarehouse } from '../warehouse/pglite';
import { readWarehouseColumns, type WarehouseColumn } from './columns';

export interface GenerateReferenceOptions {
  readonly migrationsDir?: string;
  readonly modelsDir?: string;
}

/** The command that regenerates the file, for its header and for errors. */
export const REFERENCE_COMMAND = 'npm run docs';

const CREATE_TABLE =
  /^create\s+table\s+(?:if\s+not\s+exists\s+)?\{\{\s*crossbeam\s*\}\}\.([a-z_][a-z0-9_]*)/i;

/**
 * Reads the comment block right above each `create table` of the
 * migrations, as the table's description.
 */
async function tableComments(dir: string): Promise<Map<string, string>> {
  const comments = new Map<string, string>();
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql'));
  for (const file of files.sort()) {
    const lines = (await readFile(path.join(dir, file), 'utf8')).split('\n');
    lines.forEach((line, index) => {
      const match = CREATE_TABLE.exec(line.trim());
      if (!match) return;
      const comment: string[] = [];
      for (let above = index - 1; above >= 0; above -= 1) {
        const text = lines[above]!.trim();
        if (!text.startsWith('--')) break;
        comment.unshift(text.slice(2).trim());
      }
      if (comment.length > 0) comments.set(match[1]!, comment.join(' '));
    });
  }
  return comments;
}

function streamsOf(table: string): { streams: string[]; key?: string[] } {
  const streams: string[] = [];
  let key: string[] | undefined;
  for (const name of STREAM_NAMES) {
    const spec = STREAMS[name].tables.find((item) => item.name === table);
    if (spec) {
      streams.push(name);
      key = [...spec.key];
    }
  }
  return { streams, key };
}

function shortType(dataType: string): string {
  switch (dataType) {
    case 'timestamp with time zone':
      return 'timestamptz';
    case 'timestamp without time zone':
      return 'timestamp';
    case 'character varying':
      return 'varchar';
    default:
      return dataType;
  }
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function code(names: readonly string[]): string {
  return names.map((name) => `\`${name}\``).join(', ');
}

function tableSection(
  schema: string,
  name: string,
  columns: readonly WarehouseColumn[],
  comment: string | undefined,
): string {
  const { streams, key } = streamsOf(name);
  const lines = [`### \`${schema}.${name}\``, ''];
  if (comment) lines.push(cell(comment), '');
  if (streams.length > 0) {
    lines.push(
      `Fed by the ${streams.length > 1 ? 'streams' : 'stream'} ${code(streams)}; the loader merges on ${code(key ?? [])}.`,
      '',
    );
  }
  lines.push('| column | type |', '| --- | --- |');
  for (const column of columns) {
    lines.push(`| \`${column.name}\` | ${shortType(column.dataType)} |`);
  }
  return lines.join('\n');
}

function viewSection(
  schema: string,
  model: ModelSpec,
  columns: readonly WarehouseColumn[],
): string {
  const lines = [
    `### \`${schema}.${model.name}\``,
    '',
    `- Grain: ${cell(model.grain)}`,
    `- Key: ${code(model.key)}`,
    `- Requires: ${model.requires.length > 0 ? model.requires.join(', ') : 'Crossbeam data only'}`,
    `- Source: \`sql/models/${model.file.split(path.sep).join('/')}\``,
    '',
    '| column | type | description |',
    '| --- | --- | --- |',
  ];
  for (const column of columns) {
    const doc = model.columns[column.name];
    lines.push(
      `| \`${column.name}\` | ${shortType(column.dataType)} | ${doc ? cell(doc) : '(undocumented)'} |`,
    );
  }
  return lines.join('\n');
}

/** An in-memory warehouse with every migration and model built. */
export interface ReferenceWarehouse {
  readonly warehouse: PgliteWarehouse;
  readonly context: RenderContext;
}

/**
 * Opens an in-memory PGlite and builds the migrations and every model in
 * it, with the sandbox's CRM, marketing and product tables as sources so
 * that no model is skipped. The Crossbeam tables stay empty: the catalog,
 * not the data, is what the reference and the LookML tests read. Close
 * the warehouse when done.
 */
export async function openReferenceWarehouse(
  options: GenerateReferenceOptions = {},
): Promise<ReferenceWarehouse> {
  const schemas = SettingsSchema.parse({}).schemas;
  const warehouse = await PgliteWarehouse.open('pglite:memory:');
  try {
    await applyMigrations(
      warehouse,
      { dialect: 'postgres', schemas },
      { dir: options.migrationsDir },
    );
    const world = createWorld({
      seed: 1,
      scale: 'tiny',
      anchor: new Date('2026-01-01T00:00:00Z'),
    });
    const sources = await writeSandboxSources(warehouse, world, {
      dialect: 'postgres',
    });
    const context: RenderContext = {
      dialect: 'postgres',
      schemas,
      vars: renderSourceVars(sources),
    };
    await buildModels(warehouse, context, {
      configuredSources: configuredSources(sources),
      dir: options.modelsDir,
    });
    return { warehouse, context };
  } catch (error) {
    await warehouse.close();
    throw error;
  }
}

/**
 * Builds every table and view in an in-memory PGlite
 * (`openReferenceWarehouse`) and returns the reference as Markdown. The
 * output depends only on the SQL files and the stream catalog.
 */
export async function generateReference(
  options: GenerateReferenceOptions = {},
): Promise<string> {
  const { warehouse, context } = await openReferenceWarehouse(options);
  const schemas = context.schemas;
  try {
    const catalog = await readWarehouseColumns(warehouse, [
      schemas.crossbeam,
      schemas.models,
      schemas.dashboards,
      schemas.staging,
    ]);
    const comments = await tableComments(
      options.migrationsDir ?? migrationsDir(),
    );
    const models = await listModels(options.modelsDir ?? modelsDir());

    const tables = [...catalog.entries()]
      .filter(([name]) => name.startsWith(`${schemas.crossbeam}.`))
      .map(([name, columns]) => ({ name: name.split('.')[1]!, columns }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const tableSections = tables.map((table) =>
      tableSection(
        schemas.crossbeam,
        table.name,
        table.columns,
        comments.get(table.name),
      ),
    );

    const viewSections: string[] = [];
    const missing: string[] = [];
    for (const model of models) {
      const schema = schemas[model.schema];
      const columns = catalog.get(`${schema}.${model.name}`);
      if (!columns) {
        missing.push(model.name);
        continue;
      }
      viewSections.push(viewSection(schema, model, columns));
    }
    if (missing.length > 0) {
      throw new CrossbeamWarehouseError(
        `The reference cannot describe ${missing.join(', ')}: the models were not built. Check that they build with "crossbeam-warehouse build".`,
      );
    }

    return [
      '# Warehouse reference',
      '',
      `<!-- Generated by \`${REFERENCE_COMMAND}\` (crossbeam-warehouse reference --out docs/reference.md) from sql/migrations, sql/models and lib/streams/catalog.ts. Do not edit by hand. -->`,
      '',
      'Every table and view that crossbeam-warehouse creates, under the default',
      `schema names (\`${schemas.crossbeam}\`, \`${schemas.staging}\`, \`${schemas.models}\`, \`${schemas.dashboards}\`).`,
      'Types are as PostgreSQL and PGlite report them; on Redshift, `text`',
      'columns are `varchar(65535)` and `numeric` columns of landed tables are',
      '`numeric(38, 6)`. A view whose required source is not configured is not',
      'built.',
      '',
      `## Tables (\`${schemas.crossbeam}\` schema)`,
      '',
      tableSections.join('\n\n'),
      '',
      '## Views',
      '',
      'In build order: staging views first, dashboard views last.',
      '',
      viewSections.join('\n\n'),
      '',
    ].join('\n');
  } finally {
    await warehouse.close();
  }
}
