import {
  GetSecretValueCommand,
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
 * `SecretError` naming `purpose` on any other failure. The message never
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
    // NOTE: the PutSecretValue API reference states only that such a write
    // fails, without naming the exception. ResourceExistsException is the
    // expected one. After any other error, reading the version shows
    // whether another writer won.
    if ((error as Error).name === 'ResourceExistsException') {
      return { written: false };
    }
    const existing = await readVersion(client, secretId, token);
    if (existing !== undefined) {
      return existing === JSON.stringify(secret)
        ? { written: true, versionId: token }
        : { written: false };
    }
    throw new SecretError(
      `Writing secret ${secretId} (${purpose}) failed: ${(error as Error).name}: ${(error as Error).message}. Check that the function's role may call secretsmanager:PutSecretValue on it.`,
      { cause: error },
    );
  }
}

/** Returns the value of version `versionId`, or undefined when it cannot be read. */
async function readVersion(
  client: SecretsManagerClient,
  secretId: string,
  versionId: string,
): Promise<string | undefined> {
  try {
    const response = await client.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }),
    );
    return response.SecretString;
  } catch {
    // The write's own error is the one to report, so this one is dropped.
    return undefined;
  }
}
