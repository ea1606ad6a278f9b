/**
 * Shapes of the sandbox world. Small entities (partners, users, populations)
 * are plain objects. Records and overlaps live in typed arrays inside
 * `AccountTable`, `LeadTable` and `OverlapTable`, and become API items only
 * when a page is served.
 */

/**
 * World size: `tiny` (3 partners, 20 accounts), `demo` (30 partners, 3,000
 * accounts), `large` (200 partners, about 100,000 account overlaps), or a
 * number of our accounts, with partners and overlaps scaled to match.
 */
export type Scale = 'tiny' | 'demo' | 'large' | number;

export interface WorldOptions {
  /** Any 32-bit integer; the same seed always yields the same world. */
  readonly seed: number;
  readonly scale: Scale;
  /**
   * "Today" in the world. The timeline runs from two years before this
   * instant to one year after it; only the UTC date matters, the time of day
   * is dropped.
   */
  readonly anchor: Date;
}

export type StandardType = 'customers' | 'prospects' | 'open_opportunities';

/** Position of a record in a sales cycle, which drives population moves. */
export type Stage = 'prospect' | 'open' | 'customer';

export interface Population {
  /** Integer id, unique across our and partners' populations. */
  readonly id: number;
  readonly name: string;
  readonly population_type: 'companies' | 'people';
  readonly standard_type: StandardType | null;
  readonly description: string | null;
  /** The stage records in this population are at; null for custom ones. */
  readonly stage: Stage | null;
  /** Index into `World.partners`, or -1 for our own populations. */
  readonly partnerIndex: number;
}

export interface Organization {
  readonly uuid: string;
  readonly name: string;
  readonly domain: string;
  readonly logo_url: string | null;
}

/** One of our account executives, in Crossbeam and in the CRM. */
export interface OurUser {
  readonly uuid: string;
  /** The user's 18-character Salesforce id (`005…`). */
  readonly crmUserId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly name: string;
  readonly email: string;
  readonly role: 'admin' | 'member';
}

export interface PartnerTag {
  readonly id: number;
  readonly label: string;
}

/** The partner populations one partner shares, by stage. */
export interface PartnerPopulationSet {
  readonly prospect: number;
  readonly open: number;
  readonly customer: number;
  /** Custom populations (no standard type), possibly none. */
  readonly custom: readonly number[];
}

export interface Partner {
  readonly index: number;
  readonly uuid: string;
  readonly name: string;
  readonly domain: string;
  readonly logo_url: string | null;
  readonly tagIds: readonly number[];
  /** Relative size: the share of our accounts that overlap with it. */
  readonly weight: number;
  /** Indexes into `World.populations`. */
  readonly companyPopulations: PartnerPopulationSet;
  readonly peoplePopulations: PartnerPopulationSet;
  /** This partner's owners are `World.partnerOwners[ownerStart…+ownerCount]`. */
  readonly ownerStart: number;
  readonly ownerCount: number;
  /** Extra fields the partner shares in `partner_source_data`. */
  readonly sharedFields: readonly PartnerSharedField[];
  /**
   * How much this partner's customers lift our win rate (1.12 is a 12%
   * relative lift); drawn around the network average.
   */
  readonly winRateLift: number;
}

export type PartnerSharedField =
  'Employees' | 'Is Strategic' | 'ARR' | 'Renewal Date';

/** An account executive at a partner (`partner_owner` on overlaps). */
export interface PartnerOwner {
  readonly uuid: string;
  readonly name: string;
  readonly email: string;
  readonly partnerIndex: number;
}

/** A saved report (`/v1/reports`). */
export interface Report {
  readonly id: number;
  readonly name: string;
  readonly report_type: string;
  readonly population_ids: readonly number[];
  readonly partner_population_ids: readonly number[];
}

/** Marks a timeline instant that never comes (no change, no removal). */
export const NEVER = 0xffffffff;
