create table if not exists load_executions (
    id bigserial primary key,
    run_id text not null,
    thread_id text not null,
    phase text not null,
    pid integer not null,
    at timestamptz not null default clock_timestamp()
);
create table if not exists load_gates (
    name text primary key
);
