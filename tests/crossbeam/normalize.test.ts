import {
  normalizeItem,
  type NormalizeResult,
} from '../../lib/crossbeam/normalize';
import { toUtcTimestamp } from '../../lib/crossbeam/values';
import {
  STREAMS,
  STREAM_NAMES,
  type StreamName,
} from '../../lib/streams/catalog';

const lineage = {
  runId: '20261204T013301Z-3f9a',
  observedAt: '2026-12-04T01:33:01.000Z',
};

function accountRecord(overrides: Record<string, unknown> = {}) {
  return {
    crossbeam_record_id: '5f0c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    record_id: '0017Q00000AbCdEQAZ',
    record_type: 'account',
    record_name: 'Northwind Traders',
    record_website: 'northwind.example',
    source_id: 20001,
    owner: {
      owner_name: 'Ana Ruiz',
      owner_email: 'ana@ourco.example',
      owner_phone: null,
    },
    populations: [{ id: 301, name: 'Customers' }],
    crm_data: [
      { field_name: 'Account Name', field_value: 'Northwind Traders' },
      { field_name: 'account type', field_value: 'Customer' },
      { field_name: 'INDUSTRY', field_value: 'Logistics' },
      {
        field_name: 'Account Created At',
        field_value: '2022-03-01T10:00:00.000+02:00',
      },
      { field_name: 'Employees', field_value: 250 },
      { field_name: 'Is Strategic', field_value: true },
      { field_name: 'Region', field_value: null },
    ],
    updated_at: '2024-05-02T08:30:00.000+00:00',
    some_new_field: 'ignored',
    ...overrides,
  };
}

function overlap(overrides: Record<string, unknown> = {}) {
  return {
    crossbeam_record_id: '5f0c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    record_id: '0017Q00000AbCdEQAZ',
    record_name: 'Northwind Traders',
    record_website: 'northwind.example',
    record_email: null,
    populations: [{ id: 301, name: 'Customers' }],
    partner_id: 'c1d2e3f4-0000-4a4a-9b9b-123456789abc',
    partner_name: 'Blue Harbor Software',
    partner_logo_url: null,
    partner_crossbeam_record_id: '9e8d7c6b-5a49-4382-b1a0-fedcba987654',
    partner_record_type: 'account',
    partner_record_name: 'Northwind Traders Ltd',
    partner_record_website: 'northwind.example',
    partner_populations: [{ id: '7102', name: 'Customers' }],
    partner_owner: {
      owner_name: 'Lee Chen',
      owner_email: 'lee@blueharbor.example',
      owner_phone: null,
      crossbeam_owner_id: '0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8',
    },
    partner_source_data: [
      { field_name: 'Account Type', field_value: 'Customer' },
      { field_name: 'Industry', field_value: 'Logistics' },
    ],
    is_deleted: false,
    ...overrides,
  };
}

function signal(overrides: Record<string, unknown> = {}) {
  return {
    event_id: '4a5b6c7d-8e9f-4011-a233-445566778899',
    event_type: 'partner_deal_opened',
    triggered_at: '2025-09-12T14:00:00.000+00:00',
    record_type: 'account',
    record_id: '0017Q00000AbCdEQAZ',
    record_name: 'Northwind Traders',
    partner_id: 'c1d2e3f4-0000-4a4a-9b9b-123456789abc',
    partner_name: 'Blue Harbor Software',
    populations: [{ id: 301, name: 'Customers', segment: 'customers' }],
    partner_populations: [
      { id: 7104, name: 'Open Opportunities', segment: 'open_opportunities' },
    ],
    partner_data: {
      deal: {
        name: 'Fleet rollout',
        stage: 'Discovery',
        is_closed: false,
        is_won: false,
        open_date: '2025-09-12T00:00:00.000+00:00',
        close_date: null,
        amount: 125000.5,
      },
    },
    ...overrides,
  };
}

const SAMPLES: Record<StreamName, unknown> = {
  partners: {
    uuid: 'c1d2e3f4-0000-4a4a-9b9b-123456789abc',
    name: 'Blue Harbor Software',
    domain: 'blueharbor.example',
    tags: [
      { id: 11, label: 'Tech partner' },
      { id: '12', label: 'EMEA' },
    ],
  },
  partner_tags: { id: 11, label: 'Tech partner' },
  populations: {
    id: 301,
    name: 'Customers',
    population_type: 'companies',
    standard_type: 'customers',
    description: null,
  },
  partner_populations: {
    id: 7102,
    name: 'Customers',
    population_type: 'companies',
    standard_type: null,
    partner_id: 'c1d2e3f4-0000-4a4a-9b9b-123456789abc',
  },
  users: {
    id: 42,
    first_name: 'Ana',
    last_name: 'Ruiz',
    email: 'ana@ourco.example',
    role: 'admin',
  },
  accounts: accountRecord(),
  leads: {
    crossbeam_record_id: 'lead-1',
    record_id: '00Q7Q000001',
    record_type: 'lead',
    record_name: 'Dana Wu',
    record_email: 'dana@northwind.example',
    populations: [{ id: 305, name: 'Leads' }],
    crm_data: [{ field_name: 'Lead Source', field_value: 'Webinar' }],
    updated_at: '2024-05-02T08:30:00Z',
  },
  account_overlaps: overlap(),
  lead_overlaps: overlap({ partner_record_email: 'lee@northwind.example' }),
  account_signals: signal(),
  lead_signals: signal({ record_type: 'lead' }),
};

