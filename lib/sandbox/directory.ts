/**
 * The small entities of a world: our organization and users, partners with
 * their tags, owners and populations, and saved reports.
 */
import {
  FIRST_NAMES,
  LAST_NAMES,
  partnerCompanyName,
  personName,
  slugify,
} from './names';
import { Random, salesforceId, uuidFor } from './random';
import type {
  Organization,
  OurUser,
  Partner,
  PartnerOwner,
  PartnerPopulationSet,
  PartnerSharedField,
  PartnerTag,
  Population,
  Report,
  Stage,
  StandardType,
} from './types';

export interface Directory {
  readonly organization: Organization;
  readonly users: readonly OurUser[];
  readonly partnerTags: readonly PartnerTag[];
  readonly partners: readonly Partner[];
  readonly partnerOwners: readonly PartnerOwner[];
  /** Ours first, then every partner's; index order is id order. */
  readonly populations: readonly Population[];
  readonly reports: readonly Report[];
  /** Indexes into `populations` of our company populations, in mask order. */
  readonly ourCompanyPopulations: readonly number[];
  /** Indexes into `populations` of our people populations, in mask order. */
  readonly ourPeoplePopulations: readonly number[];
}

const ORGANIZATION_NAMES = [
  'Acme Analytics',
  'Northstar Cloud',
  'Brightside Software',
  'Quillpath',
  'Tandem Works',
  'Coastline Data',
] as const;

const TAG_LABELS = [
  'Technology Partner',
  'Reseller',
  'Referral',
  'Strategic',
  'Marketplace',
  'Agency',
  'Tier 1',
  'EMEA',
] as const;

/** Display names partners give their standard populations. */
const PARTNER_POPULATION_NAMES: Readonly<Record<Stage, readonly string[]>> = {
  customer: [
    'Customers',
    'Current Customers',
    'Clients',
    'Active Customers',
    'Customers (All)',
    'Paying Accounts',
  ],
  prospect: [
    'Prospects',
    'Target Accounts',
    'Pipeline',
    'Prospect Accounts',
    'Leads & Prospects',
  ],
  open: [
    'Open Opportunities',
    'Open Opps',
    'Active Deals',
    'In-Flight Deals',
    'Opportunities',
  ],
};

/** Custom partner populations; some look standard by name but are not. */
const CUSTOM_POPULATION_NAMES = [
  'Churned Customers',
  'Legacy Customers',
  'Strategic Accounts',
  'Free Trial Users',
  'Marketplace Listings',
  'Partners & Resellers',
] as const;

const PEOPLE_POPULATION_NAMES: Readonly<Record<Stage, string>> = {
  prospect: 'Leads',
  open: 'Opportunity Contacts',
  customer: 'Customer Contacts',
};

const STANDARD_TYPE: Readonly<Record<Stage, StandardType>> = {
  customer: 'customers',
  prospect: 'prospects',
  open: 'open_opportunities',
};

const SHARED_FIELDS: readonly PartnerSharedField[] = [
  'Employees',
  'Is Strategic',
  'ARR',
  'Renewal Date',
];

const OWN_POPULATION_BASE_ID = 301;
const PARTNER_POPULATION_BASE_ID = 7001;

/** Lower-cases a name and drops accents, for the local part of an email. */
function emailPart(name: string): string {
  return slugify(name);
}

function ourPopulations(): Population[] {
  const own = (
    offset: number,
    name: string,
    type: 'companies' | 'people',
    standard: StandardType | null,
    stage: Stage | null,
    description: string | null,
  ): Population => ({
    id: OWN_POPULATION_BASE_ID + offset,
    name,
    population_type: type,
    standard_type: standard,
    description,
    stage,
    partnerIndex: -1,
  });
  return [
    own(0, 'Customers', 'companies', 'customers', 'customer', null),
    own(1, 'Prospects', 'companies', 'prospects', 'prospect', null),
    own(
      2,
      'Open Opportunities',
      'companies',
      'open_opportunities',
      'open',
      null,
    ),
    own(3, 'Enterprise Accounts', 'companies', null, null, '1,000+ employees'),
    own(
      4,
      'Target Accounts',
      'companies',
      null,
      null,
      'Named accounts for this fiscal year',
    ),
    own(5, 'All Leads', 'people', null, null, null),
    own(
      6,
      'Marketing Qualified Leads',
      'people',
      null,
      null,
      'MQLs from the last 12 months',
    ),
  ];
}

/**
 * Creates the directory. `expectedOverlaps` sizes each partner's team of
 * owners, so a big partner has many owners who each cover many accounts.
 */
