//! `govwatch demo` as a new user runs it: the real binary in an empty directory. Every
//! column finding the simulated county is built to show appears in the printed table
//! and in the demo's database, and a second run starts afresh without duplicating.

use std::path::Path;
use std::process::{Command, Output};

use govwatch::detect::Kind;
use govwatch::store::{FindingFilter, Store};

fn govwatch(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .env("COLUMNS", "400")
        .output()
        .expect("run govwatch")
}

const KINDS: [Kind; 6] = [
    Kind::ColumnStale,
    Kind::ColumnZeroPublish,
    Kind::UnitZeroPublish,
    Kind::ColumnUnreachable,
    Kind::ColumnEmpty,
    Kind::SiteHomeStale,
];

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_every_column_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let out = govwatch(tmp.path(), &["demo", "--dir", "demo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for kind in KINDS {
        assert!(
            stdout.contains(kind.name_zh()),
            "{} not in the output:\n{stdout}",
            kind.name_zh()
        );
    }
    assert!(
        stdout.contains("县公安局警务公开栏目链接无法正常访问"),
        "{stdout}"
    );
    // Beside open findings of other kinds, a finding about a quarter names it (the demo
    // runs on today's date: 三季度, or 2025年四季度 in January).
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("审计局") && l.contains("季度新闻信息发布为0")),
        "审计局…季度新闻信息发布为0 not in:\n{stdout}"
    );
    assert!(stdout.contains("findings --open"), "{stdout}");

    let db = tmp.path().join("demo/govwatch.db");
    let url = format!("sqlite://{}", db.display());
    let count = || async {
        let store = Store::open(&url).await.unwrap();
        let open = store
            .findings(&FindingFilter {
                open_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        store.close().await;
        open
    };
    let open = count().await;
    for kind in KINDS {
        assert!(
            open.iter().any(|f| f.kind == kind),
            "no open {} in the database: {:#?}",
            kind.code(),
            open.iter()
                .map(|f| (f.kind, govwatch::report::wording::sentence(f)))
                .collect::<Vec<_>>()
        );
    }

    // Again: the demo's own config is rewritten, the database starts afresh.
    let again = govwatch(tmp.path(), &["demo", "--dir", "demo"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(count().await.len(), open.len());

    // A configuration the demo did not write is never touched.
    std::fs::create_dir_all(tmp.path().join("mine/config")).unwrap();
    std::fs::write(tmp.path().join("mine/config/govwatch.toml"), "# mine\n").unwrap();
    let refused = govwatch(tmp.path(), &["demo", "--dir", "mine"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--dir"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("mine/config/govwatch.toml")).unwrap(),
        "# mine\n"
    );
}

/// Every "try next" line the demo prints runs as printed, from where the demo ran.
#[test]
fn the_demos_try_next_lines_run_as_printed() {
    let tmp = tempfile::tempdir().unwrap();
    // Not under `cargo run` (cargo test sets CARGO for its children): the lines name
    // the program by its path.
    let out = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(tmp.path())
        .args(["demo"])
        .env_remove("CARGO")
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout
        .split("try next:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no try-next lines in:\n{stdout}"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for line in lines {
        assert!(!line.starts_with("govwatch "), "not on the PATH: {line}");
        let run = Command::new("sh")
            .current_dir(tmp.path())
            .args(["-c", line])
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "`{line}` failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!run.stdout.is_empty(), "`{line}` printed nothing");
    }
}

/// The global `--now` replays the demo on any day: the county is dated from it, both
/// cycles and the email run on it, and so do the printed "try next" lines.
#[test]
fn the_demo_honours_now() {
    let tmp = tempfile::tempdir().unwrap();
    let out = govwatch(
        tmp.path(),
        &["--now", "2026-12-01", "demo", "--dir", "demo"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("cycle for 2026-11-30:"), "{stdout}");
    assert!(stdout.contains("cycle for 2026-12-01:"), "{stdout}");
    assert!(stdout.contains("--now 2026-12-01 --config"), "{stdout}");
    assert!(
        tmp.path()
            .join("demo/outbox/2026-W49/gongkai@example.gov.cn.eml")
            .exists(),
        "{stdout}"
    );
}
