-- model: rep_partner_customer_accounts
-- grain: one row per CRM account with no open opportunity and partner overlap that has the account in a customers population
-- key: account_id, crossbeam_record_id, partner_crossbeam_record_id
-- requires: crm
-- column account_id: CRM id of the account
-- column crossbeam_record_id: Crossbeam id of our account record
-- column partner_crossbeam_record_id: Crossbeam id of the partner's record
-- column account_name: the account's name in the CRM
-- column owner_id: CRM user id of the rep who owns the account
-- column rep_name: the rep's name
-- column partner_id: Crossbeam partner id
-- column partner_name: the partner's name
-- column partner_relationship: always customer here, the partner's population of the account by standard type
-- column partner_owner_name: the partner's account owner
-- column partner_owner_email: the partner's account owner's email address
-- column basis: always now: accounts are judged by today's overlaps
create or replace view {{ dashboards }}.rep_partner_customer_accounts as
with accounts_with_open_deals as (
    select distinct account_id
    from {{ models }}.deals
    where not is_closed
),

partner_customer_overlaps as (
    select
        records.crm_record_id as account_id,
        partner_overlaps.crossbeam_record_id,
        partner_overlaps.partner_crossbeam_record_id,
        partner_overlaps.partner_id,
        partner_overlaps.partner_name,
        partner_overlaps.partner_owner_name,
        partner_overlaps.partner_owner_email
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
    where partner_overlaps.is_partner_customer
)

select
    accounts.account_id,
    partner_customer_overlaps.crossbeam_record_id,
    partner_customer_overlaps.partner_crossbeam_record_id,
    accounts.account_name,
    accounts.owner_id,
    users.user_name as rep_name,
    partner_customer_overlaps.partner_id,
    partner_customer_overlaps.partner_name,
    cast('customer' as {{ text }}) as partner_relationship,
    partner_customer_overlaps.partner_owner_name,
    partner_customer_overlaps.partner_owner_email,
    cast('now' as {{ text }}) as basis
from {{ models }}.stg_crm__accounts as accounts
inner join partner_customer_overlaps
    on accounts.account_id = partner_customer_overlaps.account_id
left join accounts_with_open_deals
    on accounts.account_id = accounts_with_open_deals.account_id
left join {{ models }}.stg_crm__users as users
    on accounts.owner_id = users.user_id
where accounts_with_open_deals.account_id is null
{{ view_options }};
