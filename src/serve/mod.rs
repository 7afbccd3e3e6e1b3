//! `govwatch serve`, the daemon: runs the scheduled jobs, answers `/healthz` and
//! `/metrics`, reloads the catalog on SIGHUP or when a catalog file changes, and stops
//! cleanly. Several `govwatch serve` processes on one PostgreSQL share the work.
//!
//! Shape (after mini-redis): [`run`] takes the app, a bound listener and a shutdown
//! future, so tests start it on port 0 and stop it whenever they like. Shutdown is one
//! `watch` channel every long task selects on.
//!
//! Two kinds of loops, all driven by the database so that any number of workers agree:
//!
//! - One scheduler per scheduled job (`cycle` on `[schedule] crawl`, `probe` every
//!   `[probe] interval_min`, `weekly_email` on `[schedule] weekly_email`). Every few
//!   seconds and at each due time it looks at the job's latest run: when a due time has
//!   passed since, and no run of the job is unfinished, it creates the run for the latest
//!   due time with its jobs ([`work::lay_out`]). Creating is idempotent, so every worker
//!   may ask; a job never overlaps itself; several runs missed while everything was down
//!   make one run on start.
//! - `[serve] jobs` worker slots. Each leases the next job of any run (store: `SELECT …
//!   FOR UPDATE SKIP LOCKED` on PostgreSQL), extends the lease while it works (every
//!   third of `[serve] lease_s`), and marks the job done with its outcome; the last job
//!   of a run ends the run. A job whose worker died is leased again once its lease
//!   expires; one taken over [`MAX_ATTEMPTS`] times is marked `abandoned`.
//!
//! On shutdown the slots stop leasing; a job in flight gets [`GRACE`] to finish, else it
//! is dropped between two writes (every store write is an idempotent statement or a
//! transaction) and given back, so a restart, or another worker, carries on at once.

pub mod metrics;
pub mod schedule;
pub mod work;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::app::App;
use crate::catalog::Catalog;
use crate::fetch::Fetcher;
use crate::store::{Enqueued, Finished, Lease, Store};
pub use metrics::Metrics;
use schedule::{Calendar, JobSchedule};

/// How long a job in flight may take to finish once shutdown is asked for.
pub const GRACE: Duration = Duration::from_secs(20);

/// Leases of one job after which it is given up (each time, its worker died on it).
pub const MAX_ATTEMPTS: i32 = 3;

/// How often the catalog files are looked at for changes.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(2);

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
    catalog: Arc<Catalog>,
    fetcher: Fetcher,
}

/// What the loops and the HTTP handlers share.
pub(crate) struct Daemon {
    app: App,
    store: Store,
    watched: RwLock<Arc<Watched>>,
    metrics: Metrics,
    calendar: Calendar,
    /// This worker's name in `work_jobs`.
    worker: String,
    lease: Duration,
    /// How long an idle slot or a scheduler waits before looking again.
    poll: Duration,
    /// When this worker started: a job that never ran is not "missed" before it.
    up_since: DateTime<Utc>,
    /// Wakes idle slots when this worker created a run or finished a job.
    wake: Notify,
}

/// A scheduled job: a name (its key in `job_runs`) and when it runs.
#[derive(Debug, Clone)]
pub struct Job {
    pub name: &'static str,
    pub schedule: JobSchedule,
}

/// The jobs the settings ask for.
pub fn jobs(app: &App) -> Result<Vec<Job>, ServeError> {
    let s = &app.settings.schedule;
    let probe_every = Duration::from_secs_f64(app.settings.probe.interval_min * 60.0);
    Ok(vec![
        Job {
            name: "cycle",
            schedule: schedule::parse(&s.crawl).map_err(ServeError::Schedule)?,
        },
        Job {
            name: "probe",
            schedule: schedule::every(probe_every),
        },
        Job {
            name: "weekly_email",
            schedule: schedule::parse(&s.weekly_email).map_err(ServeError::Schedule)?,
        },
    ])
}

