import {
  createCrossbeamClient,
  type CrossbeamClientOptions,
} from '../../lib/crossbeam/client';
import { ConfigurationError, CrossbeamWarehouseError } from '../../lib/errors';
import type { Logger } from '../../lib/log';
import { verifyOrganization } from '../../lib/pipeline/organization';
import { sendJson, startFakeApi, type FakeApi } from '../crossbeam/fake-api';

const ORGANIZATION = 'a1b2c3d4-0000-4000-8000-000000000001';

let api: FakeApi | undefined;

afterEach(async () => {
  await api?.close();
  api = undefined;
});

/**
 * Starts a fake API that returns `status` and `body` for `GET /v1/users/me`
 * and a new refresh token from its token endpoint.
 */
async function clientWithUserMe(
  status: number,
  body: unknown,
  overrides: Partial<CrossbeamClientOptions> = {},
) {
  api = await startFakeApi((request, response) => {
    if (request.url === '/v1/users/me') sendJson(response, status, body);
    else if (request.url === '/oauth/token') {
      sendJson(response, 200, {
        access_token: 'access-1',
        refresh_token: 'refresh-1',
        expires_in: 86400,
      });
    } else sendJson(response, 404, {});
  });
  return createCrossbeamClient({
    apiUrl: api.url,
    authUrl: api.url,
    organization: ORGANIZATION,
    credentials: { accessToken: 'token-secret' },
    sleep: async () => undefined,
    maxAttempts: 6,
    ...overrides,
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
      organizations: [{ uuid: ORGANIZATION, name: 'Acme' }],
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

  test('rejects a uuid in other letter case', async () => {
    const listed = ORGANIZATION.toUpperCase();
    const client = await clientWithUserMe(200, {
      organizations: [{ uuid: listed, name: 'Acme' }],
    });

    await expect(
      verifyOrganization(client, recordingLogger([])),
    ).rejects.toThrow(
      `differs in letter case from "${listed}", as the token's organizations list it. Set it exactly as listed.`,
    );
  });

  test('names at most 20 organizations', async () => {
    const organizations = Array.from({ length: 25 }, (_, index) => ({
      uuid: `org-${index}`,
      name: null,
    }));
    const client = await clientWithUserMe(200, { organizations });

    const check = verifyOrganization(client, recordingLogger([]));

    await expect(check).rejects.toThrow('org-19, and 5 more.');
    await expect(check).rejects.not.toThrow('org-20');
  });

  test('prints names without control characters', async () => {
    const client = await clientWithUserMe(200, {
      organizations: [
        { uuid: 'org-1', name: 'Acme\u001b[2J\nerror:\u2028forged\u202e' },
      ],
    });

    await expect(
      verifyOrganization(client, recordingLogger([])),
    ).rejects.toThrow('Set it to one of: org-1 (Acme [2J error: forged ).');
  });

  test('skips entries without a usable uuid', async () => {
    const client = await clientWithUserMe(200, {
      organizations: [
        { uuid: null },
        { name: 'No uuid' },
        { uuid: 12345, name: { en: 'Other' } },
        { uuid: 'org-1', name: 'Acme' },
      ],
    });

    await expect(
      verifyOrganization(client, recordingLogger([])),
    ).rejects.toThrow('Set it to one of: 12345, org-1 (Acme).');
  });

  test('raises a refresh token that could not be saved', async () => {
    const client = await clientWithUserMe(
      200,
      { organizations: [{ uuid: ORGANIZATION }] },
      {
        credentials: {
          clientId: 'client-1',
          clientSecret: 'client-secret-1',
          refreshToken: 'refresh-0',
        },
        onRefreshToken: () => {
          throw new Error('disk full');
        },
      },
    );

    const check = verifyOrganization(client, recordingLogger([]));

    await expect(check).rejects.toBeInstanceOf(CrossbeamWarehouseError);
    await expect(check).rejects.toThrow('saving it failed: disk full');
  });

  test('warns and goes on when the list fails', async () => {
    const client = await clientWithUserMe(503, {});
    const warnings: string[] = [];

    await verifyOrganization(client, recordingLogger(warnings));

    expect(warnings).toContain(
      'Listing the organizations this token may act for failed, so the run starts without checking CROSSBEAM_ORGANIZATION.',
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

  test('leaves rejected credentials to the run', async () => {
    const client = await clientWithUserMe(401, {});
    const warnings: string[] = [];

    await verifyOrganization(client, recordingLogger(warnings));

    expect(warnings).toEqual([
      'Listing the organizations this token may act for failed, so the run starts without checking CROSSBEAM_ORGANIZATION.',
    ]);
  });

  test('tries the list at most twice', async () => {
    const client = await clientWithUserMe(503, {});

    await verifyOrganization(client, recordingLogger([]));

    expect(
      api!.requests.filter((request) => request.url === '/v1/users/me'),
    ).toHaveLength(2);
  });
});
