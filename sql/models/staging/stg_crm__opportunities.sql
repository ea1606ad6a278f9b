-- model: stg_crm__opportunities
-- grain: one row per CRM opportunity that is not deleted
-- key: opportunity_id
-- requires: crm
-- column opportunity_id: CRM opportunity id, 15-character Salesforce ids extended to 18 characters
-- column account_id: CRM id of the opportunity's account, normalized like stg_crm__accounts.account_id
-- column owner_id: CRM user id of the opportunity owner (the rep), normalized the same way
-- column opportunity_name: opportunity name
-- column stage_name: sales stage as the CRM spells it
-- column amount: deal amount in the CRM's currency, to two decimals
-- column is_won: true when the opportunity closed won
-- column is_closed: true when the opportunity closed, won or lost
-- column created_date: the day the opportunity was created, in the session time zone when the source column is a timestamp (UTC on Redshift)
-- column close_date: the expected close day of an open opportunity, or the day it closed
create or replace view {{ models }}.stg_crm__opportunities as
with source_opportunities as (
    select
        cast({{ crm_opportunity__id }} as {{ text }}) as opportunity_id,
        cast({{ crm_opportunity__account_id }} as {{ text }}) as account_id,
        cast({{ crm_opportunity__owner_id }} as {{ text }}) as owner_id,
        cast({{ crm_opportunity__name }} as {{ text }}) as opportunity_name,
        cast({{ crm_opportunity__stage_name }} as {{ text }}) as stage_name,
        cast({{ crm_opportunity__amount }} as decimal(18, 2)) as amount,
        coalesce(cast({{ crm_opportunity__is_won }} as boolean), false)
            as is_won,
        coalesce(cast({{ crm_opportunity__is_closed }} as boolean), false)
            as is_closed,
        cast({{ crm_opportunity__created_date }} as date) as created_date,
        cast({{ crm_opportunity__close_date }} as date) as close_date,
        coalesce(cast({{ crm_opportunity__is_deleted }} as boolean), false)
            as is_deleted
    from {{ crm_opportunity }}
)

select
    opportunity_id,
    account_id,
    owner_id,
    opportunity_name,
    stage_name,
    amount,
    is_won,
    is_closed,
    created_date,
    close_date
from source_opportunities
where
    opportunity_id is not null
    and not is_deleted
{{ view_options }};
