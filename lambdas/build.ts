import type { Context } from 'aws-lambda';
import { z } from 'zod';
import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
} from '../lib/sources/config';
import { ensureWarehouseId } from '../lib/load/warehouse-identity';
import { applyMigrations } from '../lib/sql/migrate';
import { buildModels, type SourceName } from '../lib/sql/models';
import type { RenderContext } from '../lib/sql/render';
import type { Warehouse } from '../lib/warehouse/warehouse';
import {
  readLambdaEnvironment,
  redshiftSqlContext,
  type LambdaEnvironment,
} from './environment';
import {
  createObservability,
  MetricUnit,
  type Observability,
} from './observability';
import { logFailure, parseStepEvent } from './events';
import { openLambdaWarehouse } from './resources';

/**
 * The state machine's input: the deployment's `sources` settings, and
 * `migrateOnly` for the step before the extract, which only creates the
 * tables the extract and load read.
 */
export const BuildEventSchema = z.object({
  sources: z.record(z.string(), z.unknown()).optional(),
  migrateOnly: z.boolean().optional(),
});

export interface BuildOutput {
  readonly migrationsApplied: string[];
  /** Models built, as `schema.name`. */
  readonly built: string[];
  readonly skipped: { name: string; reason: string }[];
}

export interface BuildDependencies {
  readonly env?: NodeJS.ProcessEnv;
  readonly openWarehouse?: (env: LambdaEnvironment) => Warehouse;
  readonly observability?: Observability;
  readonly now?: () => number;
}

/**
 * Creates the build handler, which applies pending migrations and then
 * rebuilds the model and dashboard views. A model whose source is not
 * configured is skipped, with its reason in the output and the log.
 */
export function createBuildHandler(
  dependencies: BuildDependencies = {},
): (event: unknown, context: Context) => Promise<BuildOutput> {
  const { logger, metrics } =
    dependencies.observability ?? createObservability('build');
  const now = dependencies.now ?? Date.now;

  return async (rawEvent, context) => {
    logger.addContext?.(context);
    return logFailure(logger, 'build', {}, async () => {
      const event = parseStepEvent(
        BuildEventSchema,
        rawEvent,
        'build',
        '{"sources"?: {…}, "migrateOnly"?: boolean}',
      );
      const sources = parseSourcesConfig(event.sources ?? {});
      const env = readLambdaEnvironment(dependencies.env ?? process.env);
      const sqlContext = {
        ...redshiftSqlContext(env),
        vars: renderSourceVars(sources),
      };
      const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(
        env,
      );
      try {
        return await build(
          warehouse,
          sqlContext,
          configuredSources(sources),
          event.migrateOnly ?? false,
        );
      } finally {
        await warehouse.close();
      }
    });
  };

  async function build(
    warehouse: Warehouse,
    sqlContext: RenderContext,
    sources: ReadonlySet<SourceName>,
    migrateOnly: boolean,
  ): Promise<BuildOutput> {
    const started = now();
    const migrations = await applyMigrations(warehouse, sqlContext, {
      logger,
    });
    if (migrateOnly) {
      // Sets the id that the extracts write into their manifests, before
      // they run side by side.
      const warehouseId = await ensureWarehouseId(warehouse, sqlContext);
      logger.info('Applied pending migrations.', {
        applied: migrations.applied,
        warehouseId,
      });
      return { migrationsApplied: migrations.applied, built: [], skipped: [] };
    }

    // buildModels logs each skipped model with its reason.
    const result = await buildModels(warehouse, sqlContext, {
      configuredSources: sources,
      logger,
    });
    const durationMs = now() - started;
    metrics.addMetric('models', MetricUnit.Count, result.built.length);
    metrics.addMetric('skipped', MetricUnit.Count, result.skipped.length);
    metrics.addMetric('duration', MetricUnit.Milliseconds, durationMs);
    metrics.publishStoredMetrics();
    logger.info('Built the models.', {
      built: result.built.length,
      skipped: result.skipped.length,
      durationMs,
    });
    return {
      migrationsApplied: migrations.applied,
      built: result.built.map((model) => `${model.schema}.${model.name}`),
      skipped: result.skipped,
    };
  }
}

export const handler = createBuildHandler();
