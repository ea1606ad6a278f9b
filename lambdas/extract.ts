import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { createCrossbeamClient } from '../lib/crossbeam/client';
import { ExtractCheckpointSchema } from '../lib/extract/checkpoint';
import { extractStream, newRunId } from '../lib/extract/extract';
import type { LandingStore } from '../lib/landing/store';
import { readBookmark } from '../lib/load/sync-state';
import { STREAMS, STREAM_NAMES } from '../lib/streams/catalog';
import type { Warehouse } from '../lib/warehouse/warehouse';
import {
  createLambdaTokenSource,
  TOKEN_SAFETY_MARGIN_MS,
  type AuthorizeOutput,
} from './authorize';
import {
  readLambdaEnvironment,
  redshiftSqlContext,
  type LambdaEnvironment,
} from './environment';
import {
  createObservability,
  publishStreamMetrics,
  type Observability,
} from './observability';
import { logFailure, parseStepEvent } from './events';
import { openLambdaStore, openLambdaWarehouse } from './resources';

/**
 * Time kept free before the function's timeout: the page in flight, the
 * last part and the manifest must still be written after the deadline.
 */
export const DEADLINE_MARGIN_MS = 90_000;

/** The state machine's input for one extract call of one stream. */
export const ExtractEventSchema = z.object({
  stream: z.enum(STREAM_NAMES),
  /** ISO 8601 time the run reads the API; the execution's start time. */
  observedAt: z.iso.datetime({ offset: true }),
  /** Set on every call after the first, from the previous output. */
  runId: z.string().min(1).optional(),
  checkpoint: ExtractCheckpointSchema.optional(),
});

export type ExtractEvent = z.input<typeof ExtractEventSchema>;

/**
 * The output the state machine loops on: while `status` is `partial`, it
 * calls the function again with this object as the input.
 */
export interface ExtractOutput {
  readonly stream: string;
  readonly runId: string;
  readonly observedAt: string;
  readonly status: 'complete' | 'partial';
  readonly checkpoint?: z.infer<typeof ExtractCheckpointSchema>;
  readonly manifestKey?: string;
}

export interface ExtractDependencies {
  readonly env?: NodeJS.ProcessEnv;
  readonly secrets?: SecretsManagerClient;
  readonly openWarehouse?: (env: LambdaEnvironment) => Warehouse;
  readonly openStore?: (env: LambdaEnvironment) => LandingStore;
  readonly observability?: Observability;
  readonly now?: () => number;
  /** Waits between reads of the secret while another call refreshes. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Milliseconds between those reads. @default DEFAULT_LEASE_POLL_MS */
  readonly leasePollMs?: number;
}

/**
 * Creates the extract handler. With `{"step": "authorize"}` it validates
 * the Crossbeam secret and makes sure the secret caches an access token
 * valid for `AUTHORIZE_MIN_VALIDITY_MS`. With a stream it takes the cached
 * access token, refreshing it under the secret's lease when it expires too
 * soon. It then reads the stream's bookmark from the warehouse (incremental
 * streams, first call of a run) and runs `extractStream` until shortly
 * before the function's timeout.
 */
