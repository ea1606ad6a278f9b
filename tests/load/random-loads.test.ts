import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../../lib/extract/manifest';
import { FileLandingStore } from '../../lib/landing/file-store';
import { loadRun } from '../../lib/load/load';
import { applyMigrations } from '../../lib/sql/migrate';
import type { RenderContext } from '../../lib/sql/render';
import { PgliteWarehouse } from '../../lib/warehouse/pglite';
import type { Row } from '../../lib/warehouse/warehouse';
import { overlapRow, writeLandedRun, type LandedRunSpec } from './landed-runs';

/**
 * Loads random sequences of runs into a warehouse and, after every load,
 * compares the tables derived from overlaps with what a rebuild from the
 * stored overlaps gives. The runs mix incremental, full and per-partner
 * passes, deletes, runs loaded late, owner changes, null owners, lead and
 * account overlaps on one partner record, own users that share an owner's
 * id, and partner populations added, removed or retyped.
 */

const PARTNER_ACCOUNT_COLUMNS =
  'partner_crossbeam_record_id, partner_id, partner_record_name, partner_owner_id, partner_owner_name, overlap_count, _run_id, _observed_at';
const REBUILT_PARTNER_ACCOUNTS = `select ${PARTNER_ACCOUNT_COLUMNS} from (select overlap_rows.*, count(*) over (partition by partner_crossbeam_record_id) as overlap_count, row_number() over (partition by partner_crossbeam_record_id order by _observed_at desc, crossbeam_record_id) as recency_rank from cb.overlaps as overlap_rows) as ranked where recency_rank = 1 order by 1`;
const STORED_PARTNER_ACCOUNTS = `select ${PARTNER_ACCOUNT_COLUMNS} from cb.partner_accounts order by 1`;
const REBUILT_PARTNER_USERS = `select partner_owner_id as user_id, partner_owner_name as user_name, partner_id, _run_id, _observed_at from (select overlap_rows.*, row_number() over (partition by partner_owner_id order by _observed_at desc, crossbeam_record_id, partner_crossbeam_record_id) as recency_rank from cb.overlaps as overlap_rows where partner_owner_id is not null) as ranked where recency_rank = 1 and not exists (select 1 from cb.users as own_user where own_user.user_id = ranked.partner_owner_id and not coalesce(own_user.is_partner_user, false)) order by 1`;
const STORED_PARTNER_USERS =
  'select user_id, user_name, partner_id, _run_id, _observed_at from cb.users where is_partner_user order by 1';
const CURRENT_STATUS = `select current_overlap.crossbeam_record_id, current_overlap.partner_crossbeam_record_id, coalesce(max(case when member.side = 'partner' and population.standard_type = 'customers' then 1 else 0 end), 0) = 1 as is_partner_customer from cb.overlaps as current_overlap left join cb.overlap_populations as member on member.crossbeam_record_id = current_overlap.crossbeam_record_id and member.partner_crossbeam_record_id = current_overlap.partner_crossbeam_record_id left join cb.partner_populations as population on population.population_id = member.population_id group by 1, 2 order by 1, 2`;
const OPEN_STATUS =
  'select crossbeam_record_id, partner_crossbeam_record_id, is_partner_customer from cb.overlap_status_history where valid_to is null order by 1, 2';

/** Partner records and the partner each belongs to. */
const PARTNER_RECORDS: Readonly<Record<string, string>> = {
  x1: 'p1',
  x2: 'p1',
  y1: 'p2',
  y2: 'p2',
  z1: 'p3',
};
const OUR_RECORDS = { account: ['a', 'b', 'c', 'd'], lead: ['l1', 'l2'] };
const OWNERS = ['o1', 'o2', 'o3', null];
const POPULATIONS = [21, 22, 23, 24];
const SEQUENCES = 12;
const RUNS_PER_SEQUENCE = 6;

