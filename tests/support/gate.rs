//! A second site for crash and restart tests: its column list page and one link on its
//! home page answer only once the test opens their [`Gate`], so a `govwatch check`
//! process can be caught mid-cycle (held on the column: during the crawl; held on the
//! link: during the link check) and killed or disturbed there.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Closed: requests wait (up to a minute). Open: they are answered at once.
#[derive(Clone, Default)]
pub struct Gate(Arc<AtomicBool>);

impl Gate {
    pub fn closed() -> Gate {
        Gate::default()
    }

    pub fn open(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn close(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    async fn pass(&self) {
        for _ in 0..1200 {
            if self.0.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub const SITE: &str = "示例县发展和改革局";
pub const COLUMN_PATH: &str = "/fgj/tzgg/index.html";
pub const LINK_PATH: &str = "/fgj/held.html";

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<!DOCTYPE html><html><head><title>{SITE}</title></head><body>{body}</body></html>"
        ),
    )
        .into_response()
}

/// The site: a home page linking to the held page, and a column (held by `column`)
/// listing three dated items whose pages exist.
pub fn router(column: Gate, link: Gate) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async {
                html(format!(
                    r#"<div class="news"><ul><li><a href="/fgj/art/1.html">县发改局召开项目推进会</a><span>2020-09-28</span></li></ul>
                    <a href="{COLUMN_PATH}">通知公告</a><a href="{LINK_PATH}">重点项目</a></div>"#
                ))
            }),
        )
        .route(
            COLUMN_PATH,
            get(move || {
                let gate = column.clone();
                async move {
                    gate.pass().await;
                    html(r#"<ul class="list">
                        <li><a href="/fgj/art/1.html">县发改局召开项目推进会</a><span>2020-09-28</span></li>
                        <li><a href="/fgj/art/2.html">关于申报2021年中央预算内投资项目的通知</a><span>2020-09-15</span></li>
                        <li><a href="/fgj/art/3.html">县发改局开展价格监督检查</a><span>2020-08-20</span></li></ul>"#.into())
                }
            }),
        )
        .route(
            LINK_PATH,
            get(move || {
                let gate = link.clone();
                async move {
                    gate.pass().await;
                    html("<p>重点项目</p>".into())
                }
            }),
        )
        .route(
            "/fgj/art/{n}",
            get(|| async { html("<h1>县发改局</h1><p>内容。</p>".into()) }),
        )
}

/// The catalog entries of the site at `base` (e.g. `http://127.0.0.2:PORT`).
pub fn catalog(base: &str) -> String {
    format!(
        "[[unit]]\nname = \"县发改局\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县发改局\"\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"通知公告\"\nurl = \"{base}{COLUMN_PATH}\"\nunits = [\"县发改局\"]\nclass = \"notice\"\nquota = 3\n\n"
    )
}

/// The fixture county (`county.rs`) and this site, served on loopback, with a config
/// directory for the real binary.
pub struct Scenario {
    pub county: super::FixtureServer,
    pub site: super::FixtureServer,
    pub column: Gate,
    pub link: Gate,
    pub dir: tempfile::TempDir,
}

/// The day every run of a scenario checks (`--now`).
pub const DAY: &str = "2020-10-01";

impl Scenario {
    /// Both gates closed. `[fetch]` waits 20 s for an answer: longer than the test
    /// takes to catch the process at a gate.
    pub async fn start() -> Scenario {
        let county = super::FixtureServer::with_router("127.0.0.1", super::county::router()).await;
        let (column, link) = (Gate::closed(), Gate::closed());
        let site =
            super::FixtureServer::with_router("127.0.0.2", router(column.clone(), link.clone()))
                .await;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::create_dir_all(config.join("catalog")).unwrap();
        let text = format!(
            "{}{}",
            super::county::catalog(&format!("http://{}", county.addr)),
            catalog(&format!("http://{}", site.addr))
        );
        std::fs::write(config.join("catalog/county.toml"), text).unwrap();
        std::fs::write(
            config.join("govwatch.toml"),
            "[fetch]\nper_host_interval_ms = 0\ndns = \"static\"\nretries = 0\ntimeout_s = 20\n\n[probe]\ntimeout_s = 20\n",
        )
        .unwrap();
        Scenario {
            county,
            site,
            column,
            link,
            dir,
        }
    }

