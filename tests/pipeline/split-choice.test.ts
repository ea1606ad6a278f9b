import { createClientForSettings } from '../../lib/pipeline/client';
import { syncStreams } from '../../lib/pipeline/steps';
import { startSandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import type { Scale } from '../../lib/sandbox/types';
import {
  memoryLogger,
  openTestPipeline,
  tempDir,
} from '../reliability/harness';

const ANCHOR = new Date('2026-06-01T00:00:00Z');

/** Syncs the overlap streams of a new world with the default settings. */
async function firstSync(scale: Scale) {
  const world = createWorld({ seed: 8, scale, anchor: ANCHOR });
  const sandbox = await startSandbox({ world, clock: ANCHOR });
  const logger = memoryLogger();
  const context = await openTestPipeline(
    sandbox,
    {
      accessToken: sandbox.issueAccessToken(),
      warehouse: 'pglite:memory:',
      landing: `file:${tempDir('split-choice-landing')}`,
      streams: ['account_overlaps', 'lead_overlaps'],
    },
    logger,
  );
  try {
    const sync = await syncStreams(
      context,
      createClientForSettings(context.settings, logger),
      { observedAt: ANCHOR },
    );
    return {
      setting: context.settings.splitOverlapsByPartner,
      split: sync.manifests.map(
        (manifest) => manifest.partitions !== undefined,
      ),
      log: logger.lines.join('\n'),
    };
  } finally {
    await context.warehouse.close();
    await sandbox.close();
  }
}

describe('splitOverlapsByPartner auto on a first run', () => {
  it('reads three partners one at a time', async () => {
    const { setting, split, log } = await firstSync('tiny');

    expect(setting).toBe('auto');
    expect(split).toEqual([true, true]);
    expect(log).toContain(
      'Reading account_overlaps one partner at a time: its 3 partners fit in one round of 4 requests.',
    );
  });

  it('reads seventeen partners as one list', async () => {
    const { split, log } = await firstSync(1_000);

    expect(split).toEqual([false, false]);
    expect(log).toContain(
      'Reading account_overlaps as one list: one bookmark per partner would cost 17 requests on every run, more than 4 in flight.',
    );
  });
});
