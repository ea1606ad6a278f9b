import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_WAREHOUSE, loadSettings } from '../../config/settings';
import { ConfigurationError } from '../../errors';
import { createClientForSettings } from '../../pipeline/client';
import { acquireRunLock } from '../../pipeline/lock';
import { openPipeline, type PipelineContext } from '../../pipeline/context';
import {
  buildWarehouse,
  loadLanded,
  syncStreams,
  throwIfFailed,
  type SyncResult,
} from '../../pipeline/steps';
import { writeDashboardSite } from '../../site';
import { quoteLiteral } from '../../sql/render';
import { redactUrl } from '../../warehouse/statement-error';
import { startSandbox } from '../../sandbox/server';
import { createWorld } from '../../sandbox/world';
import type { Scale } from '../../sandbox/types';
import { writeSandboxSources } from '../../sources/seed';
import {
  configuredSources,
  renderSourceVars,
  type SourcesConfig,
} from '../../sources/config';
import type { StreamName } from '../../streams/catalog';
import {
  loggerFromOptions,
  progressFromOptions,
  type GlobalOptions,
} from '../options';
import { printRunSummary } from '../summary';

const DAY_MS = 86_400_000;

/** Streams whose content moves with the sandbox clock, replayed for history. */
const HISTORY_STREAMS: StreamName[] = [
  'account_overlaps',
  'lead_overlaps',
  'account_signals',
  'lead_signals',
];

/** Demo state kept between runs in `<state dir>/demo.json`. */
interface DemoState {
  seed: number;
  scale: Scale;
  /** The world's "today" at the first run. */
  anchor: string;
  /** Sandbox clock of the last completed run. */
  clock: string;
  runs: number;
}

interface DemoOptions extends GlobalOptions {
  seed: string;
  scale: string;
  historyMonths: string;
  stepDays: string;
  anchor?: string;
}

/** Parses a `--scale` flag: a named world size or a whole number of accounts. */
export function parseScale(value: string): Scale {
  if (value === 'tiny' || value === 'demo' || value === 'large') return value;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new ConfigurationError(
      `Invalid --scale ${JSON.stringify(value)}: use tiny, demo, large, or a whole number of accounts.`,
    );
  }
  return number;
}

function parseWhole(value: string, flag: string, min: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < min) {
    throw new ConfigurationError(
      `Invalid ${flag} ${JSON.stringify(value)}: use a whole number of at least ${min}.`,
    );
  }
  return number;
}

function parseAnchor(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ConfigurationError(
      `Invalid --anchor ${JSON.stringify(value)}: use an ISO 8601 date such as 2026-06-01.`,
    );
  }
  return date;
}

function readState(file: string): DemoState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigurationError(
      `Demo state ${file} is unreadable: ${(error as Error).message}. Delete the .crossbeam folder to start the demo afresh.`,
      { cause: error },
    );
  }
}

/**
 * Raises when a later demo run gets a flag that only shapes a new world.
 * A demo keeps the seed, scale and anchor of its first run and replays
 * history only then, so such a flag would have no effect.
 */
function rejectFlagsForNewWorld(
  command: Command,
  options: DemoOptions,
  previous: DemoState,
  stateDir: string,
): void {
  const onCommandLine = (name: string) =>
    command.getOptionValueSource(name) === 'cli';
  const ignored: string[] = [];
  if (
    onCommandLine('seed') &&
    parseWhole(options.seed, '--seed', 0) !== previous.seed
  ) {
    ignored.push(
      `--seed ${options.seed} (this demo has seed ${previous.seed})`,
    );
  }
  if (onCommandLine('scale') && parseScale(options.scale) !== previous.scale) {
    ignored.push(
      `--scale ${options.scale} (this demo has scale ${previous.scale})`,
    );
  }
  if (
    onCommandLine('anchor') &&
    utcMidnight(parseAnchor(options.anchor)).toISOString() !== previous.anchor
  ) {
    ignored.push(
      `--anchor ${options.anchor} (this demo's world began on ${previous.anchor.slice(0, 10)})`,
    );
  }
  if (onCommandLine('historyMonths')) {
    ignored.push(
      `--history-months ${options.historyMonths} (history is replayed on a demo's first run only)`,
    );
  }
  if (ignored.length === 0) return;
  throw new ConfigurationError(
    [
      `The demo in ${stateDir} has already run ${previous.runs} time${previous.runs === 1 ? '' : 's'}, so these flags would have no effect:`,
      ...ignored.map((line) => `  ${line}`),
      `Leave them out to move this demo on a step, or delete ${stateDir} to start a new demo with them.`,
    ].join('\n'),
  );
}

