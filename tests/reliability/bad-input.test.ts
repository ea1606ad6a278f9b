import { gunzipSync } from 'node:zlib';
import type { CrossbeamClient } from '../../lib/crossbeam/client';
import {
  convertValue,
  fitUtf8Bytes,
  MAX_TEXT_BYTES,
  toText,
} from '../../lib/crossbeam/values';
import { RejectThresholdError } from '../../lib/errors';
import { manifestKey } from '../../lib/extract/manifest';
import { readSyncStatus } from '../../lib/load/sync-state';
import { createClientForSettings } from '../../lib/pipeline/client';
import type { PipelineContext } from '../../lib/pipeline/context';
import {
  loadLanded,
  syncStreams,
  type SyncResult,
} from '../../lib/pipeline/steps';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import {
  apiTruth,
  DAY_MS,
  memoryLogger,
  openTestPipeline,
  startItemProxy,
  tempDir,
  type ItemProxy,
} from './harness';

type Item = Record<string, unknown>;

const keyOf = (item: Item) =>
  `account|${String(item.crossbeam_record_id)}|${String(item.partner_crossbeam_record_id)}`;

/**
 * Malformed and awkward items in the account overlaps, served through a
 * loopback proxy in front of the sandbox, synced and loaded into PGlite.
 * Each kind has one defined outcome: cleaned and kept, or set aside in the
 * run's rejects file with its reason and record id.
 */
