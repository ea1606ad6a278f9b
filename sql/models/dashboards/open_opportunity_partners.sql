-- model: open_opportunity_partners
-- grain: one row per open opportunity and partner overlap of its account
-- key: opportunity_id, crossbeam_record_id, partner_crossbeam_record_id
-- requires: crm
-- column opportunity_id: CRM opportunity id
-- column crossbeam_record_id: Crossbeam id of our account record
-- column partner_crossbeam_record_id: Crossbeam id of the partner's record
-- column opportunity_name: opportunity name
-- column account_id: CRM id of the account
-- column account_name: the account's name in the CRM
-- column owner_id: CRM user id of the rep who owns the opportunity
-- column rep_name: the rep's name
-- column stage_name: sales stage
-- column amount: deal amount
-- column close_date: expected close day
-- column partner_id: Crossbeam partner id
-- column partner_name: the partner's name
-- column partner_relationship: the partner's population of the account by standard type: customer, open_opportunity or prospect (first that applies), other for custom populations only
-- column partner_population_names: the partner populations the partner's record is in, comma-separated
-- column partner_owner_name: the partner's account owner
-- column partner_owner_email: the partner's account owner's email address
-- column basis: always now: open opportunities are judged by today's overlaps
create or replace view {{ dashboards }}.open_opportunity_partners as
with open_deals as (
    select
        opportunity_id,
        opportunity_name,
        account_id,
        owner_id,
        stage_name,
        amount,
        close_date
    from {{ models }}.deals
    where not is_closed
),

account_overlaps as (
    select
        records.crm_record_id as account_id,
        partner_overlaps.crossbeam_record_id,
        partner_overlaps.partner_crossbeam_record_id,
        partner_overlaps.partner_id,
        partner_overlaps.partner_name,
        partner_overlaps.partner_population_names,
        partner_overlaps.partner_owner_name,
        partner_overlaps.partner_owner_email,
        case
            when partner_overlaps.is_partner_customer then 'customer'
            when partner_overlaps.is_partner_open_opportunity then 'open_opportunity'
            when partner_overlaps.is_partner_prospect then 'prospect'
            else 'other'
        end as partner_relationship
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
)

select
    open_deals.opportunity_id,
    account_overlaps.crossbeam_record_id,
    account_overlaps.partner_crossbeam_record_id,
    open_deals.opportunity_name,
    open_deals.account_id,
    accounts.account_name,
    open_deals.owner_id,
    users.user_name as rep_name,
    open_deals.stage_name,
    open_deals.amount,
    open_deals.close_date,
    account_overlaps.partner_id,
    account_overlaps.partner_name,
    cast(account_overlaps.partner_relationship as {{ text }})
        as partner_relationship,
    account_overlaps.partner_population_names,
    account_overlaps.partner_owner_name,
    account_overlaps.partner_owner_email,
    cast('now' as {{ text }}) as basis
from open_deals
inner join account_overlaps
    on open_deals.account_id = account_overlaps.account_id
left join {{ models }}.stg_crm__accounts as accounts
    on open_deals.account_id = accounts.account_id
left join {{ models }}.stg_crm__users as users
    on open_deals.owner_id = users.user_id
{{ view_options }};
