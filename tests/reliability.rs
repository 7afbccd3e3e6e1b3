//! The reliability suite (issue 11): what govwatch does when things go wrong, all
//! against local fixtures. Cases covered elsewhere are named here, not repeated:
//!
//! | case | where |
//! | --- | --- |
//! | kill -9 mid-cycle, restart: nothing lost or doubled, findings of a clean run | here, `kill_dash_nine_*` (SQLite and PostgreSQL) |
//! | gzip bomb, endless body, 50 MB page, slowloris, connection reset, expired and wrong-name TLS, wrong charset, malformed HTML, 429 storm: a classified crawl outcome each | here, `hostile_sites_*` |
//! | the same at the fetcher: bomb, endless, oversized, reset, slowloris, TLS (expired, self-signed, wrong name), lying charsets, Retry-After | `tests/fetch.rs` |
//! | redirect loop, self-signed TLS, DNS failure, refused connection, 500, broken gzip, anti-bot challenge in a crawl | `tests/crawl.rs` |
//! | GBK behind a lying header in a whole county replay | `tests/county.rs` (column B) |
//! | malformed feeds and JSON (RSS, Atom, JSON Feed, Weibo, WeChat) through the accounts stage | here, `hostile_sources_*`; parsers alone in `src/sources/tests.rs` |
//! | SMTP down then up once | `tests/notify.rs` |
//! | SMTP down across several runs and weeks, then up: each message once | here, `smtp_down_for_weeks_*` |
//! | private addresses by name and 127.0.0.3 literal; `allow_private` | `tests/links.rs` |
//! | links to 10.0.0.1, 169.254.169.254, a name resolving to 10.x, a redirect to metadata | here, `links_to_private_networks_*` |
//! | no password, token or cookie in logs at debug level | here, `no_secret_in_logs_*` |
//! | PostgreSQL restarted mid-cycle | `tests/reliability_pg_restart.rs` (its own test binary) |
//!
//! "Memory bounded" is asserted as the fetcher's limit: every oversized body ends as
//! `too_large` after at most `[fetch] max_body_mb`, never read to its end.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, start_of_day};
use govwatch::config::{Settings, SmtpSecurity};
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::fetch::Fetcher;
use govwatch::notify::{Notifier, Outcome};
use govwatch::observe::evidence::{ColumnBase, ColumnStale, Evidence};
use govwatch::store::{NewFinding, NotificationStatus, Scope, Store};
use support::gate::{self, Scenario, snapshot};
use support::smtp::SmtpSink;
use support::{FixtureServer, TestPki, fixture_routes, spawn_reset_server};

on_both_databases!(
    hostile_sites_each_end_in_a_classified_outcome,
    hostile_sources_are_malformed_not_silent,
    smtp_down_for_weeks_then_up_delivers_each_message_once,
    links_to_private_networks_are_not_fetched,
);

