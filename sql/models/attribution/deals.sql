-- model: deals
-- grain: one row per CRM opportunity, with the partner relationships of its account now and on its close date
-- key: opportunity_id
-- requires: crm
-- column opportunity_id: CRM opportunity id
-- column account_id: CRM id of the opportunity's account
-- column owner_id: CRM user id of the opportunity owner (the rep)
-- column opportunity_name: opportunity name
-- column stage_name: sales stage
-- column amount: deal amount
-- column is_won: true when the opportunity closed won
-- column is_closed: true when the opportunity closed, won or lost
-- column created_date: the day the opportunity was created
-- column close_date: the expected or actual close day
-- column days_to_close: days from created_date to close_date for a closed opportunity, null for an open one
-- column partner_count: distinct partners the account overlaps with now
-- column partner_customer_count: distinct partners that have the account in a customers population now
-- column is_partner_customer_now: true when at least one partner has the account in a customers population now
-- column partner_customer_count_at_close: distinct partners that had the account in a customers population on the close date, from overlap_status_history; null when was_partner_customer_at_close is null
-- column was_partner_customer_at_close: the same as is_partner_customer_now, on the close date, from overlap_status_history; null for an open opportunity and for one that closed before the first sync (the earliest overlap_history valid_from or overlap load_runs observed_at, as a UTC day), because no history covers it
-- column basis: now or at_close, the configured basis of is_partner_customer
-- column is_partner_customer: is_partner_customer_now, or for a closed opportunity with basis at_close, was_partner_customer_at_close (so possibly null)
create or replace view {{ models }}.deals as
with opportunities as (
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
    from {{ models }}.stg_crm__opportunities
),

current_overlaps as (
    select
        records.crm_record_id as account_id,
        partner_overlaps.crossbeam_record_id,
        partner_overlaps.partner_crossbeam_record_id,
        partner_overlaps.partner_id,
        partner_overlaps.is_partner_customer
    from {{ models }}.crossbeam_overlaps as partner_overlaps
    inner join {{ models }}.stg_crossbeam__records as records
        on partner_overlaps.crossbeam_record_id = records.crossbeam_record_id
),

account_partners_now as (
    select
        account_id,
        count(distinct partner_id) as partner_count,
        count(
            distinct case when is_partner_customer then partner_id end
        ) as partner_customer_count
    from current_overlaps
    group by account_id
),

sync_instants as (
    select valid_from as synced_at
    from {{ crossbeam }}.overlap_history
    union all
    select observed_at as synced_at
    from {{ crossbeam }}.load_runs
    where stream in ('account_overlaps', 'lead_overlaps')
),

first_sync as (
    select min(cast(synced_at at time zone 'UTC' as date)) as first_sync_date
    from sync_instants
),

customer_intervals as (
    select
        records.crm_record_id as account_id,
        status_history.partner_id,
        cast(status_history.valid_from at time zone 'UTC' as date)
            as valid_from_date,
        cast(status_history.valid_to at time zone 'UTC' as date)
            as valid_to_date
    from {{ crossbeam }}.overlap_status_history as status_history
    inner join {{ models }}.stg_crossbeam__records as records
        on status_history.crossbeam_record_id = records.crossbeam_record_id
    where status_history.is_partner_customer
),

partner_customers_at_close as (
    select
        opportunities.opportunity_id,
        count(distinct customer_intervals.partner_id)
            as partner_customer_count
    from opportunities
    inner join customer_intervals
        on opportunities.account_id = customer_intervals.account_id
    where
        opportunities.is_closed
        and customer_intervals.valid_from_date <= opportunities.close_date
        and (
            customer_intervals.valid_to_date is null
            or customer_intervals.valid_to_date >= opportunities.close_date
        )
    group by opportunities.opportunity_id
),

deal_status as (
    select
        opportunities.opportunity_id,
        opportunities.account_id,
        opportunities.owner_id,
        opportunities.opportunity_name,
        opportunities.stage_name,
        opportunities.amount,
        opportunities.is_won,
        opportunities.is_closed,
        opportunities.created_date,
        opportunities.close_date,
        case
            when opportunities.is_closed
                then opportunities.close_date - opportunities.created_date
        end as days_to_close,
        coalesce(account_partners_now.partner_count, 0) as partner_count,
        coalesce(account_partners_now.partner_customer_count, 0)
            as partner_customer_count,
        coalesce(account_partners_now.partner_customer_count, 0) > 0
            as is_partner_customer_now,
        case
            when
                opportunities.is_closed
                and opportunities.close_date >= first_sync.first_sync_date
                then coalesce(partner_customers_at_close.partner_customer_count, 0)
        end as partner_customer_count_at_close
    from opportunities
    cross join first_sync
    left join account_partners_now
        on opportunities.account_id = account_partners_now.account_id
    left join partner_customers_at_close
        on opportunities.opportunity_id
        = partner_customers_at_close.opportunity_id
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
    close_date,
    days_to_close,
    partner_count,
    partner_customer_count,
    is_partner_customer_now,
    partner_customer_count_at_close,
    partner_customer_count_at_close > 0 as was_partner_customer_at_close,
    cast({{ partner_status_basis }} as {{ text }}) as basis,
    case
        when is_closed and {{ partner_status_basis }} = 'at_close'
            then partner_customer_count_at_close > 0
        else is_partner_customer_now
    end as is_partner_customer
from deal_status
{{ view_options }};
