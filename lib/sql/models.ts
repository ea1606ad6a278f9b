import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError, WarehouseError } from '../errors';
import { crashPoint } from '../pipeline/crash-point';
import type { Logger } from '../log';
import { databaseMessage } from '../warehouse/statement-error';
import type { Warehouse } from '../warehouse/warehouse';
import { modelsDir } from './paths';
import { renderSql, type RenderContext, type SqlSchemas } from './render';

/** Source sections a model can require, as the configuration names them. */
export type SourceName = 'crm' | 'marketing' | 'product';

const SOURCE_NAMES: readonly SourceName[] = ['crm', 'marketing', 'product'];

/** Model folders in build order; a model may read only earlier layers. */
export const MODEL_LAYERS = [
  'staging',
  'core',
  'events',
  'attribution',
  'dashboards',
] as const;

export type ModelLayer = (typeof MODEL_LAYERS)[number];

/** One `sql/models/<layer>/<name>.sql` file and its header. */
export interface ModelSpec {
  readonly name: string;
  /** Path relative to the models folder, for messages. */
  readonly file: string;
  readonly layer: ModelLayer;
  /** The schema role the view is created in, from its `create` line. */
  readonly schema: keyof SqlSchemas;
  readonly grain: string;
  readonly key: readonly string[];
  readonly requires: readonly SourceName[];
  /** Models this one reads: its `-- depends:` line plus names it uses. */
  readonly dependsOn: readonly string[];
  /** Column documentation from `-- column <name>: <text>` lines. */
  readonly columns: Readonly<Record<string, string>>;
  readonly template: string;
}

export interface BuildModelsOptions {
  /** Source sections the configuration defines. */
  readonly configuredSources: ReadonlySet<SourceName>;
  /** Folder of model files; defaults to the package's `sql/models`. */
  readonly dir?: string;
  readonly logger?: Logger;
  /**
   * Counts each view's rows once it is built. Counting runs every view over
   * all stored data, so the scheduled build leaves it off and only the
   * command line's summary turns it on. @default false
   */
  readonly countRows?: boolean;
}

export interface BuiltModel {
  readonly schema: string;
  readonly name: string;
  /** Rows of the view, or null when the build did not count them. */
  readonly rows: number | null;
}

export interface BuildModelsResult {
  readonly built: BuiltModel[];
  readonly skipped: { name: string; reason: string }[];
}

export type BuildResult = BuildModelsResult;

const CREATE_VIEW =
  /create\s+or\s+replace\s+view\s+\{\{\s*(crossbeam|staging|models|dashboards)\s*\}\}\.([a-z_][a-z0-9_]*)/gi;

function headerLines(template: string): string[] {
  const lines: string[] = [];
  for (const line of template.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('--')) break;
    lines.push(trimmed.slice(2).trim());
  }
  return lines;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Parses one model file; raises ConfigurationError naming the file. */
export function parseModel(
  template: string,
  file: string,
  layer: ModelLayer,
): ModelSpec {
  const fields = new Map<string, string>();
  const columns: Record<string, string> = {};
  for (const line of headerLines(template)) {
    const column = /^column\s+([a-z_][a-z0-9_]*)\s*:\s*(.*)$/.exec(line);
    if (column) {
      columns[column[1]!] = column[2]!;
      continue;
    }
    const field = /^(model|grain|key|requires|depends)\s*:\s*(.*)$/.exec(line);
    if (field) fields.set(field[1]!, field[2]!.trim());
  }

  const name = fields.get('model');
  const expectedName = path.basename(file, '.sql');
  if (!name) {
    throw new ConfigurationError(
      `Model file ${file} has no "-- model: ${expectedName}" header line: add one at the top.`,
    );
  }
  if (name !== expectedName) {
    throw new ConfigurationError(
      `Model file ${file} declares model ${JSON.stringify(name)}: the name must equal the file name (${expectedName}).`,
    );
  }
  for (const required of ['grain', 'key'] as const) {
    if (!fields.get(required)) {
      throw new ConfigurationError(
        `Model file ${file} has no "-- ${required}:" header line: add one.`,
      );
    }
  }

  const requires = splitList(fields.get('requires') ?? '');
  for (const source of requires) {
    if (!(SOURCE_NAMES as readonly string[]).includes(source)) {
      throw new ConfigurationError(
        `Model file ${file} requires unknown source ${JSON.stringify(source)}: use ${SOURCE_NAMES.join(', ')}.`,
      );
    }
  }

  const creates = [...template.matchAll(CREATE_VIEW)];
  if (creates.length !== 1) {
    throw new ConfigurationError(
      `Model file ${file} must contain exactly one "create or replace view {{ <schema> }}.${name} as …" statement, found ${creates.length}.`,
    );
  }
  const [, schema, viewName] = creates[0]!;
  if (viewName !== name) {
    throw new ConfigurationError(
      `Model file ${file} creates view ${viewName}: it must create ${name}.`,
    );
  }

  return {
    name,
    file,
    layer,
    schema: schema!.toLowerCase() as keyof SqlSchemas,
    grain: fields.get('grain')!,
    key: splitList(fields.get('key')!),
    requires: requires as SourceName[],
    dependsOn: splitList(fields.get('depends') ?? ''),
    columns,
    template,
  };
}

