import { z } from 'zod';

/**
 * zod schemas for one item of each Crossbeam list endpoint. They keep fields
 * they do not know (loose objects), accept a missing or null value wherever
 * the API may omit one, and treat ids and uuids as opaque strings. Population
 * ids are integers in the API and become JS integers here.
 */

/** An opaque id: a string, or a number that becomes its decimal string. */
export const opaqueId = z.unknown().transform((value, context): string => {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      context.addIssue({
        code: 'custom',
        message:
          'a numeric id past 2^53 lost digits when the JSON was parsed, so two records could share it',
      });
      return z.NEVER;
    }
    return String(value);
  }
  context.addIssue({
    code: 'custom',
    message: `expected a non-empty string or a number, received ${describeValue(value)}`,
  });
  return z.NEVER;
});

/**
 * An integer id, sent as a number or as a string of digits. Ids past 2^53
 * sent as strings stay strings; sent as numbers they are rejected, because
 * the JSON parser already lost their digits.
 */
export const integerId = z
  .unknown()
  .transform((value, context): number | string => {
    if (typeof value === 'number' && Number.isInteger(value)) {
      if (Number.isSafeInteger(value)) return value;
      context.addIssue({
        code: 'custom',
        message: 'an integer id past 2^53 lost digits when the JSON was parsed',
      });
      return z.NEVER;
    }
    if (typeof value === 'string' && /^-?\d+$/.test(value)) {
      return Number.isSafeInteger(Number(value)) ? Number(value) : value;
    }
    context.addIssue({
      code: 'custom',
      message: `expected an integer, received ${describeValue(value)}`,
    });
    return z.NEVER;
  });

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string')
    return value === ''
      ? 'an empty string'
      : `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? 'an object'
    : `${typeof value} ${String(value)}`;
}

const text = z.string().nullish();
/** Text the API sometimes sends as a number (for example `source_id`). */
const textOrNumber = z.union([z.string(), z.number()]).nullish();
/** A value left for the normalizer to convert, such as a timestamp. */
const raw = z.unknown().optional();

export const PopulationRefSchema = z.looseObject({
  id: integerId,
  name: text,
  segment: text,
});

export const OwnerSchema = z.looseObject({
  owner_name: text,
  owner_email: text,
  owner_phone: text,
  crossbeam_owner_id: opaqueId.nullish(),
});

export const FieldSchema = z.looseObject({
  field_name: z.string().min(1),
  field_value: raw,
});

export const TagSchema = z.looseObject({
  id: opaqueId,
  label: text,
});

export const PartnerSchema = z.looseObject({
  uuid: opaqueId,
  name: text,
  domain: text,
  logo_url: text,
  tags: z.array(TagSchema).nullish(),
});

export const PopulationSchema = z.looseObject({
  id: integerId,
  name: text,
  population_type: text,
  standard_type: text,
  description: text,
});

export const PartnerPopulationSchema = PopulationSchema.extend({
  partner_id: opaqueId.nullish(),
  partner_uuid: opaqueId.nullish(),
});

/**
 * A user of your own organization. The API reference gives no item example
 * for this list, so the id may come as `id`, `uuid` or `user_id`, and the name
 * as `name` or `first_name` plus `last_name`.
 */
export const UserSchema = z
  .looseObject({
    id: opaqueId.nullish(),
    uuid: opaqueId.nullish(),
    user_id: opaqueId.nullish(),
    name: text,
    first_name: text,
    last_name: text,
    email: text,
    phone: text,
    role: text,
  })
  .refine((user) => user.id ?? user.uuid ?? user.user_id, {
    message: 'a user needs an id, uuid or user_id',
    path: ['id'],
  });

const recordFields = {
  crossbeam_record_id: opaqueId,
  record_id: opaqueId.nullish(),
  record_type: text,
  record_name: text,
  record_website: text,
  source_id: textOrNumber,
  owner: OwnerSchema.nullish(),
  populations: z.array(PopulationRefSchema).nullish(),
  crm_data: z.array(FieldSchema).nullish(),
  updated_at: raw,
};

export const AccountRecordSchema = z.looseObject(recordFields);

export const LeadRecordSchema = z.looseObject({
  ...recordFields,
  record_email: text,
});

export const OverlapSchema = z.looseObject({
  crossbeam_record_id: opaqueId,
  partner_crossbeam_record_id: opaqueId,
  record_id: opaqueId.nullish(),
  record_name: text,
  record_website: text,
  record_email: text,
  populations: z.array(PopulationRefSchema).nullish(),
  partner_id: opaqueId.nullish(),
  partner_name: text,
  partner_logo_url: text,
  partner_record_type: text,
  partner_record_name: text,
  partner_record_website: text,
  partner_record_email: text,
  partner_populations: z.array(PopulationRefSchema).nullish(),
  partner_owner: OwnerSchema.nullish(),
  partner_source_data: z.array(FieldSchema).nullish(),
  overlap_created_at: raw,
  overlap_updated_at: raw,
  created_at: raw,
  updated_at: raw,
  is_deleted: z.boolean().nullish(),
});

export const DealSchema = z.looseObject({
  name: text,
  stage: text,
  is_closed: z.boolean().nullish(),
  is_won: z.boolean().nullish(),
  open_date: raw,
  close_date: raw,
  amount: z.union([z.number(), z.string()]).nullish(),
});

export const SignalSchema = z.looseObject({
  event_id: opaqueId,
  event_type: text,
  triggered_at: raw,
  record_type: text,
  record_id: opaqueId.nullish(),
  record_name: text,
  partner_id: opaqueId.nullish(),
  partner_name: text,
  populations: z.array(PopulationRefSchema).nullish(),
  partner_populations: z.array(PopulationRefSchema).nullish(),
  partner_data: z.looseObject({ deal: DealSchema.nullish() }).nullish(),
});

export type PartnerItem = z.infer<typeof PartnerSchema>;
export type TagItem = z.infer<typeof TagSchema>;
export type PopulationItem = z.infer<typeof PopulationSchema>;
export type PartnerPopulationItem = z.infer<typeof PartnerPopulationSchema>;
export type UserItem = z.infer<typeof UserSchema>;
export type AccountRecordItem = z.infer<typeof AccountRecordSchema>;
export type LeadRecordItem = z.infer<typeof LeadRecordSchema>;
export type OverlapItem = z.infer<typeof OverlapSchema>;
export type SignalItem = z.infer<typeof SignalSchema>;
export type PopulationRef = z.infer<typeof PopulationRefSchema>;
export type FieldItem = z.infer<typeof FieldSchema>;
