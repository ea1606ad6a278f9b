import { normalizeItem, serializeItem } from '../../lib/crossbeam/normalize';
import {
  buildRow,
  InvalidValueError,
  MAX_TEXT_BYTES,
  serializeRow,
  toUtcTimestamp,
} from '../../lib/crossbeam/values';
import { fitRowText } from '../../lib/extract/text-limit';
import {
  STREAMS,
  type ColumnSpec,
  type LandedTableSpec,
} from '../../lib/streams/catalog';

const lineage = {
  runId: '20261204T013301Z-3f9a',
  observedAt: '2026-12-04T01:33:01.000Z',
};

/** A table with one column of each type, a scope and the lineage columns. */
const everyType: LandedTableSpec = {
  name: 'every_type',
  key: ['id'],
  scope: { column: 'kind', value: 'test' },
  columns: [
    { name: 'id', type: 'text' },
    { name: 'kind', type: 'text' },
    { name: 'note', type: 'text' },
    { name: 'count', type: 'integer' },
    { name: 'big', type: 'bigint' },
    { name: 'flag', type: 'boolean' },
    { name: 'amount', type: 'numeric' },
    { name: 'at', type: 'timestamptz' },
    { name: 'day', type: 'date' },
    { name: '_run_id', type: 'text' },
    { name: '_observed_at', type: 'timestamptz' },
  ],
};

const tableByName = new Map<string, LandedTableSpec>();
for (const stream of Object.values(STREAMS)) {
  for (const table of stream.tables) tableByName.set(table.name, table);
}

/** Returns the reference line: the row from `buildRow` as JSON. */
function builtLine(
  table: LandedTableSpec,
  values: Record<string, unknown>,
): string {
  return JSON.stringify(buildRow(table, values, lineage));
}

