import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { createCrossbeamClient } from '../lib/crossbeam/client';
import { ConfigurationError } from '../lib/errors';
import {
  ExtractCheckpointSchema,
  type ExtractCheckpoint,
} from '../lib/extract/checkpoint';
import { extractStream, newRunId } from '../lib/extract/extract';
import { readWarehouseId } from '../lib/load/warehouse-identity';
import { createExtractLimiter, SlotPriority } from '../lib/extract/limiter';
import {
  requestSchedule,
  type PartnerBookmarks,
} from '../lib/extract/partitions';
import {
  chooseSplit,
  countPartners,
  type SplitChoice,
} from '../lib/extract/split-mode';
import { partBytesFromMb } from '../lib/landing/part-writer';
import type { LandingStore } from '../lib/landing/store';
import {
  hasLiveRows,
  readBookmark,
  readPartitionBookmarks,
  readStreamStatus,
} from '../lib/load/sync-state';
import { refreshDue } from '../lib/pipeline/refresh';
import { STREAMS, STREAM_NAMES, type StreamName } from '../lib/streams/catalog';
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

/**
 * Largest checkpoint passed inline through the state machine, in bytes of
 * JSON. Step Functions caps a state's input and output at 256 KiB, and a
 * stream split over hundreds of partners carries a position per partner,
 * so a larger checkpoint is stored in the landing store and passed by key.
 */
export const MAX_INLINE_CHECKPOINT_BYTES = 64 * 1024;

