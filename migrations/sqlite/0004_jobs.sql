-- Scheduled job runs of `govwatch serve`: one row per run, so a restart knows the last
-- completed run of each job (a run missed during downtime runs once on start).
CREATE TABLE job_runs (
    id            INTEGER PRIMARY KEY,
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT NOT NULL DEFAULT 'running', -- running | ok | failed | interrupted
    UNIQUE (job, scheduled_for)
);
CREATE INDEX job_runs_job ON job_runs (job, scheduled_for);
