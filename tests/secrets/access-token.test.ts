import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type PutSecretValueCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import type { Logger } from '../../lib/log';
import { createWorld, startSandbox, type Sandbox } from '../../lib/sandbox';
import {
  discardCachedAccessToken,
  obtainAccessToken,
  type AccessTokenOptions,
} from '../../lib/secrets/access-token';
import { SecretError } from '../../lib/secrets/crossbeam-secret';
import { successorRequestToken } from '../../lib/secrets/secret-version-write';
import { SecretStore } from './secret-store';

const SECRET_ID = 'crossbeam/api';
const HOUR_MS = 60 * 60_000;

let sandbox: Sandbox;
const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1' });

beforeAll(async () => {
  sandbox = await startSandbox({
    world: createWorld({
      seed: 11,
      scale: 'tiny',
      anchor: new Date('2026-12-01T00:00:00.000Z'),
    }),
  });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => secrets.reset());

function filledSecret(extra: Record<string, unknown> = {}) {
  return {
    client_id: sandbox.credentials.clientId,
    client_secret: sandbox.credentials.clientSecret,
    refresh_token: sandbox.currentRefreshToken(),
    organization: sandbox.organization,
    ...extra,
  };
}

/** Routes the mocked client to `store`, calling `afterPut` after each write. */
function useStore(
  store: SecretStore,
  afterPut: (
    input: PutSecretValueCommandInput,
    versionId: string,
  ) => void = () => {},
): void {
  secrets
    .on(GetSecretValueCommand)
    .callsFake(async (input) => store.get(input));
  secrets.on(PutSecretValueCommand).callsFake(async (input) => {
    const result = store.put(input as PutSecretValueCommandInput);
    afterPut(input as PutSecretValueCommandInput, result.VersionId);
    return result;
  });
}

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const record = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  return { logger, lines };
}

function options(
  overrides: Partial<AccessTokenOptions> = {},
): AccessTokenOptions {
  return {
    secrets: client,
    secretId: SECRET_ID,
    authUrl: sandbox.authUrl,
    minValidityMs: 20 * 60_000,
    holder: 'test-holder',
    logger: recordingLogger().logger,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollMs: 5,
    ...overrides,
  };
}

function tokenRequests(): number {
  return sandbox.stats().requests['/oauth/token'] ?? 0;
}

describe('obtainAccessToken', () => {
  it('returns a cached token without a refresh', async () => {
    const accessToken = sandbox.issueAccessToken();
    const expiresAt = new Date(Date.now() + 2 * HOUR_MS);
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({
        access_token: accessToken,
        access_token_expires_at: expiresAt.toISOString(),
      }),
    );
    useStore(store);
    const before = tokenRequests();

    const grant = await obtainAccessToken(options());

    expect(grant).toEqual({
      accessToken,
      expiresAt,
      organization: sandbox.organization,
      source: 'cache',
    });
    expect(tokenRequests()).toBe(before);
    expect(store.history).toHaveLength(1);
  });

  it('waits for the lease holder and takes its token', async () => {
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({
        refresh_lease: {
          holder: 'other-function',
          expires_at: new Date(Date.now() + 60_000).toISOString(),
        },
      }),
    );
    useStore(store);
    const { logger, lines } = recordingLogger();
    const accessToken = sandbox.issueAccessToken();
    const before = tokenRequests();
    // The other function stores its result a moment later.
    setTimeout(() => {
      const finished = { ...store.current() };
      delete finished.refresh_lease;
      store.replace({
        ...finished,
        access_token: accessToken,
        access_token_expires_at: new Date(
          Date.now() + 24 * HOUR_MS,
        ).toISOString(),
      });
    }, 50);

    const grant = await obtainAccessToken(options({ logger }));

    expect(grant.accessToken).toBe(accessToken);
    expect(grant.source).toBe('cache');
    expect(tokenRequests()).toBe(before);
    expect(lines.map((line) => line.message)).toEqual([
      'Another function is refreshing the Crossbeam access token, so this one waits for it to store the new one.',
    ]);
  });

  it('claims an expired lease and refreshes', async () => {
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({
        refresh_lease: {
          holder: 'crashed-function',
          expires_at: new Date(Date.now() - 1_000).toISOString(),
        },
      }),
    );
    useStore(store);
    const { logger, lines } = recordingLogger();

    const grant = await obtainAccessToken(options({ logger }));

    expect(grant.source).toBe('refresh');
    expect(store.current().refresh_token).toBe(sandbox.currentRefreshToken());
    expect(store.current().access_token).toBe(grant.accessToken);
    expect(store.current().refresh_lease).toBeUndefined();
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });

  it('gives up when a held lease never produces a token', async () => {
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({
        refresh_lease: {
          holder: 'other-function',
          expires_at: new Date(Date.now() + HOUR_MS).toISOString(),
        },
      }),
    );
    useStore(store);

    const obtain = obtainAccessToken(options({ leaseMs: 40 }));

    await expect(obtain).rejects.toThrow(SecretError);
    await expect(obtain).rejects.toThrow(
      /no new token appeared\. Run again, and if this repeats, remove refresh_lease from the secret\./,
    );
  });

  it('raises when another writer replaced the claim first', async () => {
    const store = new SecretStore(SECRET_ID, filledSecret());
    let raced = false;
    useStore(store, (input, versionId) => {
      const written = JSON.parse(input.SecretString!) as Record<
        string,
        unknown
      >;
      if (raced || written.refresh_lease === undefined) return;
      raced = true;
      // A function that took the lease over writes the claim's successor.
      store.put({
        SecretId: SECRET_ID,
        ClientRequestToken: successorRequestToken(SECRET_ID, versionId),
        SecretString: JSON.stringify({
          ...written,
          refresh_lease: {
            holder: 'late-function',
            expires_at: new Date(Date.now() + 60_000).toISOString(),
          },
        }),
      });
    });

    const obtain = obtainAccessToken(options());

    await expect(obtain).rejects.toThrow(SecretError);
    await expect(obtain).rejects.toThrow(
      /the new token was not stored\. If the next run fails to sign in, put a new refresh token into refresh_token\./,
    );
  });

  it('does not claim while a placeholder remains', async () => {
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({ organization: 'REPLACE_ME' }),
    );
    useStore(store);
    await expect(obtainAccessToken(options())).rejects.toThrow(
      `Replace the placeholder values in secret ${SECRET_ID} (organization)`,
    );
    expect(store.history).toHaveLength(1);
  });
});

describe('discardCachedAccessToken', () => {
  it('removes the rejected token and keeps the rest', async () => {
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({
        access_token: 'rejected',
        access_token_expires_at: new Date(Date.now() + HOUR_MS).toISOString(),
        note: 'kept',
      }),
    );
    useStore(store);

    await expect(
      discardCachedAccessToken(client, SECRET_ID, 'rejected'),
    ).resolves.toBe(true);

    expect(store.current()).toEqual({ ...filledSecret(), note: 'kept' });
  });

  it('keeps a token that another function already replaced', async () => {
    const store = new SecretStore(
      SECRET_ID,
      filledSecret({
        access_token: 'newer',
        access_token_expires_at: new Date(Date.now() + HOUR_MS).toISOString(),
      }),
    );
    useStore(store);

    await expect(
      discardCachedAccessToken(client, SECRET_ID, 'rejected'),
    ).resolves.toBe(false);

    expect(store.current().access_token).toBe('newer');
    expect(store.history).toHaveLength(1);
  });
});
