import type { Context } from 'aws-lambda';
import { createExtractHandler } from '../../lambdas/extract';
import { CrossbeamAuthError, ConfigurationError } from '../../lib/errors';
import { AccessTokenRejectedError } from '../../lib/secrets/access-token';
import { CROSSBEAM_SECRET_PLACEHOLDER } from '../../lib/secrets/crossbeam-secret';
import { exchangeRefreshToken } from '../../lib/secrets/token-exchange';
import { createWorld, startSandbox, type Sandbox } from '../../lib/sandbox';
import type { StreamName } from '../../lib/streams/catalog';
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

const OBSERVED_AT = '2026-12-04T06:00:00.000Z';
const FULL_STREAMS: StreamName[] = [
  'partners',
  'populations',
  'partner_populations',
];

let s3: Awaited<ReturnType<typeof startS3>>;
let sandbox: Sandbox;

beforeAll(async () => {
  s3 = await startS3();
  sandbox = await startSandbox({
    world: createWorld({
      seed: 7,
      scale: 'tiny',
      anchor: new Date('2026-12-01T00:00:00.000Z'),
    }),
  });
});

afterAll(async () => {
  await sandbox.close();
  await s3.close();
});

/** Returns a secret filled in with the sandbox's current refresh token. */
function filledSecret(extra: Record<string, unknown> = {}) {
  return {
    client_id: sandbox.credentials.clientId,
    client_secret: sandbox.credentials.clientSecret,
    refresh_token: sandbox.currentRefreshToken(),
    organization: sandbox.organization,
    ...extra,
  };
}

function tokenRequests(): number {
  return sandbox.stats().requests['/oauth/token'] ?? 0;
}

/** Creates one extract function instance, as one Lambda container would. */
function extractFunction() {
  const recorded = recordingObservability();
  const handler = createExtractHandler({
    env: { ...lambdaEnv(sandbox.url), CROSSBEAM_AUTH_URL: sandbox.authUrl },
    openWarehouse: () => new RecordingWarehouse(),
    openStore: () => s3.openStore(),
    observability: recorded.observability,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    leasePollMs: 10,
  });
  return { handler, lines: recorded.lines };
}

function context(requestId: string, remainingMs = 15 * 60_000): Context {
  return { ...lambdaContext(remainingMs), awsRequestId: requestId };
}

function extractInParallel(streams: StreamName[]) {
  const functions = streams.map(() => extractFunction());
  const outputs = Promise.all(
    streams.map((stream, index) =>
      functions[index]!.handler(
        { stream, observedAt: OBSERVED_AT },
        context(`request-${index}`),
      ).then(asExtractOutput),
    ),
  );
  return { outputs, functions };
}

