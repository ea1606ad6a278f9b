import type { Context } from 'aws-lambda';
import { gunzipSync } from 'node:zlib';
import {
  DEADLINE_MARGIN_MS,
  createExtractHandler,
  type ExtractOutput,
} from '../../lambdas/extract';
import { ConfigurationError } from '../../lib/errors';
import { ManifestSchema } from '../../lib/extract/manifest';
import { CROSSBEAM_SECRET_PLACEHOLDER } from '../../lib/secrets/crossbeam-secret';
import {
  queryOf,
  sendJson,
  startFakeApi,
  type FakeApi,
} from '../crossbeam/fake-api';
import {
  RecordingWarehouse,
  SECRET_ID,
  asExtractOutput,
  lambdaContext,
  lambdaEnv,
  mockSecret,
  recordingObservability,
  startS3,
} from './fixtures';

const SECRET = {
  client_id: 'client-abc',
  client_secret: 'client-secret-value',
  refresh_token: 'refresh-1',
  organization: 'org-0000-1111',
};
const OBSERVED_AT = '2026-12-04T06:00:00.000Z';
const PAGES = 3;

let s3: Awaited<ReturnType<typeof startS3>>;
let api: FakeApi;
let tokenRequests = 0;

function overlap(n: number): Record<string, unknown> {
  return {
    crossbeam_record_id: `rec-${n}`,
    partner_crossbeam_record_id: `prec-${n}`,
    record_id: `001-${n}`,
    record_name: `Company ${n}`,
    populations: [{ id: 301, name: 'Customers' }],
    partner_id: 'partner-1',
    partner_name: 'Blue Harbor',
    partner_populations: [{ id: 7102, name: 'Customers' }],
    partner_source_data: [],
    is_deleted: false,
  };
}

beforeAll(async () => {
  s3 = await startS3();
  let url = '';
  api = await startFakeApi((request, response) => {
    const path = new URL(request.url, 'http://127.0.0.1').pathname;
    if (path === '/oauth/token') {
      tokenRequests += 1;
      sendJson(response, 200, {
        access_token: 'access-token-value',
        expires_in: 86400,
        refresh_token: 'refresh-2',
      });
      return;
    }
    if (request.headers.authorization !== 'Bearer access-token-value') {
      sendJson(response, 401, {});
      return;
    }
    if (path === '/v1/partners') {
      sendJson(response, 200, {
        data: [
          { uuid: 'partner-1', name: 'Blue Harbor', domain: 'blue.example' },
        ],
      });
      return;
    }
    if (path !== '/v1/overlaps/accounts') {
      sendJson(response, 404, {});
      return;
    }
    const cursor = queryOf(request).get('cursor') ?? 'p0';
    const page = Number(cursor.replace(/^p|^bookmark-/, ''));
    const last = page === PAGES - 1;
    sendJson(response, 200, {
      data: [overlap(page * 2), overlap(page * 2 + 1)],
      pagination: {
        has_more: !last,
        next_href: last
          ? `${url}/v1/overlaps/accounts?limit=1000&cursor=bookmark-9`
          : `${url}/v1/overlaps/accounts?limit=1000&cursor=p${page + 1}`,
      },
    });
  });
  url = api.url;
});

afterAll(async () => {
  await api.close();
  await s3.close();
});

/**
 * Returns a warehouse whose sync_state has `bookmark` for account_overlaps,
 * and whose warehouse_identity has `warehouseId` when given.
 */
function warehouseWithBookmark(bookmark: string | null, warehouseId?: string) {
  return new RecordingWarehouse((sql) => {
    if (sql.includes('warehouse_identity') && warehouseId !== undefined) {
      return [{ warehouse_id: warehouseId }];
    }
    return sql.includes('sync_state') && bookmark !== null
      ? [{ stream: 'account_overlaps', bookmark }]
      : [];
  });
}

function handlerFor(
  warehouse: RecordingWarehouse,
  secret: Record<string, unknown> = SECRET,
  env: NodeJS.ProcessEnv = {},
  maxInlineCheckpointBytes?: number,
) {
  const { store } = mockSecret(secret);
  const recorded = recordingObservability();
  const raw = createExtractHandler({
    maxInlineCheckpointBytes,
    env: { ...lambdaEnv(api.url), ...env },
    openWarehouse: () => warehouse,
    openStore: () => s3.openStore(),
    observability: recorded.observability,
  });
  const handler = (event: unknown, context: Context) =>
    raw(event, context).then(asExtractOutput);
  return { handler, raw, store, ...recorded };
}

