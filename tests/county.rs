//! End to end on a fixture county: `check` replayed day by day with `--now` over 60
//! days; the episodes open and resolve on the days the publish dates imply, the column
//! and unit tables give exactly the counts the fixture was built with for two quarters,
//! and a rerun adds nothing.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::{Days, NaiveDate};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, end_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::detect::period::Period;
use govwatch::fetch::Fetcher;
use govwatch::report::columns::{Observed, Status, column_rows, reads_by_key, unit_rows};
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;
use support::county::{self, COLUMNS};

on_both_databases!(a_sixty_day_replay_matches_the_fixture);

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn clock(day: NaiveDate) -> Clock {
    Clock::new(
        end_of_day(day, Shanghai) - chrono::Duration::hours(14),
        Shanghai,
    )
}

/// Column letter of a subject key (a column URL, maybe with #quarter), or the unit.
fn subject_name(subject: &str, base: &str) -> String {
    let (key, period) = match subject.rsplit_once('#') {
        Some((k, p)) => (k, Some(p)),
        None => (subject, None),
    };
    let name = COLUMNS
        .iter()
        .find(|c| key == format!("{base}{}", c.path))
        .map(|c| c.letter.to_string())
        .unwrap_or_else(|| {
            if key == format!("{base}/") || key == "示例县人民政府" {
                "site".into()
            } else {
                key.to_string()
            }
        });
    match period {
        Some(p) => format!("{name}#{p}"),
        None => name,
    }
}

async fn cycle_on(
    store: &Store,
    fetcher: &Fetcher,
    catalog: &Catalog,
    settings: &Settings,
    day: NaiveDate,
) {
    cycle::run(
        Env {
            store,
            fetcher,
            catalog,
            settings,
            clock: &clock(day),
        },
        &CycleOptions::default(),
        &|_| {},
    )
    .await
    .unwrap();
}

