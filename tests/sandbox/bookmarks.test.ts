import { createWorld, startSandbox, type Sandbox } from '../../lib/sandbox';
import { getJson, headersFor, overlapKey, readPass } from './sandbox-client';

const DAY_MS = 86_400_000;
const anchor = new Date('2026-01-15T00:00:00Z');
const world = createWorld({ seed: 5, scale: 400, anchor });
const t0 = new Date(anchor.getTime() - 60 * DAY_MS);
const t1 = new Date(anchor.getTime() - 30 * DAY_MS);
const t2 = new Date(anchor.getTime() + 20 * DAY_MS);

let sandbox: Sandbox;
let headers: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox({ world, clock: t0 });
  headers = headersFor(sandbox, sandbox.issueAccessToken());
});

afterAll(async () => {
  await sandbox.close();
});

type Item = Record<string, unknown>;

function byKey(
  items: Item[],
  key: (item: Item) => string,
): Map<string, string> {
  return new Map(items.map((item) => [key(item), JSON.stringify(item)]));
}

/** Applies a pass of changes to a snapshot, as the loader's MERGE does. */
function applyChanges(
  snapshot: Map<string, string>,
  changes: Item[],
): Map<string, string> {
  const result = new Map(snapshot);
  for (const item of changes) {
    if (item.is_deleted === true) result.delete(overlapKey(item));
    else result.set(overlapKey(item), JSON.stringify(item));
  }
  return result;
}

async function fullPass(path: string, clock: Date) {
  sandbox.setClock(clock);
  return readPass(`${sandbox.url}${path}`, headers);
}

