import { ConfigurationError } from '../../lib/errors';
import { createWorld, startSandbox, type Sandbox } from '../../lib/sandbox';
import {
  exchangeToken,
  getJson,
  headersFor,
  overlapKey,
  readPass,
} from './sandbox-client';

const anchor = new Date('2026-01-15T00:00:00Z');
const world = createWorld({ seed: 21, scale: 300, anchor });

let sandbox: Sandbox;
let token: string;

beforeAll(async () => {
  sandbox = await startSandbox({ world });
  token = sandbox.issueAccessToken();
});

afterAll(async () => {
  await sandbox.close();
});

describe('startSandbox', () => {
  describe('token endpoint', () => {
    it('rotates the refresh token on every exchange', async () => {
      const first = await exchangeToken(
        sandbox,
        sandbox.credentials.refreshToken,
      );
      const second = await exchangeToken(
        sandbox,
        String(first.body.refresh_token),
      );

      expect(first.status).toBe(200);
      expect(first.body.token_type).toBe('Bearer');
      expect(first.body.expires_in).toBe(86_400);
      expect(String(first.body.scope)).toContain('offline_access');
      expect(first.body.refresh_token).not.toBe(
        sandbox.credentials.refreshToken,
      );
      expect(second.status).toBe(200);
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect(sandbox.currentRefreshToken()).toBe(second.body.refresh_token);
    });

    it('rejects a refresh token that was already used', async () => {
      const used = sandbox.currentRefreshToken();
      await exchangeToken(sandbox, used);
      const again = await exchangeToken(sandbox, used);

      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
    });

    it('rejects a wrong client secret without echoing it', async () => {
      const answer = await exchangeToken(
        sandbox,
        sandbox.currentRefreshToken(),
        {
          client_secret: 'not-the-secret',
        },
      );

      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_client');
      expect(JSON.stringify(answer.body)).not.toContain('not-the-secret');
    });

    it('rejects other grant types', async () => {
      const answer = await exchangeToken(
        sandbox,
        sandbox.currentRefreshToken(),
        {
          grant_type: 'client_credentials',
        },
      );

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('unsupported_grant_type');
    });

    it('issues tokens that the API accepts', async () => {
      const answer = await exchangeToken(
        sandbox,
        sandbox.currentRefreshToken(),
      );
      const me = await getJson(`${sandbox.url}/v1/users/me`, {
        Authorization: `Bearer ${String(answer.body.access_token)}`,
      });

      expect(me.status).toBe(200);
      expect(me.body.organizations).toEqual([
        expect.objectContaining({ uuid: sandbox.organization, role: 'admin' }),
      ]);
    });

    it('counts issued tokens', () => {
      expect(sandbox.stats().tokensIssued).toBeGreaterThanOrEqual(5);
    });
  });

  describe('request checks', () => {
    it('answers 401 without a bearer token', async () => {
      const answer = await getJson(`${sandbox.url}/v1/partners`, {
        'Xbeam-Organization': sandbox.organization,
      });

      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe('invalid_token');
    });

    it('answers 401 for an unknown token', async () => {
      const answer = await getJson(
        `${sandbox.url}/v1/partners`,
        headersFor(sandbox, 'made-up'),
      );

      expect(answer.status).toBe(401);
    });

    it('answers 400 without the organization header', async () => {
      const answer = await getJson(`${sandbox.url}/v1/overlaps/accounts`, {
        Authorization: `Bearer ${token}`,
      });

      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('missing_organization');
      expect(String(answer.body.error_description)).toContain(
        'Xbeam-Organization',
      );
    });

    it('answers 403 for another organization', async () => {
      const answer = await getJson(`${sandbox.url}/v1/overlaps/accounts`, {
        Authorization: `Bearer ${token}`,
        'Xbeam-Organization': '00000000-0000-4000-8000-000000000000',
      });

      expect(answer.status).toBe(403);
    });

    it('answers 404 with a JSON body for an unknown path', async () => {
      const answer = await getJson(
        `${sandbox.url}/v1/nothing-here`,
        headersFor(sandbox, token),
      );

      expect(answer.status).toBe(404);
      expect(String(answer.body.error_description)).toContain(
        '/v1/nothing-here',
      );
    });

    it.each(['0', '-1', 'ten', '2.5'])(
      'rejects limit=%s and names it',
      async (limit) => {
        const answer = await getJson(
          `${sandbox.url}/v1/records/accounts?limit=${limit}`,
          headersFor(sandbox, token),
        );

        expect(answer.status).toBe(400);
        expect(String(answer.body.error_description)).toContain(
          `limit="${limit}"`,
        );
      },
    );

    it('clamps a limit above 1000 with a warning', async () => {
      const answer = await getJson(
        `${sandbox.url}/v1/records/accounts?limit=5000`,
        headersFor(sandbox, token),
      );

      expect(answer.status).toBe(200);
      expect(answer.body.data).toHaveLength(
        world.crm.accounts.filter((account) => !account.is_deleted).length,
      );
      expect(answer.body.warnings?.[0]).toContain('maximum of 1000');
    });

    it('warns about unknown query parameters', async () => {
      const answer = await getJson(
        `${sandbox.url}/v1/overlaps/accounts?colour=blue`,
        headersFor(sandbox, token),
      );

      expect(answer.body.warnings).toEqual([
        'Unknown query parameter "colour" was ignored.',
      ]);
    });

    it('rejects a non-numeric population id', async () => {
      const answer = await getJson(
        `${sandbox.url}/v1/overlaps/accounts?population-ids[]=abc`,
        headersFor(sandbox, token),
      );

      expect(answer.status).toBe(400);
      expect(String(answer.body.error_description)).toContain(
        'population-ids[]="abc"',
      );
    });

    it('rejects a host that is not loopback', async () => {
      await expect(startSandbox({ world, host: '0.0.0.0' })).rejects.toThrow(
        ConfigurationError,
      );
    });
  });

  describe('cursor paging', () => {
    it.each([
      ['/v1/records/accounts', 'crossbeam_record_id'],
      ['/v1/records/leads', 'crossbeam_record_id'],
      ['/v1/overlaps/accounts', 'overlap'],
      ['/v1/overlaps/leads', 'overlap'],
      ['/v1/signals/accounts', 'event_id'],
      ['/v1/signals/leads', 'event_id'],
    ])('returns every item of %s exactly once', async (path, key) => {
      const all = await readPass(
        `${sandbox.url}${path}?limit=1000`,
        headersFor(sandbox, token),
      );
      const paged = await readPass(
        `${sandbox.url}${path}?limit=7`,
        headersFor(sandbox, token),
      );
      const keyOf = (item: Record<string, unknown>) =>
        key === 'overlap' ? overlapKey(item) : String(item[key]);
      const keys = paged.items.map(keyOf);

      expect(all.pages).toBe(1);
      expect(paged.pages).toBe(Math.max(1, Math.ceil(all.items.length / 7)));
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.sort()).toEqual(all.items.map(keyOf).sort());
    });

    it('returns as many overlaps as the world has live at the clock', async () => {
      const pass = await readPass(
        `${sandbox.url}/v1/overlaps/accounts?limit=100`,
        headersFor(sandbox, token),
      );
      const table = world.accountOverlaps;
      const t = anchor.getTime() / 1000;
      let live = 0;
      for (let i = 0; i < table.count; i += 1) {
        if (
          (table.appearsAt[i] as number) <= t &&
          t < (table.disappearsAt[i] as number)
        )
          live += 1;
      }

      expect(pass.items).toHaveLength(live);
      expect(world.liveOverlapCount(anchor)).toBe(live);
      expect(pass.items.every((item) => item.is_deleted === false)).toBe(true);
    });

    it('returns only non-deleted CRM accounts as records', async () => {
      const pass = await readPass(
        `${sandbox.url}/v1/records/accounts?limit=1000`,
        headersFor(sandbox, token),
      );

      expect(pass.items).toHaveLength(
        world.crm.accounts.filter((a) => !a.is_deleted).length,
      );
    });

    it('ends a record pass without a bookmark and an overlap pass with one', async () => {
      const records = await readPass(
        `${sandbox.url}/v1/records/leads?limit=1000`,
        headersFor(sandbox, token),
      );
      const overlaps = await readPass(
        `${sandbox.url}/v1/overlaps/leads?limit=1000`,
        headersFor(sandbox, token),
      );

      expect(records.bookmark).toBeNull();
      expect(overlaps.bookmark).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/v1\/overlaps\/leads\?limit=1000&cursor=/,
      );
    });

    it('keeps every query parameter in next_href', async () => {
      const partner = world.partners[0]?.uuid as string;
      const first = await getJson(
        `${sandbox.url}/v1/overlaps/accounts?limit=2&partner-id=${partner}`,
        headersFor(sandbox, token),
      );
      const next = new URL(String(first.body.pagination?.next_href));

      expect(next.searchParams.get('limit')).toBe('2');
      expect(next.searchParams.get('partner-id')).toBe(partner);
      expect(next.searchParams.get('cursor')).toBe(
        first.body.pagination?.next_cursor,
      );
    });

    it('filters overlaps by partner and by population', async () => {
      const partner = world.partners[1];
      const customers = world.populations.find(
        (p) => p.partnerIndex === 1 && p.standard_type === 'customers',
      );
      const byPartner = await readPass(
        `${sandbox.url}/v1/overlaps/accounts?limit=1000&partner-id=${partner?.uuid}`,
        headersFor(sandbox, token),
      );
      const byOwn = await readPass(
        `${sandbox.url}/v1/overlaps/accounts?limit=1000&population-ids[]=301`,
        headersFor(sandbox, token),
      );
      const byPartnerPopulation = await readPass(
        `${sandbox.url}/v1/overlaps/accounts?limit=1000&partner-population-ids[]=${customers?.id}`,
        headersFor(sandbox, token),
      );

      expect(byPartner.items.length).toBeGreaterThan(0);
      expect(
        byPartner.items.every((item) => item.partner_id === partner?.uuid),
      ).toBe(true);
      expect(byOwn.items.length).toBeGreaterThan(0);
      for (const item of byOwn.items) {
        expect(item.populations).toContainEqual({ id: 301, name: 'Customers' });
      }
      expect(byPartnerPopulation.items.length).toBeGreaterThan(0);
      for (const item of byPartnerPopulation.items) {
        expect(item.partner_populations).toContainEqual({
          id: customers?.id,
          name: customers?.name,
        });
      }
    });

    it('filters signals by partner and by triggered_at', async () => {
      const partner = world.partners[0]?.uuid as string;
      const since = '2025-09-01T00:00:00Z';
      const pass = await readPass(
        `${sandbox.url}/v1/signals/accounts?limit=1000&partner_id=${partner}&triggered_at[gte]=${since}`,
        headersFor(sandbox, token),
      );

      expect(pass.items.length).toBeGreaterThan(0);
      for (const item of pass.items) {
        expect(item.partner_id).toBe(partner);
        expect(Date.parse(String(item.triggered_at))).toBeGreaterThanOrEqual(
          Date.parse(since),
        );
      }
    });
  });

  describe('numbered paging', () => {
    it.each([
      '/v1/partners',
      '/v1/partner-populations',
      '/v1/users/organization/{org}',
    ])('pages %s with limit and page', async (template) => {
      const path = template.replace('{org}', sandbox.organization);
      const all = await getJson(
        `${sandbox.url}${path}?limit=1000`,
        headersFor(sandbox, token),
      );
      const paged = await readPass(
        `${sandbox.url}${path}?limit=3`,
        headersFor(sandbox, token),
      );

      expect(all.body.pagination?.next_href).toBeNull();
      expect(paged.items).toEqual(all.body.data);
      expect(paged.pages).toBe(Math.ceil((all.body.data?.length ?? 0) / 3));
    });

    it('lists partner tags, our populations and reports', async () => {
      const tags = await getJson(
        `${sandbox.url}/v1/partner-tags`,
        headersFor(sandbox, token),
      );
      const populations = await getJson(
        `${sandbox.url}/v1/populations`,
        headersFor(sandbox, token),
      );
      const reports = await getJson(
        `${sandbox.url}/v1/reports`,
        headersFor(sandbox, token),
      );

      expect(tags.body.data?.length).toBe(world.partnerTags.length);
      expect(populations.body.data?.[0]).toEqual({
        id: 301,
        name: 'Customers',
        population_type: 'companies',
        standard_type: 'customers',
        description: null,
      });
      expect(reports.body.data?.length).toBeGreaterThan(0);
    });

    it('rejects the users of another organization', async () => {
      const answer = await getJson(
        `${sandbox.url}/v1/users/organization/someone-else`,
        headersFor(sandbox, token),
      );

      expect(answer.status).toBe(403);
    });
  });

  describe('envelope', () => {
    it('answers with items instead of data when asked', async () => {
      const other = await startSandbox({ world, listKey: 'items' });
      try {
        const answer = await getJson(
          `${other.url}/v1/partners`,
          headersFor(other, other.issueAccessToken()),
        );

        expect(answer.body.items).toHaveLength(world.partners.length);
        expect(answer.body.data).toBeUndefined();
      } finally {
        await other.close();
      }
    });
  });

  describe('determinism', () => {
    it('serves byte-identical pages from two sandboxes over equal worlds', async () => {
      const twin = await startSandbox({
        world: createWorld({ seed: 21, scale: 300, anchor }),
        clock: anchor,
      });
      try {
        const twinToken = twin.issueAccessToken();
        for (const path of [
          '/v1/overlaps/accounts?limit=50',
          '/v1/signals/accounts?limit=50',
          '/v1/records/accounts?limit=50',
          '/v1/partners',
        ]) {
          const ours = await fetch(`${sandbox.url}${path}`, {
            headers: headersFor(sandbox, token),
          });
          const theirs = await fetch(`${twin.url}${path}`, {
            headers: headersFor(twin, twinToken),
          });
          const oursText = (await ours.text())
            .split(sandbox.url)
            .join('<base>');
          const theirsText = (await theirs.text())
            .split(twin.url)
            .join('<base>');

          expect(theirsText).toBe(oursText);
        }
      } finally {
        await twin.close();
      }
    });
  });

  describe('stats', () => {
    it('counts requests per path and records served', async () => {
      const before = sandbox.stats();
      await getJson(
        `${sandbox.url}/v1/records/accounts?limit=10`,
        headersFor(sandbox, token),
      );
      const after = sandbox.stats();

      expect(after.requests['/v1/records/accounts']).toBe(
        (before.requests['/v1/records/accounts'] ?? 0) + 1,
      );
      expect(after.recordsServed).toBe(before.recordsServed + 10);
    });

    it('counts no records for an abandoned response', async () => {
      const slow = await startSandbox({ world, latencyMs: 1000 });
      try {
        await expect(
          fetch(`${slow.url}/v1/records/accounts?limit=10`, {
            headers: headersFor(slow, slow.issueAccessToken()),
            signal: AbortSignal.timeout(50),
          }),
        ).rejects.toThrow();
        await new Promise((resolve) => setTimeout(resolve, 1200));

        expect(slow.stats().recordsServed).toBe(0);
        expect(slow.stats().responses).toEqual({});
      } finally {
        await slow.close();
      }
    });
  });
});

describe('access token expiry', () => {
  it('answers 401 once the token outlives its lifetime', async () => {
    const short = await startSandbox({ world, accessTokenTtlSeconds: 1 });
    try {
      const shortToken = short.issueAccessToken();
      const fresh = await getJson(
        `${short.url}/v1/partners`,
        headersFor(short, shortToken),
      );
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const stale = await getJson(
        `${short.url}/v1/partners`,
        headersFor(short, shortToken),
      );

      expect(fresh.status).toBe(200);
      expect(stale.status).toBe(401);
      expect(String(stale.body.error_description)).toContain('expired');
    } finally {
      await short.close();
    }
  });
});
