import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createCrossbeamClient } from '../../lib/crossbeam/client';
import {
  BookmarkExpiredError,
  ConfigurationError,
  CrossbeamApiError,
} from '../../lib/errors';
import {
  extractStream,
  newRunId,
  type ExtractCheckpoint,
  type ExtractOptions,
} from '../../lib/extract/extract';
import { ManifestSchema, manifestKey } from '../../lib/extract/manifest';
import { FileLandingStore } from '../../lib/landing/file-store';
import type { LandingStore } from '../../lib/landing/store';
import { STREAMS } from '../../lib/streams/catalog';
import {
  queryOf,
  sendJson,
  startFakeApi,
  type FakeApi,
  type FakeHandler,
} from '../crossbeam/fake-api';

const ORGANIZATION = 'org-0000-1111';
const RUN_ID = '20261204T013301Z-3f9a';
const OBSERVED_AT = new Date('2026-12-04T01:33:01Z');
const PAGES = 4;
const PER_PAGE = 3;
/** Items without partner_crossbeam_record_id, on pages 1 and 2. */
const INVALID = new Set([4, 7]);

let api: FakeApi | undefined;
let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'extract-'));
});

afterEach(async () => {
  await api?.close();
  api = undefined;
  await fs.rm(root, { recursive: true, force: true });
});

function overlapItem(n: number): Record<string, unknown> {
  return {
    crossbeam_record_id: `rec-${n}`,
    partner_crossbeam_record_id: `prec-${n}`,
    record_id: `001-${n}`,
    record_name: `Company ${n}`,
    populations: [{ id: 301, name: 'Customers' }],
    partner_id: 'partner-1',
    partner_name: 'Blue Harbor',
    partner_populations: [{ id: 7102, name: 'Customers' }],
    partner_source_data: [{ field_name: 'Industry', field_value: 'Logistics' }],
    is_deleted: false,
  };
}

/** Serves PAGES pages of overlaps, returning 403 for page failAtPage. */
function overlapHandler(
  serverUrl: () => string,
  options: { failAtPage?: number } = {},
): FakeHandler {
  return (request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith('/v1/overlaps/accounts')) {
      sendJson(response, 404, {});
      return;
    }
    const cursor = queryOf(request).get('cursor');
    if (cursor === 'bookmark-1') {
      sendJson(response, 200, {
        data: [{ ...overlapItem(100), is_deleted: true }],
        pagination: {
          has_more: false,
          next_href: `${serverUrl()}/v1/overlaps/accounts?limit=1000&cursor=bookmark-2`,
        },
      });
      return;
    }
    if (cursor === 'expired') {
      sendJson(response, 410, {});
      return;
    }
    const page = cursor === null ? 0 : Number(cursor.replace('p', ''));
    if (page === options.failAtPage) {
      sendJson(response, 403, {});
      return;
    }
    const items = Array.from({ length: PER_PAGE }, (_, index) => {
      const n = page * PER_PAGE + index;
      if (INVALID.has(n)) {
        const { partner_crossbeam_record_id: _omit, ...invalid } =
          overlapItem(n);
        return invalid;
      }
      return overlapItem(n);
    });
    const last = page === PAGES - 1;
    sendJson(response, 200, {
      data: items,
      pagination: {
        has_more: !last,
        next_href: last
          ? `${serverUrl()}/v1/overlaps/accounts?limit=1000&cursor=bookmark-1`
          : `${serverUrl()}/v1/overlaps/accounts?limit=1000&cursor=p${page + 1}`,
      },
      warnings: page === 1 ? ['population 9 is no longer shared'] : [],
    });
  };
}

async function startOverlaps(options: { failAtPage?: number } = {}) {
  let url = '';
  api = await startFakeApi(overlapHandler(() => url, options));
  url = api.url;
  return api;
}

function clientFor(server: FakeApi) {
  return createCrossbeamClient({
    apiUrl: server.url,
    authUrl: server.url,
    organization: ORGANIZATION,
    credentials: { accessToken: 'token-secret' },
    sleep: async () => undefined,
    maxAttempts: 2,
  });
}

function baseOptions(
  server: FakeApi,
  store: LandingStore,
  overrides: Partial<ExtractOptions> = {},
): ExtractOptions {
  return {
    stream: 'account_overlaps',
    client: clientFor(server),
    store,
    runId: RUN_ID,
    observedAt: OBSERVED_AT,
    bookmark: null,
    ...overrides,
  };
}

async function rowsOf(store: LandingStore, keys: readonly string[]) {
  const rows: unknown[] = [];
  for (const key of keys) {
    const text = gunzipSync(await store.getBuffer(key)).toString('utf8');
    for (const line of text.split('\n')) if (line) rows.push(JSON.parse(line));
  }
  return rows;
}

