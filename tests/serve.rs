//! `govwatch serve` against the fixture county, with schedules of every second: the
//! cycle runs on schedule and never overlaps itself, `/healthz` and `/metrics` answer,
//! and a shutdown asked mid-cycle lets the job in flight finish and leaves the rest in
//! the job table, which a restart carries on; site probes and the weekly email run as
//! jobs of their own; the catalog reloads on SIGHUP and when its files change.

mod support;

use std::path::Path;
use std::time::Duration;

use axum::routing::get;
use govwatch::app::{App, Options};
use govwatch::store::Store;
use support::county;
use support::{FixtureServer, wait_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A plain HTTP/1.0 GET; returns (status line, body).
async fn get_text(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

async fn runs(url: &str) -> Vec<String> {
    let store = Store::open(url).await.unwrap();
    let runs = store.runs_of("cycle").await.unwrap();
    store.close().await;
    runs.into_iter().map(|(_, _, _, o)| o).collect()
}

/// Whether the column at `column_url` has a read stored at `at` (a run's instant).
async fn crawled_at(db: &str, column_url: &str, at: chrono::DateTime<chrono::Utc>) -> bool {
    let pool = sqlx::SqlitePool::connect(db).await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM column_crawls cc JOIN columns c ON c.id = cc.column_id \
         WHERE c.url = $1 AND cc.at = $2 AND cc.items_found = 1",
    )
    .bind(column_url)
    .bind(at)
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    n == 1
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_on_schedule_answers_and_stops_cleanly_mid_cycle() {
    // The county, plus a column that takes 2 s to answer, so a cycle is long enough to
    // be interrupted.
    let router = county::router().route(
        "/slow/index.html",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            axum::response::Html(
                "<html><body><ul class=\"list\"><li><a href=\"/slow/1.html\">慢栏目的文章</a><span>2020-07-01</span></li></ul></body></html>",
            )
        }),
    );
    let server = FixtureServer::with_router("127.0.0.1", router).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    write(
        &config.join("govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
         [schedule]\ncrawl = \"*/1 * * * * *\"\n",
    );
    let catalog = county::catalog(&base)
        + &format!(
            "[[column]]\nsite = \"示例县人民政府\"\nname = \"慢栏目\"\nurl = \"{base}/slow/index.html\"\nunits = [\"县政府办\"]\nclass = \"other\"\n"
        );
    write(&config.join("catalog/county.toml"), &catalog);
    let url = format!("sqlite://{}", tmp.path().join("govwatch.db").display());
    let app = App::new(&Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    })
    .unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
        let _ = stopped.await;
    }));

    wait_for("/healthz", 30, async || {
        let (status, body) = get_text(addr, "/healthz").await;
        if status.contains("200") {
            Ok(())
        } else {
            Err(format!("{status} {body}"))
        }
    })
    .await;
    let (_, health) = get_text(addr, "/healthz").await;
    assert!(health.contains("\"status\":\"ok\""), "{health}");

    // The every-second schedule ran a whole cycle, then another started; never two at once.
    wait_for(
        "a finished cycle and the next one running",
        30,
        async || {
            let r = runs(&url).await;
            if r.first().is_some_and(|o| o == "ok") && r.last().is_some_and(|o| o == "running") {
                Ok(())
            } else {
                Err(format!("cycle runs {r:?}"))
            }
        },
    )
    .await;
    let r = runs(&url).await;
    assert_eq!(
        r.iter().filter(|o| *o == "running").count(),
        1,
        "a job never overlaps itself: {r:?}"
    );

    let (status, metrics) = get_text(addr, "/metrics").await;
    assert!(status.contains("200"), "{status}");
    for line in [
        "# TYPE govwatch_pages_fetched_total counter",
        "govwatch_fetch_failures_total{class=\"http\"} 1",
        "govwatch_open_findings{kind=\"column_empty\"} 1",
        "govwatch_cycles_total{outcome=\"ok\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }
    assert!(
        !metrics.contains("govwatch_last_cycle_timestamp_seconds 0\n"),
        "{metrics}"
    );

    // Shutdown mid-cycle: the job in flight finishes, the rest waits in the job table.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), daemon)
        .await
        .expect("serve stops within the grace period")
        .unwrap()
        .expect("serve returns Ok");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the HTTP server is closed"
    );
    let store = Store::open(&url).await.unwrap();
    let all = store.runs_of("cycle").await.unwrap();
    assert!(all.len() >= 2, "{all:?}");
    assert!(
        all.iter().filter(|r| r.3 == "running").count() <= 1,
        "{all:?}"
    );
    let slow = format!("{base}/slow/index.html");
    for (id, _, run_at, outcome) in &all {
        for job in store.work_jobs(*id).await.unwrap() {
            assert_ne!(job.state, "leased", "nothing is left leased: {job:?}");
            if job.kind == "site" && job.state == "done" {
                assert!(
                    crawled_at(&url, &slow, *run_at).await,
                    "a done site job is whole: {job:?}"
                );
            }
        }
        if outcome == "ok" {
            assert!(crawled_at(&url, &slow, *run_at).await);
        }
    }
    store.close().await;

    // A restart carries on: the run left unfinished ends.
    if let Some((unfinished, ..)) = all.iter().find(|r| r.3 == "running") {
        let app = App::new(&Options {
            config_dir: tmp.path().join("config"),
            database: Some(url.clone()),
            now: None,
        })
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
            let _ = stopped.await;
        }));
        wait_for("the unfinished run to end", 30, async || {
            let store = Store::open(&url).await.unwrap();
            let runs = store.runs_of("cycle").await.unwrap();
            store.close().await;
            if runs.iter().any(|r| r.0 == *unfinished && r.3 == "ok") {
                Ok(())
            } else {
                Err(format!("cycle runs {runs:?}"))
            }
        })
        .await;
        stop.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(30), daemon)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_missed_while_stopped_runs_once_on_start() {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    write(
        &config.join("govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ndns = \"static\"\n\n\
         [schedule]\ncrawl = \"0 6 * * *\"\n",
    );
    write(&config.join("catalog/county.toml"), &county::catalog(&base));
    let url = format!("sqlite://{}", tmp.path().join("govwatch.db").display());
    // The last run was three days ago: at least two 06:00 runs were missed since.
    {
        let store = Store::open(&url).await.unwrap();
        let due = chrono::Utc::now() - chrono::Duration::days(3);
        // A run without jobs ends `ok` as it is created.
        let seeded = store
            .enqueue_run("cycle", due, due, due, &[])
            .await
            .unwrap();
        assert!(matches!(seeded, govwatch::store::Enqueued::Created(_)));
        store.close().await;
    }
    let app = App::new(&Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
        let _ = stopped.await;
    }));
    wait_for("the missed run", 30, async || {
        let r = runs(&url).await;
        if r.len() == 2 && r[1] == "ok" {
            Ok(())
        } else {
            Err(format!("cycle runs {r:?}"))
        }
    })
    .await;
    // Once, not once per missed day.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(runs(&url).await, ["ok", "ok"]);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), daemon)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

