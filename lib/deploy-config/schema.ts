import { z } from 'zod';
import { extractHeapLimitMb } from '../extract/limiter';
import { MAX_PART_SIZE_MB } from '../landing/part-writer';
import { STREAM_NAMES } from '../streams/catalog';

const identifier = z
  .string()
  .regex(
    /^[a-z_][a-z0-9_]{0,126}$/,
    'must be a lower-case SQL name: a letter or underscore, then letters, digits or underscores',
  );

/** Lower-case letters, digits and hyphens, as Redshift names resources. */
const redshiftName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{2,63}$/,
    'must be 3 to 64 lower-case letters, digits and hyphens, starting with a letter',
  );

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\(\S+( \S+){5}\)$/;

/**
 * An EventBridge Scheduler expression: `rate(<n> <unit>)` or a six-field
 * `cron(minutes hours day-of-month month day-of-week year)`.
 */
export const scheduleExpression = z
  .string()
  .refine(
    (value) => CRON.test(value) || RATE.test(value),
    'must be rate(<n> minutes|hours|days) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>), for example cron(0 6 * * ? *)',
  )
  .refine((value) => {
    const match = RATE.exec(value);
    if (!match) return true;
    const count = Number(match[1]);
    return count > 0 && (count === 1) === !match[2]!.endsWith('s');
  }, 'a rate needs a positive count, with a singular unit for 1 (rate(1 hour)) and a plural one otherwise (rate(6 hours))');

export const timeZone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as UTC, Europe/Berlin or America/New_York');

/** Lambda log retention, in days, as CloudWatch Logs accepts it. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
  2192, 2557, 2922, 3288, 3653,
] as const;

const redshiftSchema = z
  .strictObject({
    /** An existing Serverless workgroup. */
    workgroupName: redshiftName.optional(),
    /**
     * The existing workgroup's ARN (it contains the workgroup id), which
     * scopes the functions' Data API permissions to that workgroup.
     */
    workgroupArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:redshift-serverless:[a-z0-9-]+:\d{12}:workgroup\/[0-9a-f-]{36}$/,
        'must be a Redshift Serverless workgroup ARN (arn:aws:redshift-serverless:<region>:<account>:workgroup/<id>)',
      )
      .optional(),
    /** An existing provisioned cluster. */
    clusterIdentifier: redshiftName.optional(),
    /**
     * Secrets Manager secret with database credentials: required for a
     * cluster unless dbUser is set, optional for an existing workgroup.
     */
    secretArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/,
        'must be a Secrets Manager secret ARN',
      )
      .optional(),
    /** Database user for temporary cluster credentials. */
    dbUser: identifier.optional(),
    database: identifier.default('dev'),
    /** A new Serverless namespace and workgroup, created by the stack. */
    create: z
      .strictObject({
        namespaceName: redshiftName,
        workgroupName: redshiftName,
        /** Base capacity in Redshift Processing Units: 8 to 512, steps of 8. */
        baseCapacity: z
          .number()
          .int()
          .min(8)
          .max(512)
          .multipleOf(8, 'must be a multiple of 8 RPUs')
          .default(8),
      })
      .optional(),
  })
  .superRefine((value, context) => {
    const chosen = [
      value.workgroupName !== undefined && 'workgroupName',
      value.clusterIdentifier !== undefined && 'clusterIdentifier',
      value.create !== undefined && 'create',
    ].filter(Boolean);
    if (chosen.length !== 1) {
      context.addIssue({
        code: 'custom',
        message: `set exactly one of workgroupName (existing Serverless workgroup), clusterIdentifier (existing cluster) or create (new Serverless workgroup); found ${chosen.length === 0 ? 'none' : chosen.join(', ')}`,
      });
    }
    if (value.clusterIdentifier !== undefined) {
      if ((value.secretArn === undefined) === (value.dbUser === undefined)) {
        context.addIssue({
          code: 'custom',
          path: ['clusterIdentifier'],
          message: 'a cluster needs exactly one of secretArn or dbUser',
        });
      }
    } else if (value.dbUser !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['dbUser'],
        message: 'applies only with clusterIdentifier',
      });
    }
    if (value.create !== undefined && value.secretArn !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['secretArn'],
        message:
          'does not apply with create: the new namespace keeps its admin password in a secret that Redshift manages',
      });
    }
    if (value.workgroupArn !== undefined && value.workgroupName === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['workgroupArn'],
        message: 'applies only with workgroupName',
      });
    }
  });

/** Memory of the extract function, in MB. */
export const EXTRACT_MEMORY_MB = 1024;

/** Memory of the extract function kept outside the V8 heap, in MB. */
const EXTRACT_MEMORY_OUTSIDE_HEAP_MB = 128;

/**
 * The deployment's settings, read from the cdk.json context key
 * `crossbeamWarehouse` and the file that `crossbeamWarehouseConfigFile`
 * names. Unknown keys are errors; `sources` is validated by the sources
 * module, in `parseDeployConfig`.
 */