export function createExtractHandler(
  dependencies: ExtractDependencies = {},
): (
  event: unknown,
  context: Context,
) => Promise<ExtractOutput | AuthorizeOutput> {
  const observability =
    dependencies.observability ?? createObservability('extract');
  const { logger, metrics } = observability;
  const now = dependencies.now ?? Date.now;
  const tokens = createLambdaTokenSource({
    env: dependencies.env ?? process.env,
    secrets: dependencies.secrets,
    logger,
    now,
    sleep: dependencies.sleep,
    leasePollMs: dependencies.leasePollMs,
  });

  return async (rawEvent, context) => {
    logger.addContext?.(context);
    const raw = (rawEvent ?? {}) as {
      step?: unknown;
      stream?: unknown;
      runId?: unknown;
    };
    if (raw.step !== undefined) {
      return logFailure(logger, 'authorize', {}, () =>
        tokens.authorize(rawEvent, context),
      );
    }
    return logFailure(
      logger,
      'extract',
      { stream: raw.stream, runId: raw.runId },
      () => extractOnce(rawEvent, context),
    );
  };

  async function extractOnce(
    rawEvent: unknown,
    context: Context,
  ): Promise<ExtractOutput> {
    const started = now();
    const event = parseStepEvent(
      ExtractEventSchema,
      rawEvent,
      'extract',
      `{"stream": one of ${STREAM_NAMES.join(', ')}, "observedAt": ISO 8601 time, "runId"?, "checkpoint"?} as the state machine sends it`,
    );
    const grant = await tokens.accessToken(
      context,
      context.getRemainingTimeInMillis() + TOKEN_SAFETY_MARGIN_MS,
    );
    const env = readLambdaEnvironment(dependencies.env ?? process.env);
    const client = createCrossbeamClient({
      apiUrl: env.CROSSBEAM_API_URL,
      authUrl: env.CROSSBEAM_AUTH_URL,
      organization: grant.organization,
      credentials: { accessToken: grant.accessToken },
      logger,
    });

    const store = (dependencies.openStore ?? openLambdaStore)(env);
    const observedAt = new Date(event.observedAt);
    const runId =
      event.runId ?? event.checkpoint?.run_id ?? newRunId(observedAt);
    const bookmark = await startingBookmark(event, env, dependencies);
    const before = {
      pages: event.checkpoint?.pages ?? 0,
      records: event.checkpoint?.records ?? 0,
      rejects: event.checkpoint?.rejects.count ?? 0,
    };
    logger.info(
      event.checkpoint
        ? 'Continuing the extract from its checkpoint.'
        : 'Starting the extract.',
      { stream: event.stream, runId, incremental: bookmark !== null },
    );

    const result = await extractStream({
      stream: event.stream,
      client,
      store,
      runId,
      observedAt,
      bookmark,
      deadline: now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
      checkpoint: event.checkpoint,
      logger,
      now,
    }).catch((error: unknown) => tokens.rejectCached(grant, error));

    const after =
      result.status === 'complete'
        ? {
            pages: result.manifest.pages,
            records: result.manifest.records,
            rejects: result.manifest.rejects.count,
          }
        : {
            pages: result.checkpoint.pages,
            records: result.checkpoint.records,
            rejects: result.checkpoint.rejects.count,
          };
    const counts = {
      pages: after.pages - before.pages,
      records: after.records - before.records,
      rejects: after.rejects - before.rejects,
      durationMs: now() - started,
    };
    publishStreamMetrics(metrics, event.stream, counts);

    const output = {
      stream: event.stream,
      runId,
      observedAt: event.observedAt,
    };
    if (result.status === 'partial') {
      logger.info(
        'Stopped the extract before the function timeout; the state machine continues it from the checkpoint.',
        { stream: event.stream, runId, ...counts },
      );
      return { ...output, status: 'partial', checkpoint: result.checkpoint };
    }
    logger.info('Finished the extract and wrote its manifest.', {
      stream: event.stream,
      runId,
      manifestKey: result.manifestKey,
      ...counts,
      totalRecords: after.records,
    });
    return { ...output, status: 'complete', manifestKey: result.manifestKey };
  }
}

/**
 * Returns the bookmark an incremental stream starts from. The first call of
 * a run reads it from the warehouse, later calls take it from the checkpoint.
 */
async function startingBookmark(
  event: z.infer<typeof ExtractEventSchema>,
  env: LambdaEnvironment,
  dependencies: ExtractDependencies,
): Promise<string | null> {
  if (STREAMS[event.stream].sync !== 'incremental') return null;
  if (event.checkpoint) return event.checkpoint.previous_bookmark;
  const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(env);
  try {
    return await readBookmark(warehouse, redshiftSqlContext(env), event.stream);
  } finally {
    await warehouse.close();
  }
}

export const handler = createExtractHandler();