/** Names of other models that a template reads as `{{ schema }}.name`. */
function referencedModels(model: ModelSpec, known: Set<string>): string[] {
  const found = new Set<string>();
  const reference =
    /\{\{\s*(?:crossbeam|staging|models|dashboards)\s*\}\}\.([a-z_][a-z0-9_]*)/g;
  for (const match of model.template.matchAll(reference)) {
    const name = match[1]!;
    if (name !== model.name && known.has(name)) found.add(name);
  }
  return [...found];
}

/** Orders models so that each comes after the models it reads. */
function sortByDependencies(models: ModelSpec[]): ModelSpec[] {
  const byName = new Map(models.map((model) => [model.name, model]));
  const sorted: ModelSpec[] = [];
  const state = new Map<string, 'visiting' | 'done'>();

  const visit = (model: ModelSpec, chain: string[]): void => {
    const seen = state.get(model.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new ConfigurationError(
        `Models depend on each other in a cycle: ${[...chain, model.name].join(' → ')}. Remove one of the references.`,
      );
    }
    state.set(model.name, 'visiting');
    for (const dependency of model.dependsOn) {
      const target = byName.get(dependency);
      if (!target) {
        throw new ConfigurationError(
          `Model file ${model.file} depends on ${JSON.stringify(dependency)}, which is not a model: fix its "-- depends:" line.`,
        );
      }
      visit(target, [...chain, model.name]);
    }
    state.set(model.name, 'done');
    sorted.push(model);
  };

  const byLayer = [...models].sort(
    (a, b) =>
      MODEL_LAYERS.indexOf(a.layer) - MODEL_LAYERS.indexOf(b.layer) ||
      a.name.localeCompare(b.name),
  );
  for (const model of byLayer) visit(model, []);
  return sorted;
}

/**
 * Reads every model file below `dir` (one folder per layer) and returns
 * them in build order: layer by layer, each after the models it depends on.
 */
export async function listModels(dir = modelsDir()): Promise<ModelSpec[]> {
  const models: ModelSpec[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isDirectory()) {
      if (entry.name.endsWith('.sql')) {
        throw new ConfigurationError(
          `Model file ${entry.name} is not in a layer folder: move it to one of ${MODEL_LAYERS.join(', ')}.`,
        );
      }
      continue;
    }
    const layer = entry.name as ModelLayer;
    if (!MODEL_LAYERS.includes(layer)) {
      throw new ConfigurationError(
        `Unknown model folder ${entry.name} in ${dir}: use one of ${MODEL_LAYERS.join(', ')}.`,
      );
    }
    const files = (await readdir(path.join(dir, layer), { recursive: true }))
      .filter((file) => file.endsWith('.sql'))
      .sort();
    for (const file of files) {
      const template = await readFile(path.join(dir, layer, file), 'utf8');
      models.push(parseModel(template, path.join(layer, file), layer));
    }
  }

  const names = new Set<string>();
  for (const model of models) {
    if (names.has(model.name)) {
      throw new ConfigurationError(
        `Two model files define ${model.name}: rename one of them.`,
      );
    }
    names.add(model.name);
  }

  const withReferences = models.map((model) => ({
    ...model,
    dependsOn: [
      ...new Set([...model.dependsOn, ...referencedModels(model, names)]),
    ],
  }));
  return sortByDependencies(withReferences);
}

/**
 * True when a `create or replace view` failed because the view's column
 * list changed, which PostgreSQL and Redshift allow only by dropping it.
 */
function isColumnChangeError(error: unknown): boolean {
  const cause = error instanceof WarehouseError ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === '42P16' || code === '42804') return true;
  const message = error instanceof Error ? error.message : String(error);
  return /cannot (drop|change)[^\n]*(view|columns)/i.test(message);
}

/**
 * True when a statement failed on a schema, table or column that does not
 * exist (SQLSTATE 3F000, 42P01, 42703), which in a model that reads a
 * source means the source settings name something the warehouse lacks.
 */
function isMissingRelationError(error: unknown): boolean {
  const cause = error instanceof WarehouseError ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (code === '3F000' || code === '42P01' || code === '42703') return true;
  const message = error instanceof Error ? error.message : String(error);
  return /(schema|relation|column) "[^"]+" does not exist/i.test(message);
}

/** Returns the setting that spells a source variable's table or column. */
function settingOfVariable(variable: string): string | undefined {
  const crm = /^crm_(account|opportunity|user)(?:__(\w+))?$/.exec(variable);
  if (crm) {
    return crm[2] === undefined
      ? `sources.crm.schema or sources.crm.tables.${crm[1]}`
      : `sources.crm.columns.${crm[1]}.${crm[2]}`;
  }
  const other = /^(marketing_events|product_usage)(?:__(\w+))?$/.exec(variable);
  if (other) {
    const source = other[1] === 'marketing_events' ? 'marketing' : 'product';
    return other[2] === undefined
      ? `sources.${source}.schema or sources.${source}.table`
      : `sources.${source}.columns.${other[2]}`;
  }
  return undefined;
}

