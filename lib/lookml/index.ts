export {
  generateLookml,
  lookmlString,
  overlapJoins,
  renderExploreFile,
  renderViewFile,
  COMPOUND_KEY_DIMENSION,
  OVERLAPS_VIEW,
} from './generate';
export type { LookmlFile, LookmlViewInput, OverlapJoin } from './generate';
export { readLookmlViews, writeLookml } from './write-lookml';
export type { LookmlResult } from './write-lookml';
