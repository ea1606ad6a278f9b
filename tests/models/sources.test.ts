import type { PgliteWarehouse } from '../../lib/warehouse/pglite';
import type { Row } from '../../lib/warehouse/warehouse';
import {
  OPPORTUNITIES,
  runAll,
  sourceStatements,
  sourcesInput,
} from './hand-world';
import {
  buildHandModels,
  modelKeys,
  num,
  openHandWarehouse,
  type BuiltModels,
} from './harness';

let warehouse: PgliteWarehouse;
let fivetran: BuiltModels;
let stitch: BuiltModels;
let atClose: BuiltModels;
let crmOnly: BuiltModels;

beforeAll(async () => {
  warehouse = await openHandWarehouse();
  await runAll(warehouse, sourceStatements('crm_fivetran', 'fivetran'));
  await runAll(warehouse, sourceStatements('crm_stitch', 'stitch'));
  fivetran = await buildHandModels(
    warehouse,
    'fivetran',
    sourcesInput('crm_fivetran', 'fivetran'),
  );
  stitch = await buildHandModels(
    warehouse,
    'stitch',
    sourcesInput('crm_stitch', 'stitch'),
  );
  atClose = await buildHandModels(
    warehouse,
    'at_close',
    sourcesInput('crm_stitch', 'stitch', 'at_close'),
  );
  crmOnly = await buildHandModels(warehouse, 'crm_only', {
    crm: { preset: 'fivetran', schema: 'crm_fivetran' },
  });
});

afterAll(async () => {
  await warehouse?.close();
});

async function rowsOf(view: string, key: readonly string[]): Promise<Row[]> {
  return warehouse.query(`select * from ${view} order by ${key.join(', ')}`);
}

test('stitch and fivetran naming give the same rows', async () => {
  const fivetranViews = await modelKeys(fivetran.context);
  const stitchViews = await modelKeys(stitch.context);
  expect(stitch.result.skipped).toEqual([]);
  expect(stitchViews.length).toBe(fivetranViews.length);
  for (const [index, model] of fivetranViews.entries()) {
    const expected = await rowsOf(model.view, model.key);
    const actual = await rowsOf(stitchViews[index]!.view, model.key);
    expect({ view: model.name, rows: actual }).toEqual({
      view: model.name,
      rows: expected,
    });
  }
});

test('stitch naming fills every view', async () => {
  const empty = stitch.result.built
    .filter((model) => model.rows === 0)
    .map((model) => model.name);
  expect(empty).toEqual([]);
});

describe('basis at_close', () => {
  test('builds every model', () => {
    expect(atClose.result.skipped).toEqual([]);
  });

  test('deals judge closed deals on their close date', async () => {
    const rows = await warehouse.query(
      `select opportunity_id, is_partner_customer, basis from models_at_close.deals`,
    );
    const status = new Map(
      rows.map((row) => [row.opportunity_id, row.is_partner_customer]),
    );
    // o4: partner customer now, but not on its close date.
    expect(status.get(OPPORTUNITIES.o4.ids.id18)).toBe(false);
    // o7: closed before the first sync, so unknown.
    expect(status.get(OPPORTUNITIES.o7.ids.id18)).toBeNull();
    expect(status.get(OPPORTUNITIES.o1.ids.id18)).toBe(true);
    expect(status.get(OPPORTUNITIES.o11.ids.id18)).toBe(true);
    // o12: its partner record became a customer after the close.
    expect(status.get(OPPORTUNITIES.o12.ids.id18)).toBe(false);
    // Open deals always use today's overlaps.
    expect(status.get(OPPORTUNITIES.o9.ids.id18)).toBe(true);
    expect(new Set(rows.map((row) => row.basis))).toEqual(
      new Set(['at_close']),
    );
  });

  test('closed deal comparison has an unknown group', async () => {
    const rows = await warehouse.query(
      `select * from dashboards_at_close.ecosystem_closed_deals order by deal_group`,
    );
    expect(
      rows.map((row) => [
        row.deal_group,
        row.basis,
        num(row.closed_deal_count),
        num(row.won_deal_count),
        row.avg_won_deal_size,
      ]),
    ).toEqual([
      // o1 won (1000), o11 lost.
      ['partner_customer', 'at_close', 2, 1, '1000.00'],
      // o3, o6, o12 lost; o4 (2000) and o5 (400) won.
      ['standard', 'at_close', 5, 2, '1200.00'],
      // o7 won (600), closed before the first sync.
      ['unknown', 'at_close', 1, 1, '600.00'],
    ]);
    expect(rows.map((row) => num(row.close_rate))).toEqual([0.5, 2 / 5, 1]);
    expect(rows.map((row) => num(row.avg_days_to_close))).toEqual([
      60,
      (30 + 29) / 2,
      30,
    ]);
  });
});

test('models without their sources are skipped with a reason', () => {
  const skipped = new Map(
    crmOnly.result.skipped.map((model) => [model.name, model.reason]),
  );
  for (const name of [
    'stg_marketing__events',
    'all_events',
    'attribution_touches',
    'attribution_credits',
    'attribution_by_event_type',
  ]) {
    expect(skipped.get(name)).toMatch(/marketing/);
  }
  for (const name of [
    'stg_product__usage',
    'partner_top_customers',
    'partner_integration_gaps',
  ]) {
    expect(skipped.get(name)).toMatch(/product/);
  }
  const built = crmOnly.result.built.map((model) => model.name);
  expect(built).toContain('deals');
  expect(built).toContain('rep_matchmaking');
  expect(built).toContain('partner_customer_overlaps');
});

test('a source column the warehouse lacks names the setting', async () => {
  const build = buildHandModels(warehouse, 'bad_column', {
    crm: {
      preset: 'fivetran',
      schema: 'crm_fivetran',
      columns: { account: { industry: 'sector' } },
    },
  });

  await expect(build).rejects.toThrow(
    /^Model stg_crm__accounts reads the crm source, and the warehouse lacks a schema, table or column it names\. Check sources\.crm\.columns\.account\.industry: the warehouse has no "sector"\. column "sector" does not exist\.$/,
  );
});

test('a marketing column the warehouse lacks names the setting', async () => {
  const build = buildHandModels(warehouse, 'bad_marketing', {
    crm: { preset: 'fivetran', schema: 'crm_fivetran' },
    marketing: {
      schema: 'crm_fivetran',
      table: 'marketing_events',
      columns: { event_type: 'kind' },
    },
  });

  await expect(build).rejects.toThrow(
    /^Model stg_marketing__events reads the marketing source, .* Check sources\.marketing\.columns\.event_type: the warehouse has no "kind"\./,
  );
});

test('a source schema the warehouse lacks names the setting', async () => {
  const build = buildHandModels(warehouse, 'bad_schema', {
    crm: { preset: 'fivetran', schema: 'crm_fivetrn' },
  });

  await expect(build).rejects.toThrow(
    /Check sources\.crm\.schema or sources\.crm\.tables\.account: the warehouse has no "crm_fivetrn\.account"\. relation "crm_fivetrn\.account" does not exist\.$/,
  );
});
