import { createCrossbeamClient } from '../../lib/crossbeam/client';
import { exchangeRefreshToken } from '../../lib/secrets/token-exchange';
import { sendJson, startFakeApi, type FakeApi } from './fake-api';

const CLIENT_SECRET = 'CS_client_secret_value';
const REFRESH_TOKEN = 'RT_refresh_token_value';
const ACCESS_TOKEN = 'AT_access_token_value';
const SECRETS = [CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN];

/**
 * A hostile server that echoes every credential it receives into its
 * responses. The client must keep them out of errors, logs and pages.
 */
describe('client redaction', () => {
  let api: FakeApi;
  const logged: string[] = [];

  beforeAll(async () => {
    api = await startFakeApi((request, response) => {
      const echo = `${request.headers.authorization ?? ''} ${request.body}`;
      if (request.url.startsWith('/oauth/token')) {
        if (request.body.includes('refresh_token=RT_refresh_token_value')) {
          sendJson(response, 200, {
            access_token: ACCESS_TOKEN,
            expires_in: 3600,
          });
        } else {
          sendJson(response, 400, { error: echo });
        }
        return;
      }
      if (request.url.startsWith('/v1/warning')) {
        sendJson(response, 200, {
          data: [{ note: echo }],
          warnings: [`token was ${echo}`],
        });
        return;
      }
      if (request.url.startsWith('/v1/userinfo')) {
        const next = new URL('/v1/next', api.url);
        next.username = 'user';
        next.password = 'PW_in_next_href';
        sendJson(response, 200, {
          data: [{ id: 1 }],
          pagination: { next_href: next.toString(), has_more: true },
        });
        return;
      }
      if (request.url.startsWith('/v1/redirect')) {
        response.writeHead(302, {
          location: `http://127.0.0.2/steal?token=${ACCESS_TOKEN}&x=${ACCESS_TOKEN}`,
        });
        response.end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<html>${echo}</html>`);
    });
  });

  afterAll(async () => {
    await api.close();
  });

  const client = (refreshToken = REFRESH_TOKEN) =>
    createCrossbeamClient({
      apiUrl: api.url,
      authUrl: api.url,
      organization: 'org',
      credentials: {
        clientId: 'id',
        clientSecret: CLIENT_SECRET,
        refreshToken,
      },
      maxAttempts: 2,
      baseDelayMs: 1,
      logger: {
        info: (message, fields) => logged.push(message, JSON.stringify(fields)),
        warn: (message, fields) => logged.push(message, JSON.stringify(fields)),
        error: (message, fields) =>
          logged.push(message, JSON.stringify(fields)),
      },
    });

  const expectClean = (text: string) => {
    for (const secret of SECRETS) expect(text).not.toContain(secret);
  };

  it('redacts an echoed token refresh error', async () => {
    const failure = await client('RT_other')
      .fetchPage(`${api.url}/v1/x`)
      .then(
        () => undefined,
        (error: Error) => error,
      );

    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).toContain('[redacted]');
    expectClean(`${failure!.message} ${failure!.stack}`);
  });

  it('redacts the Lambda token exchange error', async () => {
    const failure = await exchangeRefreshToken({
      authUrl: api.url,
      clientId: 'id',
      clientSecret: CLIENT_SECRET,
      refreshToken: 'RT_rejected_token_value',
      timeoutMs: 5000,
      policy: {
        maxAttempts: 1,
        maxRetryTimeMs: 5000,
        baseDelayMs: 1,
        maxDelayMs: 1,
        sleep: async () => undefined,
        random: Math.random,
        now: Date.now,
        logger: { info() {}, warn() {}, error() {} },
      },
    }).catch((error: Error) => error);

    expect(String(failure)).toContain('[redacted]');
    expectClean(String(failure));
    expect(String(failure)).not.toContain('RT_rejected_token_value');
  });

  it('redacts a page body, its items and warnings', async () => {
    const page = await client().fetchPage(`${api.url}/v1/warning`);

    expectClean(page.rawBody);
    expectClean(JSON.stringify(page.items));
    expectClean(page.warnings.join(' '));
    expect(page.rawBody).toContain('[redacted]');
  });

  it('redacts a malformed page preview', async () => {
    const failure = await client()
      .fetchPage(`${api.url}/v1/html`)
      .catch((error: Error) => error);

    expectClean(String(failure));
  });

  it('redacts a redirect location', async () => {
    const failure = await client()
      .fetchPage(`${api.url}/v1/redirect`)
      .catch((error: Error) => error);

    expect(String(failure)).toContain('redirect');
    expectClean(String(failure));
  });

  it('redacts a password in a next_href', async () => {
    const pages = client().paginate(
      '/v1/userinfo',
      {},
      { pagination: 'cursor' },
    );
    const failure = await (async () => {
      for await (const page of pages) expect(page.items).toHaveLength(1);
    })().catch((error: Error) => error);

    expect(failure).toBeInstanceOf(Error);
    expect(String(failure)).not.toContain('PW_in_next_href');
    expect(logged.join('\n')).not.toContain('PW_in_next_href');
  });

  it('keeps secrets out of every log line', () => {
    expect(logged.length).toBeGreaterThan(0);
    expectClean(logged.join('\n'));
  });
});
