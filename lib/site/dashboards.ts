/**
 * The five dashboards of the static site: which views of the dashboards
 * schema each one shows, and how. Charts are for comparing numbers, tables
 * for looking things up. Every column named here must exist in its view:
 * `collectSiteData` raises DashboardSiteError otherwise.
 */

/** Sort order of a panel's rows: a column and a direction. */
export interface PanelSort {
  readonly column: string;
  readonly direction: 'asc' | 'desc';
}

/** Columns that tie a row to one of our reps, for the rep filter. */
export interface RepColumns {
  /** Column with the rep's CRM user id. */
  readonly id: string;
  /** Column with the rep's name; the id is shown where it is null. */
  readonly name: string;
}

interface PanelBase {
  /** Unique id, used as the HTML element id. */
  readonly id: string;
  /** The view in the dashboards schema. */
  readonly view: string;
  readonly title: string;
  readonly description: string;
  readonly sort: readonly PanelSort[];
  /** Present when the dashboard's rep filter applies to this panel. */
  readonly rep?: RepColumns;
  /** True for a panel that shares a row with others; wide otherwise. */
  readonly narrow?: boolean;
}

/** One bar series: a numeric column and its legend label. */
export interface ChartSeries {
  readonly column: string;
  readonly label: string;
}

export interface ChartPanel extends PanelBase {
  readonly kind: 'chart';
  /** Bars run left to right (`x`) or top to bottom (`y`). */
  readonly axis: 'x' | 'y';
  /** Columns whose first non-null value labels a bar. */
  readonly labelColumns: readonly string[];
  /** Display names for label values, such as a group's code. */
  readonly labelNames?: Readonly<Record<string, string>>;
  /**
   * Series to draw. With `pivotColumn`, the single series is split into one
   * dataset per distinct value of that column.
   */
  readonly series: readonly ChartSeries[];
  readonly pivotColumn?: string;
  /** Only the first `limit` rows (after `sort`) are drawn. */
  readonly limit?: number;
}

export interface TablePanel extends PanelBase {
  readonly kind: 'table';
  /** Columns shown, in order. */
  readonly columns: readonly string[];
}

export type Panel = ChartPanel | TablePanel;

export interface Dashboard {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  /** True when the dashboard has a rep filter over its `rep` panels. */
  readonly repFilter: boolean;
  readonly panels: readonly Panel[];
}

const REP: RepColumns = { id: 'owner_id', name: 'rep_name' };

const closedDealChart = (
  id: string,
  column: string,
  label: string,
  title: string,
): ChartPanel => ({
  kind: 'chart',
  id,
  view: 'ecosystem_closed_deals',
  title,
  description:
    'Closed opportunities on accounts that a partner has as a customer, against the rest.',
  axis: 'x',
  labelColumns: ['deal_group'],
  labelNames: {
    partner_customer: 'Partner customers',
    standard: 'Standard',
    unknown: 'Unknown (closed before the first sync)',
  },
  series: [{ column, label }],
  sort: [{ column: 'deal_group', direction: 'asc' }],
  narrow: true,
});

