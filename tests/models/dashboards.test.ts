import type { PgliteWarehouse } from '../../lib/warehouse/pglite';
import type { Row } from '../../lib/warehouse/warehouse';
import {
  ATTRIBUTION_MODELS,
  expectedCredits,
  expectedEventTypeTotals,
  WON_TOUCHES,
} from './expected';
import {
  ACCOUNTS,
  OPPORTUNITIES,
  PARTNERS,
  runAll,
  sourceStatements,
  sourcesInput,
  USERS,
} from './hand-world';
import {
  buildHandModels,
  modelKeys,
  num,
  openHandWarehouse,
  selectAll,
  type BuiltModels,
} from './harness';

const MODELS = 'models_fivetran';
const DASHBOARDS = 'dashboards_fivetran';

let warehouse: PgliteWarehouse;
let built: BuiltModels;

beforeAll(async () => {
  warehouse = await openHandWarehouse();
  await runAll(warehouse, sourceStatements('crm_fivetran', 'fivetran'));
  built = await buildHandModels(
    warehouse,
    'fivetran',
    sourcesInput('crm_fivetran', 'fivetran'),
  );
});

afterAll(async () => {
  await warehouse?.close();
});

function byKey(rows: Row[], ...columns: string[]): Map<string, Row> {
  return new Map(
    rows.map((row) => [
      columns.map((name) => String(row[name])).join('/'),
      row,
    ]),
  );
}

function isoDay(value: unknown): string {
  return (value as Date).toISOString().slice(0, 10);
}

describe('model build', () => {
  test('builds every model and skips none', () => {
    expect(built.result.skipped).toEqual([]);
    const names = built.result.built.map((model) => model.name);
    for (const name of [
      'stg_crm__accounts',
      'stg_crm__opportunities',
      'stg_crm__users',
      'stg_marketing__events',
      'stg_product__usage',
      'all_events',
      'attribution_credits',
      'deals',
      'ecosystem_closed_deals',
      'rep_open_pipeline',
      'partner_open_pipeline',
      'open_opportunity_partners',
      'rep_partner_customer_accounts',
      'partner_customer_overlaps',
      'partner_top_customers',
      'partner_integration_gaps',
      'attribution_by_event_type',
      'rep_matchmaking',
    ]) {
      expect(names).toContain(name);
    }
  });

  test('every view key is unique and not null', async () => {
    for (const model of await modelKeys(built.context)) {
      const keyList = model.key.join(', ');
      const nulls = await warehouse.query(
        `select count(*) as n from ${model.view} where ${model.key
          .map((column) => `${column} is null`)
          .join(' or ')}`,
      );
      expect({ view: model.view, nullKeys: num(nulls[0]!.n) }).toEqual({
        view: model.view,
        nullKeys: 0,
      });
      const duplicates = await warehouse.query(
        `select count(*) as n from (select ${keyList} from ${model.view} group by ${keyList} having count(*) > 1) as duplicated`,
      );
      expect({
        view: model.view,
        duplicateKeys: num(duplicates[0]!.n),
      }).toEqual({ view: model.view, duplicateKeys: 0 });
    }
  });

  test('every dashboard has a basis column', async () => {
    for (const model of await modelKeys(built.context)) {
      if (!model.view.startsWith(`${DASHBOARDS}.`)) continue;
      const rows = await warehouse.query(
        `select distinct basis from ${model.view}`,
      );
      expect({ view: model.view, basis: rows.map((row) => row.basis) }).toEqual(
        {
          view: model.view,
          basis:
            model.name === 'attribution_by_event_type' ? ['at_close'] : ['now'],
        },
      );
    }
  });
});

