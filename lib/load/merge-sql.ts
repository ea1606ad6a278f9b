import { quoteLiteral, type RenderContext } from '../sql/render';
import type { LandedTableSpec, StreamSpec } from '../streams/catalog';
import { ROW_NUMBER_COLUMN } from './staging';

/**
 * The statements that apply one staged run to the `crossbeam` tables, in
 * the order they run inside the load transaction.
 *
 * Merging is a delete by key followed by an insert, not `MERGE`: it runs
 * unchanged on PostgreSQL and Redshift, needs no column-by-column update
 * list, and replaces a re-sent row exactly. Rows of one batch are first
 * de-duplicated, and the last copy of a key wins. A batch row older than
 * the row already stored (from a run loaded after a newer one) is dropped,
 * so loading runs out of order still keeps the newest rows.
 *
 * NOTE: these statements have run on PostgreSQL 15 and PGlite only. For
 * Redshift they are checked against its documented syntax and a pattern
 * lint, not against a live cluster.
 */

/** One landed table of the run: its catalog entry and staging table. */
export interface StagedTable {
  readonly spec: LandedTableSpec;
  /** `<staging schema>.<staging table>`. */
  readonly staging: string;
}

export interface MergePlan {
  readonly stream: StreamSpec;
  /** Staged tables in catalog order, the stream's main table first. */
  readonly tables: readonly StagedTable[];
  readonly runId: string;
  /** ISO 8601 instant at which the run read the API. */
  readonly observedAt: string;
  /** True when the run read every item, so rows absent from it are gone. */
  readonly replacesScope: boolean;
  /**
   * Rows whose `column` contains one of `values` stay when absent from the
   * batch: the partners whose lists the run read from a bookmark, which
   * returns changes only.
   */
  readonly keepAbsent?: {
    readonly column: string;
    readonly values: readonly string[];
  };
  readonly context: RenderContext;
}

/**
 * Returns a staging table's name without its schema, to qualify its
 * columns. Target tables are always named with their schema instead,
 * because `overlaps` is a reserved word that cannot qualify a column alone.
 */
function bareName(qualified: string): string {
  return qualified.slice(qualified.indexOf('.') + 1);
}

function keyMatch(
  left: string,
  right: string,
  columns: readonly string[],
): string {
  return columns
    .map((column) => `${left}.${column} = ${right}.${column}`)
    .join(' and ');
}

function notDeleted(alias: string, spec: LandedTableSpec): string {
  return spec.columns.some((column) => column.name === 'is_deleted')
    ? `not coalesce(${alias}.is_deleted, false)`
    : 'true';
}

function isDeleted(alias: string): string {
  return `coalesce(${alias}.is_deleted, false)`;
}

/** `and <alias>.<scope column> = <value>`, or nothing for unscoped tables. */
function scopeFilter(
  alias: string,
  spec: LandedTableSpec,
  context: RenderContext,
): string {
  if (!spec.scope) return '';
  const column = spec.columns.find((c) => c.name === spec.scope!.column);
  const value =
    column?.type === 'boolean'
      ? spec.scope.value === 'true'
        ? 'true'
        : 'false'
      : quoteLiteral(spec.scope.value, context.dialect);
  return column?.type === 'boolean'
    ? ` and coalesce(${alias}.${spec.scope.column}, false) = ${value}`
    : ` and ${alias}.${spec.scope.column} = ${value}`;
}

function targetTable(spec: LandedTableSpec, context: RenderContext): string {
  return `${context.schemas.crossbeam}.${spec.name}`;
}

/**
 * A query that returns one row when `spec`'s stored table contains a row of
 * its stream that is not deleted, and none otherwise.
 */
export function liveRowSql(
  spec: LandedTableSpec,
  context: RenderContext,
): string {
  return `select 1 as found from ${targetTable(spec, context)} as stored where ${notDeleted('stored', spec)}${scopeFilter('stored', spec, context)} limit 1`;
}

/** True when `child` carries every key column of `parent`. */
function isChildOf(child: LandedTableSpec, parent: LandedTableSpec): boolean {
  const names = new Set(child.columns.map((column) => column.name));
  return parent.key.every((column) => names.has(column));
}

