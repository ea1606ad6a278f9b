-- model: attribution_touches
-- grain: one row per touch on a won opportunity's account dated from lookback_days before the close date up to the close date, both days included (UTC days)
-- key: opportunity_id, event_id
-- requires: crm, marketing
-- column opportunity_id: the won opportunity
-- column event_id: the touch, from all_events
-- column event_type: the touch's event type, from all_events
-- column partner_id: the partner of a partner touch, null for marketing events
-- column partner_name: the partner's name
-- column amount: the opportunity's amount
-- column close_date: the opportunity's close date
-- column occurred_at: when the touch happened
-- column days_before_close: whole UTC days from the touch's day to the close date, 0 on the close date
-- column touch_number: the touch's place in time order on the opportunity, from 1 (ties broken by event_id)
-- column touch_count: how many touches the opportunity has
create or replace view {{ models }}.attribution_touches as
with won_opportunities as (
    select
        opportunity_id,
        account_id,
        amount,
        close_date
    from {{ models }}.stg_crm__opportunities
    where
        is_won
        and close_date is not null
),

dated_events as (
    select
        event_id,
        account_id,
        event_type,
        partner_id,
        partner_name,
        occurred_at,
        cast(occurred_at at time zone 'UTC' as date) as occurred_on
    from {{ models }}.all_events
),

window_touches as (
    -- NOTE: date - date as a whole number of days runs in the tests on
    -- PostgreSQL only, not on Redshift.
    select
        won.opportunity_id,
        events.event_id,
        events.event_type,
        events.partner_id,
        events.partner_name,
        won.amount,
        won.close_date,
        events.occurred_at,
        won.close_date - events.occurred_on as days_before_close
    from won_opportunities as won
    inner join dated_events as events
        on won.account_id = events.account_id
    where
        won.close_date - events.occurred_on >= 0
        and won.close_date - events.occurred_on
        <= {{ attribution_lookback_days }}
)

select
    opportunity_id,
    event_id,
    event_type,
    partner_id,
    partner_name,
    amount,
    close_date,
    occurred_at,
    days_before_close,
    row_number() over (
        partition by opportunity_id
        order by occurred_at, event_id
    ) as touch_number,
    count(*) over (partition by opportunity_id) as touch_count
from window_touches
{{ view_options }};
