//! `govwatch serve`, the daemon: runs the cycle on the configured schedule, answers
//! `/healthz` and `/metrics`, reloads the catalog on SIGHUP, and stops cleanly.
//!
//! Shape (after mini-redis): [`run`] takes the app, a bound listener and a shutdown
//! future, so tests start it on port 0 and stop it whenever they like. Shutdown is one
//! `watch` channel every long task selects on: the HTTP server stops accepting, each job
//! loop stops waiting, and a job in flight gets [`GRACE`] to finish; after that it is
//! dropped between two writes (every store write is an idempotent statement or a
//! transaction, so nothing half-written remains) and its run is recorded as
//! `interrupted`, which the next start runs again.
//!
//! One loop per job, so a job never overlaps itself; each loop does one step per
//! iteration (wait for the next due time, run, record in `job_runs`). A run missed while
//! the daemon was down (the schedule was due after the last recorded run) runs once on
//! start. Only the cycle job exists so far (on `[schedule] crawl`): it crawls, reads
//! home pages and detects; probes, link checks and the weekly email join as jobs when
//! the cycle grows those stages.

pub mod metrics;
pub mod schedule;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::Utc;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::App;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::cycle::{self, CycleOptions, Env};
use crate::fetch::Fetcher;
use crate::store::{JobOutcome, Store};
pub use metrics::Metrics;
use schedule::{Calendar, JobSchedule};

/// How long a job in flight may take to finish once shutdown is asked for.
pub const GRACE: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    App(#[from] crate::app::AppError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("[schedule] {0}")]
    Schedule(String),
    #[error("the HTTP server failed: {0}")]
    Http(std::io::Error),
}

/// The catalog in use and the client built for it; replaced whole on reload.
struct Watched {
    catalog: Catalog,
    fetcher: Fetcher,
}

/// What the jobs and the HTTP handlers share.
struct Daemon {
    app: App,
    store: Store,
    watched: RwLock<Arc<Watched>>,
    metrics: Metrics,
    calendar: Calendar,
}

/// A job: a name (its key in `job_runs`) and when it runs.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: &'static str,
    pub schedule: JobSchedule,
}

/// The jobs the settings ask for.
pub fn jobs(app: &App) -> Result<Vec<Job>, ServeError> {
    let s = &app.settings.schedule;
    Ok(vec![Job {
        name: "cycle",
        schedule: schedule::parse(&s.crawl).map_err(ServeError::Schedule)?,
    }])
}

/// Runs the daemon until `shutdown` completes; then stops taking work, lets a job in
/// flight finish (or interrupts it after [`GRACE`]) and returns.
pub async fn run(
    app: App,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let jobs = jobs(&app)?;
    let loaded = app.catalog()?;
    let fetcher = app.fetcher(&loaded.catalog)?;
    let store = app.open_store().await?;
    let calendar = Calendar {
        holidays: app.settings.schedule.holidays.iter().copied().collect(),
        workdays: app.settings.schedule.workdays.iter().copied().collect(),
    };
    let daemon = Arc::new(Daemon {
        app,
        store,
        watched: RwLock::new(Arc::new(Watched {
            catalog: loaded.catalog,
            fetcher,
        })),
        metrics: Metrics::default(),
        calendar,
    });
    daemon.refresh_open_findings().await;

    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutdown asked: no new work is taken");
        let _ = stop_tx.send(true);
    });

    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        tracing::info!(job = job.name, schedule = %job.schedule.expression, "scheduled");
        tasks.spawn(job_loop(daemon.clone(), job, stop.clone()));
    }
    #[cfg(unix)]
    tasks.spawn(reload_on_sighup(daemon.clone(), stop.clone()));

    let addr = listener.local_addr().map_err(ServeError::Http)?;
    tracing::info!("serving /healthz and /metrics on http://{addr}");
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(daemon.clone());
    let mut http_stop = stop.clone();
    let http = axum::serve(listener, router).with_graceful_shutdown(async move {
        stopped(&mut http_stop).await;
    });
    let http_result = http.await;
    while tasks.join_next().await.is_some() {}
    daemon.store.close().await;
    tracing::info!("stopped");
    http_result.map_err(ServeError::Http)
}

async fn healthz(State(daemon): State<Arc<Daemon>>) -> impl IntoResponse {
    let last = daemon.metrics.last_cycle();
    let body = serde_json::json!({
        "status": "ok",
        "last_cycle": last.and_then(|t| chrono::DateTime::from_timestamp(t, 0)),
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

async fn metrics(State(daemon): State<Arc<Daemon>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        daemon.metrics.render(),
    )
}

/// One job's loop: wait until due, run, record; stop when shutdown is asked.
async fn job_loop(daemon: Arc<Daemon>, job: Job, mut stop: watch::Receiver<bool>) {
    let tz = daemon.app.clock.tz();
    // A run due after the last recorded one and before now was missed: run it now.
    let mut missed = match daemon.store.last_job_run(job.name).await {
        Ok(Some(last)) => job
            .schedule
            .next_after(&last.with_timezone(&tz), &daemon.calendar)
            .filter(|due| due.with_timezone(&Utc) <= Utc::now()),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(job = job.name, "cannot read the last run: {e}");
            None
        }
    };
    loop {
        if *stop.borrow() {
            return;
        }
        let due = match missed.take() {
            Some(due) => {
                tracing::info!(job = job.name, due = %due, "missed while stopped: running now");
                due
            }
            None => {
                let Some(due) = job
                    .schedule
                    .next_after(&Utc::now().with_timezone(&tz), &daemon.calendar)
                else {
                    tracing::warn!(job = job.name, "the schedule never runs again");
                    return;
                };
                let wait = (due.with_timezone(&Utc) - Utc::now())
                    .to_std()
                    .unwrap_or_default();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopped(&mut stop) => return,
                }
                due
            }
        };
        run_once(&daemon, job.name, due.with_timezone(&Utc), &mut stop).await;
    }
}

