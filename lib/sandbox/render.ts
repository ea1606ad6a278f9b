/**
 * Renders world records, overlaps and signals as Crossbeam API v1 items.
 * Items are built only when a page is served, from the packed tables.
 */
import { INDUSTRIES, partnerRecordName } from './names';
import {
  MAX_CHANGES,
  NO_POPULATION,
  SIGNAL_EVENT_TYPES,
} from './overlap-table';
import { hashWords, uuidFor } from './random';
import { ACCOUNT_TYPES, REGIONS, ACCOUNT_FLAG } from './records';
import { NEVER, type Population, type Stage } from './types';
import type { OverlapKind, World } from './world';

type FieldValue = string | number | boolean | null;

interface CrmField {
  field_name: string;
  field_value: FieldValue;
}

const DAY = 86_400;
const ACCOUNT_SOURCE_ID = 20001;
const LEAD_SOURCE_ID = 20002;

/** Formats seconds as Crossbeam does: `2025-09-12T14:00:00.000+00:00`. */
export function formatInstant(seconds: number): string {
  // toISOString ends in its only `Z`.
  return `${new Date(seconds * 1000).toISOString().slice(0, -1)}+00:00`;
}

function populationRef(population: Population) {
  return { id: population.id, name: population.name };
}

function withSegment(population: Population) {
  return { ...populationRef(population), segment: population.standard_type };
}

function ownPopulations(
  world: World,
  kind: OverlapKind,
  mask: number,
): Population[] {
  const indexes =
    kind === 'account'
      ? world.directory.ourCompanyPopulations
      : world.directory.ourPeoplePopulations;
  const result: Population[] = [];
  indexes.forEach((index, bit) => {
    const population = world.populations[index];
    if (population && (mask & (1 << bit)) !== 0) result.push(population);
  });
  return result;
}

function ownMask(world: World, kind: OverlapKind, record: number): number {
  const table = kind === 'account' ? world.accounts : world.leads;
  return table.populationMask[record] as number;
}

function ourOwner(world: World, userIndex: number) {
  const user = world.users[userIndex];
  return {
    owner_name: user?.name ?? null,
    owner_email: user?.email ?? null,
    owner_phone: null,
  };
}

/** Renders an account record (`/v1/records/accounts`). */
export function renderAccount(world: World, i: number) {
  const accounts = world.accounts;
  const flags = accounts.flags[i] as number;
  const name = accounts.name(i);
  const crmData: CrmField[] = [
    { field_name: 'Account Name', field_value: name },
    {
      field_name: 'Account Type',
      field_value: ACCOUNT_TYPES[accounts.accountType[i] as number] as string,
    },
    {
      field_name: 'Industry',
      field_value: INDUSTRIES[accounts.industry[i] as number] as string,
    },
    {
      field_name: 'Account Created At',
      field_value: formatInstant(accounts.createdAt[i] as number),
    },
  ];
  if (flags & ACCOUNT_FLAG.sharesEmployees) {
    crmData.push({
      field_name: 'Employees',
      field_value: accounts.employees[i] as number,
    });
  }
  if (flags & ACCOUNT_FLAG.sharesIsPublic) {
    crmData.push({
      field_name: 'Is Public',
      field_value: (flags & ACCOUNT_FLAG.isPublic) !== 0,
    });
  }
  if (flags & ACCOUNT_FLAG.sharesRegion) {
    const unknown = hashWords(world.seed, 71, i) % 5 === 0;
    crmData.push({
      field_name: 'Region',
      field_value: unknown
        ? null
        : (REGIONS[accounts.region[i] as number] as string),
    });
  }
  return {
    crossbeam_record_id: accounts.uuid(i),
    record_id: accounts.recordId(i),
    record_type: 'account',
    record_name: name,
    record_website: accounts.website(i),
    source_id: ACCOUNT_SOURCE_ID,
    owner: ourOwner(world, accounts.ownerIndex[i] as number),
    populations: ownPopulations(
      world,
      'account',
      accounts.populationMask[i] as number,
    ).map(populationRef),
    crm_data: crmData,
    updated_at: formatInstant(accounts.updatedAt[i] as number),
  };
}