describe('staging', () => {
  test('accounts leave out deleted rows', async () => {
    const rows = await selectAll(
      warehouse,
      `${MODELS}.stg_crm__accounts`,
      'account_id',
    );
    const expected = Object.values(ACCOUNTS)
      .filter((account) => account !== ACCOUNTS.deleted)
      .map((account) => account.id18)
      .sort();
    expect(rows.map((row) => row.account_id)).toEqual(expected);
  });

  test('opportunities normalize 15-character ids', async () => {
    const rows = await selectAll(
      warehouse,
      `${MODELS}.stg_crm__opportunities`,
      'opportunity_id',
    );
    const live = Object.values(OPPORTUNITIES).filter((deal) => !deal.isDeleted);
    expect(rows).toHaveLength(live.length);
    const byId = byKey(rows, 'opportunity_id');
    for (const deal of live) {
      const row = byId.get(deal.ids.id18)!;
      expect(row.account_id).toBe(deal.account.id18);
      expect(row.owner_id).toBe(deal.owner.id18);
    }
  });

  test('marketing events drop repeats and rows without account', async () => {
    const rows = await selectAll(
      warehouse,
      `${MODELS}.stg_marketing__events`,
      'occurred_at',
    );
    // Nine source rows: one exact repeat (by 15- and 18-character id) and
    // one without an account leave seven; ' Demo ' becomes demo.
    expect(rows).toHaveLength(7);
    expect(rows.map((row) => row.event_type).sort()).toEqual([
      'demo',
      'demo',
      'email_click',
      'email_click',
      'webinar',
      'webinar',
      'webinar',
    ]);
    const fabrikam = rows.filter(
      (row) => row.account_id === ACCOUNTS.fabrikam.id18,
    );
    expect(fabrikam).toHaveLength(1);
  });

  test('product usage normalizes ids and integration lists', async () => {
    const rows = await selectAll(
      warehouse,
      `${MODELS}.stg_product__usage`,
      'account_id',
    );
    const byId = byKey(rows, 'account_id');
    expect(byId.get(ACCOUNTS.northwind.id18)?.partner_integrations).toBe(
      'p-alpha',
    );
    expect(byId.get(ACCOUNTS.umbrella.id18)?.partner_integrations).toBe(
      'p-beta,p-gamma',
    );
    expect(byId.get(ACCOUNTS.fabrikam.id18)?.partner_integrations).toBeNull();
  });
});

describe('all_events', () => {
  test('lists every touch once with its date', async () => {
    const rows = await selectAll(warehouse, `${MODELS}.all_events`, 'event_id');
    const touches = rows
      .map(
        (row) =>
          `${row.account_id} ${row.event_type} ${(row.occurred_at as Date).toISOString()} ${row.partner_id ?? '-'} ${row.source}`,
      )
      .sort();
    const nw = ACCOUNTS.northwind.id18;
    const expected = [
      `${nw} webinar 2025-06-24T15:00:00.000Z - marketing`,
      `${nw} email_click 2025-06-30T10:00:00.000Z - marketing`,
      `${nw} webinar 2024-12-01T10:00:00.000Z - marketing`,
      `${nw} demo 2025-07-02T10:00:00.000Z - marketing`,
      `${ACCOUNTS.fabrikam.id18} webinar 2025-05-01T10:00:00.000Z - marketing`,
      `${ACCOUNTS.initech.id18} email_click 2025-07-20T10:00:00.000Z - marketing`,
      `${ACCOUNTS.initech.id18} demo 2025-08-10T09:00:00.000Z - marketing`,
      // First appearance: the earlier of created_at and valid_from.
      `${nw} partner_overlap 2025-02-10T08:00:00.000Z p-alpha crossbeam_overlap`,
      `${nw} partner_overlap 2025-03-01T06:00:00.000Z p-beta crossbeam_overlap`,
      `${nw} partner_overlap 2025-04-15T06:00:00.000Z p-gamma crossbeam_overlap`,
      `${ACCOUNTS.contoso.id18} partner_overlap 2025-03-01T06:00:00.000Z p-beta crossbeam_overlap`,
      // Gone since May, still a touch from history.
      `${ACCOUNTS.contoso.id18} partner_overlap 2025-03-01T06:00:00.000Z p-gamma crossbeam_overlap`,
      `${ACCOUNTS.fabrikam.id18} partner_overlap 2025-06-10T06:00:00.000Z p-alpha crossbeam_overlap`,
      `${ACCOUNTS.umbrella.id18} partner_overlap 2025-03-01T06:00:00.000Z p-gamma crossbeam_overlap`,
      `${ACCOUNTS.globex.id18} partner_overlap 2025-03-01T06:00:00.000Z p-alpha crossbeam_overlap`,
      `${nw} partner_deal_opened 2025-06-17T12:00:00.000Z p-alpha crossbeam_signal`,
      `${nw} partner_deal_closed_won 2025-07-15T12:00:00.000Z p-beta crossbeam_signal`,
    ].sort();
    expect(touches).toEqual(expected);
  });

  test('names the partner of partner touches', async () => {
    const rows = await warehouse.query(
      `select distinct partner_id, partner_name from ${MODELS}.all_events where partner_id is not null order by partner_id`,
    );
    expect(rows).toEqual([
      { partner_id: PARTNERS.alpha.id, partner_name: PARTNERS.alpha.name },
      { partner_id: PARTNERS.beta.id, partner_name: PARTNERS.beta.name },
      { partner_id: PARTNERS.gamma.id, partner_name: PARTNERS.gamma.name },
    ]);
  });
});

