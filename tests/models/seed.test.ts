import { createWorld } from '../../lib/sandbox/world';
import { configuredSources, renderSourceVars } from '../../lib/sources/config';
import { writeSandboxSources } from '../../lib/sources/seed';
import { applyMigrations } from '../../lib/sql/migrate';
import { buildModels } from '../../lib/sql/models';
import { renderSql } from '../../lib/sql/render';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import { num } from './harness';

const schemas = {
  crossbeam: 'crossbeam',
  staging: 'crossbeam_staging',
  models: 'crossbeam_models',
  dashboards: 'crossbeam_dashboards',
};

const world = createWorld({
  seed: 11,
  scale: 'tiny',
  anchor: new Date('2026-01-15T00:00:00Z'),
});

let warehouse: PgliteWarehouse;

beforeAll(async () => {
  warehouse = await PgliteWarehouse.open('pglite:memory:');
});

afterAll(async () => {
  await warehouse?.close();
});

async function count(table: string): Promise<number> {
  const rows = await warehouse.query(`select count(*) as n from ${table}`);
  return num(rows[0]!.n);
}

test('writes every CRM, marketing and product row', async () => {
  const config = await writeSandboxSources(warehouse, world);
  expect(configuredSources(config)).toEqual(
    new Set(['crm', 'marketing', 'product']),
  );
  expect(await count('salesforce.account')).toBe(world.crm.accounts.length);
  expect(await count('salesforce."user"')).toBe(world.crm.users.length);
  expect(await count('salesforce.opportunity')).toBe(
    world.crm.opportunities.length,
  );
  expect(await count('marketing.events')).toBe(
    world.crm.marketingEvents.length,
  );
  expect(await count('product.account_usage')).toBe(
    world.crm.productUsage.length,
  );
  expect(world.crm.opportunities.length).toBeGreaterThan(0);
});

test('writing twice replaces the rows', async () => {
  await writeSandboxSources(warehouse, world);
  const config = await writeSandboxSources(warehouse, world);
  expect(await count('salesforce.opportunity')).toBe(
    world.crm.opportunities.length,
  );

  const first = world.crm.opportunities[0]!;
  const vars = renderSourceVars(config);
  const rows = await warehouse.query(
    renderSql(
      `select {{ crm_opportunity__amount }} as amount, {{ crm_opportunity__close_date }} as close_date from {{ crm_opportunity }} where id = '${first.id}'`,
      { dialect: 'postgres', schemas, vars },
    ),
  );
  expect(rows).toHaveLength(1);
  expect(num(rows[0]!.amount)).toBe(first.amount);
  expect((rows[0]!.close_date as Date).toISOString().slice(0, 10)).toBe(
    first.close_date,
  );
});

test('partner integrations are comma separated', async () => {
  const withIntegrations = world.crm.productUsage.find(
    (usage) => usage.partner_ids.length > 0,
  );
  expect(withIntegrations).toBeDefined();
  const rows = await warehouse.query(
    `select partner_integrations from product.account_usage where account_id = '${withIntegrations!.account_id}'`,
  );
  expect(rows[0]!.partner_integrations).toBe(
    withIntegrations!.partner_ids.join(','),
  );
});

test('sandbox sources build every model', async () => {
  const config = await writeSandboxSources(warehouse, world);
  const context = {
    dialect: 'postgres' as const,
    schemas,
    vars: renderSourceVars(config),
  };
  await applyMigrations(warehouse, context);
  const result = await buildModels(warehouse, context, {
    configuredSources: configuredSources(config),
    countRows: true,
  });
  expect(result.skipped).toEqual([]);

  const rows = new Map(result.built.map((model) => [model.name, model.rows]));
  expect(rows.get('stg_crm__accounts')).toBe(
    world.crm.accounts.filter((account) => !account.is_deleted).length,
  );
  expect(rows.get('deals')).toBe(
    world.crm.opportunities.filter((deal) => !deal.is_deleted).length,
  );
  expect(rows.get('stg_product__usage')).toBe(
    new Set(world.crm.productUsage.map((usage) => usage.account_id)).size,
  );
  // Without loaded Crossbeam data, every touch is a marketing event.
  expect(rows.get('all_events')).toBeGreaterThan(0);
});
