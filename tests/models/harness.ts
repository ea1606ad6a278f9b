/**
 * Builds the real migrations and models on PGlite for the model tests, with
 * the hand-made world of `hand-world.ts` inserted.
 */
import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
} from '../../lib/sources/config';
import { applyMigrations } from '../../lib/sql/migrate';
import {
  buildModels,
  listModels,
  type BuildModelsResult,
} from '../../lib/sql/models';
import type { RenderContext, SqlSchemas } from '../../lib/sql/render';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import type { Row, Warehouse } from '../../lib/warehouse/warehouse';
import { crossbeamStatements, runAll } from './hand-world';

export const CROSSBEAM_SCHEMA = 'crossbeam';

export function schemasFor(suffix: string): SqlSchemas {
  return {
    crossbeam: CROSSBEAM_SCHEMA,
    staging: 'crossbeam_staging',
    models: `models_${suffix}`,
    dashboards: `dashboards_${suffix}`,
  };
}

/** Opens an in-memory PGlite with the migrations and Crossbeam rows. */
export async function openHandWarehouse(): Promise<PgliteWarehouse> {
  const warehouse = await PgliteWarehouse.open('pglite:memory:');
  await applyMigrations(warehouse, {
    dialect: 'postgres',
    schemas: schemasFor('migrations'),
  });
  await runAll(warehouse, crossbeamStatements(CROSSBEAM_SCHEMA));
  return warehouse;
}

export interface BuiltModels {
  readonly context: RenderContext;
  readonly result: BuildModelsResult;
}

/** Builds every model into the schemas named by `suffix`. */
export async function buildHandModels(
  warehouse: Warehouse,
  suffix: string,
  sourcesInput: unknown,
): Promise<BuiltModels> {
  const config = parseSourcesConfig(sourcesInput);
  const schemas = schemasFor(suffix);
  for (const schema of [schemas.models, schemas.dashboards]) {
    await warehouse.query(`create schema if not exists ${schema}`);
  }
  const context: RenderContext = {
    dialect: 'postgres',
    schemas,
    vars: renderSourceVars(config),
  };
  const result = await buildModels(warehouse, context, {
    configuredSources: configuredSources(config),
  });
  return { context, result };
}

/** Lists every model's qualified view name and key columns. */
export async function modelKeys(
  context: RenderContext,
): Promise<{ name: string; view: string; key: readonly string[] }[]> {
  const models = await listModels();
  return models.map((model) => ({
    name: model.name,
    view: `${context.schemas[model.schema]}.${model.name}`,
    key: model.key,
  }));
}

/** Selects a whole view, ordered by the given columns. */
export async function selectAll(
  warehouse: Warehouse,
  view: string,
  orderBy: string,
): Promise<Row[]> {
  return warehouse.query(`select * from ${view} order by ${orderBy}`);
}

/** Converts a numeric or bigint column value to a JS number. */
export function num(value: unknown): number {
  if (value === null || value === undefined) {
    throw new Error(`expected a number, got ${String(value)}`);
  }
  return Number(value);
}
