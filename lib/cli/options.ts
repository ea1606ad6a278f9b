import type { Command } from 'commander';
import { loadSettings, type Settings } from '../config/settings';
import { ConfigurationError } from '../errors';
import { createConsoleLogger, type Logger, type LogLevel } from '../log';
import { createProgressReporter, type ProgressReporter } from '../progress';
import { STREAM_NAMES, type StreamName } from '../streams/catalog';

/** Options every command takes, besides its own. */
export interface GlobalOptions {
  config?: string;
  apiUrl?: string;
  authUrl?: string;
  organization?: string;
  warehouse?: string;
  landing?: string;
  streams?: string;
  logLevel?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      '--config <file>',
      'JSON config file (default: crossbeam-warehouse.config.json when present; env CROSSBEAM_CONFIG)',
    )
    .option('--api-url <url>', 'Crossbeam API base (env CROSSBEAM_API_URL)')
    .option(
      '--auth-url <url>',
      'OAuth token endpoint base (env CROSSBEAM_AUTH_URL)',
    )
    .option(
      '--organization <uuid>',
      'organization uuid sent as Xbeam-Organization (env CROSSBEAM_ORGANIZATION)',
    )
    .option(
      '--warehouse <url>',
      'pglite:<dir>, postgres://… or redshift://… (env CROSSBEAM_WAREHOUSE)',
    )
    .option(
      '--landing <url>',
      'file:<dir> or s3://bucket/prefix (env CROSSBEAM_LANDING)',
    )
    .option(
      '--streams <names>',
      `comma-separated streams to sync (default: all of ${STREAM_NAMES.join(', ')})`,
    )
    .option(
      '--log-level <level>',
      'debug, info, warn, error or silent; warn and above also hide the progress display',
      'info',
    );
}

export function parseStreams(
  value: string | undefined,
): StreamName[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter(
    (name) => !(STREAM_NAMES as readonly string[]).includes(name),
  );
  if (unknown.length > 0 || names.length === 0) {
    throw new ConfigurationError(
      `Invalid --streams value ${JSON.stringify(value)}: unknown ${unknown.map((name) => JSON.stringify(name)).join(', ') || 'empty list'}. Use a comma-separated list of ${STREAM_NAMES.join(', ')}.`,
    );
  }
  return names as StreamName[];
}

export function settingsFromOptions(
  options: GlobalOptions,
  overrides: Partial<Settings> = {},
  load: { checkSources?: boolean } = {},
): Settings {
  return loadSettings({
    ...load,
    configFile: options.config,
    flags: {
      apiUrl: options.apiUrl,
      authUrl: options.authUrl,
      organization: options.organization,
      warehouse: options.warehouse,
      landing: options.landing,
      streams: parseStreams(options.streams),
      ...overrides,
    },
  });
}

export function loggerFromOptions(options: GlobalOptions): Logger {
  const levels = ['debug', 'info', 'warn', 'error', 'silent'];
  const level = options.logLevel ?? 'info';
  if (!levels.includes(level)) {
    throw new ConfigurationError(
      `Invalid --log-level ${JSON.stringify(level)}: use one of ${levels.join(', ')}.`,
    );
  }
  return createConsoleLogger({ level: level as LogLevel });
}

/**
 * Creates the sync progress display at log levels info and debug, and
 * returns undefined at quieter levels, which hide it with the info lines.
 */
export function progressFromOptions(
  options: GlobalOptions,
): ProgressReporter | undefined {
  const level = options.logLevel ?? 'info';
  return level === 'info' || level === 'debug'
    ? createProgressReporter()
    : undefined;
}
