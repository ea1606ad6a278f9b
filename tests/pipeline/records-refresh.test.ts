import type { CrossbeamClient } from '../../lib/crossbeam/client';
import { createClientForSettings } from '../../lib/pipeline/client';
import type { PipelineContext } from '../../lib/pipeline/context';
import { loadLanded, syncStreams } from '../../lib/pipeline/steps';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import {
  memoryLogger,
  openTestPipeline,
  tempDir,
} from '../reliability/harness';

const ANCHOR = new Date('2026-04-01T00:00:00Z');
const HOUR = 3_600_000;
const at = (hours: number) => new Date(ANCHOR.getTime() + hours * HOUR);

describe('syncStreams with recordsRefreshHours', () => {
  const world = createWorld({ seed: 3, scale: 'tiny', anchor: ANCHOR });
  const logger = memoryLogger();
  let sandbox: Sandbox;
  let context: PipelineContext;
  let client: CrossbeamClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: ANCHOR });
    context = await openTestPipeline(
      sandbox,
      {
        clientId: sandbox.credentials.clientId,
        clientSecret: sandbox.credentials.clientSecret,
        refreshToken: sandbox.credentials.refreshToken,
        warehouse: 'pglite:memory:',
        landing: `file:${tempDir('records-refresh-landing')}`,
        streams: ['partners', 'accounts', 'leads'],
      },
      logger,
    );
    client = createClientForSettings(context.settings, logger);
    await syncStreams(context, client, { observedAt: at(0) });
    await loadLanded(context);
  });

  afterAll(async () => {
    await context?.warehouse.close();
    await sandbox?.close();
  });

  const streamsOf = (sync: Awaited<ReturnType<typeof syncStreams>>) =>
    sync.manifests.map((manifest) => manifest.stream).sort();

  it('skips own records read within the interval', async () => {
    const sync = await syncStreams(context, client, { observedAt: at(3) });

    expect(streamsOf(sync)).toEqual(['partners']);
    expect(sync.skipped.map((skip) => skip.stream)).toEqual([
      'accounts',
      'leads',
    ]);
    expect(sync.skipped[0]!.reason).toBe(
      'its records were read 3.0 h ago, and recordsRefreshHours is 24',
    );
    expect(logger.lines.join('\n')).toContain('Skipped accounts:');
  });

  it('reads own records on a full refresh', async () => {
    const sync = await syncStreams(context, client, {
      observedAt: at(4),
      fullRefresh: true,
    });

    expect(streamsOf(sync)).toEqual(['accounts', 'leads', 'partners']);
    expect(sync.skipped).toEqual([]);
  });

  it('reads own records once the interval passed', async () => {
    const sync = await syncStreams(context, client, { observedAt: at(25) });

    expect(streamsOf(sync)).toEqual(['accounts', 'leads', 'partners']);
    expect(sync.skipped).toEqual([]);
  });

  it('reads own records every run at zero hours', async () => {
    const everyRun = {
      ...context,
      settings: { ...context.settings, recordsRefreshHours: 0 },
    };
    const sync = await syncStreams(everyRun, client, { observedAt: at(5) });

    expect(streamsOf(sync)).toEqual(['accounts', 'leads', 'partners']);
  });
});
