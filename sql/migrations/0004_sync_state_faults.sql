-- What the last loaded run of each stream met on the way: the API requests
-- it retried, and its rejected items counted by reason (a JSON object of
-- reason to count). `crossbeam-warehouse status` shows both.
alter table {{ crossbeam }}.sync_state add column retries bigint;

alter table {{ crossbeam }}.sync_state add column reject_reasons {{ text }};
