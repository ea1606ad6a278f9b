export { columnKind, readWarehouseColumns } from './columns';
export type { ColumnKind, WarehouseColumn } from './columns';
export {
  generateReference,
  openReferenceWarehouse,
  REFERENCE_COMMAND,
} from './generate-reference';
export type {
  GenerateReferenceOptions,
  ReferenceWarehouse,
} from './generate-reference';
export { writeReference } from './write-reference';
