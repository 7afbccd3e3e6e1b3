//! 内容安全 on a fixture site: planted 错敏词 and personal data are found on item pages
//! (a word split by markup, an ID number in full-width digits), the traps never fire
//! (masked numbers, invalid checksums also in full-width digits, a landline, a 文号, a
//! single published 联系电话, a Luhn-valid number without card context, allow-listed
//! phrases), an unchanged page is confirmed without a rescan, a rewritten page rectifies
//! its finding and a page gone (404 twice) rectifies its leak. No planted full number is
//! found anywhere: not in the database (the SQLite file, every PostgreSQL row as text),
//! not in the JSON, CSV or XLSX exports; and, running the real binary (`check` on two
//! days, `notify` without SMTP, the exports), not in its logs at debug level nor in the
//! outbox's messages. Both databases.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, start_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::detect::period::Period;
use govwatch::fetch::Fetcher;
use govwatch::report::{content, wording};
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;

on_both_databases_with_url!(
    planted_errors_and_leaks_are_found_traps_are_not_and_no_full_number_is_kept,
    no_full_number_in_the_debug_logs_the_outbox_or_the_exports
);

const SITE: &str = "示例县人民政府";

/// An ID number with a valid GB 11643 check character.
fn id(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

fn luhn_valid(prefix: &str) -> String {
    (0..10)
        .map(|d| format!("{prefix}{d}"))
        .find(|c| {
            let mut sum = 0;
            for (i, b) in c.bytes().rev().enumerate() {
                let mut d = u32::from(b - b'0');
                if i % 2 == 1 {
                    d *= 2;
                    if d > 9 {
                        d -= 9;
                    }
                }
                sum += d;
            }
            sum % 10 == 0
        })
        .unwrap()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
            'X' => 'Ｘ',
            c => c,
        })
        .collect()
}

struct Planted {
    ids: Vec<String>,
    mobiles: Vec<String>,
    card: String,
    /// Numbers that must not be hits but must not be stored whole either.
    traps: Vec<String>,
}

fn planted() -> Planted {
    let good = id("32010219800512341");
    let good_fw = id("51082419750303122");
    let bad = id("32010219800512342");
    let bad = format!(
        "{}{}",
        &bad[..17],
        if bad.ends_with('0') { '1' } else { '0' }
    );
    let card = luhn_valid("622202020011234567");
    let no_context = luhn_valid("622848001234567890");
    Planted {
        ids: vec![good, good_fw],
        mobiles: vec![
            "13912345678".into(),
            "15087654321".into(),
            "18611112222".into(),
        ],
        card,
        traps: vec![bad, no_context],
    }
}

impl Planted {
    /// Every planted number, the traps and the published 咨询电话 too, in both widths.
    fn numbers(&self) -> Vec<String> {
        let mut all: Vec<String> = self.ids.clone();
        all.extend(self.mobiles.iter().chain(&self.traps).cloned());
        all.extend([self.card.clone(), CONSULTATION.to_string()]);
        all.iter()
            .flat_map(|n| [n.clone(), full_width(n)])
            .collect()
    }
}

/// The one 咨询电话 the notice publishes on purpose: not a leak, but not kept whole either.
const CONSULTATION: &str = "13812345678";

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>示例县</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