describe('attribution', () => {
  test('touches fall inside the lookback window', async () => {
    const rows = await selectAll(
      warehouse,
      `${MODELS}.attribution_touches`,
      'opportunity_id, touch_number',
    );
    const opportunityIds = [...new Set(rows.map((row) => row.opportunity_id))];
    expect(opportunityIds.sort()).toEqual(Object.keys(WON_TOUCHES).sort());
    for (const [opportunityId, { touches }] of Object.entries(WON_TOUCHES)) {
      const actual = rows.filter((row) => row.opportunity_id === opportunityId);
      expect(
        actual.map((row) => ({
          eventType: row.event_type,
          occurredAt: (row.occurred_at as Date).toISOString(),
          daysBeforeClose: num(row.days_before_close),
        })),
      ).toEqual(touches);
      expect(actual.map((row) => num(row.touch_count))).toEqual(
        touches.map(() => touches.length),
      );
    }
  });

  test('credits match each model by hand', async () => {
    const rows = await warehouse.query(
      `select * from ${MODELS}.attribution_credits`,
    );
    for (const [opportunityId, { touches }] of Object.entries(WON_TOUCHES)) {
      for (const model of ATTRIBUTION_MODELS) {
        const credits = expectedCredits(model, touches);
        const actual = rows.filter(
          (row) => row.opportunity_id === opportunityId && row.model === model,
        );
        const expectedRows = touches
          .map((touch, i) => ({ touch, credit: credits[i]! }))
          .filter(({ credit }) => credit > 0);
        expect({ opportunityId, model, rows: actual.length }).toEqual({
          opportunityId,
          model,
          rows: expectedRows.length,
        });
        for (const { touch, credit } of expectedRows) {
          const row = actual.find(
            (candidate) =>
              (candidate.occurred_at as Date).toISOString() ===
              touch.occurredAt,
          );
          expect(row?.event_type).toBe(touch.eventType);
          expect(num(row?.credit)).toBeCloseTo(credit, 10);
        }
      }
    }
  });

  test('credits sum to exactly 1 per deal and model', async () => {
    const rows = await warehouse.query(
      `select opportunity_id, model, sum(credit) as credit, sum(credited_revenue) as revenue from ${MODELS}.attribution_credits group by opportunity_id, model`,
    );
    expect(rows).toHaveLength(
      Object.keys(WON_TOUCHES).length * ATTRIBUTION_MODELS.length,
    );
    for (const row of rows) {
      const { amount } = WON_TOUCHES[row.opportunity_id as string]!;
      expect(row.credit).toBe('1.000000000000');
      expect(row.revenue).toBe(amount.toFixed(2));
    }
  });

  test('credited revenue follows the credit', async () => {
    const rows = await warehouse.query(
      `select opportunity_id, credit, credited_revenue from ${MODELS}.attribution_credits`,
    );
    for (const row of rows) {
      const { amount } = WON_TOUCHES[row.opportunity_id as string]!;
      // Each row is rounded to cents; the last touch takes the remainder
      // of at most one cent per other touch (five at most here).
      expect(
        Math.abs(num(row.credited_revenue) - amount * num(row.credit)),
      ).toBeLessThanOrEqual(0.05);
    }
  });

  test('dashboard totals by model and event type', async () => {
    const rows = await warehouse.query(
      `select * from ${DASHBOARDS}.attribution_by_event_type`,
    );
    const expected = expectedEventTypeTotals();
    expect(rows).toHaveLength(expected.size);
    const modelRevenue = new Map<string, number>();
    for (const [key, total] of expected) {
      const model = key.split('/')[0]!;
      modelRevenue.set(model, (modelRevenue.get(model) ?? 0) + total.revenue);
    }
    for (const [key, total] of expected) {
      const [model, eventType] = key.split('/');
      const row = rows.find(
        (candidate) =>
          candidate.model === model && candidate.event_type === eventType,
      );
      expect({ key, found: row !== undefined }).toEqual({ key, found: true });
      expect(num(row!.opportunity_count)).toBe(total.opportunityCount);
      expect(num(row!.touch_count)).toBe(total.touchCount);
      expect(num(row!.credit)).toBeCloseTo(total.credit, 10);
      expect(Math.abs(num(row!.credited_revenue) - total.revenue)).toBeLessThan(
        0.06,
      );
      expect(num(row!.revenue_share)).toBeCloseTo(
        total.revenue / modelRevenue.get(model!)!,
        4,
      );
    }
    // Won revenue with a touch: o1 1000 + o4 2000 + o5 400.
    expect(modelRevenue.get('linear')).toBeCloseTo(3400, 6);
  });
});

