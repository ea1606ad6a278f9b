import * as fs from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  createCrossbeamClient,
  type CrossbeamClient,
} from '../../lib/crossbeam/client';
import { ConfigurationError, CrossbeamApiError } from '../../lib/errors';
import {
  extractStream,
  type ExtractCheckpoint,
  type ExtractOptions,
} from '../../lib/extract/extract';
import {
  createExtractLimiter,
  FairSemaphore,
  PageReader,
  SlotPriority,
} from '../../lib/extract/limiter';
import { planSlices, readSlices } from '../../lib/extract/partitions';
import { silentLogger } from '../../lib/log';

/** Resolves after the event loop's current turn. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Records `group` in `order` once `pending` grants its slot. */
const recordGrant = (
  order: string[],
  group: string,
  pending: Promise<() => void>,
): Promise<() => void> =>
  pending.then((release) => {
    order.push(group);
    return release;
  });
import type { Manifest } from '../../lib/extract/manifest';
import { FileLandingStore } from '../../lib/landing/file-store';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import { sendJson, startFakeApi } from '../crossbeam/fake-api';

const ANCHOR = new Date('2026-03-01T00:00:00Z');
const OBSERVED_AT = new Date('2026-03-01T00:00:00Z');
const world = createWorld({ seed: 5, scale: 'demo', anchor: ANCHOR });

let sandbox: Sandbox;
let root: string;

beforeAll(async () => {
  sandbox = await startSandbox({ world, clock: ANCHOR });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'extract-split-'));
});

afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function clientFor(apiUrl: string): CrossbeamClient {
  return createCrossbeamClient({
    apiUrl,
    authUrl: sandbox.authUrl,
    organization: sandbox.organization,
    credentials: { accessToken: sandbox.issueAccessToken() },
  });
}

let runCounter = 0;

function baseOptions(
  folder: string,
  overrides: Partial<ExtractOptions> = {},
): ExtractOptions {
  runCounter++;
  return {
    stream: 'account_overlaps',
    client: clientFor(sandbox.url),
    store: new FileLandingStore(path.join(root, folder)),
    runId: `20260301T000000Z-${String(runCounter).padStart(4, '0')}`,
    observedAt: OBSERVED_AT,
    bookmark: null,
    ...overrides,
  };
}

/** Reads the overlap rows a manifest lists, without lineage, sorted. */
async function landedOverlaps(
  folder: string,
  manifest: Manifest,
): Promise<string[]> {
  const lines: string[] = [];
  for (const part of manifest.tables.overlaps!.parts) {
    const body = await fs.readFile(path.join(root, folder, part.key));
    for (const line of gunzipSync(body).toString('utf8').split('\n')) {
      if (!line) continue;
      const {
        _run_id: _run,
        _observed_at: _observed,
        ...row
      } = JSON.parse(line) as Record<string, unknown>;
      lines.push(JSON.stringify(row));
    }
  }
  return lines.sort();
}

/**
 * Starts a loopback proxy in front of the sandbox that slows every response
 * by `delayMs` and, with `limit`, forces that page size on overlap lists.
 * It counts the requests in flight.
 */
async function startPageProxy(settings: {
  delayMs: number;
  limit?: number;
}): Promise<{
  url: string;
  maxInFlight: () => number;
  close: () => Promise<void>;
}> {
  let inFlight = 0;
  let maxInFlight = 0;
  let proxyUrl = '';
  const target = new URL(sandbox.url);
  const proxy: Server = createServer((incoming, outgoing) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const url = new URL(incoming.url ?? '/', target);
    if (settings.limit && url.pathname.startsWith('/v1/overlaps')) {
      url.searchParams.set('limit', String(settings.limit));
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: `${url.pathname}${url.search}`,
        method: incoming.method,
        headers: incoming.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          // The sandbox writes its own origin into next_href.
          const body = Buffer.concat(chunks)
            .toString('utf8')
            .split(sandbox.url)
            .join(proxyUrl);
          const headers = { ...response.headers };
          delete headers['content-length'];
          setTimeout(() => {
            inFlight--;
            outgoing.writeHead(response.statusCode ?? 502, headers);
            outgoing.end(body);
          }, settings.delayMs);
        });
      },
    );
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    url: proxyUrl,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

/**
 * Wraps a client so that `GET /v1/partners` leaves out the partners that
 * `hidden` returns for that listing (0 for the first, 1 for the second).
 */