/** Wraps a store to record the order of writes. */
function recordingStore(inner: LandingStore, puts: string[]): LandingStore {
  return {
    url: inner.url,
    put: async (key, body, options) => {
      const result = await inner.put(key, body, options);
      puts.push(key);
      return result;
    },
    get: (key) => inner.get(key),
    getBuffer: (key) => inner.getBuffer(key),
    exists: (key) => inner.exists(key),
    list: (prefix) => inner.list(prefix),
    delete: (key) => inner.delete(key),
    locate: (key) => inner.locate(key),
  };
}

describe('extractStream', () => {
  test('lands a full pass with the manifest layout', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);
    const progress: number[] = [];

    const result = await extractStream(
      baseOptions(server, store, {
        onProgress: (p) => progress.push(p.pages),
      }),
    );

    expect(result.status).toBe('complete');
    if (result.status !== 'complete') return;
    const manifest = result.manifest;
    expect(result.manifestKey).toBe(`account_overlaps/${RUN_ID}/manifest.json`);
    expect(
      ManifestSchema.parse(
        JSON.parse((await store.getBuffer(result.manifestKey)).toString()),
      ),
    ).toEqual(manifest);
    expect(manifest.mode).toBe('full');
    expect(manifest.previous_bookmark).toBeNull();
    expect(manifest.bookmark).toBe(
      `${server.url}/v1/overlaps/accounts?limit=1000&cursor=bookmark-1`,
    );
    expect(manifest.pages).toBe(PAGES);
    expect(manifest.records).toBe(PAGES * PER_PAGE);
    expect(manifest.observed_at).toBe('2026-12-04T01:33:01.000Z');
    expect(manifest.warnings).toEqual(['population 9 is no longer shared']);
    expect(progress).toEqual([1, 2, 3, 4]);

    expect(Object.keys(manifest.tables)).toEqual(
      STREAMS.account_overlaps.tables.map((table) => table.name),
    );
    expect(manifest.tables.overlaps!.rows).toBe(
      PAGES * PER_PAGE - INVALID.size,
    );
    expect(manifest.tables.overlap_populations!.rows).toBe(
      2 * (PAGES * PER_PAGE - INVALID.size),
    );
    expect(manifest.tables.overlaps!.parts.map((part) => part.key)).toEqual([
      `account_overlaps/${RUN_ID}/overlaps/part-00000.ndjson.gz`,
    ]);
    expect(manifest.raw_pages).toEqual(
      [0, 1, 2, 3].map(
        (n) => `raw/account_overlaps/${RUN_ID}/page-0000${n}.json.gz`,
      ),
    );
    const firstRaw = gunzipSync(
      await store.getBuffer(manifest.raw_pages[0]!),
    ).toString();
    expect(JSON.parse(firstRaw).data).toHaveLength(PER_PAGE);
  });

  test('writes rows with catalog columns and lineage', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);

    const result = await extractStream(baseOptions(server, store));

    if (result.status !== 'complete') throw new Error('expected complete');
    const rows = (await rowsOf(
      store,
      result.manifest.tables.overlaps!.parts.map((p) => p.key),
    )) as Record<string, unknown>[];
    expect(rows).toHaveLength(PAGES * PER_PAGE - INVALID.size);
    const columns = STREAMS.account_overlaps.tables[0]!.columns.map(
      (column) => column.name,
    );
    expect(Object.keys(rows[0]!)).toEqual(columns);
    expect(rows[0]).toMatchObject({
      crossbeam_record_id: 'rec-0',
      overlap_type: 'account',
      _run_id: RUN_ID,
      _observed_at: '2026-12-04T01:33:01.000Z',
    });
  });

  test('sets invalid items aside while the rest lands', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);

    const result = await extractStream(baseOptions(server, store));

    if (result.status !== 'complete') throw new Error('expected complete');
    const rejects = result.manifest.rejects;
    expect(rejects.count).toBe(2);
    expect(rejects.key).toBe(`account_overlaps/${RUN_ID}/rejects.ndjson.gz`);
    const lines = (await rowsOf(store, [rejects.key!])) as Record<
      string,
      unknown
    >[];
    expect(lines.map((line) => line.record_id)).toEqual(['rec-4', 'rec-7']);
    expect(lines[0]!.reason).toContain('partner_crossbeam_record_id');
    expect(lines[0]!.record_id).toBe('rec-4');
    expect((lines[0]!.item as Record<string, unknown>).record_name).toBe(
      'Company 4',
    );
    expect(Object.values(rejects.reasons)).toEqual([2]);
    expect(await store.list(`account_overlaps/${RUN_ID}/rejects/`)).toEqual([]);
  });

  test('writes a COPY manifest per table', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);

    const result = await extractStream(
      baseOptions(server, store, { partRows: 4 }),
    );

    if (result.status !== 'complete') throw new Error('expected complete');
    for (const [name, table] of Object.entries(result.manifest.tables)) {
      expect(table.copy_manifest).toBe(
        `account_overlaps/${RUN_ID}/${name}/copy-manifest.json`,
      );
      const copy = JSON.parse(
        (await store.getBuffer(table.copy_manifest)).toString(),
      );
      expect(copy).toEqual({
        entries: table.parts.map((part) => ({
          url: store.locate(part.key),
          mandatory: true,
        })),
      });
    }
    expect(
      result.manifest.tables.overlaps!.parts.map((part) => part.rows),
    ).toEqual([4, 4, 2]);
  });

  test('writes manifest.json last', async () => {
    const server = await startOverlaps();
    const puts: string[] = [];
    const store = recordingStore(new FileLandingStore(root), puts);

    await extractStream(baseOptions(server, store));

    expect(puts.at(-1)).toBe(manifestKey('account_overlaps', RUN_ID));
    expect(puts.filter((key) => key.endsWith('/manifest.json'))).toHaveLength(
      1,
    );
  });

  test('writes no manifest when the run fails midway', async () => {
    const server = await startOverlaps({ failAtPage: 2 });
    const store = new FileLandingStore(root);

    await expect(
      extractStream(baseOptions(server, store)),
    ).rejects.toBeInstanceOf(CrossbeamApiError);

    expect(await store.exists(manifestKey('account_overlaps', RUN_ID))).toBe(
      false,
    );
    expect(await store.list(`account_overlaps/${RUN_ID}/`)).toEqual([]);
  });

  test('warns of no prefetch when the first page fails', async () => {
    const server = await startOverlaps({ failAtPage: 0 });
    const store = new FileLandingStore(root);
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => warnings.push(message),
      error: () => undefined,
    };

    await expect(
      extractStream(baseOptions(server, store, { logger })),
    ).rejects.toBeInstanceOf(CrossbeamApiError);

    expect(warnings).toEqual([]);
  });

  test('prefetches the next page while writing the current one', async () => {
    const server = await startOverlaps();
    const inner = new FileLandingStore(root);
    let requestsWhileWritingFirstPage = 0;
    const store: LandingStore = {
      ...recordingStore(inner, []),
      put: async (key, body, options) => {
        if (key.endsWith('page-00000.json.gz')) {
          const until = Date.now() + 2000;
          while (server.requests.length < 2 && Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
          requestsWhileWritingFirstPage = server.requests.length;
        }
        return inner.put(key, body, options);
      },
    };

    await extractStream(baseOptions(server, store));

    expect(requestsWhileWritingFirstPage).toBe(2);
  });

  test('stops at the deadline and resumes to the same rows', async () => {
    const server = await startOverlaps();
    const oneStore = new FileLandingStore(path.join(root, 'one'));
    const resumedStore = new FileLandingStore(path.join(root, 'resumed'));

    const one = await extractStream(baseOptions(server, oneStore));
    if (one.status !== 'complete') throw new Error('expected complete');

    let checkpoint: ExtractCheckpoint | undefined;
    let calls = 0;
    let resumed;
    for (;;) {
      calls++;
      const result = await extractStream(
        baseOptions(server, resumedStore, { deadline: 0, checkpoint }),
      );
      if (result.status === 'complete') {
        resumed = result;
        break;
      }
      // A Lambda passes the checkpoint through JSON.
      checkpoint = JSON.parse(
        JSON.stringify(result.checkpoint),
      ) as ExtractCheckpoint;
      expect(checkpoint.pages).toBe(calls);
      expect(
        await resumedStore.exists(manifestKey('account_overlaps', RUN_ID)),
      ).toBe(false);
    }

    expect(calls).toBe(PAGES);
    expect(resumed.manifest.pages).toBe(PAGES);
    expect(resumed.manifest.records).toBe(one.manifest.records);
    expect(resumed.manifest.bookmark).toBe(one.manifest.bookmark);
    expect(resumed.manifest.rejects.count).toBe(2);
    for (const [name, table] of Object.entries(one.manifest.tables)) {
      const resumedTable = resumed.manifest.tables[name]!;
      expect(resumedTable.rows).toBe(table.rows);
      const expected = await rowsOf(
        oneStore,
        table.parts.map((part) => part.key),
      );
      const actual = await rowsOf(
        resumedStore,
        resumedTable.parts.map((part) => part.key),
      );
      expect(actual).toEqual(expected);
    }
    expect(await rowsOf(resumedStore, [resumed.manifest.rejects.key!])).toEqual(
      await rowsOf(oneStore, [one.manifest.rejects.key!]),
    );
    const pageRequests = server.requests.filter((request) =>
      request.url.startsWith('/v1/'),
    );
    expect(pageRequests).toHaveLength(2 * PAGES);
  });

  test('rejects a checkpoint from another run', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);
    const partial = await extractStream(
      baseOptions(server, store, { deadline: 0 }),
    );
    if (partial.status !== 'partial') throw new Error('expected partial');

    await expect(
      extractStream(
        baseOptions(server, store, {
          runId: 'other-run',
          checkpoint: partial.checkpoint,
        }),
      ),
    ).rejects.toThrow(
      /run id is "20261204T013301Z-3f9a" in the checkpoint but "other-run" here/,
    );
  });

  test('reads changes from a bookmark', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);
    const bookmark = `${server.url}/v1/overlaps/accounts?limit=1000&cursor=bookmark-1`;

    const result = await extractStream(
      baseOptions(server, store, { bookmark }),
    );

    if (result.status !== 'complete') throw new Error('expected complete');
    expect(server.requests[0]!.url).toBe(
      '/v1/overlaps/accounts?limit=1000&cursor=bookmark-1',
    );
    expect(result.manifest.mode).toBe('incremental');
    expect(result.manifest.previous_bookmark).toBe(bookmark);
    expect(result.manifest.bookmark).toBe(
      `${server.url}/v1/overlaps/accounts?limit=1000&cursor=bookmark-2`,
    );
    const rows = (await rowsOf(
      store,
      result.manifest.tables.overlaps!.parts.map((p) => p.key),
    )) as Record<string, unknown>[];
    expect(
      rows.map((row) => [row.crossbeam_record_id, row.is_deleted]),
    ).toEqual([['rec-100', true]]);
  });

  test('raises BookmarkExpiredError for an expired bookmark', async () => {
    const server = await startOverlaps();
    const store = new FileLandingStore(root);

    await expect(
      extractStream(
        baseOptions(server, store, {
          bookmark: `${server.url}/v1/overlaps/accounts?cursor=expired`,
        }),
      ),
    ).rejects.toBeInstanceOf(BookmarkExpiredError);
    expect(await store.exists(manifestKey('account_overlaps', RUN_ID))).toBe(
      false,
    );
  });

  test('rejects a bookmark for a snapshot stream', async () => {
    const server = await startOverlaps();

    await expect(
      extractStream(
        baseOptions(server, new FileLandingStore(root), {
          stream: 'partners',
          bookmark: 'http://127.0.0.1/v1/partners',
        }),
      ),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });

  test('fills the organization into the users path', async () => {
    api = await startFakeApi((request, response) => {
      if (request.url === `/v1/users/organization/${ORGANIZATION}`) {
        sendJson(response, 200, {
          data: [
            {
              id: 'u1',
              name: 'Ana Ruiz',
              email: 'ana@ourco.example',
              role: 'admin',
            },
          ],
        });
      } else {
        sendJson(response, 404, {});
      }
    });
    const store = new FileLandingStore(root);

    const result = await extractStream(
      baseOptions(api, store, { stream: 'users' }),
    );

    if (result.status !== 'complete') throw new Error('expected complete');
    expect(result.manifest.tables.users!.rows).toBe(1);
    expect(result.manifest.bookmark).toBeNull();
    const [user] = (await rowsOf(
      store,
      result.manifest.tables.users!.parts.map((p) => p.key),
    )) as Record<string, unknown>[];
    expect(user).toMatchObject({ user_id: 'u1', is_partner_user: false });
  });

  test('writes empty tables with empty COPY manifests', async () => {
    api = await startFakeApi((_request, response) =>
      sendJson(response, 200, { data: [] }),
    );
    const store = new FileLandingStore(root);

    const result = await extractStream(
      baseOptions(api, store, { stream: 'partners' }),
    );

    if (result.status !== 'complete') throw new Error('expected complete');
    expect(result.manifest.records).toBe(0);
    expect(result.manifest.tables.partners).toMatchObject({
      rows: 0,
      parts: [],
    });
    const copy = JSON.parse(
      (
        await store.getBuffer(result.manifest.tables.partners!.copy_manifest)
      ).toString(),
    );
    expect(copy).toEqual({ entries: [] });
  });
});

describe('newRunId', () => {
  test('formats the UTC second with a random suffix', () => {
    const id = newRunId(new Date('2026-12-04T01:33:01.987Z'));

    expect(id).toMatch(/^20261204T013301Z-[0-9a-f]{4}$/);
  });

  test('sorts by time', () => {
    const earlier = newRunId(new Date('2026-12-04T01:33:01Z'));
    const later = newRunId(new Date('2026-12-04T01:33:02Z'));

    expect([later, earlier].sort()).toEqual([earlier, later]);
  });
});