/// Runs one due job: records its start, runs the cycle (with [`GRACE`] once shutdown
/// is asked), records how it ended.
async fn run_once(
    daemon: &Arc<Daemon>,
    job: &'static str,
    due: chrono::DateTime<Utc>,
    stop: &mut watch::Receiver<bool>,
) {
    let started = Instant::now();
    let run_id = match daemon.store.job_started(job, due, Utc::now()).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!(job, "cannot record the start: {e}");
            return;
        }
    };
    let result = run_cycle(daemon, stop.clone()).await;
    let outcome = match result {
        Some(Ok(report)) => {
            daemon.metrics.cycle_done(
                &report,
                Utc::now().timestamp(),
                started.elapsed().as_secs_f64(),
            );
            daemon.refresh_open_findings().await;
            tracing::info!(
                job,
                opened = report.detect.opened,
                resolved = report.detect.resolved,
                "done in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            JobOutcome::Ok
        }
        Some(Err(e)) => {
            tracing::error!(job, "failed: {e}");
            daemon.metrics.cycle_ended("failed");
            JobOutcome::Failed
        }
        None => {
            tracing::warn!(
                job,
                "interrupted by shutdown; it runs again on the next start"
            );
            daemon.metrics.cycle_ended("interrupted");
            JobOutcome::Interrupted
        }
    };
    if let Err(e) = daemon.store.job_finished(run_id, Utc::now(), outcome).await {
        tracing::error!(job, "cannot record the end: {e}");
    }
}

/// Runs one cycle with the catalog in use; `None` when shutdown interrupted it.
///
/// The cycle runs on a blocking thread that drives it with the runtime's handle: its
/// future is not provably `Send` (the crawl's stream closures), and this way it need not
/// be. Once shutdown is asked it gets [`GRACE`] to finish, then it is dropped between
/// two awaits, that is between two complete writes.
async fn run_cycle(
    daemon: &Arc<Daemon>,
    mut stop: watch::Receiver<bool>,
) -> Option<Result<cycle::CycleReport, crate::store::StoreError>> {
    let daemon = daemon.clone();
    let handle = tokio::runtime::Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        let watched = daemon
            .watched
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let clock = Clock::system(daemon.app.clock.tz());
        let options = CycleOptions::default();
        handle.block_on(async {
            let work = cycle::run(
                Env {
                    store: &daemon.store,
                    fetcher: &watched.fetcher,
                    catalog: &watched.catalog,
                    settings: &daemon.app.settings,
                    clock: &clock,
                },
                &options,
                &|_| {},
            );
            tokio::pin!(work);
            tokio::select! {
                r = &mut work => Some(r),
                _ = stopped(&mut stop) => {
                    tracing::info!("shutdown: letting the cycle finish for up to {}s", GRACE.as_secs());
                    tokio::time::timeout(GRACE, &mut work).await.ok()
                }
            }
        })
    });
    task.await.unwrap_or_else(|e| {
        tracing::error!("the cycle panicked: {e}");
        None
    })
}

/// Resolves once shutdown is asked (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl Daemon {
    async fn refresh_open_findings(&self) {
        match self.store.open_finding_keys().await {
            Ok(keys) => {
                let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
                for (kind, _) in keys {
                    *by_kind.entry(kind).or_default() += 1;
                }
                self.metrics.set_open_findings(by_kind);
            }
            Err(e) => tracing::warn!("cannot count open findings: {e}"),
        }
    }

    /// Reads the catalog again. A file that does not parse keeps the catalog in use;
    /// invalid entries are skipped with a warning, as at start.
    pub fn reload(&self) -> bool {
        let loaded = match self.app.catalog() {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::error!("catalog not reloaded, the one in use stays: {e}");
                self.metrics.reloaded("rejected");
                return false;
            }
        };
        let fetcher = match self.app.fetcher(&loaded.catalog) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!("catalog not reloaded, the one in use stays: {e}");
                self.metrics.reloaded("rejected");
                return false;
            }
        };
        tracing::info!(
            columns = loaded.catalog.columns.len(),
            accounts = loaded.catalog.accounts.len(),
            "catalog reloaded"
        );
        *self.watched.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(Watched {
            catalog: loaded.catalog,
            fetcher,
        });
        self.metrics.reloaded("ok");
        true
    }
}

#[cfg(unix)]
async fn reload_on_sighup(daemon: Arc<Daemon>, mut stop: watch::Receiver<bool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("cannot listen for SIGHUP, reload by restarting: {e}");
            return;
        }
    };
    loop {
        tokio::select! {
            _ = hup.recv() => {
                tracing::info!("SIGHUP: reloading the catalog");
                daemon.reload();
            }
            _ = stopped(&mut stop) => return,
        }
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C): the shutdown `govwatch serve` passes to [`run`].
pub async fn signals() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => tracing::info!("SIGTERM"),
                    _ = tokio::signal::ctrl_c() => tracing::info!("SIGINT"),
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
