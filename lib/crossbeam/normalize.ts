import type { z } from 'zod';
import {
  STREAMS,
  type LandedTableSpec,
  type StreamName,
} from '../streams/catalog';
import {
  AccountRecordSchema,
  LeadRecordSchema,
  OverlapSchema,
  PartnerPopulationSchema,
  PartnerSchema,
  PopulationSchema,
  SignalSchema,
  TagSchema,
  UserSchema,
  type FieldItem,
  type PopulationRef,
} from './schemas';
import {
  buildRow,
  InvalidValueError,
  toText,
  type LandedRow,
  type Lineage,
} from './values';

export type { LandedRow, Lineage } from './values';

/** An item that could not be landed, and the reason. */
export interface RejectedItem {
  readonly reason: string;
  /** The item's id where one could be found, for tracing it back. */
  readonly record_id: string | null;
  readonly item: unknown;
}

export type NormalizeResult =
  | { readonly ok: true; readonly rows: Record<string, LandedRow[]> }
  | { readonly ok: false; readonly reject: RejectedItem };

/** Column values by table name, before conversion to the column types. */
type TableValues = Record<string, Record<string, unknown>[]>;

/** CRM fields on account records that become columns of `accounts`. */
const ACCOUNT_CRM_COLUMNS: Readonly<Record<string, string>> = {
  'account name': 'account_name',
  'account type': 'account_type',
  industry: 'industry',
  'account created at': 'account_created_at',
};

function ownerValues(
  owner:
    | {
        owner_name?: string | null;
        owner_email?: string | null;
        owner_phone?: string | null;
      }
    | null
    | undefined,
): Record<string, unknown> {
  return {
    owner_account_executive_name: owner?.owner_name,
    owner_account_executive_email: owner?.owner_email,
    owner_account_executive_phone: owner?.owner_phone,
  };
}

/** Fields in order, the last value winning when a name repeats. */
function uniqueFields(
  fields: readonly FieldItem[] | null | undefined,
): FieldItem[] {
  const byName = new Map<string, FieldItem>();
  for (const field of fields ?? []) byName.set(field.field_name, field);
  return [...byName.values()];
}

/** Populations once each, so a repeated id does not collide on the key. */
function uniquePopulations(
  populations: readonly PopulationRef[] | null | undefined,
): PopulationRef[] {
  const byId = new Map<number | string, PopulationRef>();
  for (const population of populations ?? [])
    byId.set(population.id, population);
  return [...byId.values()];
}

function normalizeRecord(
  stream: 'accounts' | 'leads',
  item: unknown,
): TableValues {
  const [main, populations, fields] = STREAMS[stream].tables as [
    LandedTableSpec,
    LandedTableSpec,
    LandedTableSpec,
  ];
  const record =
    stream === 'accounts'
      ? AccountRecordSchema.parse(item)
      : LeadRecordSchema.parse(item);
  const id = record.crossbeam_record_id;
  const crmFields = uniqueFields(record.crm_data);

  const values: Record<string, unknown> = {
    crossbeam_record_id: id,
    master_id: record.record_id,
    record_type: record.record_type,
    record_name: record.record_name,
    record_website: record.record_website,
    source_id: record.source_id,
    ...ownerValues(record.owner),
    updated_at: record.updated_at,
  };
  if (stream === 'leads') {
    values.record_email = (
      record as z.infer<typeof LeadRecordSchema>
    ).record_email;
  } else {
    for (const field of crmFields) {
      const column = ACCOUNT_CRM_COLUMNS[field.field_name.trim().toLowerCase()];
      if (column !== undefined) values[column] = field.field_value;
    }
  }

  return {
    [main.name]: [values],
    [populations.name]: uniquePopulations(record.populations).map(
      (population) => ({
        crossbeam_record_id: id,
        population_id: population.id,
        population_name: population.name,
      }),
    ),
    [fields.name]: crmFields.map((field) => ({
      crossbeam_record_id: id,
      field_name: field.field_name,
      field_value: toText(field.field_value),
    })),
  };
}

function normalizeOverlap(
  stream: 'account_overlaps' | 'lead_overlaps',
  item: unknown,
): TableValues {
  const [main, populations, fields] = STREAMS[stream].tables as [
    LandedTableSpec,
    LandedTableSpec,
    LandedTableSpec,
  ];
  const overlap = OverlapSchema.parse(item);
  const key = {
    crossbeam_record_id: overlap.crossbeam_record_id,
    partner_crossbeam_record_id: overlap.partner_crossbeam_record_id,
  };
  const owner = overlap.partner_owner;

  const sides = [
    ...uniquePopulations(overlap.populations).map((population) => ({
      side: 'own',
      population,
    })),
    ...uniquePopulations(overlap.partner_populations).map((population) => ({
      side: 'partner',
      population,
    })),
  ];

  return {
    [main.name]: [
      {
        ...key,
        record_id: overlap.record_id,
        record_name: overlap.record_name,
        record_website: overlap.record_website,
        record_email: overlap.record_email,
        partner_id: overlap.partner_id,
        partner_name: overlap.partner_name,
        partner_logo_url: overlap.partner_logo_url,
        partner_record_type: overlap.partner_record_type,
        partner_record_name: overlap.partner_record_name,
        partner_record_website: overlap.partner_record_website,
        partner_record_email: overlap.partner_record_email,
        partner_owner_id: owner?.crossbeam_owner_id,
        partner_owner_name: owner?.owner_name,
        partner_owner_email: owner?.owner_email,
        partner_owner_phone: owner?.owner_phone,
        overlap_created_at: overlap.overlap_created_at ?? overlap.created_at,
        overlap_updated_at: overlap.overlap_updated_at ?? overlap.updated_at,
        is_deleted: overlap.is_deleted ?? false,
      },
    ],
    [populations.name]: sides.map(({ side, population }) => ({
      ...key,
      side,
      population_id: population.id,
      population_name: population.name,
    })),
    [fields.name]: uniqueFields(overlap.partner_source_data).map((field) => ({
      ...key,
      field_name: field.field_name,
      field_value: toText(field.field_value),
    })),
  };
}

