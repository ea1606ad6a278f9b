import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RenderContext } from '../sql/render';
import type { Warehouse } from '../warehouse/warehouse';
import { renderDashboardPage } from './render-page';
import { collectSiteData, type CollectSiteDataOptions } from './site-data';

/** The page that `writeDashboardSite` wrote, with its panel counts. */
export interface DashboardSiteResult {
  /** Absolute path of the page to open. */
  readonly indexPath: string;
  /** Panels drawn from a view, and panels whose view was not built. */
  readonly readyPanels: number;
  readonly skippedPanels: { panel: string; view: string; reason: string }[];
}

/**
 * Writes the dashboards as a static site: `<outDir>/index.html`, one page
 * with a section per dashboard, built from the dashboard views of
 * `warehouse` (schema names from `context`). The page needs no network and
 * no other file. Creates `outDir` when missing and replaces an older page.
 *
 * @example
 *   const site = await writeDashboardSite(warehouse, sql, 'dashboards');
 *   console.log(`Open ${site.indexPath}`);
 */
export async function writeDashboardSite(
  warehouse: Warehouse,
  context: RenderContext,
  outDir: string,
  options: CollectSiteDataOptions = {},
): Promise<DashboardSiteResult> {
  const data = await collectSiteData(warehouse, context, options);
  const html = renderDashboardPage(data);

  const dir = path.resolve(outDir);
  await mkdir(dir, { recursive: true });
  const indexPath = path.join(dir, 'index.html');
  await writeFile(indexPath, html, 'utf8');

  const panels = data.dashboards.flatMap((dashboard) => dashboard.panels);
  return {
    indexPath,
    readyPanels: panels.filter((panel) => panel.data.status === 'ready').length,
    skippedPanels: panels.flatMap((panel) =>
      panel.data.status === 'skipped'
        ? [{ panel: panel.id, view: panel.view, reason: panel.data.message }]
        : [],
    ),
  };
}
