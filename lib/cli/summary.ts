import type { PipelineContext } from '../pipeline/context';
import type { SyncResult } from '../pipeline/steps';
import type { BuildResult } from '../sql/models';
import { allLandedTables } from '../streams/catalog';
import { formatTable } from './table';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Counts rows of every `crossbeam.*` table. */
export async function countTables(
  context: PipelineContext,
): Promise<{ table: string; rows: number }[]> {
  const schema = context.settings.schemas.crossbeam;
  const names = [
    ...allLandedTables().map((table) => table.name),
    'partner_accounts',
    'overlap_history',
    'overlap_status_history',
  ];
  const counts: { table: string; rows: number }[] = [];
  for (const name of names) {
    const [row] = await context.warehouse.query(
      `select count(*) as n from ${schema}.${name}`,
    );
    counts.push({ table: `${schema}.${name}`, rows: Number(row?.n ?? 0) });
  }
  return counts;
}

/** Partners with the most current overlaps, from `crossbeam_overlaps`. */
export async function topPartners(context: PipelineContext, limit = 5) {
  const schema = context.settings.schemas.models;
  return context.warehouse.query(
    `select partner_name as partner, count(*) as overlaps,
            sum(case when is_partner_customer then 1 else 0 end) as partner_customers
       from ${schema}.crossbeam_overlaps
      group by partner_name
      order by count(*) desc, partner_name
      limit ${limit}`,
  );
}

/** Prints what a run did to stdout: rows, top partners, rejects, timings. */
export async function printRunSummary(
  context: PipelineContext,
  outcome: {
    sync?: SyncResult;
    build: BuildResult;
    /** Wall time of each step, in the order they ran. */
    steps: { step: string; durationMs: number }[];
  },
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<void> {
  const { sync, build } = outcome;
  const lines: string[] = [];

  if (sync) {
    const changes = sync.manifests.map((manifest) => ({
      stream: manifest.stream,
      mode: manifest.mode,
      pages: manifest.pages + (manifest.partitions?.listed.pages ?? 0),
      records: manifest.records + (manifest.partitions?.listed.records ?? 0),
      rejects: manifest.rejects.count,
    }));
    lines.push(
      `Run ${sync.runId}: records read from the API`,
      formatTable(changes),
    );
    if (sync.manifests.some((manifest) => manifest.partitions)) {
      lines.push(
        'A stream read one partner at a time counts the partner list it read as well.',
      );
    }
    lines.push('');
    for (const skip of sync.skipped) {
      lines.push(`Not read: ${skip.stream}, because ${skip.reason}.`);
    }
    if (sync.skipped.length > 0) lines.push('');

    const rejected = sync.manifests.filter(
      (manifest) => manifest.rejects.count > 0,
    );
    for (const manifest of rejected) {
      const reasons = Object.entries(manifest.rejects.reasons)
        .map(([reason, count]) => `${count} × ${reason}`)
        .join('; ');
      lines.push(
        `Rejected in ${manifest.stream}: ${reasons} (see ${context.store.locate(manifest.rejects.key ?? '')})`,
      );
    }
    if (rejected.length > 0) lines.push('');
  }

  lines.push('Warehouse tables', formatTable(await countTables(context)), '');
  lines.push(
    'Top partners by current overlaps',
    formatTable(await topPartners(context)),
    '',
  );

  if (build.built.length > 0) {
    lines.push(
      'Views built',
      formatTable(
        build.built.map((view) => ({
          view: `${view.schema}.${view.name}`,
          rows: view.rows,
        })),
      ),
      '',
    );
  }
  for (const [reason, names] of skippedByReason(build.skipped)) {
    lines.push(`Skipped ${names.join(', ')}: ${reason}`);
  }
  if (build.skipped.length > 0) lines.push('');

  const steps = outcome.steps.map((step) => ({
    step: step.step,
    time: seconds(step.durationMs),
  }));
  lines.push('Time per step', formatTable(steps), '');
  write(`${lines.join('\n')}\n`);
}

/**
 * Groups skipped models by reason, one group for every model skipped
 * because a model it reads was skipped, so the summary prints a few lines
 * rather than one per view.
 */
function skippedByReason(
  skipped: readonly { name: string; reason: string }[],
): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  const dependents: string[] = [];
  for (const model of skipped) {
    if (model.reason.startsWith('depends on ')) {
      dependents.push(model.name);
      continue;
    }
    groups.set(model.reason, [...(groups.get(model.reason) ?? []), model.name]);
  }
  if (dependents.length > 0) {
    groups.set('they read views skipped for the reasons above', dependents);
  }
  return groups;
}
