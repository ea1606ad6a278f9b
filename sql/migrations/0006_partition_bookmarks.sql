-- One bookmark per partner for the streams that are read one partner at a
-- time (the overlap streams): the last next_href of the partner's list, and
-- the run that set it. The loader replaces a partner's row in the same
-- transaction that merges the rows the bookmark covers, and removes the
-- rows of partners that a later run no longer listed.
create table {{ crossbeam }}.partition_bookmarks (
    stream          {{ text }} not null,
    partition_value {{ text }} not null,
    bookmark        {{ text }},
    bookmark_run_id {{ text }},
    bookmark_at     timestamptz,
    primary key (stream, partition_value)
) {{ table_options(diststyle all) }};
