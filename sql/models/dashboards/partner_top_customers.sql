-- model: partner_top_customers
-- grain: one row per partner that overlaps with at least one account that uses our product
-- key: partner_id
-- requires: product
-- column partner_id: Crossbeam partner id
-- column partner_name: the partner's name
-- column basis: always now: today's overlaps and product usage
-- column customer_overlap_count: accounts using our product that overlap with the partner
-- column top_tier_customer_count: of those, accounts in the top quarter of all product accounts by tier_score (our largest customers)
-- column top_pql_customer_count: of those, accounts in the top quarter by pql_score (our most engaged customers)
-- column avg_tier_score: average tier_score of the overlapping product accounts
-- column avg_pql_score: average pql_score of the overlapping product accounts
-- column tier_rank: 1 for the partner sharing the most top-tier customers (then the highest avg_tier_score); ties share a rank
-- column pql_rank: 1 for the partner sharing the most top-PQL customers (then the highest avg_pql_score); ties share a rank
create or replace view {{ dashboards }}.partner_top_customers as
with ranked_usage as (
    select
        account_id,
        tier_score,
        pql_score,
        ntile(4) over (order by tier_score desc, account_id) as tier_quartile,
        ntile(4) over (order by pql_score desc, account_id) as pql_quartile
    from {{ models }}.stg_product__usage
),

partner_accounts as (
    select distinct
        partner_overlaps.partner_id,
        records.crm_record_id as account_id
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
),

partner_names as (
    select
        partner_id,
        max(partner_name) as partner_name
    from {{ models }}.crossbeam_overlaps
    group by partner_id
),

partner_totals as (
    select
        partner_accounts.partner_id,
        count(*) as customer_overlap_count,
        sum(case when ranked_usage.tier_quartile = 1 then 1 else 0 end)
            as top_tier_customer_count,
        sum(case when ranked_usage.pql_quartile = 1 then 1 else 0 end)
            as top_pql_customer_count,
        avg(ranked_usage.tier_score) as avg_tier_score,
        avg(ranked_usage.pql_score) as avg_pql_score
    from partner_accounts
    inner join ranked_usage
        on partner_accounts.account_id = ranked_usage.account_id
    group by partner_accounts.partner_id
)

select
    partner_totals.partner_id,
    partner_names.partner_name,
    cast('now' as {{ text }}) as basis,
    partner_totals.customer_overlap_count,
    partner_totals.top_tier_customer_count,
    partner_totals.top_pql_customer_count,
    partner_totals.avg_tier_score,
    partner_totals.avg_pql_score,
    rank() over (
        order by
            partner_totals.top_tier_customer_count desc,
            partner_totals.avg_tier_score desc
    ) as tier_rank,
    rank() over (
        order by
            partner_totals.top_pql_customer_count desc,
            partner_totals.avg_pql_score desc
    ) as pql_rank
from partner_totals
left join partner_names
    on partner_totals.partner_id = partner_names.partner_id
{{ view_options }};
