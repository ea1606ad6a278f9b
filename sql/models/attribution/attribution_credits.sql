-- model: attribution_credits
-- grain: one row per attribution model and credited touch of a won opportunity (first_touch and last_touch credit one touch each, while linear, time_decay and position_based credit every touch)
-- key: opportunity_id, model, event_id
-- requires: crm, marketing
-- column opportunity_id: the won opportunity
-- column model: first_touch, last_touch, linear, time_decay (weight 2^(-days_before_close / half_life_days)) or position_based (40% first, 40% last, 20% shared by the touches between; one touch gets all, two get half each)
-- column event_id: the credited touch, from all_events
-- column event_type: the touch's event type
-- column partner_id: the partner of a partner touch, null for marketing events
-- column partner_name: the partner's name
-- column occurred_at: when the touch happened
-- column credit: the touch's share of the opportunity, to 12 decimals; per opportunity and model the credits sum to exactly 1 because the last touch takes the rounding remainder
-- column credited_revenue: the opportunity's amount times credit, to 2 decimals; per opportunity and model it sums to exactly the amount, the last touch taking the remainder
create or replace view {{ models }}.attribution_credits as
with touches as (
    select
        opportunity_id,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        days_before_close,
        touch_number,
        touch_count
    from {{ models }}.attribution_touches
),

weighted_touches as (
    select
        opportunity_id,
        cast('first_touch' as {{ text }}) as model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        touch_number,
        cast(1 as double precision) as weight
    from touches
    where touch_number = 1
    union all
    select
        opportunity_id,
        cast('last_touch' as {{ text }}) as model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        touch_number,
        cast(1 as double precision) as weight
    from touches
    where touch_number = touch_count
    union all
    select
        opportunity_id,
        cast('linear' as {{ text }}) as model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        touch_number,
        cast(1 as double precision) as weight
    from touches
    union all
    select
        opportunity_id,
        cast('time_decay' as {{ text }}) as model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        touch_number,
        power(
            cast(2 as double precision),
            cast(-days_before_close as double precision)
            / cast({{ attribution_half_life_days }} as double precision)
        ) as weight
    from touches
    union all
    select
        opportunity_id,
        cast('position_based' as {{ text }}) as model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        touch_number,
        case
            when touch_count = 1 then cast(1 as double precision)
            when touch_count = 2 then cast(0.5 as double precision)
            when touch_number = 1 or touch_number = touch_count
                then cast(0.4 as double precision)
            else cast(0.2 as double precision) / (touch_count - 2)
        end as weight
    from touches
),

rounded_credits as (
    select
        opportunity_id,
        model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        cast(
            weight / sum(weight) over (partition by opportunity_id, model)
            as decimal(18, 12)
        ) as rounded_credit,
        row_number() over (
            partition by opportunity_id, model
            order by touch_number desc
        ) as reverse_touch_number
    from weighted_touches
),

credits as (
    select
        opportunity_id,
        model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        reverse_touch_number,
        case
            when reverse_touch_number = 1
                then 1 - (
                    sum(rounded_credit) over (
                        partition by opportunity_id, model
                    )
                    - rounded_credit
                )
            else rounded_credit
        end as credit
    from rounded_credits
),

rounded_revenue as (
    select
        opportunity_id,
        model,
        event_id,
        event_type,
        partner_id,
        partner_name,
        amount,
        occurred_at,
        reverse_touch_number,
        credit,
        cast(amount * credit as decimal(18, 2)) as rounded_revenue
    from credits
)

select
    opportunity_id,
    model,
    event_id,
    event_type,
    partner_id,
    partner_name,
    occurred_at,
    cast(credit as decimal(18, 12)) as credit,
    cast(
        case
            when reverse_touch_number = 1
                then amount - (
                    sum(rounded_revenue) over (
                        partition by opportunity_id, model
                    )
                    - rounded_revenue
                )
            else rounded_revenue
        end as decimal(18, 2)
    ) as credited_revenue
from rounded_revenue
{{ view_options }};