export function createDirectory(
  seed: number,
  partnerCount: number,
  expectedOverlaps: number,
): Directory {
  const random = new Random(seed, 'directory');

  const orgName = random.pick(ORGANIZATION_NAMES);
  const orgDomain = `${slugify(orgName)}.example`;
  const organization: Organization = {
    uuid: uuidFor(seed, 'organization', 0),
    name: orgName,
    domain: orgDomain,
    logo_url: `https://logos.example/${slugify(orgName)}.png`,
  };

  const userCount = random.int(8, 15);
  const users: OurUser[] = [];
  const offset = random.int(0, FIRST_NAMES.length - 1);
  for (let i = 0; i < userCount; i += 1) {
    const firstName = FIRST_NAMES[(offset + i) % FIRST_NAMES.length] as string;
    const lastName = random.pick(LAST_NAMES);
    users.push({
      uuid: uuidFor(seed, 'user', i),
      crmUserId: salesforceId('005', i + 1),
      firstName,
      lastName,
      name: `${firstName} ${lastName}`,
      email: `${emailPart(firstName)}.${emailPart(lastName)}@${orgDomain}`,
      role: i === 0 ? 'admin' : 'member',
    });
  }

  const partnerTags = TAG_LABELS.map((label, i) => ({ id: 101 + i, label }));
  const populations = ourPopulations();
  const partners: Partner[] = [];
  const partnerOwners: PartnerOwner[] = [];

  let weightTotal = 0;
  const weights: number[] = [];
  for (let i = 0; i < partnerCount; i += 1) {
    const weight = (1 / Math.pow(i + 1, 1.1)) * (0.7 + 0.6 * random.next());
    weights.push(weight);
    weightTotal += weight;
  }

  for (let i = 0; i < partnerCount; i += 1) {
    const name = partnerCompanyName(seed, i);
    const domain = `${slugify(name)}.example`;
    const weight = weights[i] as number;

    const addPopulation = (
      populationName: string,
      type: 'companies' | 'people',
      stage: Stage | null,
      standard: boolean,
    ): number => {
      populations.push({
        id: PARTNER_POPULATION_BASE_ID + populations.length,
        name: populationName,
        population_type: type,
        standard_type: standard && stage ? STANDARD_TYPE[stage] : null,
        description: null,
        stage,
        partnerIndex: i,
      });
      return populations.length - 1;
    };
    const companySet = (): PartnerPopulationSet => {
      const customer = addPopulation(
        random.pick(PARTNER_POPULATION_NAMES.customer),
        'companies',
        'customer',
        true,
      );
      const prospect = addPopulation(
        random.pick(PARTNER_POPULATION_NAMES.prospect),
        'companies',
        'prospect',
        true,
      );
      const open = addPopulation(
        random.pick(PARTNER_POPULATION_NAMES.open),
        'companies',
        'open',
        true,
      );
      const custom: number[] = [];
      const customCount = random.weighted([0.5, 0.35, 0.15]);
      const customOffset = random.int(0, CUSTOM_POPULATION_NAMES.length - 1);
      for (let k = 0; k < customCount; k += 1) {
        const customName = CUSTOM_POPULATION_NAMES[
          (customOffset + k) % CUSTOM_POPULATION_NAMES.length
        ] as string;
        custom.push(addPopulation(customName, 'companies', null, false));
      }
      return { customer, prospect, open, custom };
    };
    const companyPopulations = companySet();
    const peoplePopulations: PartnerPopulationSet = {
      prospect: addPopulation(
        PEOPLE_POPULATION_NAMES.prospect,
        'people',
        'prospect',
        false,
      ),
      open: addPopulation(
        PEOPLE_POPULATION_NAMES.open,
        'people',
        'open',
        false,
      ),
      customer: addPopulation(
        PEOPLE_POPULATION_NAMES.customer,
        'people',
        'customer',
        false,
      ),
      custom: [],
    };

    const expected = (expectedOverlaps * weight) / weightTotal;
    const ownerCount = Math.min(80, Math.max(2, Math.round(expected / 45)));
    const ownerStart = partnerOwners.length;
    for (let k = 0; k < ownerCount; k += 1) {
      const owner = personName(seed, 50, partnerOwners.length);
      partnerOwners.push({
        uuid: uuidFor(seed, 'partner-owner', partnerOwners.length),
        name: owner.full,
        email: `${emailPart(owner.first)}.${emailPart(owner.last)}@${domain}`,
        partnerIndex: i,
      });
    }

    const tagIds = partnerTags
      .filter(() => random.chance(0.22))
      .map((tag) => tag.id);
    const sharedFields = SHARED_FIELDS.filter(() => random.chance(0.45));
    const lift = 1.12 * Math.exp(0.06 * random.normal());

    partners.push({
      index: i,
      uuid: uuidFor(seed, 'partner', i),
      name,
      domain,
      logo_url: random.chance(0.75)
        ? `https://logos.example/${slugify(name)}.png`
        : null,
      tagIds,
      weight: weight / weightTotal,
      companyPopulations,
      peoplePopulations,
      ownerStart,
      ownerCount,
      sharedFields,
      winRateLift: Math.min(1.3, Math.max(0.98, lift)),
    });
  }

  const firstPartner = partners[0];
  const reports: Report[] = [
    {
      id: 9001,
      name: 'Customers we share with partners',
      report_type: 'overlap',
      population_ids: [OWN_POPULATION_BASE_ID],
      partner_population_ids: partners.map(
        (partner) => populations[partner.companyPopulations.customer]?.id ?? 0,
      ),
    },
    {
      id: 9002,
      name: 'Our prospects that are partner customers',
      report_type: 'overlap',
      population_ids: [OWN_POPULATION_BASE_ID + 1],
      partner_population_ids: firstPartner
        ? [populations[firstPartner.companyPopulations.customer]?.id ?? 0]
        : [],
    },
  ];

  return {
    organization,
    users,
    partnerTags,
    partners,
    partnerOwners,
    populations,
    reports,
    ourCompanyPopulations: [0, 1, 2, 3, 4],
    ourPeoplePopulations: [5, 6],
  };
}