/** Keeps the last copy of each key and drops rows with a null key column. */
export function deduplicateSql(table: StagedTable): string {
  const { spec, staging } = table;
  const nullKey = spec.key.map((column) => `${column} is null`).join(' or ');
  return `delete from ${staging} where ${nullKey} or ${ROW_NUMBER_COLUMN} in (select ${ROW_NUMBER_COLUMN} from (select ${ROW_NUMBER_COLUMN}, row_number() over (partition by ${spec.key.join(', ')} order by ${ROW_NUMBER_COLUMN} desc) as copy_rank from ${staging}) as ranked where copy_rank > 1)`;
}

function dropStaleRowsSql(main: StagedTable, context: RenderContext): string {
  const stagingName = bareName(main.staging);
  return `delete from ${main.staging} using ${targetTable(main.spec, context)} as stored where ${keyMatch(stagingName, 'stored', main.spec.key)} and stored._observed_at > ${stagingName}._observed_at`;
}

/**
 * Rows of the stream's scope that the run did not see, and that no newer
 * run wrote, as a condition on `alias` (a row of the main target table).
 */
function absentCondition(
  alias: string,
  plan: MergePlan,
  observedAt: string,
): string {
  const main = plan.tables[0]!;
  const { context, keepAbsent } = plan;
  const kept =
    keepAbsent && keepAbsent.values.length > 0
      ? ` and coalesce(${alias}.${keepAbsent.column}, '') not in (${keepAbsent.values.map((value) => quoteLiteral(value, context.dialect)).join(', ')})`
      : '';
  return `${alias}._observed_at < ${observedAt}${scopeFilter(alias, main.spec, context)}${kept} and not exists (select 1 from ${main.staging} as batch where ${keyMatch('batch', alias, main.spec.key)})`;
}

function historyTable(context: RenderContext): string {
  return `${context.schemas.crossbeam}.overlap_history`;
}

function statusHistoryTable(context: RenderContext): string {
  return `${context.schemas.crossbeam}.overlap_status_history`;
}

function removeAbsentSql(plan: MergePlan, observedAt: string): string[] {
  const { context } = plan;
  const [main, ...children] = plan.tables;
  const target = targetTable(main!.spec, context);
  const statements: string[] = [];

  if (plan.stream.hasDeletes) {
    const history = historyTable(context);
    statements.push(
      `update ${history} set valid_to = ${observedAt}, last_run_id = ${quoteLiteral(plan.runId, context.dialect)} where valid_to is null and exists (select 1 from ${target} as current_row where ${keyMatch('current_row', history, main!.spec.key)} and ${absentCondition('current_row', plan, observedAt)})`,
    );
    const status = statusHistoryTable(context);
    statements.push(
      `update ${status} set valid_to = ${observedAt}, last_run_id = ${quoteLiteral(plan.runId, context.dialect)} where valid_to is null and exists (select 1 from ${target} as current_row where ${keyMatch('current_row', status, main!.spec.key)} and ${absentCondition('current_row', plan, observedAt)})`,
    );
  }
  for (const child of children) {
    if (!isChildOf(child.spec, main!.spec)) continue;
    const childTarget = targetTable(child.spec, context);
    statements.push(
      `delete from ${childTarget} using ${target} as parent where ${keyMatch(childTarget, 'parent', main!.spec.key)} and ${absentCondition('parent', plan, observedAt)}`,
    );
  }
  statements.push(
    `delete from ${target} where ${absentCondition(target, plan, observedAt)}`,
  );
  return statements;
}

/** Closes, extends and opens overlap_history intervals for the batch. */
function historySql(plan: MergePlan, observedAt: string): string[] {
  const { context } = plan;
  const main = plan.tables[0]!;
  const history = historyTable(context);
  const run = quoteLiteral(plan.runId, context.dialect);
  const match = keyMatch(history, 'batch', main.spec.key);
  return [
    `update ${history} set valid_to = ${observedAt}, last_run_id = ${run} from ${main.staging} as batch where ${match} and ${history}.valid_to is null and ${isDeleted('batch')}`,
    `update ${history} set last_run_id = ${run} from ${main.staging} as batch where ${match} and ${history}.valid_to is null and ${notDeleted('batch', main.spec)}`,
    `insert into ${history} (crossbeam_record_id, partner_crossbeam_record_id, overlap_type, partner_id, valid_from, valid_to, first_run_id, last_run_id) select batch.crossbeam_record_id, batch.partner_crossbeam_record_id, batch.overlap_type, batch.partner_id, ${observedAt}, null, ${run}, ${run} from ${main.staging} as batch where ${notDeleted('batch', main.spec)} and not exists (select 1 from ${history} as known where ${keyMatch('known', 'batch', main.spec.key)} and (known.valid_to is null or known.valid_from = ${observedAt}))`,
  ];
}