describe('extract access token', () => {
  it('refreshes once for three parallel extracts', async () => {
    const { store } = mockSecret(filledSecret());
    const before = tokenRequests();

    const { outputs, functions } = extractInParallel(FULL_STREAMS);
    const results = await outputs;

    expect(results.map((output) => output.status)).toEqual([
      'complete',
      'complete',
      'complete',
    ]);
    expect(tokenRequests() - before).toBe(1);
    const stored = store.current();
    expect(stored.refresh_token).toBe(sandbox.currentRefreshToken());
    expect(stored.access_token).toEqual(expect.any(String));
    expect(
      Date.parse(stored.access_token_expires_at as string),
    ).toBeGreaterThan(Date.now() + 23 * 60 * 60_000);
    expect(stored.refresh_lease).toBeUndefined();
    // The claim and the stored result; the losers wrote nothing.
    expect(store.history).toHaveLength(3);

    const waited = functions.flatMap((fn) =>
      fn.lines.filter((line) => line.message.startsWith('Another function')),
    );
    expect(waited.length).toBeGreaterThanOrEqual(1);
  });

  it('leaves the first refresh token unusable after the race', async () => {
    const original = sandbox.currentRefreshToken();
    mockSecret(filledSecret());
    await extractInParallel(FULL_STREAMS).outputs;

    // The sandbox, like Crossbeam, rejects a refresh token already used:
    // three independent refreshes would have failed here.
    await expect(
      exchangeRefreshToken({
        authUrl: sandbox.authUrl,
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: original,
        timeoutMs: 5_000,
        policy: {
          maxAttempts: 1,
          maxRetryTimeMs: 5_000,
          baseDelayMs: 1,
          maxDelayMs: 1,
          sleep: async () => undefined,
          random: () => 0,
          now: Date.now,
          logger: { info() {}, warn() {}, error() {} },
        },
      }),
    ).rejects.toThrow(/rejected with HTTP 400 \(invalid_grant\)/);
  });

  it('lets the extracts reuse the token the authorize step cached', async () => {
    const { store } = mockSecret(filledSecret());
    const authorizer = extractFunction();
    const before = tokenRequests();

    const authorized = await authorizer.handler(
      { step: 'authorize' },
      context('authorize'),
    );
    const afterAuthorize = tokenRequests();
    const results = await extractInParallel(FULL_STREAMS).outputs;

    expect(authorized).toEqual({
      authorized: true,
      accessTokenExpiresAt: store.current().access_token_expires_at,
      refreshed: true,
    });
    expect(JSON.stringify(authorized)).not.toContain(
      store.current().access_token as string,
    );
    expect(afterAuthorize - before).toBe(1);
    expect(tokenRequests()).toBe(afterAuthorize);
    expect(results.every((output) => output.status === 'complete')).toBe(true);
    expect(store.current().refresh_token).toBe(sandbox.currentRefreshToken());
  });

  it('keeps a cached token that outlives the authorize margin', async () => {
    const accessToken = sandbox.issueAccessToken();
    const expiresAt = new Date(Date.now() + 3 * 60 * 60_000).toISOString();
    const { store } = mockSecret(
      filledSecret({
        access_token: accessToken,
        access_token_expires_at: expiresAt,
      }),
    );
    const before = tokenRequests();

    const authorized = await extractFunction().handler(
      { step: 'authorize' },
      context('authorize'),
    );

    expect(authorized).toEqual({
      authorized: true,
      accessTokenExpiresAt: expiresAt,
      refreshed: false,
    });
    expect(tokenRequests()).toBe(before);
    expect(store.history).toHaveLength(1);
  });

  it('refreshes a cached token that expires before the extract ends', async () => {
    const { store } = mockSecret(
      filledSecret({
        access_token: sandbox.issueAccessToken(),
        access_token_expires_at: new Date(
          Date.now() + 10 * 60_000,
        ).toISOString(),
      }),
    );
    const before = tokenRequests();

    const output = await extractFunction()
      .handler({ stream: 'partners', observedAt: OBSERVED_AT }, context('r'))
      .then(asExtractOutput);

    expect(output.status).toBe('complete');
    expect(tokenRequests() - before).toBe(1);
    expect(store.current().refresh_token).toBe(sandbox.currentRefreshToken());
  });

  it('removes a cached token that Crossbeam rejects', async () => {
    const { store } = mockSecret(
      filledSecret({
        access_token: 'sbx_at_revoked',
        access_token_expires_at: new Date(
          Date.now() + 20 * 60 * 60_000,
        ).toISOString(),
      }),
    );

    const run = extractFunction().handler(
      { stream: 'partners', observedAt: OBSERVED_AT },
      context('r'),
    );

    await expect(run).rejects.toThrow(AccessTokenRejectedError);
    await expect(run).rejects.toThrow(
      `Crossbeam rejected the cached access token from secret ${SECRET_ID} (HTTP 401)`,
    );
    await expect(run).rejects.not.toThrow(/sbx_at_revoked/);
    expect(store.current().access_token).toBeUndefined();
    expect(store.current().access_token_expires_at).toBeUndefined();
    expect(store.current().refresh_token).toBe(sandbox.currentRefreshToken());
  });

  it('fails the authorize step on placeholders, naming the keys', async () => {
    const { store } = mockSecret({
      client_id: CROSSBEAM_SECRET_PLACEHOLDER,
      client_secret: CROSSBEAM_SECRET_PLACEHOLDER,
      refresh_token: CROSSBEAM_SECRET_PLACEHOLDER,
      organization: sandbox.organization,
    });
    const before = tokenRequests();

    const run = extractFunction().handler(
      { step: 'authorize' },
      context('authorize'),
    );

    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(
      `Replace the placeholder values in secret ${SECRET_ID} (client_id, client_secret, refresh_token)`,
    );
    expect(tokenRequests()).toBe(before);
    expect(store.history).toHaveLength(1);
  });

  it('rejects an unknown step by name', async () => {
    mockSecret(filledSecret());
    await expect(
      extractFunction().handler({ step: 'refresh' }, context('r')),
    ).rejects.toThrow(/Invalid authorize input: step: /);
  });

  it('reports a revoked refresh token and releases the lease', async () => {
    const { store } = mockSecret(filledSecret({ refresh_token: 'sbx_rt_old' }));

    const run = extractFunction().handler(
      { step: 'authorize' },
      context('authorize'),
    );

    await expect(run).rejects.toThrow(CrossbeamAuthError);
    await expect(run).rejects.toThrow(/put a new one into refresh_token/);
    expect(store.current().refresh_lease).toBeUndefined();
    expect(store.current().refresh_token).toBe('sbx_rt_old');
  });

  it('never logs or returns a token or the client secret', async () => {
    const { store } = mockSecret(filledSecret());
    const { outputs, functions } = extractInParallel(FULL_STREAMS);
    const results = await outputs;

    const secrets = [
      sandbox.credentials.clientSecret,
      ...store.history.flatMap((value) => {
        const parsed = JSON.parse(value) as Record<string, unknown>;
        return [parsed.refresh_token, parsed.access_token].filter(
          (token): token is string => typeof token === 'string',
        );
      }),
    ];
    const logged = JSON.stringify(functions.map((fn) => fn.lines));
    const returned = JSON.stringify(results);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) {
      expect(logged).not.toContain(secret);
      expect(returned).not.toContain(secret);
    }
  });
});
