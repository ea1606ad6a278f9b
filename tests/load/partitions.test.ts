import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../lib/extract/manifest';
import { FileLandingStore } from '../../lib/landing/file-store';
import {
  loadRun,
  readBookmark,
  readPartitionBookmarks,
} from '../../lib/load/load';
import { applyMigrations } from '../../lib/sql/migrate';
import type { RenderContext } from '../../lib/sql/render';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import type { Row } from '../../lib/warehouse/warehouse';
import { overlapRow, writeLandedRun } from './landed-runs';

let warehouse: PgliteWarehouse;
let landingDir: string;
let store: FileLandingStore;
let context: RenderContext;
let schemaCounter = 0;

const T1 = '2026-03-01T10:00:00.000Z';
const T2 = '2026-03-02T10:00:00.000Z';
const T3 = '2026-03-03T10:00:00.000Z';

beforeAll(async () => {
  warehouse = await PgliteWarehouse.open('pglite:memory:');
});

afterAll(async () => {
  await warehouse.close();
});

beforeEach(async () => {
  landingDir = await mkdtemp(path.join(os.tmpdir(), 'landing-'));
  store = new FileLandingStore(landingDir);
  schemaCounter += 1;
  const prefix = `split_${schemaCounter}`;
  context = {
    dialect: 'postgres',
    schemas: {
      crossbeam: prefix,
      staging: `${prefix}_staging`,
      models: `${prefix}_models`,
      dashboards: `${prefix}_dashboards`,
    },
  };
  await applyMigrations(warehouse, context);
});

afterEach(async () => {
  await rm(landingDir, { recursive: true, force: true });
});

async function rows(sql: string): Promise<Row[]> {
  return warehouse.query(
    sql.replace(/\bcb\./g, `${context.schemas.crossbeam}.`),
  );
}

async function overlapKeys(): Promise<string[]> {
  const result = await rows(
    'select crossbeam_record_id, partner_crossbeam_record_id, partner_id from cb.overlaps order by 1, 2',
  );
  return result.map(
    (row) =>
      `${row.crossbeam_record_id}-${row.partner_crossbeam_record_id}@${row.partner_id}`,
  );
}

type Slice = NonNullable<Manifest['partitions']>['slices'][number];

function slice(
  value: string,
  mode: Slice['mode'],
  previous: string | null,
  bookmark: string,
): Slice {
  return {
    value,
    mode,
    previous_bookmark: previous,
    bookmark,
    pages: 1,
    records: 1,
  };
}

function bookmarkOf(partner: string, cursor: string): string {
  return `https://api.example/v1/overlaps/accounts?partner-id=${partner}&cursor=${cursor}`;
}

async function splitRun(
  runId: string,
  observedAt: string,
  slices: Slice[],
  overlaps: Record<string, unknown>[],
  unread: string[] = [],
): Promise<Manifest> {
  return writeLandedRun(store, {
    stream: 'account_overlaps',
    runId,
    observedAt,
    mode: slices.every((entry) => entry.mode === 'full')
      ? 'full'
      : 'incremental',
    tables: { overlaps: overlaps },
    partitions: {
      column: 'partner_id',
      listed: { pages: 1, records: slices.length },
      slices,
      unread,
    },
  });
}

/** Partners p1 (overlaps a-x, c-z) and p2 (b-y), both read in full. */
async function firstSplitRun(): Promise<Manifest> {
  return splitRun(
    'run-001',
    T1,
    [
      slice('p1', 'full', null, bookmarkOf('p1', '1')),
      slice('p2', 'full', null, bookmarkOf('p2', '1')),
    ],
    [
      overlapRow('a', 'x', { partner_id: 'p1' }),
      overlapRow('c', 'z', { partner_id: 'p1' }),
      overlapRow('b', 'y', { partner_id: 'p2' }),
    ],
  );
}

async function storedBookmarks(): Promise<Record<string, string | null>> {
  const stored = await readPartitionBookmarks(
    warehouse,
    context,
    'account_overlaps',
  );
  return Object.fromEntries(
    [...stored].map(([partner, entry]) => [partner, entry.bookmark]),
  );
}

