import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DASHBOARDS } from '../../lib/site/dashboards';
import { jsonForScript } from '../../lib/site/render-page';
import {
  collectSiteData,
  DashboardSiteError,
  type ReadyPanelData,
} from '../../lib/site/site-data';
import { writeDashboardSite } from '../../lib/site/write-site';
import type { RenderContext } from '../../lib/sql/render';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import { createDashboardFixture, HOSTILE_NAME } from './fixture';

const context = (dashboards: string): RenderContext => ({
  dialect: 'postgres',
  schemas: {
    crossbeam: 'crossbeam',
    staging: 'crossbeam_staging',
    models: 'crossbeam_models',
    dashboards,
  },
});

describe('dashboard site', () => {
  let warehouse: PgliteWarehouse;

  beforeAll(async () => {
    warehouse = await PgliteWarehouse.open('pglite:memory:');
    await createDashboardFixture(warehouse, 'full_dashboards');
    await createDashboardFixture(warehouse, 'partial_dashboards', {
      omit: ['partner_top_customers', 'partner_integration_gaps'],
    });
  });

  afterAll(async () => {
    await warehouse.close();
  });

  it('reads every panel of every dashboard', async () => {
    const data = await collectSiteData(warehouse, context('full_dashboards'));
    expect(data.dashboards.map((dashboard) => dashboard.title)).toEqual(
      DASHBOARDS.map((dashboard) => dashboard.title),
    );
    expect(data.dashboards).toHaveLength(5);
    for (const panel of data.dashboards.flatMap((item) => item.panels)) {
      expect({ panel: panel.id, status: panel.data.status }).toEqual({
        panel: panel.id,
        status: 'ready',
      });
      const ready = panel.data as ReadyPanelData;
      expect(ready.rows.length).toBeGreaterThan(0);
      expect(ready.basis).toEqual(['now']);
    }
  });

  it('converts numeric strings to numbers and dates to days', async () => {
    const data = await collectSiteData(warehouse, context('full_dashboards'));
    const panel = data.dashboards[1]!.panels.find(
      (item) => item.id === 'open-opportunities',
    )!;
    const ready = panel.data as ReadyPanelData;
    const amount = ready.columns.findIndex(
      (column) => column.name === 'amount',
    );
    const closeDate = ready.columns.findIndex(
      (column) => column.name === 'close_date',
    );
    expect(ready.columns[amount]!.kind).toBe('number');
    expect(typeof ready.rows[0]![amount]).toBe('number');
    expect(ready.rows[0]![closeDate]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(ready.columns[amount]!.doc).toBe('deal amount');
  });

  it('sorts rows by the panel sort', async () => {
    const data = await collectSiteData(warehouse, context('full_dashboards'));
    const panel = data.dashboards[0]!.panels.find(
      (item) => item.id === 'partner-pipeline-table',
    )!;
    const ready = panel.data as ReadyPanelData;
    const rank = ready.columns.findIndex(
      (column) => column.name === 'pipeline_rank',
    );
    const ranks = ready.rows.map((row) => row[rank] as number);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('caps embedded rows and keeps the total', async () => {
    const data = await collectSiteData(warehouse, context('full_dashboards'), {
      maxRows: 2,
    });
    const ready = data.dashboards[4]!.panels[0]!.data as ReadyPanelData;
    expect(ready.rows).toHaveLength(2);
    expect(ready.totalRows).toBe(6);
  });

  it('marks panels of views that were not built', async () => {
    const data = await collectSiteData(
      warehouse,
      context('partial_dashboards'),
    );
    const product = data.dashboards.find(
      (dashboard) => dashboard.id === 'customer-success',
    )!;
    for (const panel of product.panels) {
      expect(panel.data.status).toBe('skipped');
      expect(panel.data).toHaveProperty(
        'message',
        expect.stringContaining(panel.view),
      );
      expect(panel.data).toHaveProperty(
        'message',
        expect.stringContaining('product source'),
      );
    }
    const ecosystem = data.dashboards[0]!;
    expect(
      ecosystem.panels.every((panel) => panel.data.status === 'ready'),
    ).toBe(true);
  });

  it('rejects a panel naming a missing column', async () => {
    const [first] = DASHBOARDS;
    const broken = {
      ...first!,
      panels: [{ ...first!.panels[0]!, labelColumns: ['no_such_column'] }],
    };
    await expect(
      collectSiteData(warehouse, context('full_dashboards'), {
        dashboards: [broken],
      }),
    ).rejects.toThrow(DashboardSiteError);
    await expect(
      collectSiteData(warehouse, context('full_dashboards'), {
        dashboards: [broken],
      }),
    ).rejects.toThrow(/no_such_column.*ecosystem_closed_deals/);
  });

  it('writes one self-contained page with escaped data', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'site-'));
    const site = await writeDashboardSite(
      warehouse,
      context('partial_dashboards'),
      path.join(outDir, 'nested'),
    );
    expect(site.indexPath).toBe(path.join(outDir, 'nested', 'index.html'));
    expect(site.skippedPanels.map((panel) => panel.view)).toEqual([
      'partner_top_customers',
      'partner_integration_gaps',
    ]);

    const html = readFileSync(site.indexPath, 'utf8');
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).toContain("default-src 'none'");

    const json =
      /<script type="application\/json" id="dashboard-data">(.*?)<\/script>/s.exec(
        html,
      )![1]!;
    expect(JSON.stringify(JSON.parse(json))).toContain(
      JSON.stringify(HOSTILE_NAME).slice(1, -1),
    );
  });

  it('escapes script-breaking text in embedded JSON', () => {
    const text = '</script><!-- & \u2028';
    const encoded = jsonForScript({ text });
    expect(encoded).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(encoded)).toEqual({ text });
  });
});