fn router(mode: Arc<AtomicU8>) -> Router {
    let p = planted();
    let column = r#"<ul class="list">
        <li><a href="/art/1.html">关于开展财政资金检查的通知</a><span>2020-09-10</span></li>
        <li><a href="/art/2.html">城乡居民救助名单公示</a><span>2020-09-08</span></li>
        <li><a href="/art/3.html">县政府召开常务会议</a><span>2020-09-07</span></li>
        </ul>"#;
    let notice = format!(
        r#"<h1>关于开展财政资金检查的通知</h1>
        <p>为庆祝中华人民<span>共合</span>国成立，人民攻府决定……</p>
        <p>县农业部门、县文化部门参加。咨询电话：{CONSULTATION}，办公电话：0917-1234567。</p>
        <p>县政办发〔2020〕12号　2020年9月10日</p>"#
    );
    let fixed =
        "<h1>关于开展财政资金检查的通知</h1><p>为庆祝中华人民共和国成立，人民政府决定……</p>";
    let list = format!(
        r#"<h1>城乡居民救助名单公示</h1>
        <table><tr><th>序号</th><th>姓名</th><th>身份证号</th><th>联系电话</th></tr>
        <tr><td>1</td><td>张三</td><td>{id0}</td><td>{m0}</td></tr>
        <tr><td>2</td><td>李四</td><td>{id1fw}</td><td>{m1}</td></tr>
        <tr><td>3</td><td>王五</td><td>{bad_fw}</td><td>{m2}</td></tr>
        <tr><td>4</td><td>赵六</td><td>110105********1234</td><td>138****1234</td></tr>
        </table>
        <p>补贴发放至本人银行卡号：{card}。项目编号{no_context}。</p>"#,
        id0 = p.ids[0],
        id1fw = full_width(&p.ids[1]),
        bad_fw = full_width(&p.traps[0]),
        m0 = p.mobiles[0],
        m1 = p.mobiles[1],
        m2 = p.mobiles[2],
        card = p.card,
        no_context = p.traps[1],
    );
    let meeting = "<h1>县政府召开常务会议</h1><p>会议要求严厉打击赌博违法犯罪活动。</p>";
    support::fixture_routes().merge(
        Router::new()
            .route(
                "/",
                get(|| async { html("<a href=\"/col/news/\">通知公告</a>".into()) }),
            )
            .route(
                "/col/news/",
                get(move || async move { html(column.into()) }),
            )
            .route(
                "/art/1.html",
                get({
                    let mode = mode.clone();
                    move || {
                        let body = if mode.load(Ordering::SeqCst) == 0 {
                            notice.clone()
                        } else {
                            fixed.to_string()
                        };
                        async move { html(body) }
                    }
                }),
            )
            .route(
                "/art/2.html",
                get(move || {
                    let gone = mode.load(Ordering::SeqCst) >= 2;
                    let body = list.clone();
                    async move {
                        if gone {
                            (StatusCode::NOT_FOUND, "not found").into_response()
                        } else {
                            html(body)
                        }
                    }
                }),
            )
            .route(
                "/art/3.html",
                get(move || async move { html(meeting.into()) }),
            ),
    )
}

fn catalog_text(base: &str) -> String {
    format!(
        "[[unit]]\nname = \"县政府办\"\nlevel = \"县级部门\"\n\n\
         [[unit]]\nname = \"县财政局\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"通知公告\"\nurl = \"{base}/col/news/\"\nunits = [\"县财政局\"]\nclass = \"notice\"\n"
    )
}

