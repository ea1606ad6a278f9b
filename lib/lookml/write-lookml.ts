import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readWarehouseColumns } from '../reference/columns';
import { listModels } from '../sql/models';
import type { RenderContext } from '../sql/render';
import type { Warehouse } from '../warehouse/warehouse';
import {
  generateLookml,
  OVERLAPS_VIEW,
  type LookmlFile,
  type LookmlViewInput,
} from './generate';

export interface LookmlResult {
  /** Absolute paths of the files written, view files first. */
  readonly files: string[];
  /** Views that have a model file but are not in the warehouse. */
  readonly missing: string[];
}

/**
 * Reads every dashboard view and `crossbeam_overlaps` from the warehouse
 * catalog and the model headers, and returns them as LookML inputs. Views
 * that were not built (their source is not configured) are listed in
 * `missing`.
 */
export async function readLookmlViews(
  warehouse: Warehouse,
  context: RenderContext,
  modelsDir?: string,
): Promise<{ views: LookmlViewInput[]; missing: string[] }> {
  const models = (await listModels(modelsDir)).filter(
    (model) => model.schema === 'dashboards' || model.name === OVERLAPS_VIEW,
  );
  const schemas = [
    ...new Set(models.map((model) => context.schemas[model.schema])),
  ];
  const catalog = await readWarehouseColumns(warehouse, schemas);
  const views: LookmlViewInput[] = [];
  const missing: string[] = [];
  for (const model of models) {
    const schema = context.schemas[model.schema];
    const columns = catalog.get(`${schema}.${model.name}`);
    if (!columns) {
      missing.push(model.name);
      continue;
    }
    views.push({
      name: model.name,
      schema,
      columns,
      key: model.key,
      grain: model.grain,
      docs: model.columns,
    });
  }
  return { views, missing };
}

/**
 * Writes LookML view files for the dashboard views and crossbeam_overlaps
 * that the warehouse holds, and the explore file, into `outDir` (created
 * when missing; files of the same names are replaced).
 */
export async function writeLookml(
  warehouse: Warehouse,
  context: RenderContext,
  outDir: string,
): Promise<LookmlResult> {
  const { views, missing } = await readLookmlViews(warehouse, context);
  const files: LookmlFile[] = generateLookml(views);
  const dir = path.resolve(outDir);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.path);
    await writeFile(target, file.contents, 'utf8');
    written.push(target);
  }
  return { files: written, missing };
}
