//! False alarms (误报): `govwatch dismiss ID --reason …` on a 错敏词 finding keeps it out
//! of the notice, the weekly email and the scores while detection goes on seeing it; the
//! same wrong form on the same page stays dismissed (also in a new episode after the page
//! was fixed and broke again), a new wrong form on that page is a problem again, the
//! exports show the dismissed hit as 已核实为误报, and `undismiss` brings it back. The
//! notice counts 错情（处） per unit (seed 003 附件1) and lists the errors and the leaks in
//! 二、主要问题. Clear errors for an unknown ID, an empty reason and a second dismissal.
//! Both databases.

mod support;

use std::path::Path;

use chrono::{Duration, NaiveDate};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::load_texts;
use govwatch::clock::start_of_day;
use govwatch::detect::Kind;
use govwatch::notify::{Recipients, Week, compose};
use govwatch::observe::evidence::{
    ContentError, ContentHit, Evidence, LeakHit, PageBase, PrivacyLeak,
};
use govwatch::store::{FindingFilter, FindingRecord, NewFinding, Scope, Store};
use support::county;

on_both_databases_with_url!(a_dismissed_finding_stays_out_until_undismissed);

const BASE: &str = "http://127.0.0.1:9";
const ERROR_PAGE: &str = "http://127.0.0.1:9/sjj/1.html";
const LEAK_PAGE: &str = "http://127.0.0.1:9/gaj/2.html";

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn page(url: &str, unit: &str, title: &str, day: NaiveDate) -> PageBase {
    PageBase {
        site: "示例县人民政府".into(),
        unit: Some(unit.into()),
        page: url.into(),
        title: Some(title.into()),
        place: "工作动态栏目文章页面".into(),
        published_on: Some(d(10, 1)),
        detected_on: day,
        attachment: None,
    }
}

/// A content_error on the 审计局 page with these (wrong, right) forms.
fn content(forms: &[(&str, &str)], day: NaiveDate) -> NewFinding {
    let p = page(ERROR_PAGE, "审计局", "关于审计工作的通知", day);
    let hits: Vec<ContentHit> = forms
        .iter()
        .enumerate()
        .map(|(i, (wrong, right))| ContentHit {
            text: wrong.to_string(),
            wrong: wrong.to_string(),
            right: Some(right.to_string()),
            category: "国名".into(),
            position: 10 + i * 30,
            context: format!("依据{wrong}审计法"),
        })
        .collect();
    let evidence = Evidence::ContentError(ContentError {
        page: p.clone(),
        hits: hits.clone(),
    });
    NewFinding {
        subject_key: ERROR_PAGE.into(),
        unit: Some("审计局".into()),
        sentence: govwatch::report::wording::content_error(&p, &hits),
        evidence,
    }
}

/// A privacy_leak on the 县公安局 page: two ID numbers, masked.
fn leak(day: NaiveDate) -> NewFinding {
    let p = page(LEAK_PAGE, "县公安局", "辅警招聘拟录用人员公示", day);
    let hit = |i: usize| LeakHit {
        data: "id_number".into(),
        masked: "320102********3411".into(),
        position: 40 + i * 40,
        context: "张某 320102********3411 男".into(),
    };
    NewFinding {
        subject_key: LEAK_PAGE.into(),
        unit: Some("县公安局".into()),
        sentence: govwatch::report::wording::privacy_leak(&p, 2, 0, 0),
        evidence: Evidence::PrivacyLeak(PrivacyLeak {
            page: p,
            id_numbers: 2,
            mobiles: 0,
            bank_cards: 0,
            hits: vec![hit(0), hit(1)],
        }),
    }
}

const WRONG: (&str, &str) = ("中华人民共合国", "中华人民共和国");
const OTHER: (&str, &str) = ("攻府", "政府");

async fn detect(store: &Store, day: NaiveDate, found: Vec<NewFinding>) -> Vec<i64> {
    let scope = Scope::kinds([Kind::ContentError, Kind::PrivacyLeak]);
    let at = start_of_day(day, Shanghai) + Duration::hours(9);
    store
        .reconcile_findings(&scope, &found, at, day)
        .await
        .unwrap()
        .opened
}

async fn of_page(store: &Store, kind: Kind) -> Vec<FindingRecord> {
    store
        .findings(&FindingFilter {
            kind: Some(kind),
            ..FindingFilter::default()
        })
        .await
        .unwrap()
}

struct Cli {
    dir: tempfile::TempDir,
    url: String,
}

impl Cli {
    fn run(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .current_dir(self.dir.path())
            .args(["--database", &self.url, "--now", "2020-10-20"])
            .args(args)
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .env("RUST_LOG", "error")
            .env("USER", "王五")
            .output()
            .expect("run govwatch")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?} should fail");
        String::from_utf8(out.stderr).unwrap()
    }

    fn notice(&self) -> String {
        self.ok(&["report", "--period", "2020Q4", "--format", "md"])
    }
}

