//! The runs of `govwatch serve`'s scheduled jobs (`job_runs`) and their work
//! (`work_jobs`), shared by every worker on one database: a run is created once however
//! many workers ask for it (a run without jobs ends `ok` at once), its jobs are leased
//! by one worker at a time, a lease is extended while the job runs, and a job whose
//! lease expired (its worker died) is leased again by another worker.
//!
//! PostgreSQL: a job is claimed with `SELECT … FOR UPDATE SKIP LOCKED` inside a
//! transaction that sets `leased_by`/`lease_until`, so concurrent workers never take the
//! same job; a run is created under a transaction-scoped advisory lock of its job name,
//! so runs of one job never overlap. SQLite (one process): SQLite serialises writers, so
//! a claim is one `UPDATE … WHERE id = (SELECT …) RETURNING` and a run is created in a
//! `BEGIN IMMEDIATE` transaction.
//!
//! Lease times are the workers' clocks: keep the machines' clocks in sync (NTP); a lease
//! of a minute tolerates seconds of drift.

use chrono::{DateTime, Duration, SubsecRound, Utc};

use super::{Backend, BeginWrite, Kind, Result, Store, ctx, on_pool};

/// A job of a run, as the scheduler lays it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWork {
    pub kind: String,
    pub subject: String,
    /// Claimable once every job of a lower stage of the run is done.
    pub stage: i32,
    pub payload: Option<String>,
}

/// A job leased by this worker.
#[derive(Debug, Clone)]
pub struct Lease {
    pub id: i64,
    pub run_id: i64,
    pub kind: String,
    pub subject: String,
    pub payload: Option<String>,
    /// How many times the job was leased, this lease included; the lease's token.
    pub attempt: i32,
    /// The run's job name (`cycle`, `probe`, `weekly_email`).
    pub job: String,
    /// The instant the run takes as "now" (every job of a run uses the same, so a job
    /// done twice writes the same rows twice, which the store's upserts make once).
    pub run_at: DateTime<Utc>,
}

/// What [`Store::enqueue_run`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// This call created the run (another worker asking for it gets `Present`).
    Created(i64),
    /// The run exists already (or a later one does).
    Present,
    /// Another run of the job is unfinished: runs of a job never overlap.
    Busy,
    /// Nothing is due: the job never ran and `due` came before this worker started.
    NotDue,
}

/// How a job ended, and the run's outcome when it was the run's last job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finished {
    Done {
        run_finished: Option<String>,
    },
    /// The lease expired and another worker took the job over: its result stands.
    LeaseLost,
}

/// A row of `work_jobs`, for tests and the status of a run.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkJob {
    pub id: i64,
    pub run_id: i64,
    pub kind: String,
    pub subject: String,
    pub stage: i32,
    pub state: String,
    pub leased_by: Option<String>,
    pub attempts: i32,
    pub done_by: Option<String>,
    pub outcome: Option<String>,
    pub detail: Option<String>,
}

/// The latest run of a job: (id, due, outcome).
pub type RunRow = (i64, DateTime<Utc>, String);

const CLAIMABLE: &str = "(j.state = 'ready' OR (j.state = 'leased' AND j.lease_until < $1)) \
     AND NOT EXISTS (SELECT 1 FROM work_jobs o WHERE o.run_id = j.run_id \
     AND o.stage < j.stage AND o.state <> 'done')";

