/**
 * Our own CRM records (accounts and leads), packed into typed arrays. Names,
 * websites and ids are pure functions of the index, so they are not stored.
 */
import {
  INDUSTRIES,
  companyName,
  companyWebsite,
  personName,
  slugify,
} from './names';
import { Random, salesforceId, uuidFor } from './random';

const DAY = 86_400;

/** Bits of `AccountTable.flags`. */
export const ACCOUNT_FLAG = {
  /** Deleted in the CRM: absent from Crossbeam, `is_deleted` in the CRM. */
  deleted: 1,
  /** Shares the `Employees` field in `crm_data`. */
  sharesEmployees: 2,
  /** Shares `Is Public` in `crm_data`. */
  sharesIsPublic: 4,
  isPublic: 8,
  /** Shares `Region` in `crm_data`, sometimes as null. */
  sharesRegion: 16,
} as const;

export const ACCOUNT_TYPES = ['Prospect', 'Customer', 'Partner'] as const;

export const REGIONS = ['North America', 'EMEA', 'APAC', 'LATAM'] as const;

export class AccountTable {
  readonly ownerIndex: Uint8Array;
  readonly industry: Uint8Array;
  readonly createdAt: Uint32Array;
  readonly updatedAt: Uint32Array;
  readonly employees: Uint32Array;
  readonly flags: Uint8Array;
  readonly region: Uint8Array;
  /** Index into `ACCOUNT_TYPES`, set once deals are known. */
  readonly accountType: Uint8Array;
  /** Bit k set: member of our k-th company population. */
  readonly populationMask: Uint8Array;
  /** Account i's overlaps are `overlapStart[i]` to `overlapStart[i + 1]`. */
  readonly overlapStart: Uint32Array;

  constructor(
    readonly seed: number,
    readonly count: number,
    userCount: number,
    anchor: number,
  ) {
    const random = new Random(seed, 'accounts');
    this.ownerIndex = new Uint8Array(count);
    this.industry = new Uint8Array(count);
    this.createdAt = new Uint32Array(count);
    this.updatedAt = new Uint32Array(count);
    this.employees = new Uint32Array(count);
    this.flags = new Uint8Array(count);
    this.region = new Uint8Array(count);
    this.accountType = new Uint8Array(count);
    this.populationMask = new Uint8Array(count);
    this.overlapStart = new Uint32Array(count + 1);

    for (let i = 0; i < count; i += 1) {
      this.ownerIndex[i] = Math.floor(Math.pow(random.next(), 1.3) * userCount);
      this.industry[i] = random.int(0, INDUSTRIES.length - 1);
      const created = anchor - random.int(30 * DAY, 6 * 365 * DAY);
      this.createdAt[i] = created;
      this.updatedAt[i] = Math.max(
        created,
        anchor - random.int(DAY, 200 * DAY),
      );
      this.employees[i] = Math.min(
        250_000,
        Math.max(5, Math.round(random.logNormal(180, 1.6))),
      );
      this.region[i] = random.weighted([0.55, 0.25, 0.13, 0.07]);
      let flags = 0;
      if (random.chance(0.015)) flags |= ACCOUNT_FLAG.deleted;
      if (random.chance(0.7)) flags |= ACCOUNT_FLAG.sharesEmployees;
      if (random.chance(0.5)) flags |= ACCOUNT_FLAG.sharesIsPublic;
      if (random.chance(0.12)) flags |= ACCOUNT_FLAG.isPublic;
      if (random.chance(0.4)) flags |= ACCOUNT_FLAG.sharesRegion;
      this.flags[i] = flags;
    }
  }

  isDeleted(i: number): boolean {
    return ((this.flags[i] as number) & ACCOUNT_FLAG.deleted) !== 0;
  }

  uuid(i: number): string {
    return uuidFor(this.seed, 'account', i);
  }

  /** Returns the Salesforce account id, which is also `record_id` in Crossbeam. */
  recordId(i: number): string {
    return salesforceId('001', i + 1);
  }

  name(i: number): string {
    return companyName(this.seed, i);
  }

  website(i: number): string {
    return companyWebsite(this.name(i), i);
  }
}

export class LeadTable {
  /** The company the lead works for, an index into `AccountTable`. */
  readonly accountIndex: Uint32Array;
  readonly createdAt: Uint32Array;
  readonly updatedAt: Uint32Array;
  /** Bit k set: member of our k-th people population. */
  readonly populationMask: Uint8Array;
  /** Lead i's overlaps are `overlapStart[i]` to `overlapStart[i + 1]`. */
  readonly overlapStart: Uint32Array;

  constructor(
    readonly seed: number,
    readonly count: number,
    private readonly accounts: AccountTable,
    anchor: number,
  ) {
    const random = new Random(seed, 'leads');
    this.accountIndex = new Uint32Array(count);
    this.createdAt = new Uint32Array(count);
    this.updatedAt = new Uint32Array(count);
    this.populationMask = new Uint8Array(count);
    this.overlapStart = new Uint32Array(count + 1);

    for (let i = 0; i < count; i += 1) {
      let account = random.int(0, accounts.count - 1);
      for (
        let attempt = 0;
        attempt < 4 && accounts.isDeleted(account);
        attempt += 1
      ) {
        account = random.int(0, accounts.count - 1);
      }
      this.accountIndex[i] = account;
      const created = anchor - random.int(DAY, 700 * DAY);
      this.createdAt[i] = created;
      this.updatedAt[i] = Math.max(created, anchor - random.int(DAY, 90 * DAY));
      this.populationMask[i] = 1 | (random.chance(0.4) ? 2 : 0);
    }
  }

  uuid(i: number): string {
    return uuidFor(this.seed, 'lead', i);
  }

  recordId(i: number): string {
    return salesforceId('00Q', i + 1);
  }

  person(i: number) {
    return personName(this.seed, 60, i);
  }

  email(i: number): string {
    const person = this.person(i);
    const website = this.accounts.website(this.accountIndex[i] as number);
    const serial = i % 3 === 0 ? '' : String(i % 97);
    return `${slugify(person.first)}.${slugify(person.last)}${serial}@${website}`;
  }

  ownerIndex(i: number): number {
    return this.accounts.ownerIndex[this.accountIndex[i] as number] as number;
  }
}
