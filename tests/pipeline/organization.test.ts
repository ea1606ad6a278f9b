import { createCrossbeamClient } from '../../lib/crossbeam/client';
import { ConfigurationError, CrossbeamAuthError } from '../../lib/errors';
import type { Logger } from '../../lib/log';
import { verifyOrganization } from '../../lib/pipeline/organization';
import { sendJson, startFakeApi, type FakeApi } from '../crossbeam/fake-api';

const ORGANIZATION = 'a1b2c3d4-0000-4000-8000-000000000001';

let api: FakeApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** Starts a fake API that returns `status` and `body` for `GET /v1/users/me`. */
async function clientWithUserMe(status: number, body: unknown) {
  api = await startFakeApi((request, response) => {
    if (request.url === '/v1/users/me') sendJson(response, status, body);
    else sendJson(response, 404, {});
  });
  return createCrossbeamClient({
    apiUrl: api.url,
    authUrl: api.url,
    organization: ORGANIZATION,
    credentials: { accessToken: 'token-secret' },
    sleep: async () => undefined,
    maxAttempts: 2,
  });
}

function recordingLogger(warnings: string[]): Logger {
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: (message) => warnings.push(message),
    error: () => undefined,
  };
}

describe('verifyOrganization', () => {
  test('passes a listed organization', async () => {
    const client = await clientWithUserMe(200, {
      organizations: [{ uuid: ORGANIZATION.toUpperCase(), name: 'Acme' }],
    });
    const warnings: string[] = [];

    await verifyOrganization(client, recordingLogger(warnings));

    expect(warnings).toEqual([]);
  });

  test('names the choices for an unlisted one', async () => {
    const client = await clientWithUserMe(200, {
      organizations: [
        { uuid: 'org-1', name: 'Acme' },
        { uuid: 'org-2', name: null },
      ],
    });

    const check = verifyOrganization(client, recordingLogger([]));

    await expect(check).rejects.toBeInstanceOf(ConfigurationError);
    await expect(check).rejects.toThrow(
      `Organization "${ORGANIZATION}" (CROSSBEAM_ORGANIZATION or --organization) is not one this token may act for. Set it to one of: org-1 (Acme), org-2.`,
    );
  });

  test('warns and goes on when the list fails', async () => {
    const client = await clientWithUserMe(503, {});
    const warnings: string[] = [];

    await verifyOrganization(client, recordingLogger(warnings));

    expect(warnings).toContain(
      'Could not list the organizations this token may act for, so the run starts without checking CROSSBEAM_ORGANIZATION.',
    );
  });

  test('warns and goes on for an empty list', async () => {
    const client = await clientWithUserMe(200, { organizations: [] });
    const warnings: string[] = [];

    await verifyOrganization(client, recordingLogger(warnings));

    expect(warnings).toEqual([
      'GET /v1/users/me lists no organization for this token, so the run starts without checking CROSSBEAM_ORGANIZATION.',
    ]);
  });

  test('warns for a body without organizations', async () => {
    const client = await clientWithUserMe(200, { id: 'user-1' });
    const warnings: string[] = [];

    await verifyOrganization(client, recordingLogger(warnings));

    expect(warnings).toHaveLength(1);
  });

  test('raises rejected credentials', async () => {
    const client = await clientWithUserMe(401, {});

    await expect(
      verifyOrganization(client, recordingLogger([])),
    ).rejects.toBeInstanceOf(CrossbeamAuthError);
  });
});