describe('deals', () => {
  const expected: Record<
    string,
    {
      partnerCount: number;
      partnerCustomerCount: number;
      now: boolean;
      atClose: boolean | null;
      daysToClose: number | null;
    }
  > = {
    // Three partners (Alpha and Beta customers, Gamma custom population).
    o1: {
      partnerCount: 3,
      partnerCustomerCount: 2,
      now: true,
      atClose: true,
      daysToClose: 60,
    },
    o2: {
      partnerCount: 3,
      partnerCustomerCount: 2,
      now: true,
      atClose: null,
      daysToClose: null,
    },
    // Beta open opportunities only; the Gamma overlap ended in May.
    o3: {
      partnerCount: 1,
      partnerCustomerCount: 0,
      now: false,
      atClose: false,
      daysToClose: 10,
    },
    // Alpha customer since June 10, after the May 20 close.
    o4: {
      partnerCount: 1,
      partnerCustomerCount: 1,
      now: true,
      atClose: false,
      daysToClose: 30,
    },
    o5: {
      partnerCount: 0,
      partnerCustomerCount: 0,
      now: false,
      atClose: false,
      daysToClose: 29,
    },
    o6: {
      partnerCount: 0,
      partnerCustomerCount: 0,
      now: false,
      atClose: false,
      daysToClose: 30,
    },
    // Closed on January 15, before the first sync on March 1: unknown.
    o7: {
      partnerCount: 1,
      partnerCustomerCount: 1,
      now: true,
      atClose: null,
      daysToClose: 30,
    },
    o8: {
      partnerCount: 1,
      partnerCustomerCount: 0,
      now: false,
      atClose: null,
      daysToClose: null,
    },
    o9: {
      partnerCount: 1,
      partnerCustomerCount: 1,
      now: true,
      atClose: null,
      daysToClose: null,
    },
    // Closed April 1: Alpha and Beta overlaps existed since March 1.
    o11: {
      partnerCount: 3,
      partnerCustomerCount: 2,
      now: true,
      atClose: true,
      daysToClose: 12,
    },
    // Closed July 15 while Alpha had Globex as a prospect; a customer
    // since August 1.
    o12: {
      partnerCount: 1,
      partnerCustomerCount: 1,
      now: true,
      atClose: false,
      daysToClose: 14,
    },
  };

  test('partner status now and at close', async () => {
    const rows = await selectAll(
      warehouse,
      `${MODELS}.deals`,
      'opportunity_id',
    );
    expect(rows).toHaveLength(Object.keys(expected).length);
    const byId = byKey(rows, 'opportunity_id');
    for (const [key, figures] of Object.entries(expected)) {
      const deal = OPPORTUNITIES[key as keyof typeof OPPORTUNITIES];
      const row = byId.get(deal.ids.id18)!;
      expect({
        key,
        partnerCount: num(row.partner_count),
        partnerCustomerCount: num(row.partner_customer_count),
        now: row.is_partner_customer_now,
        atClose: row.was_partner_customer_at_close,
        daysToClose: row.days_to_close === null ? null : num(row.days_to_close),
      }).toEqual({ key, ...figures });
      expect(row.is_partner_customer).toBe(figures.now);
      expect(row.basis).toBe('now');
    }
  });
});