function hidingPartners(
  client: CrossbeamClient,
  hidden: (listing: number) => ReadonlySet<string>,
): CrossbeamClient {
  let listings = 0;
  return {
    ...client,
    paginate(path, query, options) {
      const pages = client.paginate(path, query, options);
      if (path !== '/v1/partners') return pages;
      const leftOut = hidden(listings++);
      return (async function* () {
        for await (const page of pages) {
          yield {
            ...page,
            items: page.items.filter(
              (item) => !leftOut.has((item as { uuid: string }).uuid),
            ),
          };
        }
      })();
    },
  };
}

async function complete(options: ExtractOptions): Promise<Manifest> {
  const result = await extractStream(options);
  if (result.status !== 'complete') throw new Error('expected a manifest');
  return result.manifest;
}

describe('extractStream split by partner', () => {
  it('lands the same overlaps as one list', async () => {
    const single = await complete(baseOptions('single'));
    const split = await complete(
      baseOptions('split', {
        partitions: { bookmarks: new Map() },
        limiter: createExtractLimiter(3),
      }),
    );

    expect(split.records).toBe(single.records);
    expect(await landedOverlaps('split', split)).toEqual(
      await landedOverlaps('single', single),
    );
    expect(split.mode).toBe('full');
    expect(split.bookmark).toBeNull();
    const slices = split.partitions!.slices;
    expect(slices.map((slice) => slice.value).sort()).toEqual(
      world.partners.map((partner) => partner.uuid).sort(),
    );
    // The partners are listed before and after the lists are read.
    expect(split.partitions!.listed.records).toBe(2 * world.partners.length);
    expect(split.partitions!.unread).toEqual([]);
    expect(slices.every((slice) => slice.mode === 'full')).toBe(true);
    expect(slices.every((slice) => slice.bookmark !== null)).toBe(true);
    expect(slices.reduce((sum, slice) => sum + slice.records, 0)).toBe(
      split.records,
    );
  });

  it('reads only changes from partner bookmarks', async () => {
    const first = await complete(
      baseOptions('first', { partitions: { bookmarks: new Map() } }),
    );
    const bookmarks = new Map(
      first.partitions!.slices.map((slice) => [slice.value, slice.bookmark!]),
    );
    sandbox.setClock(new Date(ANCHOR.getTime() + 7 * 86_400_000));
    try {
      const changes = await complete(
        baseOptions('changes', { partitions: { bookmarks } }),
      );

      expect(changes.mode).toBe('incremental');
      expect(changes.records).toBeGreaterThan(0);
      expect(changes.records).toBeLessThan(first.records / 5);
      for (const slice of changes.partitions!.slices) {
        expect(slice.mode).toBe('incremental');
        expect(slice.previous_bookmark).toBe(bookmarks.get(slice.value));
      }
    } finally {
      sandbox.setClock(ANCHOR);
    }
  });

  it('reads a partner in full when its bookmark is rejected', async () => {
    const first = await complete(
      baseOptions('first', { partitions: { bookmarks: new Map() } }),
    );
    const [broken, ...rest] = first.partitions!.slices;
    const bookmarks = new Map(
      rest.map((slice) => [slice.value, slice.bookmark!]),
    );
    bookmarks.set(
      broken!.value,
      broken!.bookmark!.replace('cursor=', 'cursor=x'),
    );
    const warnings: string[] = [];
    const logger = {
      info() {},
      warn: (message: string) => warnings.push(message),
      error() {},
    };

    const again = await complete(
      baseOptions('again', { partitions: { bookmarks }, logger }),
    );

    const slices = new Map(
      again.partitions!.slices.map((slice) => [slice.value, slice]),
    );
    expect(slices.get(broken!.value)!.mode).toBe('full');
    expect(slices.get(broken!.value)!.records).toBe(broken!.records);
    expect(slices.get(rest[0]!.value)!.mode).toBe('incremental');
    expect(again.mode).toBe('incremental');
    expect(warnings.join('\n')).toContain(
      `rejected the bookmark of account_overlaps for partner ${broken!.value}`,
    );
  });

  it('resumes from a checkpoint to the same rows', async () => {
    const whole = await complete(
      baseOptions('whole', { partitions: { bookmarks: new Map() } }),
    );
    // A clock that passes the deadline after every few readings, so that
    // each call stops after a few pages.
    let ticks = 0;
    const now = () => (ticks++ % 12 === 11 ? 2_000_000 : 1_000_000);
    const options = baseOptions('resumed', {
      partitions: { bookmarks: new Map() },
      limiter: createExtractLimiter(2),
      deadline: 1_500_000,
      now,
    });
    let checkpoint: ExtractCheckpoint | undefined;
    let calls = 0;
    let manifest: Manifest | undefined;
    while (!manifest) {
      calls++;
      expect(calls).toBeLessThan(200);
      const result = await extractStream({ ...options, checkpoint });
      if (result.status === 'complete') manifest = result.manifest;
      else checkpoint = JSON.parse(JSON.stringify(result.checkpoint));
    }

    expect(calls).toBeGreaterThan(1);
    expect(manifest.records).toBe(whole.records);
    expect(await landedOverlaps('resumed', manifest)).toEqual(
      await landedOverlaps('whole', whole),
    );
    expect(manifest.partitions!.slices.every((slice) => slice.bookmark)).toBe(
      true,
    );
  });

  it('keeps requests in flight within the limiter', async () => {
    const proxy = await startPageProxy({ delayMs: 15 });
    try {
      const limiter = createExtractLimiter(3);
      const manifest = await complete(
        baseOptions('limited', {
          client: clientFor(proxy.url),
          partitions: { bookmarks: new Map() },
          limiter,
        }),
      );

      expect(manifest.partitions!.slices.length).toBeGreaterThan(3);
      expect(proxy.maxInFlight()).toBe(3);
      expect(limiter.requests.used).toBe(0);
      expect(limiter.pages.used).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('sends no request once stopped while waiting', async () => {
    const client = clientFor(sandbox.url);
    const limiter = createExtractLimiter(2);
    const partitions = await planSlices(
      client,
      'account_overlaps',
      { bookmarks: new Map() },
      (request) => request(),
    );
    // Another stream's landing pages hold every page slot.
    const landingSlots = [];
    for (let slot = 0; slot < limiter.pages.capacity; slot++) {
      landingSlots.push(await limiter.pages.acquire('accounts'));
    }
    const before = sandbox.stats().requests['/v1/overlaps/accounts'] ?? 0;
    let stopping = false;
    const landed: string[] = [];
    const reading = readSlices({
      stream: 'account_overlaps',
      client,
      partitions,
      limiter,
      logger: silentLogger,
      shouldStop: () => stopping,
      land: async (page) => {
        landed.push(page.url);
      },
    });
    await nextTurn();
    stopping = true;
    for (const release of landingSlots) release();
    await reading;

    expect(landed).toEqual([]);
    expect(sandbox.stats().requests['/v1/overlaps/accounts'] ?? 0).toBe(before);
    expect(partitions.slices.every((slice) => slice.pages === 0)).toBe(true);
    expect(limiter.requests.used).toBe(0);
    expect(limiter.pages.used).toBe(0);
  });

  it('frees every slot when a write fails', async () => {
    const proxy = await startPageProxy({ delayMs: 0, limit: 7 });
    const options = baseOptions('failing', {
      client: clientFor(proxy.url),
      partitions: { bookmarks: new Map() },
      limiter: createExtractLimiter(3),
    });
    const store = options.store;
    let writes = 0;
    const failing = Object.create(store) as typeof store;
    failing.put = async (...args: Parameters<typeof store.put>) => {
      writes++;
      if (writes > 4) throw new Error('store unavailable (injected)');
      return store.put(...args);
    };
    try {
      await expect(
        extractStream({ ...options, store: failing }),
      ).rejects.toThrow(/store unavailable/);

      expect(options.limiter!.pages.used).toBe(0);
      expect(options.limiter!.requests.used).toBe(0);
      // The limiter still serves the next stream of the run.
      const next = await complete(
        baseOptions('next', {
          client: clientFor(proxy.url),
          partitions: { bookmarks: new Map() },
          limiter: options.limiter,
        }),
      );
      expect(next.partitions!.slices.length).toBe(world.partners.length);
    } finally {
      await proxy.close();
    }
  });

  it('names the partner of a failing list', async () => {
    const api = await startFakeApi((request, response) => {
      if (request.url?.startsWith('/v1/partners')) {
        sendJson(response, 200, { data: [{ uuid: 'p-1', name: 'One' }] });
        return;
      }
      sendJson(response, 400, {});
    });
    try {
      await expect(
        extractStream(
          baseOptions('failing-partner', {
            client: clientFor(api.url),
            partitions: { bookmarks: new Map() },
          }),
        ),
      ).rejects.toThrow(
        /^Reading account_overlaps for partner p-1 \(the partner-id filter\) failed: Crossbeam returned HTTP 400/,
      );
    } finally {
      await api.close();
    }
  });

  it('keeps partners listed only after the lists', async () => {
    const late = world.partners[0]!.uuid;
    const client = hidingPartners(clientFor(sandbox.url), (listing) =>
      listing === 0 ? new Set([late]) : new Set(),
    );

    const manifest = await complete(
      baseOptions('late', { client, partitions: { bookmarks: new Map() } }),
    );

    expect(manifest.partitions!.unread).toEqual([late]);
    expect(
      manifest.partitions!.slices.map((slice) => slice.value),
    ).not.toContain(late);
    expect(manifest.partitions!.listed.pages).toBe(2);
  });

  it('stops on an empty partner list with bookmarks', async () => {
    const everyone = new Set(world.partners.map((partner) => partner.uuid));
    const client = hidingPartners(clientFor(sandbox.url), () => everyone);
    const bookmarks = new Map([
      [world.partners[0]!.uuid, `${sandbox.url}/v1/overlaps/accounts?cursor=x`],
    ]);

    await expect(
      extractStream(
        baseOptions('empty', { client, partitions: { bookmarks } }),
      ),
    ).rejects.toThrow(/returned no partners, although 1 partners/);
    const emptied = await complete(
      baseOptions('empty-full', {
        client: hidingPartners(clientFor(sandbox.url), () => everyone),
        partitions: { bookmarks: new Map() },
      }),
    );
    expect(emptied.partitions!.slices).toEqual([]);
  });

  it('stops on no partners with stored rows', async () => {
    const everyone = new Set(world.partners.map((partner) => partner.uuid));
    const client = hidingPartners(clientFor(sandbox.url), () => everyone);

    await expect(
      extractStream(
        baseOptions('empty-after-list', {
          client,
          partitions: {
            bookmarks: new Map(),
            hasStoredRows: async () => true,
          },
        }),
      ),
    ).rejects.toThrow(
      /returned no partners, although the warehouse contains overlaps of account_overlaps/,
    );

    // Without stored overlaps, the empty list removes nothing and is read.
    const empty = await complete(
      baseOptions('empty-nothing-stored', {
        client,
        partitions: {
          bookmarks: new Map(),
          hasStoredRows: async () => false,
        },
      }),
    );
    expect(empty.partitions!.slices).toEqual([]);
  });

  it('rejects a partner without a uuid', async () => {
    const api = await startFakeApi((request, response) => {
      if (request.url?.startsWith('/v1/partners')) {
        sendJson(response, 200, {
          data: [{ uuid: 'p-1', name: 'One' }, { name: 'No id' }],
        });
        return;
      }
      sendJson(response, 200, { data: [], pagination: { has_more: false } });
    });
    try {
      await expect(
        extractStream(
          baseOptions('bad-partner', {
            client: clientFor(api.url),
            partitions: { bookmarks: new Map() },
          }),
        ),
      ).rejects.toThrow(CrossbeamApiError);
      await expect(
        extractStream(
          baseOptions('bad-partner-2', {
            client: clientFor(api.url),
            partitions: { bookmarks: new Map() },
          }),
        ),
      ).rejects.toThrow(/returned a partner without a uuid/);
    } finally {
      await api.close();
    }
  });

  it('rejects partitions on a stream not read by partner', async () => {
    await expect(
      extractStream(
        baseOptions('signals', {
          stream: 'account_signals',
          partitions: { bookmarks: new Map() },
        }),
      ),
    ).rejects.toThrow(ConfigurationError);
  });
});

describe('FairSemaphore', () => {
  it('never grants more than its capacity', async () => {
    const semaphore = new FairSemaphore(2);
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        semaphore.run(`g${index % 3}`, async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running--;
        }),
      ),
    );

    expect(peak).toBe(2);
    expect(semaphore.used).toBe(0);
  });

  it('serves the group holding the fewest slots first', async () => {
    const semaphore = new FairSemaphore(2);
    const busy = await semaphore.acquire('many');
    const busyToo = await semaphore.acquire('many');
    const order: string[] = [];
    const waiters = [
      recordGrant(order, 'many', semaphore.acquire('many')),
      recordGrant(order, 'one', semaphore.acquire('one')),
    ];
    busy();
    await new Promise((resolve) => setImmediate(resolve));

    expect(order).toEqual(['one']);
    busyToo();
    const releases = await Promise.all(waiters);
    expect(order).toEqual(['one', 'many']);
    for (const release of releases) release();
    expect(semaphore.used).toBe(0);
  });

  it('frees a slot once however often release is called', async () => {
    const semaphore = new FairSemaphore(1);
    const release = await semaphore.acquire('a');
    release();
    release();

    expect(semaphore.used).toBe(0);
    const again = await semaphore.acquire('a');
    expect(semaphore.used).toBe(1);
    again();
  });

  it('serves lists before partner lists', async () => {
    const semaphore = new FairSemaphore(2);
    const first = await semaphore.acquire('accounts', SlotPriority.list);
    const second = await semaphore.acquire('overlaps');
    const order: string[] = [];
    const waiters = [
      recordGrant(order, 'signals', semaphore.acquire('signals')),
      recordGrant(
        order,
        'accounts',
        semaphore.acquire('accounts', SlotPriority.list),
      ),
    ];
    second();
    await nextTurn();

    expect(order).toEqual(['accounts']);
    first();
    const releases = await Promise.all(waiters);
    expect(order).toEqual(['accounts', 'signals']);
    for (const release of releases) release();
    expect(semaphore.used).toBe(0);
  });

  it('reserves a freed list slot', async () => {
    const semaphore = new FairSemaphore(1, { keepListSlots: true });
    const page = await semaphore.acquire('accounts', SlotPriority.list);
    const order: string[] = [];
    const partner = recordGrant(
      order,
      'overlaps',
      semaphore.acquire('overlaps'),
    );
    page();
    // In the same turn, the list's next page takes the slot back.
    const nextPage = await semaphore.acquire('accounts', SlotPriority.list);
    order.push('accounts');
    nextPage();
    await nextTurn();

    expect(order).toEqual(['accounts', 'overlaps']);
    (await partner)();
    expect(semaphore.used).toBe(0);
  });

  it('ends a reservation on the next turn', async () => {
    const semaphore = new FairSemaphore(1, { keepListSlots: true });
    const page = await semaphore.acquire('accounts', SlotPriority.list);
    let granted = false;
    const partner = semaphore.acquire('overlaps').then((release) => {
      granted = true;
      return release;
    });
    page();

    expect(semaphore.used).toBe(1);
    await nextTurn();
    expect(granted).toBe(true);
    (await partner)();
    expect(semaphore.used).toBe(0);
  });

  it('rejects a capacity below one', () => {
    expect(() => new FairSemaphore(0)).toThrow(/at least 1/);
  });
});

