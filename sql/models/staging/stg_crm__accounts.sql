-- model: stg_crm__accounts
-- grain: one row per CRM account that is not deleted
-- key: account_id
-- requires: crm
-- column account_id: CRM account id. A 15-character Salesforce id is extended to the 18-character form, so both forms of one id join
-- column account_name: account name
-- column account_type: account type as the CRM spells it (for example Customer or Prospect)
-- column industry: industry as the CRM spells it
-- column owner_id: CRM user id of the account owner, normalized like account_id
-- column created_at: when the account was created in the CRM
create or replace view {{ models }}.stg_crm__accounts as
with source_accounts as (
    select
        cast({{ crm_account__id }} as {{ text }}) as account_id,
        cast({{ crm_account__owner_id }} as {{ text }}) as owner_id,
        cast({{ crm_account__name }} as {{ text }}) as account_name,
        cast({{ crm_account__type }} as {{ text }}) as account_type,
        cast({{ crm_account__industry }} as {{ text }}) as industry,
        cast({{ crm_account__created_date }} as timestamptz) as created_at,
        coalesce(cast({{ crm_account__is_deleted }} as boolean), false)
            as is_deleted
    from {{ crm_account }}
)

select
    account_id,
    owner_id,
    account_name,
    account_type,
    industry,
    created_at
from source_accounts
where
    account_id is not null
    and not is_deleted
{{ view_options }};