function rowsOf(result: NormalizeResult) {
  if (!result.ok) throw new Error(`rejected: ${result.reject.reason}`);
  return result.rows;
}

describe('normalizeItem', () => {
  test.each(STREAM_NAMES.map((name) => [name]))(
    '%s rows have exactly the catalog columns',
    (stream) => {
      const rows = rowsOf(normalizeItem(stream, SAMPLES[stream], lineage));

      for (const table of STREAMS[stream].tables) {
        const tableRows = rows[table.name];
        expect(tableRows).toBeDefined();
        expect(tableRows!.length).toBeGreaterThan(0);
        for (const row of tableRows!) {
          expect(Object.keys(row)).toEqual(
            table.columns.map((column) => column.name),
          );
          expect(row._run_id).toBe(lineage.runId);
          expect(row._observed_at).toBe(lineage.observedAt);
        }
      }
    },
  );

  test('pivots crm_data of accounts case-insensitively', () => {
    const rows = rowsOf(normalizeItem('accounts', accountRecord(), lineage));
    const [account] = rows.accounts!;

    expect(account).toMatchObject({
      crossbeam_record_id: '5f0c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6',
      master_id: '0017Q00000AbCdEQAZ',
      source_id: '20001',
      account_name: 'Northwind Traders',
      account_type: 'Customer',
      industry: 'Logistics',
      account_created_at: '2022-03-01T08:00:00.000Z',
      owner_account_executive_name: 'Ana Ruiz',
      owner_account_executive_email: 'ana@ourco.example',
      owner_account_executive_phone: null,
      updated_at: '2024-05-02T08:30:00.000Z',
    });
  });

  test('keeps every crm_data field as text', () => {
    const rows = rowsOf(normalizeItem('accounts', accountRecord(), lineage));
    const fields = Object.fromEntries(
      rows.account_crm_fields!.map((row) => [row.field_name, row.field_value]),
    );

    expect(fields).toEqual({
      'Account Name': 'Northwind Traders',
      'account type': 'Customer',
      INDUSTRY: 'Logistics',
      'Account Created At': '2022-03-01T10:00:00.000+02:00',
      Employees: '250',
      'Is Strategic': 'true',
      Region: null,
    });
  });

  test('writes record populations with integer ids', () => {
    const rows = rowsOf(normalizeItem('accounts', accountRecord(), lineage));

    expect(rows.account_populations).toEqual([
      expect.objectContaining({
        population_id: 301,
        population_name: 'Customers',
      }),
    ]);
  });

  test('sets overlap scope, owner and both population sides', () => {
    const rows = rowsOf(
      normalizeItem('lead_overlaps', SAMPLES.lead_overlaps, lineage),
    );
    const [main] = rows.overlaps!;

    expect(main).toMatchObject({
      overlap_type: 'lead',
      partner_owner_id: '0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8',
      partner_owner_name: 'Lee Chen',
      partner_record_email: 'lee@northwind.example',
      is_deleted: false,
    });
    expect(
      rows.overlap_populations!.map((row) => [
        row.overlap_type,
        row.side,
        row.population_id,
      ]),
    ).toEqual([
      ['lead', 'own', 301],
      ['lead', 'partner', 7102],
    ]);
    expect(rows.overlap_partner_fields!.map((row) => row.field_name)).toEqual([
      'Account Type',
      'Industry',
    ]);
  });

  test('keeps deleted overlaps with is_deleted true', () => {
    const rows = rowsOf(
      normalizeItem('account_overlaps', overlap({ is_deleted: true }), lineage),
    );

    expect(rows.overlaps![0]!.is_deleted).toBe(true);
    expect(rows.overlaps![0]!.overlap_type).toBe('account');
  });

  test('reads signal deal fields from partner_data.deal', () => {
    const rows = rowsOf(normalizeItem('account_signals', signal(), lineage));

    expect(rows.signals![0]).toMatchObject({
      signal_type: 'account',
      event_type: 'partner_deal_opened',
      triggered_at: '2025-09-12T14:00:00.000Z',
      deal_name: 'Fleet rollout',
      deal_stage: 'Discovery',
      deal_is_closed: false,
      deal_is_won: false,
      deal_open_date: '2025-09-12T00:00:00.000Z',
      deal_close_date: null,
      deal_amount: '125000.5',
    });
    expect(
      rows.signal_populations!.map((row) => [row.side, row.segment]),
    ).toEqual([
      ['own', 'customers'],
      ['partner', 'open_opportunities'],
    ]);
  });

  test('writes partner tags from tags[]', () => {
    const rows = rowsOf(normalizeItem('partners', SAMPLES.partners, lineage));

    expect(
      rows.partner_tags!.map((row) => [row.partner_id, row.tag_id]),
    ).toEqual([
      ['c1d2e3f4-0000-4a4a-9b9b-123456789abc', '11'],
      ['c1d2e3f4-0000-4a4a-9b9b-123456789abc', '12'],
    ]);
  });

  test('marks own users as not partner users', () => {
    const rows = rowsOf(normalizeItem('users', SAMPLES.users, lineage));

    expect(rows.users![0]).toMatchObject({
      user_id: '42',
      user_name: 'Ana Ruiz',
      is_partner_user: false,
      partner_id: null,
    });
  });

  test('strips NUL bytes from text', () => {
    const rows = rowsOf(
      normalizeItem(
        'accounts',
        accountRecord({ record_name: 'North\u0000wind' }),
        lineage,
      ),
    );

    expect(rows.accounts![0]!.record_name).toBe('Northwind');
  });

  test('keeps population ids past 2^53 as strings', () => {
    const rows = rowsOf(
      normalizeItem(
        'populations',
        { id: '9007199254740993', name: 'Huge' },
        lineage,
      ),
    );

    expect(rows.populations![0]!.population_id).toBe('9007199254740993');
  });

  test('rejects a population id that is not an integer', () => {
    const result = normalizeItem(
      'populations',
      { id: 3.5, name: 'Half' },
      lineage,
    );

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.reason).toContain('id');
    expect(result.reject.record_id).toBe('3.5');
  });

  test('rejects an unparseable timestamp naming the field', () => {
    const result = normalizeItem(
      'accounts',
      accountRecord({ updated_at: 'yesterday' }),
      lineage,
    );

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.reason).toContain('updated_at');
    expect(result.reject.record_id).toBe(
      '5f0c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    );
    expect(result.reject.item).toEqual(
      accountRecord({ updated_at: 'yesterday' }),
    );
  });

  test('rejects a pivoted CRM timestamp naming the column', () => {
    const item = accountRecord({
      crm_data: [
        { field_name: 'Account Created At', field_value: '2022-02-30' },
      ],
    });

    const result = normalizeItem('accounts', item, lineage);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.reason).toContain('account_created_at');
  });

  test('rejects an item missing its key with the path', () => {
    const { crossbeam_record_id: _id, ...item } = overlap();

    const result = normalizeItem('account_overlaps', item, lineage);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.reason).toContain('crossbeam_record_id');
    expect(result.reject.record_id).toBe('0017Q00000AbCdEQAZ');
  });

  test('rejects a non-object item', () => {
    const result = normalizeItem('partners', 'not an item', lineage);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.record_id).toBeNull();
  });
});

