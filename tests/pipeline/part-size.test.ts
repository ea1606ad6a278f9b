import { gunzipSync } from 'node:zlib';
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
const MIB = 1024 * 1024;

describe('syncStreams with partSizeMb', () => {
  // About 1,300 account overlaps, whose overlaps table is over 1 MB of
  // NDJSON, so a 1 MB part size splits it.
  const world = createWorld({ seed: 5, scale: 1_000, anchor: ANCHOR });
  const logger = memoryLogger();
  let sandbox: Sandbox;
  let context: PipelineContext;
  let client: CrossbeamClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: ANCHOR });
    context = await openTestPipeline(
      sandbox,
      {
        accessToken: sandbox.issueAccessToken(),
        warehouse: 'pglite:memory:',
        landing: `file:${tempDir('part-size-landing')}`,
        streams: ['partners', 'account_overlaps'],
        partSizeMb: 1,
      },
      logger,
    );
    client = createClientForSettings(context.settings, logger);
  });

  afterAll(async () => {
    await context?.warehouse.close();
    await sandbox?.close();
  });

  it('rolls parts at the size and loads them all', async () => {
    const sync = await syncStreams(context, client, { observedAt: ANCHOR });
    const manifest = sync.manifests.find(
      (entry) => entry.stream === 'account_overlaps',
    )!;
    const parts = manifest.tables.overlaps!.parts;

    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) {
      const text = gunzipSync(await context.store.getBuffer(part.key));
      expect(text.length).toBeLessThanOrEqual(MIB);
      expect(text.toString('utf8').split('\n').length - 1).toBe(part.rows);
    }

    await loadLanded(context);
    const [stored] = await context.warehouse.query(
      "select count(*) as n from crossbeam.overlaps where overlap_type = 'account'",
    );
    expect(Number(stored!.n)).toBe(world.liveOverlapCount(ANCHOR, 'account'));
  });
});