/** The state machine's input for one extract call of one stream. */
export const ExtractEventSchema = z.object({
  stream: z.enum(STREAM_NAMES),
  /** ISO 8601 time the run reads the API; the execution's start time. */
  observedAt: z.iso.datetime({ offset: true }),
  /** Set on every call after the first, from the previous output. */
  runId: z.string().min(1).optional(),
  checkpoint: ExtractCheckpointSchema.optional(),
  /** Landing store key of a checkpoint too large to pass inline. */
  checkpointKey: z.string().min(1).optional(),
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
  /** `skipped`: own records read recently enough (recordsRefreshHours). */
  readonly status: 'complete' | 'partial' | 'skipped';
  readonly reason?: string;
  readonly checkpoint?: z.infer<typeof ExtractCheckpointSchema>;
  readonly checkpointKey?: string;
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
  /** @default MAX_INLINE_CHECKPOINT_BYTES */
  readonly maxInlineCheckpointBytes?: number;
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
      `{"stream": one of ${STREAM_NAMES.join(', ')}, "observedAt": ISO 8601 time, "runId"?, "checkpoint"? or "checkpointKey"?} as the state machine sends it`,
    );
    const env = readLambdaEnvironment(dependencies.env ?? process.env);
    const skip = await refreshSkip(event, env, dependencies);
    if (skip !== undefined) {
      logger.info(`Skipped ${event.stream}: ${skip}.`, {
        stream: event.stream,
      });
      return {
        stream: event.stream,
        runId: event.runId ?? newRunId(new Date(event.observedAt)),
        observedAt: event.observedAt,
        status: 'skipped',
        reason: skip,
      };
    }
    const grant = await tokens.accessToken(
      context,
      context.getRemainingTimeInMillis() + TOKEN_SAFETY_MARGIN_MS,
    );
    const client = createCrossbeamClient({
      apiUrl: env.CROSSBEAM_API_URL,
      authUrl: env.CROSSBEAM_AUTH_URL,
      organization: grant.organization,
      credentials: { accessToken: grant.accessToken },
      logger,
    });

    const store = (dependencies.openStore ?? openLambdaStore)(env);
    const checkpoint = await readCheckpoint(event, store);
    const observedAt = new Date(event.observedAt);
    const runId = event.runId ?? checkpoint?.run_id ?? newRunId(observedAt);
    const limiter = createExtractLimiter(env.CROSSBEAM_REQUESTS_IN_FLIGHT);
    const { bookmark, partitions, warehouseId } = await startingBookmarks(
      event,
      checkpoint,
      env,
      dependencies,
      async (stored) => {
        const choice = await chooseSplit({
          stream: event.stream,
          setting: env.CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER,
          partnerBookmarks: stored.partnerBookmarks.size,
          streamBookmark: stored.bookmark !== null,
          requestsInFlight: env.CROSSBEAM_REQUESTS_IN_FLIGHT,
          countPartners: () =>
            countPartners(
              client,
              requestSchedule(limiter, event.stream, SlotPriority.list),
            ),
        });
        logger.info(
          `Reading ${event.stream} ${choice.split ? 'one partner at a time' : 'as one list'}: ${choice.reason}.`,
          { stream: event.stream },
        );
        return choice;
      },
    );
    const before = {
      pages: checkpoint?.pages ?? 0,
      records: checkpoint?.records ?? 0,
      rejects: checkpoint?.rejects.count ?? 0,
    };
    logger.info(
      checkpoint
        ? 'Continuing the extract from its checkpoint.'
        : 'Starting the extract.',
      {
        stream: event.stream,
        runId,
        incremental: bookmark !== null || (partitions?.bookmarks.size ?? 0) > 0,
      },
    );

    const result = await extractStream({
      stream: event.stream,
      client,
      store,
      runId,
      observedAt,
      bookmark,
      partitions,
      warehouseId,
      limiter,
      partBytes: partBytesFromMb(env.CROSSBEAM_PART_SIZE_MB),
      deadline: now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS,
      checkpoint,
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
      const inline = JSON.stringify(result.checkpoint);
      const maxInline =
        dependencies.maxInlineCheckpointBytes ?? MAX_INLINE_CHECKPOINT_BYTES;
      if (Buffer.byteLength(inline) <= maxInline) {
        return { ...output, status: 'partial', checkpoint: result.checkpoint };
      }
      // One key per position, so a retried call reads the checkpoint it
      // was given, not a later one.
      const checkpointKey = `${event.stream}/${runId}/checkpoints/page-${String(result.checkpoint.pages).padStart(6, '0')}.json`;
      await store.put(checkpointKey, inline, {
        contentType: 'application/json',
      });
      return { ...output, status: 'partial', checkpointKey };
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
 * Returns the bookmarks a stream starts from: the stream's bookmark, or for
 * a stream split by partner one per partner. The first call of a run reads
 * both kinds from the warehouse and lets `choose` decide whether to split.
 * It also reads the warehouse's id, which the migration step before the
 * extracts sets, so that the load function skips runs stamped with another
 * warehouse's id (a local sync pointed at this bucket, for one). Later calls
 * continue from the checkpoint, which contains all of these.
 */
async function startingBookmarks(
  event: z.infer<typeof ExtractEventSchema>,
  checkpoint: ExtractCheckpoint | undefined,
  env: LambdaEnvironment,
  dependencies: ExtractDependencies,
  choose: (stored: {
    bookmark: string | null;
    partnerBookmarks: ReadonlyMap<string, string>;
  }) => Promise<SplitChoice>,
): Promise<{
  bookmark: string | null;
  partitions?: PartnerBookmarks;
  warehouseId: string | undefined;
}> {
  if (checkpoint) {
    return {
      bookmark: checkpoint.previous_bookmark,
      partitions: checkpoint.partitions ? { bookmarks: new Map() } : undefined,
      warehouseId: checkpoint.warehouse_id,
    };
  }
  const spec = STREAMS[event.stream];
  const stored = {
    bookmark: null as string | null,
    partnerBookmarks: new Map<string, string>(),
  };
  let warehouseId: string | undefined;
  const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(env);
  const context = redshiftSqlContext(env);
  try {
    warehouseId = await readWarehouseId(warehouse, context);
    if (spec.sync === 'incremental') {
      stored.bookmark = await readBookmark(warehouse, context, event.stream);
      if (spec.partitionBy !== undefined) {
        const partners = await readPartitionBookmarks(
          warehouse,
          context,
          event.stream,
        );
        for (const [partner, entry] of partners) {
          if (entry.bookmark !== null) {
            stored.partnerBookmarks.set(partner, entry.bookmark);
          }
        }
      }
    }
  } finally {
    await warehouse.close();
  }
  if (spec.partitionBy === undefined) {
    return { bookmark: stored.bookmark, warehouseId };
  }

  const choice = await choose(stored);
  return choice.split
    ? {
        bookmark: null,
        partitions: {
          bookmarks: stored.partnerBookmarks,
          ...(stored.bookmark !== null && {
            hasStoredRows: () =>
              readHasLiveRows(event.stream, env, dependencies),
          }),
        },
        warehouseId,
      }
    : { bookmark: stored.bookmark, warehouseId };
}

/** Returns whether the warehouse contains live rows of `stream`. */
async function readHasLiveRows(
  stream: StreamName,
  env: LambdaEnvironment,
  dependencies: ExtractDependencies,
): Promise<boolean> {
  const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(env);
  try {
    return await hasLiveRows(warehouse, redshiftSqlContext(env), stream);
  } finally {
    await warehouse.close();
  }
}

/**
 * Returns why the first call of an own-record stream's run is skipped, or
 * undefined when the stream is due (see `refreshDue`).
 */
async function refreshSkip(
  event: z.infer<typeof ExtractEventSchema>,
  env: LambdaEnvironment,
  dependencies: ExtractDependencies,
): Promise<string | undefined> {
  const spec = STREAMS[event.stream];
  if (!spec.ownRecords || event.checkpoint || event.checkpointKey) {
    return undefined;
  }
  if (env.CROSSBEAM_RECORDS_REFRESH_HOURS === 0) return undefined;
  const warehouse = (dependencies.openWarehouse ?? openLambdaWarehouse)(env);
  try {
    const stored = await readStreamStatus(
      warehouse,
      redshiftSqlContext(env),
      event.stream,
    );
    const decision = refreshDue(
      spec,
      stored,
      new Date(event.observedAt),
      env.CROSSBEAM_RECORDS_REFRESH_HOURS,
    );
    return decision.due ? undefined : decision.reason;
  } finally {
    await warehouse.close();
  }
}

/**
 * Returns the checkpoint of the event: inline, or read from the landing
 * store by `checkpointKey`. Raises `ConfigurationError` when the stored
 * checkpoint is not valid.
 */
async function readCheckpoint(
  event: z.infer<typeof ExtractEventSchema>,
  store: LandingStore,
): Promise<ExtractCheckpoint | undefined> {
  if (event.checkpointKey === undefined) return event.checkpoint;
  const location = store.locate(event.checkpointKey);
  const text = (await store.getBuffer(event.checkpointKey)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(
      `Invalid extract checkpoint ${location}: it is not JSON (${error instanceof Error ? error.message : String(error)}). Start a new execution of the state machine.`,
    );
  }
  const parsed = ExtractCheckpointSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(
      `Invalid extract checkpoint ${location}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}. Start a new execution of the state machine.`,
    );
  }
  return parsed.data;
}

export const handler = createExtractHandler();
