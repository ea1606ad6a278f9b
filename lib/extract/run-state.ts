import { ConfigurationError } from '../errors';
import { STREAMS } from '../streams/catalog';
import { ExtractCheckpointSchema, type ExtractCheckpoint } from './checkpoint';
import type { ExtractOptions } from './extract';

/** Counts and parts of a run so far: a checkpoint without its next URL. */
export type RunState = Omit<ExtractCheckpoint, 'next_url'>;

/** Returns the folder key of a run, `<stream>/<run id>`. */
export function runFolder(stream: string, runId: string): string {
  return `${stream}/${runId}`;
}

/**
 * Validates the options and returns the state to start from: empty for a
 * new run, or the checkpoint's for a resumed one. Raises
 * `ConfigurationError` for a bookmark on a snapshot stream, an invalid
 * checkpoint, or a checkpoint from another run.
 */
export function startRunState(options: ExtractOptions): RunState {
  const spec = STREAMS[options.stream];
  if (options.bookmark !== null && spec.sync !== 'incremental') {
    throw new ConfigurationError(
      `Stream ${options.stream} is read in full on every run (sync mode ${spec.sync}), so it takes no bookmark. Pass bookmark: null.`,
    );
  }
  if (Number.isNaN(options.observedAt.getTime())) {
    throw new ConfigurationError(
      `Invalid observedAt for stream ${options.stream}: the date is not valid.`,
    );
  }

  if (options.partitions !== undefined && !spec.partitionBy) {
    throw new ConfigurationError(
      `Stream ${options.stream} cannot be split by partner: only ${Object.values(
        STREAMS,
      )
        .filter((stream) => stream.partitionBy)
        .map((stream) => stream.name)
        .join(' and ')} can. Leave out partitions for this stream.`,
    );
  }
  if (options.partitions !== undefined && options.bookmark !== null) {
    throw new ConfigurationError(
      `Stream ${options.stream} is split by partner, so its bookmarks are per partner in partitions.bookmarks. Pass bookmark: null.`,
    );
  }

  if (options.checkpoint === undefined) {
    const tables: RunState['tables'] = {};
    for (const table of spec.tables) {
      tables[table.name] = { rows: 0, bytes: 0, parts: [] };
    }
    return {
      version: 1,
      stream: options.stream,
      run_id: options.runId,
      observed_at: options.observedAt.toISOString(),
      started_at: new Date().toISOString(),
      previous_bookmark: options.bookmark,
      ...(options.warehouseId !== undefined && {
        warehouse_id: options.warehouseId,
      }),
      pages: 0,
      records: 0,
      retries: 0,
      tables,
      rejects: { count: 0, reasons: {}, parts: [] },
      raw_pages: [],
      warnings: [],
    };
  }

  const parsed = ExtractCheckpointSchema.safeParse(options.checkpoint);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigurationError(
      `Invalid extract checkpoint for stream ${options.stream}: ${problems}. Pass the checkpoint that the previous call returned, unchanged.`,
    );
  }
  const checkpoint = parsed.data;
  const mismatches = [
    ['stream', checkpoint.stream, options.stream],
    ['run id', checkpoint.run_id, options.runId],
    ['observedAt', checkpoint.observed_at, options.observedAt.toISOString()],
    ['bookmark', checkpoint.previous_bookmark, options.bookmark],
    ['warehouse id', checkpoint.warehouse_id, options.warehouseId],
  ].filter(([, saved, given]) => saved !== given);
  if (mismatches.length > 0) {
    const differences = mismatches
      .map(
        ([name, saved, given]) =>
          `${name} is ${JSON.stringify(saved)} in the checkpoint but ${JSON.stringify(given)} here`,
      )
      .join('; ');
    throw new ConfigurationError(
      `The checkpoint belongs to another run: ${differences}. Resume with the options of the run that produced it.`,
    );
  }
  for (const table of spec.tables) {
    if (!checkpoint.tables[table.name]) {
      throw new ConfigurationError(
        `Invalid extract checkpoint for stream ${options.stream}: table ${table.name} is missing. Pass the checkpoint that the previous call returned, unchanged.`,
      );
    }
  }
  const split = checkpoint.partitions !== undefined;
  if (split !== (options.partitions !== undefined)) {
    throw new ConfigurationError(
      split
        ? `The checkpoint of stream ${options.stream} is split by partner, but no partitions option was given. Resume with the options of the run that produced it.`
        : `The checkpoint of stream ${options.stream} is not split by partner, but a partitions option was given. Resume with the options of the run that produced it.`,
    );
  }
  if (!split && checkpoint.next_url === undefined) {
    throw new ConfigurationError(
      `Invalid extract checkpoint for stream ${options.stream}: next_url is missing. Pass the checkpoint that the previous call returned, unchanged.`,
    );
  }
  const { next_url: _nextUrl, ...state } = checkpoint;
  return state;
}
