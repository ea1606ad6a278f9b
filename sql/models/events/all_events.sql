-- model: all_events
-- grain: one row per touch on one of our CRM accounts: a marketing event, the first appearance of a partner overlap, or a partner deal signal
-- key: event_id
-- requires: marketing
-- column event_id: unique id of the touch, prefixed with its source (marketing:, overlap:, signal:)
-- column account_id: CRM id of our account, normalized like stg_crm__accounts.account_id
-- column event_type: the marketing event type, partner_overlap, partner_deal_opened or partner_deal_closed_won
-- column occurred_at: when the touch happened; for partner_overlap, the earliest of the overlap's created_at in the API and its first interval in overlap_history
-- column partner_id: Crossbeam partner id for partner touches, null for marketing events
-- column partner_name: the partner's name for partner touches
-- column source: marketing, crossbeam_overlap or crossbeam_signal
create or replace view {{ models }}.all_events as
with marketing_events as (
    select
        'marketing:' || event_id as event_id,
        account_id,
        event_type,
        occurred_at,
        cast(null as {{ text }}) as partner_id,
        cast(null as {{ text }}) as partner_name,
        cast('marketing' as {{ text }}) as source
    from {{ models }}.stg_marketing__events
),

overlap_sightings as (
    select
        crossbeam_record_id,
        partner_crossbeam_record_id,
        partner_id,
        partner_name,
        coalesce(overlap_created_at, _observed_at) as seen_at
    from {{ crossbeam }}.overlaps
    union all
    select
        crossbeam_record_id,
        partner_crossbeam_record_id,
        partner_id,
        cast(null as {{ text }}) as partner_name,
        valid_from as seen_at
    from {{ crossbeam }}.overlap_history
),

first_overlap_sightings as (
    select
        crossbeam_record_id,
        partner_crossbeam_record_id,
        max(partner_id) as partner_id,
        max(partner_name) as partner_name,
        min(seen_at) as first_seen_at
    from overlap_sightings
    group by
        crossbeam_record_id,
        partner_crossbeam_record_id
),

overlap_events as (
    select
        'overlap:' || sightings.crossbeam_record_id || ':'
        || sightings.partner_crossbeam_record_id as event_id,
        records.crm_record_id as account_id,
        cast('partner_overlap' as {{ text }}) as event_type,
        sightings.first_seen_at as occurred_at,
        sightings.partner_id,
        coalesce(partners.partner_name, sightings.partner_name)
            as partner_name,
        cast('crossbeam_overlap' as {{ text }}) as source
    from first_overlap_sightings as sightings
    inner join {{ models }}.stg_crossbeam__records as records
        on sightings.crossbeam_record_id = records.crossbeam_record_id
    left join {{ crossbeam }}.partners as partners
        on sightings.partner_id = partners.partner_id
    where
        coalesce(records.record_type, 'account') = 'account'
        and sightings.first_seen_at is not null
),

signal_records as (
    select
        event_id,
        {{ crossbeam__record_id }} as account_id,
        event_type,
        triggered_at,
        partner_id,
        partner_name,
        record_type
    from {{ crossbeam }}.signals
),

signal_events as (
    select
        'signal:' || signal_records.event_id as event_id,
        signal_records.account_id,
        signal_records.event_type,
        signal_records.triggered_at as occurred_at,
        signal_records.partner_id,
        coalesce(partners.partner_name, signal_records.partner_name)
            as partner_name,
        cast('crossbeam_signal' as {{ text }}) as source
    from signal_records
    left join {{ crossbeam }}.partners as partners
        on signal_records.partner_id = partners.partner_id
    where
        signal_records.record_type = 'account'
        and signal_records.event_type in (
            'partner_deal_opened', 'partner_deal_closed_won'
        )
        and signal_records.account_id is not null
        and signal_records.triggered_at is not null
)

select
    event_id,
    account_id,
    event_type,
    occurred_at,
    partner_id,
    partner_name,
    source
from marketing_events
union all
select
    event_id,
    account_id,
    event_type,
    occurred_at,
    partner_id,
    partner_name,
    source
from overlap_events
union all
select
    event_id,
    account_id,
    event_type,
    occurred_at,
    partner_id,
    partner_name,
    source
from signal_events
{{ view_options }};
