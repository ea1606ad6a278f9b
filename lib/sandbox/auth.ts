/**
 * The sandbox's OAuth 2.0 token endpoint and access-token checks. Refresh
 * tokens rotate: each exchange returns a new one, and the one just used
 * stops working, so a client must keep the newest.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SandboxApiError } from './api-error';

export interface SandboxCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly refreshToken: string;
}

export const TOKEN_SCOPE =
  'openid offline_access read:partnerships read:populations read:reports';

function secretToken(prefix: string): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export class TokenIssuer {
  readonly credentials: SandboxCredentials;
  /** Access token → expiry, in milliseconds of wall-clock time. */
  private readonly accessTokens = new Map<string, number>();
  private refreshToken: string;
  issued = 0;

  constructor(
    credentials: Partial<SandboxCredentials> | undefined,
    private readonly ttlSeconds: number,
  ) {
    this.credentials = {
      clientId: credentials?.clientId ?? 'crossbeam-sandbox-client',
      clientSecret: credentials?.clientSecret ?? secretToken('sbx_cs_'),
      refreshToken: credentials?.refreshToken ?? secretToken('sbx_rt_'),
    };
    this.refreshToken = this.credentials.refreshToken;
  }

  /** The refresh token that the next exchange must present. */
  currentRefreshToken(): string {
    return this.refreshToken;
  }

  /** Issues an access token directly, as a ready `CROSSBEAM_ACCESS_TOKEN`. */
  issueAccessToken(): string {
    const token = secretToken('sbx_at_');
    this.accessTokens.set(token, Date.now() + this.ttlSeconds * 1000);
    this.issued += 1;
    return token;
  }

  /**
   * Exchanges a refresh token (RFC 6749 section 6). Client credentials come
   * from the form or from HTTP Basic authentication. Raises
   * `SandboxApiError` with OAuth error codes; messages never echo secrets.
   */
  exchange(form: URLSearchParams, authorization: string | undefined) {
    let clientId = form.get('client_id');
    let clientSecret = form.get('client_secret');
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString(
        'utf8',
      );
      const colon = decoded.indexOf(':');
      try {
        clientId = decodeURIComponent(decoded.slice(0, Math.max(colon, 0)));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      } catch {
        // A malformed Basic header is treated as missing client credentials.
        clientId = null;
        clientSecret = null;
      }
    }

    const grantType = form.get('grant_type');
    if (grantType === null) {
      throw new SandboxApiError(
        400,
        'invalid_request',
        'Missing form field grant_type: send grant_type=refresh_token.',
      );
    }
    if (grantType !== 'refresh_token') {
      throw new SandboxApiError(
        400,
        'unsupported_grant_type',
        `Unsupported grant_type ${JSON.stringify(grantType)}: the sandbox supports only grant_type=refresh_token.`,
      );
    }
    if (
      clientId === null ||
      clientSecret === null ||
      !sameText(clientId, this.credentials.clientId) ||
      !sameText(clientSecret, this.credentials.clientSecret)
    ) {
      throw new SandboxApiError(
        401,
        'invalid_client',
        'Invalid client credentials: check client_id and client_secret.',
        { 'WWW-Authenticate': 'Basic realm="crossbeam-sandbox"' },
      );
    }
    const presented = form.get('refresh_token');
    if (presented === null || presented === '') {
      throw new SandboxApiError(
        400,
        'invalid_request',
        'Missing form field refresh_token.',
      );
    }
    if (!sameText(presented, this.refreshToken)) {
      throw new SandboxApiError(
        400,
        'invalid_grant',
        'Invalid refresh token: it is unknown or was already used. Use the refresh token returned by the latest exchange.',
      );
    }

    this.refreshToken = secretToken('sbx_rt_');
    return {
      access_token: this.issueAccessToken(),
      token_type: 'Bearer',
      expires_in: this.ttlSeconds,
      refresh_token: this.refreshToken,
      scope: TOKEN_SCOPE,
    };
  }

  /** Raises a 401 `SandboxApiError` unless the header contains a live token. */
  authenticate(authorization: string | undefined): void {
    const challenge = (error: string) => ({
      'WWW-Authenticate': `Bearer realm="crossbeam-sandbox", error="${error}"`,
    });
    if (!authorization?.startsWith('Bearer ')) {
      throw new SandboxApiError(
        401,
        'invalid_token',
        'Missing bearer token: send Authorization: Bearer <access token>.',
        challenge('invalid_request'),
      );
    }
    const token = authorization.slice(7).trim();
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) {
      throw new SandboxApiError(
        401,
        'invalid_token',
        'Invalid access token: get a new one from the token endpoint.',
        challenge('invalid_token'),
      );
    }
    if (Date.now() >= expiresAt) {
      this.accessTokens.delete(token);
      throw new SandboxApiError(
        401,
        'invalid_token',
        'The access token expired: get a new one from the token endpoint.',
        challenge('invalid_token'),
      );
    }
  }
}
