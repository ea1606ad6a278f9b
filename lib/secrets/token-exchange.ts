import { runWithRetries, type RetryPolicy } from '../crossbeam/attempts';
import { postRefreshGrant } from '../crossbeam/auth';

/**
 * Lifetime assumed for an access token whose response has no `expires_in`.
 * Crossbeam documents 24 hours, but one hour keeps a wrong guess cheap.
 */
export const ASSUMED_ACCESS_TOKEN_LIFETIME_MS = 60 * 60 * 1000;

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
    () =>
      postRefreshGrant(url, {
        clientId: request.clientId,
        clientSecret: request.clientSecret,
        refreshToken: request.refreshToken,
        timeoutMs: request.timeoutMs,
        now: request.policy.now,
        rejectionHint:
          'Check client_id and client_secret in the Crossbeam secret. If the refresh token was revoked or already used, put a new one into refresh_token.',
      }),
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