export const DeployConfigSchema = z
  .strictObject({
    /** When the refresh runs. */
    schedule: z
      .strictObject({
        expression: scheduleExpression,
        timeZone: timeZone.default('UTC'),
      })
      .prefault({ expression: 'cron(0 6 * * ? *)' }),
    /** The Secrets Manager secret with the Crossbeam OAuth credentials. */
    secret: z
      .strictObject({
        name: z
          .string()
          .regex(
            /^[\w/+=.@-]{1,512}$/,
            'must be a Secrets Manager secret name: letters, digits and /_+=.@-',
          )
          .default('crossbeam-warehouse/crossbeam-api'),
        /**
         * True to use a secret that already exists; false to create it with
         * placeholder values that an operator replaces after the first deploy.
         */
        existing: z.boolean().default(false),
      })
      .prefault({}),
    streams: z
      .array(z.enum(STREAM_NAMES))
      .min(1)
      .refine(
        (streams) => new Set(streams).size === streams.length,
        'must not name a stream twice',
      )
      .default([...STREAM_NAMES]),
    /** Streams extracted at the same time by the state machine's Map. */
    maxConcurrency: z.number().int().min(1).max(STREAM_NAMES.length).default(2),
    /**
     * Crossbeam requests in flight at once within one stream's extract call,
     * so up to maxConcurrency times this many in a run.
     */
    requestsInFlight: z.number().int().min(1).max(16).default(4),
    /**
     * V8 heap ceiling of the extract function in MB; by default sized to the
     * pages that requestsInFlight lets into memory (112 MB at 4). Raise it
     * for records far wider than usual.
     */
    extractHeapMb: z
      .number()
      .int()
      .max(EXTRACT_MEMORY_MB - EXTRACT_MEMORY_OUTSIDE_HEAP_MB)
      .optional(),
    /**
     * `true` reads the overlap streams one partner at a time, with a
     * bookmark per partner, so that several partners' pages are fetched at
     * once; `false` reads each as one list; `auto` chooses per stream, as
     * the CLI setting of the same name does.
     */
    splitOverlapsByPartner: z
      .union([z.boolean(), z.literal('auto')], {
        error:
          'must be true or false (JSON booleans, without quotes) or "auto"',
      })
      .default('auto'),
    /**
     * Hours after which a run reads the organization's own account and lead
     * records again (the API cannot bookmark them); 0 reads them every run.
     */
    recordsRefreshHours: z.number().min(0).default(24),
    /**
     * Uncompressed NDJSON per landed part, in MB, before the next part
     * begins; gzip makes the default 64 about 4 to 9 MB.
     */
    partSizeMb: z.number().int().min(1).max(MAX_PART_SIZE_MB).default(64),
    redshift: redshiftSchema,
    schemas: z
      .strictObject({
        crossbeam: identifier.default('crossbeam'),
        staging: identifier.default('crossbeam_staging'),
        models: identifier.default('crossbeam_models'),
        dashboards: identifier.default('crossbeam_dashboards'),
      })
      .prefault({}),
    /** Customer CRM, marketing and product sources, passed to the build. */
    sources: z.looseObject({}).optional(),
    landing: z
      .strictObject({
        /** Key prefix of every landed object in the bucket. */
        prefix: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9_-]{0,62}$/,
            'must be lower-case letters, digits, _ and -',
          )
          .default('crossbeam'),
        /** Days raw API pages are kept. */
        rawRetentionDays: z.number().int().min(1).max(3650).default(90),
        /** Days normalized parts and manifests are kept. */
        normalizedRetentionDays: z
          .number()
          .int()
          .min(
            7,
            'must be at least 7 days, so that a run is loaded before it expires',
          )
          .max(3650)
          .default(400),
        /** `kms`: a customer managed key; `s3-managed`: SSE-S3. */
        encryption: z.enum(['kms', 's3-managed']).default('kms'),
      })
      .prefault({}),
    /** Address that receives failure notifications; none when unset. */
    alarmEmail: z.email().optional(),
    /** Days the functions' and state machine's logs are kept. */
    logRetentionDays: z
      .number()
      .refine(
        (days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days),
        `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      )
      .default(90),
  })
  .superRefine((config, context) => {
    const needed = extractHeapLimitMb(config.requestsInFlight);
    if (config.extractHeapMb !== undefined && config.extractHeapMb < needed) {
      context.addIssue({
        code: 'custom',
        path: ['extractHeapMb'],
        message: `must be at least ${needed} MB, the heap that requestsInFlight ${config.requestsInFlight} needs. Raise it or lower requestsInFlight.`,
      });
    }
  });

export type DeployConfig = z.infer<typeof DeployConfigSchema>;
export type DeployConfigInput = z.input<typeof DeployConfigSchema>;
