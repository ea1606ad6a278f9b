import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../errors';
import { redactUrl } from '../redact-url';
import { sourcesConfigProblems } from '../sources/config';
import { closestName, knownKeysAt, settingMessage } from './issues';
import { valueAt } from './value-at';
import { MAX_PART_SIZE_MB } from '../landing/part-writer';
import { STREAM_NAMES, type StreamName } from '../streams/catalog';

export const DEFAULT_API_URL = 'https://api.crossbeam.com';
export const DEFAULT_AUTH_URL = 'https://auth.crossbeam.com';
export const DEFAULT_WAREHOUSE = 'pglite:.crossbeam/warehouse';
export const DEFAULT_LANDING = 'file:.crossbeam/landing';
export const DEFAULT_CONFIG_FILE = 'crossbeam-warehouse.config.json';

const identifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,126}$/,
    'must be a lower-case SQL name: a letter or underscore, then letters, digits or underscores',
  );

const httpUrl = z
  .string()
  .url('must be an absolute URL such as https://api.crossbeam.com')
  .refine(
    (value) => /^https?:\/\//.test(value),
    'must start with http:// or https://',
  )
  .refine(
    (value) =>
      !URL.canParse(value) ||
      (new URL(value).username === '' && new URL(value).password === ''),
    'must not contain a user name or password: Crossbeam credentials go in CROSSBEAM_CLIENT_ID, CROSSBEAM_CLIENT_SECRET and CROSSBEAM_REFRESH_TOKEN',
  )
  .transform((value) => value.replace(/\/+$/, ''));

const SchemasSchema = z.strictObject({
  crossbeam: identifier.default('crossbeam'),
  staging: identifier.default('crossbeam_staging'),
  models: identifier.default('crossbeam_models'),
  dashboards: identifier.default('crossbeam_dashboards'),
});

const RetrySchema = z.strictObject({
  /** Attempts per request, the first included. */
  maxAttempts: z.number().int().min(1).max(20).default(6),
  /** Backoff ceiling of the first retry in ms, doubled for each further one. */
  baseDelayMs: z.number().int().min(0).default(1000),
  /** Largest backoff ceiling in ms; a longer Retry-After is still honored. */
  maxDelayMs: z.number().int().min(0).default(60_000),
  /** Time budget of one request over all its attempts and waits, in ms. */
  maxRetryTimeMs: z.number().int().positive().default(300_000),
});

/** Every setting the pipeline reads, after merging flags, environment and file. */
export const SettingsSchema = z.strictObject({
  apiUrl: httpUrl.default(DEFAULT_API_URL),
  authUrl: httpUrl.default(DEFAULT_AUTH_URL),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  refreshToken: z.string().min(1).optional(),
  accessToken: z.string().min(1).optional(),
  organization: z.string().min(1).optional(),
  warehouse: z
    .string()
    .regex(
      /^(pglite:|postgres:|postgresql:|redshift:)/,
      'must start with pglite:, postgres://, postgresql:// or redshift://',
    )
    .default(DEFAULT_WAREHOUSE),
  landing: z
    .string()
    .regex(/^(file:|s3:\/\/)/, 'must be file:<dir> or s3://bucket/prefix')
    .default(DEFAULT_LANDING),
  streams: z
    .array(z.enum(STREAM_NAMES))
    .min(1)
    .default([...STREAM_NAMES]),
  schemas: SchemasSchema.prefault({}),
  /** Largest share of a run's items that may be rejected before it fails. */
  maxRejectShare: z.number().min(0).max(1).default(0.05),
  /** Maximum time one stream's extract may run, in minutes, before the run fails. */
  maxStreamMinutes: z.number().positive().default(360),
  /**
   * Uncompressed NDJSON per landed part, in MB (MiB), before the part closes
   * and the next one begins. Gzip shrinks landed NDJSON 7 to 15 fold, so the
   * default lands parts of about 4 to 9 MB.
   */
  partSizeMb: z.number().int().min(1).max(MAX_PART_SIZE_MB).default(64),
  /**
   * Crossbeam API requests in flight at once, across every stream and
   * partner of a run; also the number of streams extracted at the same time.
   */
  concurrency: z.number().int().min(1).max(16).default(4),
  /**
   * `true` reads the overlap streams one partner at a time (the
   * `partner-id` filter), with a bookmark per partner, so that several
   * partners' pages are fetched at once. `false` reads each as one list.
   * `auto` keeps how a stream's bookmarks were made, and reads a stream
   * without any per partner only when there are at most `concurrency`
   * partners (see `chooseSplit`).
   */
  splitOverlapsByPartner: z
    .union([z.boolean(), z.literal('auto')], {
      error: 'must be true or false (JSON booleans, without quotes) or "auto"',
    })
    .default('auto'),
  /**
   * Hours after which a run reads the organization's own account and lead
   * records again. The API has no bookmark for them, so each read costs
   * every record against the export allowance. 0 reads them on every run.
   */
  recordsRefreshHours: z.number().min(0).default(24),
  /** Time limit of one Crossbeam request, headers and body, in ms. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** Retries of one Crossbeam request on 429, 5xx, timeouts and bad bodies. */
  retry: RetrySchema.prefault({}),
  /** Customer CRM, marketing and product tables; validated by lib/sources. */
  sources: z.record(z.string(), z.unknown()).optional(),
  stateDir: z.string().default('.crossbeam'),
});

