-- model: stg_product__usage
-- grain: one row per CRM account that uses our product
-- key: account_id
-- requires: product
-- column account_id: CRM account id, normalized like stg_crm__accounts.account_id
-- column tier_score: the account's size or plan tier score, higher is larger (the highest when the source has several rows for the account)
-- column pql_score: the account's product-qualified-lead score, higher is more engaged (the highest, as for tier_score)
-- column partner_integrations: comma-separated Crossbeam partner ids whose integration with our product the account uses, spaces removed (every row's list when the source has several)
create or replace view {{ models }}.stg_product__usage as
with source_usage as (
    select
        cast({{ product_usage__account_id }} as {{ text }}) as account_id,
        cast({{ product_usage__tier_score }} as double precision)
            as tier_score,
        cast({{ product_usage__pql_score }} as double precision) as pql_score,
        replace(
            cast({{ product_usage__partner_integrations }} as {{ text }}),
            ' ',
            ''
        ) as partner_integrations
    from {{ product_usage }}
)

select
    account_id,
    max(tier_score) as tier_score,
    max(pql_score) as pql_score,
    replace({{ list_agg(partner_integrations) }}, ' ', '')
        as partner_integrations
from source_usage
where account_id is not null
group by account_id
{{ view_options }};
