import { formatTable } from '../../lib/cli/table';

describe('formatTable', () => {
  test('aligns text left and numbers right', () => {
    const table = formatTable([
      { name: 'Acme', overlaps: 3 },
      { name: 'Blue Harbor', overlaps: 120 },
    ]);

    expect(table.split('\n')).toEqual([
      'name         overlaps',
      '-----------  --------',
      'Acme                3',
      'Blue Harbor       120',
    ]);
  });

  test('formats 250,000 rows', () => {
    const rows = Array.from({ length: 250_000 }, (_, index) => ({ n: index }));

    const lines = formatTable(rows).split('\n');

    expect(lines).toHaveLength(250_002);
    expect(lines.at(-1)).toBe('249999');
  });
});
