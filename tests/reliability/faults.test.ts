import { readSyncStatus } from '../../lib/load/sync-state';
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
import type { CrossbeamClient } from '../../lib/crossbeam/client';
import type { StreamName } from '../../lib/streams/catalog';
import {
  apiTruth,
  DAY_MS,
  memoryLogger,
  openTestPipeline,
  tempDir,
  warehouseState,
  worldOverlaps,
} from './harness';

/**
 * Faults injected by the sandbox over real HTTP, through syncStreams and
 * loadLanded into one PGlite warehouse. Each case moves the sandbox clock
 * forward, so every run after the first is incremental and carries new,
 * changed and deleted overlaps. After each case the warehouse must hold
 * exactly what a clean full read of the API returns.
 */
describe('sync and load under API faults', () => {
  const anchor = new Date('2026-03-01T00:00:00Z');
  const world = createWorld({ seed: 11, scale: 'tiny', anchor });
  const logger = memoryLogger();
  let sandbox: Sandbox;
  let context: PipelineContext;
  let client: CrossbeamClient;
  let clock = anchor;

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: anchor });
    context = await openTestPipeline(
      sandbox,
      {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: sandbox.credentials.refreshToken,
        warehouse: 'pglite:memory:',
        landing: `file:${tempDir('faults-landing')}`,
        requestTimeoutMs: 400,
        // Faults are counted per request; one list per overlap stream keeps
        // those counts fixed. split-partners.test.ts runs faults split by
        // partner.
        splitOverlapsByPartner: false,
      },
      logger,
    );
    client = createClientForSettings(context.settings, logger);
  });

  afterAll(async () => {
    await context?.warehouse.close();
    await sandbox?.close();
  });

  /** Moves the API clock on, then syncs and loads with `faults` active. */
  async function runWith(faults: FaultRule[], days = 2): Promise<SyncResult> {
    clock = new Date(clock.getTime() + days * DAY_MS);
    sandbox.setClock(clock);
    sandbox.setFaults(faults);
    const firedBefore = sandbox.stats().faultsFired;
    try {
      const sync = await syncStreams(context, client);
      await loadLanded(context);
      expect(sandbox.stats().faultsFired).toBeGreaterThan(firedBefore);
      return sync;
    } finally {
      sandbox.setFaults([]);
    }
  }

  async function expectConverged(): Promise<void> {
    const truth = await apiTruth(sandbox);
    expect(truth.keys).toHaveLength(worldOverlaps(world, clock));
    const state = await warehouseState(context.warehouse);
    expect(state.keys).toEqual(truth.keys);
    expect(state.populationRows).toBe(truth.populationRows);
    expect(state.duplicates).toBe(0);
    expect(state.openHistory).toBe(truth.keys.length);
  }

  const manifestOf = (sync: SyncResult, stream: StreamName) =>
    sync.manifests.find((manifest) => manifest.stream === stream);

  it('loads a clean first run', async () => {
    const sync = await syncStreams(context, client);
    await loadLanded(context);

    expect(sync.failures).toEqual([]);
    await expectConverged();
  });

  const retried: [string, FaultRule[]][] = [
    [
      '429 with Retry-After',
      [
        {
          path: '/v1/overlaps/accounts',
          type: 'status',
          status: 429,
          retryAfterSeconds: 1,
        },
      ],
    ],
    [
      '429 without Retry-After',
      [
        {
          path: '/v1/overlaps/accounts',
          type: 'status',
          status: 429,
          count: 3,
        },
      ],
    ],
    [
      'a 500, 502 and 503 burst',
      [
        { path: '/v1/overlaps/accounts', type: 'status', status: 500 },
        { path: '/v1/overlaps/accounts', type: 'status', status: 502 },
        { path: '/v1/overlaps/accounts', type: 'status', status: 503 },
      ],
    ],
    [
      'answers slower than the timeout',
      [
        {
          path: '/v1/overlaps/accounts',
          type: 'delay',
          delayMs: 1500,
          count: 2,
        },
      ],
    ],
    [
      'dropped connections',
      [{ path: '/v1/overlaps/accounts', type: 'drop', count: 2 }],
    ],
    [
      'truncated bodies',
      [{ path: '/v1/overlaps/accounts', type: 'truncate', count: 2 }],
    ],
    [
      'non-JSON bodies',
      [{ path: '/v1/overlaps/accounts', type: 'not-json', count: 2 }],
    ],
  ];

  it.each(retried)('retries %s and converges', async (_name, faults) => {
    const sync = await runWith(faults);

    // The test backoff is at most 20 ms, so a longer run waited for the
    // server's Retry-After.
    const retryAfter = faults.find(
      (rule) => rule.type === 'status' && rule.retryAfterSeconds,
    );
    if (retryAfter) expect(sync.durationMs).toBeGreaterThanOrEqual(1000);

    expect(sync.failures).toEqual([]);
    expect(manifestOf(sync, 'account_overlaps')!.retries).toBeGreaterThan(0);
    await expectConverged();
  });

  it('refreshes an access token rejected mid-run', async () => {
    const tokensBefore = sandbox.stats().tokensIssued;

    const sync = await runWith([
      { path: '/v1/overlaps/leads', type: 'expired-token' },
    ]);

    expect(sync.failures).toEqual([]);
    expect(sandbox.stats().tokensIssued).toBe(tokensBefore + 1);
    await expectConverged();
  });

  // The client treats an empty page with has_more: true, and a page whose
  // next_href is its own URL, as malformed and requests the same URL again.
  it.each([['empty-page'], ['repeat-cursor']] as const)(
    'retries one %s fault and converges',
    async (type) => {
      const sync = await runWith([{ path: '/v1/overlaps/accounts', type }]);

      expect(sync.failures).toEqual([]);
      const manifest = manifestOf(sync, 'account_overlaps')!;
      expect(manifest.retries).toBe(1);
      expect(manifest.pages).toBe(1);
      await expectConverged();
    },
  );

  it('fails a stream whose 503s outlast the retries', async () => {
    const before = await warehouseState(context.warehouse);

    const sync = await runWith([
      {
        path: '/v1/overlaps/leads',
        type: 'status',
        status: 503,
        count: Infinity,
      },
    ]);

    expect(sync.failures.map((failure) => failure.stream)).toEqual([
      'lead_overlaps',
    ]);
    const message = (sync.failures[0]!.error as Error).message;
    expect(message).toContain('failed after 6 attempts');
    expect(message).toContain('HTTP 503');
    const after = await warehouseState(context.warehouse);
    const leads = (keys: string[]) => keys.filter((k) => k.startsWith('lead|'));
    expect(leads(after.keys)).toEqual(leads(before.keys));

    const status = await readSyncStatus(context.warehouse, context.sql);
    const leadStatus = status.find((row) => row.stream === 'lead_overlaps')!;
    expect(leadStatus.last_error).toContain('HTTP 503');
    expect(leadStatus.bookmark).not.toBeNull();

    await runWith([], 1).catch(() => undefined);
    await expectConverged();
    const cleared = await readSyncStatus(context.warehouse, context.sql);
    expect(
      cleared.find((row) => row.stream === 'lead_overlaps')!.last_error,
    ).toBeNull();
  });

  it('fails a stream whose cursor never advances, then converges', async () => {
    const sync = await runWith([
      { path: '/v1/overlaps/accounts', type: 'repeat-cursor', count: Infinity },
    ]);

    expect(sync.failures.map((failure) => failure.stream)).toEqual([
      'account_overlaps',
    ]);
    const message = (sync.failures[0]!.error as Error).message;
    expect(message).toContain('failed after 6 attempts');
    expect(message).toMatch(/the cursor did not advance|would never end/);
    expect(message).toContain('Retry later');

    clock = new Date(clock.getTime() + DAY_MS);
    sandbox.setClock(clock);
    const again = await syncStreams(context, client);
    await loadLanded(context);
    expect(again.failures).toEqual([]);
    await expectConverged();
  });

  it('reads a stream in full when its bookmark expired', async () => {
    const fullPassesBefore = logger.lines.filter((line) =>
      line.includes('rejected the bookmark'),
    ).length;
    clock = new Date(clock.getTime() + 120 * DAY_MS);
    sandbox.setClock(clock);

    const sync = await syncStreams(context, client);
    await loadLanded(context);

    expect(sync.failures).toEqual([]);
    expect(manifestOf(sync, 'account_overlaps')!.mode).toBe('full');
    expect(manifestOf(sync, 'account_signals')!.mode).toBe('full');
    const fullPasses = logger.lines.filter((line) =>
      line.includes('rejected the bookmark'),
    ).length;
    expect(fullPasses - fullPassesBefore).toBe(4);
    await expectConverged();
  });

  it('reads a stream in full when its bookmark is invalid', async () => {
    await context.warehouse.query(
      `update crossbeam.sync_state set bookmark = replace(bookmark, 'cursor=', 'cursor=x') where stream = 'lead_overlaps'`,
    );
    clock = new Date(clock.getTime() + DAY_MS);
    sandbox.setClock(clock);

    const sync = await syncStreams(context, client);
    await loadLanded(context);

    expect(sync.failures).toEqual([]);
    expect(manifestOf(sync, 'lead_overlaps')!.mode).toBe('full');
    expect(manifestOf(sync, 'account_overlaps')!.mode).toBe('incremental');
    await expectConverged();
  });

  it('records retries of the last load in sync_state', async () => {
    await runWith([
      { path: '/v1/overlaps/accounts', type: 'status', status: 502, count: 2 },
    ]);

    const status = await readSyncStatus(context.warehouse, context.sql);
    const accounts = status.find((row) => row.stream === 'account_overlaps')!;
    expect(accounts.retries).toBe(2);
    expect(accounts.last_error).toBeNull();
    await expectConverged();
  });
});