export type Settings = z.infer<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;

/** Environment variables and the settings they fill. */
const ENVIRONMENT: Record<string, keyof SettingsInput> = {
  CROSSBEAM_API_URL: 'apiUrl',
  CROSSBEAM_AUTH_URL: 'authUrl',
  CROSSBEAM_CLIENT_ID: 'clientId',
  CROSSBEAM_CLIENT_SECRET: 'clientSecret',
  CROSSBEAM_REFRESH_TOKEN: 'refreshToken',
  CROSSBEAM_ACCESS_TOKEN: 'accessToken',
  CROSSBEAM_ORGANIZATION: 'organization',
  CROSSBEAM_WAREHOUSE: 'warehouse',
  CROSSBEAM_LANDING: 'landing',
};

/** Settings that hold secrets: never printed, even when invalid. */
const SECRET_SETTINGS = new Set<string>([
  'clientSecret',
  'refreshToken',
  'accessToken',
]);

/** The command line's global flag of each setting that has one. */
const COMMAND_LINE_FLAGS: Readonly<Record<string, string>> = {
  apiUrl: '--api-url',
  authUrl: '--auth-url',
  organization: '--organization',
  warehouse: '--warehouse',
  landing: '--landing',
  streams: '--streams',
};

/** Source of a top-level setting's value, for error messages. */
type SettingOrigin = 'flag' | 'environment' | 'file';

/**
 * Names a setting by where its value came from: the flag that set it, the
 * config file's key alone, or else the environment variable that sets it.
 */
function settingLabel(key: string, origin: SettingOrigin | undefined): string {
  const flag = COMMAND_LINE_FLAGS[key];
  if (origin === 'flag' && flag !== undefined) return `${key} (${flag})`;
  if (origin === 'file') return key;
  const variable = Object.entries(ENVIRONMENT).find(([, name]) => name === key);
  return variable ? `${key} (${variable[0]})` : key;
}

function describeUnknownKeys(issue: z.core.$ZodIssueUnrecognizedKeys): string {
  const parent = issue.path.join('.');
  return issue.keys
    .map((key) => {
      const name = parent === '' ? key : `${parent}.${key}`;
      const hint = closestName(key, knownKeysAt(SettingsSchema, issue.path));
      return hint === undefined
        ? `  - ${name}: unknown setting. Remove it, or check the setting names in the README.`
        : `  - ${name}: unknown setting. Did you mean ${parent === '' ? hint : `${parent}.${hint}`}?`;
    })
    .join('\n');
}

function describeIssues(
  error: z.ZodError,
  source: SettingsInput,
  origins: ReadonlyMap<string, SettingOrigin>,
): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return describeUnknownKeys(issue);
      const top = String(issue.path[0] ?? '');
      const value = valueAt(source, issue.path);
      // A URL may carry a password, which the message leaves out.
      const shown =
        issue.path.length > 0 &&
        !SECRET_SETTINGS.has(top) &&
        value !== undefined
          ? ` (received ${JSON.stringify(typeof value === 'string' ? redactUrl(value) : value)})`
          : '';
      return `  - ${settingLabel(issue.path.join('.'), origins.get(top))}: ${settingMessage(issue)}${shown}`;
    })
    .join('\n');
}

