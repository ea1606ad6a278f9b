/**
 * A stand-in for the dashboard views: one table per view that the site
 * reads, with the columns its model header documents and a few rows, so
 * that the site can be tested without building the whole pipeline.
 */
import { listModels } from '../../lib/sql/models';
import { quoteLiteral } from '../../lib/sql/render';
import type { Warehouse } from '../../lib/warehouse/warehouse';
import { DASHBOARDS } from '../../lib/site/dashboards';

/** A partner name that would break a page that inlines data unescaped. */
export const HOSTILE_NAME = 'Evil </script><!-- Partner & "Co"';

export const REPS = [
  { id: 'rep-1', name: 'Ana Ruiz' },
  { id: 'rep-2', name: 'Ben Okafor' },
  { id: 'rep-3', name: 'Chen Li' },
];

function columnType(name: string): string {
  if (name === 'close_date') return 'date';
  if (name.endsWith('_at')) return 'timestamptz';
  if (
    /(_count|_amount|_revenue|_rate|_share|_score|_rank|_size|_close)$/.test(
      name,
    ) ||
    name === 'credit' ||
    name === 'amount'
  ) {
    return 'numeric';
  }
  return 'text';
}

function value(name: string, row: number): string {
  const rep = REPS[row % REPS.length]!;
  switch (columnType(name)) {
    case 'date':
      return quoteLiteral(`2026-0${(row % 9) + 1}-15`);
    case 'timestamptz':
      return quoteLiteral(`2026-01-0${(row % 9) + 1}T10:00:00Z`);
    case 'numeric':
      return name.endsWith('_rate') || name.endsWith('_share')
        ? String(((row % 10) + 1) / 10)
        : String((row + 1) * 1000);
    default:
      break;
  }
  if (name === 'owner_id') return quoteLiteral(rep.id);
  if (name === 'rep_name') return quoteLiteral(rep.name);
  if (name === 'basis') return quoteLiteral('now');
  if (name === 'deal_group') {
    return quoteLiteral(['partner_customer', 'standard'][row % 2]!);
  }
  if (name === 'model') {
    return quoteLiteral(['first_touch', 'linear'][row % 2]!);
  }
  if (name === 'event_type') {
    return quoteLiteral(
      ['webinar', 'partner_overlap'][Math.floor(row / 2) % 2]!,
    );
  }
  if (name === 'partner_name') {
    return quoteLiteral(row === 0 ? HOSTILE_NAME : `Partner ${row}`);
  }
  return quoteLiteral(`${name}-${row}`);
}

/**
 * Creates, in `schema`, a table for every dashboard view that DASHBOARDS
 * reads, except those in `omit`, each with `rows` rows.
 */
export async function createDashboardFixture(
  warehouse: Warehouse,
  schema: string,
  options: { rows?: number; omit?: readonly string[] } = {},
): Promise<void> {
  const rows = options.rows ?? 6;
  const views = new Set(
    DASHBOARDS.flatMap((dashboard) =>
      dashboard.panels.map((panel) => panel.view),
    ),
  );
  const models = await listModels();
  await warehouse.query(`create schema if not exists ${schema}`);
  for (const model of models) {
    if (!views.has(model.name) || options.omit?.includes(model.name)) continue;
    const columns = Object.keys(model.columns);
    await warehouse.query(
      `create table ${schema}.${model.name} (${columns.map((name) => `${name} ${columnType(name)}`).join(', ')})`,
    );
    for (let row = 0; row < rows; row += 1) {
      await warehouse.query(
        `insert into ${schema}.${model.name} values (${columns.map((name) => value(name, row)).join(', ')})`,
      );
    }
  }
}