fn catalog(base: &str) -> Catalog {
    let text = catalog_text(base);
    let loaded = load_texts(&[(Path::new("content.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn clock_at(day: NaiveDate) -> Clock {
    Clock::new(start_of_day(day, Shanghai) + Duration::hours(10), Shanghai)
}

async fn planted_errors_and_leaks_are_found_traps_are_not_and_no_full_number_is_kept(url: String) {
    let store = Store::open(&url).await.unwrap();
    let mode = Arc::new(AtomicU8::new(0));
    let server = FixtureServer::with_router("127.0.0.1", router(mode.clone())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base);
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    let day1 = NaiveDate::from_ymd_opt(2020, 9, 15).unwrap();
    let run = async |m: u8, day: NaiveDate| {
        mode.store(m, Ordering::SeqCst);
        let clock = clock_at(day);
        let env = Env {
            store: &store,
            fetcher: &fetcher,
            catalog: &catalog,
            settings: &settings,
            clock: &clock,
        };
        cycle::run(env, &CycleOptions::default(), &|_| {})
            .await
            .unwrap()
    };
    let findings = async || {
        let mut all = store.findings(&FindingFilter::default()).await.unwrap();
        all.retain(|f| matches!(f.kind, Kind::ContentError | Kind::PrivacyLeak));
        all.sort_by(|a, b| a.subject_key.cmp(&b.subject_key).then(a.kind.cmp(&b.kind)));
        all
    };

    let report = run(0, day1).await;
    assert_eq!(
        report.links.content.scanned, 5,
        "{:?}",
        report.links.content
    );
    let open = findings().await;
    let sentences: Vec<String> = open.iter().map(wording::sentence).collect();
    assert_eq!(
        sentences,
        [
            "县财政局网站《关于开展财政资金检查的通知》存在错误表述“中华人民共合国”，应为“中华人民共和国”；错误表述“攻府”，应为“政府”",
            "县财政局网站《城乡居民救助名单公示》泄露个人信息（身份证号2处、手机号3处、银行卡号1处）",
        ],
        "the meeting page reports on gambling and is clean; traps never fire"
    );

    // An unchanged page is confirmed, not scanned again. The error, dismissed as a false
    // alarm (误报) meanwhile, holds but is not counted as a problem of the check.
    let error_id = open[0].id;
    let at = start_of_day(day1, Shanghai) + Duration::hours(12);
    store
        .dismiss_finding(error_id, "引用原文", "王五", at)
        .await
        .unwrap();
    let report = run(0, day1 + Duration::days(1)).await;
    assert_eq!(
        report.links.content.scanned, 0,
        "{:?}",
        report.links.content
    );
    assert_eq!(report.links.content.unchanged, 5);
    assert!(findings().await.iter().all(|f| f.resolved_on.is_none()));
    assert_eq!(report.detect.dismissed, 1, "{:?}", report.detect);
    assert_eq!(report.detect.holding.get(&Kind::ContentError), None);
    assert_eq!(report.detect.holding.get(&Kind::PrivacyLeak), Some(&1));
    store.undismiss_finding(error_id, "王五", at).await.unwrap();

    // The notice is corrected and the list removed: rectified, the list after two 404s.
    let day3 = day1 + Duration::days(2);
    run(2, day3).await;
    let after = findings().await;
    assert_eq!(after[0].resolved_on, Some(day3), "the corrected notice");
    assert_eq!(after[1].resolved_on, None, "one 404 is not yet gone");
    let day4 = day3 + Duration::days(1);
    run(2, day4).await;
    assert_eq!(
        findings().await[1].resolved_on,
        Some(day4),
        "gone after two 404s"
    );

    // The exports list every hit, masked.
    let records = store.findings(&FindingFilter::default()).await.unwrap();
    let export = content::content_export(&records, "2020Q3".parse::<Period>().unwrap(), day4);
    let texts: Vec<(&str, &str)> = export
        .hits
        .iter()
        .map(|h| (h.category.as_str(), h.text.as_str()))
        .collect();
    let p = planted();
    assert_eq!(
        texts,
        [
            ("国名", "中华人民共合国"),
            ("政策表述", "攻府"),
            (
                "身份证号",
                format!("320102********{}", &p.ids[0][14..]).as_str()
            ),
            ("手机号", "139****5678"),
            (
                "身份证号",
                format!("510824********{}", &p.ids[1][14..]).as_str()
            ),
            ("手机号", "150****4321"),
            ("手机号", "186****2222"),
            (
                "银行卡号",
                format!("6222***********{}", &p.card[15..]).as_str()
            ),
        ]
    );
    assert!(export.hits.iter().all(|h| h.rectified && !h.dismissed));
    let json = serde_json::to_string(&export).unwrap();
    let table = content::table("2020年三季度内容安全问题清单", &export);
    assert_eq!(table.headers, content::HEADERS);
    let csv = govwatch::report::csv::to_bytes(&table);
    let xlsx = govwatch::report::xlsx::to_bytes(&[table]).unwrap();
    let xlsx_text = unzip_text(&xlsx);

    // No planted full number anywhere, in either width.
    store.close().await;
    let stored = support::db::database_text(&url).await;
    for n in &p.numbers() {
        for (what, text) in [
            ("database", stored.as_str()),
            ("json", json.as_str()),
            ("csv", &String::from_utf8_lossy(&csv)),
            ("xlsx", xlsx_text.as_str()),
        ] {
            assert!(!text.contains(n.as_str()), "{n} found in the {what}");
        }
    }
    assert!(stored.contains("139****5678"), "masked forms are kept");
}

/// Every text an XLSX file holds (its XML parts, inflated).
fn unzip_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut f, &mut s);
        out.push_str(&s);
    }
    out
}

/// The real binary as an operator runs it: `govwatch check` on two days with every log
/// at debug (`RUST_LOG=debug`: govwatch's, sqlx's and the HTTP stack's), `govwatch
/// notify` without SMTP (the weekly email as .eml files in the outbox, bodies and CSV/XLSX
/// attachments decoded) and the exports. No planted full number in any of them, in either
/// width. Both databases.
async fn no_full_number_in_the_debug_logs_the_outbox_or_the_exports(url: String) {
    let mode = Arc::new(AtomicU8::new(0));
    let server = FixtureServer::with_router("127.0.0.1", router(mode)).await;
    let base = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        "[general]\noffice_name = \"示例县政务公开办\"\n\n\
         [fetch]\nper_host_interval_ms = 0\ndns = \"static\"\nretries = 0\n\n\
         [notify]\noffice = [\"gongkai@example.gov.cn\"]\noutbox = \"outbox\"\n",
    )
    .unwrap();
    std::fs::write(config.join("catalog/content.toml"), catalog_text(&base)).unwrap();
    // Every output of every run: what an operator's journal would hold.
    let mut logs = String::new();
    let mut run = async |now: &str, args: &[&str]| {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .current_dir(dir.path())
            .args(["--database", &url, "--now", now])
            .args(args)
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .env("RUST_LOG", "debug")
            .output()
            .await
            .expect("run govwatch");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "govwatch {args:?}: {stdout}\n{}",
            &stderr[stderr.len().saturating_sub(4000)..]
        );
        logs.push_str(&stdout);
        logs.push_str(&stderr);
        stdout
    };
    let check = run("2020-09-15", &["check"]).await;
    assert!(check.contains("泄露个人信息"), "{check}");
    run("2020-09-16", &["check"]).await;
    run("2020-09-17", &["notify"]).await;
    let mut exports = String::new();
    for what in ["content", "findings"] {
        for format in ["json", "csv"] {
            exports += &run(
                "2020-09-17",
                &["export", what, "--period", "2020Q3", "--format", format],
            )
            .await;
        }
        let xlsx = dir.path().join(format!("{what}.xlsx"));
        run(
            "2020-09-17",
            &[
                "export",
                what,
                "--period",
                "2020Q3",
                "--format",
                "xlsx",
                "--output",
                xlsx.to_str().unwrap(),
            ],
        )
        .await;
        exports += &unzip_text(&std::fs::read(&xlsx).unwrap());
    }
    assert!(logs.contains("DEBUG"), "the logs are at debug level");
    assert!(exports.contains("139****5678"), "{exports}");

    // The outbox: every message, decoded.
    let mut mail = String::new();
    let mut files = vec![dir.path().join("outbox")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let raw = std::fs::read(&path).unwrap();
        mail.push_str(&String::from_utf8_lossy(&raw));
        let m = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("a MIME message");
        for i in 0..m.text_body_count() {
            mail.push_str(&m.body_text(i).unwrap_or_default());
        }
        for i in 0..m.html_body_count() {
            mail.push_str(&m.body_html(i).unwrap_or_default());
        }
        for a in m.attachments() {
            let bytes = a.contents();
            if bytes.starts_with(b"PK") {
                mail.push_str(&unzip_text(bytes));
            } else {
                mail.push_str(&String::from_utf8_lossy(bytes));
            }
        }
    }
    assert!(
        mail.contains("泄露个人信息（身份证号2处、手机号3处、银行卡号1处）"),
        "the email lists the leak: {}",
        &mail[..mail.len().min(2000)]
    );

    // The database after the email: its notifications too.
    let stored = support::db::database_text(&url).await;
    assert!(stored.contains("139****5678"), "masked forms are kept");
    let p = planted();
    for n in &p.numbers() {
        for (what, text) in [
            ("database", stored.as_str()),
            ("debug logs", logs.as_str()),
            ("outbox", mail.as_str()),
            ("exports", exports.as_str()),
        ] {
            let line = text.lines().find(|l| l.contains(n.as_str()));
            assert!(
                line.is_none(),
                "{n} found in the {what}: {}",
                line.unwrap_or_default().replace(n.as_str(), "<number>")
            );
        }
    }
}
