-- model: crossbeam_overlaps
-- grain: one row per current overlap (our record, partner record)
-- key: crossbeam_record_id, partner_crossbeam_record_id
-- column crossbeam_record_id: Crossbeam's id of our record
-- column partner_crossbeam_record_id: Crossbeam's id of the partner's record
-- column overlap_type: account or lead: the kind of the partner's record
-- column master_id: the CRM id of our record (`accounts.master_id`, else the overlap's `record_id`)
-- column record_name: our record's name as Crossbeam shows it
-- column account_name: our account's name from its CRM fields, else record_name
-- column account_type: our account's type from its CRM fields (null for leads)
-- column industry: our account's industry from its CRM fields (null for leads)
-- column record_website: our record's website
-- column owner_account_executive_name: our record's owner (AE)
-- column owner_account_executive_email: our record owner's email address
-- column partner_id: the partner's Crossbeam id (a uuid)
-- column partner_name: the partner's name
-- column partner_record_name: the partner's name for the record
-- column partner_record_website: the partner record's website
-- column partner_owner_id: Crossbeam's id of the partner's record owner
-- column partner_owner_name: the partner's record owner
-- column partner_owner_email: the partner record owner's email address
-- column population_names: our populations the record is in, comma-separated
-- column partner_population_names: the partner populations the record is in, comma-separated
-- column is_customer: our record is in one of our populations of standard type customers
-- column is_open_opportunity: our record is in one of our populations of standard type open_opportunities
-- column is_prospect: our record is in one of our populations of standard type prospects
-- column is_partner_customer: the partner's record is in a partner population of standard type customers
-- column is_partner_open_opportunity: the partner's record is in a partner population of standard type open_opportunities
-- column is_partner_prospect: the partner's record is in a partner population of standard type prospects
-- column overlap_updated_at: when Crossbeam last changed the overlap, if the API sent it
-- column first_seen_at: the earlier of the API's overlap creation time and the start of the overlap's first history interval
create or replace view {{ models }}.crossbeam_overlaps as
with current_overlaps as (
    select
        crossbeam_record_id,
        partner_crossbeam_record_id,
        overlap_type,
        record_id,
        record_name,
        record_website,
        partner_id,
        partner_name,
        partner_record_name,
        partner_record_website,
        partner_owner_id,
        partner_owner_name,
        partner_owner_email,
        overlap_created_at,
        overlap_updated_at
    from {{ crossbeam }}.overlaps
),

accounts as (
    select
        crossbeam_record_id,
        master_id,
        account_name,
        account_type,
        industry,
        record_website,
        owner_account_executive_name,
        owner_account_executive_email
    from {{ crossbeam }}.accounts
),

leads as (
    select
        crossbeam_record_id,
        master_id,
        record_website,
        owner_account_executive_name,
        owner_account_executive_email
    from {{ crossbeam }}.leads
),

partners as (
    select
        partner_id,
        partner_name
    from {{ crossbeam }}.partners
),

own_populations as (
    select
        overlap_populations.crossbeam_record_id,
        overlap_populations.partner_crossbeam_record_id,
        {{ list_agg(coalesce(populations.population_name, overlap_populations.population_name)) }}
            as population_names,
        max(case when populations.standard_type = 'customers' then 1 else 0 end)
            as in_customers,
        max(
            case
                when populations.standard_type = 'open_opportunities' then 1
                else 0
            end
        ) as in_open_opportunities,
        max(case when populations.standard_type = 'prospects' then 1 else 0 end)
            as in_prospects
    from {{ crossbeam }}.overlap_populations as overlap_populations
    left join {{ crossbeam }}.populations as populations
        on overlap_populations.population_id = populations.population_id
    where overlap_populations.side = 'own'
    group by
        overlap_populations.crossbeam_record_id,
        overlap_populations.partner_crossbeam_record_id
),

partner_side_populations as (
    select
        overlap_populations.crossbeam_record_id,
        overlap_populations.partner_crossbeam_record_id,
        {{ list_agg(coalesce(partner_populations.population_name, overlap_populations.population_name)) }}
            as population_names,
        max(
            case
                when partner_populations.standard_type = 'customers' then 1
                else 0
            end
        ) as in_customers,
        max(
            case
                when partner_populations.standard_type = 'open_opportunities'
                    then 1
                else 0
            end
        ) as in_open_opportunities,
        max(
            case
                when partner_populations.standard_type = 'prospects' then 1
                else 0
            end
        ) as in_prospects
    from {{ crossbeam }}.overlap_populations as overlap_populations
    left join {{ crossbeam }}.partner_populations as partner_populations
        on overlap_populations.population_id = partner_populations.population_id
    where overlap_populations.side = 'partner'
    group by
        overlap_populations.crossbeam_record_id,
        overlap_populations.partner_crossbeam_record_id
),

history as (
    select
        crossbeam_record_id,
        partner_crossbeam_record_id,
        min(valid_from) as first_valid_from
    from {{ crossbeam }}.overlap_history
    group by
        crossbeam_record_id,
        partner_crossbeam_record_id
)

select
    current_overlaps.crossbeam_record_id,
    current_overlaps.partner_crossbeam_record_id,
    current_overlaps.overlap_type,
    coalesce(accounts.master_id, leads.master_id, current_overlaps.record_id)
        as master_id,
    current_overlaps.record_name,
    coalesce(accounts.account_name, current_overlaps.record_name) as account_name,
    accounts.account_type,
    accounts.industry,
    coalesce(
        accounts.record_website, leads.record_website, current_overlaps.record_website
    ) as record_website,
    coalesce(
        accounts.owner_account_executive_name,
        leads.owner_account_executive_name
    ) as owner_account_executive_name,
    coalesce(
        accounts.owner_account_executive_email,
        leads.owner_account_executive_email
    ) as owner_account_executive_email,
    current_overlaps.partner_id,
    coalesce(partners.partner_name, current_overlaps.partner_name) as partner_name,
    current_overlaps.partner_record_name,
    current_overlaps.partner_record_website,
    current_overlaps.partner_owner_id,
    current_overlaps.partner_owner_name,
    current_overlaps.partner_owner_email,
    own_populations.population_names,
    partner_side_populations.population_names as partner_population_names,
    coalesce(own_populations.in_customers, 0) = 1 as is_customer,
    coalesce(own_populations.in_open_opportunities, 0) = 1
        as is_open_opportunity,
    coalesce(own_populations.in_prospects, 0) = 1 as is_prospect,
    coalesce(partner_side_populations.in_customers, 0) = 1
        as is_partner_customer,
    coalesce(partner_side_populations.in_open_opportunities, 0) = 1
        as is_partner_open_opportunity,
    coalesce(partner_side_populations.in_prospects, 0) = 1
        as is_partner_prospect,
    current_overlaps.overlap_updated_at,
    case
        when history.first_valid_from is null then current_overlaps.overlap_created_at
        when current_overlaps.overlap_created_at is null then history.first_valid_from
        when current_overlaps.overlap_created_at < history.first_valid_from
            then current_overlaps.overlap_created_at
        else history.first_valid_from
    end as first_seen_at
from current_overlaps
left join accounts
    on current_overlaps.crossbeam_record_id = accounts.crossbeam_record_id
left join leads
    on current_overlaps.crossbeam_record_id = leads.crossbeam_record_id
left join partners
    on current_overlaps.partner_id = partners.partner_id
left join own_populations
    on
        current_overlaps.crossbeam_record_id = own_populations.crossbeam_record_id
        and current_overlaps.partner_crossbeam_record_id
        = own_populations.partner_crossbeam_record_id
left join partner_side_populations
    on
        current_overlaps.crossbeam_record_id
        = partner_side_populations.crossbeam_record_id
        and current_overlaps.partner_crossbeam_record_id
        = partner_side_populations.partner_crossbeam_record_id
left join history
    on
        current_overlaps.crossbeam_record_id = history.crossbeam_record_id
        and current_overlaps.partner_crossbeam_record_id
        = history.partner_crossbeam_record_id
{{ view_options }};
