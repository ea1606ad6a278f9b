import { randomUUID } from 'node:crypto';
import { quoteLiteral, renderSql, type RenderContext } from '../sql/render';
import type { Warehouse } from '../warehouse/warehouse';

/**
 * Returns the warehouse's id from `crossbeam.warehouse_identity`, setting a
 * new random one when the table is empty. Needs the migrations applied, and
 * the caller to hold the run lock, so that two commands never set two ids.
 */
export async function ensureWarehouseId(
  warehouse: Warehouse,
  context: RenderContext,
): Promise<string> {
  const table = renderSql('{{ crossbeam }}.warehouse_identity', context);
  const stored = await warehouse.query(
    `select warehouse_id from ${table} order by created_at limit 1`,
  );
  if (stored.length > 0) return String(stored[0]!.warehouse_id);

  const id = randomUUID();
  await warehouse.query(
    `insert into ${table} (warehouse_id, created_at) values (${quoteLiteral(id, context.dialect)}, ${renderSql('{{ now }}', context)})`,
  );
  return id;
}
