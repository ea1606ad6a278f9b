-- The landed Crossbeam tables, one per table of lib/streams/catalog.ts with
-- the same columns in the same order (a test compares them). Keys are
-- declared for documentation and, on PostgreSQL, enforced; Redshift does
-- not enforce them, so the loader de-duplicates every batch on these keys.

create table {{ crossbeam }}.partners (
    partner_id       {{ text }} not null,
    partner_name     {{ text }},
    partner_domain   {{ text }},
    partner_logo_url {{ text }},
    _run_id          {{ text }},
    _observed_at     timestamptz,
    primary key (partner_id)
) {{ table_options(diststyle all) }};

create table {{ crossbeam }}.partner_tags (
    partner_id   {{ text }} not null,
    tag_id       {{ text }} not null,
    tag_label    {{ text }},
    _run_id      {{ text }},
    _observed_at timestamptz,
    primary key (partner_id, tag_id)
) {{ table_options(diststyle all) }};

create table {{ crossbeam }}.tags (
    tag_id       {{ text }} not null,
    tag_label    {{ text }},
    _run_id      {{ text }},
    _observed_at timestamptz,
    primary key (tag_id)
) {{ table_options(diststyle all) }};

create table {{ crossbeam }}.populations (
    population_id   bigint not null,
    population_name {{ text }},
    population_type {{ text }},
    standard_type   {{ text }},
    description     {{ text }},
    _run_id         {{ text }},
    _observed_at    timestamptz,
    primary key (population_id)
) {{ table_options(diststyle all) }};

create table {{ crossbeam }}.partner_populations (
    population_id   bigint not null,
    population_name {{ text }},
    population_type {{ text }},
    standard_type   {{ text }},
    description     {{ text }},
    partner_id      {{ text }},
    _run_id         {{ text }},
    _observed_at    timestamptz,
    primary key (population_id)
) {{ table_options(diststyle all) }};

create table {{ crossbeam }}.users (
    user_id         {{ text }} not null,
    user_name       {{ text }},
    user_email      {{ text }},
    user_phone      {{ text }},
    role            {{ text }},
    is_partner_user boolean,
    partner_id      {{ text }},
    _run_id         {{ text }},
    _observed_at    timestamptz,
    primary key (user_id)
) {{ table_options(diststyle all) }};

create table {{ crossbeam }}.accounts (
    crossbeam_record_id           {{ text }} not null,
    master_id                     {{ text }},
    record_type                   {{ text }},
    record_name                   {{ text }},
    record_website                {{ text }},
    source_id                     {{ text }},
    account_name                  {{ text }},
    account_type                  {{ text }},
    industry                      {{ text }},
    account_created_at            timestamptz,
    owner_account_executive_name  {{ text }},
    owner_account_executive_email {{ text }},
    owner_account_executive_phone {{ text }},
    updated_at                    timestamptz,
    _run_id                       {{ text }},
    _observed_at                  timestamptz,
    primary key (crossbeam_record_id)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id)) }};

create table {{ crossbeam }}.account_populations (
    crossbeam_record_id {{ text }} not null,
    population_id       bigint not null,
    population_name     {{ text }},
    _run_id             {{ text }},
    _observed_at        timestamptz,
    primary key (crossbeam_record_id, population_id)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id)) }};

create table {{ crossbeam }}.account_crm_fields (
    crossbeam_record_id {{ text }} not null,
    field_name          {{ text }} not null,
    field_value         {{ text }},
    _run_id             {{ text }},
    _observed_at        timestamptz,
    primary key (crossbeam_record_id, field_name)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id)) }};

create table {{ crossbeam }}.leads (
    crossbeam_record_id           {{ text }} not null,
    master_id                     {{ text }},
    record_type                   {{ text }},
    record_name                   {{ text }},
    record_email                  {{ text }},
    record_website                {{ text }},
    source_id                     {{ text }},
    owner_account_executive_name  {{ text }},
    owner_account_executive_email {{ text }},
    owner_account_executive_phone {{ text }},
    updated_at                    timestamptz,
    _run_id                       {{ text }},
    _observed_at                  timestamptz,
    primary key (crossbeam_record_id)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id)) }};

