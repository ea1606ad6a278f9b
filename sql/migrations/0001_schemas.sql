-- The four schemas the project writes. Their names are configurable, so
-- every statement names them through placeholders.
create schema if not exists {{ crossbeam }};
create schema if not exists {{ staging }};
create schema if not exists {{ models }};
create schema if not exists {{ dashboards }};
