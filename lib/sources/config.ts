import { z } from 'zod';
import { closestName, knownKeysAt, settingMessage } from '../config/issues';
import { valueAt } from '../config/value-at';
import { ConfigurationError } from '../errors';
import type { SourceName } from '../sql/models';
import { salesforceId18Sql } from './salesforce-id';

/**
 * Where the customer's own CRM, marketing and product tables live in the
 * warehouse and how their columns are spelled. The staging models read these
 * tables through the renderer variables that `renderSourceVars` returns, so
 * every later model reads one naming whatever ETL loaded the data.
 */

export type { SourceName };

/** The CRM objects the staging models read, with their logical columns. */
export const CRM_LOGICAL_COLUMNS = {
  account: [
    'id',
    'name',
    'type',
    'industry',
    'owner_id',
    'created_date',
    'is_deleted',
  ],
  opportunity: [
    'id',
    'account_id',
    'owner_id',
    'name',
    'stage_name',
    'amount',
    'is_won',
    'is_closed',
    'close_date',
    'created_date',
    'is_deleted',
  ],
  user: ['id', 'name', 'email'],
} as const;

export type CrmObject = keyof typeof CRM_LOGICAL_COLUMNS;
type CrmColumnMap = {
  [Object in CrmObject]: Record<
    (typeof CRM_LOGICAL_COLUMNS)[Object][number],
    string
  >;
};

const CRM_OBJECTS = Object.keys(CRM_LOGICAL_COLUMNS) as CrmObject[];

/** Logical CRM columns that hold record ids and are joined across sources. */
const CRM_ID_COLUMNS: { readonly [Object in CrmObject]: readonly string[] } = {
  account: ['id', 'owner_id'],
  opportunity: ['id', 'account_id', 'owner_id'],
  user: ['id'],
};

/** Fivetran's Salesforce connector: snake_case column names. */
const FIVETRAN_COLUMNS: CrmColumnMap = {
  account: {
    id: 'id',
    name: 'name',
    type: 'type',
    industry: 'industry',
    owner_id: 'owner_id',
    created_date: 'created_date',
    is_deleted: 'is_deleted',
  },
  opportunity: {
    id: 'id',
    account_id: 'account_id',
    owner_id: 'owner_id',
    name: 'name',
    stage_name: 'stage_name',
    amount: 'amount',
    is_won: 'is_won',
    is_closed: 'is_closed',
    close_date: 'close_date',
    created_date: 'created_date',
    is_deleted: 'is_deleted',
  },
  user: { id: 'id', name: 'name', email: 'email' },
};

/** Stitch's Salesforce integration: the raw API names, lower-cased. */
const STITCH_COLUMNS: CrmColumnMap = {
  account: {
    id: 'id',
    name: 'name',
    type: 'type',
    industry: 'industry',
    owner_id: 'ownerid',
    created_date: 'createddate',
    is_deleted: 'isdeleted',
  },
  opportunity: {
    id: 'id',
    account_id: 'accountid',
    owner_id: 'ownerid',
    name: 'name',
    stage_name: 'stagename',
    amount: 'amount',
    is_won: 'iswon',
    is_closed: 'isclosed',
    close_date: 'closedate',
    created_date: 'createddate',
    is_deleted: 'isdeleted',
  },
  user: { id: 'id', name: 'name', email: 'email' },
};

export const CRM_PRESETS = {
  fivetran: FIVETRAN_COLUMNS,
  stitch: STITCH_COLUMNS,
} as const;

const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]*$/;

/**
 * A schema, table or column name. Only lower-case names are accepted because
 * Redshift lower-cases even quoted identifiers by default, so a mixed-case
 * name would point at a different object there than in PostgreSQL.
 */
const identifier = z
  .string({ error: 'must be a string naming a SQL schema, table or column' })
  .max(127, { error: 'must be at most 127 characters long' })
  .regex(IDENTIFIER_PATTERN, {
    error: (issue) =>
      `must be a lower-case SQL name (letters a-z, digits and underscores, ` +
      `starting with a letter or underscore), but is ` +
      `${JSON.stringify(issue.input)}: write the name as the warehouse ` +
      `stores it, in lower case`,
  });

const crmColumnOverrides = z
  .object({
    account: z
      .partialRecord(z.enum(CRM_LOGICAL_COLUMNS.account), identifier)
      .optional(),
    opportunity: z
      .partialRecord(z.enum(CRM_LOGICAL_COLUMNS.opportunity), identifier)
      .optional(),
    user: z
      .partialRecord(z.enum(CRM_LOGICAL_COLUMNS.user), identifier)
      .optional(),
  })
  .strict();

