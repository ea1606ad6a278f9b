-- The warehouse's own id: a random uuid that the command line sets on the
-- first sync or load and writes into every run it lands (manifest.json's
-- warehouse_id). A load skips runs that carry another warehouse's id, so
-- two warehouses that share a landing folder never load each other's runs.
create table {{ crossbeam }}.warehouse_identity (
    warehouse_id {{ text }} not null,
    created_at   timestamptz not null
) {{ table_options(diststyle all) }};
