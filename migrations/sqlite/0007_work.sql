-- The work of `govwatch serve`'s runs, shared by every worker on one database. A run
-- (a row of job_runs) is split into jobs: a cycle into one catalog sync, one job per
-- site, one per batch of accounts, then one detect job; a probe or weekly-email run
-- into one job. Workers lease a job (leased_by, lease_until; extended while working),
-- and a job whose lease expired is leased again by another worker. Jobs of a higher
-- stage wait until every job of a lower stage of their run is done.
CREATE TABLE work_jobs (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES job_runs (id),
    kind        TEXT NOT NULL,              -- sync | site | accounts | detect | probe | notify
    subject     TEXT NOT NULL DEFAULT '',   -- the site's name, the account batch, or ''
    stage       INTEGER NOT NULL DEFAULT 0,
    payload     TEXT,                       -- accounts: the batch's account keys (JSON)
    state       TEXT NOT NULL DEFAULT 'ready', -- ready | leased | done
    leased_by   TEXT,
    lease_until TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0, -- leases taken; also the lease's token
    done_by     TEXT,
    finished_at TEXT,
    outcome     TEXT,                       -- ok | failed | skipped | abandoned
    detail      TEXT,
    UNIQUE (run_id, kind, subject)
);
CREATE INDEX work_jobs_open ON work_jobs (state, run_id, stage) WHERE state <> 'done';
