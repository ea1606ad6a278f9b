import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RetryPolicy } from '../crossbeam/attempts';
import { CrossbeamAuthError } from '../errors';
import type { Logger } from '../log';
import {
  readCrossbeamSecretVersion,
  SecretError,
  type CrossbeamSecret,
  type CrossbeamSecretVersion,
} from './crossbeam-secret';
import { writeSecretVersion } from './secret-version-write';
import { exchangeRefreshToken } from './token-exchange';

/** How long a refresh lease lasts by default, in milliseconds. */
export const DEFAULT_REFRESH_LEASE_MS = 120_000;

/** How often a caller re-reads the secret while another one refreshes. */
export const DEFAULT_LEASE_POLL_MS = 1_000;

export interface AccessTokenOptions {
  readonly secrets: SecretsManagerClient;
  readonly secretId: string;
  /** Token endpoint base; the refresh goes to `${authUrl}/oauth/token`. */
  readonly authUrl: string;
  /**
   * Minimum remaining lifetime of a cached access token, in milliseconds.
   * A token that expires sooner is refreshed.
   */
  readonly minValidityMs: number;
  /** Names this caller in the refresh lease; unique per invocation. */
  readonly holder: string;
  readonly logger: Logger;
  /**
   * How long a refresh lease keeps other callers waiting, in milliseconds. The
   * token request's retry budget is half of it. @default 120000
   */
  readonly leaseMs?: number;
  /** @default 1000 */
  readonly pollMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An access token that stays valid for at least the requested time. */
export interface AccessTokenGrant {
  readonly accessToken: string;
  readonly expiresAt: Date;
  /** The organization uuid from the same secret. */
  readonly organization: string;
  /** `cache` when the secret's token was used, `refresh` when this call renewed it. */
  readonly source: 'cache' | 'refresh';
}

/**
 * Returns a Crossbeam access token from the Crossbeam secret. Of the
 * callers that share the secret, only one at a time trades the refresh
 * token, and the others use the access token it stores.
 *
 * The secret caches the access token and its expiry next to the refresh
 * token. A cached token is returned while it stays valid for more than
 * `minValidityMs`. Otherwise the caller claims a refresh lease with a
 * conditional write (see `writeSecretVersion`), trades the refresh token
 * for a new access token, and writes the rotated refresh token and the new
 * access token back, again conditionally. A caller that loses the claim
 * waits until the winner's token appears, or until the lease expires and
 * it may claim the lease itself.
 *
 * Raises `ConfigurationError` for an unfilled or invalid secret,
 * `CrossbeamAuthError` when the token endpoint rejects the refresh token,
 * and `SecretError` when Secrets Manager fails or the wait runs out.
 */
export async function obtainAccessToken(
  options: AccessTokenOptions,
): Promise<AccessTokenGrant> {
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const leaseMs = options.leaseMs ?? DEFAULT_REFRESH_LEASE_MS;
  const pollMs = options.pollMs ?? DEFAULT_LEASE_POLL_MS;
  // Two full leases: the current holder's and one taken over after it.
  const giveUpAt = now() + 2 * leaseMs + pollMs;
  let waitLogged = false;

  for (;;) {
    const current = await readCrossbeamSecretVersion(
      options.secrets,
      options.secretId,
    );
    const cached = usableCachedToken(current.secret, now(), options);
    if (cached) return cached;

    const lease = current.secret.refresh_lease;
    const leaseEndsAt = lease ? Date.parse(lease.expires_at) : 0;
    if (lease && lease.holder !== options.holder && leaseEndsAt > now()) {
      if (now() >= giveUpAt) {
        throw new SecretError(
          `Waited ${Math.round((2 * leaseMs) / 1000)} s for another function to refresh the Crossbeam access token in secret ${options.secretId}, but no new token appeared. Run again, and if this repeats, remove refresh_lease from the secret.`,
        );
      }
      if (!waitLogged) {
        options.logger.info(
          'Another function is refreshing the Crossbeam access token, so this one waits for it to store the new one.',
          { secretId: options.secretId, leaseExpiresAt: lease.expires_at },
        );
        waitLogged = true;
      }
      await sleep(pollMs);
      continue;
    }
    if (lease && lease.holder !== options.holder) {
      options.logger.warn(
        'A refresh lease on the Crossbeam secret expired without a new access token, so this function claims it.',
        { secretId: options.secretId, leaseExpiredAt: lease.expires_at },
      );
    }

    const grant = await refreshUnderLease(current, options, {
      now,
      sleep,
      leaseMs,
    });
    if (grant) return grant;
  }
}

function usableCachedToken(
  secret: CrossbeamSecret,
  nowMs: number,
  options: AccessTokenOptions,
): AccessTokenGrant | undefined {
  if (!secret.access_token || !secret.access_token_expires_at) return;
  const expiresAtMs = Date.parse(secret.access_token_expires_at);
  if (expiresAtMs - nowMs <= options.minValidityMs) return;
  return {
    accessToken: secret.access_token,
    expiresAt: new Date(expiresAtMs),
    organization: secret.organization,
    source: 'cache',
  };
}

/**
 * Claims the lease on `current`, refreshes, and stores the result. Returns
 * undefined when another caller claimed first, so the caller reads again.
 */
async function refreshUnderLease(
  current: CrossbeamSecretVersion,
  options: AccessTokenOptions,
  clock: {
    now: () => number;
    sleep: (ms: number) => Promise<void>;
    leaseMs: number;
  },
): Promise<AccessTokenGrant | undefined> {
  const { secretId } = options;
  const base = withoutLease(current.secret);
  const claim = await writeSecretVersion(
    options.secrets,
    secretId,
    current.versionId,
    {
      ...base,
      refresh_lease: {
        holder: options.holder,
        expires_at: new Date(clock.now() + clock.leaseMs).toISOString(),
      },
    },
    'claiming the refresh lease',
  );
  if (!claim.written) return undefined;

  const policy: RetryPolicy = {
    maxAttempts: 4,
    maxRetryTimeMs: clock.leaseMs / 2,
    baseDelayMs: 1_000,
    maxDelayMs: 10_000,
    sleep: clock.sleep,
    random: Math.random,
    now: clock.now,
    logger: options.logger,
  };
  let exchanged;
  try {
    exchanged = await exchangeRefreshToken({
      authUrl: options.authUrl,
      clientId: base.client_id,
      clientSecret: base.client_secret,
      refreshToken: base.refresh_token,
      timeoutMs: Math.min(15_000, clock.leaseMs / 4),
      policy,
    });
  } catch (error) {
    await releaseLease(options, claim.versionId, base);
    throw error;
  }

  const expiresAt = new Date(exchanged.expiresAtMs);
  const stored = await writeSecretVersion(
    options.secrets,
    secretId,
    claim.versionId,
    {
      ...base,
      refresh_token: exchanged.refreshToken,
      access_token: exchanged.accessToken,
      access_token_expires_at: expiresAt.toISOString(),
    },
    'storing the rotated refresh token and the new access token',
  );
  if (!stored.written) {
    throw new SecretError(
      `Crossbeam issued a new refresh token, but another function replaced secret ${secretId} first because this function's refresh lease of ${Math.round(clock.leaseMs / 1000)} s ran out, so the new token was not stored. If the next run fails to sign in, put a new refresh token into refresh_token.`,
    );
  }
  options.logger.info(
    'Refreshed the Crossbeam access token and stored it with the rotated refresh token in the secret.',
    {
      secretId,
      expiresAt: expiresAt.toISOString(),
      refreshTokenRotated: exchanged.refreshToken !== base.refresh_token,
    },
  );
  return {
    accessToken: exchanged.accessToken,
    expiresAt,
    organization: base.organization,
    source: 'refresh',
  };
}

/**
 * Removes this caller's lease after a failed refresh, so others need not
 * wait for it to expire. A failure here is logged, not raised, because the
 * refresh error is the one to report and the lease expires on its own.
 */
async function releaseLease(
  options: AccessTokenOptions,
  claimVersionId: string,
  base: CrossbeamSecret,
): Promise<void> {
  try {
    await writeSecretVersion(
      options.secrets,
      options.secretId,
      claimVersionId,
      base,
      'releasing the refresh lease',
    );
  } catch (error) {
    options.logger.error(
      'Removing the refresh lease from the Crossbeam secret failed; other functions wait until it expires.',
      { secretId: options.secretId, error: (error as Error).message },
    );
  }
}

function withoutLease(secret: CrossbeamSecret): CrossbeamSecret {
  const copy: CrossbeamSecret = { ...secret };
  delete copy.refresh_lease;
  return copy;
}

/**
 * Crossbeam rejected an access token that the secret still cached as
 * valid, for example after the token was revoked. The token is removed
 * from the secret, so the next attempt refreshes it.
 */
export class AccessTokenRejectedError extends CrossbeamAuthError {}

/**
 * Removes `rejectedToken` from the secret's cache if it is still the cached
 * token, so the next caller refreshes instead of reusing it. Returns
 * whether this call removed it; raises `SecretError` when Secrets Manager
 * fails.
 */
export async function discardCachedAccessToken(
  secrets: SecretsManagerClient,
  secretId: string,
  rejectedToken: string,
): Promise<boolean> {
  const current = await readCrossbeamSecretVersion(secrets, secretId);
  if (current.secret.access_token !== rejectedToken) return false;
  const updated: CrossbeamSecret = { ...current.secret };
  delete updated.access_token;
  delete updated.access_token_expires_at;
  const result = await writeSecretVersion(
    secrets,
    secretId,
    current.versionId,
    updated,
    'removing a rejected access token',
  );
  return result.written;
}
