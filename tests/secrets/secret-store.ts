import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
  type GetSecretValueCommandInput,
  type PutSecretValueCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';

/**
 * An in-memory Secrets Manager secret with versions, enough of the real
 * service's rules for the refresh protocol: PutSecretValue makes the new
 * version current, and a `ClientRequestToken` that already names a version
 * is ignored for the same value and rejected with
 * `ResourceExistsException` for a different one.
 */
export class SecretStore {
  private readonly versions = new Map<string, string>();
  private currentVersionId: string;
  /** Every value written, in order, the initial one first. */
  readonly history: string[] = [];

  constructor(
    readonly secretId: string,
    initial: Record<string, unknown>,
  ) {
    this.currentVersionId = randomUUID();
    this.versions.set(this.currentVersionId, JSON.stringify(initial));
    this.history.push(JSON.stringify(initial));
  }

  /** The current version, parsed. */
  current(): Record<string, unknown> {
    return JSON.parse(this.versions.get(this.currentVersionId)!) as Record<
      string,
      unknown
    >;
  }

  /** Replaces the value as an operator would, outside the protocol. */
  replace(value: Record<string, unknown>): void {
    this.put({ SecretId: this.secretId, SecretString: JSON.stringify(value) });
  }

  get(input: GetSecretValueCommandInput) {
    this.requireKnown(input.SecretId);
    const versionId = input.VersionId ?? this.currentVersionId;
    const value = this.versions.get(versionId);
    if (value === undefined) {
      throw new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    return {
      Name: this.secretId,
      VersionId: versionId,
      SecretString: value,
      VersionStages: versionId === this.currentVersionId ? ['AWSCURRENT'] : [],
    };
  }

  put(input: PutSecretValueCommandInput) {
    this.requireKnown(input.SecretId);
    const versionId = input.ClientRequestToken ?? randomUUID();
    const existing = this.versions.get(versionId);
    if (existing !== undefined) {
      if (existing === input.SecretString) {
        return { Name: this.secretId, VersionId: versionId };
      }
      throw new ResourceExistsException({
        message: `A resource with the ID you requested already exists.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
    this.versions.set(versionId, input.SecretString!);
    this.currentVersionId = versionId;
    this.history.push(input.SecretString!);
    return {
      Name: this.secretId,
      VersionId: versionId,
      VersionStages: ['AWSCURRENT'],
    };
  }

  private requireKnown(secretId: string | undefined): void {
    if (secretId !== this.secretId) {
      throw new ResourceNotFoundException({
        message: `Secrets Manager can't find the specified secret.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
  }
}

/** Yields to other tasks, as a network round trip would. */
function roundTrip(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1));
}

/**
 * Mocks Secrets Manager for every client so that GetSecretValue and
 * PutSecretValue act on `store`, each after a short pause so that
 * concurrent callers interleave.
 */
export function mockSecretStore(store: SecretStore) {
  const secrets = mockClient(SecretsManagerClient);
  secrets.on(GetSecretValueCommand).callsFake(async (input) => {
    await roundTrip();
    return store.get(input as GetSecretValueCommandInput);
  });
  secrets.on(PutSecretValueCommand).callsFake(async (input) => {
    await roundTrip();
    return store.put(input as PutSecretValueCommandInput);
  });
  return secrets;
}
