import type { CrmData } from '../sandbox/crm';
import { columnTypeSql, quoteLiteral } from '../sql/render';
import type { ColumnType } from '../streams/catalog';
import type { Dialect, Warehouse } from '../warehouse/warehouse';
import { parseSourcesConfig, type SourcesConfig } from './config';

/**
 * Rows per INSERT statement. Sandbox rows are a few hundred bytes, so a
 * statement stays well below the Redshift Data API's 100 KB SQL limit.
 */
const ROWS_PER_INSERT = 200;

interface SeedColumn {
  readonly name: string;
  readonly type: ColumnType | 'double precision';
}

interface SeedTable {
  readonly schema: string;
  readonly name: string;
  readonly columns: readonly SeedColumn[];
  readonly rows: readonly (readonly SqlValue[])[];
}

type SqlValue = string | number | boolean | null;

/** Schemas that the sandbox writes the customer's own tables into. */
export const SANDBOX_SOURCE_SCHEMAS = {
  crm: 'salesforce',
  marketing: 'marketing',
  product: 'product',
} as const;

const column = (name: string, type: SeedColumn['type']): SeedColumn => ({
  name,
  type,
});

function crmTables(crm: CrmData): SeedTable[] {
  const schema = SANDBOX_SOURCE_SCHEMAS.crm;
  return [
    {
      schema,
      name: 'account',
      columns: [
        column('id', 'text'),
        column('name', 'text'),
        column('type', 'text'),
        column('industry', 'text'),
        column('owner_id', 'text'),
        column('created_date', 'timestamptz'),
        column('is_deleted', 'boolean'),
      ],
      rows: crm.accounts.map((account) => [
        account.id,
        account.name,
        account.type,
        account.industry,
        account.owner_id,
        account.created_date,
        account.is_deleted,
      ]),
    },
    {
      schema,
      name: 'user',
      columns: [
        column('id', 'text'),
        column('name', 'text'),
        column('email', 'text'),
      ],
      rows: crm.users.map((user) => [user.id, user.name, user.email]),
    },
    {
      schema,
      name: 'opportunity',
      columns: [
        column('id', 'text'),
        column('account_id', 'text'),
        column('owner_id', 'text'),
        column('name', 'text'),
        column('stage_name', 'text'),
        column('amount', 'numeric'),
        column('is_won', 'boolean'),
        column('is_closed', 'boolean'),
        column('close_date', 'date'),
        column('created_date', 'timestamptz'),
        column('is_deleted', 'boolean'),
      ],
      rows: crm.opportunities.map((opportunity) => [
        opportunity.id,
        opportunity.account_id,
        opportunity.owner_id,
        opportunity.name,
        opportunity.stage_name,
        opportunity.amount,
        opportunity.is_won,
        opportunity.is_closed,
        opportunity.close_date,
        opportunity.created_date,
        opportunity.is_deleted,
      ]),
    },
  ];
}

function marketingTable(crm: CrmData): SeedTable {
  return {
    schema: SANDBOX_SOURCE_SCHEMAS.marketing,
    name: 'events',
    columns: [
      column('event_id', 'text'),
      column('account_id', 'text'),
      column('event_type', 'text'),
      column('timestamp', 'timestamptz'),
    ],
    rows: crm.marketingEvents.map((event) => [
      event.event_id,
      event.account_id,
      event.event_type,
      event.timestamp,
    ]),
  };
}

function productTable(crm: CrmData): SeedTable {
  return {
    schema: SANDBOX_SOURCE_SCHEMAS.product,
    name: 'account_usage',
    columns: [
      column('account_id', 'text'),
      column('tier_score', 'double precision'),
      column('pql_score', 'double precision'),
      column('partner_integrations', 'text'),
    ],
    rows: crm.productUsage.map((usage) => [
      usage.account_id,
      usage.tier_score,
      usage.pql_score,
      usage.partner_ids.join(','),
    ]),
  };
}

function columnType(type: SeedColumn['type'], dialect: Dialect): string {
  return type === 'double precision' ? type : columnTypeSql(type, dialect);
}

/** Returns the statements that replace one table with `table.rows`. */
function replaceTableStatements(table: SeedTable, dialect: Dialect): string[] {
  const qualified = `"${table.schema}"."${table.name}"`;
  const columnList = table.columns.map((spec) => `"${spec.name}"`).join(', ');
  const definitions = table.columns
    .map((spec) => `"${spec.name}" ${columnType(spec.type, dialect)}`)
    .join(', ');

  // Views built on these tables depend on them, so the rows are replaced
  // and the table is kept.
  const statements = [
    `create table if not exists ${qualified} (${definitions})`,
    `delete from ${qualified}`,
  ];
  for (let start = 0; start < table.rows.length; start += ROWS_PER_INSERT) {
    const values = table.rows
      .slice(start, start + ROWS_PER_INSERT)
      .map(
        (row) =>
          `(${row.map((value) => quoteLiteral(value, dialect)).join(', ')})`,
      )
      .join(',\n');
    statements.push(
      `insert into ${qualified} (${columnList}) values\n${values}`,
    );
  }
  return statements;
}

/**
 * Writes the sandbox world's CRM, marketing and product rows into the
 * warehouse as a customer's ETL would: schemas `salesforce` (Fivetran
 * naming: `account`, `opportunity`, `user`), `marketing` (`events`) and
 * `product` (`account_usage`). Each table's rows are replaced in one
 * transaction, so running it twice leaves the same rows. `context`
 * (a `RenderContext` will do) gives the SQL dialect, by default the
 * warehouse's. Returns the sources configuration that points the models at
 * these tables.
 */
export async function writeSandboxSources(
  warehouse: Warehouse,
  world: { readonly crm: CrmData },
  context: { readonly dialect: Dialect } = warehouse,
): Promise<SourcesConfig> {
  const { dialect } = context;
  const tables = [
    ...crmTables(world.crm),
    marketingTable(world.crm),
    productTable(world.crm),
  ];

  const statements = Object.values(SANDBOX_SOURCE_SCHEMAS).map(
    (schema) => `create schema if not exists "${schema}"`,
  );
  for (const table of tables) {
    statements.push(...replaceTableStatements(table, dialect));
  }
  await warehouse.executeBatch(statements);

  return parseSourcesConfig({
    crm: { preset: 'fivetran', schema: SANDBOX_SOURCE_SCHEMAS.crm },
    marketing: {
      schema: SANDBOX_SOURCE_SCHEMAS.marketing,
      table: 'events',
    },
    product: {
      schema: SANDBOX_SOURCE_SCHEMAS.product,
      table: 'account_usage',
    },
  });
}