/// This worker's name: `[serve] worker_id`, else `hostname:pid`.
pub fn worker_id(app: &App) -> String {
    if let Some(id) = app
        .settings
        .serve
        .worker_id
        .as_ref()
        .filter(|s| !s.is_empty())
    {
        return id.clone();
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}

/// Runs the daemon until `shutdown` completes; then stops taking work, lets the jobs in
/// flight finish (or gives them back after [`GRACE`]) and returns.
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
    let lease = Duration::from_secs(app.settings.serve.lease_s.max(1));
    let slots = app.settings.serve.jobs.max(1);
    let daemon = Arc::new(Daemon {
        worker: worker_id(&app),
        poll: (lease / 4).clamp(Duration::from_millis(500), Duration::from_secs(5)),
        lease,
        up_since: Utc::now(),
        wake: Notify::new(),
        app,
        store,
        watched: RwLock::new(Arc::new(Watched {
            catalog: Arc::new(loaded.catalog),
            fetcher,
        })),
        metrics: Metrics::default(),
        calendar,
    });
    daemon.refresh_open_findings().await;
    tracing::info!(
        worker = %daemon.worker,
        slots,
        lease_s = lease.as_secs(),
        database = daemon.store.url(),
        "worker started"
    );

    let (stop_tx, stop) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutdown asked: no new work is taken");
        let _ = stop_tx.send(true);
    });

    let mut tasks = tokio::task::JoinSet::new();
    for job in jobs {
        tracing::info!(job = job.name, schedule = %job.schedule.expression, "scheduled");
        tasks.spawn(scheduler(daemon.clone(), job, stop.clone()));
    }
    for slot in 0..slots {
        tasks.spawn(worker_slot(daemon.clone(), slot, stop.clone()));
    }
    #[cfg(unix)]
    tasks.spawn(reload_on_sighup(daemon.clone(), stop.clone()));
    let catalog_dir = daemon.app.config_dir().join("catalog");
    let files = fingerprint(&catalog_dir);
    tasks.spawn(reload_on_change(
        daemon.clone(),
        catalog_dir,
        files,
        stop.clone(),
    ));

    let addr = listener.local_addr().map_err(ServeError::Http)?;
    tracing::info!("serving /healthz, /metrics and the office console on http://{addr}");
    let layout = daemon.clone();
    let in_use = daemon.clone();
    let console = Arc::new(
        crate::console::Console::new(
            Arc::new(daemon.app.clone()),
            daemon.store.clone(),
            Box::new(move || {
                let watched = layout
                    .watched
                    .read()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone();
                work::lay_out(
                    "cycle",
                    &watched.catalog,
                    !layout.app.settings.notify.webhook.is_empty(),
                )
            }),
        )
        .with_catalog(Box::new(move || {
            let watched = in_use.watched.read().unwrap_or_else(|e| e.into_inner());
            watched.catalog.clone()
        })),
    );
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(daemon.clone())
        .merge(crate::console::router(console));
    let mut http_stop = stop.clone();
    let http = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
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
        "worker": daemon.worker,
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

/// One scheduled job's loop: whenever a due time has passed since the job's latest run
/// and no run of it is unfinished, create the run of the latest due time.
async fn scheduler(daemon: Arc<Daemon>, job: Job, mut stop: watch::Receiver<bool>) {
    let tz = daemon.app.clock.tz();
    loop {
        if *stop.borrow() {
            return;
        }
        let now = Utc::now();
        if let Some(due) = job
            .schedule
            .latest_at_or_before(&now.with_timezone(&tz), &daemon.calendar)
        {
            let due = due.with_timezone(&Utc);
            let behind = match daemon.store.latest_run(job.name).await {
                Ok(Some((_, at, _))) => at < due,
                Ok(None) => due >= daemon.up_since,
                Err(e) => {
                    tracing::error!(job = job.name, "cannot read the latest run: {e}");
                    false
                }
            };
            if behind {
                enqueue(&daemon, &job, due, now).await;
            }
        }
        // Look again at the next due time, or after a while (a run may end meanwhile).
        let next = job
            .schedule
            .next_after(&now.with_timezone(&tz), &daemon.calendar)
            .map(|t| {
                (t.with_timezone(&Utc) - Utc::now())
                    .to_std()
                    .unwrap_or_default()
            });
        let wait = next.map_or(daemon.poll, |n| n.min(daemon.poll));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stopped(&mut stop) => return,
        }
    }
}

