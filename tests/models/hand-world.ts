/**
 * A small world written by hand for the model tests: seven CRM accounts,
 * twelve opportunities, three partners, their overlaps and history, signals,
 * marketing events and product usage. The expected figures in the tests are
 * worked out from these rows by hand; see the comments next to each row.
 *
 * Dates: the first overlap sync ran on 2025-03-01 at 06:00 UTC.
 */
import { salesforceId18 } from '../../lib/sources/salesforce-id';
import { quoteLiteral } from '../../lib/sql/render';
import type { Warehouse } from '../../lib/warehouse/warehouse';

type Value = string | number | boolean | null;

/** A 15-character Salesforce id and its 18-character form. */
export interface SalesforceIds {
  readonly id15: string;
  readonly id18: string;
}

function ids(id15: string): SalesforceIds {
  if (id15.length !== 15) throw new Error(`${id15} is not 15 characters`);
  return { id15, id18: salesforceId18(id15) };
}

export const USERS = {
  ana: {
    ...ids('005Ana000001xYz'),
    name: 'Ana Ruiz',
    email: 'ana@ourco.example',
  },
  ben: {
    ...ids('005Ben000002wXy'),
    name: 'Ben Okafor',
    email: 'ben@ourco.example',
  },
};

export const ACCOUNTS = {
  /** Overlaps with all three partners: Alpha and Beta customers, Gamma custom. */
  northwind: {
    ...ids('001Nw0000Aa1bCd'),
    name: 'Northwind',
    owner: USERS.ana,
    cb: 'cb-a1',
  },
  /** Overlaps with Beta (open opportunities) and, until May, Gamma. */
  contoso: {
    ...ids('001Ct0000Bb2cDe'),
    name: 'Contoso',
    owner: USERS.ana,
    cb: 'cb-a2',
  },
  /** Alpha customer since 2025-06-10, after its won deal closed. */
  fabrikam: {
    ...ids('001Fb0000Cc3dEf'),
    name: 'Fabrikam',
    owner: USERS.ben,
    cb: 'cb-a3',
  },
  /** No overlaps. */
  initech: {
    ...ids('001In0000Dd4eFg'),
    name: 'Initech',
    owner: USERS.ben,
    cb: null,
  },
  /** Gamma customer; its only deal closed before the first sync. */
  umbrella: {
    ...ids('001Um0000Ee5fGh'),
    name: 'Umbrella',
    owner: USERS.ben,
    cb: 'cb-a5',
  },
  /** Alpha customer since August; its only deal was lost in July. */
  globex: {
    ...ids('001Gx0000Ff6gHi'),
    name: 'Globex',
    owner: USERS.ana,
    cb: 'cb-a6',
  },
  /** Deleted in the CRM: left out everywhere. */
  deleted: {
    ...ids('001Dl0000Gg7hIj'),
    name: 'Deleted Co',
    owner: USERS.ana,
    cb: null,
  },
};

export const PARTNERS = {
  alpha: { id: 'p-alpha', name: 'Alpha Apps' },
  beta: { id: 'p-beta', name: 'Beta Cloud' },
  gamma: { id: 'p-gamma', name: 'Gamma Data' },
};

function opportunityIds(n: number): SalesforceIds {
  return ids(`006Op00000${String(n).padStart(3, '0')}aA`);
}

export interface HandOpportunity {
  readonly key: string;
  readonly ids: SalesforceIds;
  readonly account: (typeof ACCOUNTS)[keyof typeof ACCOUNTS];
  readonly owner: (typeof USERS)[keyof typeof USERS];
  readonly name: string;
  readonly stage: string;
  readonly amount: number;
  readonly isWon: boolean;
  readonly isClosed: boolean;
  readonly created: string;
  readonly close: string;
  readonly isDeleted: boolean;
  /** Which id forms the CRM table uses for account_id and owner_id. */
  readonly accountIdForm: 15 | 18;
  readonly ownerIdForm: 15 | 18;
}

const opportunity = (
  n: number,
  fields: Omit<HandOpportunity, 'ids' | 'key' | 'isDeleted'> & {
    isDeleted?: boolean;
  },
): HandOpportunity => ({
  key: `o${n}`,
  ids: opportunityIds(n),
  isDeleted: false,
  ...fields,
});

