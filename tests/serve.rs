//! `govwatch serve` against the fixture county, with a schedule of every second: the
//! job runs on schedule and never overlaps itself, `/healthz` and `/metrics` answer,
//! and a shutdown asked mid-cycle lets the cycle finish: every run ends recorded, none
//! is left `running`, and the slow column's items are all stored.

mod support;

use std::path::Path;
use std::time::Duration;

use axum::routing::get;
use govwatch::app::{App, Options};
use govwatch::store::Store;
use support::FixtureServer;
use support::county;
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
    let runs = store.job_runs("cycle").await.unwrap();
    store.close().await;
    runs.into_iter().map(|(_, o)| o).collect()
}

async fn wait_for(what: &str, mut ok: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if ok().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
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

    wait_for("/healthz", async || {
        get_text(addr, "/healthz").await.0.contains("200")
    })
    .await;
    let (_, health) = get_text(addr, "/healthz").await;
    assert!(health.contains("\"status\":\"ok\""), "{health}");

    // The every-second schedule ran a whole cycle, then another started; never two at once.
    wait_for("a finished cycle and the next one running", async || {
        let r = runs(&url).await;
        r.first().is_some_and(|o| o == "ok") && r.last().is_some_and(|o| o == "running")
    })
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

    // Shutdown mid-cycle: the cycle in flight finishes, then everything stops.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), daemon)
        .await
        .expect("serve stops within the grace period")
        .unwrap()
        .expect("serve returns Ok");
    let r = runs(&url).await;
    assert!(r.len() >= 2, "{r:?}");
    assert!(r.iter().all(|o| o == "ok"), "every run ended whole: {r:?}");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "the HTTP server is closed"
    );
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
        let id = store.job_started("cycle", due, due).await.unwrap();
        store
            .job_finished(id, due, govwatch::store::JobOutcome::Ok)
            .await
            .unwrap();
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
    wait_for("the missed run", async || {
        runs(&url).await.len() == 2 && runs(&url).await[1] == "ok"
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

/// The real binary: SIGHUP with a catalog that does not parse keeps the old one (and
/// says why), SIGTERM stops it with exit code 0.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reloads_on_sighup_and_stops_on_sigterm() {
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

    std::fs::write(&catalog, "[[unit]\nname = ").unwrap();
    signal("-HUP");
    let rejected = wait_line("catalog not reloaded");
    assert!(rejected.contains("county.toml"), "{rejected}");
    let (_, metrics) = get_text(addr, "/metrics").await;
    assert!(
        metrics.contains("govwatch_catalog_reloads_total{outcome=\"rejected\"} 1"),
        "{metrics}"
    );

    write(&catalog, &county::catalog("http://127.0.0.1:9"));
    signal("-HUP");
    wait_line("catalog reloaded");

    signal("-TERM");
    let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
}