/**
 * Selects the batch's overlaps that still exist, each with the customer
 * status of its partner side: true when one of its partner populations has
 * the standard type `customers` in `partner_populations` as loaded so far.
 * A population not loaded yet counts as not a customer until
 * `recomputeStatusSql` runs with the partner populations that name it.
 */
function batchStatusSql(plan: MergePlan): string {
  const { context } = plan;
  const main = plan.tables[0]!;
  const populations = plan.tables.find(
    (table) => table.spec.name === 'overlap_populations',
  );
  const key = main.spec.key.map((column) => `batch.${column}`).join(', ');
  const columns = `${key}, batch.overlap_type, batch.partner_id`;
  if (!populations) {
    return `(select ${columns}, false as is_partner_customer from ${main.staging} as batch where ${notDeleted('batch', main.spec)})`;
  }
  return `(select ${columns}, coalesce(max(case when member.side = 'partner' and population.standard_type = 'customers' then 1 else 0 end), 0) = 1 as is_partner_customer from ${main.staging} as batch left join ${populations.staging} as member on ${keyMatch('member', 'batch', main.spec.key)} left join ${context.schemas.crossbeam}.partner_populations as population on member.population_id = population.population_id where ${notDeleted('batch', main.spec)} group by ${columns})`;
}

/**
 * Closes, extends and opens overlap_status_history intervals for the batch:
 * a deleted overlap closes its open interval, a changed status closes it
 * and opens one with the new status, and an unchanged one is extended. An
 * open interval that began at or after observed_at (opened by
 * `recomputeStatusSql` for the same run) takes the new status in place,
 * because no later load recomputes an overlap whose populations keep
 * their type.
 */
function statusHistorySql(plan: MergePlan, observedAt: string): string[] {
  const { context } = plan;
  const main = plan.tables[0]!;
  const status = statusHistoryTable(context);
  const run = quoteLiteral(plan.runId, context.dialect);
  const match = keyMatch(status, 'batch', main.spec.key);
  const batchStatus = batchStatusSql(plan);
  return [
    `update ${status} set valid_to = ${observedAt}, last_run_id = ${run} from ${main.staging} as batch where ${match} and ${status}.valid_to is null and ${isDeleted('batch')}`,
    `update ${status} set is_partner_customer = batch.is_partner_customer, last_run_id = ${run} from ${batchStatus} as batch where ${match} and ${status}.valid_to is null and ${status}.valid_from >= ${observedAt} and ${status}.is_partner_customer <> batch.is_partner_customer`,
    `update ${status} set valid_to = ${observedAt}, last_run_id = ${run} from ${batchStatus} as batch where ${match} and ${status}.valid_to is null and ${status}.valid_from < ${observedAt} and ${status}.is_partner_customer <> batch.is_partner_customer`,
    `update ${status} set last_run_id = ${run} from ${batchStatus} as batch where ${match} and ${status}.valid_to is null and ${status}.is_partner_customer = batch.is_partner_customer`,
    `insert into ${status} (crossbeam_record_id, partner_crossbeam_record_id, overlap_type, partner_id, is_partner_customer, valid_from, valid_to, first_run_id, last_run_id) select batch.crossbeam_record_id, batch.partner_crossbeam_record_id, batch.overlap_type, batch.partner_id, batch.is_partner_customer, ${observedAt}, null, ${run}, ${run} from ${batchStatus} as batch where not exists (select 1 from ${status} as known where ${keyMatch('known', 'batch', main.spec.key)} and (known.valid_to is null or known.valid_from = ${observedAt}))`,
  ];
}

/**
 * Temporary tables that live inside one load's transaction. Each is
 * created and dropped by the same statement list, so a failed load rolls
 * both back and the next load starts without them.
 */
const AFFECTED_PARTNER_RECORDS = 'load_affected_partner_records';
const POPULATIONS_BEFORE = 'load_partner_populations_before';
const CHANGED_POPULATIONS = 'load_changed_partner_populations';

