import { z } from 'zod';
import { CrossbeamAuthError, CrossbeamWarehouseError } from '../errors';
import {
  MalformedResponseError,
  RetryableAttemptError,
  runWithRetries,
  type RetryPolicy,
} from './attempts';
import { parseRetryAfterMs } from './retry';

/** A ready access token, or the OAuth 2.0 refresh-token flow. */
export type CrossbeamCredentials =
  | { readonly accessToken: string }
  | {
      readonly clientId: string;
      readonly clientSecret: string;
      readonly refreshToken: string;
    };

const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  refresh_token: z.string().min(1).optional(),
  token_type: z.string().optional(),
});

const OAuthErrorSchema = z.looseObject({
  error: z.string().optional(),
});

/** Maximum safety margin before expiry at which a token is refreshed. */
const MAX_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/**
 * Shortest time limit of a token refresh, whatever `requestTimeoutMs` is.
 * An identity provider that rotates refresh tokens may have replaced the
 * token when the client gives up waiting, and then the retry with the old
 * token is rejected, so a refresh gets at least this long to respond.
 */
const MIN_REFRESH_TIMEOUT_MS = 30_000;

export interface TokenManagerOptions {
  readonly authUrl: string;
  readonly credentials: CrossbeamCredentials;
  readonly onRefreshToken?: (refreshToken: string) => void | Promise<void>;
  readonly timeoutMs: number;
  readonly policy: RetryPolicy;
}

/**
 * Holds the current access token and renews it with the refresh-token grant:
 * before it expires (with a margin of a tenth of its lifetime, at most five
 * minutes) and when the API returns 401. Concurrent callers share one
 * refresh. The newest refresh token the server hands back replaces the old
 * one and goes to `onRefreshToken`.
 */
export class TokenManager {
  private accessToken: string | undefined;
  private refreshAtMs = Number.POSITIVE_INFINITY;
  private refreshToken: string | undefined;
  private pendingRefresh: Promise<string> | undefined;

  constructor(private readonly options: TokenManagerOptions) {
    if ('accessToken' in options.credentials) {
      this.accessToken = options.credentials.accessToken;
    } else {
      this.refreshToken = options.credentials.refreshToken;
    }
  }

  /** Whether a 401 can be handled by refreshing the access token. */
  get canRefresh(): boolean {
    return !('accessToken' in this.options.credentials);
  }

  /** Returns every secret this manager stores, so that messages can redact them. */
  secrets(): string[] {
    const values = [this.accessToken, this.refreshToken];
    if (!('accessToken' in this.options.credentials)) {
      values.push(this.options.credentials.clientSecret);
    }
    return values.filter((value): value is string => Boolean(value));
  }

  /** Returns a valid access token, refreshing it first when it is due. */
  async getAccessToken(): Promise<string> {
    if (
      this.accessToken !== undefined &&
      this.options.policy.now() < this.refreshAtMs
    ) {
      return this.accessToken;
    }
    if (!this.canRefresh) {
      if (this.accessToken === undefined) {
        throw new CrossbeamAuthError('No Crossbeam access token is set.');
      }
      return this.accessToken;
    }
    return this.refresh();
  }

  /**
   * Refreshes the access token unless another caller already replaced
   * `rejectedToken`, and returns the new token.
   */
  async renewAfterRejection(rejectedToken: string): Promise<string> {
    if (this.accessToken !== undefined && this.accessToken !== rejectedToken) {
      return this.accessToken;
    }
    return this.refresh();
  }

  private refresh(): Promise<string> {
    this.pendingRefresh ??= this.requestToken().finally(() => {
      this.pendingRefresh = undefined;
    });
    return this.pendingRefresh;
  }

  private async requestToken(): Promise<string> {
    const credentials = this.options.credentials;
    if ('accessToken' in credentials) {
      throw new CrossbeamAuthError(
        'The Crossbeam access token was rejected and cannot be refreshed: set a new CROSSBEAM_ACCESS_TOKEN, or use CROSSBEAM_CLIENT_ID, CROSSBEAM_CLIENT_SECRET and CROSSBEAM_REFRESH_TOKEN for the refresh flow.',
        401,
      );
    }

    const url = `${this.options.authUrl.replace(/\/+$/, '')}/oauth/token`;
    const policy = this.options.policy;
    const response = await runWithRetries(
      `Crossbeam token refresh (POST ${url})`,
      policy,
      () =>
        postRefreshGrant(url, {
          clientId: credentials.clientId,
          clientSecret: credentials.clientSecret,
          refreshToken: this.refreshToken ?? '',
          timeoutMs: Math.max(this.options.timeoutMs, MIN_REFRESH_TIMEOUT_MS),
          now: policy.now,
          rejectionHint:
            'Check CROSSBEAM_CLIENT_ID, CROSSBEAM_CLIENT_SECRET and CROSSBEAM_REFRESH_TOKEN. A refresh token that was already replaced by a newer one no longer works: if the newest one is rejected too, authorize the OAuth application again and set CROSSBEAM_REFRESH_TOKEN to the refresh token it returns.',
        }),
    );

    this.accessToken = response.access_token;
    const lifetimeMs =
      response.expires_in === undefined
        ? Number.POSITIVE_INFINITY
        : response.expires_in * 1000;
    const marginMs = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10);
    this.refreshAtMs = policy.now() + lifetimeMs - marginMs;