describe('PageReader', () => {
  it('takes no page slot while waiting', async () => {
    const limiter = createExtractLimiter(1);
    const busy = new PageReader(limiter, 'overlaps', SlotPriority.slice);
    const waiting = new PageReader(limiter, 'accounts', SlotPriority.list);
    let answer!: () => void;
    const inFlight = busy.schedule(
      () => new Promise<string>((resolve) => (answer = () => resolve('a'))),
    );
    await nextTurn();
    const queued = waiting.schedule(async () => 'b');
    await nextTurn();

    expect(limiter.requests.used).toBe(1);
    expect(limiter.pages.used).toBe(1);
    answer();
    await expect(inFlight).resolves.toBe('a');
    await expect(queued).resolves.toBe('b');
    // Each page keeps its slot until its reader frees it.
    expect(limiter.pages.used).toBe(2);
    busy.takePageSlot()();
    waiting.takePageSlot()();
    expect(limiter.pages.used).toBe(0);
  });

  it("frees a failed request's page slot", async () => {
    const limiter = createExtractLimiter(1);
    const reader = new PageReader(limiter, 'accounts', SlotPriority.list);

    await expect(
      reader.schedule(async () => {
        throw new Error('connection reset');
      }),
    ).rejects.toThrow('connection reset');
    expect(limiter.pages.used).toBe(0);
    reader.takePageSlot()();
    expect(limiter.pages.used).toBe(0);
  });
});