/** 1 when a partner population's standard type is `customers`, else 0. */
function isCustomerPopulation(alias: string): string {
  return `case when ${alias}.standard_type = 'customers' then 1 else 0 end`;
}

/**
 * Keeps each partner population's customer classification as it was
 * before the load, so that `recomputeStatusSql` can tell which ones the
 * load changed.
 */
function snapshotPopulationsSql(context: RenderContext): string {
  return `create temp table ${POPULATIONS_BEFORE} as select population_id, ${isCustomerPopulation('population')} as is_customer from ${context.schemas.crossbeam}.partner_populations as population`;
}

/**
 * Brings the open overlap_status_history intervals in line with the
 * partner populations just loaded, for overlaps loaded before a population
 * or a change of its standard type was known. Only overlaps with a partner
 * population that the load added, removed or moved into or out of the
 * `customers` type are recomputed, because the status of every other
 * overlap depends on nothing the load changed. The status comes from the stored
 * overlaps and their partner populations. The population had its type when
 * an interval opened at or after the run's observed_at began, so such an
 * interval takes the new status in place. An older one is closed at
 * observed_at, and a new one opens there. Needs `snapshotPopulationsSql`
 * to have run before the populations were merged.
 */
export function recomputeStatusSql(
  context: RenderContext,
  runId: string,
  observedAt: string,
): string[] {
  const schema = context.schemas.crossbeam;
  const status = statusHistoryTable(context);
  const run = quoteLiteral(runId, context.dialect);
  const key = ['crossbeam_record_id', 'partner_crossbeam_record_id'];
  const match = keyMatch(status, 'stored', key);
  const columns = `${key.map((column) => `current_overlap.${column}`).join(', ')}, current_overlap.overlap_type, current_overlap.partner_id`;
  const changedPopulations = `create temp table ${CHANGED_POPULATIONS} as select before_load.population_id from ${POPULATIONS_BEFORE} as before_load left join ${schema}.partner_populations as after_load on after_load.population_id = before_load.population_id where after_load.population_id is null or before_load.is_customer <> ${isCustomerPopulation('after_load')} union select after_load.population_id from ${schema}.partner_populations as after_load where not exists (select 1 from ${POPULATIONS_BEFORE} as before_load where before_load.population_id = after_load.population_id)`;
  const touched = `exists (select 1 from ${schema}.overlap_populations as changed_member where ${keyMatch('changed_member', 'current_overlap', key)} and changed_member.side = 'partner' and changed_member.population_id in (select population_id from ${CHANGED_POPULATIONS}))`;
  const stored = `(select ${columns}, coalesce(max(case when member.side = 'partner' and population.standard_type = 'customers' then 1 else 0 end), 0) = 1 as is_partner_customer from ${schema}.overlaps as current_overlap left join ${schema}.overlap_populations as member on ${keyMatch('member', 'current_overlap', key)} left join ${schema}.partner_populations as population on member.population_id = population.population_id where ${touched} group by ${columns})`;
  return [
    changedPopulations,
    `update ${status} set is_partner_customer = stored.is_partner_customer, last_run_id = ${run} from ${stored} as stored where ${match} and ${status}.valid_to is null and ${status}.valid_from >= ${observedAt} and ${status}.is_partner_customer <> stored.is_partner_customer`,
    `update ${status} set valid_to = ${observedAt}, last_run_id = ${run} from ${stored} as stored where ${match} and ${status}.valid_to is null and ${status}.valid_from < ${observedAt} and ${status}.is_partner_customer <> stored.is_partner_customer`,
    `insert into ${status} (crossbeam_record_id, partner_crossbeam_record_id, overlap_type, partner_id, is_partner_customer, valid_from, valid_to, first_run_id, last_run_id) select stored.crossbeam_record_id, stored.partner_crossbeam_record_id, stored.overlap_type, stored.partner_id, stored.is_partner_customer, ${observedAt}, null, ${run}, ${run} from ${stored} as stored where not exists (select 1 from ${status} as known where ${keyMatch('known', 'stored', key)} and (known.valid_to is null or known.valid_from = ${observedAt}))`,
    `drop table ${CHANGED_POPULATIONS}`,
    `drop table ${POPULATIONS_BEFORE}`,
  ];
}