    const newRefreshToken = response.refresh_token;
    if (
      newRefreshToken !== undefined &&
      newRefreshToken !== this.refreshToken
    ) {
      this.refreshToken = newRefreshToken;
      policy.logger.info(
        'Crossbeam returned a new refresh token, which the client uses from now on.',
      );
      try {
        await this.options.onRefreshToken?.(newRefreshToken);
      } catch (error) {
        throw new CrossbeamWarehouseError(
          `Crossbeam returned a new refresh token, but saving it failed: ${error instanceof Error ? error.message : String(error)}. The old refresh token may stop working, so fix the storage that onRefreshToken writes to.`,
          { cause: error },
        );
      }
    }
    return response.access_token;
  }
}

/** The token endpoint's answer to a refresh-token grant. */
export type TokenResponse = z.infer<typeof TokenResponseSchema>;

/** One refresh-token grant: what is posted and how a rejection is explained. */
export interface RefreshGrant {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** Where to fix the credentials, appended to a rejection's message. */
  readonly rejectionHint: string;
}

/**
 * Posts one OAuth 2.0 refresh-token grant to `url` and parses the token
 * response. 429, 5xx, timeouts and dropped connections raise
 * `RetryableAttemptError`, for `runWithRetries`. A rejection raises
 * `CrossbeamAuthError` with the OAuth error code, in which the submitted
 * client secret and refresh token are redacted, because some servers echo
 * them.
 */
export async function postRefreshGrant(
  url: string,
  grant: RefreshGrant,
): Promise<TokenResponse> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    client_id: grant.clientId,
    client_secret: grant.clientSecret,
    refresh_token: grant.refreshToken,
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
      signal: AbortSignal.timeout(grant.timeoutMs),
    });
    body = await response.text();
  } catch (error) {
    throw new RetryableAttemptError(
      describeFetchFailure(error, grant.timeoutMs),
      undefined,
      undefined,
      { cause: error },
    );
  }

  if (response.status === 429 || response.status >= 500) {
    throw new RetryableAttemptError(
      `HTTP ${response.status}`,
      response.status,
      parseRetryAfterMs(response.headers.get('retry-after'), grant.now()),
    );
  }
  if (!response.ok) {
    const oauthError = OAuthErrorSchema.safeParse(safeJson(body));
    let code =
      oauthError.success && oauthError.data.error
        ? ` (${oauthError.data.error})`
        : '';
    for (const secret of [grant.clientSecret, grant.refreshToken]) {
      code = code.split(secret).join('[redacted]');
    }
    throw new CrossbeamAuthError(
      `Crossbeam token refresh at ${url} was rejected with HTTP ${response.status}${code}. ${grant.rejectionHint}`,
      response.status,
    );
  }

  const parsed = TokenResponseSchema.safeParse(safeJson(body));
  if (!parsed.success) {
    throw new MalformedResponseError(
      'the token response has no access_token',
      response.status,
    );
  }
  return parsed.data;
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | undefined {
  // Duck typing, because fetch rejects with a DOMException, which is not an
  // instance of Error in every realm (jest's test globals, for one).
  return typeof value === 'object' && value !== null
    ? (value as ErrorLike)
    : undefined;
}

/** Describes a fetch rejection (timeout, refused or dropped connection). */
export function describeFetchFailure(
  error: unknown,
  timeoutMs: number,
): string {
  const outer = asErrorLike(error);
  const cause = asErrorLike(outer?.cause);
  const names = [outer?.name, cause?.name];
  if (names.includes('TimeoutError')) {
    return `the request timed out after ${timeoutMs} ms`;
  }
  if (names.includes('AbortError')) return 'the request was aborted';
  const detail = cause ?? outer;
  if (detail === undefined) return `network error: ${String(error)}`;
  const code = typeof detail.code === 'string' ? `${detail.code} ` : '';
  return `network error: ${code}${String(detail.message ?? detail.name)}`;
}