    /// `govwatch --database URL --now DAY check`, started (not waited for).
    pub fn spawn_check(&self, database: &str) -> tokio::process::Child {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .current_dir(self.dir.path())
            .args([
                "--config",
                "config",
                "--database",
                database,
                "--now",
                DAY,
                "check",
            ])
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start govwatch check")
    }

    /// A whole `check` that must succeed; its standard output.
    pub async fn check(&self, database: &str) -> String {
        let out = wait(self.spawn_check(database)).await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until a check process is held at the column gate with the county's
    /// columns recorded: mid-crawl.
    pub async fn until_held_at_column(&self, database: &str) {
        let n = super::county::COLUMNS.len();
        super::wait_for("the crawl to reach the held column", 60, async || {
            if self.site.hits_to(COLUMN_PATH).is_empty() {
                return Err("the held column not requested yet".into());
            }
            let store = govwatch::store::Store::connect(database)
                .await
                .map_err(|e| format!("database: {e}"))?;
            let far = chrono::Utc::now() + chrono::Duration::days(36500);
            let crawls = store.recent_column_crawls(1, far).await.map(|c| c.len());
            store.close().await;
            match crawls {
                Ok(c) if c >= n => Ok(()),
                Ok(c) => Err(format!("{c} of {n} column reads stored")),
                Err(e) => Err(format!("reading column reads: {e}")),
            }
        })
        .await;
    }

    /// Waits until a check process is held at the link gate: mid link check.
    pub async fn until_held_at_link(&self) {
        super::wait_for("the link check to reach the held link", 60, async || {
            if self.site.hits_to(LINK_PATH).is_empty() {
                Err(format!(
                    "{} requests, none to the held link",
                    self.site.hits().len()
                ))
            } else {
                Ok(())
            }
        })
        .await;
    }
}

/// Waits for a process to end (a minute at most, then kills it and fails).
pub async fn wait(child: tokio::process::Child) -> std::process::Output {
    match tokio::time::timeout(Duration::from_secs(120), child.wait_with_output()).await {
        Ok(out) => out.expect("wait for govwatch"),
        Err(_) => panic!("govwatch did not finish within two minutes"),
    }
}

/// What a database holds after the scenario's checks, in comparable form: every
/// observation (items, column crawls, home reads by probe, link checks) and every
/// episode. Duplicates show as a longer list.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub items: Vec<(String, String, String, Option<chrono::NaiveDate>)>,
    pub crawls: Vec<(String, String, Option<i64>, i64, i64)>,
    pub probes: usize,
    pub links: (i64, i64),
    pub findings: Vec<(
        String,
        String,
        chrono::NaiveDate,
        Option<chrono::NaiveDate>,
        String,
    )>,
}

pub async fn snapshot(database: &str) -> Snapshot {
    let store = govwatch::store::Store::connect(database).await.unwrap();
    let ids = store.catalog_ids().await.unwrap();
    let far = chrono::Utc::now() + chrono::Duration::days(36500);
    let crawls_by_id = store.recent_column_crawls(100, far).await.unwrap();
    let mut items = Vec::new();
    let mut crawls = Vec::new();
    for (key, id) in &ids.columns {
        for i in store.column_items(*id).await.unwrap() {
            items.push((key.clone(), i.url, i.title, i.published_on));
        }
        for c in crawls_by_id.get(id).into_iter().flatten() {
            crawls.push((
                key.clone(),
                c.outcome.to_string(),
                c.status,
                c.items_found,
                c.pages,
            ));
        }
    }
    items.sort();
    crawls.sort();
    let probes = store
        .probes_between(far - chrono::Duration::days(73000), far)
        .await
        .unwrap()
        .len();
    let links = store.link_counts().await.unwrap();
    let mut findings: Vec<_> = store
        .findings(&govwatch::store::FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|f| {
            let sentence = govwatch::report::wording::sentence(&f);
            (
                f.kind.to_string(),
                f.subject_key,
                f.opened_on,
                f.resolved_on,
                sentence,
            )
        })
        .collect();
    findings.sort();
    store.close().await;
    Snapshot {
        items,
        crawls,
        probes,
        links,
        findings,
    }
}