describe('loadRun of a run split by partner', () => {
  it('stores one bookmark per partner', async () => {
    const result = await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });

    expect(result.bookmarkAdvanced).toBe(true);
    expect(await storedBookmarks()).toEqual({
      p1: bookmarkOf('p1', '1'),
      p2: bookmarkOf('p2', '1'),
    });
    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      null,
    );
    expect(await overlapKeys()).toEqual(['a-x@p1', 'b-y@p2', 'c-z@p1']);
  });

  it('keeps absent rows of partners read from a bookmark', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const changes = await splitRun(
      'run-002',
      T2,
      [
        slice(
          'p1',
          'incremental',
          bookmarkOf('p1', '1'),
          bookmarkOf('p1', '2'),
        ),
        slice(
          'p2',
          'incremental',
          bookmarkOf('p2', '1'),
          bookmarkOf('p2', '2'),
        ),
      ],
      [overlapRow('a', 'x', { partner_id: 'p1', record_name: 'Changed' })],
    );
    await loadRun({ warehouse, store, context, manifest: changes });

    expect(await overlapKeys()).toEqual(['a-x@p1', 'b-y@p2', 'c-z@p1']);
    const [changed] = await rows(
      "select record_name from cb.overlaps where crossbeam_record_id = 'a'",
    );
    expect(changed?.record_name).toBe('Changed');
    expect(await storedBookmarks()).toEqual({
      p1: bookmarkOf('p1', '2'),
      p2: bookmarkOf('p2', '2'),
    });
  });

  it('replaces the rows of a partner read in full', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const mixed = await splitRun(
      'run-002',
      T2,
      [
        slice('p1', 'full', null, bookmarkOf('p1', '9')),
        slice(
          'p2',
          'incremental',
          bookmarkOf('p2', '1'),
          bookmarkOf('p2', '2'),
        ),
      ],
      [overlapRow('a', 'x', { partner_id: 'p1' })],
    );
    await loadRun({ warehouse, store, context, manifest: mixed });

    expect(await overlapKeys()).toEqual(['a-x@p1', 'b-y@p2']);
    const closed = await rows(
      'select crossbeam_record_id, valid_to from cb.overlap_history where valid_to is not null',
    );
    expect(closed).toHaveLength(1);
    expect(closed[0]?.crossbeam_record_id).toBe('c');
  });

  it('removes the rows and bookmark of a partner no longer listed', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const withoutP2 = await splitRun(
      'run-002',
      T2,
      [
        slice(
          'p1',
          'incremental',
          bookmarkOf('p1', '1'),
          bookmarkOf('p1', '2'),
        ),
      ],
      [],
    );
    await loadRun({ warehouse, store, context, manifest: withoutP2 });

    expect(await overlapKeys()).toEqual(['a-x@p1', 'c-z@p1']);
    expect(await storedBookmarks()).toEqual({ p1: bookmarkOf('p1', '2') });
    const open = await rows(
      'select crossbeam_record_id from cb.overlap_history where valid_to is null order by 1',
    );
    expect(open.map((row) => row.crossbeam_record_id)).toEqual(['a', 'c']);
  });

  it('keeps the rows and bookmark of an unread partner', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const p2Unread = await splitRun(
      'run-002',
      T2,
      [slice('p1', 'full', null, bookmarkOf('p1', '2'))],
      [overlapRow('a', 'x', { partner_id: 'p1' })],
      ['p2'],
    );
    await loadRun({ warehouse, store, context, manifest: p2Unread });

    expect(await overlapKeys()).toEqual(['a-x@p1', 'b-y@p2']);
    expect(await storedBookmarks()).toEqual({
      p1: bookmarkOf('p1', '2'),
      p2: bookmarkOf('p2', '1'),
    });
  });

  it('never moves a partner bookmark back for an older run', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const newer = await splitRun(
      'run-003',
      T3,
      [
        slice(
          'p1',
          'incremental',
          bookmarkOf('p1', '1'),
          bookmarkOf('p1', '3'),
        ),
        slice(
          'p2',
          'incremental',
          bookmarkOf('p2', '1'),
          bookmarkOf('p2', '3'),
        ),
      ],
      [],
    );
    const older = await splitRun(
      'run-002',
      T2,
      [
        slice(
          'p1',
          'incremental',
          bookmarkOf('p1', '1'),
          bookmarkOf('p1', '2'),
        ),
        slice('p2', 'full', null, bookmarkOf('p2', '2')),
      ],
      [overlapRow('b', 'y', { partner_id: 'p2' })],
    );
    await loadRun({ warehouse, store, context, manifest: newer });
    const result = await loadRun({
      warehouse,
      store,
      context,
      manifest: older,
    });

    expect(result.bookmarkAdvanced).toBe(false);
    expect(await storedBookmarks()).toEqual({
      p1: bookmarkOf('p1', '3'),
      p2: bookmarkOf('p2', '3'),
    });
    expect(await overlapKeys()).toEqual(['a-x@p1', 'b-y@p2', 'c-z@p1']);
  });

  it('moves only partners that start from the stored bookmark', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const stale = await splitRun(
      'run-002',
      T2,
      [
        slice(
          'p1',
          'incremental',
          bookmarkOf('p1', '0'),
          bookmarkOf('p1', '2'),
        ),
        slice(
          'p2',
          'incremental',
          bookmarkOf('p2', '1'),
          bookmarkOf('p2', '2'),
        ),
      ],
      [],
    );
    const result = await loadRun({
      warehouse,
      store,
      context,
      manifest: stale,
    });

    expect(result.bookmarkAdvanced).toBe(false);
    expect(await storedBookmarks()).toEqual({
      p1: bookmarkOf('p1', '1'),
      p2: bookmarkOf('p2', '2'),
    });
  });

  it('drops partner bookmarks after a run in one list', async () => {
    await loadRun({
      warehouse,
      store,
      context,
      manifest: await firstSplitRun(),
    });
    const single = await writeLandedRun(store, {
      stream: 'account_overlaps',
      runId: 'run-002',
      observedAt: T2,
      bookmark: 'https://api.example/v1/overlaps/accounts?cursor=all',
      tables: { overlaps: [overlapRow('a', 'x', { partner_id: 'p1' })] },
    });
    await loadRun({ warehouse, store, context, manifest: single });

    expect(await storedBookmarks()).toEqual({});
    expect(await readBookmark(warehouse, context, 'account_overlaps')).toBe(
      'https://api.example/v1/overlaps/accounts?cursor=all',
    );
    expect(await overlapKeys()).toEqual(['a-x@p1']);
  });

  it('rejects a split manifest of a stream not read by partner', async () => {
    const manifest = await writeLandedRun(store, {
      stream: 'account_signals',
      runId: 'run-001',
      observedAt: T1,
      tables: {},
      partitions: {
        column: 'partner_id',
        listed: { pages: 1, records: 1 },
        slices: [],
        unread: [],
      },
    });

    await expect(
      loadRun({ warehouse, store, context, manifest }),
    ).rejects.toThrow(
      /is split by partner, but the stream is not read by partner/,
    );
  });
});
