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
  // The insert does nothing once any id exists, so a caller that read an
  // empty table just before another caller's insert still agrees with it.
  // NOTE: two inserts running at the same instant can still both land, so
  // the two callers may return different ids. The state machine never runs
  // two executions at once, but a command-line sync against the stack's
  // Redshift during its first migration step is not excluded.
  await warehouse.query(
    `insert into ${table} (warehouse_id, created_at) select ${quoteLiteral(id, context.dialect)}, ${renderSql('{{ now }}', context)} where not exists (select 1 from ${table})`,
  );
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
