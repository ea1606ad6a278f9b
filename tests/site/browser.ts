/**
 * Opens a dashboards page from disk in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core) and reports what a person
 * would see: every chart and table, console errors, and the requests the
 * page tried to make.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface ChartState {
  readonly id: string;
  readonly hasChart: boolean;
  readonly points: number;
  readonly width: number;
  readonly height: number;
}

export interface TableState {
  readonly id: string;
  readonly rows: number;
}

export interface OpenedPage {
  readonly page: Page;
  readonly consoleErrors: string[];
  /** URLs the page asked for beyond its own file. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile and opens `indexPath`. */
export async function openDashboardPage(
  indexPath: string,
): Promise<OpenedPage> {
  const profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  // playwright-core takes the fresh profile folder as its own parameter
  // and passes it to Chromium as --user-data-dir.
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const close = async (): Promise<void> => {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const pageUrl = pathToFileURL(indexPath).href;
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => {
      if (request.url() !== pageUrl) requests.push(request.url());
    });
    await page.goto(pageUrl, { waitUntil: 'load' });
    await page.waitForSelector('body[data-rendered="true"]', {
      timeout: 15_000,
    });
    return { page, consoleErrors, requests, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Reads every chart canvas: its Chart.js instance and drawn data points. */
export async function readCharts(page: Page): Promise<ChartState[]> {
  return page.$$eval('canvas[data-chart]', (canvases) =>
    canvases.map((canvas) => {
      const chartJs = (
        globalThis as unknown as {
          Chart: {
            getChart(
              canvas: unknown,
            ): { data: { datasets: { data: unknown[] }[] } } | undefined;
          };
        }
      ).Chart;
      const chart = chartJs.getChart(canvas);
      const points =
        chart?.data.datasets.reduce(
          (sum, dataset) =>
            sum +
            dataset.data.filter(
              (value) => typeof value === 'number' && value !== 0,
            ).length,
          0,
        ) ?? 0;
      const box = (
        canvas as { getBoundingClientRect(): DOMRectLike }
      ).getBoundingClientRect();
      return {
        id: canvas.getAttribute('data-chart') ?? '',
        hasChart: chart !== undefined,
        points,
        width: box.width,
        height: box.height,
      };
      interface DOMRectLike {
        width: number;
        height: number;
      }
    }),
  );
}

/** Reads every table and the number of data rows it shows. */
export async function readTables(page: Page): Promise<TableState[]> {
  return page.$$eval('table[data-table]', (tables) =>
    tables.map((table) => ({
      id: table.getAttribute('data-table') ?? '',
      rows: table.querySelectorAll('tbody tr:not(.empty)').length,
    })),
  );
}