export const DASHBOARDS: readonly Dashboard[] = [
  {
    id: 'ecosystem',
    title: 'Ecosystem sales impact',
    description:
      'How deals go when partners know the account, and which partners hold our open pipeline.',
    repFilter: false,
    panels: [
      closedDealChart(
        'deal-size',
        'avg_won_deal_size',
        'Average won deal size',
        'Deal size',
      ),
      closedDealChart('close-rate', 'close_rate', 'Close rate', 'Close rate'),
      closedDealChart(
        'days-to-close',
        'avg_days_to_close',
        'Average days to close',
        'Days to close',
      ),
      {
        kind: 'chart',
        id: 'partner-pipeline',
        view: 'partner_open_pipeline',
        title: 'Partners ranked by open pipeline on their customers',
        description:
          'Our open pipeline on accounts that each partner has as a customer (top 15).',
        axis: 'y',
        labelColumns: ['partner_name', 'partner_id'],
        series: [{ column: 'open_pipeline_amount', label: 'Open pipeline' }],
        sort: [
          { column: 'pipeline_rank', direction: 'asc' },
          { column: 'partner_id', direction: 'asc' },
        ],
        limit: 15,
      },
      {
        kind: 'chart',
        id: 'partner-customer-overlaps',
        view: 'partner_customer_overlaps',
        title: 'Partners ranked by overlap with our customers',
        description:
          'Our customers that overlap with each partner, and how many of them are the partner’s customers too (top 15).',
        axis: 'y',
        labelColumns: ['partner_name', 'partner_id'],
        series: [
          { column: 'customer_overlap_count', label: 'Our customers' },
          { column: 'shared_customer_count', label: 'Shared customers' },
        ],
        sort: [
          { column: 'customer_overlap_count', direction: 'desc' },
          { column: 'partner_id', direction: 'asc' },
        ],
        limit: 15,
      },
      {
        kind: 'table',
        id: 'partner-pipeline-table',
        view: 'partner_open_pipeline',
        title: 'Open pipeline by partner',
        description: 'Every partner with our open pipeline on its customers.',
        columns: [
          'pipeline_rank',
          'partner_name',
          'open_opportunity_count',
          'open_pipeline_amount',
        ],
        sort: [
          { column: 'pipeline_rank', direction: 'asc' },
          { column: 'partner_id', direction: 'asc' },
        ],
      },
    ],
  },
  {
    id: 'sales-rep',
    title: 'Sales rep',
    description:
      'Each rep’s open pipeline, the partners on each open opportunity, and accounts to source from partners.',
    repFilter: true,
    panels: [
      {
        kind: 'chart',
        id: 'rep-pipeline',
        view: 'rep_open_pipeline',
        title: 'Open pipeline per rep',
        description:
          'Each rep’s open pipeline, and the part of it on accounts that a partner has as a customer.',
        axis: 'x',
        labelColumns: ['rep_name', 'owner_id'],
        series: [
          { column: 'open_pipeline_amount', label: 'Open pipeline' },
          {
            column: 'partner_customer_pipeline_amount',
            label: 'On partner customers',
          },
        ],
        sort: [
          { column: 'open_pipeline_amount', direction: 'desc' },
          { column: 'owner_id', direction: 'asc' },
        ],
        rep: REP,
      },
      {
        kind: 'table',
        id: 'open-opportunities',
        view: 'open_opportunity_partners',
        title: 'Open opportunities and their partners',
        description:
          'One row per open opportunity and partner that overlaps with its account.',
        columns: [
          'rep_name',
          'opportunity_name',
          'account_name',
          'stage_name',
          'amount',
          'close_date',
          'partner_name',
          'partner_relationship',
          'partner_owner_name',
          'partner_owner_email',
        ],
        sort: [
          { column: 'amount', direction: 'desc' },
          { column: 'opportunity_id', direction: 'asc' },
          { column: 'partner_crossbeam_record_id', direction: 'asc' },
        ],
        rep: REP,
      },
      {
        kind: 'table',
        id: 'rep-sourcing',
        view: 'rep_partner_customer_accounts',
        title: 'Accounts to source from partners',
        description:
          'Accounts with no open opportunity that a partner has as a customer: ask the partner’s owner for an introduction.',
        columns: [
          'rep_name',
          'account_name',
          'partner_name',
          'partner_relationship',
          'partner_owner_name',
          'partner_owner_email',
        ],
        sort: [
          { column: 'rep_name', direction: 'asc' },
          { column: 'account_name', direction: 'asc' },
          { column: 'partner_crossbeam_record_id', direction: 'asc' },
        ],
        rep: REP,
      },
    ],
  },
  {
    id: 'customer-success',
    title: 'Product and customer success',
    description:
      'Partners that share our largest and most engaged customers, and customers missing a partner integration.',
    repFilter: false,
    panels: [
      {
        kind: 'chart',
        id: 'partner-top-customers',
        view: 'partner_top_customers',
        title: 'Partners ranked by shared top customers',
        description:
          'Our top-quarter customers by tier score and by PQL score that overlap with each partner (top 15 by tier rank).',
        axis: 'y',
        labelColumns: ['partner_name', 'partner_id'],
        series: [
          { column: 'top_tier_customer_count', label: 'Top-tier customers' },
          { column: 'top_pql_customer_count', label: 'Top-PQL customers' },
        ],
        sort: [
          { column: 'tier_rank', direction: 'asc' },
          { column: 'partner_id', direction: 'asc' },
        ],
        limit: 15,
      },
      {
        kind: 'table',
        id: 'integration-gaps',
        view: 'partner_integration_gaps',
        title: 'Customers without the partner integration',
        description:
          'Accounts using our product that a partner has as a customer, where the account does not use our integration with that partner.',
        columns: [
          'account_name',
          'partner_name',
          'partner_owner_name',
          'partner_owner_email',
          'tier_score',
          'pql_score',
        ],
        sort: [
          { column: 'tier_score', direction: 'desc' },
          { column: 'account_id', direction: 'asc' },
          { column: 'partner_id', direction: 'asc' },
        ],
      },
    ],
  },
  {
    id: 'attribution',
    title: 'Multi-touch attribution',
    description:
      'How five attribution models credit won revenue to marketing and partner touches.',
    repFilter: false,
    panels: [
      {
        kind: 'chart',
        id: 'attribution-credit',
        view: 'attribution_by_event_type',
        title: 'Credit by event type and model',
        description:
          'Won deals credited to each event type; each deal’s credits sum to 1 per model.',
        axis: 'x',
        labelColumns: ['event_type'],
        series: [{ column: 'credit', label: 'Credit' }],
        pivotColumn: 'model',
        sort: [
          { column: 'event_type', direction: 'asc' },
          { column: 'model', direction: 'asc' },
        ],
      },
      {
        kind: 'chart',
        id: 'attribution-revenue',
        view: 'attribution_by_event_type',
        title: 'Credited revenue by event type and model',
        description: 'Won revenue credited to each event type.',
        axis: 'x',
        labelColumns: ['event_type'],
        series: [{ column: 'credited_revenue', label: 'Credited revenue' }],
        pivotColumn: 'model',
        sort: [
          { column: 'event_type', direction: 'asc' },
          { column: 'model', direction: 'asc' },
        ],
      },
      {
        kind: 'table',
        id: 'attribution-table',
        view: 'attribution_by_event_type',
        title: 'Attribution by event type',
        description: 'The numbers behind the charts.',
        columns: [
          'model',
          'event_type',
          'opportunity_count',
          'touch_count',
          'credit',
          'credited_revenue',
          'revenue_share',
        ],
        sort: [
          { column: 'model', direction: 'asc' },
          { column: 'credited_revenue', direction: 'desc' },
          { column: 'event_type', direction: 'asc' },
        ],
      },
    ],
  },
  {
    id: 'matchmaking',
    title: 'Rep matchmaking',
    description:
      'Pairs of our account executives and partner account executives who share accounts, best match first.',
    repFilter: true,
    panels: [
      {
        kind: 'table',
        id: 'matchmaking-pairs',
        view: 'rep_matchmaking',
        title: 'Matchmaking pairs',
        description:
          'Rank 1 is each rep’s best match: the most open pipeline on shared accounts, then the most shared accounts.',
        columns: [
          'rep_name',
          'pair_rank',
          'partner_name',
          'partner_owner_name',
          'partner_owner_email',
          'shared_account_count',
          'partner_customer_account_count',
          'open_opportunity_count',
          'open_pipeline_amount',
        ],
        sort: [
          { column: 'rep_name', direction: 'asc' },
          { column: 'pair_rank', direction: 'asc' },
          { column: 'owner_id', direction: 'asc' },
        ],
        rep: REP,
      },
    ],
  },
];