fn cli(url: &str) -> Cli {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        "[general]\noffice_name = \"示例县政务公开办\"\n\n\
         [report]\nissuer = \"示例县人民政府办公室\"\n\n\
         [report.scoring]\nbase = 300\n\
         [report.scoring.points]\ncontent_error = -5\nprivacy_leak = -10\n",
    )
    .unwrap();
    std::fs::write(config.join("catalog/county.toml"), county::catalog(BASE)).unwrap();
    Cli {
        dir,
        url: url.to_string(),
    }
}

/// The weekly email's text for the office, as of `today`.
async fn email(store: &Store, today: NaiveDate) -> String {
    let text = county::catalog(BASE);
    let catalog = load_texts(&[(Path::new("county.toml"), text.as_str())])
        .unwrap()
        .catalog;
    let episodes = store.findings(&FindingFilter::default()).await.unwrap();
    let week = Week::from_episodes_since(today, d(10, 1), &episodes);
    let recipients = Recipients::new(&["office@example.org".to_string()], &catalog);
    let messages = compose(&week, "示例县政务公开办", Shanghai, &recipients).unwrap();
    messages
        .iter()
        .map(|m| m.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn a_dismissed_finding_stays_out_until_undismissed(url: String) {
    let store = Store::open(&url).await.unwrap();
    let cli = cli(&url);
    detect(
        &store,
        d(10, 10),
        vec![content(&[WRONG], d(10, 10)), leak(d(10, 10))],
    )
    .await;
    let first = of_page(&store, Kind::ContentError).await;
    let id = first[0].id;

    // `findings` shows the ID (编号); the JSON has it too.
    let table = cli.ok(&["findings"]);
    assert!(table.contains("编号"), "{table}");
    let json: serde_json::Value =
        serde_json::from_str(&cli.ok(&["findings", "--format", "json"])).unwrap();
    assert!(
        json.as_array().unwrap().iter().any(|f| f["id"] == id),
        "{json}"
    );

    // Before: the notice lists both, counts 错情 per unit and scores them.
    let before = cli.notice();
    assert!(before.contains("（一）信息内容存在错误表述。"), "{before}");
    assert!(
        before.contains(
            "审计局网站《关于审计工作的通知》存在错误表述“中华人民共合国”，应为“中华人民共和国”"
        ),
        "{before}"
    );
    assert!(
        before.contains("县公安局网站《辅警招聘拟录用人员公示》泄露个人信息（身份证号2处）"),
        "{before}"
    );
    assert!(before.contains("信息内容错情统计表"), "{before}");
    assert!(before.contains("错情（处）"), "{before}");
    assert!(before.contains("在全县范围内通报"), "{before}");
    assert!(!before.contains("id_number"), "{before}");
    let mail = email(&store, d(10, 12)).await;
    assert!(mail.contains("中华人民共合国"), "{mail}");
    assert!(mail.contains("泄露个人信息（身份证号2处）"), "{mail}");

    // Clear errors.
    let e = cli.fails(&["dismiss", "999", "--reason", "引用原文"]);
    assert!(e.contains("no finding has the ID 999"), "{e}");
    let e = cli.fails(&["dismiss", &id.to_string(), "--reason", "  "]);
    assert!(e.contains("needs a reason"), "{e}");
    let e = cli.fails(&["undismiss", &id.to_string()]);
    assert!(e.contains("not dismissed"), "{e}");

    // Dismissed, by the login name when no --by.
    let said = cli.ok(&[
        "dismiss",
        &id.to_string(),
        "--reason",
        "引用的是历史文献原文",
    ]);
    assert!(said.contains("王五"), "{said}");
    let e = cli.fails(&["dismiss", &id.to_string(), "--reason", "再次"]);
    assert!(e.contains("already dismissed"), "{e}");
    assert!(e.contains("王五"), "{e}");

    // Detection runs again and sees it: the same episode, confirmed, still dismissed.
    let opened = detect(
        &store,
        d(10, 11),
        vec![content(&[WRONG], d(10, 11)), leak(d(10, 11))],
    )
    .await;
    assert!(opened.is_empty(), "{opened:?}");
    let now = of_page(&store, Kind::ContentError).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].id, id);
    assert!(now[0].is_open());
    let dismissal = now[0].dismissal.as_ref().expect("still dismissed");
    assert_eq!(dismissal.by, "王五");
    assert_eq!(dismissal.reason, "引用的是历史文献原文");

    // Not counted as open where counts are shown (the daemon's metrics), though
    // detection still holds it.
    assert!(
        store
            .open_finding_keys()
            .await
            .unwrap()
            .iter()
            .any(|(k, _)| *k == Kind::ContentError)
    );
    let counts = store.open_problem_counts().await.unwrap();
    assert_eq!(counts.get(&Kind::ContentError), None, "{counts:?}");
    assert_eq!(counts.get(&Kind::PrivacyLeak), Some(&1), "{counts:?}");
    assert_eq!(
        store.dismissed_open_findings().await.unwrap().len(),
        1,
        "the episode confirmed today"
    );

    // Out of the notice, its 错情 count and the scores; the leak stays.
    let after = cli.notice();
    assert!(!after.contains("共合国"), "{after}");
    assert!(!after.contains("信息内容存在错误表述"), "{after}");
    assert!(after.contains("（一）泄露个人信息。"), "{after}");
    assert!(after.contains("信息内容错情统计表"), "{after}");
    let score_row = |md: &str| {
        md.lines()
            .find(|l| {
                l.starts_with("| 审计局 |") && l.contains("300")
                    || l.starts_with("| 审计局 |") && l.contains("295")
            })
            .map(str::to_string)
    };
    assert!(
        score_row(&before).is_some_and(|r| r.contains("295")),
        "{before}"
    );
    assert!(
        score_row(&after).is_some_and(|r| r.contains("300")),
        "{after}"
    );
    // Out of the email.
    let mail = email(&store, d(10, 12)).await;
    assert!(!mail.contains("共合国"), "{mail}");
    assert!(mail.contains("泄露个人信息（身份证号2处）"), "{mail}");
    // In the exports, as 已核实为误报.
    let json: serde_json::Value = serde_json::from_str(&cli.ok(&[
        "export", "content", "--period", "2020Q4", "--format", "json",
    ]))
    .unwrap();
    let hit = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["text"] == WRONG.0)
        .expect("the dismissed hit is exported");
    assert_eq!(hit["dismissed"], true, "{json}");
    let csv = cli.ok(&["export", "content", "--period", "2020Q4", "--format", "csv"]);
    assert!(
        csv.lines()
            .any(|l| l.contains("中华人民共合国") && l.ends_with("已核实为误报")),
        "{csv}"
    );
    let csv = cli.ok(&[
        "export", "findings", "--period", "2020Q4", "--format", "csv",
    ]);
    assert!(
        csv.lines()
            .any(|l| l.starts_with(&format!("{id},")) && l.contains("已核实为误报")),
        "{csv}"
    );
    let json: serde_json::Value = serde_json::from_str(&cli.ok(&[
        "export", "findings", "--period", "2020Q4", "--format", "json",
    ]))
    .unwrap();
    let row = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap();
    assert_eq!(row["dismissed"], true);
    assert_eq!(row["dismissal"]["by"], "王五");
    let table = cli.ok(&["findings"]);
    assert!(table.contains("已核实为误报"), "{table}");

    // Fixed, then the same wrong form again: a new episode, dismissed.
    detect(&store, d(10, 12), vec![leak(d(10, 12))]).await;
    let opened = detect(
        &store,
        d(10, 13),
        vec![content(&[WRONG], d(10, 13)), leak(d(10, 13))],
    )
    .await;
    assert_eq!(opened.len(), 1);
    let again = of_page(&store, Kind::ContentError).await;
    let second = again.iter().find(|f| f.is_open()).unwrap();
    assert_ne!(second.id, id);
    assert!(second.is_dismissed(), "{second:?}");

    // A new wrong form on the page: a problem again (the dismissal does not cover it).
    detect(
        &store,
        d(10, 14),
        vec![content(&[WRONG, OTHER], d(10, 14)), leak(d(10, 14))],
    )
    .await;
    let open: Vec<FindingRecord> = of_page(&store, Kind::ContentError)
        .await
        .into_iter()
        .filter(|f| f.is_open())
        .collect();
    assert_eq!(open.len(), 1);
    assert!(!open[0].is_dismissed());
    let md = cli.notice();
    assert!(md.contains("攻府"), "{md}");
    // Dismissed with both forms too; undismissing later takes back both dismissals.
    cli.ok(&[
        "dismiss",
        &open[0].id.to_string(),
        "--reason",
        "两处均为原文引用",
    ]);
    // Back to the dismissed form alone: dismissed again.
    detect(
        &store,
        d(10, 15),
        vec![content(&[WRONG], d(10, 15)), leak(d(10, 15))],
    )
    .await;
    assert!(
        of_page(&store, Kind::ContentError)
            .await
            .iter()
            .all(|f| f.is_dismissed())
    );

    // Undismissed: every episode of it is a problem again.
    let said = cli.ok(&["undismiss", &id.to_string(), "--by", "赵六"]);
    assert!(said.contains("赵六"), "{said}");
    assert!(
        of_page(&store, Kind::ContentError)
            .await
            .iter()
            .all(|f| !f.is_dismissed())
    );
    let back = cli.notice();
    assert!(back.contains("中华人民共合国"), "{back}");
    let mail = email(&store, d(10, 16)).await;
    assert!(mail.contains("中华人民共合国"), "{mail}");
    // And can be dismissed again.
    cli.ok(&[
        "dismiss",
        &id.to_string(),
        "--reason",
        "原文引用",
        "--by",
        "张三",
    ]);
    assert!(
        of_page(&store, Kind::ContentError)
            .await
            .iter()
            .all(|f| f.is_dismissed())
    );
}
