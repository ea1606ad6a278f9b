-- model: partner_customer_overlaps
-- grain: one row per partner that overlaps with at least one of our records in a customers population
-- key: partner_id
-- column partner_id: Crossbeam partner id
-- column partner_name: the partner's name
-- column basis: always now: today's overlaps and populations
-- column customer_overlap_count: our records in a customers population that overlap with the partner
-- column shared_customer_count: those of them that the partner also has in a customers population
create or replace view {{ dashboards }}.partner_customer_overlaps as
with customer_overlaps as (
    select
        partner_id,
        partner_name,
        crossbeam_record_id,
        is_partner_customer
    from {{ models }}.crossbeam_overlaps
    where is_customer
)

select
    partner_id,
    max(partner_name) as partner_name,
    cast('now' as {{ text }}) as basis,
    count(distinct crossbeam_record_id) as customer_overlap_count,
    count(
        distinct case when is_partner_customer then crossbeam_record_id end
    ) as shared_customer_count
from customer_overlaps
group by partner_id
{{ view_options }};
