import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  createLambdaTokenSource,
  type LambdaAccessToken,
} from '../../lambdas/authorize';
import { CrossbeamApiError, CrossbeamAuthError } from '../../lib/errors';
import { AccessTokenRejectedError } from '../../lib/secrets/access-token';
import {
  SECRET_ID,
  lambdaEnv,
  mockSecret,
  recordingObservability,
} from './fixtures';

const EXPIRES_AT = new Date(Date.now() + 10 * 60 * 60_000);
const SECRET = {
  client_id: 'client-abc',
  client_secret: 'client-secret-value',
  refresh_token: 'refresh-1',
  organization: 'org-0000-1111',
  access_token: 'cached-access',
  access_token_expires_at: EXPIRES_AT.toISOString(),
};
const TOKEN: LambdaAccessToken = {
  accessToken: 'cached-access',
  expiresAt: EXPIRES_AT,
  organization: SECRET.organization,
  source: 'cache',
  secretId: SECRET_ID,
};

function tokenSource() {
  return createLambdaTokenSource({
    env: lambdaEnv('http://127.0.0.1:9'),
    logger: recordingObservability().observability.logger,
    now: Date.now,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('rejectCached', () => {
  it('raises other errors unchanged', async () => {
    const { store } = mockSecret(SECRET);
    const source = tokenSource();
    await source.accessToken({ awsRequestId: 'r-1' } as never, 60_000);
    const original = new CrossbeamApiError('HTTP 500 after 6 attempts', 500);

    const raised = await rejection(source.rejectCached(TOKEN, original));

    expect(raised).toBe(original);
    expect(store.current().access_token).toBe('cached-access');
  });

  it('raises a 403 unchanged', async () => {
    const { store } = mockSecret(SECRET);
    const original = new CrossbeamAuthError('forbidden', 403);

    const raised = await rejection(tokenSource().rejectCached(TOKEN, original));

    expect(raised).toBe(original);
    expect(store.history).toHaveLength(1);
  });

  it('removes a rejected token and raises a retryable error', async () => {
    const { store } = mockSecret(SECRET);
    const source = tokenSource();
    await source.accessToken({ awsRequestId: 'r-1' } as never, 60_000);
    const original = new CrossbeamAuthError('HTTP 401', 401);

    const raised = await rejection(source.rejectCached(TOKEN, original));

    expect(raised).toBeInstanceOf(AccessTokenRejectedError);
    expect((raised as Error).name).toBe('AccessTokenRejectedError');
    expect((raised as Error).cause).toBe(original);
    expect((raised as Error).message).not.toContain('cached-access');
    expect(store.current().access_token).toBeUndefined();
    expect(store.current().refresh_token).toBe('refresh-1');
  });

  it('reports a failed removal in the error', async () => {
    const { mock } = mockSecret(SECRET);
    const source = tokenSource();
    await source.accessToken({ awsRequestId: 'r-1' } as never, 60_000);
    mock.on(PutSecretValueCommand).rejects(new Error('AccessDenied'));

    const raised = await rejection(
      source.rejectCached(TOKEN, new CrossbeamAuthError('HTTP 401', 401)),
    );

    expect(raised).toBeInstanceOf(AccessTokenRejectedError);
    expect((raised as Error).message).toMatch(
      /Removing it from the secret failed \(Writing secret .* failed: Error: AccessDenied\./,
    );
    expect((raised as Error).message).toContain(
      'remove access_token and access_token_expires_at from the secret by hand',
    );
  });
});
