-- model: stg_crossbeam__records
-- grain: one row per Crossbeam record of ours (account or lead) that has a CRM id
-- key: crossbeam_record_id
-- column crossbeam_record_id: Crossbeam's id of our record
-- column crm_record_id: the record's CRM id, normalized like stg_crm__accounts.account_id, so it joins to the CRM staging views
-- column record_type: account or lead, from the Crossbeam accounts and leads tables; null for a record seen only on overlaps
create or replace view {{ models }}.stg_crossbeam__records as
with account_records as (
    select
        crossbeam_record_id,
        {{ crossbeam__master_id }} as crm_record_id,
        cast('account' as {{ text }}) as record_type
    from {{ crossbeam }}.accounts
),

lead_records as (
    select
        crossbeam_record_id,
        {{ crossbeam__master_id }} as crm_record_id,
        cast('lead' as {{ text }}) as record_type
    from {{ crossbeam }}.leads
),

overlap_records as (
    select
        crossbeam_record_id,
        {{ crossbeam__record_id }} as crm_record_id,
        cast(null as {{ text }}) as record_type
    from {{ crossbeam }}.overlaps
),

all_records as (
    select crossbeam_record_id, crm_record_id, record_type
    from account_records
    union all
    select crossbeam_record_id, crm_record_id, record_type
    from lead_records
    union all
    select crossbeam_record_id, crm_record_id, record_type
    from overlap_records
)

select
    crossbeam_record_id,
    max(crm_record_id) as crm_record_id,
    max(record_type) as record_type
from all_records
where
    crossbeam_record_id is not null
    and crm_record_id is not null
group by crossbeam_record_id
{{ view_options }};
