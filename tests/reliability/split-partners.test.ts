import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createCrossbeamClient,
  type CrossbeamClient,
} from '../../lib/crossbeam/client';
import { hasLiveRows } from '../../lib/load/sync-state';
import { createClientForSettings } from '../../lib/pipeline/client';
import type { PipelineContext } from '../../lib/pipeline/context';
import {
  loadLanded,
  syncStreams,
  type SyncResult,
} from '../../lib/pipeline/steps';
import type { FaultRule } from '../../lib/sandbox/faults';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import { DAY_MS, memoryLogger, openTestPipeline, tempDir } from './harness';

/**
 * The overlap streams read one partner at a time, through syncStreams and
 * loadLanded into one PGlite warehouse, against a loopback proxy in front
 * of the sandbox that can hide partners from /v1/partners and fail one
 * partner's overlap list. After each case the warehouse must hold what a
 * clean read of the API in one list returns.
 */
describe('overlaps read per partner', () => {
  const anchor = new Date('2026-03-01T00:00:00Z');
  const world = createWorld({ seed: 11, scale: 'tiny', anchor });
  const logger = memoryLogger();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  let hidden = new Set<string>();
  let failing: { partner: string; status: number } | null = null;
  let sandbox: Sandbox;
  let proxy: http.Server;
  let context: PipelineContext;
  let client: CrossbeamClient;
  let clock = anchor;

  /** Forwards to the sandbox, applying `hidden` and `failing`. */
  function forward(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    origin: string,
  ): void {
    const upstream = new URL(sandbox.url);
    const target = new URL(request.url ?? '/', upstream);
    if (
      failing &&
      target.pathname.startsWith('/v1/overlaps') &&
      target.searchParams.get('partner-id') === failing.partner
    ) {
      response.writeHead(failing.status, {
        'content-type': 'application/json',
      });
      response.end('{}');
      return;
    }
    const headers = new Headers();
    for (const name of ['authorization', 'xbeam-organization']) {
      const value = request.headers[name];
      if (typeof value === 'string') headers.set(name, value);
    }
    void fetch(target, { headers })
      .then(async (answer) => {
        let text = (await answer.text()).split(upstream.origin).join(origin);
        if (answer.ok && target.pathname === '/v1/partners') {
          const body = JSON.parse(text) as { data: { uuid: string }[] };
          body.data = body.data.filter((partner) => !hidden.has(partner.uuid));
          text = JSON.stringify(body);
        }
        response.writeHead(answer.status, {
          'content-type': 'application/json',
        });
        response.end(text);
      })
      .catch((error: unknown) => {
        response.writeHead(502);
        response.end(String(error));
      });
  }

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    sandbox = await startSandbox({ world, clock: anchor });
    let origin = '';
    proxy = http.createServer((request, response) =>
      forward(request, response, origin),
    );
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    context = await openTestPipeline(
      {
        url: origin,
        authUrl: sandbox.authUrl,
        organization: sandbox.organization,
      },
      {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: sandbox.credentials.refreshToken,
        warehouse: 'pglite:memory:',
        landing: `file:${tempDir('split-partners-landing')}`,
        streams: ['partners', 'account_overlaps', 'lead_overlaps'],
        splitOverlapsByPartner: true,
      },
      logger,
    );
    client = createClientForSettings(context.settings, logger);
  });

  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await context?.warehouse.close();
    await new Promise((resolve) => proxy?.close(resolve));
    await sandbox?.close();
  });

  /** Reads every overlap the API serves now, in one list per stream. */
  async function apiKeys(): Promise<string[]> {
    const direct = createCrossbeamClient({
      apiUrl: sandbox.url,
      authUrl: sandbox.authUrl,
      organization: sandbox.organization,
      credentials: { accessToken: sandbox.issueAccessToken() },
    });
    const keys: string[] = [];
    for (const type of ['account', 'lead'] as const) {
      for await (const page of direct.paginate(
        `/v1/overlaps/${type}s`,
        {},
        { pagination: 'cursor' },
      )) {
        for (const item of page.items as Record<string, unknown>[]) {
          keys.push(
            `${type}|${String(item.crossbeam_record_id)}|${String(item.partner_crossbeam_record_id)}@${String(item.partner_id)}`,
          );
        }
      }
    }
    return keys.sort();
  }

  async function storedKeys(): Promise<string[]> {
    const rows = await context.warehouse.query(
      `select overlap_type || '|' || crossbeam_record_id || '|' || partner_crossbeam_record_id || '@' || coalesce(partner_id, 'null') as overlap_key from crossbeam.overlaps`,
    );
    return rows.map((row) => String(row.overlap_key)).sort();
  }

  async function openHistory(): Promise<number> {
    const [row] = await context.warehouse.query(
      'select count(*) as open_intervals from crossbeam.overlap_history where valid_to is null',
    );
    return Number(row!.open_intervals);
  }

  async function partnerBookmarks(): Promise<string[]> {
    const rows = await context.warehouse.query(
      'select stream, partition_value, bookmark_run_id from crossbeam.partition_bookmarks order by 1, 2',
    );
    return rows.map(
      (row) =>
        `${String(row.stream)}:${String(row.partition_value)}:${String(row.bookmark_run_id)}`,
    );
  }

  async function expectConverged(): Promise<void> {
    const truth = await apiKeys();
    expect(await storedKeys()).toEqual(truth);
    expect(await openHistory()).toBe(truth.length);
    expect(unhandled).toEqual([]);
  }

  /** Moves the API clock on, then syncs and loads. */
  async function step(
    days: number,
    faults: FaultRule[] = [],
  ): Promise<SyncResult> {
    clock = new Date(clock.getTime() + days * DAY_MS);
    sandbox.setClock(clock);
    sandbox.setFaults(faults);
    try {
      const sync = await syncStreams(context, client);
      await loadLanded(context);
      return sync;
    } finally {
      sandbox.setFaults([]);
    }
  }

  const partnerIds = () => world.partners.map((partner) => partner.uuid);

  /** Sets `splitOverlapsByPartner` for the runs after this call. */
  const setSplit = (value: boolean | 'auto') => {
    (
      context.settings as { splitOverlapsByPartner: boolean | 'auto' }
    ).splitOverlapsByPartner = value;
  };

  it('matches the API after a first run', async () => {
    const sync = await step(0);

    expect(sync.failures).toEqual([]);
    const split = sync.manifests.find((m) => m.stream === 'account_overlaps');
    expect(split!.partitions!.slices).toHaveLength(world.partners.length);
    await expectConverged();
  });

  it('retries faults on partner lists and converges', async () => {
    const sync = await step(2, [
      {
        path: '/v1/overlaps/accounts',
        type: 'status',
        status: 429,
        retryAfterSeconds: 1,
      },
      { path: '/v1/overlaps/accounts', type: 'status', status: 500 },
      { path: '/v1/overlaps/leads', type: 'drop', count: 2 },
      { path: '/v1/partners', type: 'status', status: 503 },
    ]);

    expect(sync.failures).toEqual([]);
    const manifest = sync.manifests.find(
      (m) => m.stream === 'account_overlaps',
    );
    expect(manifest!.mode).toBe('incremental');
    expect(manifest!.retries).toBeGreaterThan(0);
    await expectConverged();
  });

  it('removes a partner no longer listed', async () => {
    const endedPartner = partnerIds()[0]!;
    hidden = new Set([endedPartner]);
    const sync = await step(1);
    hidden = new Set();

    expect(sync.failures).toEqual([]);
    const expected = (await apiKeys()).filter(
      (key) => !key.endsWith(`@${endedPartner}`),
    );
    expect(await storedKeys()).toEqual(expected);
    expect(await openHistory()).toBe(expected.length);
    expect(
      (await partnerBookmarks()).some((b) => b.includes(`:${endedPartner}:`)),
    ).toBe(false);
  });

  it('reads a returning partner in full', async () => {
    const sync = await step(1);

    expect(sync.failures).toEqual([]);
    const manifest = sync.manifests.find(
      (m) => m.stream === 'account_overlaps',
    );
    const returned = manifest!.partitions!.slices.find(
      (slice) => slice.value === partnerIds()[0],
    );
    expect(returned!.mode).toBe('full');
    await expectConverged();
  });

  it('fails cleanly when one partner list fails', async () => {
    const before = await partnerBookmarks();
    const broken = partnerIds()[1]!;
    failing = { partner: broken, status: 400 };
    const sync = await step(1);
    failing = null;

    expect(sync.failures.map((failure) => failure.stream).sort()).toEqual([
      'account_overlaps',
      'lead_overlaps',
    ]);
    expect(String((sync.failures[0]!.error as Error).message)).toContain(
      `for partner ${broken}`,
    );
    expect(await partnerBookmarks()).toEqual(before);
    const next = await step(1);
    expect(next.failures).toEqual([]);
    await expectConverged();
  });

  it('stops when the partner list comes back empty', async () => {
    const before = await storedKeys();
    hidden = new Set(partnerIds());
    const sync = await step(1);
    hidden = new Set();

    expect(sync.failures).toHaveLength(2);
    expect(String((sync.failures[0]!.error as Error).message)).toMatch(
      /returned no partners, although \d+ partners/,
    );
    expect(await storedKeys()).toEqual(before);
    const next = await step(1);
    expect(next.failures).toEqual([]);
    await expectConverged();
  });

  it('converges when the split is turned off and on', async () => {
    setSplit(false);
    const off = await step(1);
    expect(off.failures).toEqual([]);
    expect(
      off.manifests
        .filter((m) => m.stream.endsWith('_overlaps'))
        .map((m) => m.mode),
    ).toEqual(['full', 'full']);
    expect(await partnerBookmarks()).toEqual([]);
    await expectConverged();

    setSplit(true);
    const on = await step(1);
    expect(on.failures).toEqual([]);
    expect(
      on.manifests
        .filter((m) => m.stream.endsWith('_overlaps'))
        .map((m) => m.mode),
    ).toEqual(['full', 'full']);
    await expectConverged();
    const again = await step(1);
    expect(
      again.manifests
        .filter((m) => m.stream.endsWith('_overlaps'))
        .map((m) => m.mode),
    ).toEqual(['incremental', 'incremental']);
    await expectConverged();
  });

  it('stops on no partners after a list run', async () => {
    setSplit(false);
    expect((await step(1)).failures).toEqual([]);
    const before = await storedKeys();
    expect(before.length).toBeGreaterThan(0);

    setSplit(true);
    hidden = new Set(partnerIds());
    const sync = await step(1);
    hidden = new Set();

    expect(sync.failures).toHaveLength(2);
    expect(String((sync.failures[0]!.error as Error).message)).toContain(
      'although the warehouse contains overlaps of account_overlaps, which its last run read as one list',
    );
    expect(await storedKeys()).toEqual(before);
    expect((await step(1)).failures).toEqual([]);
    await expectConverged();
  });

  it('keeps the list bookmark past a stale split run', async () => {
    const syncOnly = async (days: number, setting: boolean | 'auto') => {
      setSplit(setting);
      clock = new Date(clock.getTime() + days * DAY_MS);
      sandbox.setClock(clock);
      // Run ids order loads to the second, so the two runs must not share
      // one.
      await new Promise((resolve) =>
        setTimeout(resolve, 1010 - (Date.now() % 1000)),
      );
      const sync = await syncStreams(context, client);
      expect(sync.failures).toEqual([]);
      return sync;
    };
    setSplit(true);
    expect((await step(1)).failures).toEqual([]);
    // Both runs land before either loads, so the list run replaces the
    // partner bookmarks that the split run after it started from.
    await syncOnly(1, false);
    await syncOnly(1, 'auto');
    await loadLanded(context);

    const [state] = await context.warehouse.query(
      "select bookmark from crossbeam.sync_state where stream = 'account_overlaps'",
    );
    expect(state!.bookmark).not.toBeNull();
    const next = await step(1);
    expect(
      next.manifests
        .filter((m) => m.stream.endsWith('_overlaps'))
        .map((m) => [m.mode, m.partitions !== undefined]),
    ).toEqual([
      ['incremental', false],
      ['incremental', false],
    ]);
    await expectConverged();
  });

  it('keeps the way a stream was read under auto', async () => {
    const overlapRuns = (sync: Awaited<ReturnType<typeof step>>) =>
      sync.manifests
        .filter((manifest) => manifest.stream.endsWith('_overlaps'))
        .map((manifest) => [manifest.mode, manifest.partitions !== undefined]);

    setSplit(true);
    await step(1);
    setSplit('auto');
    const split = await step(1);
    expect(overlapRuns(split)).toEqual([
      ['incremental', true],
      ['incremental', true],
    ]);
    await expectConverged();

    setSplit(false);
    await step(1);
    setSplit('auto');
    const oneList = await step(1);
    expect(overlapRuns(oneList)).toEqual([
      ['incremental', false],
      ['incremental', false],
    ]);
    expect(logger.lines.join('\n')).toContain(
      'Reading account_overlaps as one list: its bookmark continues.',
    );
    await expectConverged();
    setSplit(true);
  });

  it('finds live overlaps per stream', async () => {
    expect(
      await hasLiveRows(context.warehouse, context.sql, 'account_overlaps'),
    ).toBe(true);
    expect(
      await hasLiveRows(context.warehouse, context.sql, 'lead_overlaps'),
    ).toBe(true);

    await context.warehouse.query(
      "update crossbeam.overlaps set is_deleted = true where overlap_type = 'lead'",
    );
    expect(
      await hasLiveRows(context.warehouse, context.sql, 'lead_overlaps'),
    ).toBe(false);
    expect(
      await hasLiveRows(context.warehouse, context.sql, 'account_overlaps'),
    ).toBe(true);
  });
});
