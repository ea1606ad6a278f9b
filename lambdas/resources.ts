import { openLandingStore } from '../lib/landing/open-store';
import type { LandingStore } from '../lib/landing/store';
import { RedshiftWarehouse } from '../lib/warehouse/redshift';
import type { Warehouse } from '../lib/warehouse/warehouse';
import type { LambdaEnvironment } from './environment';

/** Opens the Redshift warehouse that CROSSBEAM_WAREHOUSE names. */
export function openLambdaWarehouse(env: LambdaEnvironment): Warehouse {
  return new RedshiftWarehouse(env.CROSSBEAM_WAREHOUSE);
}

/** Opens the S3 landing store that CROSSBEAM_LANDING names. */
export function openLambdaStore(env: LambdaEnvironment): LandingStore {
  return openLandingStore(env.CROSSBEAM_LANDING);
}
