//! 内容安全 on a fixture site: planted 错敏词 and personal data are found on item pages
//! (a word split by markup, an ID number in full-width digits), the traps never fire
//! (masked numbers, invalid checksums also in full-width digits, a landline, a 文号, a
//! single published 联系电话, a Luhn-valid number without card context, allow-listed
//! phrases), an unchanged page is confirmed without a rescan, a rewritten page rectifies
//! its finding and a page gone (404 twice) rectifies its leak. No planted full number is
//! found anywhere: not in the database (the SQLite file, every PostgreSQL row as text),
//! not in the JSON, CSV or XLSX exports. Both databases.

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
    planted_errors_and_leaks_are_found_traps_are_not_and_no_full_number_is_kept
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
    let notice = r#"<h1>关于开展财政资金检查的通知</h1>
        <p>为庆祝中华人民<span>共合</span>国成立，人民攻府决定……</p>
        <p>县农业部门、县文化部门参加。咨询电话：13812345678，办公电话：0917-1234567。</p>
        <p>县政办发〔2020〕12号　2020年9月10日</p>"#
        .to_string();
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

fn catalog(base: &str) -> Catalog {
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\nlevel = \"县级部门\"\n\n\
         [[unit]]\nname = \"县财政局\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"通知公告\"\nurl = \"{base}/col/news/\"\nunits = [\"县财政局\"]\nclass = \"notice\"\n"
    );
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

    // An unchanged page is confirmed, not scanned again.
    let report = run(0, day1 + Duration::days(1)).await;
    assert_eq!(
        report.links.content.scanned, 0,
        "{:?}",
        report.links.content
    );
    assert_eq!(report.links.content.unchanged, 5);
    assert!(findings().await.iter().all(|f| f.resolved_on.is_none()));

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
    let numbers: Vec<String> = p
        .ids
        .iter()
        .chain(&p.mobiles)
        .chain(&p.traps)
        .chain(std::iter::once(&p.card))
        .flat_map(|n| [n.clone(), full_width(n)])
        .collect();
    for n in &numbers {
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
