import {
  createCrossbeamClient,
  type CrossbeamClientOptions,
  type CrossbeamPage,
} from '../../lib/crossbeam/client';
import {
  BookmarkExpiredError,
  ConfigurationError,
  CrossbeamApiError,
  CrossbeamAuthError,
} from '../../lib/errors';
import {
  queryOf,
  sendJson,
  startFakeApi,
  type FakeApi,
  type FakeHandler,
} from './fake-api';

const ORGANIZATION = '7d0f4c1e-0000-4a4a-9b9b-000000000001';
const ACCESS_TOKEN = 'access-token-secret-1';

interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, unknown>;
}

let api: FakeApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function serve(handler: FakeHandler): Promise<FakeApi> {
  api = await startFakeApi(handler);
  return api;
}

function clientFor(
  server: FakeApi,
  overrides: Partial<CrossbeamClientOptions> = {},
) {
  const sleeps: number[] = [];
  const logs: LogLine[] = [];
  const client = createCrossbeamClient({
    apiUrl: server.url,
    authUrl: server.url,
    organization: ORGANIZATION,
    credentials: { accessToken: ACCESS_TOKEN },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    baseDelayMs: 100,
    logger: {
      info: (message, fields) => logs.push({ level: 'info', message, fields }),
      warn: (message, fields) => logs.push({ level: 'warn', message, fields }),
      error: (message, fields) =>
        logs.push({ level: 'error', message, fields }),
    },
    ...overrides,
  });
  return { client, sleeps, logs };
}

