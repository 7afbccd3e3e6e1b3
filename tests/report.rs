//! The auditors' exports and the quarterly notice draft, end to end on the fixture
//! county (SQLite and PostgreSQL): checks replayed with `--now`, two account episodes
//! as an office would have found them, then the real binary's `export` and `report`
//! output opened back (csv crate, calamine) and compared with the store.

mod support;

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, end_of_day, start_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::sentence;
use govwatch::fetch::Fetcher;
use govwatch::report::findings::open_in;
use govwatch::store::{FindingFilter, NewFinding, Scope, Store};
use serde_json::json;
use support::FixtureServer;
use support::county;

on_both_databases!(exports_and_the_notice_match_the_store);

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn clock(day: NaiveDate) -> Clock {
    Clock::new(
        end_of_day(day, Shanghai) - chrono::Duration::hours(14),
        Shanghai,
    )
}

const ACCOUNTS: &str = r#"
[[unit]]
name = "高坡镇"
level = "乡镇"

[[account]]
name = "苍溪县高坡镇"
unit = "高坡镇"
platform = "weibo"
source = { kind = "manual" }

[[account]]
name = "审计之窗"
unit = "审计局"
platform = "wechat"
source = { kind = "manual" }

[[account]]
name = "平安示例"
unit = "县公安局"
platform = "weibo"
source = { kind = "manual" }
"#;

async fn replay(store: &Store, catalog: &Catalog) {
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    for day in [d(8, 10), d(8, 11), d(8, 17), d(9, 10), d(9, 25), d(10, 1)] {
        let env = Env {
            store,
            fetcher: &fetcher,
            catalog,
            settings: &settings,
            clock: &clock(day),
        };
        cycle::run(env, &CycleOptions::default(), &|_| {})
            .await
            .unwrap();
    }
}

/// 高坡镇's weibo silent on 9月14日 (last post 8月28日), posting again on 9月30日;
/// 审计之窗 a zombie on 9月20日 (last post 2019年12月2日), still so.
async fn account_checks(store: &Store) {
    let scope = Scope::kinds(["account_silent", "account_zombie"]);
    let silent = NewFinding {
        kind: "account_silent".into(),
        subject_key: "weibo:name:苍溪县高坡镇".into(),
        unit: Some("高坡镇".into()),
        sentence: sentence::account_silent(d(9, 14), d(8, 28), None),
        evidence: json!({"platform": "weibo", "account": "苍溪县高坡镇", "unit": "高坡镇",
            "detected_on": "2020-09-14", "last_post": "2020-08-28"}),
    };
    let zombie = NewFinding {
        kind: "account_zombie".into(),
        subject_key: "wechat:name:审计之窗".into(),
        unit: Some("审计局".into()),
        sentence: sentence::account_zombie(
            d(9, 20),
            Some(NaiveDate::from_ymd_opt(2019, 12, 2).unwrap()),
            None,
        ),
        evidence: json!({"platform": "wechat", "account": "审计之窗", "unit": "审计局",
            "detected_on": "2020-09-20", "last_post": "2019-12-02"}),
    };
    for (day, found) in [
        (d(9, 14), vec![silent.clone()]),
        (d(9, 20), vec![silent.clone(), zombie.clone()]),
        (d(9, 30), vec![zombie.clone()]),
    ] {
        let at = start_of_day(day, Shanghai) + chrono::Duration::hours(9);
        store
            .reconcile_findings(&scope, &found, at, day)
            .await
            .unwrap();
    }
}

fn govwatch(dir: &Path, url: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .args(["--database", url, "--now", "2020-10-08"])
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("run govwatch");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    range.rows().map(|r| r.to_vec()).collect()
}

