import { Readable } from 'node:stream';
import type { CrossbeamPage } from '../crossbeam/client';
import type { LandingStore } from '../landing/store';
import type { Logger } from '../log';
import { STREAMS } from '../streams/catalog';
import type { ExtractOptions, ExtractResult } from './extract';
import { ManifestSchema, manifestKey, type Manifest } from './manifest';
import { runFolder, type RunState } from './run-state';

/** Joins the reject parts into one gzip file (gzip members concatenate). */
async function joinRejects(
  store: LandingStore,
  parts: readonly string[],
  key: string,
): Promise<void> {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const part of parts) {
      for await (const chunk of await store.get(part)) yield chunk as Buffer;
    }
  }
  await store.put(key, Readable.from(chunks()), {
    contentType: 'application/x-ndjson',
  });
  for (const part of parts) await store.delete(part);
}

/** `full` when every item of the stream was read, so absent rows are gone. */
function runMode(state: RunState): Manifest['mode'] {
  if (state.partitions) {
    return state.partitions.slices.every((slice) => slice.mode === 'full')
      ? 'full'
      : 'incremental';
  }
  return state.previous_bookmark === null ? 'full' : 'incremental';
}

/**
 * Finishes a run whose pages are all landed: joins the rejects, writes a
 * COPY manifest per table, then `manifest.json`, which marks the run
 * complete.
 */
export async function completeRun(
  options: ExtractOptions,
  state: RunState,
  lastPage: CrossbeamPage | undefined,
  logger: Pick<Logger, 'info' | 'warn' | 'error'>,
): Promise<ExtractResult> {
  const { store } = options;
  const spec = STREAMS[options.stream];
  const folder = runFolder(options.stream, state.run_id);

  let rejectsKey: string | null = null;
  if (state.rejects.parts.length > 0) {
    rejectsKey = `${folder}/rejects.ndjson.gz`;
    await joinRejects(store, state.rejects.parts, rejectsKey);
  }

  const tables: Manifest['tables'] = {};
  for (const table of spec.tables) {
    const entry = state.tables[table.name]!;
    const copyManifest = `${folder}/${table.name}/copy-manifest.json`;
    const entries = entry.parts.map((part) => ({
      url: store.locate(part.key),
      mandatory: true,
    }));
    await store.put(copyManifest, JSON.stringify({ entries }, null, 2), {
      contentType: 'application/json',
    });
    tables[table.name] = { ...entry, copy_manifest: copyManifest };
  }

  const warnings = [...state.warnings];
  let bookmark: string | null = null;
  const { partitions } = state;
  if (partitions) {
    const unmarked = partitions.slices.filter(
      (slice) => slice.bookmark === null,
    );
    if (unmarked.length > 0) {
      warnings.push(
        `The lists of ${unmarked.length} partners ended without a next_href, so they have no bookmark: the next run reads them in full.`,
      );
    }
  } else if (spec.sync === 'incremental') {
    bookmark = lastPage?.nextHref ?? state.previous_bookmark;
    if (bookmark === null) {
      warnings.push(
        'The last page had no next_href, so there is no bookmark: the next run reads the stream in full.',
      );
    }
  }

  const manifest = ManifestSchema.parse({
    version: 1,
    stream: options.stream,
    run_id: state.run_id,
    mode: runMode(state),
    observed_at: state.observed_at,
    started_at: state.started_at,
    finished_at: new Date().toISOString(),
    previous_bookmark: state.previous_bookmark,
    bookmark,
    pages: state.pages,
    records: state.records,
    tables,
    rejects: {
      count: state.rejects.count,
      key: rejectsKey,
      reasons: state.rejects.reasons,
    },
    raw_pages: state.raw_pages,
    warnings,
    retries: state.retries,
    ...(options.warehouseId !== undefined && {
      warehouse_id: options.warehouseId,
    }),
    ...(partitions && {
      partitions: {
        column: partitions.column,
        listed: partitions.listed,
        slices: partitions.slices.map((slice) => ({
          value: slice.value,
          mode: slice.mode,
          previous_bookmark: slice.previous_bookmark,
          bookmark: slice.bookmark,
          pages: slice.pages,
          records: slice.records,
        })),
        unread: partitions.unread,
      },
    }),
  } satisfies Manifest);

  await options.beforeManifest?.(manifest);
  const key = manifestKey(options.stream, state.run_id);
  await store.put(key, JSON.stringify(manifest, null, 2), {
    contentType: 'application/json',
  });
  if (state.rejects.count > 0) {
    logger.warn(
      `Set aside ${state.rejects.count} invalid items of ${options.stream} in ${rejectsKey}.`,
      {
        stream: options.stream,
        run: state.run_id,
        reasons: state.rejects.reasons,
      },
    );
  }
  logger.info(`Finished extracting ${options.stream}.`, {
    stream: options.stream,
    run: state.run_id,
    pages: state.pages,
    records: state.records,
    rejects: state.rejects.count,
    // The partner list read to split the stream, which the run summary
    // adds to the stream's pages and records.
    ...(partitions && {
      partnerListPages: partitions.listed.pages,
      partnerListRecords: partitions.listed.records,
    }),
  });
  return { status: 'complete', manifest, manifestKey: key };
}
