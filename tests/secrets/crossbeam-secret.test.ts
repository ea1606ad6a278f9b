import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { ConfigurationError } from '../../lib/errors';
import {
  CROSSBEAM_SECRET_PLACEHOLDER,
  SecretError,
  readCrossbeamSecret,
  writeRotatedRefreshToken,
} from '../../lib/secrets/crossbeam-secret';

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

describe('writeRotatedRefreshToken', () => {
  it('writes the whole secret with the new token', async () => {
    secrets.on(PutSecretValueCommand).resolves({});
    const current = { ...SECRET, note: 'kept' };
    await writeRotatedRefreshToken(
      client,
      'crossbeam/api',
      current,
      'refresh-456',
    );
    const calls = secrets.commandCalls(PutSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.SecretId).toBe('crossbeam/api');
    expect(JSON.parse(calls[0]!.args[0].input.SecretString!)).toEqual({
      ...SECRET,
      note: 'kept',
      refresh_token: 'refresh-456',
    });
    expect(current.refresh_token).toBe('refresh-456');
  });

  it('skips an unchanged token', async () => {
    await writeRotatedRefreshToken(
      client,
      'crossbeam/api',
      { ...SECRET },
      SECRET.refresh_token,
    );
    expect(secrets.commandCalls(PutSecretValueCommand)).toHaveLength(0);
  });

  it('rejects an empty token', async () => {
    await expect(
      writeRotatedRefreshToken(client, 'crossbeam/api', { ...SECRET }, ''),
    ).rejects.toThrow(/empty refresh token/);
  });

  it('reports a failed write without the token', async () => {
    secrets.on(PutSecretValueCommand).rejects(new Error('AccessDenied'));
    const write = writeRotatedRefreshToken(
      client,
      'crossbeam/api',
      { ...SECRET },
      'refresh-456',
    );
    await expect(write).rejects.toThrow(SecretError);
    await expect(write).rejects.not.toThrow(/refresh-456/);
  });
});