async function collect(
  pages: AsyncIterable<CrossbeamPage>,
): Promise<CrossbeamPage[]> {
  const result: CrossbeamPage[] = [];
  for await (const page of pages) result.push(page);
  return result;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('paginate', () => {
  test('follows next_href until has_more is false', async () => {
    const server = await serve((request, response) => {
      const cursor = queryOf(request).get('cursor');
      if (cursor === null) {
        sendJson(response, 200, {
          data: [{ n: 1 }, { n: 2 }],
          pagination: {
            has_more: true,
            next_href: `${server.url}/v1/overlaps/accounts?limit=1000&cursor=c2`,
          },
        });
      } else {
        sendJson(response, 200, {
          data: [{ n: 3 }],
          pagination: {
            has_more: false,
            next_href: `${server.url}/v1/overlaps/accounts?limit=1000&cursor=bookmark`,
          },
        });
      }
    });
    const { client } = clientFor(server);

    const pages = await collect(
      client.paginate('/v1/overlaps/accounts', {}, { pagination: 'cursor' }),
    );

    expect(pages.map((page) => page.items)).toEqual([
      [{ n: 1 }, { n: 2 }],
      [{ n: 3 }],
    ]);
    expect(pages[0]!.hasMore).toBe(true);
    expect(pages[1]!.hasMore).toBe(false);
    expect(pages[1]!.nextUrl).toBeNull();
    expect(pages[1]!.nextHref).toBe(
      `${server.url}/v1/overlaps/accounts?limit=1000&cursor=bookmark`,
    );
    expect(queryOf(server.requests[0]!).get('limit')).toBe('1000');
    expect(server.requests).toHaveLength(2);
  });

  test('sends authorization and organization headers', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { data: [] }),
    );
    const { client } = clientFor(server);

    await collect(client.paginate('/v1/partners'));

    const headers = server.requests[0]!.headers;
    expect(headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(headers['xbeam-organization']).toBe(ORGANIZATION);
  });

  test('accepts items and ends page lists without next_href', async () => {
    const server = await serve((request, response) => {
      const page = queryOf(request).get('page') ?? '1';
      if (page === '1') {
        sendJson(response, 200, {
          items: [{ id: 'a' }],
          pagination: { next_href: '/v1/partners?page=2' },
        });
      } else {
        sendJson(response, 200, { items: [{ id: 'b' }], pagination: {} });
      }
    });
    const { client } = clientFor(server);

    const pages = await collect(client.paginate('/v1/partners'));

    expect(pages.flatMap((page) => page.items)).toEqual([
      { id: 'a' },
      { id: 'b' },
    ]);
    expect(queryOf(server.requests[0]!).has('limit')).toBe(false);
  });

  test('keeps the raw body, URL and warnings', async () => {
    const body = JSON.stringify({
      data: [{ id: 1 }],
      warnings: ['population 7 is no longer shared', { code: 'slow' }],
    });
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(body);
    });
    const { client, logs } = clientFor(server);

    const [page] = await collect(client.paginate('/v1/populations'));

    expect(page!.rawBody).toBe(body);
    expect(page!.url).toBe(`${server.url}/v1/populations`);
    expect(page!.warnings).toEqual([
      'population 7 is no longer shared',
      '{"code":"slow"}',
    ]);
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(2);
  });

  test('builds the next URL from next_cursor', async () => {
    const server = await serve((request, response) => {
      if (queryOf(request).get('cursor') === null) {
        sendJson(response, 200, {
          data: [1],
          pagination: { has_more: true, next_cursor: 'abc' },
        });
      } else {
        sendJson(response, 200, { data: [2], pagination: { has_more: false } });
      }
    });
    const { client } = clientFor(server);

    const pages = await collect(
      client.paginate('/v1/records/accounts', {}, { pagination: 'cursor' }),
    );

    expect(pages).toHaveLength(2);
    expect(queryOf(server.requests[1]!).get('cursor')).toBe('abc');
    expect(queryOf(server.requests[1]!).get('limit')).toBe('1000');
  });

  test('fails when the cursor does not advance', async () => {
    const server = await serve((request, response) =>
      sendJson(response, 200, {
        data: [1],
        pagination: { has_more: true, next_href: request.url },
      }),
    );
    const { client } = clientFor(server, { maxAttempts: 3 });

    const error = await failureOf(
      collect(
        client.paginateFrom(`${server.url}/v1/overlaps/accounts?cursor=x`),
      ),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain('the cursor did not advance');
    expect(error.message).toContain('/v1/overlaps/accounts?cursor=x');
    expect(server.requests).toHaveLength(3);
  });

  test('fails on an empty page with has_more true', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, {
        data: [],
        pagination: {
          has_more: true,
          next_href: '/v1/overlaps/accounts?cursor=z',
        },
      }),
    );
    const { client } = clientFor(server, { maxAttempts: 2 });

    const error = await failureOf(
      collect(client.paginate('/v1/overlaps/accounts')),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain('the page is empty');
    expect(server.requests).toHaveLength(2);
  });

  test('fails when next_href returns to an earlier page', async () => {
    const server = await serve((request, response) => {
      const cursor = queryOf(request).get('cursor');
      sendJson(response, 200, {
        data: [cursor],
        pagination: {
          has_more: true,
          next_href: `/v1/signals/accounts?cursor=${cursor === 'b' ? 'a' : 'b'}`,
        },
      });
    });
    const { client } = clientFor(server);

    const error = await failureOf(
      collect(
        client.paginateFrom(`${server.url}/v1/signals/accounts?cursor=a`),
      ),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain(
      'points back to a page it already returned',
    );
  });

  test('rejects a next_href on another host', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, {
        data: [1],
        pagination: { has_more: true, next_href: 'http://127.0.0.2:1/v1/x' },
      }),
    );
    const { client } = clientFor(server);

    const error = await failureOf(collect(client.paginate('/v1/partners')));

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain('next_href on another host');
    expect(server.requests).toHaveLength(1);
  });
});