describe('ecosystem sales impact', () => {
  test('closed deals: partner customers against standard', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.ecosystem_closed_deals`,
      'deal_group',
    );
    expect(rows.map((row) => row.deal_group)).toEqual([
      'partner_customer',
      'standard',
    ]);
    const [partner, standard] = rows as [Row, Row];
    // o1, o4, o7 won and o11, o12 lost; Northwind's three partners count
    // once.
    expect(num(partner.closed_deal_count)).toBe(5);
    expect(num(partner.won_deal_count)).toBe(3);
    expect(num(partner.close_rate)).toBeCloseTo(3 / 5, 12);
    expect(partner.avg_won_deal_size).toBe('1200.00');
    expect(num(partner.avg_days_to_close)).toBeCloseTo((60 + 30 + 30) / 3, 12);
    // o5 won; o3 and o6 lost.
    expect(num(standard.closed_deal_count)).toBe(3);
    expect(num(standard.won_deal_count)).toBe(1);
    expect(num(standard.close_rate)).toBeCloseTo(1 / 3, 12);
    expect(standard.avg_won_deal_size).toBe('400.00');
    expect(num(standard.avg_days_to_close)).toBeCloseTo(29, 12);
  });

  test('rep open pipeline with partner customer share', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.rep_open_pipeline`,
      'owner_id',
    );
    const byId = byKey(rows, 'owner_id');
    // Ana: o2 (500, Northwind) and o8 (700, Contoso, owner by 15-char id).
    const ana = byId.get(USERS.ana.id18)!;
    expect(ana.rep_name).toBe(USERS.ana.name);
    expect(num(ana.open_opportunity_count)).toBe(2);
    expect(num(ana.open_pipeline_amount)).toBe(1200);
    expect(num(ana.partner_customer_opportunity_count)).toBe(1);
    expect(num(ana.partner_customer_pipeline_amount)).toBe(500);
    expect(num(ana.partner_customer_pipeline_share)).toBeCloseTo(
      500 / 1200,
      12,
    );
    // Ben: o9 (250, Fabrikam, an Alpha customer now).
    const ben = byId.get(USERS.ben.id18)!;
    expect(ben.rep_email).toBe(USERS.ben.email);
    expect(num(ben.open_opportunity_count)).toBe(1);
    expect(num(ben.open_pipeline_amount)).toBe(250);
    expect(num(ben.partner_customer_pipeline_amount)).toBe(250);
    expect(num(ben.partner_customer_pipeline_share)).toBe(1);
    expect(rows).toHaveLength(2);
  });

  test('partners ranked by open pipeline on their customers', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.partner_open_pipeline`,
      'pipeline_rank',
    );
    expect(
      rows.map((row) => ({
        partner: row.partner_name,
        count: num(row.open_opportunity_count),
        amount: num(row.open_pipeline_amount),
        rank: num(row.pipeline_rank),
      })),
    ).toEqual([
      // o2 (Northwind) + o9 (Fabrikam); Gamma's customer has none open.
      { partner: PARTNERS.alpha.name, count: 2, amount: 750, rank: 1 },
      { partner: PARTNERS.beta.name, count: 1, amount: 500, rank: 2 },
    ]);
  });

  test('open opportunities with their partner overlaps', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.open_opportunity_partners`,
      'opportunity_id, partner_id',
    );
    expect(
      rows.map((row) => [
        row.opportunity_name,
        row.account_name,
        row.rep_name,
        row.stage_name,
        num(row.amount),
        row.partner_name,
        row.partner_relationship,
        row.partner_population_names,
        row.partner_owner_name,
      ]),
    ).toEqual([
      [
        'Northwind renewal',
        'Northwind',
        'Ana Ruiz',
        'Negotiation',
        500,
        'Alpha Apps',
        'customer',
        'Customers',
        'Lee Chen',
      ],
      [
        'Northwind renewal',
        'Northwind',
        'Ana Ruiz',
        'Negotiation',
        500,
        'Beta Cloud',
        'customer',
        'Customers',
        'Mia Park',
      ],
      [
        'Northwind renewal',
        'Northwind',
        'Ana Ruiz',
        'Negotiation',
        500,
        'Gamma Data',
        'other',
        'Strategic',
        'Sam Roy',
      ],
      [
        'Contoso expansion',
        'Contoso',
        'Ana Ruiz',
        'Discovery',
        700,
        'Beta Cloud',
        'open_opportunity',
        'Open Opportunities',
        'Mia Park',
      ],
      [
        'Fabrikam upsell',
        'Fabrikam',
        'Ben Okafor',
        'Proposal',
        250,
        'Alpha Apps',
        'customer',
        'Customers',
        'Lee Chen',
      ],
    ]);
  });
});