// ---------------------------------------------------------------------------------
// kill -9 in the middle of a cycle

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_cycle_then_restart_matches_a_clean_run_sqlite() {
    let killed = support::db::sqlite();
    let clean = support::db::sqlite();
    kill_dash_nine(&killed.url, &clean.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_nine_mid_cycle_then_restart_matches_a_clean_run_postgres() {
    let Some(killed) = support::db::postgres().await else {
        return;
    };
    let clean = support::db::postgres().await.unwrap();
    kill_dash_nine(&killed.url, &clean.url).await;
}

/// `check` killed with SIGKILL twice — held on a column list (mid-crawl), then held on
/// a link (mid link check) — and run a third time: it completes, and the database
/// holds exactly what one clean `check` of the same day leaves.
async fn kill_dash_nine(killed: &str, clean: &str) {
    let s = Scenario::start().await;

    let mut first = s.spawn_check(killed);
    s.until_held_at_column(killed).await;
    first.start_kill().unwrap();
    let out = gate::wait(first).await;
    assert_eq!(out.status.code(), None, "killed by a signal");
    let after_first = snapshot(killed).await;
    assert!(
        !after_first.items.is_empty() && after_first.findings.is_empty(),
        "killed after the county's columns, before detection: {after_first:#?}"
    );

    s.column.open();
    let mut second = s.spawn_check(killed);
    s.until_held_at_link().await;
    second.start_kill().unwrap();
    assert_eq!(gate::wait(second).await.status.code(), None);

    s.link.open();
    let stdout = s.check(killed).await;
    assert!(stdout.contains("新发现问题"), "{stdout}");
    let recovered = snapshot(killed).await;

    s.check(clean).await;
    let reference = snapshot(clean).await;
    assert_eq!(recovered, reference);
    // The gated column was read in the end, with its three items.
    let held = format!("http://{}{}", s.site.addr, gate::COLUMN_PATH);
    assert_eq!(
        recovered.items.iter().filter(|i| i.0 == held).count(),
        3,
        "{:#?}",
        recovered.items
    );
    assert!(recovered.probes >= 2 && recovered.links.0 > 0);
    assert!(!recovered.findings.is_empty());
}

// ---------------------------------------------------------------------------------
// Hostile sites

const RECOVERED: &str = "县政府召开常务会议研究部署重点工作";

fn html_page(content_type: &'static str, body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn list_rows(prefix: &str) -> String {
    (1..=3)
        .map(|i| {
            format!(
                "<li><a href=\"/{prefix}/{i}.html\">{RECOVERED}{i}</a><span>2020-09-0{i}</span></li>"
            )
        })
        .collect()
}

/// Pages no parser should choke on.
fn hostile_routes() -> Router {
    Router::new()
        // UTF-8 bytes, but the header says GBK and the meta tag gb2312.
        .route(
            "/hostile/wrong-charset",
            get(|| async {
                let body = format!(
                    "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body><ul>{}</ul></body></html>",
                    list_rows("wc")
                );
                html_page("text/html; charset=GBK", body.into_bytes())
            }),
        )
        // Unclosed and misnested tags, NUL bytes, broken entities and comments, a
        // stray `</html>`, then 25,000 unclosed `<div>`s with links (800 KB) and a comment
        // that never ends.
        .route(
            "/hostile/malformed",
            get(|| async {
                let mut body = format!(
                    "<html><head><title>残缺页面</title><body><table><tr><td><font><ul>{}</b></i></td></ul>\0\0&#xZZ; &nbsp &amp <p><div><span></html></html><form><form><select><table>",
                    list_rows("mf")
                )
                .into_bytes();
                body.extend(b"<div><a href=\"/mf/x.html\">x</a>".repeat(25_000));
                body.extend(b"<!-- never closed <a href=\"/mf/y.html\">");
                html_page("text/html; charset=utf-8", body)
            }),
        )
        // A site that only ever says "too many requests".
        .route(
            "/hostile/storm/{key}",
            get(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "1")],
                    "请求过于频繁",
                )
            }),
        )
}

