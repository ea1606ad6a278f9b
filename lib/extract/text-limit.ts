import type { LandedRow } from '../crossbeam/values';
import { fitUtf8Bytes, MAX_TEXT_BYTES } from '../crossbeam/values';
import type { LandedTableSpec } from '../streams/catalog';

/**
 * Cuts every text value of `row` longer than `MAX_TEXT_BYTES` bytes of
 * UTF-8 to that size, in place, and returns one note per value cut, naming
 * the table, column, the row's key and the original size.
 */
export function fitRowText(row: LandedRow, table: LandedTableSpec): string[] {
  const notes: string[] = [];
  for (const column of table.columns) {
    const value = row[column.name];
    if (typeof value !== 'string') continue;
    const fitted = fitUtf8Bytes(value, MAX_TEXT_BYTES);
    if (fitted === value) continue;
    row[column.name] = fitted;
    const key = table.key
      .map((name) => `${name}=${JSON.stringify(row[name])}`)
      .join(', ');
    notes.push(
      `Truncated ${table.name}.${column.name} of the row with ${key} from ${Buffer.byteLength(value, 'utf8')} to ${Buffer.byteLength(fitted, 'utf8')} bytes, the largest text value a Redshift varchar(${MAX_TEXT_BYTES}) holds.`,
    );
  }
  return notes;
}