async fn enqueue(daemon: &Daemon, job: &Job, due: DateTime<Utc>, now: DateTime<Utc>) {
    let work = {
        let watched = daemon
            .watched
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        work::lay_out(
            job.name,
            &watched.catalog,
            !daemon.app.settings.notify.webhook.is_empty(),
        )
    };
    match daemon
        .store
        .enqueue_run(job.name, due, now, daemon.up_since, &work)
        .await
    {
        Ok(Enqueued::Created(id)) => {
            let missed = now - due > chrono::Duration::seconds(60);
            tracing::info!(
                job = job.name,
                run = id,
                due = %due,
                jobs = work.len(),
                "{}",
                if missed { "run created (missed while stopped: running now)" } else { "run created" }
            );
            daemon.wake.notify_waiters();
        }
        Ok(Enqueued::Busy) => {
            tracing::debug!(job = job.name, due = %due, "the previous run is still going");
        }
        Ok(Enqueued::Present | Enqueued::NotDue) => {}
        Err(e) => tracing::error!(job = job.name, "cannot create the run: {e}"),
    }
}

/// One worker slot: lease a job, do it, record it; wait when there is nothing to do.
///
/// The slot runs on a blocking thread that drives it with the runtime's handle: a job's
/// future is not provably `Send` (the crawl's stream closures), and this way it need not
/// be.
async fn worker_slot(daemon: Arc<Daemon>, slot: usize, stop: watch::Receiver<bool>) {
    let handle = tokio::runtime::Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        handle.block_on(slot_loop(daemon, slot, stop));
    });
    if let Err(e) = task.await {
        tracing::error!(slot, "a worker slot panicked: {e}");
    }
}

async fn slot_loop(daemon: Arc<Daemon>, slot: usize, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let woken = daemon.wake.notified();
        let lease = daemon
            .store
            .claim_job(
                &daemon.worker,
                Utc::now(),
                chrono::Duration::from_std(daemon.lease).unwrap_or(chrono::Duration::MAX),
            )
            .await;
        match lease {
            Ok(Some(lease)) => do_job(&daemon, slot, lease, &mut stop).await,
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::sleep(daemon.poll) => {}
                    _ = woken => {}
                    _ = stopped(&mut stop) => return,
                }
            }
            Err(e) => {
                tracing::error!(slot, "cannot lease a job: {e}");
                tokio::select! {
                    _ = tokio::time::sleep(daemon.poll) => {}
                    _ = stopped(&mut stop) => return,
                }
            }
        }
    }
}

/// Does one leased job with a heartbeat, and records how it ended.
async fn do_job(daemon: &Arc<Daemon>, slot: usize, lease: Lease, stop: &mut watch::Receiver<bool>) {
    let started = std::time::Instant::now();
    let span = format!("{} {} #{}", lease.job, lease.kind, lease.id);
    if lease.attempt > MAX_ATTEMPTS {
        let detail = format!(
            "given up after {MAX_ATTEMPTS} leases: each time its worker died or hung on it"
        );
        tracing::error!(job = %span, subject = %lease.subject, "{detail}");
        finish(daemon, &lease, "abandoned", &detail, started).await;
        return;
    }
    if lease.attempt > 1 {
        tracing::warn!(
            job = %span,
            subject = %lease.subject,
            attempt = lease.attempt,
            "taking over a job whose lease expired"
        );
    } else {
        tracing::info!(job = %span, subject = %lease.subject, slot, "leased");
    }

    // The heartbeat: extends the lease every third of it; says when the lease was lost.
    let (lost_tx, mut lost) = watch::channel(false);
    let heartbeat = {
        let store = daemon.store.clone();
        let lease = lease.clone();
        let every = daemon.lease / 3;
        let length = chrono::Duration::from_std(daemon.lease).unwrap_or(chrono::Duration::MAX);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                match store.extend_lease(&lease, Utc::now() + length).await {
                    Ok(true) => {}
                    Ok(false) => {
                        let _ = lost_tx.send(true);
                        return;
                    }
                    Err(e) => tracing::warn!("cannot extend a lease (retrying): {e}"),
                }
            }
        })
    };

    let work = work::perform(daemon, &lease);
    tokio::pin!(work);
    let result = tokio::select! {
        r = &mut work => Some(r),
        _ = lost.wait_for(|l| *l) => {
            tracing::warn!(job = %span, "lease lost to another worker: dropping the job here");
            heartbeat.abort();
            return;
        }
        _ = stopped(stop) => {
            tracing::info!(job = %span, "shutdown: letting the job finish for up to {}s", GRACE.as_secs());
            tokio::time::timeout(GRACE, &mut work).await.ok()
        }
    };
    heartbeat.abort();
    match result {
        Some(Ok(done)) => finish(daemon, &lease, done.outcome, &done.detail, started).await,
        Some(Err(e)) => {
            tracing::error!(job = %span, subject = %lease.subject, "failed: {e}");
            finish(daemon, &lease, "failed", &e, started).await;
        }
        None => {
            tracing::warn!(job = %span, "interrupted by shutdown: given back for the next worker");
            if let Err(e) = daemon.store.release_job(&lease).await {
                tracing::error!(job = %span, "cannot give the job back (it is taken over once its lease expires): {e}");
            }
        }
    }
}