describe('serializeRow', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['nothing set', {}],
    ['nulls', { id: null, note: null, count: null, flag: null, at: null }],
    ['NUL characters', { id: 'a\u0000b', note: '\u0000\u0000' }],
    ['a lone high surrogate', { note: 'before \uD83D after' }],
    ['a lone low surrogate', { note: '\uDE00 first' }],
    ['a surrogate pair', { note: 'smile \uD83D\uDE00 ok' }],
    ['unicode text', { note: 'Zürich 東京 مرحبا \u2028 \u2029' }],
    ['quotes and control characters', { note: 'say "hi"\\\n\t\r\b\f\u0001' }],
    ['an empty string', { note: '', count: '', flag: '', at: '' }],
    ['a number as text', { id: 42, note: 1.5 }],
    ['a boolean as text', { note: false }],
    ['an object as text', { note: { nested: ['a', 1, null] } }],
    ['integers', { count: -17, big: '42' }],
    ['a bigint past 2^53 as a string', { big: '9007199254740993' }],
    ['a negative bigint past 2^53', { big: ' -123456789012345678901 ' }],
    ['booleans', { flag: true }],
    ['booleans as strings', { flag: 'false' }],
    ['numerics', { amount: 12.5 }],
    ['numerics as strings', { amount: ' 1e-7 ' }],
    ['a timestamp with +00:00', { at: '2024-05-02T08:30:00.000+00:00' }],
    ['a timestamp with Z', { at: '2024-05-02T08:30:00Z' }],
    ['a timestamp with an offset', { at: '2024-05-02T08:30:00+05:30' }],
    ['a date', { day: '2024-02-29T23:59:59.999+00:00' }],
    ['text just under the limit', { note: 'x'.repeat(MAX_TEXT_BYTES) }],
  ];

  test.each(cases)('matches the built row for %s', (_name, values) => {
    expect(serializeRow(everyType, values, lineage)).toBe(
      builtLine(everyType, values),
    );
  });

  test('returns null for text past the byte limit', () => {
    const long = 'é'.repeat(MAX_TEXT_BYTES);
    expect(serializeRow(everyType, { note: long }, lineage)).toBeNull();
  });

  test('returns null for multi-byte text just past the limit', () => {
    // 21,845 three-byte characters are 65,535 bytes, so one more is over.
    const fits = '€'.repeat(21_845);
    expect(serializeRow(everyType, { note: fits }, lineage)).toBe(
      builtLine(everyType, { note: fits }),
    );
    expect(serializeRow(everyType, { note: `${fits}a` }, lineage)).toBeNull();
  });

  test('raises InvalidValueError as buildRow does', () => {
    const bad = { at: '2024-02-30T00:00:00Z' };
    expect(() => buildRow(everyType, bad, lineage)).toThrow(InvalidValueError);
    expect(() => serializeRow(everyType, bad, lineage)).toThrow(
      'invalid timestamp in at: the date or time does not exist',
    );
    expect(() => serializeRow(everyType, { count: 2 ** 60 }, lineage)).toThrow(
      InvalidValueError,
    );
  });

  test('rejects a column the table does not have', () => {
    expect(() =>
      serializeRow(everyType, { id: 'a', extra: 1 }, lineage),
    ).toThrow(
      'Normalizer set column extra, which table every_type does not have.',
    );
  });

  test('writes exactly the catalog columns of every table', () => {
    for (const table of tableByName.values()) {
      const line = serializeRow(table, {}, lineage);
      expect(line).not.toBeNull();
      const row = JSON.parse(line!) as Record<string, unknown>;
      expect(Object.keys(row)).toEqual(
        table.columns.map((column: ColumnSpec) => column.name),
      );
      expect(row._run_id).toBe(lineage.runId);
      expect(row._observed_at).toBe(lineage.observedAt);
      if (table.scope) {
        expect(row[table.scope.column]).toBe(
          buildRow(table, {}, lineage)[table.scope.column],
        );
      }
    }
  });

  test('rejects a table with an upper-case column', () => {
    const upper: LandedTableSpec = {
      name: 'upper',
      key: ['Id'],
      columns: [{ name: 'Id', type: 'text' }],
    };
    expect(() => serializeRow(upper, {}, lineage)).toThrow(
      'Table upper has column Id, which is not lower case',
    );
  });

  test('serializes the lineage of each run', () => {
    const other = {
      runId: 'other-run',
      observedAt: '2027-01-01T00:00:00.000Z',
    };
    const first = JSON.parse(serializeRow(everyType, {}, lineage)!);
    const second = JSON.parse(serializeRow(everyType, {}, other)!);
    expect(first._run_id).toBe(lineage.runId);
    expect(second._run_id).toBe('other-run');
    expect(second._observed_at).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('toUtcTimestamp', () => {
  const valid: [string, string][] = [
    ['2024-05-02T08:30:00.000+00:00', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02T08:30:00+00:00', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02T08:30:00.123Z', '2024-05-02T08:30:00.123Z'],
    ['2024-05-02T08:30:00Z', '2024-05-02T08:30:00.000Z'],
    ['2024-02-29T00:00:00.000+00:00', '2024-02-29T00:00:00.000Z'],
    ['2000-02-29T23:59:59.999+00:00', '2000-02-29T23:59:59.999Z'],
    ['1999-12-31T23:59:59Z', '1999-12-31T23:59:59.000Z'],
    ['2024-05-02T08:30:00.000-00:00', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02T10:30:00.000+02:00', '2024-05-02T08:30:00.000Z'],
    ['2024-05-02', '2024-05-02T00:00:00.000Z'],
    ['0999-01-01T00:00:00Z', '0999-01-01T00:00:00.000Z'],
  ];

  test.each(valid)('converts %s', (input, expected) => {
    expect(toUtcTimestamp(input, 'at')).toBe(expected);
  });

  const impossible = [
    '2023-02-29T00:00:00.000+00:00',
    '1900-02-29T00:00:00.000+00:00',
    '2024-04-31T00:00:00.000+00:00',
    '2024-13-01T00:00:00.000+00:00',
    '2024-00-10T00:00:00.000+00:00',
    '2024-01-00T00:00:00.000+00:00',
    '2024-01-01T24:00:00.000+00:00',
    '2024-01-01T23:60:00.000+00:00',
    '2024-01-01T23:59:60.000+00:00',
    '2024-02-30T00:00:00Z',
  ];

  test.each(impossible)('rejects %s', (input) => {
    expect(() => toUtcTimestamp(input, 'at')).toThrow(InvalidValueError);
  });

  test('fast path agrees with the general parser', () => {
    // `+0000` always takes the general parser, and `+00:00` and `Z` take
    // the fast path where they can, so all three must agree.
    const outcome = (input: string): string => {
      try {
        return toUtcTimestamp(input, 'at');
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    let checked = 0;
    for (const year of ['0050', '0999', '1900', '1970', '2000', '2024']) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 28, 29, 30, 31, 32]) {
          for (const time of ['00:00:00', '23:59:59.999', '24:00:00']) {
            const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${time}`;
            const general = outcome(`${date}+0000`);
            expect([date, outcome(`${date}+00:00`)]).toEqual([date, general]);
            if (!general.startsWith('error') && !year.startsWith('0')) {
              expect([date, outcome(`${date}Z`)]).toEqual([date, general]);
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(6 * 14 * 7 * 3);
  });
});

function overlapItem(overrides: Record<string, unknown> = {}) {
  return {
    crossbeam_record_id: '5f0c3e0a-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    record_id: 1234,
    record_name: 'Northwind \u0000Traders \uD800',
    record_website: 'northwind.example',
    record_email: null,
    populations: [
      { id: 301, name: 'Customers' },
      { id: 302, name: 'Prospects' },
      { id: 301, name: 'Customers again' },
    ],
    partner_id: 'c1d2e3f4-0000-4a4a-9b9b-123456789abc',
    partner_name: 'Blue Harbor Software',
    partner_logo_url: null,
    partner_crossbeam_record_id: '9e8d7c6b-5a49-4382-b1a0-fedcba987654',
    partner_record_type: 'account',
    partner_record_name: 'Northwind Traders Ltd',
    partner_record_website: 'northwind.example',
    partner_populations: [{ id: '9007199254740993', name: 'Huge id' }],
    partner_owner: {
      owner_name: 'Lee Chen',
      owner_email: 'lee@blueharbor.example',
      owner_phone: null,
      crossbeam_owner_id: '0b1c2d3e-4f50-4a61-8b72-93a4b5c6d7e8',
    },
    partner_source_data: [
      { field_name: 'Account Type', field_value: 'Customer' },
      { field_name: 'Industry', field_value: 'Logistics' },
      { field_name: 'Account Type', field_value: 'Partner' },
      { field_name: 'Employees', field_value: 250 },
      { field_name: 'Is Strategic', field_value: true },
      { field_name: 'Tags', field_value: ['a', 'b'] },
    ],
    created_at: '2024-05-02T08:30:00.000+00:00',
    updated_at: '2024-06-02T08:30:00.000+02:00',
    is_deleted: false,
    ...overrides,
  };
}

/** Lines as the extract wrote them from `normalizeItem` and `fitRowText`. */
function linesFromRows(item: unknown) {
  const result = normalizeItem('account_overlaps', item, lineage);
  if (!result.ok) return result;
  const notes: string[] = [];
  const lines = STREAMS.account_overlaps.tables.map((table) =>
    result.rows[table.name]!.map((row) => {
      notes.push(...fitRowText(row, table));
      return JSON.stringify(row);
    }),
  );
  return { ok: true, lines, notes };
}

describe('serializeItem', () => {
  test('gives the lines of the built rows', () => {
    const item = overlapItem();
    const result = serializeItem('account_overlaps', item, lineage);
    expect(result).toEqual(linesFromRows(item));
    expect(result.ok && result.lines.map((lines) => lines.length)).toEqual([
      1, 3, 5,
    ]);
  });

  test('cuts long text with the same note', () => {
    const long = `${'ü'.repeat(40_000)}tail`;
    const item = overlapItem({
      record_name: long,
      partner_source_data: [{ field_name: 'Notes', field_value: long }],
    });
    const result = serializeItem('account_overlaps', item, lineage);
    expect(result).toEqual(linesFromRows(item));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.notes).toHaveLength(2);
      const row = JSON.parse(result.lines[0]![0]!) as { record_name: string };
      expect(Buffer.byteLength(row.record_name)).toBeLessThanOrEqual(
        MAX_TEXT_BYTES,
      );
    }
  });

  test('rejects an invalid item with the same reason', () => {
    for (const item of [
      overlapItem({ crossbeam_record_id: '' }),
      overlapItem({ updated_at: '2024-02-30T00:00:00Z' }),
      overlapItem({ partner_populations: [{ id: 2 ** 60 }] }),
      'not an object',
    ]) {
      const result = serializeItem('account_overlaps', item, lineage);
      expect(result.ok).toBe(false);
      expect(result).toEqual(normalizeItem('account_overlaps', item, lineage));
    }
  });
});