describe('retries', () => {
  test('honours Retry-After in seconds on 429', async () => {
    let calls = 0;
    const server = await serve((_request, response) => {
      calls++;
      if (calls === 1) {
        sendJson(response, 429, {}, { 'retry-after': '3' });
      } else {
        sendJson(response, 200, { data: [1] });
      }
    });
    const { client, sleeps } = clientFor(server);

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual([1]);
    expect(page.retries).toBe(1);
    expect(sleeps).toEqual([3000]);
  });

  test('honours Retry-After as an HTTP date', async () => {
    const now = Date.parse('2026-12-04T01:00:00Z');
    let calls = 0;
    const server = await serve((_request, response) => {
      calls++;
      if (calls === 1) {
        sendJson(
          response,
          429,
          {},
          {
            'retry-after': new Date(now + 7000).toUTCString(),
          },
        );
      } else {
        sendJson(response, 200, { data: [] });
      }
    });
    const { client, sleeps } = clientFor(server, { now: () => now });

    await client.fetchPage(`${server.url}/v1/partners`);

    expect(sleeps).toEqual([7000]);
  });

  test('backs off exponentially with jitter through a 503 burst', async () => {
    let calls = 0;
    const server = await serve((_request, response) => {
      calls++;
      if (calls <= 3) sendJson(response, 503, { message: 'busy' });
      else sendJson(response, 200, { data: ['ok'] });
    });
    const { client, sleeps, logs } = clientFor(server);

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual(['ok']);
    expect(page.retries).toBe(3);
    // random() is 0.5 and the ceiling doubles from baseDelayMs (100).
    expect(sleeps).toEqual([50, 100, 200]);
    expect(logs.filter((line) => line.level === 'warn')).toHaveLength(3);
  });

  test('gives up after maxAttempts', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 502, {}),
    );
    const { client } = clientFor(server, { maxAttempts: 4 });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect((error as CrossbeamApiError).status).toBe(502);
    expect(error.message).toContain('failed after 4 attempts');
    expect(error.message).toContain('HTTP 502');
    expect(server.requests).toHaveLength(4);
  });

  test('gives up when Retry-After exceeds the time budget', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 429, {}, { 'retry-after': '3600' }),
    );
    const { client, sleeps } = clientFor(server, { maxRetryTimeMs: 60_000 });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain('retry time limit');
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  test('retries a request that times out', async () => {
    let calls = 0;
    const server = await serve((_request, response) => {
      calls++;
      if (calls === 1) return; // never answers
      sendJson(response, 200, { data: ['late'] });
    });
    const { client } = clientFor(server, { timeoutMs: 200 });

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual(['late']);
    expect(page.retries).toBe(1);
  });

  test('reports a timeout after the last attempt', async () => {
    const server = await serve(() => undefined);
    const { client } = clientFor(server, { timeoutMs: 100, maxAttempts: 2 });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain('timed out after 100 ms');
  });

  test('retries a dropped connection', async () => {
    let calls = 0;
    const server = await serve((_request, response) => {
      calls++;
      if (calls === 1) {
        response.socket?.destroy();
        return;
      }
      if (calls === 2) {
        // Headers arrive, then the body is cut off.
        response.writeHead(200, { 'content-length': '100' });
        response.write('{"data": [');
        response.socket?.destroy();
        return;
      }
      sendJson(response, 200, { data: ['after drop'] });
    });
    const { client } = clientFor(server);

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual(['after drop']);
    expect(page.retries).toBe(2);
  });

  test('fails on repeated malformed pages', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>gateway</html>');
    });
    const { client } = clientFor(server, { maxAttempts: 3 });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/records/accounts?cursor=q`),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect(error.message).toContain('/v1/records/accounts?cursor=q');
    expect(error.message).toContain('the body is not JSON');
    expect(server.requests).toHaveLength(3);
  });

  test('recovers from a malformed page', async () => {
    let calls = 0;
    const server = await serve((_request, response) => {
      calls++;
      if (calls === 1) sendJson(response, 200, { results: [] });
      else sendJson(response, 200, { data: [1] });
    });
    const { client } = clientFor(server);

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual([1]);
  });

  test('rejects a wrong envelope', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 200, { data: { not: 'a list' } }),
    );
    const { client } = clientFor(server, { maxAttempts: 2 });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error.message).toContain('no "data" or "items" list');
  });
});

describe('client errors', () => {
  test('fails at once on 403 naming status, path and scopes', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 403, { message: 'forbidden' }),
    );
    const { client } = clientFor(server);

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/overlaps/accounts`),
    );

    expect(error).toBeInstanceOf(CrossbeamApiError);
    expect((error as CrossbeamApiError).status).toBe(403);
    expect(error.message).toContain('HTTP 403');
    expect(error.message).toContain('/v1/overlaps/accounts');
    expect(error.message).toContain('read:reports');
    expect(server.requests).toHaveLength(1);
  });

  test('points at the organization on 400', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 400, { message: 'missing header' }),
    );
    const { client } = clientFor(server);

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error.message).toContain('CROSSBEAM_ORGANIZATION');
    expect(server.requests).toHaveLength(1);
  });

  test('raises BookmarkExpiredError for a rejected bookmark', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 410, {}),
    );
    const { client } = clientFor(server);

    const error = await failureOf(
      collect(
        client.paginateFrom(`${server.url}/v1/overlaps/accounts?cursor=old`, {
          bookmark: true,
        }),
      ),
    );

    expect(error).toBeInstanceOf(BookmarkExpiredError);
    expect(error.message).toContain('full pass');
  });

  test('rejects an invalid API URL', () => {
    expect(() =>
      createCrossbeamClient({
        apiUrl: 'api.crossbeam.com',
        authUrl: 'https://auth.crossbeam.com',
        organization: ORGANIZATION,
        credentials: { accessToken: 'x' },
      }),
    ).toThrow(ConfigurationError);
  });

  test('rejects missing refresh credentials', () => {
    expect(() =>
      createCrossbeamClient({
        apiUrl: 'https://api.crossbeam.com',
        authUrl: 'https://auth.crossbeam.com',
        organization: ORGANIZATION,
        credentials: { clientId: 'id', clientSecret: '', refreshToken: 'r' },
      }),
    ).toThrow('Missing Crossbeam credentials: CROSSBEAM_CLIENT_SECRET.');
  });
});

