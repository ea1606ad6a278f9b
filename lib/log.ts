/**
 * The logging interface the library writes to. Powertools' Logger fits it in
 * Lambda; the CLI uses `createConsoleLogger`, which writes to stderr so that
 * stdout carries only results.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const LEVELS: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') {
    return /^[\w./:@-]+$/.test(value) ? value : JSON.stringify(value);
  }
  return JSON.stringify(value) ?? String(value);
}

/**
 * Creates a logger that prints one line per message to a writable stream
 * (stderr by default): time, level, message, then `key=value` fields.
 */
export function createConsoleLogger(
  options: { level?: LogLevel; stream?: NodeJS.WritableStream } = {},
): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const stream = options.stream ?? process.stderr;

  const write =
    (level: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[level] < threshold) return;
      const time = new Date().toISOString().slice(11, 19);
      const extra = Object.entries(fields ?? {})
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}=${formatValue(value)}`)
        .join(' ');
      const line = `${time} ${level.padEnd(5)} ${message}`;
      stream.write(extra ? `${line}  ${extra}\n` : `${line}\n`);
    };

  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}

/** A logger that drops everything, for tests and library callers. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