describe('toUtcTimestamp', () => {
  test.each([
    ['2024-05-02T08:30:00.000+00:00', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02T08:30:00-05:00', '2024-05-02T13:30:00.000Z'],
    ['2024-05-02T08:30:00.123456Z', '2024-05-02T08:30:00.123Z'],
    ['2024-05-02T08:30:00+0530', '2024-05-02T03:00:00.000Z'],
    ['2024-05-02 08:30', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02', '2024-05-02T00:00:00.000Z'],
    ['2024-05-02T08:30:00Z', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02T08:30:00.120Z', '2024-05-02T08:30:00.120Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
  ])('converts %s', (input, expected) => {
    expect(toUtcTimestamp(input, 'updated_at')).toBe(expected);
  });

  test.each([
    ['2024-13-01'],
    ['2024-02-30T00:00:00Z'],
    ['05/02/2024'],
    ['2024-05-02T25:00:00Z'],
    ['2023-02-29T00:00:00.000Z'],
    ['2024-05-02T24:00:00Z'],
    ['2024-05-02T08:60:00Z'],
  ])('rejects %s', (input) => {
    expect(() => toUtcTimestamp(input, 'updated_at')).toThrow(/updated_at/);
  });
});

describe('numeric ids past 2^53', () => {
  it('rejects a partner whose numeric uuid lost digits', () => {
    const item = JSON.parse('{"uuid": 12345678901234567891, "name": "Big"}');

    const result = normalizeItem('partners', item, lineage);

    expect('reject' in result).toBe(true);
    expect(JSON.stringify(result)).toContain('2^53');
  });
});
