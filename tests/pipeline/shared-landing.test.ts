import { rm } from 'node:fs/promises';
import type { PipelineContext } from '../../lib/pipeline/context';
import { createClientForSettings } from '../../lib/pipeline/client';
import { loadLanded, syncStreams } from '../../lib/pipeline/steps';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import { writeLandedRun } from '../load/landed-runs';
import {
  memoryLogger,
  openTestPipeline,
  tempDir,
} from '../reliability/harness';

const ANCHOR = new Date('2026-05-01T00:00:00Z');

describe('two warehouses sharing a landing folder', () => {
  const landing = `file:${tempDir('shared-landing')}`;
  const demoWorld = createWorld({ seed: 1, scale: 'tiny', anchor: ANCHOR });
  const otherWorld = createWorld({ seed: 2, scale: 'tiny', anchor: ANCHOR });
  const loggers = { demo: memoryLogger(), other: memoryLogger() };
  let sandboxes: Sandbox[] = [];
  let demo: PipelineContext;
  let other: PipelineContext;

  const open = async (
    world: typeof demoWorld,
    logger: ReturnType<typeof memoryLogger>,
  ) => {
    const sandbox = await startSandbox({ world, clock: ANCHOR });
    sandboxes.push(sandbox);
    const context = await openTestPipeline(
      sandbox,
      {
        accessToken: sandbox.issueAccessToken(),
        warehouse: 'pglite:memory:',
        landing,
        streams: ['partners', 'account_overlaps'],
      },
      logger,
    );
    await syncStreams(
      context,
      createClientForSettings(context.settings, logger),
      {
        observedAt: ANCHOR,
      },
    );
    return context;
  };

  beforeAll(async () => {
    demo = await open(demoWorld, loggers.demo);
    other = await open(otherWorld, loggers.other);
  });

  afterAll(async () => {
    await demo?.warehouse.close();
    await other?.warehouse.close();
    await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
    sandboxes = [];
  });

  const overlapCount = async (context: PipelineContext) =>
    Number(
      (
        await context.warehouse.query(
          'select count(*) as n from crossbeam.overlaps',
        )
      )[0]!.n,
    );

  it('loads only the runs each warehouse landed', async () => {
    const demoLoad = await loadLanded(demo);
    const otherLoad = await loadLanded(other);

    expect(await overlapCount(demo)).toBe(
      demoWorld.liveOverlapCount(ANCHOR, 'account'),
    );
    expect(await overlapCount(other)).toBe(
      otherWorld.liveOverlapCount(ANCHOR, 'account'),
    );
    const skipped = demoLoad.result.streams.flatMap((stream) =>
      stream.skipped.map((skip) => skip.reason),
    );
    expect(skipped).toHaveLength(2);
    expect(skipped[0]).toMatch(/^landed for another warehouse \(/);
    expect(
      otherLoad.result.streams.flatMap((stream) => stream.loaded),
    ).toHaveLength(2);
    expect(loggers.demo.lines.join('\n')).toContain(
      'Give each warehouse a landing folder of its own (CROSSBEAM_LANDING)',
    );
  });

  it('loads a run that names no warehouse into any', async () => {
    const manifest = await writeLandedRun(demo.store, {
      stream: 'partners',
      runId: '20990101T000000Z-unbound',
      observedAt: '2099-01-01T00:00:00.000Z',
      tables: { partners: [{ partner_id: 'p-unbound' }] },
    });
    expect(manifest.warehouse_id).toBeUndefined();

    for (const context of [demo, other]) {
      await loadLanded(context);
      const partners = await context.warehouse.query(
        "select partner_id from crossbeam.partners where partner_id = 'p-unbound'",
      );
      expect(partners).toHaveLength(1);
    }
  });

  it('names the run folder of a malformed manifest', async () => {
    const runId = '20990102T000000Z-malformed';
    const manifest = await writeLandedRun(demo.store, {
      stream: 'partners',
      runId,
      observedAt: '2099-01-02T00:00:00.000Z',
      tables: { partners: [{ partner_id: 'p-malformed' }] },
    });
    const key = `partners/${runId}/manifest.json`;
    await demo.store.put(
      key,
      JSON.stringify({ ...manifest, warehouse_id: '' }),
    );

    const folder = demo.store.locate(`partners/${runId}`);
    const failure = await loadLanded(demo).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain(`Invalid manifest ${demo.store.locate(key)}`);
    expect(message).toContain('warehouse_id');
    expect(message).toContain(`Remove the run folder ${folder} to go on`);

    await rm(folder.replace(/^file:/, ''), { recursive: true });
    await expect(loadLanded(demo)).resolves.toBeDefined();
  });
});