async fn hostile_sites_each_end_in_a_classified_outcome(store: Store) {
    let http =
        FixtureServer::with_router("127.0.0.1", fixture_routes().merge(hostile_routes())).await;
    let pki = TestPki::new();
    let name = "www.county.gov.cn";
    let expired =
        FixtureServer::with_tls("127.0.0.1", fixture_routes(), &pki.expired_cert(&[name])).await;
    let wrong_name = FixtureServer::with_tls(
        "127.0.0.1",
        fixture_routes(),
        &pki.server_cert(&["other.gov.cn"]),
    )
    .await;
    let (reset, reset_log, reset_task) = spawn_reset_server("127.0.0.1").await;
    let columns: Vec<(&str, String, &str)> = vec![
        ("炸弹栏目", http.url("/gzip-bomb").into(), "too_large"),
        ("无尽栏目", http.url("/endless").into(), "too_large"),
        (
            "超大栏目",
            http.url(&format!("/large-chunked/{}", 50 * 1024 * 1024))
                .into(),
            "too_large",
        ),
        ("慢速栏目", http.url("/slowloris").into(), "timeout"),
        ("重置栏目", format!("http://{reset}/list.html"), "connect"),
        ("过期证书栏目", expired.url_as(name, "/ok").into(), "tls"),
        ("错名证书栏目", wrong_name.url_as(name, "/ok").into(), "tls"),
        ("限流栏目一", http.url("/hostile/storm/a").into(), "http"),
        ("限流栏目二", http.url("/hostile/storm/b").into(), "http"),
        ("限流栏目三", http.url("/hostile/storm/c").into(), "http"),
        ("错码栏目", http.url("/hostile/wrong-charset").into(), "ok"),
        ("残缺栏目", http.url("/hostile/malformed").into(), "ok"),
    ];
    let mut text = format!(
        "[[unit]]\nname = \"县政府办\"\n[[site]]\nname = \"某县人民政府\"\nunit = \"县政府办\"\nurl = \"{}\"\n",
        http.url("/ok")
    );
    for (column, url, _) in &columns {
        text.push_str(&format!(
            "[[column]]\nsite = \"某县人民政府\"\nname = \"{column}\"\nurl = \"{url}\"\n"
        ));
    }
    let catalog = load_texts(&[(Path::new("hostile.toml"), text.as_str())])
        .unwrap()
        .catalog;
    assert_eq!(catalog.columns.len(), columns.len());
    let mut settings = Settings {
        fetch: support::fetch_settings(), // max_body_mb = 1
        ..Default::default()
    };
    settings.fetch.timeout_s = 1;
    settings
        .fetch
        .resolve
        .insert(name.into(), "127.0.0.1".into());
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .add_root_certificate(pki.ca_der())
        .retry_policy(support::fast_retries(2))
        .build()
        .unwrap();
    let clock = Clock::parse("2020-09-10", Shanghai).unwrap();
    let env = Env {
        store: &store,
        fetcher: &fetcher,
        catalog: &catalog,
        settings: &settings,
        clock: &clock,
    };
    let report = cycle::run(env, &CycleOptions::default(), &|_| {})
        .await
        .expect("a cycle over hostile sites runs to the end");

    let outcome: BTreeMap<&str, &str> = report
        .crawl
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c.failure.as_deref().unwrap_or("ok")))
        .collect();
    let ids = store.catalog_ids().await.unwrap();
    let crawls = store.recent_column_crawls(1, clock.now()).await.unwrap();
    for (column, url, expected) in &columns {
        assert_eq!(outcome[column], *expected, "{column} {url}");
        let stored = &crawls[&ids.columns[url.as_str()]][0];
        assert_eq!(stored.outcome.as_str(), *expected, "{column} stored");
    }
    // Memory bounded: the oversized bodies stopped at the 1 MB limit, each said so.
    for url in [&columns[0].1, &columns[1].1, &columns[2].1] {
        // Read by the crawl and again by the link check; never retried, each stopped
        // at the limit.
        let all = store.recent_attempts(url, 10).await.unwrap();
        assert!((1..=2).contains(&all.len()), "{all:#?}");
        for a in &all {
            assert_eq!(a.outcome.as_str(), "too_large");
            let detail = a.detail.as_deref().unwrap_or("");
            assert!(
                detail.contains("larger than 1048576 bytes"),
                "{url}: {detail}"
            );
        }
    }
    // TLS: the kind of problem is told.
    let tls_detail = |url: &str| {
        crawls[&ids.columns[url]][0]
            .detail
            .clone()
            .unwrap_or_default()
    };
    assert!(
        tls_detail(&columns[5].1).starts_with("expired"),
        "{}",
        tls_detail(&columns[5].1)
    );
    assert!(
        tls_detail(&columns[6].1).starts_with("name_mismatch"),
        "{}",
        tls_detail(&columns[6].1)
    );
    assert!(expired.hits().is_empty() && wrong_name.hits().is_empty());
    // A reset is retried like a refused connection, then given up: three tries for
    // each read (the crawl's, and the link check's of the column page).
    let resets = reset_log.all().len();
    assert!(resets == 3 || resets == 6, "{resets}");
    reset_task.abort();
    // The 429 storm: each read asked retries + 1 times and no more, then `http 429`
    // with the server's Retry-After.
    for key in ["a", "b", "c"] {
        let path = format!("/hostile/storm/{key}");
        let hits = http.hits_to(&path).len();
        assert!(hits == 3 || hits == 6, "{path}: {hits}");
        let stored = &crawls[&ids.columns[http.url(&path).as_str()]][0];
        assert_eq!(stored.status, Some(429));
    }
    // The wrong charset and the malformed page are still read, in the right characters.
    let want: Vec<String> = (1..=3).map(|i| format!("{RECOVERED}{i}")).collect();
    for (what, url) in [
        ("wrong charset", &columns[10].1),
        ("malformed HTML", &columns[11].1),
    ] {
        let mut titles: Vec<String> = store
            .column_items(ids.columns[url.as_str()])
            .await
            .unwrap()
            .into_iter()
            .filter(|i| i.published_on.is_some())
            .map(|i| i.title)
            .collect();
        titles.sort();
        assert_eq!(titles, want, "{what}");
    }
    // The home page was read after all that.
    assert_eq!(report.crawl.homes.len(), 1);
    assert_eq!(report.crawl.homes[0].failure, None);
}

