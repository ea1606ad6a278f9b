import {
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { createHash } from 'node:crypto';
import { SecretError, type CrossbeamSecret } from './crossbeam-secret';

/**
 * Returns the `ClientRequestToken` of the version that replaces
 * `versionId`: a UUID derived from the secret and that version id.
 *
 * Every writer that replaces the same version sends the same token, and
 * Secrets Manager creates a version for a token only once, so the first
 * writer wins and every other one gets `ResourceExistsException`. That
 * makes PutSecretValue a compare-and-swap on the version it replaces.
 */
export function successorRequestToken(
  secretId: string,
  versionId: string,
): string {
  const hex = createHash('sha256')
    .update(`${secretId}\n${versionId}`)
    .digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `4${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/** Outcome of a conditional write: stored, or replaced first by another writer. */
export type ConditionalWriteResult =
  | { readonly written: true; readonly versionId: string }
  | { readonly written: false };

/**
 * Writes `secret` as the new current version if `replacesVersionId` is
 * still the version that every writer replaces next. Returns
 * `{ written: false }` when another writer already replaced it. Raises
 * `SecretError` naming `purpose` on any other failure; the message never
 * contains secret values.
 */
export async function writeSecretVersion(
  client: SecretsManagerClient,
  secretId: string,
  replacesVersionId: string,
  secret: CrossbeamSecret,
  purpose: string,
): Promise<ConditionalWriteResult> {
  const token = successorRequestToken(secretId, replacesVersionId);
  try {
    const response = await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        ClientRequestToken: token,
        SecretString: JSON.stringify(secret),
      }),
    );
    return { written: true, versionId: response.VersionId ?? token };
  } catch (error) {
    if ((error as Error).name === 'ResourceExistsException') {
      return { written: false };
    }
    throw new SecretError(
      `Writing secret ${secretId} (${purpose}) failed: ${(error as Error).name}: ${(error as Error).message}. Check that the function's role may call secretsmanager:PutSecretValue on it.`,
      { cause: error },
    );
  }
}
