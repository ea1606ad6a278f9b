/**
 * The streams this project pulls from the Crossbeam API and the landed tables
 * each one writes. The extractor writes rows with exactly these columns, the
 * migrations create staging and target tables with them, and the loader
 * merges on `key`. Keep all three in step: a test compares them.
 */

/** A column type, rendered per dialect by the SQL renderer. */
export type ColumnType =
  | 'text'
  | 'bigint'
  | 'integer'
  | 'boolean'
  | 'numeric'
  | 'timestamptz'
  | 'date';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

/** A table that one or more streams land into. */
export interface LandedTableSpec {
  /** Table name in the `crossbeam` schema and, per run, in staging. */
  readonly name: string;
  readonly columns: readonly ColumnSpec[];
  /** Natural key: the loader de-duplicates and merges on these columns. */
  readonly key: readonly string[];
  /**
   * Column that scopes a stream's rows inside a table shared by two streams
   * (for example `overlap_type` in `overlaps`), so that a full snapshot of one
   * stream never deletes the other's rows.
   */
  readonly scope?: { readonly column: string; readonly value: string };
}

/**
 * How a stream is read: `snapshot` streams are read in full on every run and
 * replace what the warehouse holds; `incremental` streams keep a bookmark
 * (the last `next_href`) and later runs read only changes.
 */
export type SyncMode = 'snapshot' | 'incremental';

export interface StreamSpec {
  readonly name: StreamName;
  /** API path, relative to the API base. `{organization}` is filled in. */
  readonly path: string;
  readonly pagination: 'page' | 'cursor' | 'none';
  readonly sync: SyncMode;
  /** Landed tables, the stream's main table first, then child tables. */
  readonly tables: readonly LandedTableSpec[];
  /**
   * True for streams that carry `is_deleted` flags on an incremental pass.
   * Deleted items remove the row from the main table and its children.
   */
  readonly hasDeletes: boolean;
  /**
   * The list filter that splits the stream into one list per partner, each
   * with its own cursor and bookmark, so that several partners' pages can
   * be read at once. `column` is the landed column that contains the value.
   */
  readonly partitionBy?: {
    readonly parameter: 'partner-id';
    readonly column: 'partner_id';
  };
  /**
   * True for the organization's own CRM records, which the API cannot
   * bookmark: a run reads them again only once the last loaded copy is
   * `recordsRefreshHours` old.
   */
  readonly ownRecords?: boolean;
}

const BY_PARTNER = { parameter: 'partner-id', column: 'partner_id' } as const;

export const STREAM_NAMES = [
  'partners',
  'partner_tags',
  'populations',
  'partner_populations',
  'users',
  'accounts',
  'leads',
  'account_overlaps',
  'lead_overlaps',
  'account_signals',
  'lead_signals',
] as const;

export type StreamName = (typeof STREAM_NAMES)[number];

const t = (name: string): ColumnSpec => ({ name, type: 'text' });
const ts = (name: string): ColumnSpec => ({ name, type: 'timestamptz' });
const bool = (name: string): ColumnSpec => ({ name, type: 'boolean' });
const int8 = (name: string): ColumnSpec => ({ name, type: 'bigint' });

/** Columns every landed row carries, for lineage. */
export const LINEAGE_COLUMNS: readonly ColumnSpec[] = [
  t('_run_id'),
  ts('_observed_at'),
];

const partners: LandedTableSpec = {
  name: 'partners',
  key: ['partner_id'],
  columns: [
    t('partner_id'),
    t('partner_name'),
    t('partner_domain'),
    t('partner_logo_url'),
    ...LINEAGE_COLUMNS,
  ],
};

const partnerTags: LandedTableSpec = {
  name: 'partner_tags',
  key: ['partner_id', 'tag_id'],
  columns: [t('partner_id'), t('tag_id'), t('tag_label'), ...LINEAGE_COLUMNS],
};

const tags: LandedTableSpec = {
  name: 'tags',
  key: ['tag_id'],
  columns: [t('tag_id'), t('tag_label'), ...LINEAGE_COLUMNS],
};

const populationColumns = [
  int8('population_id'),
  t('population_name'),
  t('population_type'),
  t('standard_type'),
  t('description'),
];

const populations: LandedTableSpec = {
  name: 'populations',
  key: ['population_id'],
  columns: [...populationColumns, ...LINEAGE_COLUMNS],
};

