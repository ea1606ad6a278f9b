import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ConfigurationError } from '../lib/errors';
import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
} from '../lib/sources/config';
import { applyMigrations } from '../lib/sql/migrate';
import { buildModels } from '../lib/sql/models';
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
 * Creates the build handler: applies pending migrations, then rebuilds the
 * model and dashboard views; a model whose source is not configured is
 * skipped, with its reason in the output and the log.
 */
export function createBuildHandler(
  dependencies: BuildDependencies = {},
): (event: unknown, context: Context) => Promise<BuildOutput> {
  const { logger, metrics } =
    dependencies.observability ?? createObservability('build');
  const now = dependencies.now ?? Date.now;

  return async (rawEvent, context) => {
    logger.addContext?.(context);
    const parsed = BuildEventSchema.safeParse(rawEvent ?? {});
    if (!parsed.success) {
      throw new ConfigurationError(
        `Invalid build input: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`).join('; ')}. Expected {"sources"?: {…}, "migrateOnly"?: boolean}.`,
      );
    }
    const sources = parseSourcesConfig(parsed.data.sources ?? {});
    const env = readLambdaEnvironment(dependencies.env ?? process.env);
    const baseContext = redshiftSqlContext(env);
    const sqlContext = { ...baseContext, vars: renderSourceVars(sources) };
    const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(env);

    try {
      const started = now();
      const migrations = await applyMigrations(warehouse, sqlContext, {
        logger,
      });
      if (parsed.data.migrateOnly) {
        logger.info('Applied pending migrations.', {
          applied: migrations.applied,
        });
        return { migrationsApplied: migrations.applied, built: [], skipped: [] };
      }

      const result = await buildModels(warehouse, sqlContext, {
        configuredSources: new Set(configuredSources(sources)),
        logger,
      });
      for (const skipped of result.skipped) {
        logger.info(`Skipped model ${skipped.name}: ${skipped.reason}.`, {
          model: skipped.name,
        });
      }
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
    } finally {
      await warehouse.close();
    }
  };
}

export const handler = createBuildHandler();
