import { z } from 'zod';
import {
  MalformedResponseError,
  RetryableAttemptError,
  runWithRetries,
  type RetryPolicy,
} from '../crossbeam/attempts';
import { describeFetchFailure } from '../crossbeam/auth';
import { parseRetryAfterMs } from '../crossbeam/retry';
import { CrossbeamAuthError } from '../errors';

/**
 * Lifetime assumed for an access token whose response has no `expires_in`.
 * Crossbeam documents 24 hours, but one hour keeps a wrong guess cheap.
 */
export const ASSUMED_ACCESS_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
});

const OAuthErrorSchema = z.looseObject({ error: z.string().optional() });

/** An access token from the refresh-token grant. */
export interface ExchangedToken {
  readonly accessToken: string;
  /** Expiry in milliseconds since the epoch, by the caller's clock. */
  readonly expiresAtMs: number;
  /** The refresh token to present next time: the rotated one, if any. */
  readonly refreshToken: string;
}

export interface TokenExchangeRequest {
  /** Token endpoint base; the request goes to `${authUrl}/oauth/token`. */
  readonly authUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  /** Per-request timeout in milliseconds. */
  readonly timeoutMs: number;
  readonly policy: RetryPolicy;
}

/**
 * Trades a refresh token for an access token (OAuth 2.0 refresh-token
 * grant), retrying 429, 5xx, timeouts and dropped connections within the
 * policy's budget. Raises `CrossbeamAuthError` when the endpoint rejects the
 * request; messages never contain the tokens or the client secret.
 */
export async function exchangeRefreshToken(
  request: TokenExchangeRequest,
): Promise<ExchangedToken> {
  const url = `${request.authUrl.replace(/\/+$/, '')}/oauth/token`;
  const requestedAt = request.policy.now();
  const response = await runWithRetries(
    `Crossbeam token refresh (POST ${url})`,
    request.policy,
    () => postRefresh(url, request),
  );

  const lifetimeMs =
    response.expires_in === undefined
      ? ASSUMED_ACCESS_TOKEN_LIFETIME_MS
      : response.expires_in * 1000;
  return {
    accessToken: response.access_token,
    // The lifetime counts from when the server issued the token, which is
    // after the request was sent, so this expiry errs on the early side.
    expiresAtMs: requestedAt + lifetimeMs,
    refreshToken: response.refresh_token ?? request.refreshToken,
  };
}

async function postRefresh(
  url: string,
  request: TokenExchangeRequest,
): Promise<z.infer<typeof TokenResponseSchema>> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: request.clientId,
    client_secret: request.clientSecret,
    refresh_token: request.refreshToken,
  });

  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    throw new RetryableAttemptError(
      describeFetchFailure(error, request.timeoutMs),
      undefined,
      undefined,
      { cause: error },
    );
  }

  if (response.status === 429 || response.status >= 500) {
    throw new RetryableAttemptError(
      `HTTP ${response.status}`,
      response.status,
      parseRetryAfterMs(
        response.headers.get('retry-after'),
        request.policy.now(),
      ),
    );
  }
  if (!response.ok) {
    const oauthError = OAuthErrorSchema.safeParse(parseJson(body));
    const code =
      oauthError.success && oauthError.data.error
        ? ` (${oauthError.data.error})`
        : '';
    throw new CrossbeamAuthError(
      `Crossbeam token refresh at ${url} was rejected with HTTP ${response.status}${code}. Check client_id and client_secret in the Crossbeam secret; if the refresh token was revoked or already used, put a new one into refresh_token.`,
      response.status,
    );
  }

  const parsed = TokenResponseSchema.safeParse(parseJson(body));
  if (!parsed.success) {
    throw new MalformedResponseError(
      'the token response has no access_token',
      response.status,
    );
  }
  return parsed.data;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
