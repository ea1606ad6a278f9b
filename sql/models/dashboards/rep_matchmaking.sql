-- model: rep_matchmaking
-- grain: one row per pair of our account owner and a partner's account owner who share at least one account
-- key: owner_id, partner_id, partner_owner_key
-- requires: crm
-- column owner_id: CRM user id of our account owner (the AE)
-- column partner_id: Crossbeam partner id of the partner AE's company
-- column partner_owner_key: the partner AE's Crossbeam owner id, or their email address when the id is missing
-- column rep_name: our AE's name
-- column rep_email: our AE's email address
-- column partner_name: the partner's name
-- column partner_owner_name: the partner AE's name
-- column partner_owner_email: the partner AE's email address
-- column basis: always now: today's overlaps and open opportunities
-- column shared_account_count: our AE's accounts that the partner AE owns on the partner side
-- column partner_customer_account_count: of those, accounts that the partner has in a customers population
-- column open_opportunity_count: open opportunities on the shared accounts
-- column open_pipeline_amount: their total amount
-- column pair_rank: 1 for our AE's best match: the largest open_pipeline_amount, then the most shared accounts, then partner_owner_key
create or replace view {{ dashboards }}.rep_matchmaking as
with partner_owner_accounts as (
    select
        records.crm_record_id as account_id,
        partner_overlaps.partner_id,
        coalesce(partner_overlaps.partner_owner_id, partner_overlaps.partner_owner_email)
            as partner_owner_key,
        max(partner_overlaps.partner_name) as partner_name,
        max(partner_overlaps.partner_owner_name) as partner_owner_name,
        max(partner_overlaps.partner_owner_email) as partner_owner_email,
        max(case when partner_overlaps.is_partner_customer then 1 else 0 end)
            as is_partner_customer
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
    where
        coalesce(partner_overlaps.partner_owner_id, partner_overlaps.partner_owner_email)
        is not null
    group by
        records.crm_record_id,
        partner_overlaps.partner_id,
        coalesce(partner_overlaps.partner_owner_id, partner_overlaps.partner_owner_email)
),

account_open_pipeline as (
    select
        account_id,
        count(*) as open_opportunity_count,
        coalesce(sum(amount), 0) as open_pipeline_amount
    from {{ models }}.deals
    where not is_closed
    group by account_id
),

pairs as (
    select
        accounts.owner_id,
        partner_owner_accounts.partner_id,
        partner_owner_accounts.partner_owner_key,
        max(partner_owner_accounts.partner_name) as partner_name,
        max(partner_owner_accounts.partner_owner_name) as partner_owner_name,
        max(partner_owner_accounts.partner_owner_email)
            as partner_owner_email,
        count(*) as shared_account_count,
        sum(partner_owner_accounts.is_partner_customer)
            as partner_customer_account_count,
        coalesce(sum(account_open_pipeline.open_opportunity_count), 0)
            as open_opportunity_count,
        coalesce(sum(account_open_pipeline.open_pipeline_amount), 0)
            as open_pipeline_amount
    from {{ models }}.stg_crm__accounts as accounts
    inner join partner_owner_accounts
        on accounts.account_id = partner_owner_accounts.account_id
    left join account_open_pipeline
        on accounts.account_id = account_open_pipeline.account_id
    where accounts.owner_id is not null
    group by
        accounts.owner_id,
        partner_owner_accounts.partner_id,
        partner_owner_accounts.partner_owner_key
)

select
    pairs.owner_id,
    pairs.partner_id,
    pairs.partner_owner_key,
    users.user_name as rep_name,
    users.user_email as rep_email,
    pairs.partner_name,
    pairs.partner_owner_name,
    pairs.partner_owner_email,
    cast('now' as {{ text }}) as basis,
    pairs.shared_account_count,
    pairs.partner_customer_account_count,
    pairs.open_opportunity_count,
    pairs.open_pipeline_amount,
    row_number() over (
        partition by pairs.owner_id
        order by
            pairs.open_pipeline_amount desc,
            pairs.shared_account_count desc,
            pairs.partner_owner_key
    ) as pair_rank
from pairs
left join {{ models }}.stg_crm__users as users
    on pairs.owner_id = users.user_id
{{ view_options }};