/** Renders a lead record (`/v1/records/leads`). */
export function renderLead(world: World, i: number) {
  const leads = world.leads;
  const person = leads.person(i);
  const account = leads.accountIndex[i] as number;
  return {
    crossbeam_record_id: leads.uuid(i),
    record_id: leads.recordId(i),
    record_type: 'lead',
    record_name: person.full,
    record_email: leads.email(i),
    record_website: world.accounts.website(account),
    source_id: LEAD_SOURCE_ID,
    owner: ourOwner(world, leads.ownerIndex(i)),
    populations: ownPopulations(
      world,
      'lead',
      leads.populationMask[i] as number,
    ).map(populationRef),
    crm_data: [
      { field_name: 'First Name', field_value: person.first },
      { field_name: 'Last Name', field_value: person.last },
      { field_name: 'Email', field_value: leads.email(i) },
      { field_name: 'Company', field_value: world.accounts.name(account) },
      {
        field_name: 'Lead Created At',
        field_value: formatInstant(leads.createdAt[i] as number),
      },
    ] satisfies CrmField[],
    updated_at: formatInstant(leads.updatedAt[i] as number),
  };
}

const PARTNER_ACCOUNT_TYPE: Readonly<Record<Stage, string>> = {
  prospect: 'Prospect',
  open: 'Opportunity',
  customer: 'Customer',
};

const PARTNER_LEAD_STATUS: Readonly<Record<Stage, string>> = {
  prospect: 'Working',
  open: 'Qualified',
  customer: 'Converted',
};

function partnerSourceData(
  world: World,
  kind: OverlapKind,
  overlap: number,
  stage: Stage | null,
): CrmField[] {
  const table = world.overlaps(kind);
  const partner = world.partners[table.partnerIndex[overlap] as number];
  const record = table.recordIndex[overlap] as number;
  if (kind === 'lead') {
    return [
      {
        field_name: 'Lead Status',
        field_value: stage ? PARTNER_LEAD_STATUS[stage] : null,
      },
      {
        field_name: 'Lead Source',
        field_value: ['Webinar', 'Website', 'Event', 'Referral'][
          hashWords(world.seed, 81, overlap) % 4
        ] as string,
      },
    ];
  }

  const hash = hashWords(world.seed, 82, overlap);
  const industry =
    hash % 10 === 0
      ? (INDUSTRIES[hash % INDUSTRIES.length] as string)
      : (INDUSTRIES[world.accounts.industry[record] as number] as string);
  const fields: CrmField[] = [
    {
      field_name: 'Account Type',
      field_value: stage ? PARTNER_ACCOUNT_TYPE[stage] : 'Other',
    },
    { field_name: 'Industry', field_value: industry },
  ];
  for (const field of partner?.sharedFields ?? []) {
    if (field === 'Employees') {
      const employees = world.accounts.employees[record] as number;
      fields.push({
        field_name: field,
        field_value: Math.round(employees * (0.8 + ((hash >>> 8) % 40) / 100)),
      });
    } else if (field === 'Is Strategic') {
      fields.push({ field_name: field, field_value: (hash >>> 12) % 4 === 0 });
    } else if (field === 'ARR') {
      fields.push({
        field_name: field,
        field_value:
          stage === 'customer' ? 5_000 + ((hash >>> 4) % 400) * 250 : null,
      });
    } else {
      const renewal = world.timeline.anchor + ((hash >>> 6) % 365) * DAY;
      fields.push({
        field_name: field,
        field_value: stage === 'customer' ? formatInstant(renewal) : null,
      });
    }
  }
  return fields;
}

/**
 * Renders an overlap at instant `t` or, when `deleted`, the overlap as it was last
 * shared, flagged `is_deleted: true`.
 */
