import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigurationError, CrossbeamWarehouseError } from '../errors';

/**
 * The value the stack writes into every key of a secret it creates. A
 * secret that still contains it has not been filled in by an operator.
 */
export const CROSSBEAM_SECRET_PLACEHOLDER = 'REPLACE_ME';

/** Keys of the Crossbeam secret, in the order the docs list them. */
export const CROSSBEAM_SECRET_KEYS = [
  'client_id',
  'client_secret',
  'refresh_token',
  'organization',
] as const;

/**
 * The Crossbeam secret's JSON: OAuth client, current refresh token and the
 * organization uuid. Unknown keys are kept, so a rewrite never drops them.
 */
export const CrossbeamSecretSchema = z.looseObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  refresh_token: z.string().min(1),
  organization: z.string().min(1),
});

export type CrossbeamSecret = z.infer<typeof CrossbeamSecretSchema>;

/** Reading or writing the secret failed. The message contains no secret values. */
export class SecretError extends CrossbeamWarehouseError {}

/**
 * Reads and validates the Crossbeam secret. Raises `ConfigurationError`
 * naming the secret and the keys (never their values) when the secret is
 * not JSON, a key is missing or empty, or a key still contains the placeholder
 * that the stack created it with.
 */
export async function readCrossbeamSecret(
  client: SecretsManagerClient,
  secretId: string,
): Promise<CrossbeamSecret> {
  let secretString: string | undefined;
  try {
    const response = await client.send(
      new GetSecretValueCommand({ SecretId: secretId }),
    );
    secretString = response.SecretString;
  } catch (error) {
    throw new SecretError(
      `Reading secret ${secretId} from Secrets Manager failed: ${(error as Error).name}: ${(error as Error).message}. Check that it exists and that the function's role may call secretsmanager:GetSecretValue on it.`,
      { cause: error },
    );
  }
  return parseCrossbeamSecret(secretId, secretString);
}

/** Validates a secret string; exported for callers that already hold it. */
export function parseCrossbeamSecret(
  secretId: string,
  secretString: string | undefined,
): CrossbeamSecret {
  const expected = `a JSON object with the keys ${CROSSBEAM_SECRET_KEYS.join(', ')}`;
  if (secretString === undefined || secretString === '') {
    throw new ConfigurationError(
      `Secret ${secretId} has no string value. Store ${expected}.`,
    );
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // The parser's message quotes the text, which may be a secret: drop it.
    throw new ConfigurationError(
      `Secret ${secretId} is not valid JSON. Store ${expected}.`,
    );
  }

  const result = CrossbeamSecretSchema.safeParse(parsed);
  if (!result.success) {
    const keys = [
      ...new Set(result.error.issues.map((issue) => issue.path.join('.'))),
    ];
    const named = keys.filter((key) => key !== '');
    throw new ConfigurationError(
      named.length > 0
        ? `Secret ${secretId} is missing or has empty values for: ${named.join(', ')}. Store ${expected}, each a non-empty string.`
        : `Secret ${secretId} is not a JSON object. Store ${expected}.`,
    );
  }

  const placeholders = CROSSBEAM_SECRET_KEYS.filter(
    (key) => result.data[key] === CROSSBEAM_SECRET_PLACEHOLDER,
  );
  if (placeholders.length > 0) {
    throw new ConfigurationError(
      `Replace the placeholder values in secret ${secretId} (${placeholders.join(', ')}) with your Crossbeam OAuth client id and secret, a refresh token with the offline_access scope, and your organization uuid, then run again.`,
    );
  }
  return result.data;
}

/**
 * Stores a refresh token that the identity provider rotated, keeping every
 * other key of the secret. Writes a new version with PutSecretValue built
 * from `current` (the value last read), then updates `current` in place so a
 * later rotation in the same run compares against the stored token.
 */
export async function writeRotatedRefreshToken(
  client: SecretsManagerClient,
  secretId: string,
  current: CrossbeamSecret,
  refreshToken: string,
): Promise<void> {
  if (refreshToken === '') {
    throw new SecretError(
      `The identity provider returned an empty refresh token, which is not stored in secret ${secretId}; the current token stays in place.`,
    );
  }
  if (refreshToken === current.refresh_token) return;
  const updated: CrossbeamSecret = { ...current, refresh_token: refreshToken };
  try {
    await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: JSON.stringify(updated),
      }),
    );
  } catch (error) {
    throw new SecretError(
      `Storing the rotated refresh token in secret ${secretId} failed: ${(error as Error).name}: ${(error as Error).message}. The old refresh token may no longer work; check secretsmanager:PutSecretValue on the secret and paste a new token if the next run cannot sign in.`,
      { cause: error },
    );
  }
  current.refresh_token = refreshToken;
}
