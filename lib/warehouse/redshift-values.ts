import type { ColumnMetadata, Field } from '@aws-sdk/client-redshift-data';
import { WarehouseError } from '../errors';
import type { Row } from './warehouse';

/**
 * Converts one Data API field to a JS value: `isNull` to null, booleans,
 * doubles and strings as they are (so DECIMAL stays a string), `longValue`
 * to a number, and `blobValue` to a Buffer.
 *
 * The SDK parses `longValue` as a JS number, so an int8 beyond 2^53 arrives
 * already rounded. Such a value raises `WarehouseError` naming the column,
 * instead of returning a number that is silently wrong.
 */
export function fieldToValue(
  field: Field,
  column: ColumnMetadata | undefined,
): unknown {
  if (field.isNull === true) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.longValue !== undefined) {
    const value = field.longValue;
    if (!Number.isSafeInteger(value)) {
      const name = column?.name ?? '?';
      const type = column?.typeName ?? 'integer';
      throw new WarehouseError(
        `Column ${name} (${type}) returned ${value}, which is beyond 2^53 and cannot be read exactly through the Data API. Cast the column to varchar in the query to read it as a string.`,
      );
    }
    return value;
  }
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue);
  const kind = Object.keys(field).join(', ') || 'an empty field';
  throw new WarehouseError(
    `Column ${column?.name ?? '?'} returned a Data API field of an unknown kind (${kind}); update @aws-sdk/client-redshift-data.`,
  );
}

/** Converts one page of Data API records to rows keyed by column name. */
export function recordsToRows(
  records: readonly (readonly Field[])[],
  columns: readonly ColumnMetadata[],
): Row[] {
  const names = columns.map(
    (column, index) => column.name ?? `?column${index}`,
  );
  return records.map((record) => {
    if (record.length !== names.length) {
      throw new WarehouseError(
        `A Data API record has ${record.length} fields but the result has ${names.length} columns (${names.join(', ')}).`,
      );
    }
    const row: Row = {};
    record.forEach((field, index) => {
      row[names[index]!] = fieldToValue(field, columns[index]);
    });
    return row;
  });
}