const crmSource = z
  .object({
    /**
     * Column naming of the ETL tool that loads the CRM: `fivetran`, `stitch`,
     * or `custom`, which takes every column from `columns`.
     */
    preset: z.enum(['fivetran', 'stitch', 'custom']),
    schema: identifier,
    tables: z
      .object({
        account: identifier.default('account'),
        opportunity: identifier.default('opportunity'),
        user: identifier.default('user'),
      })
      .strict()
      .default({
        account: 'account',
        opportunity: 'opportunity',
        user: 'user',
      }),
    /** Column names that replace the preset's, per logical column. */
    columns: crmColumnOverrides.optional(),
    /**
     * `salesforce` (default): ids are Salesforce ids, and 15-character ids
     * are turned into the 18-character form before any join. `opaque`: ids
     * are compared as they are.
     */
    id_format: z.enum(['salesforce', 'opaque']).default('salesforce'),
  })
  .strict()
  .superRefine((crm, context) => {
    if (crm.preset !== 'custom') return;
    for (const object of CRM_OBJECTS) {
      const given = crm.columns?.[object] ?? {};
      const missing = CRM_LOGICAL_COLUMNS[object].filter(
        (column) => !(column in given),
      );
      if (missing.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['columns', object],
          message:
            `is missing ${missing.join(', ')}: the custom preset has no ` +
            `default names, so map every logical column of the ${object} ` +
            `table, or choose the fivetran or stitch preset`,
        });
      }
    }
  });

const marketingSource = z
  .object({
    schema: identifier,
    table: identifier,
    columns: z
      .object({
        account_id: identifier.default('account_id'),
        event_type: identifier.default('event_type'),
        timestamp: identifier.default('timestamp'),
      })
      .strict()
      .default({
        account_id: 'account_id',
        event_type: 'event_type',
        timestamp: 'timestamp',
      }),
  })
  .strict();

const productSource = z
  .object({
    schema: identifier,
    table: identifier,
    columns: z
      .object({
        account_id: identifier.default('account_id'),
        tier_score: identifier.default('tier_score'),
        pql_score: identifier.default('pql_score'),
        /** A text column listing partner ids, comma separated. */
        partner_integrations: identifier.default('partner_integrations'),
      })
      .strict()
      .default({
        account_id: 'account_id',
        tier_score: 'tier_score',
        pql_score: 'pql_score',
        partner_integrations: 'partner_integrations',
      }),
  })
  .strict();

const attributionSettings = z
  .object({
    /** Days before a won deal's close date whose touches get credit. */
    lookback_days: z
      .number({ error: 'must be a number of days' })
      .int({ error: 'must be a whole number of days' })
      .positive({ error: 'must be at least 1 day' })
      .default(180),
    /** Days after which a touch's time-decay weight halves. */
    half_life_days: z
      .number({ error: 'must be a number of days' })
      .positive({ error: 'must be more than 0 days' })
      .default(7),
  })
  .strict()
  .default({ lookback_days: 180, half_life_days: 7 });

export const SourcesConfigSchema = z
  .object({
    crm: crmSource.optional(),
    marketing: marketingSource.optional(),
    product: productSource.optional(),
    attribution: attributionSettings,
    /**
     * The partner relationship that a closed deal is judged by: `now`, the
     * overlaps as they are today (default), or `at_close`, the overlaps that
     * existed on the close date.
     */
    basis: z.enum(['now', 'at_close']).default('now'),
  })
  .strict();

export type SourcesConfig = z.infer<typeof SourcesConfigSchema>;
export type SourcesConfigInput = z.input<typeof SourcesConfigSchema>;

/**
 * Returns one line per problem in a sources configuration, each naming its
 * setting by its path below `settingPrefix` (for example
 * `sources.crm.schema`), or no lines when it is valid.
 */
export function sourcesConfigProblems(
  input: unknown,
  settingPrefix = 'sources',
): string[] {
  const result = SourcesConfigSchema.safeParse(input ?? {});
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => {
    const path = [settingPrefix, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(SourcesConfigSchema, issue.path);
      return issue.keys.map((key) => {
        const hint = closestName(key, known);
        return hint === undefined
          ? `${path}.${key}: unknown setting. Use one of ${known.join(', ')}.`
          : `${path}.${key}: unknown setting. Did you mean ${path}.${hint}?`;
      });
    }
    // Only a scalar is shown: a whole object would repeat the config file.
    const message = settingMessage(issue);
    const value = valueAt(input, issue.path);
    const scalar =
      value === null || ['string', 'number', 'boolean'].includes(typeof value);
    const received =
      scalar &&
      !(typeof value === 'string' && message.includes(JSON.stringify(value)))
        ? ` (received ${JSON.stringify(value)})`
        : '';
    return [`${path}: ${message}${received}`];
  });
}