describe('extract handler', () => {
  it('loops with checkpoints until the stream is complete', async () => {
    const warehouse = warehouseWithBookmark(null, 'warehouse-a');
    const { handler, store, metrics } = handlerFor(warehouse, SECRET, {
      CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER: 'false',
    });
    const tokenRequestsBefore = tokenRequests;
    // No time left after the margin: each call reads its one page.
    const context = lambdaContext(DEADLINE_MARGIN_MS);

    const outputs: ExtractOutput[] = [];
    let output = await handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT },
      context,
    );
    outputs.push(output);
    while (output.status === 'partial' && outputs.length < 10) {
      output = await handler(JSON.parse(JSON.stringify(output)), context);
      outputs.push(output);
    }

    expect(outputs.map((item) => item.status)).toEqual([
      'partial',
      'partial',
      'complete',
    ]);
    expect(new Set(outputs.map((item) => item.runId)).size).toBe(1);
    expect(output.manifestKey).toBe(
      `account_overlaps/${output.runId}/manifest.json`,
    );
    const manifest = ManifestSchema.parse(
      JSON.parse(
        (await s3.openStore().getBuffer(output.manifestKey!)).toString(),
      ),
    );
    expect(manifest.records).toBe(PAGES * 2);
    expect(manifest.observed_at).toBe(OBSERVED_AT);
    expect(manifest.bookmark).toContain('cursor=bookmark-9');
    // Read on the first call, carried by the checkpoints to the last.
    expect(manifest.warehouse_id).toBe('warehouse-a');

    const parts = manifest.tables.overlaps!.parts;
    expect(parts).toHaveLength(PAGES);
    const rows: string[] = [];
    for (const part of parts) {
      const text = gunzipSync(await s3.openStore().getBuffer(part.key));
      rows.push(...text.toString().trim().split('\n'));
    }
    expect(rows).toHaveLength(PAGES * 2);

    // The bookmark is read once, on the first call of the run.
    expect(
      warehouse.queries.filter((sql) => sql.includes('sync_state')),
    ).toHaveLength(1);
    expect(warehouse.closed).toBe(1);

    const recordMetrics = metrics.filter((metric) => metric.name === 'records');
    expect(recordMetrics.map((metric) => metric.value)).toEqual([2, 2, 2]);
    expect(recordMetrics[0]!.dimensions).toEqual({
      stream: 'account_overlaps',
    });
    expect(metrics.map((metric) => metric.name)).toContain('duration');

    // The first call refreshes; the next two use the token it cached.
    expect(tokenRequests - tokenRequestsBefore).toBe(1);
    const stored = store.current();
    expect(stored.refresh_token).toBe('refresh-2');
    expect(stored.access_token).toBe('access-token-value');
    expect(stored.refresh_lease).toBeUndefined();
    expect(stored.client_secret).toBe(SECRET.client_secret);
  });

  it('starts an incremental stream from the stored bookmark', async () => {
    const warehouse = warehouseWithBookmark(
      `${api.url}/v1/overlaps/accounts?limit=1000&cursor=bookmark-2`,
    );
    const { handler } = handlerFor(warehouse, SECRET, {
      CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER: 'false',
    });
    const output = await handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT, runId: 'run-b' },
      lambdaContext(15 * 60_000),
    );
    expect(output.status).toBe('complete');
    const manifest = ManifestSchema.parse(
      JSON.parse(
        (await s3.openStore().getBuffer(output.manifestKey!)).toString(),
      ),
    );
    expect(manifest.mode).toBe('incremental');
    expect(manifest.previous_bookmark).toContain('cursor=bookmark-2');
    expect(manifest.records).toBe(2);
  });

  it('loops with checkpoints over partner lists', async () => {
    const warehouse = warehouseWithBookmark(null);
    const { handler } = handlerFor(warehouse);
    const context = lambdaContext(DEADLINE_MARGIN_MS);

    const outputs: ExtractOutput[] = [];
    let output = await handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT },
      context,
    );
    outputs.push(output);
    while (output.status === 'partial' && outputs.length < 10) {
      expect(output.checkpoint!.partitions!.slices).toHaveLength(1);
      output = await handler(JSON.parse(JSON.stringify(output)), context);
      outputs.push(output);
    }

    // A page already requested when the deadline passes is still landed,
    // so a call lands up to two pages here.
    expect(outputs.map((item) => item.status)).toEqual(['partial', 'complete']);
    const manifest = ManifestSchema.parse(
      JSON.parse(
        (await s3.openStore().getBuffer(output.manifestKey!)).toString(),
      ),
    );
    expect(manifest.records).toBe(PAGES * 2);
    expect(manifest.partitions!.listed.records).toBe(2);
    expect(manifest.partitions!.slices[0]!.bookmark).toContain(
      'cursor=bookmark-9',
    );
    // The partner bookmarks are read once, on the first call of the run.
    expect(
      warehouse.queries.filter((sql) => sql.includes('partition_bookmarks')),
    ).toHaveLength(1);
  });

  it('passes a large checkpoint by its landing key', async () => {
    const warehouse = warehouseWithBookmark(null);
    const { handler } = handlerFor(warehouse, SECRET, {}, 100);
    const context = lambdaContext(DEADLINE_MARGIN_MS);

    const first = await handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT, runId: 'run-k' },
      context,
    );
    expect(first.status).toBe('partial');
    expect(first.checkpoint).toBeUndefined();
    expect(first.checkpointKey).toMatch(
      /^account_overlaps\/run-k\/checkpoints\/page-\d{6}\.json$/,
    );
    const stored = JSON.parse(
      (await s3.openStore().getBuffer(first.checkpointKey!)).toString(),
    ) as { partitions: unknown };
    expect(stored.partitions).toBeDefined();

    const second = await handler(JSON.parse(JSON.stringify(first)), context);
    expect(second.status).toBe('complete');
    const manifest = ManifestSchema.parse(
      JSON.parse(
        (await s3.openStore().getBuffer(second.manifestKey!)).toString(),
      ),
    );
    expect(manifest.records).toBe(PAGES * 2);
  });

  it('rejects a stored checkpoint that is not JSON', async () => {
    await s3
      .openStore()
      .put('account_overlaps/run-j/checkpoints/bad.json', '{');
    const { handler } = handlerFor(warehouseWithBookmark(null));

    await expect(
      handler(
        {
          stream: 'account_overlaps',
          observedAt: OBSERVED_AT,
          runId: 'run-j',
          checkpointKey: 'account_overlaps/run-j/checkpoints/bad.json',
        },
        lambdaContext(15 * 60_000),
      ),
    ).rejects.toThrow(/Invalid extract checkpoint .*bad\.json: it is not JSON/);
  });

  it('starts each partner from its stored bookmark', async () => {
    const warehouse = new RecordingWarehouse((sql) =>
      sql.includes('partition_bookmarks')
        ? [
            {
              partition_value: 'partner-1',
              bookmark: `${api.url}/v1/overlaps/accounts?partner-id=partner-1&limit=1000&cursor=bookmark-2`,
              bookmark_run_id: 'run-a',
              bookmark_at: '2026-03-01T00:00:00.000Z',
            },
          ]
        : [],
    );
    const { handler, lines } = handlerFor(warehouse);
    const output = await handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT, runId: 'run-c' },
      lambdaContext(15 * 60_000),
    );

    expect(output.status).toBe('complete');
    const manifest = ManifestSchema.parse(
      JSON.parse(
        (await s3.openStore().getBuffer(output.manifestKey!)).toString(),
      ),
    );
    expect(manifest.mode).toBe('incremental');
    expect(manifest.partitions!.slices).toEqual([
      expect.objectContaining({
        value: 'partner-1',
        mode: 'incremental',
        previous_bookmark: expect.stringContaining('cursor=bookmark-2'),
        bookmark: expect.stringContaining('cursor=bookmark-9'),
      }),
    ]);
    expect(manifest.records).toBe(2);
    expect(manifest.previous_bookmark).toBeNull();
    expect(lines.map((line) => line.message)).toContain(
      'Reading account_overlaps one partner at a time: its partner bookmark continues.',
    );
  });

  it('skips own records read within the interval', async () => {
    const readAt = new Date(new Date(OBSERVED_AT).getTime() - 3_600_000);
    const warehouse = new RecordingWarehouse((sql) =>
      sql.includes('sync_state')
        ? [{ stream: 'accounts', bookmark_at: readAt.toISOString() }]
        : [],
    );
    const { handler } = handlerFor(warehouse);
    const tokenRequestsBefore = tokenRequests;

    const output = await handler(
      { stream: 'accounts', observedAt: OBSERVED_AT },
      lambdaContext(15 * 60_000),
    );

    expect(output.status).toBe('skipped');
    expect(output.reason).toBe(
      'its records were read 1.0 h ago, and recordsRefreshHours is 24',
    );
    expect(output.manifestKey).toBeUndefined();
    expect(tokenRequests).toBe(tokenRequestsBefore);
  });

  it('does not read a bookmark for a snapshot stream', async () => {
    const warehouse = warehouseWithBookmark('unused');
    const { handler } = handlerFor(warehouse);
    const output = await handler(
      { stream: 'partners', observedAt: OBSERVED_AT },
      lambdaContext(15 * 60_000),
    );
    expect(output.status).toBe('complete');
    expect(
      warehouse.queries.filter((sql) => sql.includes('sync_state')),
    ).toEqual([]);
  });

  it('rejects a secret that still holds placeholders', async () => {
    const warehouse = warehouseWithBookmark(null);
    const { handler } = handlerFor(warehouse, {
      ...SECRET,
      client_secret: CROSSBEAM_SECRET_PLACEHOLDER,
    });
    const run = handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT },
      lambdaContext(15 * 60_000),
    );
    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(
      `Replace the placeholder values in secret ${SECRET_ID} (client_secret)`,
    );
  });

  it('rejects an invalid input naming the field', async () => {
    const { handler } = handlerFor(warehouseWithBookmark(null));
    await expect(
      handler(
        { stream: 'opportunities', observedAt: OBSERVED_AT },
        lambdaContext(15 * 60_000),
      ),
    ).rejects.toThrow(/Invalid extract input: stream: /);
  });

  it('never logs the secret values', async () => {
    const { handler, lines } = handlerFor(warehouseWithBookmark(null));
    await handler(
      { stream: 'account_overlaps', observedAt: OBSERVED_AT, runId: 'run-c' },
      lambdaContext(15 * 60_000),
    );
    const logged = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(0);
    for (const value of [
      SECRET.client_secret,
      SECRET.refresh_token,
      'refresh-2',
      'access-token-value',
    ]) {
      expect(logged).not.toContain(value);
    }
  });
});
