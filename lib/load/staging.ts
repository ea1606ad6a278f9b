import { createHash } from 'node:crypto';
import { columnTypeSql } from '../sql/render';
import type { LandedTableSpec } from '../streams/catalog';
import type { Dialect } from '../warehouse/warehouse';

/**
 * Column that numbers staging rows in the order COPY read them, so that
 * de-duplication keeps the last copy of a key. PostgreSQL fills an identity
 * column in input order. NOTE: Redshift documents IDENTITY values as unique
 * but not ordered under a parallel COPY, so there a duplicate key within one
 * run keeps an arbitrary one of its copies (all carry the same observed_at).
 */
export const ROW_NUMBER_COLUMN = '_row_number';

const MAX_IDENTIFIER_LENGTH = 127;

/**
 * Returns the staging table name for one landed table of one run:
 * `<table>__<stream>__<run id>`, lower-cased, with characters other than
 * letters, digits and underscores replaced by `_`. The stream is part of
 * the name because two streams (account and lead overlaps) land the same
 * tables, possibly with the same run id. Names longer than PostgreSQL's
 * limit are cut and end with a hash of the full name, so they stay unique.
 */
export function stagingTableName(
  table: string,
  stream: string,
  runId: string,
): string {
  const sanitize = (value: string): string =>
    value.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const name = `${sanitize(table)}__${sanitize(stream)}__${sanitize(runId)}`;
  if (name.length <= MAX_IDENTIFIER_LENGTH) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, MAX_IDENTIFIER_LENGTH - hash.length - 1)}_${hash}`;
}

/** Returns the DDL that creates an empty staging table for `table`. */
export function createStagingTableSql(
  qualifiedName: string,
  table: LandedTableSpec,
  dialect: Dialect,
): string {
  const rowNumber =
    dialect === 'redshift'
      ? `${ROW_NUMBER_COLUMN} bigint identity(1, 1)`
      : `${ROW_NUMBER_COLUMN} bigint generated always as identity`;
  const columns = table.columns.map(
    (column) => `${column.name} ${columnTypeSql(column.type, dialect)}`,
  );
  return `create table ${qualifiedName} (${[rowNumber, ...columns].join(', ')})`;
}