function normalizeSignal(
  stream: 'account_signals' | 'lead_signals',
  item: unknown,
): TableValues {
  const [main, populations] = STREAMS[stream].tables as [
    LandedTableSpec,
    LandedTableSpec,
  ];
  const signal = SignalSchema.parse(item);
  const deal = signal.partner_data?.deal;

  const sides = [
    ...uniquePopulations(signal.populations).map((population) => ({
      side: 'own',
      population,
    })),
    ...uniquePopulations(signal.partner_populations).map((population) => ({
      side: 'partner',
      population,
    })),
  ];

  return {
    [main.name]: [
      {
        event_id: signal.event_id,
        event_type: signal.event_type,
        triggered_at: signal.triggered_at,
        record_type: signal.record_type,
        record_id: signal.record_id,
        record_name: signal.record_name,
        partner_id: signal.partner_id,
        partner_name: signal.partner_name,
        deal_name: deal?.name,
        deal_stage: deal?.stage,
        deal_is_closed: deal?.is_closed,
        deal_is_won: deal?.is_won,
        deal_open_date: deal?.open_date,
        deal_close_date: deal?.close_date,
        deal_amount: deal?.amount,
      },
    ],
    [populations.name]: sides.map(({ side, population }) => ({
      event_id: signal.event_id,
      side,
      population_id: population.id,
      population_name: population.name,
      segment: population.segment,
    })),
  };
}

function normalizeValues(stream: StreamName, item: unknown): TableValues {
  switch (stream) {
    case 'partners': {
      const partner = PartnerSchema.parse(item);
      const tags = new Map((partner.tags ?? []).map((tag) => [tag.id, tag]));
      return {
        partners: [
          {
            partner_id: partner.uuid,
            partner_name: partner.name,
            partner_domain: partner.domain,
            partner_logo_url: partner.logo_url,
          },
        ],
        partner_tags: [...tags.values()].map((tag) => ({
          partner_id: partner.uuid,
          tag_id: tag.id,
          tag_label: tag.label,
        })),
      };
    }
    case 'partner_tags': {
      const tag = TagSchema.parse(item);
      return { tags: [{ tag_id: tag.id, tag_label: tag.label }] };
    }
    case 'populations': {
      const population = PopulationSchema.parse(item);
      return {
        populations: [
          {
            population_id: population.id,
            population_name: population.name,
            population_type: population.population_type,
            standard_type: population.standard_type,
            description: population.description,
          },
        ],
      };
    }
    case 'partner_populations': {
      const population = PartnerPopulationSchema.parse(item);
      return {
        partner_populations: [
          {
            population_id: population.id,
            population_name: population.name,
            population_type: population.population_type,
            standard_type: population.standard_type,
            description: population.description,
            partner_id: population.partner_id ?? population.partner_uuid,
          },
        ],
      };
    }
    case 'users': {
      const user = UserSchema.parse(item);
      const fullName = [user.first_name, user.last_name]
        .filter((part) => part)
        .join(' ');
      return {
        users: [
          {
            user_id: user.id ?? user.uuid ?? user.user_id,
            user_name: user.name ?? (fullName || null),
            user_email: user.email,
            user_phone: user.phone,
            role: user.role,
          },
        ],
      };
    }
    case 'accounts':
    case 'leads':
      return normalizeRecord(stream, item);
    case 'account_overlaps':
    case 'lead_overlaps':
      return normalizeOverlap(stream, item);
    case 'account_signals':
    case 'lead_signals':
      return normalizeSignal(stream, item);
  }
}

const ID_FIELDS = [
  'crossbeam_record_id',
  'event_id',
  'uuid',
  'id',
  'user_id',
  'record_id',
];

/** Finds an id in an item that failed validation, for the rejects file. */
function findRecordId(item: unknown): string | null {
  if (typeof item !== 'object' || item === null) return null;
  const fields = item as Record<string, unknown>;
  for (const name of ID_FIELDS) {
    const value = fields[name];
    if (typeof value === 'string' && value) return value;
    if (typeof value === 'number') return String(value);
  }
  return null;
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.join('.') : 'item';
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

function isZodError(error: unknown): error is z.ZodError {
  return (
    error instanceof Error &&
    error.name === 'ZodError' &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

/**
 * Validates one API item of `stream` and turns it into rows for each of the
 * stream's landed tables, in catalog order and with exactly the catalog's
 * columns. An item that fails validation, or has a value that does not fit
 * its column (such as an unparseable timestamp), is returned as a reject
 * whose reason names the field. Other items are unaffected.
 */
export function normalizeItem(
  stream: StreamName,
  item: unknown,
  lineage: Lineage,
): NormalizeResult {
  const reject = (reason: string): NormalizeResult => ({
    ok: false,
    reject: { reason, record_id: findRecordId(item), item },
  });

  let values: TableValues;
  try {
    values = normalizeValues(stream, item);
  } catch (error) {
    if (isZodError(error)) {
      return reject(`invalid item: ${describeZodError(error)}`);
    }
    throw error;
  }

  const rows: Record<string, LandedRow[]> = {};
  try {
    for (const table of STREAMS[stream].tables) {
      rows[table.name] = (values[table.name] ?? []).map((tableValues) =>
        buildRow(table, tableValues, lineage),
      );
    }
  } catch (error) {
    if (error instanceof InvalidValueError) return reject(error.message);
    throw error;
  }
  return { ok: true, rows };
}