function mergeMainSql(main: StagedTable, context: RenderContext): string[] {
  const target = targetTable(main.spec, context);
  const columns = main.spec.columns.map((column) => column.name);
  return [
    `delete from ${target} using ${main.staging} as batch where ${keyMatch(target, 'batch', main.spec.key)}`,
    `insert into ${target} (${columns.join(', ')}) select ${columns.map((c) => `batch.${c}`).join(', ')} from ${main.staging} as batch where ${notDeleted('batch', main.spec)}`,
  ];
}

/**
 * Replaces the child rows of every parent in the batch: a re-sent overlap
 * whose populations changed must lose the ones it no longer has, which a
 * merge on the child key alone would keep.
 */
function mergeChildSql(
  child: StagedTable,
  main: StagedTable,
  context: RenderContext,
): string[] {
  const target = targetTable(child.spec, context);
  const columns = child.spec.columns.map((column) => column.name);
  if (!isChildOf(child.spec, main.spec)) {
    return [
      `delete from ${target} using ${child.staging} as batch where ${keyMatch(target, 'batch', child.spec.key)}`,
      `insert into ${target} (${columns.join(', ')}) select ${columns.map((c) => `batch.${c}`).join(', ')} from ${child.staging} as batch`,
    ];
  }
  return [
    `delete from ${target} using ${main.staging} as parent where ${keyMatch(target, 'parent', main.spec.key)}`,
    `insert into ${target} (${columns.join(', ')}) select ${columns.map((c) => `child.${c}`).join(', ')} from ${child.staging} as child inner join ${main.staging} as parent on ${keyMatch('child', 'parent', main.spec.key)} where ${notDeleted('parent', main.spec)}`,
  ];
}

/**
 * Keeps the partner records and partner owners that the load is about to
 * change: those of the batch, of the stored overlaps the batch replaces
 * (an overlap's owner may change), and of the stored overlaps the load
 * removes because the run no longer saw them. Runs before anything is
 * merged, while the stored overlaps still name them.
 */
function capturePartnerRecordsSql(plan: MergePlan, observedAt: string): string {
  const main = plan.tables[0]!;
  const target = targetTable(main.spec, plan.context);
  const removed = plan.replacesScope
    ? ` or ${absentCondition('stored', plan, observedAt)}`
    : '';
  return `create temp table ${AFFECTED_PARTNER_RECORDS} as select partner_crossbeam_record_id, partner_owner_id from ${main.staging} union select stored.partner_crossbeam_record_id, stored.partner_owner_id from ${target} as stored where exists (select 1 from ${main.staging} as batch where ${keyMatch('batch', 'stored', main.spec.key)})${removed}`;
}

/**
 * Updates `partner_accounts` and the partner users in `users` for the
 * partner records and owners that `capturePartnerRecordsSql` kept: one row
 * per partner record and per partner owner, taken from the most recently
 * observed overlap that names it. Every other partner record and owner has
 * the same overlaps as before the load, so its row stays as it is, and the
 * work is proportional to the batch rather than to every stored overlap.
 */
export function derivePartnerSql(context: RenderContext): string[] {
  const schema = context.schemas.crossbeam;
  const affectedRecords = `select partner_crossbeam_record_id from ${AFFECTED_PARTNER_RECORDS}`;
  const affectedOwners = `select partner_owner_id from ${AFFECTED_PARTNER_RECORDS} where partner_owner_id is not null`;
  return [
    `delete from ${schema}.partner_accounts where partner_crossbeam_record_id in (${affectedRecords})`,
    `insert into ${schema}.partner_accounts (partner_crossbeam_record_id, partner_id, partner_name, partner_record_type, partner_record_name, partner_record_website, partner_record_email, partner_owner_id, partner_owner_name, partner_owner_email, partner_owner_phone, overlap_count, _run_id, _observed_at) select partner_crossbeam_record_id, partner_id, partner_name, partner_record_type, partner_record_name, partner_record_website, partner_record_email, partner_owner_id, partner_owner_name, partner_owner_email, partner_owner_phone, overlap_count, _run_id, _observed_at from (select overlap_rows.*, count(*) over (partition by partner_crossbeam_record_id) as overlap_count, row_number() over (partition by partner_crossbeam_record_id order by _observed_at desc, crossbeam_record_id) as recency_rank from ${schema}.overlaps as overlap_rows where overlap_rows.partner_crossbeam_record_id in (${affectedRecords})) as ranked where recency_rank = 1`,
    `delete from ${schema}.users where coalesce(is_partner_user, false) = true and user_id in (${affectedOwners})`,
    `insert into ${schema}.users (user_id, user_name, user_email, user_phone, role, is_partner_user, partner_id, _run_id, _observed_at) select partner_owner_id, partner_owner_name, partner_owner_email, partner_owner_phone, null, true, partner_id, _run_id, _observed_at from (select overlap_rows.*, row_number() over (partition by partner_owner_id order by _observed_at desc, crossbeam_record_id, partner_crossbeam_record_id) as recency_rank from ${schema}.overlaps as overlap_rows where overlap_rows.partner_owner_id in (${affectedOwners})) as ranked where recency_rank = 1 and not exists (select 1 from ${schema}.users as own_user where own_user.user_id = ranked.partner_owner_id)`,
    `drop table ${AFFECTED_PARTNER_RECORDS}`,
  ];
}

