-- model: stg_marketing__events
-- grain: one row per marketing touch: an account, an event type and an instant; exact repeats in the source count once
-- key: account_id, event_type, occurred_at
-- requires: marketing
-- column event_id: a stable id of the touch, an md5 of its key
-- column account_id: CRM account id, normalized like stg_crm__accounts.account_id
-- column event_type: the marketing event type, trimmed and in lower case (for example webinar)
-- column occurred_at: when the touch happened
create or replace view {{ models }}.stg_marketing__events as
with source_events as (
    select
        cast({{ marketing_events__account_id }} as {{ text }}) as account_id,
        lower(trim(cast({{ marketing_events__event_type }} as {{ text }})))
            as event_type,
        cast({{ marketing_events__timestamp }} as timestamptz) as occurred_at
    from {{ marketing_events }}
),

distinct_events as (
    select distinct
        account_id,
        event_type,
        occurred_at
    from source_events
    where
        account_id is not null
        and event_type is not null
        and event_type <> ''
        and occurred_at is not null
)

select
    md5(
        account_id || '|' || event_type || '|'
        || cast(occurred_at as {{ text }})
    ) as event_id,
    account_id,
    event_type,
    occurred_at
from distinct_events
{{ view_options }};
