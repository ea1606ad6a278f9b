-- Tables the loader derives from the landed ones, and its own bookkeeping.

-- The partner side of current overlaps, one row per partner record. The
-- loader rebuilds it after every overlap load.
create table {{ crossbeam }}.partner_accounts (
    partner_crossbeam_record_id {{ text }} not null,
    partner_id                  {{ text }},
    partner_name                {{ text }},
    partner_record_type         {{ text }},
    partner_record_name         {{ text }},
    partner_record_website      {{ text }},
    partner_record_email        {{ text }},
    partner_owner_id            {{ text }},
    partner_owner_name          {{ text }},
    partner_owner_email         {{ text }},
    partner_owner_phone         {{ text }},
    overlap_count               bigint,
    _run_id                     {{ text }},
    _observed_at                timestamptz,
    primary key (partner_crossbeam_record_id)
) {{ table_options(diststyle key distkey (partner_crossbeam_record_id) sortkey (partner_crossbeam_record_id)) }};

-- One interval per stretch of time an overlap existed: valid_from is the
-- observed_at of the run that first saw it, valid_to that of the run that
-- saw it deleted or absent from a full pass (null while it is current).
create table {{ crossbeam }}.overlap_history (
    crossbeam_record_id         {{ text }} not null,
    partner_crossbeam_record_id {{ text }} not null,
    overlap_type                {{ text }},
    partner_id                  {{ text }},
    valid_from                  timestamptz not null,
    valid_to                    timestamptz,
    first_run_id                {{ text }},
    last_run_id                 {{ text }},
    primary key (crossbeam_record_id, partner_crossbeam_record_id, valid_from)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id, partner_crossbeam_record_id, valid_from)) }};

-- One row per stream: the bookmark the next incremental run starts from
-- and the outcome of the last load.
create table {{ crossbeam }}.sync_state (
    stream          {{ text }} not null,
    bookmark        {{ text }},
    bookmark_run_id {{ text }},
    bookmark_at     timestamptz,
    last_run_id     {{ text }},
    last_loaded_at  timestamptz,
    last_mode       {{ text }},
    rows_loaded     bigint,
    rejects         bigint,
    last_error      {{ text }},
    primary key (stream)
) {{ table_options(diststyle all) }};

-- One row per loaded run. table_rows lists the rows copied per landed
-- table as "table=rows" pairs separated by commas.
create table {{ crossbeam }}.load_runs (
    stream            {{ text }} not null,
    run_id            {{ text }} not null,
    mode              {{ text }},
    observed_at       timestamptz,
    loaded_at         timestamptz,
    previous_bookmark {{ text }},
    bookmark          {{ text }},
    bookmark_advanced boolean,
    rows_loaded       bigint,
    table_rows        {{ text }},
    rejects           bigint,
    primary key (stream, run_id)
) {{ table_options(diststyle all sortkey (stream, run_id)) }};