const REMOVED_OWN_USERS = 'load_removed_own_users';

/**
 * Keeps the ids of the own users that a users load removes, so that
 * `restorePartnerUsersSql` can restore the partner user rows that an own
 * user with the same id had replaced.
 */
function captureRemovedOwnUsersSql(
  plan: MergePlan,
  observedAt: string,
): string {
  const target = targetTable(plan.tables[0]!.spec, plan.context);
  return `create temp table ${REMOVED_OWN_USERS} as select user_id from ${target} as stored where ${absentCondition('stored', plan, observedAt)}`;
}

/**
 * Inserts the partner user rows of the owners that
 * `captureRemovedOwnUsersSql` kept, from the most recently observed overlap
 * that names each. Overlap loads update only the owners they touch, so
 * without this the row stays missing until one of them does.
 */
function restorePartnerUsersSql(context: RenderContext): string[] {
  const schema = context.schemas.crossbeam;
  return [
    `insert into ${schema}.users (user_id, user_name, user_email, user_phone, role, is_partner_user, partner_id, _run_id, _observed_at) select partner_owner_id, partner_owner_name, partner_owner_email, partner_owner_phone, null, true, partner_id, _run_id, _observed_at from (select overlap_rows.*, row_number() over (partition by partner_owner_id order by _observed_at desc, crossbeam_record_id, partner_crossbeam_record_id) as recency_rank from ${schema}.overlaps as overlap_rows where overlap_rows.partner_owner_id in (select user_id from ${REMOVED_OWN_USERS})) as ranked where recency_rank = 1 and not exists (select 1 from ${schema}.users as known where known.user_id = ranked.partner_owner_id)`,
    `drop table ${REMOVED_OWN_USERS}`,
  ];
}

/** Returns the statements that merge the staged run, in order. */
export function mergeStatements(plan: MergePlan): string[] {
  const { context } = plan;
  const [main, ...children] = plan.tables;
  if (!main) return [];
  const observedAt = `cast(${quoteLiteral(plan.observedAt, context.dialect)} as timestamptz)`;

  const statements = plan.tables.map(deduplicateSql);
  statements.push(dropStaleRowsSql(main, context));
  if (main.spec.name === 'overlaps') {
    statements.push(capturePartnerRecordsSql(plan, observedAt));
  }
  if (main.spec.name === 'partner_populations') {
    statements.push(snapshotPopulationsSql(context));
  }
  const restoresPartnerUsers = main.spec.name === 'users' && plan.replacesScope;
  if (restoresPartnerUsers) {
    statements.push(captureRemovedOwnUsersSql(plan, observedAt));
  }
  if (plan.replacesScope) {
    statements.push(...removeAbsentSql(plan, observedAt));
  }
  if (plan.stream.hasDeletes) {
    statements.push(...historySql(plan, observedAt));
    statements.push(...statusHistorySql(plan, observedAt));
  }
  statements.push(...mergeMainSql(main, context));
  for (const child of children) {
    statements.push(...mergeChildSql(child, main, context));
  }
  if (main.spec.name === 'overlaps') {
    statements.push(...derivePartnerSql(context));
  }
  if (main.spec.name === 'partner_populations') {
    statements.push(...recomputeStatusSql(context, plan.runId, observedAt));
  }
  if (restoresPartnerUsers) {
    statements.push(...restorePartnerUsersSql(context));
  }
  return statements;
}