describe('authentication', () => {
  /** Serves a token endpoint that rotates refresh tokens and rejects any but the newest. */
  function oauthServer(options: {
    expiresIn: number;
    rejectFirstToken?: boolean;
  }) {
    const issued: string[] = [];
    let generation = 0;
    let expectedRefreshToken = 'refresh-0';
    const handler: FakeHandler = (request, response) => {
      if (request.url === '/oauth/token') {
        const form = new URLSearchParams(request.body);
        if (
          form.get('grant_type') !== 'refresh_token' ||
          form.get('client_id') !== 'client-1' ||
          form.get('client_secret') !== 'client-secret-1' ||
          form.get('refresh_token') !== expectedRefreshToken
        ) {
          sendJson(response, 400, { error: 'invalid_grant' });
          return;
        }
        generation++;
        expectedRefreshToken = `refresh-${generation}`;
        const accessToken = `access-${generation}`;
        issued.push(accessToken);
        sendJson(response, 200, {
          access_token: accessToken,
          expires_in: options.expiresIn,
          refresh_token: expectedRefreshToken,
          token_type: 'Bearer',
        });
        return;
      }
      const valid =
        request.headers.authorization === `Bearer ${issued.at(-1)}` &&
        !(options.rejectFirstToken && issued.length === 1);
      if (!valid) {
        sendJson(response, 401, {});
        return;
      }
      sendJson(response, 200, { data: [request.headers.authorization] });
    };
    return { handler, issued };
  }

  function refreshCredentials() {
    return {
      clientId: 'client-1',
      clientSecret: 'client-secret-1',
      refreshToken: 'refresh-0',
    };
  }

  test('refreshes on 401 and keeps the newest refresh token', async () => {
    const oauth = oauthServer({ expiresIn: 86400, rejectFirstToken: true });
    const server = await serve(oauth.handler);
    const saved: string[] = [];
    const { client } = clientFor(server, {
      credentials: refreshCredentials(),
      onRefreshToken: (token) => {
        saved.push(token);
      },
    });

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual(['Bearer [redacted]']);
    expect(server.requests.at(-1)?.headers.authorization).toBe(
      'Bearer access-2',
    );
    expect(saved).toEqual(['refresh-1', 'refresh-2']);
    const paths = server.requests.map((request) => request.url);
    expect(paths).toEqual([
      '/oauth/token',
      '/v1/partners',
      '/oauth/token',
      '/v1/partners',
    ]);
  });

  test('waits for a slow token refresh past requestTimeoutMs', async () => {
    const oauth = oauthServer({ expiresIn: 86400 });
    // The identity provider rotates the refresh token, then answers late: a
    // client that gave up and retried would send a token it just replaced.
    const server = await serve((request, response) => {
      if (request.url !== '/oauth/token') {
        oauth.handler(request, response);
        return;
      }
      setTimeout(() => oauth.handler(request, response), 300);
    });
    const { client } = clientFor(server, {
      credentials: refreshCredentials(),
      timeoutMs: 50,
    });

    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual(['Bearer [redacted]']);
    expect(
      server.requests.filter((request) => request.url === '/oauth/token'),
    ).toHaveLength(1);
  });

  test('refreshes before the token expires', async () => {
    const oauth = oauthServer({ expiresIn: 100 });
    const server = await serve(oauth.handler);
    let clock = Date.parse('2026-12-04T01:00:00Z');
    const saved: string[] = [];
    const { client } = clientFor(server, {
      credentials: refreshCredentials(),
      now: () => clock,
      onRefreshToken: (token) => {
        saved.push(token);
      },
    });

    await client.fetchPage(`${server.url}/v1/partners`);
    clock += 50_000;
    await client.fetchPage(`${server.url}/v1/partners`);
    // The margin is a tenth of the 100 s lifetime, so at 91 s it is due.
    clock += 41_000;
    const page = await client.fetchPage(`${server.url}/v1/partners`);

    expect(page.items).toEqual(['Bearer [redacted]']);
    expect(server.requests.at(-1)?.headers.authorization).toBe(
      'Bearer access-2',
    );
    expect(saved).toEqual(['refresh-1', 'refresh-2']);
    const paths = server.requests.map((request) => request.url);
    expect(paths).toEqual([
      '/oauth/token',
      '/v1/partners',
      '/v1/partners',
      '/oauth/token',
      '/v1/partners',
    ]);
  });

  test('shares one refresh between concurrent requests', async () => {
    const oauth = oauthServer({ expiresIn: 86400 });
    const server = await serve(oauth.handler);
    const { client } = clientFor(server, { credentials: refreshCredentials() });

    await Promise.all([
      client.fetchPage(`${server.url}/v1/partners`),
      client.fetchPage(`${server.url}/v1/populations`),
    ]);

    const tokenCalls = server.requests.filter(
      (request) => request.url === '/oauth/token',
    );
    expect(tokenCalls).toHaveLength(1);
  });

  test('raises CrossbeamAuthError when 401 persists after refresh', async () => {
    const server = await serve((request, response) => {
      if (request.url === '/oauth/token') {
        sendJson(response, 200, { access_token: 'fresh', expires_in: 3600 });
      } else {
        sendJson(response, 401, {});
      }
    });
    const { client } = clientFor(server, { credentials: refreshCredentials() });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error).toBeInstanceOf(CrossbeamAuthError);
    expect(error.message).toContain('also after a token refresh');
  });

  test('raises CrossbeamAuthError for a rejected access token', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 401, {}),
    );
    const { client } = clientFor(server);

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error).toBeInstanceOf(CrossbeamAuthError);
    expect(error.message).toContain('CROSSBEAM_ACCESS_TOKEN');
    expect(server.requests).toHaveLength(1);
  });

  test('reports a rejected refresh without secrets', async () => {
    const server = await serve((_request, response) =>
      sendJson(response, 400, {
        error: 'invalid_grant',
        error_description: 'refresh token refresh-0 was revoked',
      }),
    );
    const { client, logs } = clientFor(server, {
      credentials: refreshCredentials(),
    });

    const error = await failureOf(
      client.fetchPage(`${server.url}/v1/partners`),
    );

    expect(error).toBeInstanceOf(CrossbeamAuthError);
    expect(error.message).toContain('invalid_grant');
    expect(error.message).toContain('CROSSBEAM_REFRESH_TOKEN');
    expect(error.message).not.toContain('refresh-0');
    expect(error.message).not.toContain('client-secret-1');
    expect(JSON.stringify(logs)).not.toContain('client-secret-1');
  });

  test('keeps tokens out of logs and errors', async () => {
    let calls = 0;
    const server = await serve((request, response) => {
      calls++;
      if (calls < 3) {
        sendJson(response, 503, {});
        return;
      }
      sendJson(response, 404, { echo: request.headers.authorization });
    });
    const { client, logs } = clientFor(server);

    const error = await failureOf(client.fetchPage(`${server.url}/v1/nowhere`));

    expect(error.message).toContain('HTTP 404');
    expect(error.message).not.toContain(ACCESS_TOKEN);
    expect(error.message).toContain('[redacted]');
    expect(JSON.stringify(logs)).not.toContain(ACCESS_TOKEN);
  });
});
