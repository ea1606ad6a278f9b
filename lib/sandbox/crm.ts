/**
 * The customer's own CRM, marketing and product data that matches the
 * sandbox world, as plain rows. Column names follow Fivetran's snake_case
 * Salesforce schema (`account`, `user`, `opportunity`), so a loader can map
 * each array to one table without renaming.
 */
import { CLOSED_WON, DEAL_STAGES, type DealTable } from './deals';
import type { Directory } from './directory';
import { INDUSTRIES } from './names';
import type { OverlapTable } from './overlap-table';
import { Random, salesforceId } from './random';
import { ACCOUNT_TYPES, type AccountTable } from './records';
import type { Timeline } from './timeline';

/** A Salesforce account (`account` table). */
export interface CrmAccount {
  /** 18-character Salesforce id; equals `record_id` in Crossbeam. */
  readonly id: string;
  readonly name: string;
  /** `Customer`, `Prospect` or `Partner`. */
  readonly type: string;
  readonly industry: string;
  /** A `CrmUser.id`. */
  readonly owner_id: string;
  /** ISO 8601 instant in UTC. */
  readonly created_date: string;
  readonly is_deleted: boolean;
}

/** A Salesforce user (`user` table): one of our account executives. */
export interface CrmUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** A Salesforce opportunity (`opportunity` table). */
export interface CrmOpportunity {
  readonly id: string;
  /** A `CrmAccount.id`. */
  readonly account_id: string;
  /** A `CrmUser.id`. */
  readonly owner_id: string;
  readonly name: string;
  /** One of `DEAL_STAGES`; open deals are in an open stage. */
  readonly stage_name: string;
  /** Whole currency units. */
  readonly amount: number;
  readonly is_won: boolean;
  readonly is_closed: boolean;
  /** `YYYY-MM-DD`: the actual close for closed deals, expected for open ones. */
  readonly close_date: string;
  /** ISO 8601 instant in UTC. */
  readonly created_date: string;
  readonly is_deleted: boolean;
}

export const MARKETING_EVENT_TYPES = [
  'webinar',
  'content_download',
  'paid_ad_click',
  'email_click',
  'event_attended',
] as const;

export type MarketingEventType = (typeof MARKETING_EVENT_TYPES)[number];

/** One marketing touch on an account. */
export interface MarketingEvent {
  readonly event_id: string;
  /** A `CrmAccount.id`. */
  readonly account_id: string;
  readonly event_type: MarketingEventType;
  /** ISO 8601 instant in UTC. */
  readonly timestamp: string;
}

/** Product usage of one account; accounts without usage have no row. */
export interface ProductUsage {
  /** A `CrmAccount.id`. */
  readonly account_id: string;
  /** 1 (light use) to 5 (heavy use). */
  readonly tier_score: number;
  /** Product-qualified-lead score, 0 to 100. */
  readonly pql_score: number;
  /** Crossbeam partner uuids whose integrations the account uses. */
  readonly partner_ids: readonly string[];
}

/** The customer's data beyond Crossbeam, consistent with the world. */
export interface CrmData {
  readonly accounts: readonly CrmAccount[];
  readonly users: readonly CrmUser[];
  readonly opportunities: readonly CrmOpportunity[];
  readonly marketingEvents: readonly MarketingEvent[];
  readonly productUsage: readonly ProductUsage[];
}

const DAY = 86_400;

function instant(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

function day(seconds: number): string {
  return instant(seconds).slice(0, 10);
}

/** Builds the CRM rows; called once, on first use of `World.crm`. */
export function createCrmData(
  seed: number,
  directory: Directory,
  accounts: AccountTable,
  overlaps: OverlapTable,
  deals: DealTable,
  timeline: Timeline,
): CrmData {
  const users: CrmUser[] = directory.users.map((user) => ({
    id: user.crmUserId,
    name: user.name,
    email: user.email,
  }));
  const ownerId = (index: number) => users[index]?.id ?? '';

  const crmAccounts: CrmAccount[] = [];
  for (let a = 0; a < accounts.count; a += 1) {
    crmAccounts.push({
      id: accounts.recordId(a),
      name: accounts.name(a),
      type: ACCOUNT_TYPES[accounts.accountType[a] as number] as string,
      industry: INDUSTRIES[accounts.industry[a] as number] as string,
      owner_id: ownerId(accounts.ownerIndex[a] as number),
      created_date: instant(accounts.createdAt[a] as number),
      is_deleted: accounts.isDeleted(a),
    });
  }

  const opportunities: CrmOpportunity[] = [];
  for (let i = 0; i < deals.count; i += 1) {
    const account = deals.accountIndex[i] as number;
    const stage = deals.stage[i] as number;
    opportunities.push({
      id: salesforceId('006', i + 1),
      account_id: accounts.recordId(account),
      owner_id: ownerId(deals.ownerIndex[i] as number),
      name: `${accounts.name(account)} - ${deals.kindName(i)}`,
      stage_name: DEAL_STAGES[stage] as string,
      amount: deals.amount[i] as number,
      is_won: stage === CLOSED_WON,
      is_closed: deals.isClosed(i),
      close_date: day(deals.closeAt[i] as number),
      created_date: instant(deals.createdAt[i] as number),
      is_deleted: deals.deleted[i] === 1,
    });
  }

  const random = new Random(seed, 'marketing');
  const marketingEvents: MarketingEvent[] = [];
  const productUsage: ProductUsage[] = [];
  for (let a = 0; a < accounts.count; a += 1) {
    const isCustomer = accounts.accountType[a] === 1;
    const touches = random.int(0, isCustomer ? 12 : 6);
    for (let k = 0; k < touches; k += 1) {
      marketingEvents.push({
        event_id: `me-${a.toString(36)}-${k}`,
        account_id: accounts.recordId(a),
        event_type: MARKETING_EVENT_TYPES[
          random.weighted([0.2, 0.25, 0.2, 0.25, 0.1])
        ] as MarketingEventType,
        timestamp: instant(random.int(timeline.start, timeline.anchor - DAY)),
      });
    }

    if (!random.chance(isCustomer ? 0.9 : 0.3)) continue;
    const partnerIds: string[] = [];
    const from = accounts.overlapStart[a] as number;
    const to = accounts.overlapStart[a + 1] as number;
    for (let i = from; i < to; i += 1) {
      const partner = directory.partners[overlaps.partnerIndex[i] as number];
      if (partner && random.chance(0.4)) partnerIds.push(partner.uuid);
    }
    if (directory.partners.length > 0 && random.chance(0.05)) {
      const other =
        directory.partners[random.int(0, directory.partners.length - 1)];
      if (other && !partnerIds.includes(other.uuid))
        partnerIds.push(other.uuid);
    }
    productUsage.push({
      account_id: accounts.recordId(a),
      tier_score: Math.min(5, random.int(1, 4) + (isCustomer ? 1 : 0)),
      pql_score: Math.min(
        100,
        Math.round(random.next() * 70 + partnerIds.length * 8),
      ),
      partner_ids: partnerIds,
    });
  }

  return {
    accounts: crmAccounts,
    users,
    opportunities,
    marketingEvents,
    productUsage,
  };
}
