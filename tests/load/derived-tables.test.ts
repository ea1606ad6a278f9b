import type { CrossbeamClient } from '../../lib/crossbeam/client';
import { createClientForSettings } from '../../lib/pipeline/client';
import type { PipelineContext } from '../../lib/pipeline/context';
import { loadLanded, syncStreams } from '../../lib/pipeline/steps';
import { startSandbox, type Sandbox } from '../../lib/sandbox/server';
import { createWorld } from '../../lib/sandbox/world';
import type { Row } from '../../lib/warehouse/warehouse';
import {
  memoryLogger,
  openTestPipeline,
  startItemProxy,
  tempDir,
  type ItemProxy,
  type ItemRewrite,
} from '../reliability/harness';

const ANCHOR = new Date('2026-02-01T00:00:00Z');
const DAY = 86_400_000;

/** partner_accounts as a rebuild from every stored overlap gives it. */
const REBUILT_PARTNER_ACCOUNTS = `select partner_crossbeam_record_id, partner_id, partner_record_name, partner_owner_id, overlap_count, _run_id from (select overlap_rows.*, count(*) over (partition by partner_crossbeam_record_id) as overlap_count, row_number() over (partition by partner_crossbeam_record_id order by _observed_at desc, crossbeam_record_id) as recency_rank from crossbeam.overlaps as overlap_rows) as ranked where recency_rank = 1 order by 1`;

/** The partner users in users as a rebuild from every stored overlap gives them. */
const REBUILT_PARTNER_USERS = `select partner_owner_id as user_id, partner_owner_name as user_name, partner_id, _run_id from (select overlap_rows.*, row_number() over (partition by partner_owner_id order by _observed_at desc, crossbeam_record_id, partner_crossbeam_record_id) as recency_rank from crossbeam.overlaps as overlap_rows where partner_owner_id is not null) as ranked where recency_rank = 1 and not exists (select 1 from crossbeam.users as own_user where own_user.user_id = ranked.partner_owner_id and not own_user.is_partner_user) order by 1`;

/** Each current overlap's customer status from its partner populations. */
const CURRENT_STATUS = `select current_overlap.crossbeam_record_id, current_overlap.partner_crossbeam_record_id, coalesce(max(case when member.side = 'partner' and population.standard_type = 'customers' then 1 else 0 end), 0) = 1 as is_partner_customer from crossbeam.overlaps as current_overlap left join crossbeam.overlap_populations as member on member.crossbeam_record_id = current_overlap.crossbeam_record_id and member.partner_crossbeam_record_id = current_overlap.partner_crossbeam_record_id left join crossbeam.partner_populations as population on population.population_id = member.population_id group by 1, 2 order by 1, 2`;

/** What the proxy changes in the API's responses before one run. */
interface RunPlan {
  readonly day: number;
  readonly fullRefresh: boolean;
  readonly rewrite: ItemRewrite | null;
}

/**
 * Hands every overlap the run reads to a new partner owner, so that the
 * owners it had lose the overlaps their rows were taken from.
 */
const rotateOwners: ItemRewrite = (items, path) =>
  path.startsWith('/v1/overlaps/')
    ? items.map((item) => ({
        ...item,
        partner_owner: {
          crossbeam_owner_id: 'rotated-owner',
          owner_name: 'Rotated Owner',
          owner_email: 'rotated@partner.example',
        },
      }))
    : items;

/** Leaves every fifth overlap of a page out, as if it had ended. */
const dropOverlaps: ItemRewrite = (items, path) =>
  path.startsWith('/v1/overlaps/')
    ? items.filter((_, index) => index % 5 !== 2)
    : items;

/** Turns every partner `customers` population into a `prospects` one. */
const demoteCustomers: ItemRewrite = (items, path) =>
  path === '/v1/partner-populations'
    ? items.map((item) =>
        item.standard_type === 'customers'
          ? { ...item, standard_type: 'prospects' }
          : item,
      )
    : items;

describe('derived tables over incremental runs', () => {
  // Several hundred overlaps over a dozen partners, read one partner at a
  // time. The sandbox changes overlaps between the runs, and the proxy
  // changes owners, removes overlaps and reclassifies populations.
  const world = createWorld({ seed: 17, scale: 400, anchor: ANCHOR });
  let sandbox: Sandbox;
  let proxy: ItemProxy;
  let context: PipelineContext;
  let client: CrossbeamClient;

  beforeAll(async () => {
    sandbox = await startSandbox({ world, clock: ANCHOR });
    proxy = await startItemProxy(sandbox, '/v1/');
    const logger = memoryLogger();
    context = await openTestPipeline(
      proxy,
      {
        accessToken: sandbox.issueAccessToken(),
        warehouse: 'pglite:memory:',
        landing: `file:${tempDir('derived-tables-landing')}`,
      },
      logger,
    );
    client = createClientForSettings(context.settings, logger);
  });

  afterAll(async () => {
    await context?.warehouse.close();
    await proxy?.close();
    await sandbox?.close();
  });

  const query = (sql: string): Promise<Row[]> => context.warehouse.query(sql);

  const plans: RunPlan[] = [
    { day: 0, fullRefresh: false, rewrite: null },
    { day: 6, fullRefresh: false, rewrite: null },
    {
      day: 20,
      fullRefresh: true,
      rewrite: (items, path) => rotateOwners(dropOverlaps(items, path), path),
    },
    { day: 45, fullRefresh: false, rewrite: demoteCustomers },
    { day: 90, fullRefresh: false, rewrite: null },
  ];

  it.each(plans)('match a rebuild after the run on day $day', async (plan) => {
    const clock = new Date(ANCHOR.getTime() + plan.day * DAY);
    sandbox.setClock(clock);
    proxy.setRewrite(plan.rewrite);
    const sync = await syncStreams(context, client, {
      observedAt: clock,
      fullRefresh: plan.fullRefresh,
    });
    expect(sync.failures).toEqual([]);
    await loadLanded(context);

    const overlaps = await query(
      'select count(*) as n from crossbeam.overlaps',
    );
    expect(Number(overlaps[0]!.n)).toBeGreaterThan(100);
    expect(
      await query(
        'select partner_crossbeam_record_id, partner_id, partner_record_name, partner_owner_id, overlap_count, _run_id from crossbeam.partner_accounts order by 1',
      ),
    ).toEqual(await query(REBUILT_PARTNER_ACCOUNTS));
    expect(
      await query(
        'select user_id, user_name, partner_id, _run_id from crossbeam.users where is_partner_user order by 1',
      ),
    ).toEqual(await query(REBUILT_PARTNER_USERS));
    expect(
      await query(
        'select crossbeam_record_id, partner_crossbeam_record_id, is_partner_customer from crossbeam.overlap_status_history where valid_to is null order by 1, 2',
      ),
    ).toEqual(await query(CURRENT_STATUS));
  });
});
