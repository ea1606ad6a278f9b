import type { Settings } from '../config/settings';
import { openLandingStore } from '../landing/open-store';
import type { LandingStore } from '../landing/store';
import type { Logger } from '../log';
import type { SqlContext } from '../sql/render';
import { openWarehouse } from '../warehouse/open-warehouse';
import type { Warehouse } from '../warehouse/warehouse';

/** What every pipeline step works with: where data lands and where it loads. */
export interface PipelineContext {
  readonly settings: Settings;
  readonly store: LandingStore;
  readonly warehouse: Warehouse;
  readonly sql: SqlContext;
  readonly logger: Logger;
}

/** Opens the landing store and the warehouse that the settings name. */
export async function openPipeline(
  settings: Settings,
  logger: Logger,
): Promise<PipelineContext> {
  const store = openLandingStore(settings.landing);
  const warehouse = await openWarehouse(settings.warehouse, { logger });
  const sql: SqlContext = {
    dialect: warehouse.dialect,
    schemas: settings.schemas,
  };
  return { settings, store, warehouse, sql, logger };
}
