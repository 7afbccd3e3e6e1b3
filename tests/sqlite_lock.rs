//! SQLite with several writers at once: the cycle, site probes and the weekly email on
//! one database file, as `govwatch serve` runs them (and as an operator's cron jobs
//! might). A deferred transaction that reads before it writes cannot become a writer
//! while another connection writes, and SQLite answers `database is locked` at once,
//! whatever the busy timeout; every store transaction that may write therefore begins
//! IMMEDIATE. Real processes, real SQLite, the fixture county on loopback.

mod support;

use std::path::Path;

use support::FixtureServer;
use support::county;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn govwatch(dir: &Path, args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_govwatch"));
    cmd.current_dir(dir)
        .args(["--config", "config", "--database", "sqlite://govwatch.db"])
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "warn")
        .kill_on_drop(true);
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_probes_and_the_weekly_email_at_once_never_find_the_database_locked() {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(
        &dir.join("config/govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ndns = \"static\"\n",
    );
    write(
        &dir.join("config/catalog/county.toml"),
        &county::catalog(&base),
    );
    let migrate = govwatch(dir, &["db", "migrate"]).output().await.unwrap();
    assert!(migrate.status.success(), "{migrate:?}");

    for round in 0..8 {
        let commands: [&[&str]; 5] = [
            &["check"],
            &["check"],
            &["probe"],
            &["probe"],
            &["notify", "--outbox", "outbox"],
        ];
        let runs = commands.map(|args| {
            let mut cmd = govwatch(dir, args);
            async move { (args, cmd.output().await.unwrap()) }
        });
        for (args, out) in futures::future::join_all(runs).await {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("database is locked"),
                "round {round}, govwatch {args:?}: {stderr}"
            );
            assert!(
                out.status.success(),
                "round {round}, govwatch {args:?} exited {:?}: {stderr}",
                out.status.code()
            );
        }
    }
}