/**
 * Validates the sources configuration and fills in defaults. Raises a
 * `ConfigurationError` that lists every invalid setting at once, each named
 * by its path below `settingPrefix` (for example `sources.crm.schema`).
 */
export function parseSourcesConfig(
  input: unknown,
  settingPrefix = 'sources',
): SourcesConfig {
  const problems = sourcesConfigProblems(input, settingPrefix);
  if (problems.length > 0) {
    throw new ConfigurationError(
      `Invalid sources configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`,
    );
  }
  return SourcesConfigSchema.parse(input ?? {});
}

/**
 * Returns the source sections that are configured, as `buildModels` takes
 * them for its `-- requires:` checks.
 */
export function configuredSources(config: SourcesConfig): Set<SourceName> {
  const names = new Set<SourceName>();
  if (config.crm) names.add('crm');
  if (config.marketing) names.add('marketing');
  if (config.product) names.add('product');
  return names;
}

function quoteIdentifier(name: string): string {
  return `"${name}"`;
}

function qualifiedTable(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/** Returns the CRM column names in effect: the preset's, then the overrides. */
export function resolveCrmColumns(
  crm: NonNullable<SourcesConfig['crm']>,
): CrmColumnMap {
  const base: CrmColumnMap =
    crm.preset === 'custom' ? FIVETRAN_COLUMNS : CRM_PRESETS[crm.preset];
  return {
    account: { ...base.account, ...crm.columns?.account },
    opportunity: { ...base.opportunity, ...crm.columns?.opportunity },
    user: { ...base.user, ...crm.columns?.user },
  };
}

/**
 * Returns the renderer variables that the source models use:
 *
 * - `crm_account`, `crm_opportunity`, `crm_user`, `marketing_events`,
 *   `product_usage`: the schema-qualified, quoted source tables;
 * - `crm_<object>__<column>`, `marketing_events__<column>`,
 *   `product_usage__<column>`: an expression for each logical column. It
 *   names the table's column unqualified, so a staging model must read it
 *   from a single table. Id columns are normalized to 18-character
 *   Salesforce ids unless `crm.id_format` is `opaque`;
 * - `crossbeam__master_id`, `crossbeam__record_id`: the same normalization
 *   for the CRM ids in the Crossbeam tables;
 * - `attribution_lookback_days`, `attribution_half_life_days`: numbers;
 * - `partner_status_basis`: `'now'` or `'at_close'`, as a SQL string.
 *
 * Variables of a section that is not configured are left out, so a model
 * that uses them without `-- requires:` fails to render.
 */
export function renderSourceVars(
  config: SourcesConfig,
): Record<string, string> {
  const normalizeIds = (config.crm?.id_format ?? 'salesforce') === 'salesforce';
  const idExpression = (column: string): string =>
    normalizeIds
      ? salesforceId18Sql(quoteIdentifier(column))
      : quoteIdentifier(column);

  const vars: Record<string, string> = {
    crossbeam__master_id: idExpression('master_id'),
    crossbeam__record_id: idExpression('record_id'),
    attribution_lookback_days: String(config.attribution.lookback_days),
    attribution_half_life_days: String(config.attribution.half_life_days),
    partner_status_basis: `'${config.basis}'`,
  };

  if (config.crm) {
    const columns = resolveCrmColumns(config.crm);
    for (const object of CRM_OBJECTS) {
      vars[`crm_${object}`] = qualifiedTable(
        config.crm.schema,
        config.crm.tables[object],
      );
      const objectColumns: Record<string, string> = columns[object];
      for (const [logical, physical] of Object.entries(objectColumns)) {
        vars[`crm_${object}__${logical}`] = CRM_ID_COLUMNS[object].includes(
          logical,
        )
          ? idExpression(physical)
          : quoteIdentifier(physical);
      }
    }
  }

  if (config.marketing) {
    const { schema, table, columns } = config.marketing;
    vars.marketing_events = qualifiedTable(schema, table);
    vars.marketing_events__account_id = idExpression(columns.account_id);
    vars.marketing_events__event_type = quoteIdentifier(columns.event_type);
    vars.marketing_events__timestamp = quoteIdentifier(columns.timestamp);
  }

  if (config.product) {
    const { schema, table, columns } = config.product;
    vars.product_usage = qualifiedTable(schema, table);
    vars.product_usage__account_id = idExpression(columns.account_id);
    vars.product_usage__tier_score = quoteIdentifier(columns.tier_score);
    vars.product_usage__pql_score = quoteIdentifier(columns.pql_score);
    vars.product_usage__partner_integrations = quoteIdentifier(
      columns.partner_integrations,
    );
  }

  return vars;
}
