import { createWorld, startSandbox, type Sandbox } from '../../lib/sandbox';
import { FaultRuleError, type FaultRule } from '../../lib/sandbox/faults';
import { exchangeToken, getJson, headersFor } from './sandbox-client';

const world = createWorld({
  seed: 9,
  scale: 'tiny',
  anchor: new Date('2026-01-15T00:00:00Z'),
});

let sandbox: Sandbox;
let headers: Record<string, string>;

beforeAll(async () => {
  sandbox = await startSandbox({ world });
  headers = headersFor(sandbox, sandbox.issueAccessToken());
});

afterEach(() => {
  sandbox.setFaults([]);
  sandbox.setLatency(0);
});

afterAll(async () => {
  await sandbox.close();
});

const overlapsUrl = () => `${sandbox.url}/v1/overlaps/accounts?limit=5`;

describe('sandbox faults', () => {
  it('answers 429 with Retry-After for the configured count, then recovers', async () => {
    sandbox.setFaults([
      {
        path: '/v1/overlaps',
        type: 'status',
        status: 429,
        retryAfterSeconds: 3,
        count: 2,
      },
    ]);
    const first = await fetch(overlapsUrl(), { headers });
    const second = await fetch(overlapsUrl(), { headers });
    const third = await fetch(overlapsUrl(), { headers });

    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('3');
    expect(second.status).toBe(429);
    expect(third.status).toBe(200);
  });

  it.each([500, 502, 503] as const)(
    'answers %d without Retry-After',
    async (status) => {
      sandbox.setFaults([{ path: '/v1/', type: 'status', status }]);
      const answer = await fetch(overlapsUrl(), { headers });

      expect(answer.status).toBe(status);
      expect(answer.headers.get('retry-after')).toBeNull();
      expect(await answer.json()).toEqual(
        expect.objectContaining({ error: expect.any(String) }),
      );
    },
  );

  it('lets the first requests through when after is set', async () => {
    sandbox.setFaults([
      { path: '/v1/partners', type: 'status', status: 500, after: 1 },
    ]);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push(
        (await fetch(`${sandbox.url}/v1/partners`, { headers })).status,
      );
    }

    expect(statuses).toEqual([200, 500, 200]);
  });

  it('matches only the configured path prefix', async () => {
    sandbox.setFaults([
      { path: '/v1/signals', type: 'status', status: 503, count: Infinity },
    ]);

    expect((await fetch(overlapsUrl(), { headers })).status).toBe(200);
    expect(
      (await fetch(`${sandbox.url}/v1/signals/accounts`, { headers })).status,
    ).toBe(503);
    expect(
      (await fetch(`${sandbox.url}/v1/signals/leads`, { headers })).status,
    ).toBe(503);
  });

  it('delays past a client timeout', async () => {
    sandbox.setFaults([{ path: '/v1/overlaps', type: 'delay', delayMs: 800 }]);
    const started = Date.now();

    await expect(
      fetch(overlapsUrl(), { headers, signal: AbortSignal.timeout(200) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(700);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await fetch(overlapsUrl(), { headers })).status).toBe(200);
  });

  it('drops the connection', async () => {
    sandbox.setFaults([{ path: '/v1/overlaps', type: 'drop' }]);

    await expect(fetch(overlapsUrl(), { headers })).rejects.toThrow();
    expect((await fetch(overlapsUrl(), { headers })).status).toBe(200);
  });

  it('truncates the body', async () => {
    sandbox.setFaults([{ path: '/v1/overlaps', type: 'truncate' }]);
    const answer = await fetch(overlapsUrl(), { headers });
    const text = await answer.text();

    expect(answer.status).toBe(200);
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(text.startsWith('{"data":[')).toBe(true);
  });

  it('answers an HTML page instead of JSON', async () => {
    sandbox.setFaults([{ path: '/v1/overlaps', type: 'not-json' }]);
    const answer = await fetch(overlapsUrl(), { headers });

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    await expect(answer.json()).rejects.toThrow();
  });

  it('answers 401 for a valid token as if it expired', async () => {
    sandbox.setFaults([{ path: '/v1/overlaps', type: 'expired-token' }]);
    const first = await getJson(overlapsUrl(), headers);
    const second = await getJson(overlapsUrl(), headers);

    expect(first.status).toBe(401);
    expect(first.body.error).toBe('invalid_token');
    expect(second.status).toBe(200);
  });

  it('answers an empty page whose next_href returns the real page', async () => {
    const real = await getJson(overlapsUrl(), headers);
    sandbox.setFaults([{ path: '/v1/overlaps', type: 'empty-page' }]);
    const empty = await getJson(overlapsUrl(), headers);
    const next = await getJson(
      String(empty.body.pagination?.next_href),
      headers,
    );

    expect(empty.body.data).toEqual([]);
    expect(empty.body.pagination?.has_more).toBe(true);
    expect(next.body).toEqual(real.body);
  });

  it('answers a next_href equal to the requested URL', async () => {
    const first = await getJson(overlapsUrl(), headers);
    const secondUrl = String(first.body.pagination?.next_href);
    sandbox.setFaults([
      { path: '/v1/overlaps', type: 'repeat-cursor', count: 3 },
    ]);
    const repeated = await getJson(secondUrl, headers);

    expect(repeated.body.data?.length).toBeGreaterThan(0);
    expect(repeated.body.pagination?.next_href).toBe(secondUrl);
    expect(repeated.body.pagination?.has_more).toBe(true);
  });

  it('does not use up page faults on lists without cursors', async () => {
    sandbox.setFaults([{ path: '/v1/', type: 'empty-page' }]);
    const partners = await getJson(`${sandbox.url}/v1/partners`, headers);
    const overlaps = await getJson(overlapsUrl(), headers);

    expect(partners.body.data).toHaveLength(world.partners.length);
    expect(overlaps.body.data).toEqual([]);
  });

  it('faults the token endpoint', async () => {
    sandbox.setFaults([{ path: '/oauth/token', type: 'status', status: 503 }]);
    const failed = await fetch(`${sandbox.authUrl}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
    });
    const retried = await exchangeToken(sandbox, sandbox.currentRefreshToken());

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(200);
  });

  it('adds latency to every page', async () => {
    sandbox.setLatency(150);
    const started = Date.now();
    await getJson(overlapsUrl(), headers);

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('counts fired faults in stats', async () => {
    const before = sandbox.stats().faultsFired;
    sandbox.setFaults([
      { path: '/v1/', type: 'status', status: 500, count: 2 },
    ]);
    for (let i = 0; i < 3; i += 1) await fetch(overlapsUrl(), { headers });

    expect(sandbox.stats().faultsFired).toBe(before + 2);
    expect(sandbox.stats().responses['500']).toBeGreaterThanOrEqual(2);
  });

  it('takes faults at start', async () => {
    const faulty = await startSandbox({
      world,
      faults: [{ path: '/v1/partners', type: 'status', status: 502 }],
    });
    try {
      const answer = await fetch(`${faulty.url}/v1/partners`, {
        headers: headersFor(faulty, faulty.issueAccessToken()),
      });

      expect(answer.status).toBe(502);
    } finally {
      await faulty.close();
    }
  });

  it.each([
    [{ path: 'v1', type: 'drop' }, /invalid path/],
    [{ path: '/v1', type: 'drop', count: 0 }, /invalid count/],
    [{ path: '/v1', type: 'drop', after: -1 }, /invalid after/],
    [{ path: '/v1', type: 'status', status: 404 }, /invalid status/],
    [{ path: '/v1', type: 'delay', delayMs: -5 }, /invalid delayMs/],
    [{ path: '/v1', type: 'explode' }, /unknown type/],
  ])('rejects the rule %j', (rule, message) => {
    expect(() => sandbox.setFaults([rule as unknown as FaultRule])).toThrow(
      FaultRuleError,
    );
    expect(() => sandbox.setFaults([rule as unknown as FaultRule])).toThrow(
      message,
    );
  });
});
