import { randomUUID } from 'node:crypto';
import { quoteLiteral, renderSql, type RenderContext } from '../sql/render';
import type { Warehouse } from '../warehouse/warehouse';

/**
 * Returns the warehouse's id from `crossbeam.warehouse_identity`, setting a
 * new random one when the table is empty. Needs the migrations applied.
 */
export async function ensureWarehouseId(
  warehouse: Warehouse,
  context: RenderContext,
): Promise<string> {
  const stored = await readWarehouseId(warehouse, context);
  if (stored !== undefined) return stored;

  const table = renderSql('{{ crossbeam }}.warehouse_identity', context);
  const id = randomUUID();
  await warehouse.query(
    `insert into ${table} (warehouse_id, created_at) values (${quoteLiteral(id, context.dialect)}, ${renderSql('{{ now }}', context)})`,
  );
  // Reads the id back, so that two callers that raced to insert agree on
  // the oldest one.
  return (await readWarehouseId(warehouse, context)) ?? id;
}

/**
 * Returns the warehouse's id from `crossbeam.warehouse_identity`, or
 * undefined before `ensureWarehouseId` has set one. Never writes, so
 * functions running side by side may call it.
 */
export async function readWarehouseId(
  warehouse: Warehouse,
  context: RenderContext,
): Promise<string | undefined> {
  const table = renderSql('{{ crossbeam }}.warehouse_identity', context);
  const stored = await warehouse.query(
    `select warehouse_id from ${table} order by created_at, warehouse_id limit 1`,
  );
  return stored.length > 0 ? String(stored[0]!.warehouse_id) : undefined;
}
