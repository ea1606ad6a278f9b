import { WarehouseError } from '../../lib/errors';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import { copyRawPart, copyRoundTrip, LONG_TEXT_LENGTH } from './copy-cases';

let warehouse: PgliteWarehouse;

beforeAll(async () => {
  warehouse = await PgliteWarehouse.open('pglite:memory:');
});

afterAll(async () => {
  await warehouse.close();
});

describe('PgliteWarehouse.copyFromLanding', () => {
  it('round-trips special characters, types and long text', async () => {
    const { copied, rows, expected } = await copyRoundTrip(
      warehouse,
      'copy_test',
    );
    expect(copied).toBe(expected.length);
    const byName = new Map(rows.map((row) => [row.case_name, row]));
    for (const row of expected) {
      expect(byName.get(row.case_name)).toEqual(row);
    }
    const long = byName.get('long');
    expect((long?.text_value as string).length).toBe(LONG_TEXT_LENGTH);
  });

  it('names the part and line of invalid JSON', async () => {
    await expect(
      copyRawPart(
        warehouse,
        'copy_test',
        '{"case_name":"ok"}\n{"case_name": broken}\n',
      ),
    ).rejects.toThrow(
      /Invalid JSON at raw\/run\/raw_cases\/part-00000\.ndjson\.gz line 2/,
    );
  });

  it('rejects a nested value', async () => {
    await expect(
      copyRawPart(
        warehouse,
        'copy_test',
        '{"case_name":"nested","text_value":{"a":1}}\n',
      ),
    ).rejects.toThrow(/column text_value contains an object/);
  });

  it('rejects a NUL character', async () => {
    await expect(
      copyRawPart(
        warehouse,
        'copy_test',
        '{"case_name":"nul","text_value":"a\\u0000b"}\n',
      ),
    ).rejects.toThrow(/contains a NUL character/);
  });
});

describe('PgliteWarehouse.executeBatch', () => {
  beforeAll(async () => {
    await warehouse.query('create table batch_test (id integer primary key)');
  });

  it('commits every statement', async () => {
    await warehouse.executeBatch([
      'insert into batch_test values (1)',
      'insert into batch_test values (2)',
    ]);
    expect(
      await warehouse.query('select id from batch_test order by id'),
    ).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('rolls back and names the failing statement', async () => {
    const failure = warehouse.executeBatch([
      'insert into batch_test values (3)',
      'insert into batch_test values (1)',
    ]);
    await expect(failure).rejects.toThrow(WarehouseError);
    await expect(failure).rejects.toThrow(
      /Statement 2 of 2 in a transaction failed on pglite:memory:: duplicate key value/,
    );
    const error = await failure.catch((caught: unknown) => caught);
    expect((error as WarehouseError).cause).toMatchObject({ code: '23505' });
    expect(
      await warehouse.query('select id from batch_test order by id'),
    ).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('returns int8 as a number only when exact', async () => {
    expect(
      await warehouse.query(
        'select count(*) as total, 9007199254740993::bigint as big',
      ),
    ).toEqual([{ total: 1, big: '9007199254740993' }]);
  });
});
