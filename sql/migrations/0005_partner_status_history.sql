-- One interval per stretch of time the partner side of an overlap kept one
-- customer status: is_partner_customer is true while the partner's record
-- is in at least one partner population whose standard_type is customers.
-- The loader closes the open interval and opens a new one at the run's
-- observed_at when the status changes, and closes it when the overlap is
-- deleted or absent from a full pass (valid_to is null while it is current).
create table {{ crossbeam }}.overlap_status_history (
    crossbeam_record_id         {{ text }} not null,
    partner_crossbeam_record_id {{ text }} not null,
    overlap_type                {{ text }},
    partner_id                  {{ text }},
    is_partner_customer         boolean not null,
    valid_from                  timestamptz not null,
    valid_to                    timestamptz,
    first_run_id                {{ text }},
    last_run_id                 {{ text }},
    primary key (crossbeam_record_id, partner_crossbeam_record_id, valid_from)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id, partner_crossbeam_record_id, valid_from)) }};

-- Overlaps loaded before this table existed start with their status as
-- stored now, from the start of their open overlap_history interval: the
-- status they had earlier was not recorded.
insert into {{ crossbeam }}.overlap_status_history (
    crossbeam_record_id,
    partner_crossbeam_record_id,
    overlap_type,
    partner_id,
    is_partner_customer,
    valid_from,
    valid_to,
    first_run_id,
    last_run_id
)
select
    history.crossbeam_record_id,
    history.partner_crossbeam_record_id,
    history.overlap_type,
    history.partner_id,
    coalesce(max(
        case when partner_populations.standard_type = 'customers' then 1 else 0 end
    ), 0) = 1,
    history.valid_from,
    null,
    history.first_run_id,
    history.last_run_id
from {{ crossbeam }}.overlap_history as history
inner join {{ crossbeam }}.overlaps as current_overlaps
    on
        history.crossbeam_record_id = current_overlaps.crossbeam_record_id
        and history.partner_crossbeam_record_id
        = current_overlaps.partner_crossbeam_record_id
left join {{ crossbeam }}.overlap_populations as overlap_populations
    on
        history.crossbeam_record_id = overlap_populations.crossbeam_record_id
        and history.partner_crossbeam_record_id
        = overlap_populations.partner_crossbeam_record_id
        and overlap_populations.side = 'partner'
left join {{ crossbeam }}.partner_populations as partner_populations
    on overlap_populations.population_id = partner_populations.population_id
where history.valid_to is null
group by
    history.crossbeam_record_id,
    history.partner_crossbeam_record_id,
    history.overlap_type,
    history.partner_id,
    history.valid_from,
    history.first_run_id,
    history.last_run_id;