describe('sales rep', () => {
  test('partner customer accounts without open opportunity', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.rep_partner_customer_accounts`,
      'account_name',
    );
    expect(
      rows.map((row) => [
        row.account_name,
        row.rep_name,
        row.partner_name,
        row.partner_relationship,
        row.partner_owner_name,
        row.partner_owner_email,
      ]),
    ).toEqual([
      [
        'Globex',
        'Ana Ruiz',
        'Alpha Apps',
        'customer',
        'Lee Chen',
        'lee@alpha.example',
      ],
      // Umbrella's only deal is closed.
      [
        'Umbrella',
        'Ben Okafor',
        'Gamma Data',
        'customer',
        'Zoe Lin',
        'zoe@gamma.example',
      ],
    ]);
  });
});

describe('product and customer success', () => {
  test('customer overlap count per partner', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.partner_customer_overlaps`,
      'partner_id',
    );
    expect(
      rows.map((row) => [
        row.partner_name,
        num(row.customer_overlap_count),
        num(row.shared_customer_count),
      ]),
    ).toEqual([
      // Northwind, Fabrikam, Globex: all Alpha customers too.
      ['Alpha Apps', 3, 3],
      // Northwind only: Contoso is our prospect.
      ['Beta Cloud', 1, 1],
      // Northwind (Gamma custom population) and Umbrella (Gamma customer).
      ['Gamma Data', 2, 1],
    ]);
  });

  test('partners sharing our largest and most engaged customers', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.partner_top_customers`,
      'partner_id',
    );
    // Five product accounts: top quarter by tier (ntile 4 of 5 gives the
    // first bucket two) is Northwind 90 and Umbrella 70; by PQL it is
    // Fabrikam 95 and Globex 80.
    expect(
      rows.map((row) => [
        row.partner_name,
        num(row.customer_overlap_count),
        num(row.top_tier_customer_count),
        num(row.top_pql_customer_count),
        num(row.tier_rank),
        num(row.pql_rank),
      ]),
    ).toEqual([
      ['Alpha Apps', 3, 1, 2, 2, 1],
      ['Beta Cloud', 2, 1, 0, 3, 3],
      ['Gamma Data', 2, 2, 0, 1, 2],
    ]);
    const alpha = rows[0]!;
    expect(num(alpha.avg_tier_score)).toBeCloseTo((90 + 50 + 30) / 3, 10);
    expect(num(alpha.avg_pql_score)).toBeCloseTo((40 + 95 + 80) / 3, 10);
    expect(num(rows[1]!.avg_tier_score)).toBeCloseTo((90 + 10) / 2, 10);
    expect(num(rows[2]!.avg_pql_score)).toBeCloseTo((40 + 60) / 2, 10);
  });

  test('partner customers without our integration', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.partner_integration_gaps`,
      'account_name, partner_id',
    );
    // Northwind uses the Alpha integration, Umbrella the Gamma one.
    expect(
      rows.map((row) => [
        row.account_name,
        row.partner_name,
        row.partner_owner_name,
      ]),
    ).toEqual([
      ['Fabrikam', 'Alpha Apps', 'Lee Chen'],
      ['Globex', 'Alpha Apps', 'Lee Chen'],
      ['Northwind', 'Beta Cloud', 'Mia Park'],
    ]);
    expect(rows.map((row) => num(row.tier_score))).toEqual([50, 30, 90]);
  });
});

describe('rep matchmaking', () => {
  test('pairs ranked by shared open pipeline', async () => {
    const rows = await selectAll(
      warehouse,
      `${DASHBOARDS}.rep_matchmaking`,
      'rep_name, pair_rank',
    );
    expect(
      rows.map((row) => [
        row.rep_name,
        row.partner_owner_name,
        row.partner_owner_key,
        num(row.shared_account_count),
        num(row.partner_customer_account_count),
        num(row.open_opportunity_count),
        num(row.open_pipeline_amount),
        num(row.pair_rank),
      ]),
    ).toEqual([
      // Mia: Northwind (o2 500) and Contoso (o8 700).
      ['Ana Ruiz', 'Mia Park', 'po-mia', 2, 1, 2, 1200, 1],
      // Lee: Northwind (o2 500) and Globex (none open).
      ['Ana Ruiz', 'Lee Chen', 'po-lee', 2, 2, 1, 500, 2],
      ['Ana Ruiz', 'Sam Roy', 'po-sam', 1, 0, 1, 500, 3],
      ['Ben Okafor', 'Lee Chen', 'po-lee', 1, 1, 1, 250, 1],
      // No Crossbeam owner id: keyed by email.
      ['Ben Okafor', 'Zoe Lin', 'zoe@gamma.example', 1, 1, 0, 0, 2],
    ]);
  });
});

test('close dates read as UTC days', async () => {
  const rows = await warehouse.query(
    `select close_date from ${MODELS}.deals where opportunity_id = '${OPPORTUNITIES.o7.ids.id18}'`,
  );
  expect(isoDay(rows[0]!.close_date)).toBe('2025-01-15');
});
