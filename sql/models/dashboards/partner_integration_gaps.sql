-- model: partner_integration_gaps
-- grain: one row per account that uses our product and a partner that has it in a customers population, where the account does not use our integration with that partner
-- key: account_id, partner_id
-- requires: crm, product
-- column account_id: CRM id of the account
-- column partner_id: Crossbeam partner id
-- column account_name: the account's name in the CRM
-- column owner_id: CRM user id of the account owner
-- column partner_name: the partner's name
-- column partner_owner_name: the partner's account owner (the alphabetically first when several partner records overlap)
-- column partner_owner_email: that owner's email address
-- column tier_score: the account's tier score
-- column pql_score: the account's product-qualified-lead score
-- column basis: always now: today's overlaps and product usage
create or replace view {{ dashboards }}.partner_integration_gaps as
with partner_customer_accounts as (
    select
        records.crm_record_id as account_id,
        partner_overlaps.partner_id,
        max(partner_overlaps.partner_name) as partner_name,
        min(partner_overlaps.partner_owner_name) as partner_owner_name,
        min(partner_overlaps.partner_owner_email) as partner_owner_email
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
    where partner_overlaps.is_partner_customer
    group by
        records.crm_record_id,
        partner_overlaps.partner_id
)

select
    product_usage.account_id,
    partner_customer_accounts.partner_id,
    accounts.account_name,
    accounts.owner_id,
    partner_customer_accounts.partner_name,
    partner_customer_accounts.partner_owner_name,
    partner_customer_accounts.partner_owner_email,
    product_usage.tier_score,
    product_usage.pql_score,
    cast('now' as {{ text }}) as basis
from {{ models }}.stg_product__usage as product_usage
inner join partner_customer_accounts
    on product_usage.account_id = partner_customer_accounts.account_id
left join {{ models }}.stg_crm__accounts as accounts
    on product_usage.account_id = accounts.account_id
where
    position(
        ',' || partner_customer_accounts.partner_id || ','
        in ',' || coalesce(product_usage.partner_integrations, '') || ','
    ) = 0
{{ view_options }};
