/**
 * Our own deals (CRM opportunities), with a planted partner effect. A deal
 * on an account that is a partner's customer when the deal closes wins more
 * often, by the partner's `winRateLift` (about 12% relative on average). It
 * also closes about 15% faster and is about 10% larger. Outcomes stay random
 * draws, so the effect shows with noise.
 */
import type { Directory } from './directory';
import type { OverlapTable } from './overlap-table';
import { Random } from './random';
import type { AccountTable } from './records';
import type { Timeline } from './timeline';

const DAY = 86_400;

export const OPEN_STAGES = [
  'Prospecting',
  'Qualification',
  'Discovery',
  'Proposal',
  'Negotiation',
] as const;

export const DEAL_STAGES = [
  ...OPEN_STAGES,
  'Closed Won',
  'Closed Lost',
] as const;

export const CLOSED_WON = OPEN_STAGES.length;
export const CLOSED_LOST = OPEN_STAGES.length + 1;

/** Win rate of a deal without a partner customer behind it. */
export const BASE_WIN_RATE = 0.24;

const DEAL_KINDS = [
  'New Business',
  'Expansion',
  'Renewal',
  'Platform',
  'Pilot',
];

/** Every deal, in account order, packed into typed arrays. */
export class DealTable {
  count = 0;
  readonly accountIndex: Uint32Array;
  readonly ownerIndex: Uint8Array;
  readonly createdAt: Uint32Array;
  /** The close instant: actual for closed deals, expected for open ones. */
  readonly closeAt: Uint32Array;
  /** Whole currency units. */
  readonly amount: Uint32Array;
  /** Index into `DEAL_STAGES`. */
  readonly stage: Uint8Array;
  readonly kind: Uint8Array;
  readonly deleted: Uint8Array;
  /**
   * The partner whose customer the account was at close, plus one; 0 when
   * none. Kept so tests can check the planted effect against the overlaps.
   */
  readonly liftPartner: Uint16Array;

  constructor(capacity: number) {
    this.accountIndex = new Uint32Array(capacity);
    this.ownerIndex = new Uint8Array(capacity);
    this.createdAt = new Uint32Array(capacity);
    this.closeAt = new Uint32Array(capacity);
    this.amount = new Uint32Array(capacity);
    this.stage = new Uint8Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.deleted = new Uint8Array(capacity);
    this.liftPartner = new Uint16Array(capacity);
  }

  isClosed(i: number): boolean {
    return (this.stage[i] as number) >= CLOSED_WON;
  }

  isWon(i: number): boolean {
    return this.stage[i] === CLOSED_WON;
  }

  kindName(i: number): string {
    return DEAL_KINDS[this.kind[i] as number] as string;
  }
}

/**
 * Finds a partner whose customer the account is at `t`: the partner of the
 * first overlap visible at `t` whose partner population is a customers one.
 * Returns the partner index, or -1 when there is none.
 */
export function partnerCustomerAt(
  directory: Directory,
  accounts: AccountTable,
  overlaps: OverlapTable,
  account: number,
  t: number,
): number {
  const from = accounts.overlapStart[account] as number;
  const to = accounts.overlapStart[account + 1] as number;
  for (let i = from; i < to; i += 1) {
    if (!overlaps.isVisibleAt(i, t)) continue;
    const population = directory.populations[overlaps.populationAt(i, t)];
    if (population?.stage === 'customer')
      return overlaps.partnerIndex[i] as number;
  }
  return -1;
}

/**
 * Creates every deal and, from their outcomes as of the anchor, each
 * account's type and our company populations.
 */
export function createDeals(
  seed: number,
  directory: Directory,
  accounts: AccountTable,
  overlaps: OverlapTable,
  timeline: Timeline,
): DealTable {
  const random = new Random(seed, 'deals');
  const deals = new DealTable(accounts.count * 3);
  const industryFactor = Array.from(
    { length: 16 },
    () => 0.85 + 0.3 * random.next(),
  );
  const userCount = directory.users.length;

  for (let a = 0; a < accounts.count; a += 1) {
    const dealCount = random.weighted([0.25, 0.4, 0.22, 0.13]);
    let won = false;
    let open = false;
    for (let k = 0; k < dealCount; k += 1) {
      const i = deals.count;
      const createdAt = random.int(
        timeline.start - 60 * DAY,
        timeline.anchor - 5 * DAY,
      );
      const cycle =
        Math.min(400, Math.max(7, random.logNormal(80, 0.55))) * DAY;
      const fastClose = createdAt + Math.round(cycle * 0.85);
      let closeAt = createdAt + Math.round(cycle);
      if (partnerCustomerAt(directory, accounts, overlaps, a, fastClose) >= 0) {
        closeAt = fastClose;
      }
      const lift = partnerCustomerAt(directory, accounts, overlaps, a, closeAt);
      const partner = lift >= 0 ? directory.partners[lift] : undefined;
      const amount =
        random.logNormal(28_000, 0.7) *
        (partner ? 1.1 : 1) *
        (0.9 + 0.2 * random.next());

      let stage: number;
      if (closeAt > timeline.anchor) {
        const progress = (timeline.anchor - createdAt) / (closeAt - createdAt);
        stage = Math.min(
          OPEN_STAGES.length - 1,
          Math.floor(progress * OPEN_STAGES.length),
        );
      } else {
        const industry = industryFactor[
          accounts.industry[a] as number
        ] as number;
        const winRate =
          BASE_WIN_RATE * industry * (partner ? partner.winRateLift : 1);
        stage = random.chance(winRate) ? CLOSED_WON : CLOSED_LOST;
      }
      const deleted = random.chance(0.02);

      deals.accountIndex[i] = a;
      deals.ownerIndex[i] = random.chance(0.9)
        ? (accounts.ownerIndex[a] as number)
        : random.int(0, userCount - 1);
      deals.createdAt[i] = createdAt;
      deals.closeAt[i] = closeAt;
      deals.amount[i] = Math.round(amount / 100) * 100;
      deals.stage[i] = stage;
      deals.kind[i] = random.int(0, DEAL_KINDS.length - 1);
      deals.deleted[i] = deleted ? 1 : 0;
      deals.liftPartner[i] = lift + 1;
      deals.count += 1;

      if (!deleted && stage === CLOSED_WON) won = true;
      if (!deleted && stage < CLOSED_WON) open = true;
    }

    accounts.accountType[a] = won ? 1 : random.chance(0.03) ? 2 : 0;
    let mask = 0;
    if (won) mask |= 1;
    else mask |= 2;
    if (open) mask |= 4;
    if ((accounts.employees[a] as number) >= 1_000) mask |= 8;
    if (!won && random.chance(0.15)) mask |= 16;
    accounts.populationMask[a] = mask;
  }
  return deals;
}
