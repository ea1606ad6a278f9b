export { DASHBOARDS } from './dashboards';
export type { Dashboard, Panel, ChartPanel, TablePanel } from './dashboards';
export {
  collectSiteData,
  DashboardSiteError,
  MAX_PANEL_ROWS,
} from './site-data';
export type { SiteData, PanelData } from './site-data';
export { renderDashboardPage, jsonForScript, escapeHtml } from './render-page';
export { writeDashboardSite } from './write-site';
export type { DashboardSiteResult } from './write-site';