impl Store {
    /// The latest run of `job` (by due time), if any.
    pub async fn latest_run(&self, job: &str) -> Result<Option<RunRow>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, scheduled_for, outcome FROM job_runs WHERE job = $1 \
                 ORDER BY scheduled_for DESC LIMIT 1",
            )
            .bind(job)
            .fetch_optional(pool)
            .await
        })
        .map_err(ctx("reading the latest run"))
    }

    /// Creates the run of `job` due at `due` with its jobs, unless it (or a later run)
    /// exists, another run of `job` is unfinished, or the job never ran and `due` came
    /// before `up_since` (this worker's start: a first run is never "missed"). Safe to
    /// call from every worker at once: one run and one set of jobs result.
    pub async fn enqueue_run(
        &self,
        job: &str,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
        up_since: DateTime<Utc>,
        work: &[NewWork],
    ) -> Result<Enqueued> {
        // As stored: PostgreSQL keeps microseconds.
        let due = due.trunc_subsecs(6);
        let postgres = self.kind() == Kind::Postgres;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("starting to enqueue a run"))?;
            if postgres {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext('govwatch job ' || $1))")
                    .bind(job)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("locking the job's schedule"))?;
            }
            let latest: Option<(i64, DateTime<Utc>, String, i64)> = sqlx::query_as(
                "SELECT r.id, r.scheduled_for, r.outcome, \
                 (SELECT COUNT(*) FROM work_jobs w WHERE w.run_id = r.id) \
                 FROM job_runs r WHERE r.job = $1 ORDER BY r.scheduled_for DESC LIMIT 1",
            )
            .bind(job)
            .fetch_optional(&mut *tx)
            .await
            .map_err(ctx("reading the latest run"))?;
            match latest {
                Some((_, at, _, _)) if at >= due => return Ok(Enqueued::Present),
                Some((id, _, outcome, 0)) if outcome == "running" => {
                    // A run started before runs had jobs, and never finished.
                    sqlx::query("UPDATE job_runs SET outcome = 'interrupted' WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(ctx("closing a run without jobs"))?;
                }
                Some((_, _, outcome, _)) if outcome == "running" => return Ok(Enqueued::Busy),
                None if due < up_since.trunc_subsecs(6) => return Ok(Enqueued::NotDue),
                _ => {}
            }
            let run_id: i64 = sqlx::query_scalar(
                "INSERT INTO job_runs (job, scheduled_for, started_at, outcome) \
                 VALUES ($1, $2, $3, 'running') RETURNING id",
            )
            .bind(job)
            .bind(due)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(ctx("creating a run"))?;
            for w in work {
                sqlx::query(
                    "INSERT INTO work_jobs (run_id, kind, subject, stage, payload) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (run_id, kind, subject) DO NOTHING",
                )
                .bind(run_id)
                .bind(&w.kind)
                .bind(&w.subject)
                .bind(w.stage)
                .bind(&w.payload)
                .execute(&mut *tx)
                .await
                .map_err(ctx("creating a run's jobs"))?;
            }
            if work.is_empty() {
                sqlx::query(
                    "UPDATE job_runs SET outcome = 'ok', finished_at = $2 WHERE id = $1",
                )
                .bind(run_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(ctx("closing an empty run"))?;
            }
            tx.commit().await.map_err(ctx("enqueuing a run"))?;
            Ok(Enqueued::Created(run_id))
        })
    }

    /// Leases the next claimable job for `worker` until `now + lease`: a ready job, or
    /// one whose lease expired, whose lower stages are done; oldest run first.
    pub async fn claim_job(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Option<Lease>> {
        let until = now + lease;
        type Row = (i64, i64, String, String, Option<String>, i32);
        let row: Option<Row> = match &self.backend {
            Backend::Postgres(pool) => {
                let mut tx = pool.begin_write().await.map_err(ctx("starting a claim"))?;
                let id: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT j.id FROM work_jobs j WHERE {CLAIMABLE} \
                     ORDER BY j.run_id, j.stage, j.id LIMIT 1 FOR UPDATE SKIP LOCKED"
                )))
                .bind(now)
                .fetch_optional(&mut *tx)
                .await
                .map_err(ctx("choosing a job to lease"))?;
                let row = match id {
                    Some(id) => Some(
                        sqlx::query_as(
                            "UPDATE work_jobs SET state = 'leased', leased_by = $2, \
                             lease_until = $3, attempts = attempts + 1 WHERE id = $1 \
                             RETURNING id, run_id, kind, subject, payload, attempts",
                        )
                        .bind(id)
                        .bind(worker)
                        .bind(until)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(ctx("leasing a job"))?,
                    ),
                    None => None,
                };
                tx.commit().await.map_err(ctx("leasing a job"))?;
                row
            }
            Backend::Sqlite(pool) => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE work_jobs SET state = 'leased', leased_by = $2, lease_until = $3, \
                 attempts = attempts + 1 WHERE id = (SELECT j.id FROM work_jobs j \
                 WHERE {CLAIMABLE} ORDER BY j.run_id, j.stage, j.id LIMIT 1) \
                 RETURNING id, run_id, kind, subject, payload, attempts"
            )))
            .bind(now)
            .bind(worker)
            .bind(until)
            .fetch_optional(pool)
            .await
            .map_err(ctx("leasing a job"))?,
        };
        let Some((id, run_id, kind, subject, payload, attempt)) = row else {
            return Ok(None);
        };
        let (job, run_at): (String, DateTime<Utc>) = on_pool!(self, pool => {
            sqlx::query_as("SELECT job, started_at FROM job_runs WHERE id = $1")
                .bind(run_id)
                .fetch_one(pool)
                .await
        })
        .map_err(ctx("reading a leased job's run"))?;
        Ok(Some(Lease {
            id,
            run_id,
            kind,
            subject,
            payload,
            attempt,
            job,
            run_at,
        }))
    }

    /// Extends a lease (the heartbeat); `false` when it was lost to another worker.
    pub async fn extend_lease(&self, lease: &Lease, until: DateTime<Utc>) -> Result<bool> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE work_jobs SET lease_until = $3 \
                 WHERE id = $1 AND attempts = $2 AND state = 'leased'",
            )
            .bind(lease.id)
            .bind(lease.attempt)
            .bind(until)
            .execute(pool)
            .await
            .map(|r| r.rows_affected() == 1)
        })
        .map_err(ctx("extending a lease"))
    }

    /// Gives a leased job back untouched (shutdown), for any worker to take at once.
    pub async fn release_job(&self, lease: &Lease) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE work_jobs SET state = 'ready', lease_until = NULL, attempts = attempts - 1 \
                 WHERE id = $1 AND attempts = $2 AND state = 'leased'",
            )
            .bind(lease.id)
            .bind(lease.attempt)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("releasing a job"))
    }

    /// Marks a leased job done with its outcome; when it was its run's last job, the run
    /// ends too (`failed` if any job failed or was abandoned, else `ok`).
    pub async fn finish_job(
        &self,
        lease: &Lease,
        worker: &str,
        now: DateTime<Utc>,
        outcome: &str,
        detail: Option<&str>,
    ) -> Result<Finished> {
        let postgres = self.kind() == Kind::Postgres;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("starting to finish a job"))?;
            if postgres {
                // Finishing jobs of one run one at a time, so the last one sees the others done.
                sqlx::query("SELECT id FROM job_runs WHERE id = $1 FOR UPDATE")
                    .bind(lease.run_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("locking a run"))?;
            }
            let marked = sqlx::query(
                "UPDATE work_jobs SET state = 'done', done_by = $3, finished_at = $4, \
                 outcome = $5, detail = $6, lease_until = NULL \
                 WHERE id = $1 AND attempts = $2 AND state = 'leased'",
            )
            .bind(lease.id)
            .bind(lease.attempt)
            .bind(worker)
            .bind(now)
            .bind(outcome)
            .bind(detail)
            .execute(&mut *tx)
            .await
            .map_err(ctx("marking a job done"))?
            .rows_affected();
            if marked == 0 {
                return Ok(Finished::LeaseLost);
            }
            let run_finished: Option<String> = sqlx::query_scalar(
                "UPDATE job_runs SET finished_at = $2, outcome = CASE WHEN EXISTS \
                 (SELECT 1 FROM work_jobs w WHERE w.run_id = $1 AND w.outcome IN ('failed', 'abandoned')) \
                 THEN 'failed' ELSE 'ok' END \
                 WHERE id = $1 AND outcome = 'running' AND NOT EXISTS \
                 (SELECT 1 FROM work_jobs w WHERE w.run_id = $1 AND w.state <> 'done') \
                 RETURNING outcome",
            )
            .bind(lease.run_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(ctx("ending a run"))?;
            tx.commit().await.map_err(ctx("finishing a job"))?;
            Ok(Finished::Done { run_finished })
        })
    }

    /// The jobs of run `run_id`, in order.
    pub async fn work_jobs(&self, run_id: i64) -> Result<Vec<WorkJob>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, run_id, kind, subject, stage, state, leased_by, attempts, done_by, \
                 outcome, detail FROM work_jobs WHERE run_id = $1 ORDER BY stage, id",
            )
            .bind(run_id)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading a run's jobs"))
    }

    /// The runs of `job`: (id, due, started, outcome), oldest first.
    pub async fn runs_of(
        &self,
        job: &str,
    ) -> Result<Vec<(i64, DateTime<Utc>, DateTime<Utc>, String)>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, scheduled_for, started_at, outcome FROM job_runs WHERE job = $1 \
                 ORDER BY scheduled_for",
            )
            .bind(job)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading runs"))
    }
}