/** mulberry32: a small seeded generator, so every run of the test is the same. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

let warehouse: PgliteWarehouse;

beforeAll(async () => {
  warehouse = await PgliteWarehouse.open('pglite:memory:');
});

afterAll(async () => {
  await warehouse.close();
});

describe('derived tables over random loads', () => {
  it.each(Array.from({ length: SEQUENCES }, (_, index) => index))(
    'match a rebuild in sequence %i',
    async (sequence) => {
      const random = seededRandom(1000 + sequence);
      const pick = <T>(list: readonly T[]): T =>
        list[Math.floor(random() * list.length)]!;
      const landingDir = await mkdtemp(path.join(os.tmpdir(), 'random-'));
      const store = new FileLandingStore(landingDir);
      const prefix = `random_${sequence}`;
      const context: RenderContext = {
        dialect: 'postgres',
        schemas: {
          crossbeam: prefix,
          staging: `${prefix}_staging`,
          models: `${prefix}_models`,
          dashboards: `${prefix}_dashboards`,
        },
      };
      await applyMigrations(warehouse, context);
      const query = (sql: string): Promise<Row[]> =>
        warehouse.query(sql.replace(/\bcb\./g, `${prefix}.`));
      const load = async (spec: LandedRunSpec) => {
        const manifest = await writeLandedRun(store, spec);
        await loadRun({ warehouse, store, context, manifest });
      };
      const expectRebuilt = async (step: string) => {
        expect({
          step,
          rows: await query(STORED_PARTNER_ACCOUNTS),
        }).toEqual({ step, rows: await query(REBUILT_PARTNER_ACCOUNTS) });
        expect({
          step,
          rows: await query(STORED_PARTNER_USERS),
        }).toEqual({ step, rows: await query(REBUILT_PARTNER_USERS) });
      };

      let day = 1;
      for (let run = 1; run <= RUNS_PER_SEQUENCE; run += 1) {
        // Mostly later days; now and then a run from earlier loads late.
        const late = random() < 0.2 && day > 2;
        const runDay = late ? day - 1 - Math.floor(random() * 2) : ++day;
        const observedAt = new Date(
          Date.UTC(2026, 2, runDay, 10, run),
        ).toISOString();
        const runId = `run-${String(run).padStart(3, '0')}`;

        if (random() < 0.6) {
          const types: [number, string | null][] = [];
          for (const id of POPULATIONS) {
            if (random() < 0.8) {
              types.push([id, pick(['customers', 'prospects', null])]);
            }
          }
          await load({
            stream: 'partner_populations',
            runId,
            observedAt,
            tables: {
              partner_populations: types.map(([id, type]) => ({
                population_id: id,
                standard_type: type,
                partner_id: 'p1',
              })),
            },
          });
        }
        if (random() < 0.3) {
          const ids = ['me', ...OWNERS.filter((id) => id && random() < 0.3)];
          await load({
            stream: 'users',
            runId,
            observedAt,
            tables: {
              users: ids.map((id) => ({
                user_id: id,
                user_name: `own ${id}`,
                is_partner_user: false,
              })),
            },
          });
        }

        for (const kind of ['account', 'lead'] as const) {
          if (random() < 0.25) continue;
          const stream =
            kind === 'account' ? 'account_overlaps' : 'lead_overlaps';
          const shape = pick(['incremental', 'incremental', 'full', 'split']);
          const overlaps: Record<string, unknown>[] = [];
          const members: Record<string, unknown>[] = [];
          for (const ours of OUR_RECORDS[kind]) {
            for (const [theirs, partner] of Object.entries(PARTNER_RECORDS)) {
              if (random() < 0.55) continue;
              overlaps.push(
                overlapRow(ours, theirs, {
                  overlap_type: kind,
                  partner_id: partner,
                  partner_owner_id: pick(OWNERS),
                  partner_owner_name: `owner in ${runId}`,
                  partner_record_name: `record in ${runId}`,
                  is_deleted: shape === 'incremental' && random() < 0.2,
                }),
              );
              for (const id of POPULATIONS) {
                if (random() >= 0.3) continue;
                members.push({
                  crossbeam_record_id: ours,
                  partner_crossbeam_record_id: theirs,
                  overlap_type: kind,
                  side: random() < 0.8 ? 'partner' : 'own',
                  population_id: id,
                  population_name: `population ${id}`,
                });
              }
            }
          }

          let partitions: Manifest['partitions'];
          let landed = overlaps;
          if (shape === 'split') {
            const slices = ['p1', 'p2', 'p3']
              .filter(() => random() < 0.7)
              .map((value) => ({
                value,
                mode: pick(['full', 'incremental'] as const),
                previous_bookmark: null,
                bookmark: null,
                pages: 1,
                records: 1,
              }));
            const unread = ['p1', 'p2', 'p3'].filter(
              (value) =>
                !slices.some((slice) => slice.value === value) &&
                random() < 0.5,
            );
            partitions = {
              column: 'partner_id',
              listed: { pages: 1, records: slices.length },
              slices,
              unread,
            };
            landed = overlaps.filter((row) =>
              slices.some((slice) => slice.value === row.partner_id),
            );
          }
          const keys = new Set(
            landed.map(
              (row) =>
                `${row.crossbeam_record_id}|${row.partner_crossbeam_record_id}`,
            ),
          );
          const allFull =
            partitions?.slices.every((slice) => slice.mode === 'full') ?? true;
          await load({
            stream,
            runId,
            observedAt,
            mode: shape === 'incremental' || !allFull ? 'incremental' : 'full',
            tables: {
              overlaps: landed,
              overlap_populations: members.filter((member) =>
                keys.has(
                  `${member.crossbeam_record_id}|${member.partner_crossbeam_record_id}`,
                ),
              ),
            },
            ...(partitions && { partitions }),
          });
          await expectRebuilt(`${runId} on day ${runDay}, ${stream} ${shape}`);
        }

        const step = `end of ${runId} on day ${runDay}`;
        await expectRebuilt(step);
        expect({ step, rows: await query(OPEN_STATUS) }).toEqual({
          step,
          rows: await query(CURRENT_STATUS),
        });
      }
      await rm(landingDir, { recursive: true, force: true });
    },
  );
});
