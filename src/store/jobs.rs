//! Runs of `govwatch serve`'s scheduled jobs (`job_runs`): when each job last completed,
//! so a run missed while the daemon was down happens once on start.

use chrono::{DateTime, Utc};

use super::{Result, Store, ctx, on_pool};

/// How a job run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    Ok,
    Failed,
    /// Stopped by shutdown before it finished; the next start runs it again.
    Interrupted,
}

impl JobOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Interrupted => "interrupted",
        }
    }
}

impl Store {
    /// Records that `job`'s run due at `scheduled_for` started; returns the run's id.
    pub async fn job_started(
        &self,
        job: &str,
        scheduled_for: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<i64> {
        on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO job_runs (job, scheduled_for, started_at, outcome) \
                 VALUES ($1, $2, $3, 'running') \
                 ON CONFLICT (job, scheduled_for) DO UPDATE SET started_at = $3, \
                 finished_at = NULL, outcome = 'running' RETURNING id",
            )
            .bind(job)
            .bind(scheduled_for)
            .bind(at)
            .fetch_one(pool)
            .await
        })
        .map_err(ctx("recording a job start"))
    }

    /// Records how run `id` ended.
    pub async fn job_finished(
        &self,
        id: i64,
        at: DateTime<Utc>,
        outcome: JobOutcome,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE job_runs SET finished_at = $1, outcome = $2 WHERE id = $3")
                .bind(at)
                .bind(outcome.as_str())
                .bind(id)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(ctx("recording a job end"))
    }

    /// When the last run of `job` that was not interrupted was due.
    pub async fn last_job_run(&self, job: &str) -> Result<Option<DateTime<Utc>>> {
        on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT MAX(scheduled_for) FROM job_runs WHERE job = $1 AND outcome IN ('ok', 'failed')",
            )
            .bind(job)
            .fetch_one(pool)
            .await
        })
        .map_err(ctx("reading the last job run"))
    }

    /// Runs of `job`: (due, outcome), oldest first.
    pub async fn job_runs(&self, job: &str) -> Result<Vec<(DateTime<Utc>, String)>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT scheduled_for, outcome FROM job_runs WHERE job = $1 ORDER BY scheduled_for",
            )
            .bind(job)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading job runs"))
    }
}
