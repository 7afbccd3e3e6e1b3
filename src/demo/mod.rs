//! `govwatch demo`: a simulated county on loopback, a catalog that matches it, and two
//! days of cycles on SQLite, so a new user sees every column finding without pointing
//! govwatch at a real site. The county ([`county`]) is dated relative to the day the
//! demo runs. Nothing here leaves 127.0.0.1.
//!
//! The demo directory holds `config/` (marked as the demo's with [`MARKER`], so a real
//! configuration is never overwritten), `govwatch.db` (recreated on every run) and
//! `outbox/`.

pub mod county;
pub mod pages;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::{App, Options};
use crate::clock::Clock;
use crate::cycle::{self, CycleOptions, CycleReport, Env};

/// The file that marks a config directory as written by the demo.
pub const MARKER: &str = ".govwatch-demo";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "{0} holds a configuration the demo did not write; nothing was changed (use --dir for another place)"
    )]
    NotDemo(PathBuf),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the simulated county on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error(transparent)]
    App(#[from] crate::app::AppError),
    #[error(transparent)]
    Fetch(#[from] crate::fetch::FetchError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
}

/// Where the demo keeps its files.
#[derive(Debug, Clone)]
pub struct DemoDir {
    pub root: PathBuf,
}

impl DemoDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    pub fn config(&self) -> PathBuf {
        self.root.join("config")
    }
    pub fn database(&self) -> PathBuf {
        self.root.join("govwatch.db")
    }
    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.database().display())
    }
    pub fn outbox(&self) -> PathBuf {
        self.root.join("outbox")
    }

    /// Refuses a config directory the demo did not write; removes the previous demo's
    /// database so every run starts from the same state.
    pub fn prepare(&self) -> Result<(), DemoError> {
        let config = self.config();
        let has_files = std::fs::read_dir(&config).is_ok_and(|mut d| d.next().is_some());
        if has_files && !config.join(MARKER).exists() {
            return Err(DemoError::NotDemo(config));
        }
        let db = self.database();
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", db.display()));
            if path.exists() {
                std::fs::remove_file(&path).map_err(|source| DemoError::Write {
                    path: path.clone(),
                    source,
                })?;
            }
        }
        Ok(())
    }

    /// Writes settings and the catalog for a county at `base`.
    pub fn write_config(&self, base: &str) -> Result<(), DemoError> {
        let config = self.config();
        write(&config.join(MARKER), "written by `govwatch demo`\n")?;
        write(&config.join(crate::config::SETTINGS_FILE), &settings(self))?;
        write(
            &config.join("catalog").join("demo.toml"),
            &county::catalog(base),
        )
    }
}

/// The demo's settings: no politeness delay and no retries against loopback.
fn settings(dir: &DemoDir) -> String {
    format!(
        r#"# Settings of the demo, written by `govwatch demo` (it rewrites this file).
[general]
timezone = "Asia/Shanghai"
office_name = "示例县政务公开办"

[fetch]
per_host_concurrency = 4
per_host_interval_ms = 0
connect_timeout_s = 2
timeout_s = 5
retries = 0

[smtp]
# No host: the weekly email is written to the outbox as .eml files.
from = "示例县政务公开办 <govwatch@example.gov.cn>"

[notify]
office = ["gongkai@example.gov.cn"]
outbox = "{}"

[serve]
listen = "127.0.0.1:9187"
"#,
        dir.outbox().display()
    )
}

fn write(path: &Path, text: &str) -> Result<(), DemoError> {
    let fail = |source| DemoError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, text).map_err(fail)
}

/// The simulated county, served until dropped.
pub struct RunningCounty {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
}

impl RunningCounty {
    /// Serves the county as of `today` on 127.0.0.1 with a port the OS picks.
    pub async fn start(today: chrono::NaiveDate) -> Result<Self, DemoError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(DemoError::Listen)?;
        let addr = listener.local_addr().map_err(DemoError::Listen)?;
        let (stop, mut stopped) = watch::channel(false);
        let router = county::County::new(today).router();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        });
        Ok(Self { addr, stop })
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningCounty {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// What the demo did.
pub struct DemoRun {
    pub app: App,
    pub county: RunningCounty,
    pub cycles: Vec<(chrono::NaiveDate, CycleReport)>,
    /// The weekly email, written to the outbox.
    pub email: crate::notify::RunReport,
}

/// Starts the county, writes the config, and runs a cycle yesterday and one today (a
/// column must fail twice in a row to be unreachable).
///
/// `now` is the global `--now` as written (the real clock when `None`): the county is
/// dated from it and both cycles and the email run on it, so a demo can be replayed.
pub async fn run(
    dir: &DemoDir,
    now: Option<&str>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<DemoRun, DemoError> {
    run_on(dir, now, None, progress).await
}

/// As [`run`], on the database at `database` (an empty one: the demo resets only its
/// own SQLite file) instead of the demo's SQLite file: the tests replay the county on
/// PostgreSQL too.
pub async fn run_on(
    dir: &DemoDir,
    now: Option<&str>,
    database: Option<&str>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<DemoRun, DemoError> {
    dir.prepare()?;
    let tz = chrono_tz::Asia::Shanghai;
    let today = match now {
        Some(text) => Clock::parse(text, tz)
            .map_err(|e| DemoError::App(crate::app::AppError::Clock(e)))?
            .today(),
        None => Clock::system(tz).today(),
    };
    let county = RunningCounty::start(today).await?;
    dir.write_config(&county.base())?;
    let app = App::new(&Options {
        config_dir: dir.config(),
        database: Some(database.map_or_else(|| dir.database_url(), str::to_string)),
        now: now.map(str::to_string),
    })?;
    let loaded = app.catalog()?;
    let catalog = &loaded.catalog;
    let store = app.open_store().await?;
    let fetcher = app.fetcher(catalog)?;
    let mut cycles = Vec::new();
    for days_back in [1, 0] {
        let clock = Clock::new(app.clock.now() - Duration::days(days_back), app.clock.tz());
        let report = cycle::run(
            Env {
                store: &store,
                fetcher: &fetcher,
                catalog,
                settings: &app.settings,
                clock: &clock,
            },
            &CycleOptions::default(),
            progress,
        )
        .await?;
        cycles.push((clock.today(), report));
    }
    let email = crate::notify::Notifier::new(&app.settings, catalog, &dir.outbox())?
        .run(&store, &app.clock)
        .await?;
    store.close().await;
    Ok(DemoRun {
        app,
        county,
        cycles,
        email,
    })
}
