-- Scheduled job runs of `govwatch serve`: one row per run, so a restart knows the last
-- completed run of each job (a run missed during downtime runs once on start).
CREATE TABLE job_runs (
    id            BIGSERIAL PRIMARY KEY,
    job           TEXT NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    outcome       TEXT NOT NULL DEFAULT 'running', -- running | ok | failed | interrupted
    UNIQUE (job, scheduled_for)
);
CREATE INDEX job_runs_job ON job_runs (job, scheduled_for);
