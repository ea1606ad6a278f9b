import { createBuildHandler } from '../../lambdas/build';
import { createExtractHandler } from '../../lambdas/extract';
import { createLoadHandler } from '../../lambdas/load';
import { ConfigurationError } from '../../lib/errors';
import { STREAMS } from '../../lib/streams/catalog';
import { sendJson, startFakeApi, type FakeApi } from '../crossbeam/fake-api';
import {
  BUCKET,
  PREFIX,
  RecordingWarehouse,
  asExtractOutput,
  lambdaContext,
  lambdaEnv,
  mockSecret,
  recordingObservability,
  startS3,
} from './fixtures';

const SECRET = {
  client_id: 'client-abc',
  client_secret: 'client-secret-value',
  refresh_token: 'refresh-1',
  organization: 'org-0000-1111',
};

let s3: Awaited<ReturnType<typeof startS3>>;
let api: FakeApi;
let runId: string;

beforeAll(async () => {
  s3 = await startS3();
  api = await startFakeApi((request, response) => {
    const path = new URL(request.url, 'http://127.0.0.1').pathname;
    if (path === '/oauth/token') {
      sendJson(response, 200, { access_token: 'access', expires_in: 3600 });
      return;
    }
    if (path === '/v1/partners') {
      sendJson(response, 200, {
        data: [
          { uuid: 'partner-1', name: 'Blue Harbor', domain: 'blue.example' },
          {
            uuid: 'partner-2',
            name: 'Red Fern',
            domain: 'fern.example',
            tags: [{ id: 't1', label: 'Strategic' }],
          },
        ],
      });
      return;
    }
    sendJson(response, 404, {});
  });

  mockSecret(SECRET);
  const extract = createExtractHandler({
    env: lambdaEnv(api.url),
    openWarehouse: () => new RecordingWarehouse(),
    openStore: () => s3.openStore(),
    observability: recordingObservability().observability,
  });
  const output = await extract(
    { stream: 'partners', observedAt: '2026-12-04T06:00:00.000Z' },
    lambdaContext(15 * 60_000),
  );
  runId = asExtractOutput(output).runId;
});

afterAll(async () => {
  await api.close();
  await s3.close();
});

describe('load handler', () => {
  it('applies migrations, then copies and merges the landed run', async () => {
    const warehouse = new RecordingWarehouse();
    const { observability, metrics } = recordingObservability();
    const load = createLoadHandler({
      env: lambdaEnv(api.url),
      openWarehouse: () => warehouse,
      openStore: () => s3.openStore(),
      observability,
    });

    const output = await load({ streams: ['partners'] }, lambdaContext(60_000));

    expect(output.migrationsApplied.length).toBeGreaterThan(0);
    expect(output.streams).toEqual([
      expect.objectContaining({ stream: 'partners', runsLoaded: [runId] }),
    ]);
    const copied = warehouse.copies.map((copy) => copy.manifest);
    for (const table of STREAMS.partners.tables) {
      expect(copied).toContain(
        `s3://${BUCKET}/${PREFIX}/partners/${runId}/${table.name}/copy-manifest.json`,
      );
    }
    expect(warehouse.batches.length).toBeGreaterThan(0);
    expect(warehouse.closed).toBe(1);
    expect(metrics).toContainEqual(
      expect.objectContaining({
        name: 'runs',
        value: 1,
        dimensions: { stream: 'partners' },
      }),
    );
  });

  it('skips runs stamped for another warehouse', async () => {
    const identified = (id: string) =>
      new RecordingWarehouse((sql) =>
        sql.includes('warehouse_identity') ? [{ warehouse_id: id }] : [],
      );
    const extract = createExtractHandler({
      env: lambdaEnv(api.url),
      openWarehouse: () => identified('warehouse-a'),
      openStore: () => s3.openStore(),
      observability: recordingObservability().observability,
    });
    const stamped = asExtractOutput(
      await extract(
        { stream: 'partners', observedAt: '2026-12-04T07:00:00.000Z' },
        lambdaContext(15 * 60_000),
      ),
    ).runId;

    const loadInto = async (id: string) => {
      const recorded = recordingObservability();
      const load = createLoadHandler({
        env: lambdaEnv(api.url),
        openWarehouse: () => identified(id),
        openStore: () => s3.openStore(),
        observability: recorded.observability,
      });
      const output = await load(
        { streams: ['partners'] },
        lambdaContext(60_000),
      );
      return { streams: output.streams, lines: recorded.lines };
    };

    const other = await loadInto('warehouse-b');
    expect(other.streams[0]!.runsLoaded).toEqual([runId]);
    expect(other.streams[0]!.runsSkipped).toBe(1);
    const warning = other.lines.find((line) => line.level === 'warn');
    expect(warning?.message).toContain(`partners/${stamped}`);

    const own = await loadInto('warehouse-a');
    expect(own.streams[0]!.runsLoaded).toEqual([runId, stamped].sort());
  });

  it('rejects an unknown stream', async () => {
    const load = createLoadHandler({
      env: lambdaEnv(api.url),
      openWarehouse: () => new RecordingWarehouse(),
      openStore: () => s3.openStore(),
      observability: recordingObservability().observability,
    });
    const run = load({ streams: ['deals'] }, lambdaContext(60_000));
    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(/Invalid load input: streams\.0/);
  });

  it('names a missing environment variable', async () => {
    const { CROSSBEAM_LANDING: _omit, ...env } = lambdaEnv(api.url);
    const load = createLoadHandler({
      env,
      observability: recordingObservability().observability,
    });
    await expect(load({}, lambdaContext(60_000))).rejects.toThrow(
      /CROSSBEAM_LANDING: .*\(not set\)/,
    );
  });
});

