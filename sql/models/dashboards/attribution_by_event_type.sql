-- model: attribution_by_event_type
-- grain: one row per attribution model and event type that received credit
-- key: model, event_type
-- requires: crm, marketing
-- column model: the attribution model, as in attribution_credits
-- column event_type: the touch's event type
-- column basis: always at_close: only touches up to each deal's close date get credit
-- column opportunity_count: won opportunities with at least one credited touch of this type
-- column touch_count: credited touches of this type
-- column credit: total credit, in won deals (each deal's credits sum to 1)
-- column credited_revenue: total revenue credited to the event type
-- column revenue_share: credited_revenue / all revenue credited by the model, null when that is 0
create or replace view {{ dashboards }}.attribution_by_event_type as
with event_type_totals as (
    select
        model,
        event_type,
        count(distinct opportunity_id) as opportunity_count,
        count(*) as touch_count,
        sum(credit) as credit,
        sum(credited_revenue) as credited_revenue
    from {{ models }}.attribution_credits
    group by
        model,
        event_type
),

model_totals as (
    select
        model,
        sum(credited_revenue) as model_revenue
    from event_type_totals
    group by model
)

select
    event_type_totals.model,
    event_type_totals.event_type,
    cast('at_close' as {{ text }}) as basis,
    event_type_totals.opportunity_count,
    event_type_totals.touch_count,
    event_type_totals.credit,
    event_type_totals.credited_revenue,
    case
        when model_totals.model_revenue <> 0
            then cast(event_type_totals.credited_revenue as double precision)
            / cast(model_totals.model_revenue as double precision)
    end as revenue_share
from event_type_totals
inner join model_totals
    on event_type_totals.model = model_totals.model
{{ view_options }};
