-- model: rep_open_pipeline
-- grain: one row per rep (opportunity owner) with at least one open opportunity
-- key: owner_id
-- requires: crm
-- column owner_id: CRM user id of the rep
-- column rep_name: the rep's name, null when the user is not in the CRM users table
-- column rep_email: the rep's email address
-- column basis: always now: open opportunities are judged by today's overlaps
-- column open_opportunity_count: the rep's open opportunities
-- column open_pipeline_amount: total amount of the rep's open opportunities
-- column partner_customer_opportunity_count: open opportunities on accounts that at least one partner has in a customers population
-- column partner_customer_pipeline_amount: their total amount; each opportunity counts once however many partners overlap
-- column partner_customer_pipeline_share: partner_customer_pipeline_amount / open_pipeline_amount, null when the open pipeline is 0
create or replace view {{ dashboards }}.rep_open_pipeline as
with open_deals as (
    select
        owner_id,
        amount,
        is_partner_customer_now
    from {{ models }}.deals
    where
        not is_closed
        and owner_id is not null
),

rep_totals as (
    select
        owner_id,
        count(*) as open_opportunity_count,
        coalesce(sum(amount), 0) as open_pipeline_amount,
        sum(case when is_partner_customer_now then 1 else 0 end)
            as partner_customer_opportunity_count,
        coalesce(
            sum(case when is_partner_customer_now then amount end), 0
        ) as partner_customer_pipeline_amount
    from open_deals
    group by owner_id
)

select
    rep_totals.owner_id,
    users.user_name as rep_name,
    users.user_email as rep_email,
    cast('now' as {{ text }}) as basis,
    rep_totals.open_opportunity_count,
    rep_totals.open_pipeline_amount,
    rep_totals.partner_customer_opportunity_count,
    rep_totals.partner_customer_pipeline_amount,
    case
        when rep_totals.open_pipeline_amount <> 0
            then cast(
                rep_totals.partner_customer_pipeline_amount as double precision
            )
            / cast(rep_totals.open_pipeline_amount as double precision)
    end as partner_customer_pipeline_share
from rep_totals
left join {{ models }}.stg_crm__users as users
    on rep_totals.owner_id = users.user_id
{{ view_options }};
