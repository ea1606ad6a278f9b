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
import { verifyOrganization } from '../../pipeline/organization';
import { sourcesForSettings } from '../../pipeline/sources';
import {
  loggerFromOptions,
  progressFromOptions,
  settingsFromOptions,
  type GlobalOptions,
} from '../options';
import { printRunSummary } from '../summary';
import type { Settings } from '../../config/settings';
import type { Logger } from '../../log';

interface RunOptions extends GlobalOptions {
  fullRefresh?: boolean;
}

/**
 * Runs `action` with the warehouse locked and open. `validate` checks the
 * settings the command needs later (credentials) first, so that a bad
 * setting fails before a lock file or warehouse folder is created. With
 * `readsSources`, the sources are validated with the other settings.
 */
async function withPipeline<T>(
  command: Command,
  action: (context: PipelineContext, options: RunOptions) => Promise<T>,
  validate?: (settings: Settings, logger: Logger) => void,
  readsSources = false,
): Promise<T> {
  const options = command.optsWithGlobals<RunOptions>();
  const logger = loggerFromOptions(options);
  const settings = settingsFromOptions(
    options,
    {},
    { checkSources: readsSources },
  );
  validate?.(settings, logger);
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
 * rotated refresh tokens for the next run, after checking the organization.
 */
async function syncFromApi(context: PipelineContext, options: RunOptions) {
  const client = createClientForSettings(context.settings, context.logger, {
    persistRefreshToken: true,
  });
  await verifyOrganization(client, context.logger);
  return syncStreams(context, client, {
    fullRefresh: options.fullRefresh,
    progress: progressFromOptions(options),
  });
}

/** Raises a ConfigurationError for missing or invalid client settings. */
function validateApiSettings(settings: Settings, logger: Logger): void {
  createClientForSettings(settings, logger);
}

/** Registers `run`, `sync`, `load` and `build`. */
export function registerPipelineCommands(program: Command): void {
  program
    .command('run')
    .description(
      'Sync every stream from the Crossbeam API, load the landed runs and build the models',
    )
    .option(
      '--full-refresh',
      'ignore bookmarks and recordsRefreshHours, and read every stream in full',
    )
    .action(async (_options, command: Command) => {
      await withPipeline(
        command,
        async (context, options) => {
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
        },
        validateApiSettings,
        true,
      );
    });

  program
    .command('sync')
    .description(
      'Extract streams from the Crossbeam API into the landing store, without loading them',
    )
    .option(
      '--full-refresh',
      'ignore bookmarks and recordsRefreshHours, and read every stream in full',
    )
    .action(async (_options, command: Command) => {
      await withPipeline(
        command,
        async (context, options) => {
          const sync = await syncFromApi(context, options);
          throwIfFailed(sync);
          context.logger.info(
            `Landed run ${sync.runId} for ${sync.manifests.length} streams; run "crossbeam-warehouse load" to load it.`,
          );
        },
        validateApiSettings,
      );
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
      await withPipeline(
        command,
        async (context) => {
          const build = await buildWarehouse(
            context,
            sourcesForSettings(context.settings),
          );
          for (const view of build.result.built) {
            process.stdout.write(
              `${view.schema}.${view.name}: ${view.rows} rows\n`,
            );
          }
        },
        undefined,
        true,
      );
    });
}

export { withPipeline };