async fn exports_and_the_notice_match_the_store(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let text = county::catalog(&base);
    let catalog = load_texts(&[(Path::new("county.toml"), text.as_str())])
        .unwrap()
        .catalog;
    replay(&store, &catalog).await;
    account_checks(&store).await;

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        "[general]\noffice_name = \"示例县人民政府办公室\"\n\n[report.scoring]\nbase = 300\n\
         [report.scoring.points]\ncolumn_zero_publish = -8\naccount_silent = -2\n",
    )
    .unwrap();
    std::fs::write(
        config.join("catalog/county.toml"),
        format!("{text}\n{ACCOUNTS}"),
    )
    .unwrap();
    let url = store.url().to_string();
    let run = |args: &[&str]| govwatch(dir.path(), &url, args);

    // export findings: every episode open at some time in Q3, as stored.
    let q3: govwatch::detect::period::Period = "2020Q3".parse().unwrap();
    let stored: Vec<_> = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|f| open_in(f, q3, d(10, 8)))
        .collect();
    assert!(stored.len() >= 10, "{stored:#?}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["export", "findings", "--period", "2020Q3"])).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), stored.len());
    for (row, f) in rows.iter().zip(&stored) {
        assert_eq!(row["kind"], f.kind.as_str());
        assert_eq!(row["subject"], f.subject_key.as_str());
        assert_eq!(row["sentence"], f.sentence.as_str());
        assert_eq!(row["opened_on"], f.opened_on.to_string());
        assert_eq!(row["evidence"], f.evidence_json());
        for key in ["unit", "last_confirmed", "resolved_on", "rectified"] {
            assert!(row.get(key).is_some(), "{key} in {row}");
        }
    }
    let gaopo = rows.iter().find(|r| r["kind"] == "account_silent").unwrap();
    assert_eq!(gaopo["resolved_on"], "2020-09-30");
    assert_eq!(gaopo["rectified"], true);
    // Q2 ended before the first check (8月10日): only the findings about Q2 belong to it.
    let q2: serde_json::Value =
        serde_json::from_slice(&run(&["export", "findings", "--period", "2020Q2"])).unwrap();
    let subjects: Vec<&str> = q2
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.iter().all(|s| s.ends_with("#2020Q2")),
        "{subjects:?}"
    );

    let csv = csv_rows(&run(&[
        "export", "findings", "--period", "2020Q3", "--format", "csv",
    ]));
    assert_eq!(
        csv[0],
        [
            "责任单位",
            "问题类型",
            "问题代码",
            "问题描述",
            "发现日期",
            "最近确认",
            "整改日期",
            "是否整改",
            "证据"
        ]
    );
    assert_eq!(csv.len(), stored.len() + 1);
    for (row, f) in csv[1..].iter().zip(&stored) {
        assert_eq!(row[2], f.kind);
        assert_eq!(row[3], f.sentence);
        assert_eq!(row[4], f.opened_on.to_string());
    }
    let unreachable = csv[1..]
        .iter()
        .find(|r| r[2] == "column_unreachable")
        .unwrap();
    assert_eq!(unreachable[3], "县公安局警务公开栏目链接无法正常访问");
    assert!(
        unreachable[8].contains(&format!("url: {base}/gone/index.html")),
        "{unreachable:?}"
    );
    let silent = csv[1..].iter().find(|r| r[2] == "account_silent").unwrap();
    assert_eq!(
        silent[3],
        "9月14日监测到超过两周未更新内容,最新更新时间为8月28日"
    );
    assert_eq!(
        (silent[6].as_str(), silent[7].as_str()),
        ("2020-09-30", "是")
    );

    let out = dir.path().join("findings.xlsx");
    run(&[
        "export",
        "findings",
        "--period",
        "2020Q3",
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ]);
    let sheet = xlsx_rows(std::fs::read(&out).unwrap());
    assert_eq!(sheet[0][3], Data::String("问题描述".into()));
    assert_eq!(sheet.len(), stored.len() + 1);
    for (row, f) in sheet[1..].iter().zip(&stored) {
        assert_eq!(row[3], Data::String(f.sentence.clone()));
        let opened = match &row[4] {
            Data::DateTime(dt) => dt.as_datetime().unwrap().date(),
            other => panic!("发现日期 is a date, not {other:?}"),
        };
        assert_eq!(opened, f.opened_on);
    }

    // export columns / units as XLSX: the counts the fixture was built with for Q3.
    let columns = xlsx_rows(run(&[
        "export", "columns", "--period", "2020Q3", "--format", "xlsx",
    ]));
    let got: Vec<(String, String, String)> = columns[1..]
        .iter()
        .map(|r| (r[1].to_string(), r[3].to_string(), r[4].to_string()))
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        got,
        [
            s("工作动态", "12", "4"),
            s("通知公告", "3", "0"),
            s("审计动态", "及时更新", "/"),
            s("征地拆迁", "及时更新", "1"),
            s("警务公开", "及时更新", "/"),
            s("人事信息", "及时更新", "/"),
        ]
    );
    let units = xlsx_rows(run(&[
        "export", "units", "--period", "2020Q3", "--format", "xlsx",
    ]));
    assert_eq!(
        units[0].iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        ["单位", "栏目名称", "应公开数", "实公开数", "完成情况"]
    );
    assert!(units.iter().any(|r| r[0] == "县公安局" && r[4] == "未完成"));
    // The JSON contract of `export units` is unchanged.
    let units_json: serde_json::Value =
        serde_json::from_slice(&run(&["export", "units", "--period", "2020Q3"])).unwrap();
    assert_eq!(
        units_json[0],
        json!({"unit": "县公安局", "column": "工作动态", "quota": 12, "published": 4, "status": "未完成"})
    );

    // The notice draft for Q3.
    let md = String::from_utf8(run(&["report", "--period", "2020Q3", "--format", "md"])).unwrap();
    for expected in [
        "# 关于2020年三季度全县政务公开和政务新媒体监测情况的通报",
        "示例县人民政府办公室",
        "监测政府网站栏目6个,期内更新信息5条。",
        "旧改办等单位未完成栏目更新任务",
        "审计局新闻信息发布为0",
        "审计局新闻信息发布为0；县公安局警务公开栏目更新为0；审计局通知公告栏目更新为0；审计局审计动态栏目更新为0；旧改办人事信息栏目更新为0。",
        "县公安局工作动态栏目应更新12条,实际更新4条",
        "县公安局栏目链接无法正常访问。",
        "全县正常运行的政务新媒体共2个,其中政务微博2个,总体合格率为50.0%。",
        "| 栏目名称 | 保障单位 | 应更新条数 | 实际更新条数 |",
        "| 工作动态 | 县公安局 | 12 | 4 |",
        "| 审计动态 | 审计局 | 及时更新 | / |",
        "| 单位 | 栏目 | 应公开数 | 实公开数 | 完成情况 |",
        "| 县公安局 | 工作动态 | 12 | 4 | 未完成 |",
        "| 类别 | 政务新媒体名称 | 主办单位 | 级别 | 突出问题 | 是否整改 |",
        "| 政务微博 | 苍溪县高坡镇 | 高坡镇 | 乡镇 | 9月14日监测到超过两周未更新内容,最新更新时间为8月28日 | 是 |",
        "| 政务微信 | 审计之窗 | 审计局 | 县级部门 | 9月20日监测到为“僵尸”账号,最新更新时间为2019年12月2日 | 否 |",
        "| 单位 | 基准分 | 超过两周未更新 | 栏目零发布 | 小计 | 名次 |",
        "| 县政府办 | 300 |  |  | 300 | 1 |",
        "| 县公安局 | 300 |  |  | 300 | 1 |",
        "| 高坡镇 | 300 | -2 |  | 298 | 2 |",
        "| 审计局 | 300 |  | -16 | 284 | 3 |",
        "| 旧改办 | 300 |  | -16 | 284 | 3 |",
    ] {
        assert!(md.contains(expected), "{expected}\nnot in\n{md}");
    }
    let html = String::from_utf8(run(&["report", "--period", "2020Q3"])).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("关于2020年三季度全县政务公开和政务新媒体监测情况的通报"));
    assert!(html.contains("审计局新闻信息发布为0"));
    assert!(!html.contains("<script") && !html.contains("<link"));
}
