import type { Context } from 'aws-lambda';
import { z } from 'zod';
import type { LandingStore } from '../lib/landing/store';
import { loadPendingRuns } from '../lib/load/load';
import { ensureWarehouseId } from '../lib/load/warehouse-identity';
import { applyMigrations } from '../lib/sql/migrate';
import type { RenderContext } from '../lib/sql/render';
import { STREAM_NAMES, type StreamName } from '../lib/streams/catalog';
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
import { openLambdaStore, openLambdaWarehouse } from './resources';

/** The state machine's input: the streams this deployment extracts. */
export const LoadEventSchema = z.object({
  streams: z.array(z.enum(STREAM_NAMES)).min(1).optional(),
});

/** One stream's load, as the state machine's execution history shows it. */
export interface StreamLoadSummary {
  readonly stream: string;
  readonly runsLoaded: string[];
  readonly rowsLoaded: number;
  readonly runsSkipped: number;
}

export interface LoadOutput {
  readonly migrationsApplied: string[];
  readonly streams: StreamLoadSummary[];
}

export interface LoadDependencies {
  readonly env?: NodeJS.ProcessEnv;
  readonly openWarehouse?: (env: LambdaEnvironment) => Warehouse;
  readonly openStore?: (env: LambdaEnvironment) => LandingStore;
  readonly observability?: Observability;
  readonly now?: () => number;
}

/**
 * Creates the load handler: applies pending migrations, so the tables
 * exist on a first run, then loads every complete run that the warehouse
 * has not loaded yet.
 */
export function createLoadHandler(
  dependencies: LoadDependencies = {},
): (event: unknown, context: Context) => Promise<LoadOutput> {
  const { logger, metrics } =
    dependencies.observability ?? createObservability('load');
  const now = dependencies.now ?? Date.now;

  return async (rawEvent, context) => {
    logger.addContext?.(context);
    return logFailure(logger, 'load', {}, async () => {
      const event = parseStepEvent(
        LoadEventSchema,
        rawEvent,
        'load',
        '{"streams"?: [stream names]}',
      );
      const env = readLambdaEnvironment(dependencies.env ?? process.env);
      const sqlContext = redshiftSqlContext(env);
      const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(
        env,
      );
      const store = (dependencies.openStore ?? openLambdaStore)(env);
      try {
        return await loadAll(warehouse, store, sqlContext, event.streams);
      } finally {
        await warehouse.close();
      }
    });
  };

  async function loadAll(
    warehouse: Warehouse,
    store: LandingStore,
    sqlContext: RenderContext,
    streamNames: StreamName[] | undefined,
  ): Promise<LoadOutput> {
    const started = now();
    const migrations = await applyMigrations(warehouse, sqlContext, {
      logger,
    });
    const result = await loadPendingRuns({
      warehouse,
      store,
      context: sqlContext,
      streams: streamNames,
      warehouseId: await ensureWarehouseId(warehouse, sqlContext),
      logger,
    });

    const streams = result.streams.map((stream) => ({
      stream: stream.stream,
      runsLoaded: stream.loaded.map((run) => run.runId),
      rowsLoaded: stream.loaded.reduce((sum, run) => sum + run.rowsLoaded, 0),
      runsSkipped: stream.skipped.length,
    }));
    for (const stream of streams) {
      metrics.addDimension('stream', stream.stream);
      metrics.addMetric('records', MetricUnit.Count, stream.rowsLoaded);
      metrics.addMetric('runs', MetricUnit.Count, stream.runsLoaded.length);
      metrics.publishStoredMetrics();
    }
    const durationMs = now() - started;
    metrics.addMetric('duration', MetricUnit.Milliseconds, durationMs);
    metrics.publishStoredMetrics();
    logger.info('Loaded the pending runs.', {
      runs: streams.reduce((sum, stream) => sum + stream.runsLoaded.length, 0),
      rows: streams.reduce((sum, stream) => sum + stream.rowsLoaded, 0),
      durationMs,
    });
    return { migrationsApplied: migrations.applied, streams };
  }
}

export const handler = createLoadHandler();
