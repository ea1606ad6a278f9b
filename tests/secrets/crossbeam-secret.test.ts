import {
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '../../lib/errors';
import {
  CROSSBEAM_SECRET_PLACEHOLDER,
  SecretError,
  readCrossbeamSecret,
  readCrossbeamSecretVersion,
} from '../../lib/secrets/crossbeam-secret';
import {
  successorRequestToken,
  writeSecretVersion,
} from '../../lib/secrets/secret-version-write';

const secrets = mockClient(SecretsManagerClient);
const client = new SecretsManagerClient({ region: 'us-east-1' });
const SECRET = {
  client_id: 'client-abc',
  client_secret: 'shh-very-secret',
  refresh_token: 'refresh-123',
  organization: '0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8',
};

beforeEach(() => secrets.reset());

async function readError(secretString: string | undefined): Promise<Error> {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });
  return readCrossbeamSecret(client, 'crossbeam/api').then(
    () => {
      throw new Error('expected readCrossbeamSecret to fail');
    },
    (error: Error) => error,
  );
}

describe('readCrossbeamSecret', () => {
  it('returns the validated secret', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'crossbeam/api' })
      .resolves({ SecretString: JSON.stringify({ ...SECRET, note: 'kept' }) });
    await expect(readCrossbeamSecret(client, 'crossbeam/api')).resolves.toEqual(
      {
        ...SECRET,
        note: 'kept',
      },
    );
  });

  it('rejects placeholder values and names their keys', async () => {
    const error = await readError(
      JSON.stringify({
        ...SECRET,
        client_secret: CROSSBEAM_SECRET_PLACEHOLDER,
        refresh_token: CROSSBEAM_SECRET_PLACEHOLDER,
      }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(
      /^Replace the placeholder values in secret crossbeam\/api \(client_secret, refresh_token\)/,
    );
    expect(error.message).not.toContain(SECRET.client_id);
  });

  it('names missing keys without printing values', async () => {
    const error = await readError(
      JSON.stringify({
        client_id: 'client-abc',
        client_secret: 'shh-very-secret',
      }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain('refresh_token, organization');
    expect(error.message).not.toContain('shh-very-secret');
  });

  it('rejects text that is not JSON without quoting it', async () => {
    const error = await readError('shh-very-secret');
    expect(error.message).toMatch(/Secret crossbeam\/api is not valid JSON/);
    expect(error.message).not.toContain('shh-very-secret');
  });

  it('rejects a JSON array', async () => {
    const error = await readError('["shh-very-secret"]');
    expect(error.message).toMatch(/is not a JSON object/);
    expect(error.message).not.toContain('shh-very-secret');
  });

  it('rejects a secret without a string value', async () => {
    const error = await readError(undefined);
    expect(error.message).toMatch(/has no string value/);
  });

  it('wraps a Secrets Manager failure', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejects(
        new ResourceNotFoundException({ message: 'not found', $metadata: {} }),
      );
    const read = readCrossbeamSecret(client, 'crossbeam/api');
    await expect(read).rejects.toThrow(SecretError);
    await expect(read).rejects.toThrow(
      /Reading secret crossbeam\/api .*ResourceNotFoundException: not found/,
    );
  });
});

describe('readCrossbeamSecretVersion', () => {
  it('returns the secret with its version id', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify(SECRET),
      VersionId: 'version-1',
    });
    await expect(
      readCrossbeamSecretVersion(client, 'crossbeam/api'),
    ).resolves.toEqual({ secret: SECRET, versionId: 'version-1' });
  });

  it('rejects a response without a version id', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify(SECRET) });
    await expect(
      readCrossbeamSecretVersion(client, 'crossbeam/api'),
    ).rejects.toThrow(/returned secret crossbeam\/api without a version id/);
  });

  it('names an invalid cached expiry without its value', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({
        ...SECRET,
        access_token: 'access-xyz',
        access_token_expires_at: 'tomorrow',
      }),
      VersionId: 'version-1',
    });
    const read = readCrossbeamSecretVersion(client, 'crossbeam/api');
    await expect(read).rejects.toThrow(ConfigurationError);
    await expect(read).rejects.toThrow(
      /invalid values for: access_token_expires_at\./,
    );
    await expect(read).rejects.not.toThrow(/access-xyz/);
  });
});

describe('writeSecretVersion', () => {
  it('names the successor of the replaced version', async () => {
    secrets.on(PutSecretValueCommand).resolves({ VersionId: 'version-2' });
    const result = await writeSecretVersion(
      client,
      'crossbeam/api',
      'version-1',
      { ...SECRET, note: 'kept' },
      'a test',
    );
    expect(result).toEqual({ written: true, versionId: 'version-2' });
    const input = secrets.commandCalls(PutSecretValueCommand)[0]!.args[0].input;
    expect(input.ClientRequestToken).toBe(
      successorRequestToken('crossbeam/api', 'version-1'),
    );
    expect(JSON.parse(input.SecretString!)).toEqual({
      ...SECRET,
      note: 'kept',
    });
  });

  it('derives one UUID per replaced version', () => {
    const token = successorRequestToken('crossbeam/api', 'version-1');
    expect(token).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(successorRequestToken('crossbeam/api', 'version-1')).toBe(token);
    expect(successorRequestToken('crossbeam/api', 'version-2')).not.toBe(token);
    expect(successorRequestToken('other/secret', 'version-1')).not.toBe(token);
  });

  it('reports a lost race as not written', async () => {
    secrets.on(PutSecretValueCommand).rejects(
      new ResourceExistsException({
        message: 'A resource with the ID you requested already exists.',
        $metadata: {},
      }),
    );
    await expect(
      writeSecretVersion(client, 'crossbeam/api', 'v1', SECRET, 'a test'),
    ).resolves.toEqual({ written: false });
  });

  it('reads the version after an unexpected write error', async () => {
    const token = successorRequestToken('crossbeam/api', 'v1');
    secrets
      .on(PutSecretValueCommand)
      .rejects(
        new InvalidRequestException({ message: 'conflict', $metadata: {} }),
      );
    secrets
      .on(GetSecretValueCommand, {
        SecretId: 'crossbeam/api',
        VersionId: token,
      })
      .resolves({ SecretString: JSON.stringify({ ...SECRET, other: 1 }) });
    await expect(
      writeSecretVersion(client, 'crossbeam/api', 'v1', SECRET, 'a test'),
    ).resolves.toEqual({ written: false });

    secrets
      .on(GetSecretValueCommand, {
        SecretId: 'crossbeam/api',
        VersionId: token,
      })
      .resolves({ SecretString: JSON.stringify(SECRET) });
    await expect(
      writeSecretVersion(client, 'crossbeam/api', 'v1', SECRET, 'a test'),
    ).resolves.toEqual({ written: true, versionId: token });
  });

  it('reports a failed write without secret values', async () => {
    secrets.on(PutSecretValueCommand).rejects(new Error('AccessDenied'));
    const write = writeSecretVersion(
      client,
      'crossbeam/api',
      'v1',
      SECRET,
      'storing the rotated refresh token',
    );
    await expect(write).rejects.toThrow(SecretError);
    await expect(write).rejects.toThrow(
      /Writing secret crossbeam\/api \(storing the rotated refresh token\) failed: Error: AccessDenied/,
    );
    await expect(write).rejects.not.toThrow(SECRET.refresh_token);
  });
});
