-- model: stg_crm__users
-- grain: one row per CRM user
-- key: user_id
-- requires: crm
-- column user_id: CRM user id, 15-character Salesforce ids extended to 18 characters
-- column user_name: the user's full name
-- column user_email: the user's email address
create or replace view {{ models }}.stg_crm__users as
with source_users as (
    select
        cast({{ crm_user__id }} as {{ text }}) as user_id,
        cast({{ crm_user__name }} as {{ text }}) as user_name,
        cast({{ crm_user__email }} as {{ text }}) as user_email
    from {{ crm_user }}
)

select
    user_id,
    user_name,
    user_email
from source_users
where user_id is not null
{{ view_options }};
