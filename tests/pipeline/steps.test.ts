import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSettings } from '../../lib/config/settings';
import { createCrossbeamClient } from '../../lib/crossbeam/client';
import { silentLogger } from '../../lib/log';
import { openPipeline, type PipelineContext } from '../../lib/pipeline/context';
import { syncStreams, throwIfFailed } from '../../lib/pipeline/steps';
import { sendJson, startFakeApi, type FakeApi } from '../crossbeam/fake-api';

describe('syncStreams', () => {
  let api: FakeApi;
  let context: PipelineContext;

  beforeAll(async () => {
    // A partner list whose every page links to one more page.
    api = await startFakeApi((request, response) => {
      const page = Number(
        new URL(request.url, api.url).searchParams.get('page') ?? 1,
      );
      sendJson(response, 200, {
        data: [{ uuid: `partner-${page}`, name: `Partner ${page}` }],
        pagination: { next_href: `${api.url}/v1/partners?page=${page + 1}` },
      });
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'steps-'));
    const settings = loadSettings({
      env: {},
      cwd: dir,
      flags: {
        apiUrl: api.url,
        landing: `file:${dir}/landing`,
        warehouse: 'pglite:memory:',
        streams: ['partners'],
        maxStreamMinutes: 0.005,
      },
    });
    context = await openPipeline(settings, silentLogger);
  });

  afterAll(async () => {
    await context.warehouse.close();
    await api.close();
  });

  it('stops a stream that pages without end', async () => {
    const client = createCrossbeamClient({
      apiUrl: api.url,
      authUrl: api.url,
      organization: 'org',
      credentials: { accessToken: 'token-for-tests' },
    });

    const sync = await syncStreams(context, client);

    expect(sync.manifests).toHaveLength(0);
    expect(sync.failures.map((failure) => failure.stream)).toEqual([
      'partners',
    ]);
    expect(() => throwIfFailed(sync)).toThrow(/maxStreamMinutes/);
    expect(api.requests.length).toBeGreaterThan(1);
  });
});