/// The real binary: a catalog file that stops parsing, noticed by the file watch or on
/// SIGHUP, keeps the old catalog (and says why); fixed, it is reloaded without a signal;
/// SIGTERM stops it with exit code 0.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reloads_on_file_change_and_sighup_and_stops_on_sigterm() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    write(&config.join("govwatch.toml"), "[fetch]\ndns = \"static\"\n");
    let catalog = config.join("catalog/county.toml");
    write(&catalog, &county::catalog("http://127.0.0.1:9"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(tmp.path())
        .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines_tx.send(line);
        }
    });
    let mut log = String::new();
    let mut wait_line = |needle: &str| -> String {
        loop {
            let line = lines
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no `{needle}` in the log:\n{log}"));
            log.push_str(&line);
            log.push('\n');
            if line.contains(needle) {
                return line;
            }
        }
    };
    let serving = wait_line("serving /healthz");
    let port: u16 = serving
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let signal = |name: &str| {
        let ok = Command::new("kill")
            .args([name, &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {name}");
    };

    // A file that does not parse, written while serve runs: the old catalog stays.
    std::fs::write(&catalog, "[[unit]\nname = ").unwrap();
    wait_line("a catalog file changed");
    let rejected = wait_line("catalog not reloaded");
    assert!(rejected.contains("county.toml"), "{rejected}");
    let (_, metrics) = get_text(addr, "/metrics").await;
    assert!(
        metrics.contains("govwatch_catalog_reloads_total{outcome=\"rejected\"} 1"),
        "{metrics}"
    );
    // SIGHUP reads it again, and rejects it again.
    signal("-HUP");
    wait_line("SIGHUP: reloading the catalog");
    let rejected = wait_line("catalog not reloaded");
    assert!(rejected.contains("county.toml"), "{rejected}");

    // Fixed: the change is picked up without a signal.
    write(&catalog, &county::catalog("http://127.0.0.1:9"));
    wait_line("a catalog file changed");
    wait_line("catalog reloaded");
    let (_, metrics) = get_text(addr, "/metrics").await;
    for line in [
        "govwatch_catalog_reloads_total{outcome=\"rejected\"} 2",
        "govwatch_catalog_reloads_total{outcome=\"ok\"} 1",
    ] {
        assert!(metrics.contains(line), "{line} not in\n{metrics}");
    }

    signal("-TERM");
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// Site probes every `[probe] interval_min` and the weekly email on `[schedule]
/// weekly_email` run as jobs of their own, each never overlapping itself; the weekly
/// email, run every second, still goes out once per address and week.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_the_weekly_email_run_as_their_own_jobs() {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    let outbox = tmp.path().join("outbox");
    write(
        &config.join("govwatch.toml"),
        &format!(
            "[fetch]\nper_host_interval_ms = 0\nretries = 0\ndns = \"static\"\n\n\
             [probe]\ninterval_min = 0.01\n\n\
             [schedule]\ncrawl = \"0 0 1 1 *\"\nweekly_email = \"*/1 * * * * *\"\n\n\
             [notify]\noffice = [\"gongkai@example.gov.cn\"]\noutbox = \"{}\"\n",
            outbox.display()
        ),
    );
    write(&config.join("catalog/county.toml"), &county::catalog(&base));
    let url = format!("sqlite://{}", tmp.path().join("govwatch.db").display());
    let app = App::new(&Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
        let _ = stopped.await;
    }));
    wait_for("/healthz", 30, async || {
        let (status, body) = get_text(addr, "/healthz").await;
        if status.contains("200") {
            Ok(())
        } else {
            Err(format!("{status} {body}"))
        }
    })
    .await;
    let ok_runs = |job: &'static str| {
        let url = url.clone();
        async move {
            let store = Store::open(&url).await.unwrap();
            let runs = store.runs_of(job).await.unwrap();
            store.close().await;
            runs
        }
    };
    wait_for("two probe runs and two weekly email runs", 30, async || {
        let probes = ok_runs("probe").await;
        let emails = ok_runs("weekly_email").await;
        let ok = |runs: &[(i64, _, _, String)]| runs.iter().filter(|r| r.3 == "ok").count();
        if ok(&probes) >= 2 && ok(&emails) >= 2 {
            Ok(())
        } else {
            Err(format!(
                "probe runs {probes:?}; weekly email runs {emails:?}"
            ))
        }
    })
    .await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), daemon)
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    let probe_runs = ok_runs("probe").await;
    let email_runs = ok_runs("weekly_email").await;
    for runs in [&probe_runs, &email_runs] {
        assert!(
            runs.iter().filter(|r| r.3 == "running").count() <= 1,
            "{runs:?}"
        );
    }
    assert!(ok_runs("cycle").await.is_empty(), "the cycle is not due");
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    // One probe of the county's one site per probe run that ended, and none otherwise.
    let probes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM probes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        probes as usize,
        probe_runs.iter().filter(|r| r.3 == "ok").count(),
        "{probe_runs:?}"
    );
    // The office's digest, once this week however many runs.
    let sent: Vec<(String, String)> = sqlx::query_as("SELECT period, recipient FROM notifications")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, "gongkai@example.gov.cn");
    pool.close().await;
    let emls = std::fs::read_dir(&outbox)
        .unwrap()
        .flatten()
        .flat_map(|d| std::fs::read_dir(d.path()).into_iter().flatten().flatten())
        .filter(|f| f.path().extension().is_some_and(|e| e == "eml"))
        .count();
    assert_eq!(emls, 1);
}