describe('bookmarks', () => {
  describe('overlaps', () => {
    it('returns exactly the overlaps that changed since the bookmark', async () => {
      const before = await fullPass('/v1/overlaps/accounts?limit=50', t0);
      const after = await fullPass('/v1/overlaps/accounts?limit=50', t1);
      const snapshot0 = byKey(before.items, overlapKey);
      const snapshot1 = byKey(after.items, overlapKey);
      const changed = new Set<string>();
      for (const [key, item] of snapshot1)
        if (snapshot0.get(key) !== item) changed.add(key);
      for (const key of snapshot0.keys())
        if (!snapshot1.has(key)) changed.add(key);

      sandbox.setClock(t1);
      const delta = await readPass(String(before.bookmark), headers);
      const deltaKeys = delta.items.map(overlapKey);

      expect(changed.size).toBeGreaterThan(0);
      expect(new Set(deltaKeys).size).toBe(deltaKeys.length);
      expect(new Set(deltaKeys)).toEqual(changed);
      expect(applyChanges(snapshot0, delta.items)).toEqual(snapshot1);
    });

    it('flags overlaps that disappeared with is_deleted', async () => {
      const before = await fullPass('/v1/overlaps/accounts?limit=1000', t0);
      sandbox.setClock(t2);
      const delta = await readPass(String(before.bookmark), headers);
      const deleted = delta.items.filter((item) => item.is_deleted === true);
      const t2Keys = new Set(
        (await fullPass('/v1/overlaps/accounts?limit=1000', t2)).items.map(
          overlapKey,
        ),
      );

      expect(deleted.length).toBeGreaterThan(0);
      for (const item of deleted)
        expect(t2Keys.has(overlapKey(item))).toBe(false);
    });

    it('chains bookmarks from one pass of changes to the next', async () => {
      const first = await fullPass('/v1/overlaps/leads?limit=20', t0);
      sandbox.setClock(t1);
      const second = await readPass(String(first.bookmark), headers);
      sandbox.setClock(t2);
      const third = await readPass(String(second.bookmark), headers);
      const expected = await fullPass('/v1/overlaps/leads?limit=20', t2);

      const merged = applyChanges(
        applyChanges(byKey(first.items, overlapKey), second.items),
        third.items,
      );
      expect(merged).toEqual(byKey(expected.items, overlapKey));
    });

    it('returns nothing when the clock has not moved', async () => {
      const pass = await fullPass('/v1/overlaps/accounts?limit=1000', t1);
      const again = await getJson(String(pass.bookmark), headers);

      expect(again.status).toBe(200);
      expect(again.body.data).toEqual([]);
      expect(again.body.pagination?.has_more).toBe(false);
      expect(again.body.pagination?.next_href).toBe(pass.bookmark);
    });

    it('treats leaving a filtered population as a delete', async () => {
      const prospects = world.populations.find(
        (p) => p.partnerIndex === 0 && p.standard_type === 'prospects',
      );
      const path = `/v1/overlaps/accounts?limit=30&partner-population-ids[]=${prospects?.id}`;
      const before = await fullPass(path, t0);
      const after = await fullPass(path, t2);
      sandbox.setClock(t2);
      const delta = await readPass(String(before.bookmark), headers);

      expect(delta.items.some((item) => item.is_deleted === true)).toBe(true);
      expect(
        applyChanges(byKey(before.items, overlapKey), delta.items),
      ).toEqual(byKey(after.items, overlapKey));
    });

    it('keeps the clock of a pass that is under way', async () => {
      sandbox.setClock(t0);
      const expected = await readPass(
        `${sandbox.url}/v1/overlaps/accounts?limit=1000`,
        headers,
      );
      const first = await getJson(
        `${sandbox.url}/v1/overlaps/accounts?limit=25`,
        headers,
      );
      sandbox.setClock(t2);
      const rest = await readPass(
        String(first.body.pagination?.next_href),
        headers,
      );

      expect([...(first.body.data ?? []), ...rest.items]).toEqual(
        expected.items,
      );
    });
  });

  describe('signals', () => {
    it('returns only the signals triggered since the bookmark', async () => {
      const before = await fullPass('/v1/signals/accounts?limit=100', t0);
      sandbox.setClock(t2);
      const delta = await readPass(String(before.bookmark), headers);
      const after = await fullPass('/v1/signals/accounts?limit=100', t2);
      const ids = (items: Item[]) => items.map((item) => String(item.event_id));

      expect(delta.items.length).toBeGreaterThan(0);
      for (const item of delta.items) {
        const at = Date.parse(String(item.triggered_at));
        expect(at).toBeGreaterThan(t0.getTime());
        expect(at).toBeLessThanOrEqual(t2.getTime());
      }
      expect([...ids(before.items), ...ids(delta.items)].sort()).toEqual(
        ids(after.items).sort(),
      );
    });
  });

  describe('invalid bookmarks', () => {
    let bookmark: string;

    beforeAll(async () => {
      bookmark = String(
        (await fullPass('/v1/overlaps/accounts?limit=1000', t0)).bookmark,
      );
    });

    it('rejects a bookmark whose filters changed', async () => {
      sandbox.setClock(t1);
      const answer = await getJson(
        `${bookmark}&partner-id=${world.partners[0]?.uuid}`,
        headers,
      );

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_cursor');
      expect(String(answer.body.error_description)).toContain('new full pass');
    });

    it('rejects a bookmark on another endpoint', async () => {
      sandbox.setClock(t1);
      const cursor = new URL(bookmark).searchParams.get('cursor');
      const answer = await getJson(
        `${sandbox.url}/v1/overlaps/leads?limit=1000&cursor=${cursor}`,
        headers,
      );

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_cursor');
    });

    it('rejects a tampered cursor', async () => {
      sandbox.setClock(t1);
      const url = new URL(bookmark);
      const cursor = String(url.searchParams.get('cursor'));
      url.searchParams.set(
        'cursor',
        `${cursor.slice(0, 5)}x${cursor.slice(6)}`,
      );
      const answer = await getJson(url.toString(), headers);

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_cursor');
    });

    it('rejects a bookmark older than the retention', async () => {
      sandbox.setClock(new Date(t0.getTime() + 91 * DAY_MS));
      const answer = await getJson(bookmark, headers);

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('cursor_expired');
      expect(String(answer.body.error_description)).toContain('90 days');
    });

    it('rejects a bookmark from later than the clock', async () => {
      sandbox.setClock(new Date(t0.getTime() - DAY_MS));
      const answer = await getJson(bookmark, headers);

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_cursor');
    });

    it('accepts a bookmark in a restarted sandbox over the same world', async () => {
      const restarted = await startSandbox({ world, clock: t1 });
      try {
        const url = new URL(bookmark);
        const answer = await getJson(
          `${restarted.url}${url.pathname}${url.search}`,
          headersFor(restarted, restarted.issueAccessToken()),
        );

        expect(answer.status).toBe(200);
      } finally {
        await restarted.close();
      }
    });
  });
});