describe('build handler', () => {
  it('applies migrations only when asked to', async () => {
    const warehouse = new RecordingWarehouse();
    const build = createBuildHandler({
      env: lambdaEnv(api.url),
      openWarehouse: () => warehouse,
      observability: recordingObservability().observability,
    });
    const output = await build({ migrateOnly: true }, lambdaContext(60_000));
    expect(output.migrationsApplied.length).toBeGreaterThan(0);
    expect(output.built).toEqual([]);
    expect(
      warehouse.queries.some((sql) => /create or replace view/i.test(sql)),
    ).toBe(false);
    // Sets the id that the extracts after it stamp their runs with.
    expect(
      warehouse.queries.some((sql) =>
        /insert into \S+\.warehouse_identity/i.test(sql),
      ),
    ).toBe(true);
  });

  it('builds the models and skips those without sources', async () => {
    const warehouse = new RecordingWarehouse();
    const recording = recordingObservability();
    const build = createBuildHandler({
      env: lambdaEnv(api.url),
      openWarehouse: () => warehouse,
      observability: recording.observability,
    });
    const output = await build({ sources: {} }, lambdaContext(60_000));
    const skipLines = recording.lines.filter((line) =>
      /skipped/i.test(line.message),
    );
    expect(skipLines).toHaveLength(output.skipped.length);
    expect(output.built.length).toBeGreaterThan(0);
    expect(output.built.every((name) => name.startsWith('crossbeam_'))).toBe(
      true,
    );
    expect(output.skipped.length).toBeGreaterThan(0);
    expect(output.skipped[0]!.reason).toMatch(/not configured/);
  });

  it('builds the views without running them', async () => {
    const warehouse = new RecordingWarehouse();
    const build = createBuildHandler({
      env: lambdaEnv(api.url),
      openWarehouse: () => warehouse,
      observability: recordingObservability().observability,
    });

    const output = await build({ sources: {} }, lambdaContext(60_000));

    const views = output.built.map((name) => name.split('.')[1]);
    expect(views.length).toBeGreaterThan(0);
    const reads = warehouse.queries.filter((sql) =>
      views.some((view) => new RegExp(`\\bfrom \\S+\\.${view}\\b`).test(sql)),
    );
    expect(reads.filter((sql) => !/create or replace view/i.test(sql))).toEqual(
      [],
    );
  });
});
