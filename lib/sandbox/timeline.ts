/**
 * Overlap timelines: when each overlap is shared, how its partner population
 * moves (prospect → open opportunity → customer, or back to prospect when a
 * deal is lost), and when it is unshared.
 */
import type { Directory } from './directory';
import { NO_POPULATION, OverlapTable } from './overlap-table';
import { Random } from './random';
import type { AccountTable, LeadTable } from './records';
import {
  NEVER,
  type Partner,
  type PartnerPopulationSet,
  type Stage,
} from './types';

const DAY = 86_400;

/** The instants that bound a world's timeline, in seconds. */
export interface Timeline {
  readonly start: number;
  readonly anchor: number;
  readonly end: number;
}

/** Probabilities of 0, 1, 2, … partners on one account (mean about 1.8). */
const ACCOUNT_PARTNER_COUNTS = [0.3, 0.2, 0.2, 0.15, 0.08, 0.04, 0.02, 0.01];
const LEAD_PARTNER_COUNTS = [0.7, 0.25, 0.05];

/** The mean of `ACCOUNT_PARTNER_COUNTS`, used to size partner teams. */
export const MEAN_PARTNERS_PER_ACCOUNT = ACCOUNT_PARTNER_COUNTS.reduce(
  (sum, p, k) => sum + p * k,
  0,
);

function appearance(random: Random, timeline: Timeline): number {
  const roll = random.next();
  if (roll < 0.25)
    return random.int(timeline.start, timeline.anchor - 365 * DAY);
  if (roll < 0.82)
    return random.int(timeline.anchor - 365 * DAY, timeline.anchor);
  return random.int(timeline.anchor + 1, timeline.end);
}

/** Draws the stage moves after an overlap appears: [stage, delay in days]. */
function moves(random: Random, first: Stage): Array<[Stage, number]> {
  const result: Array<[Stage, number]> = [];
  let stage = first;
  if (stage === 'prospect' && random.chance(0.4)) {
    stage = 'open';
    result.push([stage, random.logNormal(45, 0.6)]);
  }
  if (stage === 'open') {
    const roll = random.next();
    if (roll < 0.45) result.push(['customer', random.logNormal(70, 0.5)]);
    else if (roll < 0.7) result.push(['prospect', random.logNormal(90, 0.5)]);
  }
  return result;
}

function populationOf(set: PartnerPopulationSet, stage: Stage): number {
  return set[stage];
}

/** Cumulative partner weights, for drawing a partner by binary search. */
function cumulativeWeights(partners: readonly Partner[]): Float64Array {
  const cumulative = new Float64Array(partners.length);
  let total = 0;
  partners.forEach((partner, i) => {
    total += partner.weight;
    cumulative[i] = total;
  });
  return cumulative;
}

/** Picks partners for one record without repeats, weighted by size. */
function pickPartners(
  random: Random,
  cumulative: Float64Array,
  counts: readonly number[],
): number[] {
  const target = Math.min(random.weighted(counts), cumulative.length);
  const total = cumulative[cumulative.length - 1] ?? 0;
  const chosen: number[] = [];
  for (let attempt = 0; chosen.length < target && attempt < 50; attempt += 1) {
    const target = random.next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((cumulative[middle] as number) <= target) low = middle + 1;
      else high = middle;
    }
    if (!chosen.includes(low)) chosen.push(low);
  }
  return chosen.sort((a, b) => a - b);
}

function addOverlap(
  table: OverlapTable,
  random: Random,
  timeline: Timeline,
  recordIndex: number,
  partner: Partner,
  populations: PartnerPopulationSet,
  firstStageWeights: readonly number[],
): void {
  const stages: Stage[] = ['prospect', 'open', 'customer'];
  const first = stages[random.weighted(firstStageWeights)] as Stage;
  const appearsAt = appearance(random, timeline);
  const changes: number[] = [];
  const path = [populationOf(populations, first)];
  let at = appearsAt;
  for (const [stage, days] of moves(random, first)) {
    at += Math.max(DAY, Math.round(days * DAY));
    if (at > timeline.end) break;
    changes.push(at);
    path.push(populationOf(populations, stage));
  }

  let disappearsAt = NEVER;
  if (random.chance(0.12)) {
    const removedAt = appearsAt + random.int(20 * DAY, 540 * DAY);
    if (removedAt <= timeline.end) disappearsAt = removedAt;
  }
  while (changes.length > 0 && (changes.at(-1) as number) >= disappearsAt) {
    changes.pop();
    path.pop();
  }

  const ownerOffset = Math.floor(
    Math.pow(random.next(), 2) * partner.ownerCount,
  );
  const extra =
    populations.custom.length > 0 && random.chance(0.12)
      ? (populations.custom[
          random.int(0, populations.custom.length - 1)
        ] as number)
      : NO_POPULATION;
  table.add({
    recordIndex,
    partnerIndex: partner.index,
    ownerIndex: partner.ownerStart + ownerOffset,
    appearsAt,
    disappearsAt,
    populations: path,
    changes,
    extraPopulation: extra,
  });
}

/** Generates the account overlaps in account order and fills `overlapStart`. */
export function createAccountOverlaps(
  seed: number,
  directory: Directory,
  accounts: AccountTable,
  timeline: Timeline,
): OverlapTable {
  const random = new Random(seed, 'account-overlaps');
  const table = new OverlapTable('account');
  const cumulative = cumulativeWeights(directory.partners);
  for (let i = 0; i < accounts.count; i += 1) {
    accounts.overlapStart[i] = table.count;
    if (accounts.isDeleted(i)) continue;
    for (const p of pickPartners(random, cumulative, ACCOUNT_PARTNER_COUNTS)) {
      const partner = directory.partners[p] as Partner;
      addOverlap(
        table,
        random,
        timeline,
        i,
        partner,
        partner.companyPopulations,
        [0.5, 0.17, 0.33],
      );
    }
  }
  accounts.overlapStart[accounts.count] = table.count;
  table.seal();
  return table;
}

/** Generates every lead overlap, in lead order, and fills `overlapStart`. */
export function createLeadOverlaps(
  seed: number,
  directory: Directory,
  leads: LeadTable,
  timeline: Timeline,
): OverlapTable {
  const random = new Random(seed, 'lead-overlaps');
  const table = new OverlapTable('lead');
  const cumulative = cumulativeWeights(directory.partners);
  for (let i = 0; i < leads.count; i += 1) {
    leads.overlapStart[i] = table.count;
    for (const p of pickPartners(random, cumulative, LEAD_PARTNER_COUNTS)) {
      const partner = directory.partners[p] as Partner;
      addOverlap(
        table,
        random,
        timeline,
        i,
        partner,
        partner.peoplePopulations,
        [0.6, 0.2, 0.2],
      );
    }
  }
  leads.overlapStart[leads.count] = table.count;
  table.seal();
  return table;
}
