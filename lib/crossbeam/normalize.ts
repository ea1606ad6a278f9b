import type { z } from 'zod';
import { fitRowText } from '../extract/text-limit';
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
  serializeRow,
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

/**
 * An item as NDJSON lines: `lines[i]` contains the JSON objects, without line
 * ends, for the stream's `tables[i]` in the catalog, and `notes` lists which
 * text values were cut to fit.
 */
export type SerializeResult =
  | {
      readonly ok: true;
      readonly lines: readonly (readonly string[])[];
      readonly notes: readonly string[];
    }
  | { readonly ok: false; readonly reject: RejectedItem };

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

const NONE: readonly never[] = [];

/** Lists shorter than this are checked for repeats without a `Map`. */
const SMALL_LIST = 16;

/**
 * Returns `list` with one entry per key, in the order each key first
 * appears and with the value of its last appearance. A list without repeats,
 * the usual case, is returned as it is.
 */
function uniqueBy<T, K>(
  list: readonly T[] | null | undefined,
  keyOf: (entry: T) => K,
): readonly T[] {
  if (list === null || list === undefined) return NONE;
  if (list.length < 2) return list;
  if (list.length < SMALL_LIST && !hasRepeatedKey(list, keyOf)) return list;
  const byKey = new Map<K, T>();
  for (const entry of list) byKey.set(keyOf(entry), entry);
  return [...byKey.values()];
}

function hasRepeatedKey<T, K>(
  list: readonly T[],
  keyOf: (entry: T) => K,
): boolean {
  for (let index = 1; index < list.length; index++) {
    const key = keyOf(list[index]!);
    for (let earlier = 0; earlier < index; earlier++) {
      if (keyOf(list[earlier]!) === key) return true;
    }
  }
  return false;
}

const fieldName = (field: FieldItem): string => field.field_name;
const populationId = (population: PopulationRef): number | string =>
  population.id;

/** Fields in order, the last value winning when a name repeats. */
function uniqueFields(
  fields: readonly FieldItem[] | null | undefined,
): readonly FieldItem[] {
  return uniqueBy(fields, fieldName);
}

/** Populations once each, so a repeated id does not collide on the key. */
function uniquePopulations(
  populations: readonly PopulationRef[] | null | undefined,
): readonly PopulationRef[] {
  return uniqueBy(populations, populationId);
}

/** Rows of a populations table for both sides of an overlap or signal. */
function sideRows(
  own: readonly PopulationRef[] | null | undefined,
  partner: readonly PopulationRef[] | null | undefined,
  toRow: (side: string, population: PopulationRef) => Record<string, unknown>,
): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const population of uniquePopulations(own)) {
    rows.push(toRow('own', population));
  }
  for (const population of uniquePopulations(partner)) {
    rows.push(toRow('partner', population));
  }
  return rows;
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
  const id = overlap.crossbeam_record_id;
  const partnerId = overlap.partner_crossbeam_record_id;
  const owner = overlap.partner_owner;

  return {
    [main.name]: [
      {
        crossbeam_record_id: id,
        partner_crossbeam_record_id: partnerId,
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
    [populations.name]: sideRows(
      overlap.populations,
      overlap.partner_populations,
      (side, population) => ({
        crossbeam_record_id: id,
        partner_crossbeam_record_id: partnerId,
        side,
        population_id: population.id,
        population_name: population.name,
      }),
    ),
    [fields.name]: uniqueFields(overlap.partner_source_data).map((field) => ({
      crossbeam_record_id: id,
      partner_crossbeam_record_id: partnerId,
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
    [populations.name]: sideRows(
      signal.populations,
      signal.partner_populations,
      (side, population) => ({
        event_id: signal.event_id,
        side,
        population_id: population.id,
        population_name: population.name,
        segment: population.segment,
      }),
    ),
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

function rejectResult(
  item: unknown,
  reason: string,
): {
  readonly ok: false;
  readonly reject: RejectedItem;
} {
  return { ok: false, reject: { reason, record_id: findRecordId(item), item } };
}

/** Runs `normalizeValues`, returning a reject for an invalid item. */
function validateItem(
  stream: StreamName,
  item: unknown,
):
  | { readonly ok: true; readonly values: TableValues }
  | { readonly ok: false; readonly reject: RejectedItem } {
  try {
    return { ok: true, values: normalizeValues(stream, item) };
  } catch (error) {
    if (isZodError(error)) {
      return rejectResult(item, `invalid item: ${describeZodError(error)}`);
    }
    throw error;
  }
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
  const validated = validateItem(stream, item);
  if (!validated.ok) return validated;
  const { values } = validated;

  const rows: Record<string, LandedRow[]> = {};
  try {
    for (const table of STREAMS[stream].tables) {
      rows[table.name] = (values[table.name] ?? []).map((tableValues) =>
        buildRow(table, tableValues, lineage),
      );
    }
  } catch (error) {
    if (error instanceof InvalidValueError) {
      return rejectResult(item, error.message);
    }
    throw error;
  }
  return { ok: true, rows };
}

const NO_NOTES: readonly string[] = [];

/**
 * Validates one API item of `stream` as `normalizeItem` does and returns
 * each of its rows as the JSON text that `JSON.stringify` gives for it, with
 * text values longer than `MAX_TEXT_BYTES` cut by `fitRowText`. This is the
 * extract's path: it skips building the row objects.
 */
export function serializeItem(
  stream: StreamName,
  item: unknown,
  lineage: Lineage,
): SerializeResult {
  const validated = validateItem(stream, item);
  if (!validated.ok) return validated;
  const { values } = validated;

  const tables = STREAMS[stream].tables;
  const lines: string[][] = [];
  let notes = NO_NOTES;
  try {
    for (const table of tables) {
      const tableLines: string[] = [];
      for (const tableValues of values[table.name] ?? NONE) {
        const line = serializeRow(table, tableValues, lineage);
        if (line !== null) {
          tableLines.push(line);
          continue;
        }
        const row = buildRow(table, tableValues, lineage);
        notes = [...notes, ...fitRowText(row, table)];
        tableLines.push(JSON.stringify(row));
      }
      lines.push(tableLines);
    }
  } catch (error) {
    if (error instanceof InvalidValueError) {
      return rejectResult(item, error.message);
    }
    throw error;
  }
  return { ok: true, lines, notes };
}