/** Reads a JSON config file; a missing default file is not an error. */
export function readConfigFile(
  file: string | undefined,
  cwd: string = process.cwd(),
): SettingsInput {
  const explicit = file !== undefined;
  const resolved = path.resolve(cwd, file ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(resolved)) {
    if (explicit) {
      throw new ConfigurationError(
        `Config file ${resolved} was not found. Check the --config flag or CROSSBEAM_CONFIG.`,
      );
    }
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolved, 'utf8'));
  } catch (error) {
    throw new ConfigurationError(
      `Config file ${resolved} is not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const found = Array.isArray(parsed)
      ? 'a list'
      : parsed === null
        ? 'null'
        : `a ${typeof parsed}`;
    throw new ConfigurationError(
      `Config file ${resolved} contains ${found}, but it must contain one JSON object of settings, such as {"concurrency": 4}.`,
    );
  }
  return parsed as SettingsInput;
}

/**
 * Merges settings from flags, then environment variables, then the config
 * file (first one wins), validates them, and reports every problem at once.
 */
export function loadSettings(
  options: {
    flags?: SettingsInput;
    env?: NodeJS.ProcessEnv;
    configFile?: string;
    cwd?: string;
    /**
     * Also validates `sources`, for a command that reads them, so that one
     * error lists every problem. Other commands leave them alone.
     */
    checkSources?: boolean;
  } = {},
): Settings {
  const env = options.env ?? process.env;
  const configFile = options.configFile ?? env.CROSSBEAM_CONFIG;
  const fromFile = readConfigFile(configFile, options.cwd);

  const fromEnv: Record<string, unknown> = {};
  for (const [variable, key] of Object.entries(ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }

  const flags = Object.fromEntries(
    Object.entries(options.flags ?? {}).filter(
      ([, value]) => value !== undefined,
    ),
  );
  const merged = { ...fromFile, ...fromEnv, ...flags } as SettingsInput;
  const origins = new Map<string, SettingOrigin>([
    ...Object.keys(fromFile).map((key) => [key, 'file'] as const),
    ...Object.keys(fromEnv).map((key) => [key, 'environment'] as const),
    ...Object.keys(flags).map((key) => [key, 'flag'] as const),
  ]);

  const parsed = SettingsSchema.safeParse(merged);
  // A sources value that is not an object is reported by the schema.
  const sourceProblems =
    options.checkSources &&
    typeof merged.sources === 'object' &&
    merged.sources !== null &&
    !Array.isArray(merged.sources)
      ? sourcesConfigProblems(merged.sources).map((line) => `  - ${line}`)
      : [];
  if (!parsed.success || sourceProblems.length > 0) {
    const problems = [
      ...(parsed.success
        ? []
        : [describeIssues(parsed.error, merged, origins)]),
      ...sourceProblems,
    ];
    throw new ConfigurationError(
      `Invalid settings:\n${problems.join('\n')}\nFix them in flags, environment variables or ${configFile === undefined ? DEFAULT_CONFIG_FILE : path.resolve(options.cwd ?? process.cwd(), configFile)}.`,
      { cause: parsed.success ? undefined : parsed.error },
    );
  }
  return parsed.data;
}

/** Returns the credentials the Crossbeam client needs, or raises an error naming what is missing. */
export function crossbeamCredentials(
  settings: Settings,
):
  | { accessToken: string }
  | { clientId: string; clientSecret: string; refreshToken: string } {
  if (settings.accessToken) return { accessToken: settings.accessToken };

  const missing = (
    [
      ['clientId', 'CROSSBEAM_CLIENT_ID'],
      ['clientSecret', 'CROSSBEAM_CLIENT_SECRET'],
      ['refreshToken', 'CROSSBEAM_REFRESH_TOKEN'],
    ] as const
  ).filter(([key]) => !settings[key]);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `Missing Crossbeam credentials: ${missing.map(([, variable]) => variable).join(', ')}. The OAuth refresh flow needs all three of CROSSBEAM_CLIENT_ID, CROSSBEAM_CLIENT_SECRET and CROSSBEAM_REFRESH_TOKEN; or set CROSSBEAM_ACCESS_TOKEN to a ready access token instead.`,
    );
  }
  return {
    clientId: settings.clientId!,
    clientSecret: settings.clientSecret!,
    refreshToken: settings.refreshToken!,
  };
}

export function selectedStreams(settings: Settings): StreamName[] {
  return [...settings.streams];
}
