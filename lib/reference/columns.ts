import { assertIdentifier, quoteLiteral } from '../sql/render';
import type { Warehouse } from '../warehouse/warehouse';

/** One column of a table or view, as the warehouse catalog describes it. */
export interface WarehouseColumn {
  readonly schema: string;
  readonly table: string;
  readonly name: string;
  /** The catalog's type name, for example `character varying` or `bigint`. */
  readonly dataType: string;
  readonly position: number;
}

/** The family of a column type, which decides how values are shown. */
export type ColumnKind = 'string' | 'number' | 'boolean' | 'timestamp' | 'date';

/** Maps a catalog type name (PostgreSQL or Redshift spelling) to its kind. */
export function columnKind(dataType: string): ColumnKind {
  const type = dataType.toLowerCase().trim();
  if (
    /^(smallint|integer|bigint|int[248]?|numeric|decimal|real|double precision|float[48]?)\b/.test(
      type,
    )
  ) {
    return 'number';
  }
  if (/^bool(ean)?\b/.test(type)) return 'boolean';
  if (/^timestamp/.test(type)) return 'timestamp';
  if (/^date\b/.test(type)) return 'date';
  return 'string';
}

function catalogSql(warehouse: Warehouse, schemas: readonly string[]): string {
  const list = schemas
    .map((schema) => quoteLiteral(assertIdentifier(schema, 'schema name')))
    .join(', ');
  const standard = `select table_schema, table_name, column_name, data_type, ordinal_position
from information_schema.columns
where table_schema in (${list})`;
  if (warehouse.dialect !== 'redshift') return standard;
  // Redshift leaves the columns of late-binding views (created "with no
  // schema binding", as every model view is there) out of
  // information_schema.columns; pg_get_late_binding_view_cols lists them.
  // NOTE: this branch has not been run against a live Redshift.
  return `${standard}
union all
select view_schema, view_name, col_name, col_type, col_num
from pg_get_late_binding_view_cols()
    cols(view_schema name, view_name name, col_name name, col_type varchar, col_num int)
where view_schema in (${list})`;
}

/**
 * Reads the columns of every table and view in `schemas` from the
 * warehouse catalog. Returns a map from `schema.table` to its columns in
 * ordinal order; a table or view that does not exist is absent.
 */
export async function readWarehouseColumns(
  warehouse: Warehouse,
  schemas: readonly string[],
): Promise<Map<string, WarehouseColumn[]>> {
  const rows = await warehouse.query(catalogSql(warehouse, schemas));
  const byTable = new Map<string, WarehouseColumn[]>();
  for (const row of rows) {
    const column: WarehouseColumn = {
      schema: String(row.table_schema),
      table: String(row.table_name),
      name: String(row.column_name),
      dataType: String(row.data_type),
      position: Number(row.ordinal_position),
    };
    const key = `${column.schema}.${column.table}`;
    const columns = byTable.get(key) ?? [];
    columns.push(column);
    byTable.set(key, columns);
  }
  for (const columns of byTable.values()) {
    columns.sort((a, b) => a.position - b.position);
  }
  return byTable;
}