const partnerPopulations: LandedTableSpec = {
  name: 'partner_populations',
  key: ['population_id'],
  columns: [...populationColumns, t('partner_id'), ...LINEAGE_COLUMNS],
};

const users: LandedTableSpec = {
  name: 'users',
  key: ['user_id'],
  scope: { column: 'is_partner_user', value: 'false' },
  columns: [
    t('user_id'),
    t('user_name'),
    t('user_email'),
    t('user_phone'),
    t('role'),
    bool('is_partner_user'),
    t('partner_id'),
    ...LINEAGE_COLUMNS,
  ],
};

const ownerColumns = [
  t('owner_account_executive_name'),
  t('owner_account_executive_email'),
  t('owner_account_executive_phone'),
];

const accounts: LandedTableSpec = {
  name: 'accounts',
  key: ['crossbeam_record_id'],
  columns: [
    t('crossbeam_record_id'),
    t('master_id'),
    t('record_type'),
    t('record_name'),
    t('record_website'),
    t('source_id'),
    t('account_name'),
    t('account_type'),
    t('industry'),
    ts('account_created_at'),
    ...ownerColumns,
    ts('updated_at'),
    ...LINEAGE_COLUMNS,
  ],
};

const leads: LandedTableSpec = {
  name: 'leads',
  key: ['crossbeam_record_id'],
  columns: [
    t('crossbeam_record_id'),
    t('master_id'),
    t('record_type'),
    t('record_name'),
    t('record_email'),
    t('record_website'),
    t('source_id'),
    ...ownerColumns,
    ts('updated_at'),
    ...LINEAGE_COLUMNS,
  ],
};

/** One row per population a record belongs to. */
const recordPopulations = (name: string): LandedTableSpec => ({
  name,
  key: ['crossbeam_record_id', 'population_id'],
  columns: [
    t('crossbeam_record_id'),
    int8('population_id'),
    t('population_name'),
    ...LINEAGE_COLUMNS,
  ],
});

/** One row per CRM field a record carries (`crm_data`). */
const recordFields = (name: string): LandedTableSpec => ({
  name,
  key: ['crossbeam_record_id', 'field_name'],
  columns: [
    t('crossbeam_record_id'),
    t('field_name'),
    t('field_value'),
    ...LINEAGE_COLUMNS,
  ],
});

const overlapKey = ['crossbeam_record_id', 'partner_crossbeam_record_id'];

const overlaps = (overlapType: 'account' | 'lead'): LandedTableSpec => ({
  name: 'overlaps',
  key: overlapKey,
  scope: { column: 'overlap_type', value: overlapType },
  columns: [
    t('crossbeam_record_id'),
    t('partner_crossbeam_record_id'),
    t('overlap_type'),
    t('record_id'),
    t('record_name'),
    t('record_website'),
    t('record_email'),
    t('partner_id'),
    t('partner_name'),
    t('partner_logo_url'),
    t('partner_record_type'),
    t('partner_record_name'),
    t('partner_record_website'),
    t('partner_record_email'),
    t('partner_owner_id'),
    t('partner_owner_name'),
    t('partner_owner_email'),
    t('partner_owner_phone'),
    ts('overlap_created_at'),
    ts('overlap_updated_at'),
    bool('is_deleted'),
    ...LINEAGE_COLUMNS,
  ],
});

/** Populations on both sides of an overlap: `side` is `own` or `partner`. */
const overlapPopulations = (
  overlapType: 'account' | 'lead',
): LandedTableSpec => ({
  name: 'overlap_populations',
  key: [...overlapKey, 'side', 'population_id'],
  scope: { column: 'overlap_type', value: overlapType },
  columns: [
    t('crossbeam_record_id'),
    t('partner_crossbeam_record_id'),
    t('overlap_type'),
    t('side'),
    int8('population_id'),
    t('population_name'),
    ...LINEAGE_COLUMNS,
  ],
});

/** The partner's CRM fields on an overlap (`partner_source_data`). */
const overlapPartnerFields = (
  overlapType: 'account' | 'lead',
): LandedTableSpec => ({
  name: 'overlap_partner_fields',
  key: [...overlapKey, 'field_name'],
  scope: { column: 'overlap_type', value: overlapType },
  columns: [
    t('crossbeam_record_id'),
    t('partner_crossbeam_record_id'),
    t('overlap_type'),
    t('field_name'),
    t('field_value'),
    ...LINEAGE_COLUMNS,
  ],
});