async fn a_sixty_day_replay_matches_the_fixture(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let text = county::catalog(&base);
    let loaded = load_texts(&[(Path::new("county.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    let catalog = loaded.catalog;
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();

    let first = d(8, 10);
    for i in 0..60 {
        cycle_on(&store, &fetcher, &catalog, &settings, first + Days::new(i)).await;
    }
    let last = first + Days::new(59);
    assert_eq!(last, d(10, 8));

    let episodes: BTreeSet<(String, String, NaiveDate, Option<NaiveDate>)> = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        // The fixture serves lists, not item pages: its links are checked (and many are
        // dead) by the link stage; tests/links.rs covers that rule.
        .filter(|f| f.kind != Kind::LinkBroken)
        .map(|f| {
            (
                f.kind.to_string(),
                subject_name(&f.subject_key, &base),
                f.opened_on,
                f.resolved_on,
            )
        })
        .collect();
    let s =
        |k: &str, n: &str, o: NaiveDate, r: Option<NaiveDate>| (k.to_string(), n.to_string(), o, r);
    let expected: BTreeSet<_> = [
        // A: news, last 08-02 → stale from day 15 (08-17); posts 09-10; stale again 09-25.
        s("column_stale", "A", d(8, 17), Some(d(9, 10))),
        s("column_stale", "A", d(9, 25), None),
        // On the first check the last completed quarter is Q2: 2 of 12, never made up.
        s("column_quota_shortfall", "A#2020Q2", d(8, 10), None),
        // Q3: 4 of 12 → shortfall on the first check after the quarter.
        s("column_quota_shortfall", "A#2020Q3", d(10, 1), None),
        // B (GBK behind a lying header): nothing in Q3.
        s("column_zero_publish", "B#2020Q3", d(10, 1), None),
        // C: news, last 06-25: stale from the first check; nothing in Q3; its unit too.
        s("column_stale", "C", d(8, 10), None),
        s("column_zero_publish", "C#2020Q3", d(10, 1), None),
        s("unit_zero_publish", "审计局#2020Q3", d(10, 1), None),
        // E answers 404: unreachable on the second consecutive failure.
        s("column_unreachable", "E", d(8, 11), None),
        // F lists nothing: a blank column, and zero in Q3.
        s("column_empty", "F", d(8, 10), None),
        s("column_zero_publish", "F#2020Q2", d(8, 10), None),
        s("column_zero_publish", "F#2020Q3", d(10, 1), None),
        // The home page follows A's and B's newest items.
        s("site_home_stale", "site", d(8, 17), Some(d(9, 10))),
        s("site_home_stale", "site", d(9, 25), None),
    ]
    .into();
    let missing: Vec<_> = expected.difference(&episodes).collect();
    let extra: Vec<_> = episodes.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );

    // The sentences an auditor pastes.
    let sentences: Vec<String> = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|f| govwatch::report::wording::sentence(&f))
        .collect();
    for expected in [
        // Where periods mix, a finding about a quarter names it.
        "审计局通知公告栏目三季度更新为0",
        "审计局三季度新闻信息发布为0",
        "县公安局工作动态栏目三季度应更新12条，实际更新4条",
        "县公安局警务公开栏目链接无法正常访问",
        "县公安局工作动态栏目超过两周未更新，最新更新时间为2020年8月2日",
    ] {
        assert!(
            sentences.iter().any(|s| s == expected),
            "{expected} not in {sentences:#?}"
        );
    }

    // Exports: exactly the counts the fixture was built with, for two quarters.
    let ids = store.catalog_ids().await.unwrap();
    let by_id = store.item_dates().await.unwrap();
    let dates: HashMap<String, Vec<NaiveDate>> = ids
        .columns
        .iter()
        .map(|(k, id)| (k.clone(), by_id.get(id).cloned().unwrap_or_default()))
        .collect();
    let today = last;
    let crawls = store
        .recent_column_crawls(usize::MAX, clock(last).now())
        .await
        .unwrap();
    let reads = reads_by_key(
        &ids.columns,
        &crawls,
        &dates,
        |t| clock(last).day_of(t),
        settings.crawl.max_pages,
        |day| cycle::crawl::back_to(&settings, day),
    );
    let seen = Observed {
        dates: &dates,
        reads: &reads,
    };
    for (period, expected) in [
        ("2020Q2", [2usize, 3, 2, 0, 0, 0]),
        ("2020Q3", [4, 0, 0, 1, 0, 0]),
    ] {
        let p: Period = period.parse().unwrap();
        let rows = column_rows(&catalog, seen, p, today);
        let got: Vec<(String, usize)> = rows
            .iter()
            .map(|r| (r.column.clone(), r.published))
            .collect();
        let want: Vec<(String, usize)> = COLUMNS
            .iter()
            .zip(expected)
            .map(|(c, n)| (c.name.to_string(), n))
            .collect();
        assert_eq!(got, want, "{period}");
        // Q2 ended before the first check; its lists reach back to it but 警务公开's.
        if period == "2020Q2" {
            let status: Vec<Option<Status>> = rows.iter().map(|r| r.status).collect();
            assert_eq!(
                status,
                [
                    Some(Status::Short),
                    Some(Status::Done),
                    Some(Status::Done),
                    Some(Status::Zero),
                    Some(Status::Unreadable),
                    Some(Status::Zero),
                ]
            );
        }
        // Every fixture item of the quarter was found, with its date.
        for (c, row) in COLUMNS.iter().zip(&rows) {
            let fixture = c
                .dates
                .iter()
                .filter(|(m, day)| p.contains(d(*m, *day)))
                .count();
            assert_eq!(row.published, fixture, "{} {period}", c.name);
        }
    }
    let q3: Period = "2020Q3".parse().unwrap();
    let units: Vec<(String, String, &str)> = unit_rows(&catalog, seen, q3, today)
        .into_iter()
        .map(|r| (r.unit, r.column, r.status.unwrap().zh()))
        .collect();
    assert_eq!(
        units,
        [
            ("县公安局".into(), "工作动态".into(), "未完成"),
            // Answered 404 on every crawl: unreadable is not zero.
            ("县公安局".into(), "警务公开".into(), "无法访问"),
            ("审计局".into(), "通知公告".into(), "零发布"),
            ("审计局".into(), "审计动态".into(), "零发布"),
            ("旧改办".into(), "征地拆迁".into(), "完成"),
            ("旧改办".into(), "人事信息".into(), "零发布"),
        ]
    );
    // The last update of every column is its newest fixture date.
    let rows = column_rows(&catalog, seen, q3, today);
    for (c, row) in COLUMNS.iter().zip(&rows) {
        assert_eq!(
            row.last_update,
            c.dates.iter().map(|(m, day)| d(*m, *day)).max(),
            "{}",
            c.name
        );
    }
    // Every failure is classified: the 404 column as an HTTP failure with its status.
    let crawls = store
        .recent_column_crawls(1, clock(last).now())
        .await
        .unwrap();
    let gone = ids.columns[&format!("{base}/gone/index.html")];
    assert_eq!(crawls[&gone][0].outcome.as_str(), "http");
    assert_eq!(crawls[&gone][0].status, Some(404));
    let blank = ids.columns[&format!("{base}/rsxx/index.html")];
    assert_eq!(
        (
            crawls[&blank][0].outcome.as_str(),
            crawls[&blank][0].items_found
        ),
        ("ok", 0)
    );

    // A rerun of the last day adds no item and no episode.
    let items_before: usize = dates.values().map(Vec::len).sum();
    let findings_before = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .len();
    cycle_on(&store, &fetcher, &catalog, &settings, last).await;
    let after: usize = store
        .item_dates()
        .await
        .unwrap()
        .values()
        .map(Vec::len)
        .sum();
    assert_eq!(after, items_before);
    assert_eq!(
        store
            .findings(&FindingFilter::default())
            .await
            .unwrap()
            .len(),
        findings_before
    );
    assert_eq!(
        items_before,
        COLUMNS.iter().map(|c| c.dates.len()).sum::<usize>()
    );
}

/// The commands an operator and an auditor type, on the real binary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_then_export_and_findings_from_the_command_line() {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/catalog")).unwrap();
    std::fs::write(
        dir.path().join("config/catalog/county.toml"),
        county::catalog(&base),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config/govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\ndns = \"static\"\nretries = 0\n",
    )
    .unwrap();
    let run = |args: Vec<&'static str>| {
        let dir = dir.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
                .current_dir(dir)
                .args(args)
                .env_remove("GOVWATCH_DATABASE_URL")
                .env("RUST_LOG", "error")
                .output()
                .unwrap()
        })
    };
    for day in ["2020-09-30", "2020-10-01"] {
        let out = run(vec!["--now", day, "check"]).await.unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(vec!["--now", "2020-10-01", "check"]).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  栏目零发布：4"), "{stdout}");
    assert!(stdout.contains("失败: http"), "{stdout}");

    let out = run(vec![
        "--now",
        "2020-10-01",
        "export",
        "columns",
        "--period",
        "2020Q3",
    ])
    .await
    .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        rows[0],
        serde_json::json!({"site": "示例县人民政府", "column": "工作动态", "units": ["县公安局"], "quota": 12, "published": 4, "last_update": "2020-09-10", "status": "未完成"})
    );
    assert_eq!(rows[2]["quota"], serde_json::Value::Null);

    let out = run(vec![
        "--now",
        "2020-10-01",
        "export",
        "units",
        "--period",
        "2020Q3",
        "--format",
        "csv",
    ])
    .await
    .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "CSV opens in Excel with a BOM");
    assert!(csv.contains("县公安局,工作动态,12,4,未完成"), "{csv}");
    assert!(csv.contains("旧改办,征地拆迁,及时更新,1,完成"), "{csv}");

    let unit_zero_publish = |format: &'static str| {
        run(vec![
            "--now",
            "2020-10-01",
            "findings",
            "--open",
            "--kind",
            "unit_zero_publish",
            "--format",
            format,
        ])
    };
    let out = unit_zero_publish("json").await.unwrap();
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found[0]["sentence"], "审计局三季度新闻信息发布为0");
    assert_eq!(found[0]["opened_on"], "2020-10-01");
    assert_eq!(found[0]["rectified"], false);
    // The kind by its Chinese name lists the same.
    let by_name = run(vec![
        "--now",
        "2020-10-01",
        "findings",
        "--open",
        "--kind",
        "单位新闻零发布",
        "--format",
        "json",
    ])
    .await
    .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&by_name.stdout).unwrap(),
        found
    );

    // The same list as CSV: report's writer, with the BOM like every export.
    let out = unit_zero_publish("csv").await.unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with(
            "\u{feff}编号,责任单位,问题类型,问题描述,发现日期,最近确认,整改日期,是否整改\n"
        ),
        "{csv}"
    );
    assert!(
        csv.contains(",单位新闻零发布,审计局三季度新闻信息发布为0,2020-10-01,2020-10-01,,否\n"),
        "{csv}"
    );
}
