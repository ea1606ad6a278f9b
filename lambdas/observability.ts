import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Logger } from '../lib/log';

/** The Powertools service name every function logs and publishes under. */
export const SERVICE_NAME = 'crossbeam-warehouse';
/** The CloudWatch namespace of the functions' metrics. */
export const METRICS_NAMESPACE = 'CrossbeamWarehouse';

type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

/** The part of Powertools Metrics the handlers use; tests pass a fake. */
export interface StepMetrics {
  addDimension(name: string, value: string): unknown;
  addMetric(name: string, unit: MetricUnitName, value: number): unknown;
  publishStoredMetrics(): unknown;
}

/** Logger and metrics of one function. */
export interface Observability {
  readonly logger: Logger & {
    addContext?(context: unknown): void;
  };
  readonly metrics: StepMetrics;
}

/** Creates the Powertools Logger and Metrics for one handler. */
export function createObservability(step: string): Observability {
  const logger = new PowertoolsLogger({
    serviceName: SERVICE_NAME,
    persistentKeys: { step },
  });
  const metrics = new Metrics({
    namespace: METRICS_NAMESPACE,
    serviceName: SERVICE_NAME,
    defaultDimensions: { step },
  });
  return {
    logger: {
      debug: (message, fields) => logger.debug(message, fields ?? {}),
      info: (message, fields) => logger.info(message, fields ?? {}),
      warn: (message, fields) => logger.warn(message, fields ?? {}),
      error: (message, fields) => logger.error(message, fields ?? {}),
      addContext: (context) =>
        logger.addContext(context as Parameters<typeof logger.addContext>[0]),
    },
    metrics,
  };
}

/** Counts of one stream's work, published as metrics with a stream dimension. */
export interface StreamCounts {
  readonly records: number;
  readonly pages: number;
  readonly rejects: number;
  readonly durationMs: number;
}

/** Publishes one stream's counts as `records`, `pages`, `rejects`, `duration`. */
export function publishStreamMetrics(
  metrics: StepMetrics,
  stream: string,
  counts: StreamCounts,
): void {
  metrics.addDimension('stream', stream);
  metrics.addMetric('records', MetricUnit.Count, counts.records);
  metrics.addMetric('pages', MetricUnit.Count, counts.pages);
  metrics.addMetric('rejects', MetricUnit.Count, counts.rejects);
  metrics.addMetric('duration', MetricUnit.Milliseconds, counts.durationMs);
  metrics.publishStoredMetrics();
}

export { MetricUnit };
