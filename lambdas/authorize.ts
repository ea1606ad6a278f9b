import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CrossbeamAuthError } from '../lib/errors';
import type { Logger } from '../lib/log';
import {
  AccessTokenRejectedError,
  discardCachedAccessToken,
  obtainAccessToken,
  type AccessTokenGrant,
} from '../lib/secrets/access-token';
import { readLambdaEnvironment, requireSecretId } from './environment';
import { parseStepEvent } from './events';

/**
 * Time by which a cached access token must outlive the extract call. A
 * token that expires sooner is refreshed before the call reads the API.
 */
export const TOKEN_SAFETY_MARGIN_MS = 5 * 60_000;

/**
 * Remaining lifetime below which the authorize step refreshes the cached
 * access token. A run that outlasts it refreshes again in the extract that
 * first finds the token too short, still once for every branch.
 */
export const AUTHORIZE_MIN_VALIDITY_MS = 60 * 60_000;

/**
 * The state machine's input for the step before the extracts: check the
 * secret and refresh the access token once for the whole execution.
 */
export const AuthorizeEventSchema = z.object({
  step: z.literal('authorize'),
});

/** The authorize step's output, which contains the token's expiry but never the token. */
export interface AuthorizeOutput {
  readonly authorized: true;
  readonly accessTokenExpiresAt: string;
  readonly refreshed: boolean;
}

/** An access token for one extract call, with the secret it came from. */
export interface LambdaAccessToken extends AccessTokenGrant {
  readonly secretId: string;
}

export interface LambdaTokenSourceOptions {
  readonly env: NodeJS.ProcessEnv;
  /** @default a new SecretsManagerClient, created on first use */
  readonly secrets?: SecretsManagerClient;
  readonly logger: Logger;
  readonly now: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly leasePollMs?: number;
}

/** The extract function's access to Crossbeam tokens in the secret. */
export interface LambdaTokenSource {
  /** Returns an access token that stays valid for `minValidityMs`. */
  accessToken(
    context: Context,
    minValidityMs: number,
  ): Promise<LambdaAccessToken>;
  /** Runs the authorize step for the state machine input `rawEvent`. */
  authorize(rawEvent: unknown, context: Context): Promise<AuthorizeOutput>;
  /**
   * Raises `error` again, unless it is an HTTP 401 from Crossbeam. Then it
   * removes the token from the secret and raises `AccessTokenRejectedError`.
   */
  rejectCached(token: LambdaAccessToken, error: unknown): Promise<never>;
}

/**
 * Creates the extract function's token source, which reads the Crossbeam
 * secret named by `CROSSBEAM_SECRET_ID` and shares one refresh between
 * concurrent calls (see `obtainAccessToken`).
 */
export function createLambdaTokenSource(
  options: LambdaTokenSourceOptions,
): LambdaTokenSource {
  let secrets = options.secrets;

  async function accessToken(
    context: Context,
    minValidityMs: number,
  ): Promise<LambdaAccessToken> {
    const env = readLambdaEnvironment(options.env);
    const secretId = requireSecretId(env);
    secrets ??= new SecretsManagerClient({});
    const grant = await obtainAccessToken({
      secrets,
      secretId,
      authUrl: env.CROSSBEAM_AUTH_URL,
      minValidityMs,
      holder: `${context.awsRequestId}/${randomUUID()}`,
      logger: options.logger,
      now: options.now,
      sleep: options.sleep,
      pollMs: options.leasePollMs,
    });
    return { ...grant, secretId };
  }

  async function authorize(
    rawEvent: unknown,
    context: Context,
  ): Promise<AuthorizeOutput> {
    parseStepEvent(
      AuthorizeEventSchema,
      rawEvent,
      'authorize',
      '{"step": "authorize"} as the state machine sends it',
    );
    const grant = await accessToken(context, AUTHORIZE_MIN_VALIDITY_MS);
    const expiresAt = grant.expiresAt.toISOString();
    options.logger.info(
      grant.source === 'refresh'
        ? 'Authorized the run with a new Crossbeam access token.'
        : 'Authorized the run with the cached Crossbeam access token.',
      { accessTokenExpiresAt: expiresAt },
    );
    return {
      authorized: true,
      accessTokenExpiresAt: expiresAt,
      refreshed: grant.source === 'refresh',
    };
  }

  async function rejectCached(
    token: LambdaAccessToken,
    error: unknown,
  ): Promise<never> {
    if (!(error instanceof CrossbeamAuthError) || error.status !== 401) {
      throw error;
    }
    secrets ??= new SecretsManagerClient({});
    let outcome =
      'The token is no longer cached in the secret, so the next attempt refreshes it';
    try {
      await discardCachedAccessToken(
        secrets,
        token.secretId,
        token.accessToken,
      );
    } catch (discardError) {
      const message = (discardError as Error).message;
      options.logger.error(
        'Removing the rejected access token from the Crossbeam secret failed, so the next attempt may present it again.',
        { secretId: token.secretId, error: message },
      );
      outcome = `Removing it from the secret failed (${message}), so remove access_token and access_token_expires_at from the secret by hand`;
    }
    throw new AccessTokenRejectedError(
      `Crossbeam rejected the cached access token from secret ${token.secretId} (HTTP 401) although it was valid until ${token.expiresAt.toISOString()}. ${outcome}. If the refresh token was revoked as well, put a new one into refresh_token.`,
      401,
      { cause: error },
    );
  }

  return { accessToken, authorize, rejectCached };
}
