import type { Command } from 'commander';
import { writeLookml } from '../../lookml/write-lookml';
import { openPipeline } from '../../pipeline/context';
import {
  loggerFromOptions,
  settingsFromOptions,
  type GlobalOptions,
} from '../options';

interface LookmlOptions extends GlobalOptions {
  out: string;
}

/** Registers `lookml`: writes LookML files for the warehouse views. */
export function registerLookmlCommand(program: Command): void {
  program
    .command('lookml')
    .description(
      'Write LookML view files for the dashboard views and crossbeam_overlaps, with column types read from the warehouse, and an explore file',
    )
    .requiredOption(
      '--out <dir>',
      'folder of the Looker project to write the .lkml files into (required)',
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<LookmlOptions>();
      const logger = loggerFromOptions(options);
      const settings = settingsFromOptions(options);
      const context = await openPipeline(settings, logger);
      try {
        const result = await writeLookml(
          context.warehouse,
          context.sql,
          options.out,
        );
        for (const view of result.missing) {
          logger.warn(
            `The view ${view} is not in the warehouse, so it has no LookML file; configure its source and run "crossbeam-warehouse build" first.`,
          );
        }
        process.stdout.write(
          `Wrote ${result.files.length} LookML files to ${options.out}:\n${result.files.map((file) => `  ${file}`).join('\n')}\n`,
        );
      } finally {
        await context.warehouse.close();
      }
    });
}
