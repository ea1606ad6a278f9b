import {
  GetSecretValueCommand,
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
 * A claim on the refresh token: the function named by `holder` is trading
 * it for a new access token until `expires_at`, so others wait for its
 * result instead of presenting the same single-use token.
 */
export const RefreshLeaseSchema = z.object({
  holder: z.string().min(1),
  expires_at: z.iso.datetime({ offset: true }),
});

export type RefreshLease = z.infer<typeof RefreshLeaseSchema>;

/**
 * The Crossbeam secret's JSON: OAuth client, current refresh token and the
 * organization uuid, which an operator fills in, and the cached access
 * token with its expiry and the refresh lease, which the functions write.
 * Unknown keys are kept, so a rewrite never drops them.
 */
export const CrossbeamSecretSchema = z.looseObject({
  client_id: z.string().min(1),
  client_secret: z.string().min(1),
  refresh_token: z.string().min(1),
  organization: z.string().min(1),
  access_token: z.string().min(1).optional(),
  access_token_expires_at: z.iso.datetime({ offset: true }).optional(),
  refresh_lease: RefreshLeaseSchema.optional(),
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
  const { secretString } = await getSecretString(client, secretId);
  return parseCrossbeamSecret(secretId, secretString);
}

/** The current version of the Crossbeam secret and its version id. */
export interface CrossbeamSecretVersion {
  readonly secret: CrossbeamSecret;
  readonly versionId: string;
}

/**
 * Reads and validates the current (`AWSCURRENT`) version of the Crossbeam
 * secret, with its version id, which a conditional write names as the
 * version it replaces. Raises like `readCrossbeamSecret`, and `SecretError`
 * when the response has no version id.
 */
export async function readCrossbeamSecretVersion(
  client: SecretsManagerClient,
  secretId: string,
): Promise<CrossbeamSecretVersion> {
  const { secretString, versionId } = await getSecretString(client, secretId);
  const secret = parseCrossbeamSecret(secretId, secretString);
  if (versionId === undefined || versionId === '') {
    throw new SecretError(
      `Secrets Manager returned secret ${secretId} without a version id, which the conditional write of the refresh token needs. Check that the SecretId names a Secrets Manager secret.`,
    );
  }
  return { secret, versionId };
}

async function getSecretString(
  client: SecretsManagerClient,
  secretId: string,
): Promise<{ secretString?: string; versionId?: string }> {
  try {
    const response = await client.send(
      new GetSecretValueCommand({ SecretId: secretId }),
    );
    return {
      secretString: response.SecretString,
      versionId: response.VersionId,
    };
  } catch (error) {
    throw new SecretError(
      `Reading secret ${secretId} from Secrets Manager failed: ${(error as Error).name}: ${(error as Error).message}. Check that it exists and that the function's role may call secretsmanager:GetSecretValue on it.`,
      { cause: error },
    );
  }
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
        ? `Secret ${secretId} is missing keys or has invalid values for: ${named.join(', ')}. Store ${expected}, each a non-empty string; access_token_expires_at, when present, is an ISO 8601 time, and refresh_lease an object with holder and expires_at.`
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
