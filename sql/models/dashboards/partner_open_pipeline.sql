-- model: partner_open_pipeline
-- grain: one row per partner that has in a customers population an account with at least one of our open opportunities
-- key: partner_id
-- requires: crm
-- column partner_id: Crossbeam partner id
-- column partner_name: the partner's name
-- column basis: always now: open opportunities are judged by today's overlaps
-- column open_opportunity_count: our open opportunities on the partner's customers
-- column open_pipeline_amount: their total amount; an opportunity counts once per partner even when the account overlaps with several of its records
-- column pipeline_rank: 1 for the partner with the largest open_pipeline_amount; ties share a rank
create or replace view {{ dashboards }}.partner_open_pipeline as
with partner_customer_accounts as (
    select distinct
        records.crm_record_id as account_id,
        partner_overlaps.partner_id
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
    where partner_overlaps.is_partner_customer
),

partner_names as (
    select
        partner_id,
        max(partner_name) as partner_name
    from {{ models }}.crossbeam_overlaps
    group by partner_id
),

open_deals as (
    select
        opportunity_id,
        account_id,
        amount
    from {{ models }}.deals
    where not is_closed
),

partner_totals as (
    select
        partner_customer_accounts.partner_id,
        count(*) as open_opportunity_count,
        coalesce(sum(open_deals.amount), 0) as open_pipeline_amount
    from partner_customer_accounts
    inner join open_deals
        on partner_customer_accounts.account_id = open_deals.account_id
    group by partner_customer_accounts.partner_id
)

select
    partner_totals.partner_id,
    coalesce(partners.partner_name, partner_names.partner_name)
        as partner_name,
    cast('now' as {{ text }}) as basis,
    partner_totals.open_opportunity_count,
    partner_totals.open_pipeline_amount,
    rank() over (
        order by partner_totals.open_pipeline_amount desc
    ) as pipeline_rank
from partner_totals
left join {{ crossbeam }}.partners as partners
    on partner_totals.partner_id = partners.partner_id
left join partner_names
    on partner_totals.partner_id = partner_names.partner_id
{{ view_options }};