describe('bad items in a batch', () => {
  const anchor = new Date('2026-05-01T00:00:00Z');
  const world = createWorld({ seed: 31, scale: 'tiny', anchor });
  const logger = memoryLogger();
  let sandbox: Sandbox;
  let proxy: ItemProxy;
  let context: PipelineContext;
  let client: CrossbeamClient;
  let clock = anchor;
  /** The items of the first run before they were damaged. */
  let originals: Item[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: anchor });
    proxy = await startItemProxy(sandbox, '/v1/overlaps/accounts');
    context = await openTestPipeline(
      proxy,
      {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: sandbox.credentials.refreshToken,
        warehouse: 'pglite:memory:',
        landing: `file:${tempDir('bad-input-landing')}`,
        streams: ['account_overlaps'],
        maxRejectShare: 0.5,
        // The proxy plants bad items per page, and items without a partner
        // id appear in no partner's list: one list keeps the counts fixed.
        splitOverlapsByPartner: false,
      },
      logger,
    );
    client = createClientForSettings(context.settings, logger);
  });

  afterAll(async () => {
    await context?.warehouse.close();
    await proxy?.close();
    await sandbox?.close();
  });

  async function syncAndLoad(
    options: { fullRefresh?: boolean; with?: PipelineContext } = {},
  ): Promise<SyncResult> {
    const target = options.with ?? context;
    const sync = await syncStreams(target, client, {
      fullRefresh: options.fullRefresh,
    });
    await loadLanded(target);
    return sync;
  }

  async function rejectsOf(
    sync: SyncResult,
  ): Promise<{ reason: string; record_id: string | null; item: Item }[]> {
    const key = sync.manifests[0]!.rejects.key!;
    const text = gunzipSync(await context.store.getBuffer(key)).toString();
    return text
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            reason: string;
            record_id: string | null;
            item: Item;
          },
      );
  }

  const storedKeys = async () =>
    (
      await context.warehouse.query(
        `select 'account|' || crossbeam_record_id || '|' || partner_crossbeam_record_id as overlap_key from crossbeam.overlaps order by 1`,
      )
    ).map((row) => String(row.overlap_key));

  const recordName = async (item: Item) => {
    const rows = await context.warehouse.query(
      `select record_name from crossbeam.overlaps where crossbeam_record_id = '${String(item.crossbeam_record_id)}' and partner_crossbeam_record_id = '${String(item.partner_crossbeam_record_id)}'`,
    );
    return rows.map((row) => row.record_name);
  };

  it('cleans or sets aside each kind of bad item', async () => {
    proxy.setRewrite((items) => {
      originals = items.map((item) => structuredClone(item));
      const damaged = items.map((item) => ({ ...item }));
      delete damaged[0]!.crossbeam_record_id;
      damaged[1]!.populations = 'customers';
      damaged[2]!.overlap_updated_at = '2026-02-30T10:00:00Z';
      damaged[2]!.updated_at = '2026-02-30T10:00:00Z';
      damaged[3]!.record_name = 'é'.repeat(40_000);
      damaged[4]!.record_name = 'A\u0000B\uD800C';
      damaged[5]!.populations = [{ id: 2 ** 53 + 2, name: 'Too large' }];
      damaged[6]!.Crossbeam_Record_Id = damaged[6]!.crossbeam_record_id;
      delete damaged[6]!.crossbeam_record_id;
      const first = { ...damaged[8]!, record_name: 'first copy' };
      damaged[8]!.record_name = 'second copy';
      return [...damaged.slice(0, 8), first, ...damaged.slice(8)];
    });

    const sync = await syncAndLoad();

    expect(sync.failures).toEqual([]);
    const manifest = sync.manifests[0]!;
    expect(manifest.records).toBe(originals.length + 1);
    expect(manifest.rejects.count).toBe(5);

    const rejects = await rejectsOf(sync);
    /** The reason of the reject with `recordId` for `original`'s overlap. */
    const reasonFor = (original: Item, recordId: unknown) =>
      rejects.find(
        (reject) =>
          reject.record_id === recordId &&
          reject.item.partner_crossbeam_record_id ===
            original.partner_crossbeam_record_id,
      )?.reason;
    const [missingId, wrongType, badTime, , , tooLarge, mixedCase] = originals;
    // Without crossbeam_record_id, the reject names the CRM record_id.
    expect(reasonFor(missingId!, missingId!.record_id)).toMatch(
      /crossbeam_record_id: expected a non-empty string or a number, received nothing/,
    );
    expect(reasonFor(wrongType!, wrongType!.crossbeam_record_id)).toMatch(
      /populations: Invalid input: expected array/,
    );
    expect(reasonFor(badTime!, badTime!.crossbeam_record_id)).toBe(
      'invalid timestamp in overlap_updated_at: the date or time does not exist',
    );
    expect(reasonFor(tooLarge!, tooLarge!.crossbeam_record_id)).toBe(
      'invalid item: populations.0.id: an integer id past 2^53 lost digits when the JSON was parsed',
    );
    // Keys are case-sensitive, so Crossbeam_Record_Id is not the id.
    expect(reasonFor(mixedCase!, mixedCase!.record_id)).toMatch(
      /crossbeam_record_id: expected a non-empty string or a number, received nothing/,
    );

    const rejected = new Set([0, 1, 2, 5, 6].map((i) => keyOf(originals[i]!)));
    const truth = await apiTruth(sandbox);
    const expected = truth.keys.filter(
      (key) => key.startsWith('account|') && !rejected.has(key),
    );
    expect(await storedKeys()).toEqual(expected);

    const [long] = await recordName(originals[3]!);
    expect(Buffer.byteLength(String(long), 'utf8')).toBe(MAX_TEXT_BYTES - 1);
    expect(String(long)).toBe('é'.repeat((MAX_TEXT_BYTES - 1) / 2));
    expect(manifest.warnings.join('\n')).toContain(
      'Truncated overlaps.record_name of the row with crossbeam_record_id=',
    );
    expect(await recordName(originals[4]!)).toEqual(['AB\uFFFDC']);
    expect(await recordName(originals[8]!)).toEqual(['second copy']);
  });

  it('rejects integers past 2^53 in bigint columns', () => {
    expect(() => convertValue('bigint', 2 ** 53 + 2, 'source_id')).toThrow(
      'invalid integer in source_id: 9007199254740994 is beyond 2^53 as a JSON number',
    );
    expect(convertValue('bigint', '9007199254740993', 'source_id')).toBe(
      '9007199254740993',
    );
    expect(convertValue('bigint', 2 ** 53 - 1, 'source_id')).toBe(2 ** 53 - 1);
  });

  it('cleans NUL and lone surrogates in text values', () => {
    expect(toText('A\u0000B')).toBe('AB');
    expect(toText('A\uD800B\uDC00')).toBe('A\uFFFDB\uFFFD');
    expect(toText('pair \uD83D\uDE00 kept')).toBe('pair \uD83D\uDE00 kept');
  });

  it('cuts text to a byte limit at a character boundary', () => {
    expect(fitUtf8Bytes('aé€😀', 7)).toBe('aé€');
    expect(fitUtf8Bytes('aé€😀', 10)).toBe('aé€😀');
    expect(fitUtf8Bytes('€€', 5)).toBe('€');
  });

  it('keeps the last of a change and a delete in one batch', async () => {
    const changedThenDeleted = originals[10]!;
    const deletedThenChanged = originals[11]!;
    proxy.setRewrite((items) => [
      ...items,
      { ...changedThenDeleted, record_name: 'changed' },
      { ...changedThenDeleted, is_deleted: true },
      { ...deletedThenChanged, is_deleted: true },
      { ...deletedThenChanged, record_name: 'back again' },
    ]);
    const before = await storedKeys();
    clock = new Date(clock.getTime() + DAY_MS);
    sandbox.setClock(clock);

    const sync = await syncAndLoad();

    expect(sync.failures).toEqual([]);
    expect(sync.manifests[0]!.mode).toBe('incremental');
    expect(await recordName(changedThenDeleted)).toEqual([]);
    expect(await recordName(deletedThenChanged)).toEqual(['back again']);
    expect(await storedKeys()).toContain(keyOf(originals[12]!));
    expect(before).toContain(keyOf(changedThenDeleted));
  });

  it('fails a run over maxRejectShare and loads the next', async () => {
    const strict: PipelineContext = {
      ...context,
      settings: { ...context.settings, maxRejectShare: 0.05 },
    };
    proxy.setRewrite((items) =>
      items.map((item, index) =>
        index < 4 ? { ...item, overlap_created_at: 'not a time' } : item,
      ),
    );
    const before = await storedKeys();
    clock = new Date(clock.getTime() + DAY_MS);
    sandbox.setClock(clock);

    const failed = await syncAndLoad({ fullRefresh: true, with: strict });

    expect(failed.manifests).toEqual([]);
    const error = failed.failures[0]!.error as Error;
    expect(error).toBeInstanceOf(RejectThresholdError);
    expect(error.message).toMatch(
      /^4 of \d+ items of account_overlaps \(\d+\.\d%\) were rejected, more than maxRejectShare allows \(5\.0%\)/,
    );
    expect(error.message).toContain(
      '4 × invalid timestamp in overlap_created_at',
    );
    expect(error.message).toContain('rejects.ndjson.gz');
    const runKeys = await context.store.list(
      `account_overlaps/${failed.runId}/`,
    );
    expect(runKeys.length).toBeGreaterThan(0);
    expect(runKeys).not.toContain(
      manifestKey('account_overlaps', failed.runId),
    );
    expect(await storedKeys()).toEqual(before);
    const [status] = await readSyncStatus(context.warehouse, context.sql);
    expect(status!.last_error).toContain('maxRejectShare');

    proxy.setRewrite(null);
    clock = new Date(clock.getTime() + DAY_MS);
    sandbox.setClock(clock);
    const loaded = await syncAndLoad({ with: strict });

    expect(loaded.failures).toEqual([]);
    expect(loaded.manifests[0]!.mode).toBe('incremental');
    const fresh = await syncAndLoad({ fullRefresh: true, with: strict });
    expect(fresh.failures).toEqual([]);
    const truth = await apiTruth(sandbox);
    expect(await storedKeys()).toEqual(
      truth.keys.filter((key) => key.startsWith('account|')),
    );
    const [cleared] = await readSyncStatus(context.warehouse, context.sql);
    expect(cleared!.last_error).toBeNull();
  });
});
