import {
  configuredSources,
  parseSourcesConfig,
  renderSourceVars,
  resolveCrmColumns,
} from '../../lib/sources/config';
import {
  salesforceId18,
  salesforceId18Sql,
} from '../../lib/sources/salesforce-id';
import { ConfigurationError } from '../../lib/errors';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';

function errorOf(input: unknown): ConfigurationError {
  try {
    parseSourcesConfig(input);
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('parseSourcesConfig', () => {
  test('fills in defaults', () => {
    const config = parseSourcesConfig({
      crm: { preset: 'fivetran', schema: 'salesforce' },
    });
    expect(config.crm?.tables).toEqual({
      account: 'account',
      opportunity: 'opportunity',
      user: 'user',
    });
    expect(config.crm?.id_format).toBe('salesforce');
    expect(config.attribution).toEqual({
      lookback_days: 180,
      half_life_days: 7,
    });
    expect(config.basis).toBe('now');
    expect(config.marketing).toBeUndefined();
  });

  test('accepts an empty configuration', () => {
    expect(configuredSources(parseSourcesConfig(undefined))).toEqual(new Set());
  });

  test('rejects an unsafe name and names the setting', () => {
    const error = errorOf({
      crm: { preset: 'fivetran', schema: 'Sales Force' },
      marketing: { schema: 'marketing', table: 'events; drop table x' },
    });
    expect(error.message).toContain('sources.crm.schema');
    expect(error.message).toContain('"Sales Force"');
    expect(error.message).toContain('sources.marketing.table');
    expect(error.message).toContain('lower-case SQL name');
  });

  test('rejects an upper-case column override', () => {
    const error = errorOf({
      crm: {
        preset: 'stitch',
        schema: 'sf',
        columns: { opportunity: { amount: 'Amount__c' } },
      },
    });
    expect(error.message).toContain('sources.crm.columns.opportunity.amount');
    expect(error.message).toContain('"Amount__c"');
  });

  test('rejects an unknown logical column', () => {
    const error = errorOf({
      crm: {
        preset: 'stitch',
        schema: 'sf',
        columns: { account: { revenue: 'annualrevenue' } },
      },
    });
    expect(error.message).toContain('sources.crm.columns.account');
  });

  test('custom preset lists every missing column', () => {
    const error = errorOf({
      crm: {
        preset: 'custom',
        schema: 'crm',
        columns: { user: { id: 'user_id', name: 'full_name' } },
      },
    });
    expect(error.message).toContain(
      'sources.crm.columns.account: is missing id, name',
    );
    expect(error.message).toContain(
      'sources.crm.columns.user: is missing email',
    );
  });

  test('rejects a lookback that is not a whole day count', () => {
    const error = errorOf({ attribution: { lookback_days: 0.5 } });
    expect(error.message).toContain('sources.attribution.lookback_days');
  });

  test('rejects an unknown basis', () => {
    const error = errorOf({ basis: 'yesterday' });
    expect(error.message).toContain('sources.basis');
    expect(error.message).toContain('(received "yesterday")');
  });

  test('shows a received number', () => {
    const error = errorOf({
      attribution: { lookback_days: 0.5, half_life_days: 0 },
    });
    expect(error.message).toContain(
      'sources.attribution.lookback_days: must be a whole number of days (received 0.5)',
    );
    expect(error.message).toContain(
      'sources.attribution.half_life_days: must be more than 0 days (received 0)',
    );
  });

  test('names the closest setting for a misspelling', () => {
    const error = errorOf({
      markting: {},
      crm: { preset: 'stitch', schema: 'sf', tabels: {} },
      attribution: { halflife_days: 3 },
    });
    expect(error.message).toContain(
      'sources.markting: unknown setting. Did you mean sources.marketing?',
    );
    expect(error.message).toContain(
      'sources.crm.tabels: unknown setting. Did you mean sources.crm.tables?',
    );
    expect(error.message).toContain(
      'sources.attribution.halflife_days: unknown setting. Did you mean sources.attribution.half_life_days?',
    );
  });

  test('lists the logical columns for an unknown one', () => {
    const error = errorOf({
      crm: {
        preset: 'stitch',
        schema: 'sf',
        columns: { user: { phone: 'mobile' } },
      },
    });
    expect(error.message).toContain(
      'sources.crm.columns.user.phone: unknown setting. Use one of id, name, email.',
    );
  });
});

describe('resolveCrmColumns', () => {
  test('stitch uses raw salesforce names', () => {
    const columns = resolveCrmColumns(
      parseSourcesConfig({ crm: { preset: 'stitch', schema: 'sf' } }).crm!,
    );
    expect(columns.opportunity.account_id).toBe('accountid');
    expect(columns.opportunity.is_won).toBe('iswon');
    expect(columns.account.created_date).toBe('createddate');
  });

  test('overrides replace one preset column', () => {
    const columns = resolveCrmColumns(
      parseSourcesConfig({
        crm: {
          preset: 'fivetran',
          schema: 'sf',
          columns: { opportunity: { amount: 'amount_usd' } },
        },
      }).crm!,
    );
    expect(columns.opportunity.amount).toBe('amount_usd');
    expect(columns.opportunity.stage_name).toBe('stage_name');
  });
});

describe('renderSourceVars', () => {
  const config = parseSourcesConfig({
    crm: { preset: 'fivetran', schema: 'salesforce' },
    marketing: {
      schema: 'mkt',
      table: 'touches',
      columns: { timestamp: 'ts' },
    },
    attribution: { lookback_days: 90, half_life_days: 3.5 },
    basis: 'at_close',
  });
  const vars = renderSourceVars(config);

  test('quotes tables, including reserved words', () => {
    expect(vars.crm_user).toBe('"salesforce"."user"');
    expect(vars.marketing_events).toBe('"mkt"."touches"');
    expect(vars.marketing_events__timestamp).toBe('"ts"');
  });

  test('normalizes id columns only', () => {
    expect(vars.crm_opportunity__account_id).toBe(
      salesforceId18Sql('"account_id"'),
    );
    expect(vars.crm_opportunity__amount).toBe('"amount"');
  });

  test('leaves out sections that are not configured', () => {
    expect(vars.product_usage).toBeUndefined();
    expect(configuredSources(config)).toEqual(new Set(['crm', 'marketing']));
  });

  test('carries attribution settings and basis', () => {
    expect(vars.attribution_lookback_days).toBe('90');
    expect(vars.attribution_half_life_days).toBe('3.5');
    expect(vars.partner_status_basis).toBe("'at_close'");
  });

  test('opaque ids are compared as they are', () => {
    const opaque = renderSourceVars(
      parseSourcesConfig({
        crm: { preset: 'fivetran', schema: 'crm', id_format: 'opaque' },
      }),
    );
    expect(opaque.crm_account__id).toBe('"id"');
    expect(opaque.crossbeam__record_id).toBe('"record_id"');
  });
});

describe('salesforce ids', () => {
  test('extends a 15-character id with its checksum', () => {
    // 001A0 -> A at position 4 -> bit 3 -> 8 -> I; 00000 -> 0 -> A;
    // 6Vm9r -> V at position 2 -> bit 1 -> 2 -> C.
    expect(salesforceId18('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
    // All upper case: every chunk is 31 -> 5.
    expect(salesforceId18('ABCDEFGHIJKLMNO')).toBe('ABCDEFGHIJKLMNO555');
  });

  test('leaves other lengths alone', () => {
    expect(salesforceId18('001A0000006Vm9rIAC')).toBe('001A0000006Vm9rIAC');
    expect(salesforceId18('12345')).toBe('12345');
  });

  test('SQL expression matches by hand on PGlite', async () => {
    const warehouse = await PgliteWarehouse.open('pglite:memory:');
    try {
      const cases: [string | null, string | null][] = [
        ['001A0000006Vm9r', '001A0000006Vm9rIAC'],
        ['ABCDEFGHIJKLMNO', 'ABCDEFGHIJKLMNO555'],
        ['abcdefghijklmno', 'abcdefghijklmnoAAA'],
        ['001A0000006Vm9rIAC', '001A0000006Vm9rIAC'],
        ['12345', '12345'],
        [null, null],
      ];
      for (const [input, expected] of cases) {
        const literal = input === null ? 'cast(null as text)' : `'${input}'`;
        const rows = await warehouse.query(
          `select ${salesforceId18Sql('id')} as id18 from (select ${literal} as id) as ids`,
        );
        expect({ input, id18: rows[0]!.id18 }).toEqual({
          input,
          id18: expected,
        });
      }
    } finally {
      await warehouse.close();
    }
  });
});
