import path from 'node:path';
import type { Command } from 'commander';
import { openPipeline } from '../../pipeline/context';
import { writeDashboardSite } from '../../site/write-site';
import {
  loggerFromOptions,
  settingsFromOptions,
  type GlobalOptions,
} from '../options';

interface DashboardsOptions extends GlobalOptions {
  out?: string;
}

/** Registers `dashboards`: writes the static dashboards site. */
export function registerDashboardsCommand(program: Command): void {
  program
    .command('dashboards')
    .description(
      'Write the dashboards as one static web page, from the dashboard views of the warehouse',
    )
    .option(
      '--out <dir>',
      'folder to write index.html into (default: <state dir>/dashboards, usually .crossbeam/dashboards)',
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<DashboardsOptions>();
      const logger = loggerFromOptions(options);
      const settings = settingsFromOptions(options);
      const outDir = options.out ?? path.join(settings.stateDir, 'dashboards');
      const context = await openPipeline(settings, logger);
      try {
        const site = await writeDashboardSite(
          context.warehouse,
          context.sql,
          outDir,
        );
        for (const skipped of site.skippedPanels) {
          logger.warn(`Dashboard panel ${skipped.panel} shows no data.`, {
            view: skipped.view,
            reason: skipped.reason,
          });
        }
        process.stdout.write(
          `Wrote the dashboards (${site.readyPanels} panels with data, ${site.skippedPanels.length} skipped) to ${site.indexPath}\n`,
        );
      } finally {
        await context.warehouse.close();
      }
    });
}
