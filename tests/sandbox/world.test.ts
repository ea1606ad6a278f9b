import { ConfigurationError } from '../../lib/errors';
import { createWorld, describeSandbox, toSeconds } from '../../lib/sandbox';
import { BASE_WIN_RATE, OPEN_STAGES } from '../../lib/sandbox/deals';
import { renderAccount, renderOverlap } from '../../lib/sandbox/render';
import { NEVER } from '../../lib/sandbox/types';

const anchor = new Date('2026-01-15T00:00:00Z');
const demo = createWorld({ seed: 7, scale: 'demo', anchor });

describe('createWorld', () => {
  describe('determinism', () => {
    it('builds identical worlds from the same options', () => {
      const again = createWorld({ seed: 7, scale: 'demo', anchor });

      expect(again.accountOverlaps.appearsAt).toEqual(
        demo.accountOverlaps.appearsAt,
      );
      expect(again.deals.stage).toEqual(demo.deals.stage);
      expect(renderAccount(again, 17)).toEqual(renderAccount(demo, 17));
      expect(again.crm.opportunities.slice(0, 50)).toEqual(
        demo.crm.opportunities.slice(0, 50),
      );
    });

    it('builds different worlds from different seeds', () => {
      const other = createWorld({ seed: 8, scale: 'demo', anchor });

      expect(other.organization.uuid).not.toBe(demo.organization.uuid);
      expect(renderAccount(other, 0).crossbeam_record_id).not.toBe(
        renderAccount(demo, 0).crossbeam_record_id,
      );
    });

    it('ignores the time of day of the anchor', () => {
      const noon = createWorld({
        seed: 7,
        scale: 'tiny',
        anchor: new Date('2026-01-15T12:34:56Z'),
      });
      const midnight = createWorld({ seed: 7, scale: 'tiny', anchor });

      expect(noon.anchor.toISOString()).toBe('2026-01-15T00:00:00.000Z');
      expect(noon.accountOverlaps.appearsAt).toEqual(
        midnight.accountOverlaps.appearsAt,
      );
    });
  });

  describe('scale', () => {
    it('sizes tiny, demo and large worlds', () => {
      const tiny = createWorld({ seed: 1, scale: 'tiny', anchor });
      const large = createWorld({ seed: 1, scale: 'large', anchor });

      expect(tiny.partners).toHaveLength(3);
      expect(tiny.accounts.count).toBe(20);
      expect(demo.partners).toHaveLength(30);
      expect(demo.accounts.count).toBe(3_000);
      expect(demo.accountOverlaps.count).toBeGreaterThan(3_000);
      expect(demo.accountOverlaps.count).toBeLessThan(9_000);
      expect(demo.leadOverlaps.count).toBeGreaterThan(50);
      expect(large.partners).toHaveLength(200);
      expect(large.accountOverlaps.count).toBeGreaterThan(80_000);
      expect(large.accountOverlaps.count).toBeLessThan(130_000);
    });

    it('scales partners and overlaps with a numeric scale', () => {
      const world = createWorld({ seed: 1, scale: 12_000, anchor });

      expect(world.accounts.count).toBe(12_000);
      expect(world.partners).toHaveLength(60);
      expect(
        world.accountOverlaps.count / world.accounts.count,
      ).toBeGreaterThan(1.2);
    });

    it('generates the demo world in well under two seconds', () => {
      const started = Date.now();
      createWorld({ seed: 99, scale: 'demo', anchor });

      expect(Date.now() - started).toBeLessThan(1_500);
    });

    it.each([0, -5, 1.5, 10_000_000, Number.NaN])(
      'rejects the numeric scale %p',
      (scale) => {
        expect(() => createWorld({ seed: 1, scale, anchor })).toThrow(
          ConfigurationError,
        );
      },
    );

    it('rejects an unknown named scale and names it', () => {
      expect(() =>
        createWorld({ seed: 1, scale: 'huge' as 'tiny', anchor }),
      ).toThrow(/"huge"/);
    });

    it('rejects an invalid anchor and seed', () => {
      expect(() =>
        createWorld({ seed: 1, scale: 'tiny', anchor: new Date('nope') }),
      ).toThrow(/Invalid sandbox anchor/);
      expect(() => createWorld({ seed: 0.5, scale: 'tiny', anchor })).toThrow(
        /Invalid sandbox seed 0.5/,
      );
    });
  });

  describe('directory', () => {
    it('has 8 to 15 users with unique uuids and CRM ids', () => {
      expect(demo.users.length).toBeGreaterThanOrEqual(8);
      expect(demo.users.length).toBeLessThanOrEqual(15);
      expect(new Set(demo.users.map((user) => user.uuid)).size).toBe(
        demo.users.length,
      );
      for (const user of demo.users)
        expect(user.crmUserId).toMatch(/^005[0-9A-Za-z]{15}$/);
    });

    it('gives populations unique ids and every standard type', () => {
      const ids = demo.populations.map((population) => population.id);
      const types = new Set(
        demo.populations.map((population) => population.standard_type),
      );

      expect(new Set(ids).size).toBe(ids.length);
      expect(types).toEqual(
        new Set(['customers', 'prospects', 'open_opportunities', null]),
      );
    });

    it('names some standard partner populations unlike their type', () => {
      const customers = demo.populations.filter(
        (population) =>
          population.partnerIndex >= 0 &&
          population.standard_type === 'customers',
      );
      const customNamedLikeCustomers = demo.populations.filter(
        (population) =>
          population.standard_type === null &&
          /Customers/.test(population.name),
      );

      expect(customers).toHaveLength(demo.partners.length);
      expect(
        customers.some((population) => population.name !== 'Customers'),
      ).toBe(true);
      expect(customNamedLikeCustomers.length).toBeGreaterThan(0);
    });

    it('has a long tail of partner sizes', () => {
      const counts = new Array<number>(demo.partners.length).fill(0);
      for (let i = 0; i < demo.accountOverlaps.count; i += 1) {
        const partner = demo.accountOverlaps.partnerIndex[i] as number;
        counts[partner] = (counts[partner] ?? 0) + 1;
      }
      const sorted = [...counts].sort((a, b) => b - a);

      expect(sorted[0]).toBeGreaterThan(10 * (sorted.at(-1) as number));
    });

    it('has partner owners that each cover many overlaps', () => {
      const perOwner = new Map<number, number>();
      for (let i = 0; i < demo.accountOverlaps.count; i += 1) {
        const owner = demo.accountOverlaps.ownerIndex[i] as number;
        perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
      }

      expect(Math.max(...perOwner.values())).toBeGreaterThan(50);
    });
  });

  describe('records', () => {
    it('gives accounts 18-character Salesforce ids with a valid checksum', () => {
      const id = demo.accounts.recordId(123);
      const suffix = [0, 1, 2]
        .map((chunk) => {
          let bits = 0;
          for (let i = 0; i < 5; i += 1) {
            if (/[A-Z]/.test(id.charAt(chunk * 5 + i))) bits |= 1 << i;
          }
          return 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345'.charAt(bits);
        })
        .join('');

      expect(id).toMatch(/^001[0-9A-Za-z]{15}$/);
      expect(id.slice(15)).toBe(suffix);
    });

    it('keeps record ids unique', () => {
      const ids = new Set<string>();
      for (let i = 0; i < demo.accounts.count; i += 1)
        ids.add(demo.accounts.recordId(i));

      expect(ids.size).toBe(demo.accounts.count);
    });

    it('renders crm_data with the standard fields and other value types', () => {
      const types = new Set<string>();
      for (let i = 0; i < 200; i += 1) {
        const account = renderAccount(demo, i);
        expect(
          account.crm_data.slice(0, 4).map((field) => field.field_name),
        ).toEqual([
          'Account Name',
          'Account Type',
          'Industry',
          'Account Created At',
        ]);
        for (const field of account.crm_data) {
          types.add(
            field.field_value === null ? 'null' : typeof field.field_value,
          );
        }
      }

      expect(types).toEqual(new Set(['string', 'number', 'boolean', 'null']));
    });
  });

  describe('overlaps', () => {
    it('counts live overlaps as the arrays show them', () => {
      const clock = new Date('2025-06-01T00:00:00Z');
      const t = toSeconds(clock);
      const table = demo.accountOverlaps;
      let expected = 0;
      for (let i = 0; i < table.count; i += 1) {
        const appears = table.appearsAt[i] as number;
        const disappears = table.disappearsAt[i] as number;
        if (appears <= t && (disappears === NEVER || t < disappears))
          expected += 1;
      }

      expect(demo.liveOverlapCount(clock)).toBe(expected);
      expect(expected).toBeGreaterThan(0);
      expect(expected).toBeLessThan(table.count);
    });

    it('spreads appearances over the past and into the future', () => {
      const table = demo.accountOverlaps;
      const { start, anchor: now, end } = demo.timeline;
      let past = 0;
      let future = 0;
      let olderThanAYear = 0;
      for (let i = 0; i < table.count; i += 1) {
        const at = table.appearsAt[i] as number;
        expect(at).toBeGreaterThanOrEqual(start);
        expect(at).toBeLessThanOrEqual(end);
        if (at <= now) past += 1;
        else future += 1;
        if (at < now - 365 * 86_400) olderThanAYear += 1;
      }

      expect(past).toBeGreaterThan(future);
      expect(future).toBeGreaterThan(table.count * 0.1);
      expect(olderThanAYear).toBeGreaterThan(table.count * 0.15);
    });

    it('has overlaps that move population and overlaps that disappear', () => {
      const table = demo.accountOverlaps;
      let moved = 0;
      let removed = 0;
      for (let i = 0; i < table.count; i += 1) {
        if (table.changeAt[i * 2] !== NEVER) moved += 1;
        if (table.disappearsAt[i] !== NEVER) removed += 1;
      }

      expect(moved).toBeGreaterThan(table.count * 0.1);
      expect(removed).toBeGreaterThan(table.count * 0.05);
    });

    it('renders the partner population of the clock instant', () => {
      const table = demo.accountOverlaps;
      const i = [...Array(table.count).keys()].find(
        (k) => table.changeAt[k * 2] !== NEVER,
      ) as number;
      const change = table.changeAt[i * 2] as number;
      const before = renderOverlap(demo, 'account', i, change - 1, false);
      const after = renderOverlap(demo, 'account', i, change, false);

      expect(before.partner_populations).not.toEqual(after.partner_populations);
    });

    it('derives signals from population moves, sorted by time', () => {
      const signals = demo.accountSignals;

      expect(signals.count).toBeGreaterThan(100);
      for (let n = 1; n < signals.count; n += 1) {
        expect(signals.triggeredAt[n]).toBeGreaterThanOrEqual(
          signals.triggeredAt[n - 1] as number,
        );
      }
      expect(new Set(signals.eventType)).toEqual(new Set([0, 1]));
    });
  });

  describe('crm', () => {
    const crm = demo.crm;

    it('joins CRM accounts to Crossbeam records by record_id', () => {
      expect(crm.accounts).toHaveLength(demo.accounts.count);
      expect(crm.accounts[5]?.id).toBe(renderAccount(demo, 5).record_id);
      expect(crm.accounts.some((account) => account.is_deleted)).toBe(true);
    });

    it('keeps open deals in open stages and closed deals in the past', () => {
      const anchorDay = demo.anchor.toISOString().slice(0, 10);
      for (const deal of crm.opportunities) {
        if (deal.is_closed) {
          expect(deal.close_date <= anchorDay).toBe(true);
          expect(['Closed Won', 'Closed Lost']).toContain(deal.stage_name);
        } else {
          expect(OPEN_STAGES as readonly string[]).toContain(deal.stage_name);
        }
        expect(deal.is_won).toBe(deal.stage_name === 'Closed Won');
      }
      expect(crm.opportunities.some((deal) => deal.is_deleted)).toBe(true);
    });

    it('references only known users and accounts', () => {
      const users = new Set(crm.users.map((user) => user.id));
      const accounts = new Set(crm.accounts.map((account) => account.id));
      for (const deal of crm.opportunities) {
        expect(users.has(deal.owner_id)).toBe(true);
        expect(accounts.has(deal.account_id)).toBe(true);
      }
      for (const event of crm.marketingEvents)
        expect(accounts.has(event.account_id)).toBe(true);
    });

    it('has marketing events of every type and product usage in range', () => {
      const partners = new Set(demo.partners.map((partner) => partner.uuid));

      expect(
        new Set(crm.marketingEvents.map((event) => event.event_type)).size,
      ).toBe(5);
      for (const usage of crm.productUsage) {
        expect(usage.tier_score).toBeGreaterThanOrEqual(1);
        expect(usage.tier_score).toBeLessThanOrEqual(5);
        expect(usage.pql_score).toBeGreaterThanOrEqual(0);
        expect(usage.pql_score).toBeLessThanOrEqual(100);
        for (const id of usage.partner_ids) expect(partners.has(id)).toBe(true);
      }
    });
  });

  describe('planted partner effect', () => {
    // Pooled over several large worlds, so the check is about the planted
    // effect, not one world's noise.
    const worlds = [11, 12, 13].map((seed) =>
      createWorld({ seed, scale: 'large', anchor }),
    );

    it('lifts the win rate of deals on partner customers by about 12%', () => {
      let partnered = 0;
      let partneredWon = 0;
      let plain = 0;
      let plainWon = 0;
      for (const world of worlds) {
        const deals = world.deals;
        for (let i = 0; i < deals.count; i += 1) {
          if (!deals.isClosed(i) || deals.deleted[i] === 1) continue;
          if (deals.liftPartner[i] !== 0) {
            partnered += 1;
            if (deals.isWon(i)) partneredWon += 1;
          } else {
            plain += 1;
            if (deals.isWon(i)) plainWon += 1;
          }
        }
      }
      const lift = partneredWon / partnered / (plainWon / plain);

      expect(plainWon / plain).toBeGreaterThan(BASE_WIN_RATE * 0.85);
      expect(plainWon / plain).toBeLessThan(BASE_WIN_RATE * 1.15);
      expect(lift).toBeGreaterThan(1.06);
      expect(lift).toBeLessThan(1.2);
    });

    it('flags deals on partner customers at close', () => {
      const world = demo;
      const deals = world.deals;
      for (let i = 0; i < deals.count; i += 1) {
        const account = deals.accountIndex[i] as number;
        const close = deals.closeAt[i] as number;
        let customerPartners = 0;
        for (
          let k = world.accounts.overlapStart[account] as number;
          k < (world.accounts.overlapStart[account + 1] as number);
          k += 1
        ) {
          if (!world.accountOverlaps.isVisibleAt(k, close)) continue;
          const population =
            world.populations[world.accountOverlaps.populationAt(k, close)];
          if (population?.standard_type === 'customers') customerPartners += 1;
        }
        expect(deals.liftPartner[i] !== 0).toBe(customerPartners > 0);
      }
    });

    it('gives the bigger partners at least ten overlapping closed deals', () => {
      const perPartner = new Map<number, number>();
      const deals = demo.deals;
      for (let i = 0; i < deals.count; i += 1) {
        const partner = deals.liftPartner[i] as number;
        if (deals.isClosed(i) && partner !== 0) {
          perPartner.set(partner - 1, (perPartner.get(partner - 1) ?? 0) + 1);
        }
      }

      for (let p = 0; p < 5; p += 1)
        expect(perPartner.get(p) ?? 0).toBeGreaterThanOrEqual(10);
    });

    it('makes partnered deals larger on average', () => {
      const crm = demo.crm;
      const deals = demo.deals;
      let partneredTotal = 0;
      let partnered = 0;
      let plainTotal = 0;
      let plain = 0;
      crm.opportunities.forEach((deal, i) => {
        if (deals.liftPartner[i] !== 0) {
          partneredTotal += deal.amount;
          partnered += 1;
        } else {
          plainTotal += deal.amount;
          plain += 1;
        }
      });

      expect(partneredTotal / partnered).toBeGreaterThan(plainTotal / plain);
    });
  });
});

describe('describeSandbox', () => {
  it('counts entities at the clock', () => {
    const clock = new Date('2025-10-01T00:00:00Z');
    const summary = describeSandbox(demo, clock);

    expect(summary.partners).toBe(30);
    expect(summary.liveAccountOverlaps).toBe(demo.liveOverlapCount(clock));
    expect(summary.liveLeadOverlaps).toBe(demo.liveOverlapCount(clock, 'lead'));
    expect(summary.accounts).toBe(
      demo.crm.accounts.filter((account) => !account.is_deleted).length,
    );
    expect(summary.lines[0]).toContain('seed 7');
  });
});