create table {{ crossbeam }}.lead_populations (
    crossbeam_record_id {{ text }} not null,
    population_id       bigint not null,
    population_name     {{ text }},
    _run_id             {{ text }},
    _observed_at        timestamptz,
    primary key (crossbeam_record_id, population_id)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id)) }};

create table {{ crossbeam }}.lead_crm_fields (
    crossbeam_record_id {{ text }} not null,
    field_name          {{ text }} not null,
    field_value         {{ text }},
    _run_id             {{ text }},
    _observed_at        timestamptz,
    primary key (crossbeam_record_id, field_name)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id)) }};

create table {{ crossbeam }}.overlaps (
    crossbeam_record_id         {{ text }} not null,
    partner_crossbeam_record_id {{ text }} not null,
    overlap_type                {{ text }},
    record_id                   {{ text }},
    record_name                 {{ text }},
    record_website              {{ text }},
    record_email                {{ text }},
    partner_id                  {{ text }},
    partner_name                {{ text }},
    partner_logo_url            {{ text }},
    partner_record_type         {{ text }},
    partner_record_name         {{ text }},
    partner_record_website      {{ text }},
    partner_record_email        {{ text }},
    partner_owner_id            {{ text }},
    partner_owner_name          {{ text }},
    partner_owner_email         {{ text }},
    partner_owner_phone         {{ text }},
    overlap_created_at          timestamptz,
    overlap_updated_at          timestamptz,
    is_deleted                  boolean,
    _run_id                     {{ text }},
    _observed_at                timestamptz,
    primary key (crossbeam_record_id, partner_crossbeam_record_id)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id, partner_crossbeam_record_id)) }};

create table {{ crossbeam }}.overlap_populations (
    crossbeam_record_id         {{ text }} not null,
    partner_crossbeam_record_id {{ text }} not null,
    overlap_type                {{ text }},
    side                        {{ text }} not null,
    population_id               bigint not null,
    population_name             {{ text }},
    _run_id                     {{ text }},
    _observed_at                timestamptz,
    primary key (crossbeam_record_id, partner_crossbeam_record_id, side, population_id)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id, partner_crossbeam_record_id)) }};

create table {{ crossbeam }}.overlap_partner_fields (
    crossbeam_record_id         {{ text }} not null,
    partner_crossbeam_record_id {{ text }} not null,
    overlap_type                {{ text }},
    field_name                  {{ text }} not null,
    field_value                 {{ text }},
    _run_id                     {{ text }},
    _observed_at                timestamptz,
    primary key (crossbeam_record_id, partner_crossbeam_record_id, field_name)
) {{ table_options(diststyle key distkey (crossbeam_record_id) sortkey (crossbeam_record_id, partner_crossbeam_record_id)) }};

create table {{ crossbeam }}.signals (
    event_id        {{ text }} not null,
    signal_type     {{ text }},
    event_type      {{ text }},
    triggered_at    timestamptz,
    record_type     {{ text }},
    record_id       {{ text }},
    record_name     {{ text }},
    partner_id      {{ text }},
    partner_name    {{ text }},
    deal_name       {{ text }},
    deal_stage      {{ text }},
    deal_is_closed  boolean,
    deal_is_won     boolean,
    deal_open_date  timestamptz,
    deal_close_date timestamptz,
    deal_amount     numeric(38, 6),
    _run_id         {{ text }},
    _observed_at    timestamptz,
    primary key (event_id)
) {{ table_options(diststyle key distkey (event_id) sortkey (triggered_at)) }};

create table {{ crossbeam }}.signal_populations (
    event_id        {{ text }} not null,
    signal_type     {{ text }},
    side            {{ text }} not null,
    population_id   bigint not null,
    population_name {{ text }},
    segment         {{ text }},
    _run_id         {{ text }},
    _observed_at    timestamptz,
    primary key (event_id, side, population_id)
) {{ table_options(diststyle key distkey (event_id) sortkey (event_id)) }};