export function renderOverlap(
  world: World,
  kind: OverlapKind,
  i: number,
  t: number,
  deleted: boolean,
) {
  const table = world.overlaps(kind);
  const disappearsAt = table.disappearsAt[i] as number;
  const shownAt = deleted && disappearsAt <= t ? disappearsAt - 1 : t;
  const partner = world.partners[table.partnerIndex[i] as number];
  const owner = world.partnerOwners[table.ownerIndex[i] as number];
  const record = table.recordIndex[i] as number;
  const population = world.populations[table.populationAt(i, shownAt)];
  const extra = table.extraPopulation[i] as number;
  const partnerPopulations = population ? [population] : [];
  const extraPopulation =
    extra === NO_POPULATION ? undefined : world.populations[extra];
  if (extraPopulation) partnerPopulations.push(extraPopulation);
  const updatedAt =
    deleted && disappearsAt <= t ? disappearsAt : table.lastEventAt(i, t);

  const isAccount = kind === 'account';
  const recordName = isAccount
    ? world.accounts.name(record)
    : world.leads.person(record).full;
  const website = isAccount
    ? world.accounts.website(record)
    : world.accounts.website(world.leads.accountIndex[record] as number);
  const email = isAccount ? null : world.leads.email(record);
  const item: Record<string, unknown> = {
    crossbeam_record_id: isAccount
      ? world.accounts.uuid(record)
      : world.leads.uuid(record),
    record_id: isAccount
      ? world.accounts.recordId(record)
      : world.leads.recordId(record),
    record_name: recordName,
    record_website: website,
    record_email: email,
    populations: ownPopulations(world, kind, ownMask(world, kind, record)).map(
      populationRef,
    ),
    partner_id: partner?.uuid ?? null,
    partner_name: partner?.name ?? null,
    partner_logo_url: partner?.logo_url ?? null,
    partner_crossbeam_record_id: uuidFor(world.seed, `partner-${kind}`, i),
    partner_record_type: kind,
    partner_record_name: isAccount
      ? partnerRecordName(world.seed, recordName, i)
      : recordName,
    partner_record_website: website,
  };
  if (!isAccount) item.partner_record_email = email;
  item.partner_populations = partnerPopulations.map(populationRef);
  item.partner_owner = {
    owner_name: owner?.name ?? null,
    owner_email: owner?.email ?? null,
    owner_phone: null,
    crossbeam_owner_id: owner?.uuid ?? null,
  };
  item.partner_source_data = partnerSourceData(
    world,
    kind,
    i,
    population?.stage ?? null,
  );
  item.created_at = formatInstant(table.appearsAt[i] as number);
  item.updated_at = updatedAt === NEVER ? null : formatInstant(updatedAt);
  item.is_deleted = deleted;
  return item;
}

const DEAL_TOPICS = [
  'Expansion',
  'Rollout',
  'Pilot',
  'Renewal',
  'Platform Upgrade',
];

/** Renders a signal (`/v1/signals/accounts` or `/v1/signals/leads`). */
export function renderSignal(world: World, kind: OverlapKind, n: number) {
  const signals = world.signals(kind);
  const table = world.overlaps(kind);
  const i = signals.overlap[n] as number;
  const change = signals.change[n] as number;
  const eventType = SIGNAL_EVENT_TYPES[
    signals.eventType[n] as number
  ] as string;
  const triggeredAt = signals.triggeredAt[n] as number;
  const record = table.recordIndex[i] as number;
  const partner = world.partners[table.partnerIndex[i] as number];
  const after =
    world.populations[
      table.populations[i * (MAX_CHANGES + 1) + change + 1] as number
    ];
  const isAccount = kind === 'account';
  const recordName = isAccount
    ? world.accounts.name(record)
    : world.leads.person(record).full;
  const companyName = isAccount
    ? recordName
    : world.accounts.name(world.leads.accountIndex[record] as number);

  const won = eventType === 'partner_deal_closed_won';
  const openedAt =
    won && change > 0
      ? (table.changeAt[i * MAX_CHANGES + change - 1] as number)
      : won
        ? (table.appearsAt[i] as number) - 30 * DAY
        : triggeredAt;
  const hash = hashWords(world.seed, 91, i);
  const openedDay = Math.floor(openedAt / DAY) * DAY;
  return {
    event_id: uuidFor(world.seed, `signal-${kind}`, i * MAX_CHANGES + change),
    event_type: eventType,
    triggered_at: formatInstant(triggeredAt),
    record_type: kind,
    record_id: isAccount
      ? world.accounts.recordId(record)
      : world.leads.recordId(record),
    record_name: recordName,
    partner_id: partner?.uuid ?? null,
    partner_name: partner?.name ?? null,
    populations: ownPopulations(world, kind, ownMask(world, kind, record)).map(
      withSegment,
    ),
    partner_populations: after ? [withSegment(after)] : [],
    partner_data: {
      deal: {
        name: `${companyName} - ${DEAL_TOPICS[hash % DEAL_TOPICS.length] as string}`,
        stage: won
          ? 'Closed Won'
          : hash % 2 === 0
            ? 'Discovery'
            : 'Qualification',
        is_closed: won,
        is_won: won,
        open_date: formatInstant(openedDay),
        close_date: won
          ? formatInstant(Math.floor(triggeredAt / DAY) * DAY)
          : null,
        amount: 4_000 + ((hash >>> 8) % 200) * 500,
      },
    },
  };
}