export const OPPORTUNITIES = {
  /** Won, 60 days, partner customer now and at close; six touches. */
  o1: opportunity(1, {
    account: ACCOUNTS.northwind,
    owner: USERS.ana,
    name: 'Northwind expansion',
    stage: 'Closed Won',
    amount: 1000,
    isWon: true,
    isClosed: true,
    created: '2025-05-02',
    close: '2025-07-01',
    accountIdForm: 15,
    ownerIdForm: 15,
  }),
  o2: opportunity(2, {
    account: ACCOUNTS.northwind,
    owner: USERS.ana,
    name: 'Northwind renewal',
    stage: 'Negotiation',
    amount: 500,
    isWon: false,
    isClosed: false,
    created: '2025-09-01',
    close: '2025-12-31',
    accountIdForm: 15,
    ownerIdForm: 15,
  }),
  /** Lost, 10 days; Contoso is only in Beta's open opportunities. */
  o3: opportunity(3, {
    account: ACCOUNTS.contoso,
    owner: USERS.ana,
    name: 'Contoso pilot',
    stage: 'Closed Lost',
    amount: 300,
    isWon: false,
    isClosed: true,
    created: '2025-06-05',
    close: '2025-06-15',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
  /** Won, 30 days, before Fabrikam's overlap appeared; one touch. */
  o4: opportunity(4, {
    account: ACCOUNTS.fabrikam,
    owner: USERS.ben,
    name: 'Fabrikam deal',
    stage: 'Closed Won',
    amount: 2000,
    isWon: true,
    isClosed: true,
    created: '2025-04-20',
    close: '2025-05-20',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
  /** Won, 29 days, no partner; two touches. */
  o5: opportunity(5, {
    account: ACCOUNTS.initech,
    owner: USERS.ben,
    name: 'Initech deal',
    stage: 'Closed Won',
    amount: 400,
    isWon: true,
    isClosed: true,
    created: '2025-07-12',
    close: '2025-08-10',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
  o6: opportunity(6, {
    account: ACCOUNTS.initech,
    owner: USERS.ben,
    name: 'Initech lost',
    stage: 'Closed Lost',
    amount: 100,
    isWon: false,
    isClosed: true,
    created: '2025-08-02',
    close: '2025-09-01',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
  /** Won, 30 days, closed before the first sync: unknown at close. */
  o7: opportunity(7, {
    account: ACCOUNTS.umbrella,
    owner: USERS.ben,
    name: 'Umbrella deal',
    stage: 'Closed Won',
    amount: 600,
    isWon: true,
    isClosed: true,
    created: '2024-12-16',
    close: '2025-01-15',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
  o8: opportunity(8, {
    account: ACCOUNTS.contoso,
    owner: USERS.ana,
    name: 'Contoso expansion',
    stage: 'Discovery',
    amount: 700,
    isWon: false,
    isClosed: false,
    created: '2025-10-01',
    close: '2026-01-31',
    accountIdForm: 18,
    ownerIdForm: 15,
  }),
  o9: opportunity(9, {
    account: ACCOUNTS.fabrikam,
    owner: USERS.ben,
    name: 'Fabrikam upsell',
    stage: 'Proposal',
    amount: 250,
    isWon: false,
    isClosed: false,
    created: '2025-10-15',
    close: '2026-02-28',
    accountIdForm: 15,
    ownerIdForm: 18,
  }),
  /** Deleted in the CRM: left out everywhere. */
  o10: opportunity(10, {
    account: ACCOUNTS.initech,
    owner: USERS.ben,
    name: 'Initech duplicate',
    stage: 'Closed Won',
    amount: 9999,
    isWon: true,
    isClosed: true,
    created: '2025-07-01',
    close: '2025-07-02',
    accountIdForm: 18,
    ownerIdForm: 18,
    isDeleted: true,
  }),
  /** Lost, 12 days, after the first sync, partner customer at close. */
  o11: opportunity(11, {
    account: ACCOUNTS.northwind,
    owner: USERS.ana,
    name: 'Northwind add-on',
    stage: 'Closed Lost',
    amount: 800,
    isWon: false,
    isClosed: true,
    created: '2025-03-20',
    close: '2025-04-01',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
  /**
   * Lost, 14 days, while Globex's Alpha overlap existed but Alpha still had
   * it as a prospect: not a partner customer at close, one now.
   */
  o12: opportunity(12, {
    account: ACCOUNTS.globex,
    owner: USERS.ana,
    name: 'Globex trial',
    stage: 'Closed Lost',
    amount: 150,
    isWon: false,
    isClosed: true,
    created: '2025-07-01',
    close: '2025-07-15',
    accountIdForm: 18,
    ownerIdForm: 18,
  }),
};

const FIRST_SYNC = '2025-03-01T06:00:00Z';

export interface HandOverlap {
  readonly cb: string;
  readonly partnerRecord: string;
  readonly account: (typeof ACCOUNTS)[keyof typeof ACCOUNTS];
  readonly partner: (typeof PARTNERS)[keyof typeof PARTNERS];
  /** Partner population ids of the partner's record. */
  readonly partnerPopulations: readonly number[];
  /**
   * Until this instant the partner's record was in Alpha's Prospects
   * population (7102) instead of partnerPopulations.
   */
  readonly prospectUntil?: string;
  readonly ownerId: string | null;
  readonly ownerName: string;
  readonly ownerEmail: string;
  readonly createdAt: string | null;
  readonly validFrom: string;
  /** Which id form overlaps.record_id uses. */
  readonly recordIdForm: 15 | 18;
}

const LEE = {
  ownerId: 'po-lee',
  ownerName: 'Lee Chen',
  ownerEmail: 'lee@alpha.example',
};
const MIA = {
  ownerId: 'po-mia',
  ownerName: 'Mia Park',
  ownerEmail: 'mia@beta.example',
};
const SAM = {
  ownerId: 'po-sam',
  ownerName: 'Sam Roy',
  ownerEmail: 'sam@gamma.example',
};
/** No Crossbeam owner id: the matchmaking key falls back to the email. */
const ZOE = {
  ownerId: null,
  ownerName: 'Zoe Lin',
  ownerEmail: 'zoe@gamma.example',
};

/** Current overlaps (crossbeam.overlaps), each with an open history interval. */
export const OVERLAPS: readonly HandOverlap[] = [
  {
    cb: 'cb-a1',
    partnerRecord: 'pr-alpha-1',
    account: ACCOUNTS.northwind,
    partner: PARTNERS.alpha,
    partnerPopulations: [7101],
    ...LEE,
    // The API's created_at is earlier than the first sync: it wins.
    createdAt: '2025-02-10T08:00:00Z',
    validFrom: FIRST_SYNC,
    recordIdForm: 15,
  },
  {
    cb: 'cb-a1',
    partnerRecord: 'pr-beta-1',
    account: ACCOUNTS.northwind,
    partner: PARTNERS.beta,
    partnerPopulations: [7201],
    ...MIA,
    // Later than valid_from, so valid_from is the first appearance.
    createdAt: '2025-03-05T00:00:00Z',
    validFrom: FIRST_SYNC,
    recordIdForm: 15,
  },
  {
    cb: 'cb-a1',
    partnerRecord: 'pr-gamma-1',
    account: ACCOUNTS.northwind,
    partner: PARTNERS.gamma,
    partnerPopulations: [7302],
    ...SAM,
    createdAt: null,
    validFrom: '2025-04-15T06:00:00Z',
    recordIdForm: 15,
  },
  {
    cb: 'cb-a2',
    partnerRecord: 'pr-beta-2',
    account: ACCOUNTS.contoso,
    partner: PARTNERS.beta,
    partnerPopulations: [7202],
    ...MIA,
    createdAt: null,
    validFrom: FIRST_SYNC,
    recordIdForm: 18,
  },
  {
    cb: 'cb-a3',
    partnerRecord: 'pr-alpha-3',
    account: ACCOUNTS.fabrikam,
    partner: PARTNERS.alpha,
    partnerPopulations: [7101],
    ...LEE,
    createdAt: null,
    validFrom: '2025-06-10T06:00:00Z',
    recordIdForm: 15,
  },
  {
    cb: 'cb-a5',
    partnerRecord: 'pr-gamma-5',
    account: ACCOUNTS.umbrella,
    partner: PARTNERS.gamma,
    partnerPopulations: [7301],
    ...ZOE,
    createdAt: null,
    validFrom: FIRST_SYNC,
    recordIdForm: 18,
  },
  {
    cb: 'cb-a6',
    partnerRecord: 'pr-alpha-6',
    account: ACCOUNTS.globex,
    partner: PARTNERS.alpha,
    partnerPopulations: [7101],
    prospectUntil: '2025-08-01T06:00:00Z',
    ...LEE,
    createdAt: null,
    validFrom: FIRST_SYNC,
    recordIdForm: 18,
  },
];

/** Partner populations with the standard type customers. */
const PARTNER_CUSTOMER_POPULATIONS = new Set([7101, 7201, 7301]);

/**
 * The partner side's customer status per overlap over time
 * (crossbeam.overlap_status_history): one interval per status, the
 * prospect stretch of prospectUntil first. The ended Gamma overlap of
 * Contoso was never in a customers population.
 */
function statusIntervals(): Value[][] {
  const rows: Value[][] = [];
  for (const overlap of OVERLAPS) {
    const row = (
      isCustomer: boolean,
      validFrom: string,
      validTo: string | null,
    ): Value[] => [
      overlap.cb,
      overlap.partnerRecord,
      'account',
      overlap.partner.id,
      isCustomer,
      validFrom,
      validTo,
    ];
    const isCustomer = overlap.partnerPopulations.some((id) =>
      PARTNER_CUSTOMER_POPULATIONS.has(id),
    );
    if (overlap.prospectUntil) {
      rows.push(row(false, overlap.validFrom, overlap.prospectUntil));
      rows.push(row(isCustomer, overlap.prospectUntil, null));
    } else {
      rows.push(row(isCustomer, overlap.validFrom, null));
    }
  }
  rows.push([
    ENDED_OVERLAP.cb,
    ENDED_OVERLAP.partnerRecord,
    'account',
    ENDED_OVERLAP.partner.id,
    false,
    ENDED_OVERLAP.validFrom,
    ENDED_OVERLAP.validTo,
  ]);
  return rows;
}

/** An overlap that existed from the first sync to May and is gone now. */
export const ENDED_OVERLAP = {
  cb: 'cb-a2',
  partnerRecord: 'pr-gamma-2',
  partner: PARTNERS.gamma,
  validFrom: FIRST_SYNC,
  validTo: '2025-05-01T06:00:00Z',
};

/** Our records in a customers population (301); Contoso is a prospect (302). */
export const OWN_POPULATIONS: Readonly<Record<string, number>> = {
  'cb-a1': 301,
  'cb-a2': 302,
  'cb-a3': 301,
  'cb-a5': 301,
  'cb-a6': 301,
};

/** Marketing rows as the source contains them, repeats and noise included. */
export const MARKETING_ROWS: readonly {
  accountId: string | null;
  eventType: string;
  timestamp: string;
}[] = [
  // Northwind: two in o1's window, one too early (212 days), one after close.
  {
    accountId: ACCOUNTS.northwind.id18,
    eventType: 'webinar',
    timestamp: '2025-06-24T15:00:00Z',
  },
  {
    accountId: ACCOUNTS.northwind.id15,
    eventType: 'email_click',
    timestamp: '2025-06-30T10:00:00Z',
  },
  {
    accountId: ACCOUNTS.northwind.id18,
    eventType: 'email_click',
    timestamp: '2025-06-30T10:00:00Z',
  },
  {
    accountId: ACCOUNTS.northwind.id18,
    eventType: 'webinar',
    timestamp: '2024-12-01T10:00:00Z',
  },
  {
    accountId: ACCOUNTS.northwind.id18,
    eventType: 'demo',
    timestamp: '2025-07-02T10:00:00Z',
  },
  // Fabrikam, by its 15-character id: o4's only touch, 19 days before close.
  {
    accountId: ACCOUNTS.fabrikam.id15,
    eventType: 'webinar',
    timestamp: '2025-05-01T10:00:00Z',
  },
  // Initech: o5's two touches, the second on the close date.
  {
    accountId: ACCOUNTS.initech.id18,
    eventType: 'email_click',
    timestamp: '2025-07-20T10:00:00Z',
  },
  {
    accountId: ACCOUNTS.initech.id18,
    eventType: ' Demo ',
    timestamp: '2025-08-10T09:00:00Z',
  },
  // No account: left out.
  { accountId: null, eventType: 'webinar', timestamp: '2025-06-01T10:00:00Z' },
];

export const PRODUCT_ROWS: readonly {
  accountId: string;
  tier: number;
  pql: number;
  integrations: string | null;
}[] = [
  {
    accountId: ACCOUNTS.northwind.id15,
    tier: 90,
    pql: 40,
    integrations: 'p-alpha',
  },
  { accountId: ACCOUNTS.fabrikam.id18, tier: 50, pql: 95, integrations: null },
  {
    accountId: ACCOUNTS.umbrella.id18,
    tier: 70,
    pql: 60,
    integrations: 'p-beta, p-gamma',
  },
  {
    accountId: ACCOUNTS.globex.id18,
    tier: 30,
    pql: 80,
    integrations: 'p-beta',
  },
  { accountId: ACCOUNTS.contoso.id18, tier: 10, pql: 20, integrations: null },
];

export const SIGNALS = [
  // In o1's window, 14 days before close.
  {
    eventId: 'sig-1',
    eventType: 'partner_deal_opened',
    recordType: 'account',
    recordId: ACCOUNTS.northwind.id15,
    partner: PARTNERS.alpha,
    triggeredAt: '2025-06-17T12:00:00Z',
  },
  // After o1 closed.
  {
    eventId: 'sig-2',
    eventType: 'partner_deal_closed_won',
    recordType: 'account',
    recordId: ACCOUNTS.northwind.id18,
    partner: PARTNERS.beta,
    triggeredAt: '2025-07-15T12:00:00Z',
  },
  // Own deals and lead signals are not partner touches.
  {
    eventId: 'sig-3',
    eventType: 'own_deal_opened',
    recordType: 'account',
    recordId: ACCOUNTS.northwind.id18,
    partner: PARTNERS.beta,
    triggeredAt: '2025-06-20T12:00:00Z',
  },
  {
    eventId: 'sig-4',
    eventType: 'partner_deal_opened',
    recordType: 'lead',
    recordId: '00Q000000000001',
    partner: PARTNERS.beta,
    triggeredAt: '2025-06-21T12:00:00Z',
  },
];

function insert(
  table: string,
  columns: readonly string[],
  rows: readonly (readonly Value[])[],
): string {
  const values = rows
    .map((row) => `(${row.map((value) => quoteLiteral(value)).join(', ')})`)
    .join(',\n');
  const columnList = columns.map((name) => `"${name}"`).join(', ');
  return `insert into ${table} (${columnList}) values\n${values}`;
}

/** Inserts the Crossbeam side into the migrated `crossbeam` schema. */
export function crossbeamStatements(crossbeam: string): string[] {
  const statements: string[] = [];
  statements.push(
    insert(
      `${crossbeam}.partners`,
      ['partner_id', 'partner_name'],
      Object.values(PARTNERS).map((partner) => [partner.id, partner.name]),
    ),
    insert(
      `${crossbeam}.populations`,
      ['population_id', 'population_name', 'population_type', 'standard_type'],
      [
        [301, 'Customers', 'companies', 'customers'],
        [302, 'Prospects', 'companies', 'prospects'],
      ],
    ),
    insert(
      `${crossbeam}.partner_populations`,
      [
        'population_id',
        'population_name',
        'population_type',
        'standard_type',
        'partner_id',
      ],
      [
        [7101, 'Customers', 'companies', 'customers', PARTNERS.alpha.id],
        [7102, 'Prospects', 'companies', 'prospects', PARTNERS.alpha.id],
        [7201, 'Customers', 'companies', 'customers', PARTNERS.beta.id],
        [
          7202,
          'Open Opportunities',
          'companies',
          'open_opportunities',
          PARTNERS.beta.id,
        ],
        [7301, 'Customers', 'companies', 'customers', PARTNERS.gamma.id],
        [7302, 'Strategic', 'companies', null, PARTNERS.gamma.id],
      ],
    ),
  );

  const crossbeamAccounts = Object.values(ACCOUNTS).filter(
    (account) => account.cb !== null,
  );
  statements.push(
    insert(
      `${crossbeam}.accounts`,
      ['crossbeam_record_id', 'master_id', 'record_type', 'record_name'],
      crossbeamAccounts.map((account) => [
        account.cb,
        account.id18,
        'account',
        account.name,
      ]),
    ),
    insert(
      `${crossbeam}.leads`,
      ['crossbeam_record_id', 'master_id', 'record_type', 'record_name'],
      [['cb-l1', '00Q000000000001', 'lead', 'A lead']],
    ),
  );

  statements.push(
    insert(
      `${crossbeam}.overlaps`,
      [
        'crossbeam_record_id',
        'partner_crossbeam_record_id',
        'overlap_type',
        'record_id',
        'record_name',
        'partner_id',
        'partner_name',
        'partner_record_type',
        'partner_record_name',
        'partner_owner_id',
        'partner_owner_name',
        'partner_owner_email',
        'overlap_created_at',
        'is_deleted',
        '_run_id',
        '_observed_at',
      ],
      OVERLAPS.map((overlap) => [
        overlap.cb,
        overlap.partnerRecord,
        'account',
        overlap.recordIdForm === 15
          ? overlap.account.id15
          : overlap.account.id18,
        overlap.account.name,
        overlap.partner.id,
        overlap.partner.name,
        'account',
        `${overlap.account.name} (partner)`,
        overlap.ownerId,
        overlap.ownerName,
        overlap.ownerEmail,
        overlap.createdAt,
        false,
        'run-2',
        '2025-10-01T06:00:00Z',
      ]),
    ),
  );

  const populationRows: Value[][] = [];
  for (const overlap of OVERLAPS) {
    populationRows.push([
      overlap.cb,
      overlap.partnerRecord,
      'account',
      'own',
      OWN_POPULATIONS[overlap.cb] ?? null,
    ]);
    for (const population of overlap.partnerPopulations) {
      populationRows.push([
        overlap.cb,
        overlap.partnerRecord,
        'account',
        'partner',
        population,
      ]);
    }
  }
  statements.push(
    insert(
      `${crossbeam}.overlap_populations`,
      [
        'crossbeam_record_id',
        'partner_crossbeam_record_id',
        'overlap_type',
        'side',
        'population_id',
      ],
      populationRows,
    ),
  );

  statements.push(
    insert(
      `${crossbeam}.overlap_history`,
      [
        'crossbeam_record_id',
        'partner_crossbeam_record_id',
        'overlap_type',
        'partner_id',
        'valid_from',
        'valid_to',
      ],
      [
        ...OVERLAPS.map((overlap) => [
          overlap.cb,
          overlap.partnerRecord,
          'account',
          overlap.partner.id,
          overlap.validFrom,
          null,
        ]),
        [
          ENDED_OVERLAP.cb,
          ENDED_OVERLAP.partnerRecord,
          'account',
          ENDED_OVERLAP.partner.id,
          ENDED_OVERLAP.validFrom,
          ENDED_OVERLAP.validTo,
        ],
      ],
    ),
    insert(
      `${crossbeam}.overlap_status_history`,
      [
        'crossbeam_record_id',
        'partner_crossbeam_record_id',
        'overlap_type',
        'partner_id',
        'is_partner_customer',
        'valid_from',
        'valid_to',
      ],
      statusIntervals(),
    ),
    insert(
      `${crossbeam}.load_runs`,
      ['stream', 'run_id', 'mode', 'observed_at'],
      [
        ['account_overlaps', 'run-1', 'full', FIRST_SYNC],
        ['account_overlaps', 'run-2', 'incremental', '2025-10-01T06:00:00Z'],
      ],
    ),
    insert(
      `${crossbeam}.signals`,
      [
        'event_id',
        'signal_type',
        'event_type',
        'triggered_at',
        'record_type',
        'record_id',
        'partner_id',
        'partner_name',
      ],
      SIGNALS.map((signal) => [
        signal.eventId,
        signal.recordType,
        signal.eventType,
        signal.triggeredAt,
        signal.recordType,
        signal.recordId,
        signal.partner.id,
        signal.partner.name,
      ]),
    ),
  );
  return statements;
}

/** CRM column names of the two presets, by logical column. */
const NAMING = {
  fivetran: {
    owner_id: 'owner_id',
    created_date: 'created_date',
    is_deleted: 'is_deleted',
    account_id: 'account_id',
    stage_name: 'stage_name',
    is_won: 'is_won',
    is_closed: 'is_closed',
    close_date: 'close_date',
  },
  stitch: {
    owner_id: 'ownerid',
    created_date: 'createddate',
    is_deleted: 'isdeleted',
    account_id: 'accountid',
    stage_name: 'stagename',
    is_won: 'iswon',
    is_closed: 'isclosed',
    close_date: 'closedate',
  },
};

/**
 * Creates the CRM tables in `schema` with Fivetran or Stitch column names,
 * plus `marketing_events` and `product_usage` tables in the same schema.
 */
export function sourceStatements(
  schema: string,
  naming: keyof typeof NAMING,
): string[] {
  const names = NAMING[naming];
  const statements = [
    `create schema ${schema}`,
    `create table ${schema}.account (id text, name text, type text, industry text, ${names.owner_id} text, ${names.created_date} timestamptz, ${names.is_deleted} boolean)`,
    `create table ${schema}.opportunity (id text, ${names.account_id} text, ${names.owner_id} text, name text, ${names.stage_name} text, amount numeric, ${names.is_won} boolean, ${names.is_closed} boolean, ${names.close_date} date, ${names.created_date} timestamptz, ${names.is_deleted} boolean)`,
    `create table ${schema}."user" (id text, name text, email text)`,
    `create table ${schema}.marketing_events (account_id text, event_type text, "timestamp" timestamptz)`,
    `create table ${schema}.product_usage (account_id text, tier_score integer, pql_score integer, partner_integrations text)`,
  ];

  statements.push(
    insert(
      `${schema}.account`,
      [
        'id',
        'name',
        'type',
        'industry',
        names.owner_id,
        names.created_date,
        names.is_deleted,
      ],
      Object.values(ACCOUNTS).map((account) => [
        account.id18,
        account.name,
        'Customer',
        'Software',
        account.owner.id18,
        '2024-01-01T00:00:00Z',
        account === ACCOUNTS.deleted,
      ]),
    ),
    insert(
      `${schema}.opportunity`,
      [
        'id',
        names.account_id,
        names.owner_id,
        'name',
        names.stage_name,
        'amount',
        names.is_won,
        names.is_closed,
        names.close_date,
        names.created_date,
        names.is_deleted,
      ],
      Object.values(OPPORTUNITIES).map((deal) => [
        deal.ids.id18,
        deal.accountIdForm === 15 ? deal.account.id15 : deal.account.id18,
        deal.ownerIdForm === 15 ? deal.owner.id15 : deal.owner.id18,
        deal.name,
        deal.stage,
        deal.amount,
        deal.isWon,
        deal.isClosed,
        deal.close,
        `${deal.created}T09:00:00Z`,
        deal.isDeleted,
      ]),
    ),
    insert(
      `${schema}."user"`,
      ['id', 'name', 'email'],
      Object.values(USERS).map((user) => [user.id18, user.name, user.email]),
    ),
    insert(
      `${schema}.marketing_events`,
      ['account_id', 'event_type', 'timestamp'],
      MARKETING_ROWS.map((row) => [
        row.accountId,
        row.eventType,
        row.timestamp,
      ]),
    ),
    insert(
      `${schema}.product_usage`,
      ['account_id', 'tier_score', 'pql_score', 'partner_integrations'],
      PRODUCT_ROWS.map((row) => [
        row.accountId,
        row.tier,
        row.pql,
        row.integrations,
      ]),
    ),
  );
  return statements;
}

/** Returns the sources configuration input for the tables of `sourceStatements`. */
export function sourcesInput(
  schema: string,
  naming: keyof typeof NAMING,
  basis: 'now' | 'at_close' = 'now',
): Record<string, unknown> {
  return {
    crm: { preset: naming, schema },
    marketing: { schema, table: 'marketing_events' },
    product: { schema, table: 'product_usage' },
    basis,
  };
}

export async function runAll(
  warehouse: Warehouse,
  statements: readonly string[],
): Promise<void> {
  for (const statement of statements) await warehouse.query(statement);
}
