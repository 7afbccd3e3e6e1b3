//! The reliability suite's PostgreSQL restart (issue 11), alone in its own test binary:
//! it restarts the shared test server, which no other test may be using meanwhile
//! (cargo runs test binaries one after another; this binary has one test).
//!
//! `scripts/test.sh` exports `GOVWATCH_TEST_PG_CTL`, the `pg_ctl` command line of its
//! server (with `-D` and `-l`); without it the test is skipped, or fails with `CI=true`.
//! The rest of the suite is in `tests/reliability.rs`.

mod support;

use support::gate::{self, Scenario, snapshot};

/// `check` on PostgreSQL, held mid-crawl while the server restarts (`pg_ctl restart -m
/// fast` drops every connection): the process completes or exits with a clear error,
/// the database holds no half-written cycle, and the next `check` completes with the
/// findings of a clean run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_cycle_then_the_next_check_completes() {
    let Ok(pg_ctl) = std::env::var("GOVWATCH_TEST_PG_CTL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "CI=true but GOVWATCH_TEST_PG_CTL is not set: run the tests with `bash scripts/test.sh`"
            );
        }
        eprintln!(
            "skipped: GOVWATCH_TEST_PG_CTL is not set (`bash scripts/test.sh` sets it for the PostgreSQL it starts)"
        );
        return;
    };
    let db = support::db::postgres()
        .await
        .expect("GOVWATCH_TEST_PG_CTL is set, so is GOVWATCH_TEST_POSTGRES_URL");
    let s = Scenario::start().await;

    let check = s.spawn_check(&db.url);
    s.until_held_at_column(&db.url).await;
    let restart = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{pg_ctl} restart -m fast -w -t 60"))
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("run pg_ctl");
    assert!(
        restart.status.success(),
        "pg_ctl restart: {}{}",
        String::from_utf8_lossy(&restart.stdout),
        String::from_utf8_lossy(&restart.stderr)
    );
    s.column.open();
    s.link.open();
    let out = gate::wait(check).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => {}
        Some(2) => assert!(
            stderr.contains("database") || stderr.contains("PostgreSQL"),
            "a clear error: {stderr}"
        ),
        other => panic!("neither completed nor failed cleanly: {other:?}\n{stderr}"),
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    eprintln!(
        "the check held across the restart exited with {:?}",
        out.status.code()
    );

    // Consistent: one crawl per column and day, nothing doubled, whatever was recorded.
    let during = snapshot(&db.url).await;
    let mut keys: Vec<&String> = during.crawls.iter().map(|c| &c.0).collect();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n, "one crawl per column: {:#?}", during.crawls);

    s.check(&db.url).await;
    let after = snapshot(&db.url).await;
    let clean = support::db::postgres().await.unwrap();
    s.check(&clean.url).await;
    assert_eq!(after, snapshot(&clean.url).await);
}