/**
 * Returns the settings whose rendered names include `missing`, the schema,
 * table (`relation`) or column that a database error reports missing.
 */
function settingsNaming(
  kind: string,
  missing: string,
  vars: Readonly<Record<string, string>>,
): string[] {
  const settings = new Set<string>();
  for (const [variable, rendered] of Object.entries(vars)) {
    const names = [...rendered.matchAll(/"([^"]+)"/g)].map(
      (match) => match[1]!,
    );
    const isTable = !variable.includes('__');
    const matches =
      kind === 'schema'
        ? isTable && names[0] === missing
        : kind === 'relation'
          ? isTable && (names.join('.') === missing || names[1] === missing)
          : !isTable && names.includes(missing);
    const setting = matches ? settingOfVariable(variable) : undefined;
    if (setting === undefined) continue;
    settings.add(kind === 'schema' ? setting.replace(/ or .*$/, '') : setting);
  }
  return [...settings];
}

/** Wraps the error of a model that reads a source, naming its settings. */
function sourceError(
  model: ModelSpec,
  error: unknown,
  vars: Readonly<Record<string, string>>,
): WarehouseError {
  const settings = model.requires.map((source) => `sources.${source}`);
  const cause = error instanceof WarehouseError ? error.cause : error;
  const message = databaseMessage(cause ?? error);
  const found = /(schema|relation|column) "([^"]+)" does not exist/i.exec(
    message,
  );
  const missing = found?.[2];
  const named =
    found === null
      ? []
      : settingsNaming(found[1]!.toLowerCase(), found[2]!, vars);
  const check =
    named.length > 0
      ? `Check ${named.join(', and ')}: the warehouse has no "${missing}".`
      : `Check the schema, table and column names in ${settings.join(' and ')} against the warehouse.`;
  return new WarehouseError(
    `Model ${model.name} reads the ${model.requires.join(' and ')} ${model.requires.length === 1 ? 'source' : 'sources'}, and the warehouse lacks a schema, table or column it names. ${check} ${message}.`,
    { cause: error },
  );
}

async function countRows(
  warehouse: Warehouse,
  qualifiedName: string,
): Promise<number> {
  const rows = await warehouse.query(
    `select count(*) as row_count from ${qualifiedName}`,
  );
  return Number(rows[0]?.row_count ?? 0);
}

/**
 * Rebuilds every model view in dependency order. A model whose required
 * source is not configured, or that depends on a skipped model, is skipped
 * with its reason. When a view's columns changed, it is dropped with
 * `cascade` and created again; the views that depended on it are rebuilt
 * later in the same pass because they come after it.
 */
export async function buildModels(
  warehouse: Warehouse,
  context: RenderContext,
  options: BuildModelsOptions,
): Promise<BuildModelsResult> {
  const models = await listModels(options.dir);
  // The first migration creates these schemas, but a schema dropped since
  // then would otherwise stop every build.
  for (const schema of new Set(
    models.map((model) => context.schemas[model.schema]),
  )) {
    await warehouse.query(`create schema if not exists ${schema}`);
  }
  const built: BuildModelsResult['built'] = [];
  const skipped: BuildModelsResult['skipped'] = [];
  const skippedNames = new Set<string>();

  for (const model of models) {
    const missing = model.requires.filter(
      (source) => !options.configuredSources.has(source),
    );
    const skippedDependency = model.dependsOn.find((name) =>
      skippedNames.has(name),
    );
    let reason: string | undefined;
    if (missing.length > 0) {
      reason = `requires the ${missing.join(' and ')} ${missing.length === 1 ? 'source, which is' : 'sources, which are'} not configured. Add ${missing.map((name) => `sources.${name}`).join(' and ')} to the config file (the README's sources section shows how)`;
    } else if (skippedDependency) {
      reason = `depends on ${skippedDependency}, which was skipped`;
    }
    if (reason) {
      skipped.push({ name: model.name, reason });
      skippedNames.add(model.name);
      options.logger?.info('Skipped a model.', { model: model.name, reason });
      continue;
    }

    const sql = renderSql(
      model.template,
      context,
      path.join('sql/models', model.file),
    );
    const schema = context.schemas[model.schema];
    const qualifiedName = `${schema}.${model.name}`;
    try {
      await warehouse.query(sql);
    } catch (error) {
      if (model.requires.length > 0 && isMissingRelationError(error)) {
        throw sourceError(model, error, context.vars ?? {});
      }
      if (!isColumnChangeError(error)) throw error;
      options.logger?.info(
        'The view columns changed, so the view is dropped and created again.',
        { model: model.name },
      );
      await warehouse.query(`drop view if exists ${qualifiedName} cascade`);
      await warehouse.query(sql);
    }

    const rows = options.countRows
      ? await countRows(warehouse, qualifiedName)
      : null;
    built.push({ schema, name: model.name, rows });
    crashPoint('build-model');
    options.logger?.info(
      'Built a model.',
      rows === null ? { model: qualifiedName } : { model: qualifiedName, rows },
    );
  }
  return { built, skipped };
}
