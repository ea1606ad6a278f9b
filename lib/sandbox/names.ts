/**
 * Word lists the world draws names from. Every domain ends in `.example`
 * (reserved by RFC 2606), so no generated website or email address points at
 * a real company or mailbox.
 */
import { hashWords } from './random';

export const FIRST_NAMES = [
  'Ana',
  'Lee',
  'Priya',
  'Marcus',
  'Sofia',
  'Daniel',
  'Mei',
  'Omar',
  'Grace',
  'Tomás',
  'Aisha',
  'Jonas',
  'Elena',
  'Kenji',
  'Fatima',
  'Lucas',
  'Nadia',
  'Samuel',
  'Ingrid',
  'Diego',
  'Hana',
  'Ravi',
  'Chloe',
  'Mateo',
  'Yara',
  'Ethan',
  'Zoe',
  'Kwame',
  'Lina',
  'Felix',
  'Amara',
  'Noah',
  'Sara',
  'Viktor',
  'Leila',
  'Oscar',
  'Maya',
  'Arjun',
  'Clara',
  'Hugo',
] as const;

export const LAST_NAMES = [
  'Ruiz',
  'Chen',
  'Patel',
  'Okafor',
  'Rossi',
  'Kim',
  'Nguyen',
  'Haddad',
  'Murphy',
  'Silva',
  'Becker',
  'Tanaka',
  'Novak',
  'Ahmed',
  'Larsen',
  'Dubois',
  'Moreno',
  'Schmidt',
  'Kowalski',
  'Mensah',
  'Ivanova',
  'Santos',
  'Weber',
  'Cohen',
  'Ali',
  'Fischer',
  'Yamamoto',
  'Costa',
  'Lindqvist',
  'Brennan',
] as const;

const COMPANY_FIRST = [
  'Northwind',
  'Blue Harbor',
  'Summit',
  'Granite',
  'Evergreen',
  'Silverline',
  'Redwood',
  'Ironclad',
  'Brightpath',
  'Cobalt',
  'Lakeshore',
  'Pioneer',
  'Harborview',
  'Keystone',
  'Meridian',
  'Oakridge',
  'Crescent',
  'Falcon',
  'Juniper',
  'Atlas',
  'Beacon',
  'Cascade',
  'Driftwood',
  'Emberly',
  'Foxglove',
  'Golden Gate',
  'Highland',
  'Indigo',
  'Jetstream',
  'Kestrel',
  'Lumen',
  'Maplewood',
  'Nimbus',
  'Orchard',
  'Polaris',
  'Quarry',
  'Riverbend',
  'Sequoia',
  'Tidewater',
  'Upland',
  'Vantage',
  'Westbrook',
  'Yellowstone',
  'Zephyr',
  'Alder',
  'Bramble',
  'Copperleaf',
  'Delta',
  'Eastgate',
  'Fairview',
] as const;

const COMPANY_SECOND = [
  'Traders',
  'Logistics',
  'Health',
  'Analytics',
  'Foods',
  'Energy',
  'Labs',
  'Systems',
  'Bank',
  'Insurance',
  'Retail',
  'Media',
  'Robotics',
  'Capital',
  'Manufacturing',
  'Networks',
  'Pharma',
  'Outfitters',
  'Hospitality',
  'Consulting',
  'Freight',
  'Biotech',
  'Security',
  'Learning',
  'Motors',
] as const;

const COMPANY_THIRD = ['', '', '', ' Group', ' Partners', ' Co', ' Holdings'];

/** Partner-side spellings of our account's name, as another CRM spells it. */
const PARTNER_NAME_SUFFIXES = [
  '',
  '',
  ' Inc.',
  ' Ltd',
  ', LLC',
  ' GmbH',
  ' Corp',
];

export const INDUSTRIES = [
  'Software',
  'Financial Services',
  'Healthcare',
  'Retail',
  'Manufacturing',
  'Logistics',
  'Media',
  'Education',
  'Energy',
  'Telecommunications',
  'Insurance',
  'Hospitality',
] as const;

const PARTNER_FIRST = [
  'Blue Harbor',
  'Stackline',
  'Cloudwright',
  'Datavane',
  'Relaywork',
  'Signalpeak',
  'Orbitly',
  'Brightwave',
  'Ledgerly',
  'Pipelane',
  'Quantive',
  'Flowtrail',
  'Hubspire',
  'Nexacore',
  'Corelink',
  'Paystream',
  'Shipwise',
  'Talentry',
  'Vaultly',
  'Zenlytic',
  'Marketeer',
  'Opsgrid',
  'Formstack',
  'Syncfield',
  'Trellis',
  'Wavefront',
  'Clearbit',
  'Uplift',
  'Gridpoint',
  'Rivet',
  'Lattice',
  'Kinetic',
  'Beamline',
  'Helios',
  'Mosaic',
  'Arcadia',
] as const;

const PARTNER_SECOND = [
  'Software',
  'Cloud',
  'AI',
  'Data',
  'Labs',
  'Technologies',
  'HQ',
  'Platform',
] as const;

/** Picks a list element by hash, so a name is a function of an index. */
function at<T>(items: readonly T[], hash: number): T {
  return items[hash % items.length] as T;
}

/** Turns a name into a hostname label: `Blue Harbor Co` → `blueharborco`. */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[^A-Za-z0-9]/g, '')
    .toLowerCase();
}

export function personName(seed: number, kind: number, index: number) {
  const first = at(FIRST_NAMES, hashWords(seed, kind, index, 11));
  const last = at(LAST_NAMES, hashWords(seed, kind, index, 12));
  return { first, last, full: `${first} ${last}` };
}

/** Our account's company name, a pure function of its index. */
export function companyName(seed: number, index: number): string {
  const first = at(COMPANY_FIRST, hashWords(seed, 21, index));
  const second = at(COMPANY_SECOND, hashWords(seed, 22, index));
  const third = at(COMPANY_THIRD, hashWords(seed, 23, index));
  return `${first} ${second}${third}`;
}

/**
 * Builds a company's website from the slug of its name, plus the index in base 36 for
 * six indexes in seven, so that two companies of one name rarely share a
 * website.
 */
export function companyWebsite(name: string, index: number): string {
  return `${slugify(name)}${index % 7 === 0 ? '' : index.toString(36)}.example`;
}

export function partnerRecordName(
  seed: number,
  ownName: string,
  overlapIndex: number,
): string {
  return ownName + at(PARTNER_NAME_SUFFIXES, hashWords(seed, 31, overlapIndex));
}

export function partnerCompanyName(seed: number, index: number): string {
  const first = at(PARTNER_FIRST, (index + hashWords(seed, 41)) >>> 0);
  const round = Math.floor(index / PARTNER_FIRST.length);
  const second = at(PARTNER_SECOND, hashWords(seed, 42, index));
  return round === 0 ? `${first} ${second}` : `${first} ${second} ${round + 1}`;
}
