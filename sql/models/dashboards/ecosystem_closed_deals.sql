-- model: ecosystem_closed_deals
-- grain: one row per group of closed opportunities: partner_customer, standard, or unknown (basis at_close only, for deals closed before the first sync)
-- key: deal_group
-- requires: crm
-- column deal_group: partner_customer when at least one partner has the account in a customers population (on the configured basis), standard otherwise, unknown when the relationship on the close date is not known
-- column basis: now or at_close, the configured basis of deal_group
-- column closed_deal_count: closed opportunities, won or lost; an account that overlaps with several partners counts each deal once
-- column won_deal_count: closed won opportunities
-- column close_rate: won_deal_count / closed_deal_count
-- column avg_won_deal_size: average amount of the won opportunities, to 2 decimals
-- column avg_days_to_close: average days from creation to close of the won opportunities
create or replace view {{ dashboards }}.ecosystem_closed_deals as
with closed_deals as (
    select
        case
            when is_partner_customer then 'partner_customer'
            when is_partner_customer is null then 'unknown'
            else 'standard'
        end as deal_group,
        is_won,
        amount,
        days_to_close
    from {{ models }}.deals
    where is_closed
)

select
    cast(deal_group as {{ text }}) as deal_group,
    cast({{ partner_status_basis }} as {{ text }}) as basis,
    count(*) as closed_deal_count,
    sum(case when is_won then 1 else 0 end) as won_deal_count,
    cast(sum(case when is_won then 1 else 0 end) as double precision)
    / count(*) as close_rate,
    cast(avg(case when is_won then amount end) as decimal(18, 2))
        as avg_won_deal_size,
    avg(case when is_won then cast(days_to_close as double precision) end)
        as avg_days_to_close
from closed_deals
group by deal_group
{{ view_options }};
