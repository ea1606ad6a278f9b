import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DashboardSiteError, type SiteData } from './site-data';

let cachedAssetsDir: string | undefined;

/**
 * Returns the folder of the page's script and style sheet, found by walking
 * up from this file, so that it resolves from `lib/site` under ts-jest and
 * from `dist/lib/site` after a build.
 */
function assetsDir(): string {
  if (cachedAssetsDir) return cachedAssetsDir;
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'lib', 'site', 'assets');
    if (existsSync(path.join(candidate, 'dashboards.js'))) {
      cachedAssetsDir = candidate;
      return candidate;
    }
    if (existsSync(path.join(dir, 'assets', 'dashboards.js'))) {
      cachedAssetsDir = path.join(dir, 'assets');
      return cachedAssetsDir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new DashboardSiteError(
        `The dashboard page assets (lib/site/assets) were not found above ${__dirname}: reinstall the package.`,
      );
    }
    dir = parent;
  }
}

/** Reads Chart.js's self-contained UMD build from the installed package. */
function chartJsSource(): string {
  const file = path.join(
    path.dirname(require.resolve('chart.js')),
    'chart.umd.min.js',
  );
  return readFileSync(file, 'utf8');
}

/**
 * Checks that `source` can sit inside a `<script>` element: the HTML parser
 * ends the element at the first `</script`, and `<!--` changes how it
 * reads the rest.
 */
function assertInlineScript(source: string, name: string): string {
  if (/<\/script|<!--/i.test(source)) {
    throw new DashboardSiteError(
      `Cannot inline ${name} into the dashboard page: it contains "</script" or "<!--". Use a build of it without them.`,
    );
  }
  return source;
}

/**
 * Serializes `value` as JSON that is safe inside a `<script>` element:
 * every `<`, `>` and `&` becomes a `\u` escape, so no string in the data
 * can close the element or open a comment, and JSON.parse restores them.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Escapes text for an HTML element or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function navigation(data: SiteData): string {
  const links = data.dashboards
    .map(
      (dashboard, index) =>
        `<li><a href="#${escapeHtml(dashboard.id)}">${index + 1}. ${escapeHtml(dashboard.title)}</a></li>`,
    )
    .join('\n');
  return `<nav aria-label="Dashboards"><ol>\n${links}\n</ol></nav>`;
}

function sections(data: SiteData): string {
  return data.dashboards
    .map((dashboard, index) => {
      const filter = dashboard.repFilter
        ? `<label class="rep-filter">Rep <select data-rep-filter="${escapeHtml(dashboard.id)}"><option value="">All reps</option></select></label>`
        : '';
      const panels = dashboard.panels
        .map(
          (panel) =>
            `<article class="panel panel-${panel.kind}${panel.narrow ? ' narrow' : ''}" id="${escapeHtml(panel.id)}" data-panel="${escapeHtml(panel.id)}"></article>`,
        )
        .join('\n');
      return `<section class="dashboard" id="${escapeHtml(dashboard.id)}">
<header><h2>${index + 1}. ${escapeHtml(dashboard.title)}</h2>
<p>${escapeHtml(dashboard.description)}</p>${filter}</header>
<div class="panels">
${panels}
</div>
</section>`;
    })
    .join('\n');
}

/**
 * Renders the whole site as one HTML page: Chart.js, the page script, the
 * style sheet and the data are all inline, so the page opens from disk
 * with no network.
 */
export function renderDashboardPage(data: SiteData): string {
  const dir = assetsDir();
  const style = readFileSync(path.join(dir, 'dashboards.css'), 'utf8');
  const script = assertInlineScript(
    readFileSync(path.join(dir, 'dashboards.js'), 'utf8'),
    'lib/site/assets/dashboards.js',
  );
  const chartJs = assertInlineScript(chartJsSource(), 'Chart.js');
  if (/<\/style/i.test(style)) {
    throw new DashboardSiteError(
      'Cannot inline lib/site/assets/dashboards.css: it contains "</style".',
    );
  }

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Crossbeam partner dashboards</title>
<style>
${style}
</style>
</head>
<body>
<header class="site-header">
<h1>Crossbeam partner dashboards</h1>
<p class="generated">From ${escapeHtml(data.warehouse)}, generated ${escapeHtml(data.generatedAt)}.</p>
${navigation(data)}
</header>
<main>
${sections(data)}
</main>
<script type="application/json" id="dashboard-data">${jsonForScript(data)}</script>
<script>
${chartJs}
</script>
<script>
${script}
</script>
</body>
</html>
`;
}