function utcMidnight(date: Date): Date {
  return new Date(
    Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()),
  );
}

/**
 * Registers `demo`: the whole pipeline against the built-in sandbox, into
 * the local warehouse, with a summary. The first run replays the sandbox's
 * past as monthly syncs, so history-based columns have data. Each later run
 * moves the sandbox clock on and syncs incrementally.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole pipeline against the built-in Crossbeam sandbox into the local warehouse (what npm start runs)',
    )
    .option('--seed <n>', 'sandbox world seed', '42')
    .option(
      '--scale <size>',
      'tiny, demo, large, or a number of accounts',
      'demo',
    )
    .option(
      '--history-months <n>',
      'on the first run, monthly syncs of the sandbox past to replay before today',
      '12',
    )
    .option(
      '--step-days <n>',
      'days the sandbox clock moves on per later run',
      '7',
    )
    .option(
      '--anchor <date>',
      "on the first run, the sandbox world's today, as an ISO 8601 date (default: today, UTC)",
    )
    .action(async (_options, command: Command) => {
      const options = command.optsWithGlobals<DemoOptions>();
      const logger = loggerFromOptions(options);
      const started = Date.now();

      const base = loadSettings({
        configFile: options.config,
        flags: { warehouse: options.warehouse, landing: options.landing },
        env: {},
      });
      mkdirSync(base.stateDir, { recursive: true });
      const stateFile = path.resolve(base.stateDir, 'demo.json');
      const previous = readState(stateFile);

      if (previous) {
        rejectFlagsForNewWorld(command, options, previous, base.stateDir);
      }
      const seed = previous?.seed ?? parseWhole(options.seed, '--seed', 0);
      const scale = previous?.scale ?? parseScale(options.scale);
      const anchor = previous
        ? new Date(previous.anchor)
        : utcMidnight(parseAnchor(options.anchor));
      const stepDays = parseWhole(options.stepDays, '--step-days', 1);
      const historyMonths = previous
        ? 0
        : parseWhole(options.historyMonths, '--history-months', 0);

      const world = createWorld({ seed, scale, anchor });
      const clocks: Date[] = [];
      if (previous) {
        clocks.push(
          new Date(new Date(previous.clock).getTime() + stepDays * DAY_MS),
        );
      } else {
        for (let month = historyMonths; month >= 1; month -= 1) {
          const clock = new Date(anchor);
          clock.setUTCMonth(clock.getUTCMonth() - month);
          clocks.push(clock);
        }
        clocks.push(anchor);
      }

      const lock = await acquireRunLock(
        base.warehouse,
        base.schemas.crossbeam,
        'demo',
      );
      let sandbox: Awaited<ReturnType<typeof startSandbox>> | undefined;
      let context: PipelineContext | undefined;
      try {
        sandbox = await startSandbox({ world, clock: clocks[0] });
        const settings = {
          ...base,
          apiUrl: sandbox.url,
          authUrl: sandbox.authUrl,
          organization: sandbox.organization,
          clientId: sandbox.credentials.clientId,
          clientSecret: sandbox.credentials.clientSecret,
          refreshToken: sandbox.credentials.refreshToken,
        };
        logger.info(
          `Started the Crossbeam sandbox at ${sandbox.url} (seed ${seed}, scale ${scale}); ${previous ? `run ${previous.runs + 1} moves its clock on ${stepDays} days` : `replaying ${historyMonths} monthly syncs before today`}.`,
        );

        context = await openPipeline(settings, logger);
        const client = createClientForSettings(settings, logger);
        const before = await countOverlaps(context).catch(() => 0);

        let sync: SyncResult | undefined;
        let syncMs = 0;
        let loadMs = 0;
        for (const [index, clock] of clocks.entries()) {
          const last = index === clocks.length - 1;
          sandbox.setClock(clock);
          sync = await syncStreams(context, client, {
            observedAt: clock,
            streams: last ? settings.streams : HISTORY_STREAMS,
            progress: last ? progressFromOptions(options) : undefined,
          });
          syncMs += sync.durationMs;
          throwIfFailed(sync);
          const load = await loadLanded(context);
          loadMs += load.durationMs;
          if (!last) {
            logger.info(
              `Replayed the sandbox as of ${clock.toISOString().slice(0, 10)}.`,
            );
          }
        }

        const seedStarted = Date.now();
        const sources: SourcesConfig = await writeSandboxSources(
          context.warehouse,
          world,
          context.sql,
        );
        const seedMs = Date.now() - seedStarted;
        // The password stays out of the file: PGPASSWORD or a
        // CROSSBEAM_WAREHOUSE with the full URL supplies it.
        const shownWarehouse = redactUrl(settings.warehouse);
        writeFileSync(
          path.resolve(base.stateDir, 'demo.config.json'),
          `${JSON.stringify({ warehouse: shownWarehouse, sources }, null, 2)}\n`,
        );

        const build = await buildWarehouse(context, {
          configuredSources: new Set(configuredSources(sources)),
          vars: renderSourceVars(sources),
        });
        const after = await countOverlaps(context);

        const siteStarted = Date.now();
        const site = await writeDashboardSite(
          context.warehouse,
          context.sql,
          path.resolve(base.stateDir, 'dashboards'),
        );
        const siteMs = Date.now() - siteStarted;

        await printRunSummary(context, {
          sync,
          build: build.result,
          steps: [
            { step: 'sync', durationMs: syncMs },
            { step: 'load', durationMs: loadMs },
            { step: 'sandbox CRM seed', durationMs: seedMs },
            { step: 'build', durationMs: build.durationMs },
            { step: 'dashboards page', durationMs: siteMs },
          ],
        });

        const lastClock = clocks[clocks.length - 1]!;
        writeFileSync(
          stateFile,
          `${JSON.stringify(
            {
              seed,
              scale,
              anchor: anchor.toISOString(),
              clock: lastClock.toISOString(),
              runs: (previous?.runs ?? 0) + 1,
            } satisfies DemoState,
            null,
            2,
          )}\n`,
        );

        const change = after - before;
        const moves = await overlapMoves(context, lastClock);
        process.stdout.write(
          [
            previous
              ? `Incremental run as of ${lastClock.toISOString().slice(0, 10)} (sandbox clock): current overlaps ${before} → ${after} (${change >= 0 ? '+' : ''}${change}): ${moves.began} began, ${moves.ended} ended, ${moves.changed} changed partner-customer status.`
              : `First run: ${after} current overlaps, with ${historyMonths} months of observed history.`,
            `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Warehouse: ${shownWarehouse}`,
            ...(shownWarehouse === settings.warehouse
              ? []
              : [
                  `${base.stateDir}/demo.config.json names the warehouse without its password: set PGPASSWORD, or CROSSBEAM_WAREHOUSE to the full URL, before using it.`,
                ]),
            `Dashboards: ${site.indexPath} (open it in a browser)`,
            '',
            'Next:',
            '  npx crossbeam-warehouse sql "select partner_name, count(*) from crossbeam_models.crossbeam_overlaps group by 1 order by 2 desc limit 10"',
            '  npx crossbeam-warehouse status',
            '  npm start                       # again: the sandbox moves on a week and the run is incremental',
            '  npx crossbeam-warehouse build --config .crossbeam/demo.config.json',
            ...(settings.warehouse === DEFAULT_WAREHOUSE
              ? []
              : [
                  `Add --warehouse ${shownWarehouse} (with its password) or set CROSSBEAM_WAREHOUSE to it, so that sql and status read this demo's warehouse.`,
                ]),
            '',
          ].join('\n'),
        );
      } finally {
        await context?.warehouse.close();
        await sandbox?.close();
        await lock.release();
      }
    });
}

/** Counts overlaps whose history interval began or ended at `clock`. */
async function overlapMoves(
  context: PipelineContext,
  clock: Date,
): Promise<{ began: number; ended: number; changed: number }> {
  const schema = context.settings.schemas.crossbeam;
  const at = quoteLiteral(clock.toISOString(), context.warehouse.dialect);
  const [history] = await context.warehouse.query(
    `select sum(case when valid_from = ${at} then 1 else 0 end) as began,
            sum(case when valid_to = ${at} then 1 else 0 end) as ended
       from ${schema}.overlap_history`,
  );
  const [status] = await context.warehouse.query(
    `select count(*) as changed
       from ${schema}.overlap_status_history as opened
       join ${schema}.overlap_history as existing
         on existing.crossbeam_record_id = opened.crossbeam_record_id
        and existing.partner_crossbeam_record_id = opened.partner_crossbeam_record_id
        and existing.valid_to is null
      where opened.valid_from = ${at}
        and existing.valid_from < ${at}`,
  );
  return {
    began: Number(history?.began ?? 0),
    ended: Number(history?.ended ?? 0),
    changed: Number(status?.changed ?? 0),
  };
}

async function countOverlaps(
  context: Awaited<ReturnType<typeof openPipeline>>,
): Promise<number> {
  const [row] = await context.warehouse.query(
    `select count(*) as n from ${context.settings.schemas.crossbeam}.overlaps`,
  );
  return Number(row?.n ?? 0);
}