const signals = (signalType: 'account' | 'lead'): LandedTableSpec => ({
  name: 'signals',
  key: ['event_id'],
  scope: { column: 'signal_type', value: signalType },
  columns: [
    t('event_id'),
    t('signal_type'),
    t('event_type'),
    ts('triggered_at'),
    t('record_type'),
    t('record_id'),
    t('record_name'),
    t('partner_id'),
    t('partner_name'),
    t('deal_name'),
    t('deal_stage'),
    bool('deal_is_closed'),
    bool('deal_is_won'),
    ts('deal_open_date'),
    ts('deal_close_date'),
    { name: 'deal_amount', type: 'numeric' },
    ...LINEAGE_COLUMNS,
  ],
});

/** Populations named on a signal: `side` is `own` or `partner`. */
const signalPopulations = (
  signalType: 'account' | 'lead',
): LandedTableSpec => ({
  name: 'signal_populations',
  key: ['event_id', 'side', 'population_id'],
  scope: { column: 'signal_type', value: signalType },
  columns: [
    t('event_id'),
    t('signal_type'),
    t('side'),
    int8('population_id'),
    t('population_name'),
    t('segment'),
    ...LINEAGE_COLUMNS,
  ],
});

export const STREAMS: Readonly<Record<StreamName, StreamSpec>> = {
  partners: {
    name: 'partners',
    path: '/v1/partners',
    pagination: 'page',
    sync: 'snapshot',
    tables: [partners, partnerTags],
    hasDeletes: false,
  },
  partner_tags: {
    name: 'partner_tags',
    path: '/v1/partner-tags',
    pagination: 'page',
    sync: 'snapshot',
    tables: [tags],
    hasDeletes: false,
  },
  populations: {
    name: 'populations',
    path: '/v1/populations',
    pagination: 'page',
    sync: 'snapshot',
    tables: [populations],
    hasDeletes: false,
  },
  partner_populations: {
    name: 'partner_populations',
    path: '/v1/partner-populations',
    pagination: 'page',
    sync: 'snapshot',
    tables: [partnerPopulations],
    hasDeletes: false,
  },
  users: {
    name: 'users',
    path: '/v1/users/organization/{organization}',
    pagination: 'page',
    sync: 'snapshot',
    tables: [users],
    hasDeletes: false,
  },
  accounts: {
    name: 'accounts',
    path: '/v1/records/accounts',
    pagination: 'cursor',
    sync: 'snapshot',
    tables: [
      accounts,
      recordPopulations('account_populations'),
      recordFields('account_crm_fields'),
    ],
    hasDeletes: false,
    ownRecords: true,
  },
  leads: {
    name: 'leads',
    path: '/v1/records/leads',
    pagination: 'cursor',
    sync: 'snapshot',
    tables: [
      leads,
      recordPopulations('lead_populations'),
      recordFields('lead_crm_fields'),
    ],
    hasDeletes: false,
    ownRecords: true,
  },
  account_overlaps: {
    name: 'account_overlaps',
    path: '/v1/overlaps/accounts',
    pagination: 'cursor',
    sync: 'incremental',
    tables: [
      overlaps('account'),
      overlapPopulations('account'),
      overlapPartnerFields('account'),
    ],
    hasDeletes: true,
    partitionBy: BY_PARTNER,
  },
  lead_overlaps: {
    name: 'lead_overlaps',
    path: '/v1/overlaps/leads',
    pagination: 'cursor',
    sync: 'incremental',
    tables: [
      overlaps('lead'),
      overlapPopulations('lead'),
      overlapPartnerFields('lead'),
    ],
    hasDeletes: true,
    partitionBy: BY_PARTNER,
  },
  account_signals: {
    name: 'account_signals',
    path: '/v1/signals/accounts',
    pagination: 'cursor',
    sync: 'incremental',
    tables: [signals('account'), signalPopulations('account')],
    hasDeletes: false,
  },
  lead_signals: {
    name: 'lead_signals',
    path: '/v1/signals/leads',
    pagination: 'cursor',
    sync: 'incremental',
    tables: [signals('lead'), signalPopulations('lead')],
    hasDeletes: false,
  },
};

/** Lists every distinct landed table once, in the order streams declare them. */
export function allLandedTables(): LandedTableSpec[] {
  const byName = new Map<string, LandedTableSpec>();
  for (const name of STREAM_NAMES) {
    for (const table of STREAMS[name].tables) {
      if (!byName.has(table.name)) byName.set(table.name, table);
    }
  }
  return [...byName.values()];
}
