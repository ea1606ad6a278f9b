import { z } from 'zod';
import { settingMessage } from '../lib/config/issues';
import { ConfigurationError } from '../lib/errors';
import type { SplitSetting } from '../lib/extract/split-mode';
import { MAX_PART_SIZE_MB } from '../lib/landing/part-writer';
import type { RenderContext } from '../lib/sql/render';

const identifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,126}$/,
    'must be a lower-case SQL name: a letter or underscore, then letters, digits or underscores',
  );

/**
 * The environment variables the stack sets on every function. None of
 * them is a secret, because Crossbeam credentials live in Secrets Manager
 * and only the secret's id is here.
 */
const EnvironmentSchema = z.object({
  /** `redshift://…` Data API target, with `iam_role` for COPY. */
  CROSSBEAM_WAREHOUSE: z
    .string()
    .regex(/^redshift:\/\//, 'must be a redshift:// warehouse URL'),
  /** `s3://bucket/prefix` landing store. */
  CROSSBEAM_LANDING: z
    .string()
    .regex(/^s3:\/\//, 'must be an s3://bucket/prefix landing store'),
  CROSSBEAM_SCHEMA_CROSSBEAM: identifier.default('crossbeam'),
  CROSSBEAM_SCHEMA_STAGING: identifier.default('crossbeam_staging'),
  CROSSBEAM_SCHEMA_MODELS: identifier.default('crossbeam_models'),
  CROSSBEAM_SCHEMA_DASHBOARDS: identifier.default('crossbeam_dashboards'),
  /** Name or ARN of the Secrets Manager secret; extract only. */
  CROSSBEAM_SECRET_ID: z.string().min(1).optional(),
  CROSSBEAM_API_URL: z.url().default('https://api.crossbeam.com'),
  CROSSBEAM_AUTH_URL: z.url().default('https://auth.crossbeam.com'),
  /** Crossbeam requests in flight at once within one extract call. */
  CROSSBEAM_REQUESTS_IN_FLIGHT: z.coerce
    .number()
    .int()
    .min(1)
    .max(16)
    .default(4),
  /** Hours before own account and lead records are read again; 0 = every run. */
  CROSSBEAM_RECORDS_REFRESH_HOURS: z.coerce.number().min(0).default(24),
  /** Uncompressed NDJSON per landed part, in MB, before the next part begins. */
  CROSSBEAM_PART_SIZE_MB: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PART_SIZE_MB)
    .default(64),
  /** `true`, `false` or `auto`, as the CLI's splitOverlapsByPartner. */
  CROSSBEAM_SPLIT_OVERLAPS_BY_PARTNER: z
    .enum(['true', 'false', 'auto'])
    .default('auto')
    .transform((value): SplitSetting =>
      value === 'auto' ? 'auto' : value === 'true',
    ),
});

export type LambdaEnvironment = z.infer<typeof EnvironmentSchema>;

/**
 * Reads and validates the functions' environment variables. Raises
 * `ConfigurationError` naming each invalid variable and its value; no
 * variable here is secret, so values are shown.
 */
export function readLambdaEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): LambdaEnvironment {
  const present = Object.fromEntries(
    Object.entries(env).filter(
      ([, value]) => value !== undefined && value !== '',
    ),
  );
  const result = EnvironmentSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = present[name];
      const received =
        value === undefined ? 'not set' : `received ${JSON.stringify(value)}`;
      return `  - ${name}: ${settingMessage(issue)} (${received})`;
    });
    throw new ConfigurationError(
      `Invalid function environment:\n${lines.join('\n')}\nThe stack sets these variables; redeploy it, or fix them in the function's configuration.`,
    );
  }
  return result.data;
}

/** Returns the Redshift SQL render context with the configured schema names. */
export function redshiftSqlContext(env: LambdaEnvironment): RenderContext {
  return {
    dialect: 'redshift',
    schemas: {
      crossbeam: env.CROSSBEAM_SCHEMA_CROSSBEAM,
      staging: env.CROSSBEAM_SCHEMA_STAGING,
      models: env.CROSSBEAM_SCHEMA_MODELS,
      dashboards: env.CROSSBEAM_SCHEMA_DASHBOARDS,
    },
  };
}

/** Returns the secret's id, or raises when the variable is missing. */
export function requireSecretId(env: LambdaEnvironment): string {
  if (!env.CROSSBEAM_SECRET_ID) {
    throw new ConfigurationError(
      'CROSSBEAM_SECRET_ID is not set: it names the Secrets Manager secret with the Crossbeam credentials. Redeploy the stack to set it.',
    );
  }
  return env.CROSSBEAM_SECRET_ID;
}
