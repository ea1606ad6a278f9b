import readline from 'node:readline';
import type { Command } from 'commander';
import { ConfigurationError } from '../../errors';
import { startSandbox } from '../../sandbox/server';
import { parseScale } from './demo-command';
import { createWorld } from '../../sandbox/world';

const DAY_MS = 86_400_000;

interface SandboxOptions {
  port: string;
  seed: string;
  scale: string;
  anchor?: string;
  clock?: string;
  stepDays: string;
  latencyMs: string;
}

function parseDate(value: string, flag: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new ConfigurationError(
      `Invalid ${flag} ${JSON.stringify(value)}: use an ISO 8601 date such as 2026-12-01.`,
    );
  }
  return date;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigurationError(
      `Invalid --port ${JSON.stringify(value)}: use a whole number from 0 to 65535, or 0 for a free port.`,
    );
  }
  return port;
}

function parseNumber(value: string, flag: string, min: number): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < min) {
    throw new ConfigurationError(
      `Invalid ${flag} ${JSON.stringify(value)}: use a number of at least ${min}.`,
    );
  }
  return number;
}

/** Folder of the warehouse and landing that the printed exports name. */
const SANDBOX_DIR = '.crossbeam/sandbox';

/** Registers `sandbox`: the seeded Crossbeam API stand-in, on loopback. */
export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description(
      'Serve a seeded Crossbeam API sandbox on 127.0.0.1 until interrupted; press Enter to move its clock on',
    )
    .option('--port <n>', 'port to listen on; 0 picks a free one', '0')
    .option('--seed <n>', 'world seed', '42')
    .option(
      '--scale <size>',
      'tiny, demo, large, or a number of accounts',
      'demo',
    )
    .option('--anchor <date>', "the world's today (default: today, UTC)")
    .option(
      '--clock <date>',
      'the sandbox clock at start (default: the anchor)',
    )
    .option(
      '--step-days <n>',
      'days the clock moves on when Enter is pressed',
      '7',
    )
    .option(
      '--latency-ms <n>',
      'added latency per response, in milliseconds',
      '0',
    )
    .action(async (_options, command: Command) => {
      const options = command.opts<SandboxOptions>();
      const scale = parseScale(options.scale);
      const anchor = options.anchor
        ? parseDate(options.anchor, '--anchor')
        : new Date();
      let clock = options.clock ? parseDate(options.clock, '--clock') : anchor;
      const stepDays = parseNumber(options.stepDays, '--step-days', 0);

      const world = createWorld({
        seed: parseNumber(options.seed, '--seed', 0),
        scale,
        anchor,
      });
      const port = parsePort(options.port);
      const sandbox = await startSandbox({
        world,
        clock,
        port,
        latencyMs: parseNumber(options.latencyMs, '--latency-ms', 0),
      }).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new ConfigurationError(
            `Port ${port} on 127.0.0.1 is in use: choose another --port, or 0 for a free one.`,
            { cause: error },
          );
        }
        throw error;
      });

      process.stdout.write(
        [
          `Crossbeam sandbox listening at ${sandbox.url}, clock ${clock.toISOString()}.`,
          'Point the pipeline at it from another terminal:',
          `  export CROSSBEAM_API_URL=${sandbox.url}`,
          `  export CROSSBEAM_AUTH_URL=${sandbox.authUrl}`,
          `  export CROSSBEAM_ORGANIZATION=${sandbox.organization}`,
          `  export CROSSBEAM_CLIENT_ID=${sandbox.credentials.clientId}`,
          `  export CROSSBEAM_CLIENT_SECRET=${sandbox.credentials.clientSecret}`,
          `  export CROSSBEAM_REFRESH_TOKEN=${sandbox.credentials.refreshToken}`,
          `  export CROSSBEAM_WAREHOUSE=pglite:${SANDBOX_DIR}/warehouse CROSSBEAM_LANDING=file:${SANDBOX_DIR}/landing`,
          `The last export keeps runs against this sandbox out of the demo's warehouse. Delete ${SANDBOX_DIR} after restarting the sandbox, whose world starts at a new anchor.`,
          `Press Enter to move the clock on ${stepDays} days (new, changed and deleted overlaps); Ctrl-C stops.`,
          '',
        ].join('\n'),
      );

      const input = readline.createInterface({ input: process.stdin });
      input.on('line', () => {
        clock = new Date(clock.getTime() + stepDays * DAY_MS);
        sandbox.setClock(clock);
        process.stdout.write(`Clock moved to ${clock.toISOString()}.\n`);
      });

      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      input.close();
      await sandbox.close();
    });
}