async fn finish(
    daemon: &Daemon,
    lease: &Lease,
    outcome: &str,
    detail: &str,
    started: std::time::Instant,
) {
    let span = format!("{} {} #{}", lease.job, lease.kind, lease.id);
    let now = Utc::now();
    match daemon
        .store
        .finish_job(lease, &daemon.worker, now, outcome, Some(detail))
        .await
    {
        Ok(Finished::Done { run_finished }) => {
            tracing::info!(
                job = %span,
                subject = %lease.subject,
                outcome,
                "{detail} ({:.1}s)",
                started.elapsed().as_secs_f64()
            );
            if let Some(run_outcome) = run_finished {
                let took = (now - lease.run_at).num_milliseconds() as f64 / 1000.0;
                tracing::info!(job = lease.job, run = lease.run_id, outcome = %run_outcome, "run done in {took:.1}s");
                if lease.job == "cycle" {
                    daemon
                        .metrics
                        .cycle_ended(&run_outcome, now.timestamp(), took);
                }
            }
            daemon.wake.notify_waiters();
        }
        Ok(Finished::LeaseLost) => tracing::warn!(
            job = %span,
            "the lease expired meanwhile and another worker took the job over: its result stands"
        ),
        Err(e) => {
            tracing::error!(job = %span, "cannot record the job's end (it is redone once its lease expires): {e}")
        }
    }
}

/// Reloads the catalog when a file of `config/catalog/` changes (polled every
/// [`WATCH_INTERVAL`]; a change is acted on once the files stayed the same for one more
/// look, so a file being written is not read half-way).
async fn reload_on_change(
    daemon: Arc<Daemon>,
    dir: PathBuf,
    mut current: Vec<(PathBuf, Option<SystemTime>, u64)>,
    mut stop: watch::Receiver<bool>,
) {
    let mut pending: Option<Vec<(PathBuf, Option<SystemTime>, u64)>> = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(WATCH_INTERVAL) => {}
            _ = stopped(&mut stop) => return,
        }
        let now = fingerprint(&dir);
        if now == current {
            pending = None;
            continue;
        }
        if pending.as_ref() == Some(&now) {
            tracing::info!("a catalog file changed: reloading the catalog");
            daemon.reload();
            current = now;
            pending = None;
        } else {
            pending = Some(now);
        }
    }
}

/// The `.toml` files of a directory with their modification times and sizes.
fn fingerprint(dir: &std::path::Path) -> Vec<(PathBuf, Option<SystemTime>, u64)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "toml"))
        .map(|e| {
            let meta = e.metadata().ok();
            (
                e.path(),
                meta.as_ref().and_then(|m| m.modified().ok()),
                meta.map_or(0, |m| m.len()),
            )
        })
        .collect();
    files.sort();
    files
}

/// Resolves once shutdown is asked (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

impl Daemon {
    pub(crate) async fn refresh_open_findings(&self) {
        // False alarms (误报) are not counted.
        match self.store.open_problem_counts().await {
            Ok(counts) => {
                let by_kind: BTreeMap<String, u64> = counts
                    .into_iter()
                    .map(|(kind, n)| (kind.to_string(), n))
                    .collect();
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
            catalog: Arc::new(loaded.catalog),
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