// ---------------------------------------------------------------------------------
// Hostile account sources

fn typed(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn source_routes() -> Router {
    Router::new()
        .route(
            "/feed/garbage",
            get(|| async { typed("application/rss+xml", "<<<这不是订阅源>>> \u{0} }{") }),
        )
        .route(
            "/feed/truncated",
            get(|| async {
                typed(
                    "application/rss+xml",
                    r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>县公安</title><item><title>警情通报</title><link>https://rss.example.org/1</li"#,
                )
            }),
        )
        .route(
            "/feed/json-wrong",
            get(|| async {
                typed(
                    "application/feed+json",
                    r#"{"version": "https://jsonfeed.org/version/1.1", "title": 5, "items": "none"}"#,
                )
            }),
        )
        .route(
            "/weibo/api/container/getIndex",
            get(|| async {
                typed(
                    "application/json",
                    r#"{"ok":1,"data":{"cards":[{"card_type":9,"mblog":{"created_at":"Tue Jan 07 10:3"#,
                )
            }),
        )
        .route(
            "/wechat/cgi-bin/appmsg",
            get(|| async { typed("application/json", r#"{"base_resp":{"ret":0},"app_msg_list":[{"aid":1"#) }),
        )
}

async fn hostile_sources_are_malformed_not_silent(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", source_routes()).await;
    let base = format!("http://{}", server.addr);
    let accounts = [
        (
            "乱码订阅",
            format!(r#"{{ kind = "feed", url = "{base}/feed/garbage" }}"#),
        ),
        (
            "截断订阅",
            format!(r#"{{ kind = "feed", url = "{base}/feed/truncated" }}"#),
        ),
        (
            "错型订阅",
            format!(r#"{{ kind = "feed", url = "{base}/feed/json-wrong" }}"#),
        ),
        (
            "截断微博",
            r#"{ kind = "weibo", uid = "1234567" }"#.to_string(),
        ),
        (
            "截断公众号",
            r#"{ kind = "wechat_mp", fakeid = "MzA==" }"#.to_string(),
        ),
    ];
    let mut text = String::from("[[unit]]\nname = \"县公安局\"\n");
    for (name, source) in &accounts {
        let platform = if name.contains("微博") {
            "weibo"
        } else {
            "wechat"
        };
        text.push_str(&format!(
            "[[account]]\nname = \"{name}\"\nunit = \"县公安局\"\nplatform = \"{platform}\"\nsource = {source}\n"
        ));
    }
    let loaded = load_texts(&[(Path::new("sources.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    let catalog = loaded.catalog;
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    settings.sources.weibo.base_url = Some(format!("{base}/weibo"));
    settings.sources.weibo.min_interval_s = Some(0);
    settings.sources.wechat_mp.base_url = Some(format!("{base}/wechat"));
    settings.sources.wechat_mp.min_interval_s = Some(0);
    settings.sources.wechat_mp.token = Some("42".to_string().into());
    settings.sources.wechat_mp.cookie = Some("slave_sid=x".to_string().into());
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    let day = NaiveDate::from_ymd_opt(2020, 1, 9).unwrap();
    for day in [day, day.succ_opt().unwrap()] {
        let clock = Clock::new(
            start_of_day(day, Shanghai) + chrono::Duration::hours(9),
            Shanghai,
        );
        let report = cycle::run(
            Env {
                store: &store,
                fetcher: &fetcher,
                catalog: &catalog,
                settings: &settings,
                clock: &clock,
            },
            &CycleOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        let outcomes: BTreeMap<&str, Option<&str>> = report
            .accounts
            .accounts
            .iter()
            .map(|a| (a.account.as_str(), a.failure.map(|f| f.as_str())))
            .collect();
        for (name, _) in &accounts {
            assert_eq!(outcomes[name], Some("malformed"), "{name}: {outcomes:?}");
        }
    }
    // Unreadable is not silent: no account is said to have stopped posting; two days
    // of unreadable sources make them unreachable.
    let findings = store
        .findings(&govwatch::store::FindingFilter::default())
        .await
        .unwrap();
    assert!(
        findings.iter().all(|f| f.kind != Kind::AccountSilent),
        "{findings:#?}"
    );
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.kind == Kind::AccountUnreachable)
            .count(),
        accounts.len(),
        "{findings:#?}"
    );
}

// ---------------------------------------------------------------------------------
// SMTP unreachable for a while

const SMTP_CATALOG: &str = r#"
[[unit]]
name = "县公安局"
contacts = ["ga@example.gov.cn"]

[[unit]]
name = "审计局"
contacts = ["sj@example.gov.cn"]

[[site]]
name = "苍溪县人民政府"
url = "http://127.0.0.1:9/"

[[column]]
site = "苍溪县人民政府"
name = "工作动态"
url = "http://127.0.0.1:9/gzdt/"
units = ["县公安局"]

[[column]]
site = "苍溪县人民政府"
name = "通知公告"
url = "http://127.0.0.1:9/tzgg/"
units = ["审计局"]
"#;

const OFFICE: &str = "gkb@example.gov.cn";

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn monday_morning(day: NaiveDate) -> Clock {
    let t = Shanghai
        .from_local_datetime(&day.and_hms_opt(8, 30, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    Clock::new(t, Shanghai)
}

/// The SMTP server is down for three weekly runs and two re-runs (weeks 2, 3 and 4),
/// then back: every (week, address) arrives exactly once, oldest first, and the
/// records show the failed attempts.
async fn smtp_down_for_weeks_then_up_delivers_each_message_once(store: Store) {
    let loaded = load_texts(&[(Path::new("county.toml"), SMTP_CATALOG)]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    let catalog: Catalog = loaded.catalog;
    store
        .sync_catalog(&catalog, start_of_day(d(1, 1), Shanghai))
        .await
        .unwrap();
    // Stale columns as an older version stored them: evidence without the limit, so the
    // stored sentence is the one shown.
    let finding = |_kind: &str, column: &str, unit: &str| NewFinding {
        subject_key: format!("http://127.0.0.1:9/{column}/"),
        unit: Some(unit.into()),
        sentence: format!("{unit}{column}栏目超过两周未更新"),
        evidence: Evidence::ColumnStale(ColumnStale {
            column: ColumnBase {
                site: String::new(),
                column: column.into(),
                url: format!("http://127.0.0.1:9/{column}/"),
                units: vec![unit.into()],
                last_update: None,
            },
            class: "news".into(),
            days_since: 15,
            limit_days: None,
            limit_months: None,
        }),
    };
    let scope = Scope::kinds([Kind::ColumnStale]);
    store
        .reconcile_findings(
            &scope,
            &[finding("column_stale", "gzdt", "县公安局")],
            start_of_day(d(1, 6), Shanghai),
            d(1, 6),
        )
        .await
        .unwrap();

    let sink = SmtpSink::down().await;
    let mut settings = Settings::default();
    settings.general.office_name = "苍溪县政务公开办".into();
    settings.notify.office = vec![OFFICE.into()];
    settings.smtp.host = Some("127.0.0.1".into());
    settings.smtp.port = Some(sink.port());
    settings.smtp.security = SmtpSecurity::None;
    settings.smtp.from = Some("govwatch@example.gov.cn".into());
    let outbox = tempfile::tempdir().unwrap();
    let notifier = Notifier::new(&settings, &catalog, outbox.path()).unwrap();

    // Down: week 2 (and a re-run the day after), week 3 (a second finding), week 4.
    let mut recorded = 0;
    for (day, new_unit) in [
        (d(1, 6), false),
        (d(1, 7), false),
        (d(1, 13), true),
        (d(1, 20), false),
    ] {
        if new_unit {
            store
                .reconcile_findings(
                    &scope,
                    &[
                        finding("column_stale", "gzdt", "县公安局"),
                        finding("column_stale", "tzgg", "审计局"),
                    ],
                    start_of_day(day, Shanghai),
                    day,
                )
                .await
                .unwrap();
        }
        let report = notifier.run(&store, &monday_morning(day)).await.unwrap();
        assert_eq!(report.count(|o| *o == Outcome::Sent), 0, "{report:#?}");
        recorded = store.notifications(None).await.unwrap().len();
        assert!(
            store
                .notifications(None)
                .await
                .unwrap()
                .iter()
                .all(|n| n.status == NotificationStatus::Queued),
        );
    }
    assert!(sink.received().is_empty());
    let queued = store.queued_notifications().await.unwrap();
    assert_eq!(queued.len(), recorded);
    let weeks: std::collections::BTreeSet<&str> =
        queued.iter().map(|n| n.period.as_str()).collect();
    assert_eq!(
        weeks.into_iter().collect::<Vec<_>>(),
        ["2020-W02", "2020-W03", "2020-W04"]
    );
    // The oldest message was tried on every run while down (the rest wait their turn
    // behind a server that refused it).
    assert_eq!(
        queued.iter().map(|n| n.attempts).max(),
        Some(4),
        "{queued:#?}"
    );

    // Back on Monday of week 5: everything waiting goes, then week 5's; once more: none.
    sink.up().await;
    let back = notifier
        .run(&store, &monday_morning(d(1, 27)))
        .await
        .unwrap();
    assert_eq!(back.retried.len(), recorded, "{back:#?}");
    assert!(back.retried.iter().all(|d| d.outcome == Outcome::Sent));
    let again = notifier
        .run(&store, &monday_morning(d(1, 28)))
        .await
        .unwrap();
    assert_eq!(again.count(|o| *o == Outcome::Sent), 0, "{again:#?}");

    let received = sink.received();
    let all = store.notifications(None).await.unwrap();
    assert_eq!(received.len(), all.len(), "one message per record");
    assert!(all.iter().all(|n| n.status == NotificationStatus::Sent));
    let mut keys: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            let subject = mail_parser::MessageParser::default()
                .parse(&r.data)
                .and_then(|m| m.subject().map(str::to_string))
                .unwrap_or_default();
            (subject, r.rcpt_to.join(","))
        })
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "nothing twice: {keys:#?}");
    // The office got each week once, the weeks it was down included.
    let mut office: Vec<String> = all
        .iter()
        .filter(|n| n.recipient == OFFICE)
        .map(|n| n.period.clone())
        .collect();
    office.sort();
    assert_eq!(office, ["2020-W02", "2020-W03", "2020-W04", "2020-W05"]);
}

// ---------------------------------------------------------------------------------
// Untrusted links to private networks

async fn links_to_private_networks_are_not_fetched(store: Store) {
    let home = r#"<html><body><ul class="list">
        <li><a href="/art/1.html">县政府召开常务会议研究部署重点工作</a><span>2020-09-10</span></li></ul>
        <a href="http://10.0.0.1/">内网门户</a>
        <a href="http://169.254.169.254/latest/meta-data/">元数据</a>
        <a href="http://[fd00::1]/">内网六</a>
        <a href="http://intranet.example/oa/">办公系统</a>
        <a href="/redirect-to?to=http://169.254.169.254/latest/">跳转元数据</a>
        <a href="/ok">正常链接</a></body></html>"#;
    let router =
        fixture_routes().merge(
            Router::new()
                .route(
                    "/",
                    get(move || async move {
                        ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], home)
                    }),
                )
                .route(
                    "/art/1.html",
                    get(|| async {
                        (
                            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                            "<p>正文</p>",
                        )
                    }),
                ),
        );
    let server = FixtureServer::with_router("127.0.0.1", router).await;
    let base = format!("http://{}", server.addr);
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\n[[site]]\nname = \"示例县\"\nurl = \"{base}/\"\nunit = \"县政府办\"\n\
         [[column]]\nsite = \"示例县\"\nname = \"工作动态\"\nurl = \"{base}/\"\n"
    );
    let catalog = load_texts(&[(Path::new("links.toml"), text.as_str())])
        .unwrap()
        .catalog;
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    // A name that resolves to a private address (static DNS: nothing leaves the host).
    settings
        .fetch
        .resolve
        .insert("intranet.example".into(), "10.1.2.3".into());
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    let clock = Clock::parse("2020-09-15", Shanghai).unwrap();
    store.sync_catalog(&catalog, clock.now()).await.unwrap();
    let ids = store.catalog_ids().await.unwrap();
    let report = cycle::links::run(
        Env {
            store: &store,
            fetcher: &fetcher,
            catalog: &catalog,
            settings: &settings,
            clock: &clock,
        },
        &ids,
        None,
    )
    .await
    .unwrap();
    let checks = store.link_checks(&report.cycle).await.unwrap();
    let outcome = |url: &str| {
        checks
            .iter()
            .find(|c| c.url == url)
            .map(|c| (c.outcome.as_str(), c.detail.clone().unwrap_or_default()))
            .unwrap_or_else(|| panic!("{url} not checked: {checks:#?}"))
    };
    for url in [
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/",
        "http://intranet.example/oa/",
    ] {
        let (o, detail) = outcome(url);
        assert_eq!(o, "skipped", "{url}: {detail}");
        assert!(detail.contains("private address"), "{url}: {detail}");
    }
    // The redirect is followed to the private address and stopped there.
    let (o, detail) = outcome(&format!(
        "{base}/redirect-to?to=http://169.254.169.254/latest/"
    ));
    assert_eq!(o, "skipped", "{detail}");
    assert_eq!(outcome(&format!("{base}/ok")).0, "ok");
    assert_eq!(
        report.broken.len(),
        0,
        "skipped is never broken: {:#?}",
        report.broken
    );
}

// ---------------------------------------------------------------------------------
// Secrets never logged

const SECRETS: [&str; 5] = [
    "smtp-pw-7f3a9c",
    "pg-pw-5b8e21",
    "wx-token-91d4e0",
    "wx-cookie-c0ffee",
    "wb-cookie-d15ea5e",
];

/// `check` and `notify` at `RUST_LOG=debug` (every crate), with an SMTP password, a
/// PostgreSQL URL with a password, a WeChat token and cookie and a Weibo cookie, while
/// the sources fail and retry and SMTP refuses: none of them is in the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_at_debug_level() {
    let flaky = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let router = Router::new()
        .route(
            "/weibo/api/container/getIndex",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "busy") }),
        )
        .route(
            "/wechat/cgi-bin/appmsg",
            get(move || {
                let n = flaky.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                async move {
                    if n == 0 {
                        (StatusCode::SERVICE_UNAVAILABLE, "维护中").into_response()
                    } else {
                        typed(
                            "application/json",
                            r#"{"base_resp":{"ret":200003,"err_msg":"invalid session"}}"#,
                        )
                    }
                }
            }),
        );
    let server = FixtureServer::with_router("127.0.0.1", router).await;
    let base = format!("http://{}", server.addr);
    let sink = SmtpSink::down().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(
        config.join("catalog/c.toml"),
        "[[unit]]\nname = \"县公安局\"\ncontacts = [\"ga@example.gov.cn\"]\n\
         [[account]]\nname = \"平安苍溪\"\nunit = \"县公安局\"\nplatform = \"weibo\"\nsource = { kind = \"weibo\", uid = \"42\" }\n\
         [[account]]\nname = \"苍溪公安\"\nunit = \"县公安局\"\nplatform = \"wechat\"\nsource = { kind = \"wechat_mp\", fakeid = \"MzA==\" }\n",
    )
    .unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        format!(
            "[fetch]\ndns = \"static\"\nretries = 1\n\n[notify]\noffice = [\"{OFFICE}\"]\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"govwatch\"\nfrom = \"govwatch@example.gov.cn\"\n\n\
             [sources.weibo]\nbase_url = \"{base}/weibo\"\nmin_interval_s = 0\n\n\
             [sources.wechat_mp]\nbase_url = \"{base}/wechat\"\nmin_interval_s = 0\n",
            sink.port()
        ),
    )
    .unwrap();
    // PostgreSQL when there is one (a password in the URL; the test server trusts
    // loopback), else SQLite; a PostgreSQL that cannot be reached is tried either way.
    let pg = support::db::postgres().await;
    let database = match &pg {
        Some(db) => {
            let mut url = url::Url::parse(&db.url).unwrap();
            url.set_password(Some(SECRETS[1])).unwrap();
            url.to_string()
        }
        None => format!("sqlite://{}", dir.path().join("govwatch.db").display()),
    };
    let run = |args: Vec<String>, database: String| {
        let dir = dir.path().to_path_buf();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
                .current_dir(dir)
                .args(&args)
                .env("RUST_LOG", "debug")
                .env_remove("GOVWATCH_CONFIG")
                .env("GOVWATCH_DATABASE_URL", database)
                .env("GOVWATCH_SMTP_PASSWORD", SECRETS[0])
                .env("GOVWATCH_WECHAT_MP_TOKEN", SECRETS[2])
                .env("GOVWATCH_WECHAT_MP_COOKIE", SECRETS[3])
                .env("GOVWATCH_WEIBO_COOKIE", SECRETS[4])
                .output()
                .await
                .unwrap()
        }
    };
    let now = ["--now".to_string(), "2020-01-13".to_string()];
    let mut outputs = Vec::new();
    for args in [
        vec!["check"],
        vec!["accounts"],
        vec!["notify"],
        vec!["findings", "--format", "json"],
    ] {
        let args: Vec<String> = now
            .iter()
            .cloned()
            .chain(args.into_iter().map(String::from))
            .collect();
        outputs.push((args.join(" "), run(args, database.clone()).await));
    }
    // And where a database URL is shown: the error of one that cannot be reached, and
    // `--help`, which shows the environment's values.
    let unreachable = format!("postgres://govwatch:{}@127.0.0.1:1/govwatch", SECRETS[1]);
    outputs.push((
        "db migrate (unreachable)".into(),
        run(vec!["db".into(), "migrate".into()], unreachable.clone()).await,
    ));
    outputs.push((
        "--help".into(),
        run(vec!["--help".into()], unreachable).await,
    ));
    let mut seen_logs = 0;
    for (what, out) in &outputs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        seen_logs += text.matches("DEBUG").count();
        for secret in SECRETS {
            assert!(!text.contains(secret), "`{what}` shows {secret}:\n{text}");
        }
    }
    assert!(
        outputs[0].1.status.success(),
        "{}",
        String::from_utf8_lossy(&outputs[0].1.stderr)
    );
    assert_eq!(outputs[4].1.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&outputs[5].1.stdout).contains("GOVWATCH_DATABASE_URL"));
    assert!(seen_logs > 10, "debug logs were captured");
    // The sources were asked (with the secrets), so the logs had the chance to leak.
    assert!(server.hits_to("/wechat/cgi-bin/appmsg").len() >= 2);
    let hit = &server.hits_to("/wechat/cgi-bin/appmsg")[0];
    assert!(hit.path.contains(SECRETS[2]));
    assert!(hit.header("cookie").is_some_and(|c| c.contains(SECRETS[3])));
}
