import type { Command } from 'commander';
import { createClientForSettings } from '../../pipeline/client';
import { acquireRunLock } from '../../pipeline/lock';
import { openPipeline, type PipelineContext } from '../../pipeline/context';
import {
  buildWarehouse,
  loadLanded,
  syncStreams,
  throwIfFailed,
} from '../../pipeline/steps';
import { createProgressReporter } from '../../progress';
import { sourcesForSettings } from '../../pipeline/sources';
import {
  loggerFromOptions,
  settingsFromOptions,
  type GlobalOptions,
} from '../options';
import { printRunSummary } from '../summary';

interface RunOptions extends GlobalOptions {
  fullRefresh?: boolean;
}

async function withPipeline<T>(
  command: Command,
  action: (context: PipelineContext, options: RunOptions) => Promise<T>,
): Promise<T> {
  const options = command.optsWithGlobals<RunOptions>();
  const logger = loggerFromOptions(options);
  const settings = settingsFromOptions(options);
  const lock = await acquireRunLock(
    settings.warehouse,
    settings.schemas.crossbeam,
    command.name(),
  );
  try {
    const context = await openPipeline(settings, logger);
    try {
      return await action(context, options);
    } finally {
      await context.warehouse.close();
    }
  } finally {
    await lock.release();
  }
}

/**
 * Syncs from the configured Crossbeam API with a progress display, saving
 * rotated refresh tokens for the next run.
 */
function syncFromApi(context: PipelineContext, options: RunOptions) {
  const client = createClientForSettings(context.settings, context.logger, {
    persistRefreshToken: true,
  });
  return syncStreams(context, client, {
    fullRefresh: options.fullRefresh,
    progress: createProgressReporter(),
  });
}

/** Registers `run`, `sync`, `load` and `build`. */
export function registerPipelineCommands(program: Command): void {
  program
    .command('run')
    .description(
      'Sync every stream from the Crossbeam API, load the landed runs and build the models',
    )
    .option('--full-refresh', 'ignore bookmarks and read every stream in full')
    .action(async (_options, command: Command) => {
      await withPipeline(command, async (context, options) => {
        const sync = await syncFromApi(context, options);
        const load = await loadLanded(context);
        const sources = sourcesForSettings(context.settings);
        const build = await buildWarehouse(context, sources);
        await printRunSummary(context, {
          sync,
          build: build.result,
          steps: [
            { step: 'sync', durationMs: sync.durationMs },
            { step: 'load', durationMs: load.durationMs },
            { step: 'build', durationMs: build.durationMs },
          ],
        });
        throwIfFailed(sync);
      });
    });

  program
    .command('sync')
    .description(
      'Extract streams from the Crossbeam API into the landing store, without loading them',
    )
    .option('--full-refresh', 'ignore bookmarks and read every stream in full')
    .action(async (_options, command: Command) => {
      await withPipeline(command, async (context, options) => {
        const sync = await syncFromApi(context, options);
        throwIfFailed(sync);
        context.logger.info(
          `Landed run ${sync.runId} for ${sync.manifests.length} streams; run "crossbeam-warehouse load" to load it.`,
        );
      });
    });

  program
    .command('load')
    .description(
      'Load every complete, not yet loaded run from the landing store into the warehouse',
    )
    .action(async (_options, command: Command) => {
      await withPipeline(command, async (context) => {
        await loadLanded(context);
      });
    });

  program
    .command('build')
    .description(
      'Apply pending migrations and rebuild every model and dashboard view',
    )
    .action(async (_options, command: Command) => {
      await withPipeline(command, async (context) => {
        const build = await buildWarehouse(
          context,
          sourcesForSettings(context.settings),
        );
        for (const view of build.result.built) {
          process.stdout.write(
            `${view.schema}.${view.name}: ${view.rows} rows\n`,
          );
        }
      });
    });
}

export { withPipeline };
