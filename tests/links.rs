//! Probes and link checks on fixture sites: every broken link (404, 500, soft 404,
//! redirect to the home page, redirect loop, timeout, unresolvable host, missing
//! attachment) found with its source pages, no good link reported, each URL checked once
//! a cycle (the server's request log), private addresses never reached unless the site
//! allows them, and site_unreachable opened by the share of failed probes with blocked
//! probes counted neither way. Everything runs on both databases and survives a rerun.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, start_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::fetch::Fetcher;
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;

on_both_databases!(
    every_broken_link_is_found_once_with_its_pages,
    private_addresses_are_reached_only_when_allowed,
    failed_probes_open_site_unreachable_and_blocked_ones_count_neither_way,
    a_broken_link_removed_from_its_pages_is_rectified,
    every_link_a_browser_loads_is_checked_and_nothing_else,
    every_known_page_is_read_on_the_rotation,
    the_site_crawl_checks_pages_no_column_lists_within_its_budgets,
);

const SITE: &str = "示例县人民政府";

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>示例县</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

/// The fixture site: a home page, a column, two item pages, and what they link to.
/// `private` is the `host:port` of a server on 127.0.0.3 (reached by name and by IP).
fn site_router(private_port: u16) -> Router {
    let home = format!(
        r#"<a href="/col/news/">工作动态</a>
        <a href="/good/a.html">好链接</a>
        <a href="/status/404">失效链接</a>
        <a href="/status/500">出错链接</a>
        <a href="/soft404">软死链</a>
        <a href="/old/doc.html">旧文档</a>
        <a href="/redirect/3">跳转链接</a>
        <a href="/loop/a">循环跳转</a>
        <a href="/slow/2500">超时链接</a>
        <a href="http://nowhere.example/">无法解析</a>
        <a href="/files/report.pdf">工作报告.pdf</a>
        <a href="/files/missing.pdf">缺失附件.pdf</a>
        <img src="/img/logo.png" alt="标志">
        <a href="http://intranet.example:{private_port}/secret">内网系统</a>
        <a href="http://127.0.0.3:{private_port}/literal">内网地址</a>
        <a href="mailto:gongkai@example.gov.cn">来信</a>
        <a href="javascript:void(0)">收藏</a>"#
    );
    let column = r#"<ul class="list">
        <li><a href="/art/1.html">县政府召开常务会议</a><span>2020-09-10</span></li>
        <li><a href="/art/2.html">县长调研农业生产</a><span>2020-09-08</span></li>
        </ul>
        <a href="/status/404">失效链接</a><a href="/good/a.html">好链接</a>"#;
    let item1 = r#"<h1>县政府召开常务会议</h1><p>会议内容。</p>
        <a href="/status/404">相关链接</a><a href="/files/missing.pdf">附件</a><a href="/good/b.html">好链接二</a>"#;
    fn file() -> Response {
        (
            [(header::CONTENT_TYPE, "application/pdf")],
            b"%PDF-1.4 ...".to_vec(),
        )
            .into_response()
    }
    support::fixture_routes().merge(
        Router::new()
            .route(
                "/",
                get(move || {
                    let h = home.clone();
                    async move { html(h) }
                }),
            )
            .route(
                "/col/news/",
                get(move || async move { html(column.to_string()) }),
            )
            .route(
                "/art/1.html",
                get(move || async move { html(item1.to_string()) }),
            )
            .route(
                "/art/2.html",
                get(|| async { html("<h1>县长调研农业生产</h1><p>内容。</p>".into()) }),
            )
            .route(
                "/good/a.html",
                get(|| async { html("<p>政务公开</p>".into()) }),
            )
            .route(
                "/good/b.html",
                get(|| async { html("<p>政策解读</p>".into()) }),
            )
            .route("/files/report.pdf", get(|| async { file() }))
            .route(
                "/img/logo.png",
                get(|| async {
                    ([(header::CONTENT_TYPE, "image/png")], vec![0u8; 16]).into_response()
                }),
            )
            .route(
                "/old/doc.html",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/")]).into_response() }),
            ),
    )
}

fn private_router() -> Router {
    Router::new()
        .route("/secret", get(|| async { html("<p>内部系统</p>".into()) }))
        .route("/literal", get(|| async { html("<p>内部系统</p>".into()) }))
}

fn catalog(base: &str, allow_private: Option<&str>) -> Catalog {
    let allow = allow_private
        .map(|c| format!("allow_private = [\"{c}\"]\n"))
        .unwrap_or_default();
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\n{allow}\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"工作动态\"\nurl = \"{base}/col/news/\"\nunits = [\"县政府办\"]\nclass = \"news\"\n"
    );
    let loaded = load_texts(&[(Path::new("links.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn settings() -> Settings {
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    settings.fetch.timeout_s = 1;
    settings.probe.timeout_s = 1;
    settings
        .fetch
        .resolve
        .insert("intranet.example".into(), "127.0.0.3".into());
    settings
}

fn fetcher(settings: &Settings, catalog: &Catalog) -> Fetcher {
    Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap()
}

fn clock_at(day: NaiveDate, minutes: i64) -> Clock {
    Clock::new(
        start_of_day(day, Shanghai) + Duration::hours(10) + Duration::minutes(minutes),
        Shanghai,
    )
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 9, 15).unwrap()
}

/// One whole cycle at 10:00 on `day`.
async fn cycle_on(
    store: &Store,
    fetcher: &Fetcher,
    catalog: &Catalog,
    settings: &Settings,
    day: NaiveDate,
) -> cycle::CycleReport {
    let clock = clock_at(day, 0);
    let env = Env {
        store,
        fetcher,
        catalog,
        settings,
        clock: &clock,
    };
    cycle::run(env, &CycleOptions::default(), &|_| {})
        .await
        .unwrap()
}

async fn every_broken_link_is_found_once_with_its_pages(store: Store) {
    let private = FixtureServer::with_router("127.0.0.3", private_router()).await;
    let server = FixtureServer::with_router("127.0.0.1", site_router(private.addr.port())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, None);
    let settings = settings();
    let fetcher = fetcher(&settings, &catalog);
    let clock = clock_at(day(), 0);
    let env = Env {
        store: &store,
        fetcher: &fetcher,
        catalog: &catalog,
        settings: &settings,
        clock: &clock,
    };
    let report = cycle::run(env, &CycleOptions::default(), &|_| {})
        .await
        .unwrap();

    // Every broken link, with the pages it is on.
    let mut broken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for b in &report.links.broken {
        broken
            .entry(b.url.replace(&base, ""))
            .or_default()
            .insert(b.page_url.replace(&base, ""));
    }
    let on = |pages: &[&str]| pages.iter().map(|p| p.to_string()).collect::<BTreeSet<_>>();
    let want: BTreeMap<String, BTreeSet<String>> = [
        ("/status/404", on(&["/", "/col/news/", "/art/1.html"])),
        ("/status/500", on(&["/"])),
        ("/soft404", on(&["/"])),
        ("/old/doc.html", on(&["/"])),
        ("/loop/a", on(&["/"])),
        ("/slow/2500", on(&["/"])),
        ("http://nowhere.example/", on(&["/"])),
        ("/files/missing.pdf", on(&["/", "/art/1.html"])),
    ]
    .into_iter()
    .map(|(u, p)| (u.to_string(), p))
    .collect();
    assert_eq!(broken, want);
    let outcome = |path: &str| {
        report
            .links
            .broken
            .iter()
            .find(|b| b.url.replace(&base, "") == path)
            .map(|b| b.outcome.to_string())
            .unwrap()
    };
    assert_eq!(outcome("/soft404"), "soft_404");
    assert_eq!(outcome("/old/doc.html"), "soft_404");
    assert_eq!(outcome("/loop/a"), "redirect_loop");
    assert_eq!(outcome("/slow/2500"), "timeout");
    assert_eq!(outcome("http://nowhere.example/"), "dns");
    assert_eq!(report.links.skipped, 2, "the two private links");

    // Each URL checked once in the cycle, duplicates across pages included.
    for path in [
        "/status/404",
        "/good/a.html",
        "/good/b.html",
        "/files/missing.pdf",
        "/files/report.pdf",
        "/img/logo.png",
        "/redirect/3",
        "/soft404",
        "/status/500",
    ] {
        assert_eq!(
            server.hits_to(path).len(),
            1,
            "{path}: {:?}",
            server
                .hits_to(path)
                .iter()
                .map(|h| &h.method)
                .collect::<Vec<_>>()
        );
    }
    // An own-site PDF is read whole for its text (内容安全): that GET is its check.
    assert_eq!(server.hits_to("/files/report.pdf")[0].method, "GET");
    assert!(private.hits().is_empty(), "a private address was reached");

    // Findings: one per broken URL, worded for the first page.
    let findings = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.kind == Kind::LinkBroken)
        .collect::<Vec<_>>();
    assert_eq!(findings.len(), want.len());
    let f404 = findings
        .iter()
        .find(|f| f.subject_key == format!("{SITE}|{base}/status/404"))
        .unwrap();
    assert_eq!(
        govwatch::report::wording::sentence(f404),
        format!("{SITE}首页存在死链：失效链接 {base}/status/404")
    );

    // A rerun of the same cycle adds nothing.
    let counts = store.link_counts().await.unwrap();
    let probes = store
        .probes_between(clock.now() - Duration::days(1), clock.now())
        .await
        .unwrap();
    assert_eq!(probes.len(), 1);
    cycle::run(env, &CycleOptions::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!(store.link_counts().await.unwrap(), counts);
    assert_eq!(
        store
            .probes_between(clock.now() - Duration::days(1), clock.now())
            .await
            .unwrap()
            .len(),
        1
    );
    let again = store.findings(&FindingFilter::default()).await.unwrap();
    assert_eq!(
        again.iter().filter(|f| f.kind == Kind::LinkBroken).count(),
        want.len()
    );
    assert!(private.hits().is_empty());
}

async fn private_addresses_are_reached_only_when_allowed(store: Store) {
    let private = FixtureServer::with_router("127.0.0.3", private_router()).await;
    let server = FixtureServer::with_router("127.0.0.1", site_router(private.addr.port())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, Some("127.0.0.3/32"));
    let settings = settings();
    let fetcher = fetcher(&settings, &catalog);
    let clock = clock_at(day(), 0);
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
    assert_eq!(report.skipped, 0);
    assert_eq!(private.hits_to("/secret").len(), 1);
    assert_eq!(private.hits_to("/literal").len(), 1);
    let checks = store.link_checks(&report.cycle).await.unwrap();
    let secret = checks.iter().find(|c| c.url.ends_with("/secret")).unwrap();
    assert_eq!(secret.outcome.as_str(), "ok");
}

/// A home page whose answer the test switches: 0 ok, 1 HTTP 500, 2 an anti-bot
/// challenge (412).
fn switchable_home(mode: Arc<AtomicU8>) -> Router {
    Router::new().route(
        "/",
        get(move || {
            let mode = mode.load(Ordering::SeqCst);
            async move {
                match mode {
                    0 => html("<p>首页</p>".into()),
                    1 => (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response(),
                    _ => (
                        StatusCode::PRECONDITION_FAILED,
                        "<script>challenge()</script>",
                    )
                        .into_response(),
                }
            }
        }),
    )
}

async fn failed_probes_open_site_unreachable_and_blocked_ones_count_neither_way(store: Store) {
    let mode = Arc::new(AtomicU8::new(0));
    let server = FixtureServer::with_router("127.0.0.1", switchable_home(mode.clone())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, None);
    let settings = settings();
    let fetcher = fetcher(&settings, &catalog);
    store
        .sync_catalog(&catalog, clock_at(day(), 0).now())
        .await
        .unwrap();
    let ids = store.catalog_ids().await.unwrap();
    let mut minute = 0;
    let mut probe = async |m: u8, n: usize| {
        mode.store(m, Ordering::SeqCst);
        for _ in 0..n {
            let clock = clock_at(day(), minute);
            minute += 10;
            let env = Env {
                store: &store,
                fetcher: &fetcher,
                catalog: &catalog,
                settings: &settings,
                clock: &clock,
            };
            cycle::probe::run(env, &ids, None).await.unwrap();
        }
        clock_at(day(), minute)
    };
    let unreachable = async |clock: &Clock| {
        cycle::detect::run(&store, &catalog, &ids, &settings, clock, None)
            .await
            .unwrap();
        store
            .findings(&FindingFilter::default())
            .await
            .unwrap()
            .into_iter()
            .any(|f| f.kind == Kind::SiteUnreachable && f.resolved_on.is_none())
    };
    probe(0, 38).await;
    probe(2, 20).await;
    let clock = probe(1, 1).await;
    // 1 failed of 39 counted: a single failure is never a finding (and were the 20
    // blocked probes counted as failed, it would be).
    assert!(!unreachable(&clock).await);
    let clock = probe(1, 1).await;
    // 2 of 40 = 5%: opened. Were the blocked probes counted as passed, 2 of 60 would not.
    assert!(unreachable(&clock).await);
    let rows = store
        .probes_between(clock.now() - Duration::days(1), clock.now())
        .await
        .unwrap();
    assert_eq!(rows.len(), 60);
    assert_eq!(
        rows.iter().filter(|r| r.2.as_str() == "blocked").count(),
        20
    );
    assert_eq!(rows.iter().filter(|r| r.2.as_str() == "http").count(), 2);
    assert_eq!(server.hits_to("/").len(), 60, "a probe is never retried");
}

/// A home page with a dead link (mode 0), answering 500 (mode 1), or with the dead link
/// removed by the office (mode 2).
fn home_with_a_dead_link(mode: Arc<AtomicU8>) -> Router {
    Router::new()
        .route(
            "/",
            get(move || {
                let mode = mode.load(Ordering::SeqCst);
                async move {
                    match mode {
                        0 => {
                            html(r#"<a href="/good">好链接</a><a href="/gone">失效链接</a>"#.into())
                        }
                        1 => (StatusCode::INTERNAL_SERVER_ERROR, "error").into_response(),
                        _ => html(r#"<a href="/good">好链接</a>"#.into()),
                    }
                }
            }),
        )
        .route("/good", get(|| async { html("<p>正文</p>".into()) }))
        .route(
            "/col/news/",
            get(|| async {
                html("<ul><li><a href=\"/good\">动态</a> 2020-09-01</li></ul>".into())
            }),
        )
}

async fn a_broken_link_removed_from_its_pages_is_rectified(store: Store) {
    let mode = Arc::new(AtomicU8::new(0));
    let server = FixtureServer::with_router("127.0.0.1", home_with_a_dead_link(mode.clone())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, None);
    let settings = settings();
    let fetcher = fetcher(&settings, &catalog);
    let subject = format!("{SITE}|{base}/gone");
    let check = async |m: u8, day: NaiveDate| {
        mode.store(m, Ordering::SeqCst);
        let clock = clock_at(day, 0);
        let env = Env {
            store: &store,
            fetcher: &fetcher,
            catalog: &catalog,
            settings: &settings,
            clock: &clock,
        };
        cycle::run(env, &CycleOptions::default(), &|_| {})
            .await
            .unwrap();
        store
            .findings(&FindingFilter::default())
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.subject_key == subject)
            .map(|f| f.resolved_on)
    };
    let day1 = day();
    assert_eq!(check(0, day1).await, Some(None), "opened on the first day");
    // The page could not be read: nothing is known about the link, it stays open.
    assert_eq!(check(1, day1 + Duration::days(1)).await, Some(None));
    // The office removed the link from the only page it was on: rectified.
    let day3 = day1 + Duration::days(2);
    assert_eq!(check(2, day3).await, Some(Some(day3)));
}

/// A home page with a link in every form a browser follows or loads (fixture
/// `links_every_kind.html`, each to a missing `/gone/…`) and the ones left out (to
/// `/left-out/…`: a disabled stylesheet, a form's action, `canonical`, `preload`, a text
/// input's `src`), and a column page that is only a `<meta http-equiv=refresh>`.
fn every_kind_router() -> Router {
    let page = |name: &'static str| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pages")
            .join(name);
        let body = std::fs::read_to_string(path).unwrap();
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response() }
        })
    };
    Router::new()
        .route("/", page("links_every_kind.html"))
        .route("/col/news/", page("links_meta_refresh.html"))
        .route(
            "/images/grey.gif",
            get(|| async { ([(header::CONTENT_TYPE, "image/gif")], vec![0u8; 8]).into_response() }),
        )
        .route(
            "/left-out/{*rest}",
            get(|| async { html("<p>不应被请求</p>".into()) }),
        )
}

async fn every_link_a_browser_loads_is_checked_and_nothing_else(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", every_kind_router()).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, None);
    let settings = settings();
    let fetcher = fetcher(&settings, &catalog);
    let clock = clock_at(day(), 0);
    let report = cycle_on(&store, &fetcher, &catalog, &settings, day()).await;
    let broken: BTreeMap<String, String> = report
        .links
        .broken
        .iter()
        .map(|b| (b.url.replace(&base, ""), b.outcome.to_string()))
        .collect();
    let gone = [
        "style.css",
        "favicon.ico",
        "rss.xml",
        "banner.jpg",
        "logo.png",
        "icon.gif",
        "jquery.js",
        "body-bg.jpg",
        "anchor.html",
        "img.jpg",
        "img-2x.jpg",
        "img-3x.jpg",
        "pic-480.webp",
        "pic-800.webp",
        "pic.jpg",
        "lazy-original.jpg",
        "lazy-src.jpg",
        "lazy-lazy.jpg",
        "inline-style.jpg",
        "video.mp4",
        "poster.jpg",
        "video-source.mp4",
        "subtitles.vtt",
        "audio.mp3",
        "table-bg.gif",
        "td-bg.gif",
        "th-bg.gif",
        "search-button.gif",
        "frame.html",
        "portal/index.html",
    ];
    let mut want: BTreeMap<String, String> = gone
        .iter()
        .map(|g| (format!("/gone/{g}"), "http".to_string()))
        .collect();
    want.insert("https://example]org/x".into(), "malformed".into());
    want.insert("https;//www.example.gov.cn/".into(), "malformed".into());
    want.insert("zfb@example.gov.cn".into(), "missing_mailto".into());
    assert_eq!(broken, want);
    // What is left out is never requested; the placeholder image is fine.
    let left_out: Vec<String> = server
        .hits()
        .into_iter()
        .map(|h| h.path)
        .filter(|p| p.starts_with("/left-out/"))
        .collect();
    assert!(left_out.is_empty(), "{left_out:?}");
    assert_eq!(server.hits_to("/images/grey.gif").len(), 1);

    // Each is a 死链 finding; the unfollowable ones give their reason.
    let findings = store
        .findings(&FindingFilter {
            kind: Some(Kind::LinkBroken),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(findings.len(), want.len());
    let rows = govwatch::report::links::link_rows(&findings, "2020Q3".parse().unwrap(), &clock);
    let reason = |url: &str| {
        rows.iter()
            .find(|r| r.url == url)
            .map(|r| govwatch::report::links::error_zh(&r.outcome, r.status))
            .unwrap_or_else(|| panic!("{url} not in {rows:#?}"))
    };
    assert_eq!(reason("zfb@example.gov.cn"), "缺少mailto:");
    assert_eq!(reason("https://example]org/x"), "链接格式错误");
    assert_eq!(reason(&format!("{base}/gone/poster.jpg")), "页面不存在");
}

/// A column of 20 dated items, each item page with a link to a missing `/gone/N`.
fn twenty_items_router() -> Router {
    let list: String = (1..=20)
        .map(|n| {
            format!(r#"<li><a href="/art/{n}.html">第{n}篇</a><span>2020-08-{n:02}</span></li>"#)
        })
        .collect();
    Router::new()
        .route(
            "/",
            get(|| async { html(r#"<a href="/col/news/">工作动态</a>"#.into()) }),
        )
        .route(
            "/col/news/",
            get(move || {
                let list = list.clone();
                async move { html(format!(r#"<ul class="list">{list}</ul>"#)) }
            }),
        )
        .route(
            "/art/{page}",
            get(|UrlPath(page): UrlPath<String>| async move {
                let n = page.trim_end_matches(".html");
                html(format!(
                    r#"<h1>第{n}篇</h1><a href="/gone/{n}">相关链接</a>"#
                ))
            }),
        )
}

/// Beside the newest five item pages each cycle, the rotation reads the least recently
/// read older ones, ceil(15 / 4) a day with `full_every_days = 4`, so every page is read
/// within four days; after a gap, every page not read for four days is read at once.
async fn every_known_page_is_read_on_the_rotation(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", twenty_items_router()).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, None);
    let mut settings = settings();
    settings.links.full_every_days = 4;
    let fetcher = fetcher(&settings, &catalog);
    let run = |day: NaiveDate| cycle_on(&store, &fetcher, &catalog, &settings, day);
    // The pages the link stage has read (the crawl reads item pages too, for dates).
    let item_pages_read = || async {
        store
            .link_page_reads()
            .await
            .unwrap()
            .into_keys()
            .filter(|p| p.contains("/art/"))
            .collect::<BTreeSet<String>>()
    };
    let first = day();
    let report = run(first).await;
    assert_eq!(report.links.rotated, 4);
    assert_eq!(item_pages_read().await.len(), 9);
    for n in 1..4 {
        let report = run(first + Duration::days(n)).await;
        assert_eq!(report.links.rotated, 4, "day {n}");
    }
    assert_eq!(item_pages_read().await.len(), 20);
    // Every planted link is a finding, old pages' too.
    let broken = store
        .findings(&FindingFilter {
            kind: Some(Kind::LinkBroken),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(broken.len(), 20, "{broken:#?}");
    // Ten days later, every older page is due: all fifteen are read.
    let report = run(first + Duration::days(13)).await;
    assert_eq!(report.links.rotated, 15);
}

/// A site with pages no column lists: 办事指南 under a watched column's directory (a
/// dead link on it), an endless calendar (every day links the next two), a page whose
/// every link carries a new session id, and a directory robots.txt closes.
fn crawled_site_router() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async {
                html(
                    r#"<a href="/col/news/">工作动态</a><a href="/bszn/list/index.html">办事指南</a>
                    <a href="/bszn/list/special/guide.html">特别指南</a>
                    <a href="/cal/2020/1.html">日历</a>
                    <a href="/sess/page.jsp?sid=1">会话</a>
                    <a href="/private/x.html">内部</a>"#
                        .into(),
                )
            }),
        )
        .route(
            "/robots.txt",
            get(|| async { "User-agent: *\nDisallow: /private/\n" }),
        )
        .route(
            "/col/news/",
            get(|| async {
                html(r#"<ul class="list"><li><a href="/art/1.html">要闻</a><span>2020-09-10</span></li></ul>"#.into())
            }),
        )
        .route("/art/1.html", get(|| async { html("<h1>要闻</h1>".into()) }))
        .route(
            "/bszn/list/index.html",
            get(|| async {
                html(r#"<ul class="list"><li><a href="/bszn/list/a.html">指南一</a><span>2020-09-01</span></li></ul>"#.into())
            }),
        )
        .route("/bszn/list/a.html", get(|| async { html("<h1>指南一</h1>".into()) }))
        .route(
            "/bszn/list/special/guide.html",
            get(|| async { html(r#"<h1>特别指南</h1><a href="/gone/guide-form.html">申请表</a>"#.into()) }),
        )
        .route(
            "/cal/{year}/{day}",
            get(|UrlPath((year, day)): UrlPath<(u32, String)>| async move {
                let n: u32 = day.trim_end_matches(".html").parse().unwrap_or(1);
                html(format!(
                    r#"<a href="/cal/{year}/{}.html">次日</a><a href="/cal/{year}/{}.html">后日</a>"#,
                    n + 1,
                    n + 2
                ))
            }),
        )
        .route(
            "/sess/page.jsp",
            get(|uri: Uri| async move {
                let n: u32 = uri
                    .query()
                    .and_then(|q| q.strip_prefix("sid="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                html(format!(r#"<a href="/sess/page.jsp?sid={}">刷新</a>"#, n + 1))
            }),
        )
        .route("/private/x.html", get(|| async { html("<p>内部</p>".into()) }))
}

async fn the_site_crawl_checks_pages_no_column_lists_within_its_budgets(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", crawled_site_router()).await;
    let base = format!("http://{}", server.addr);
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\n\n[[unit]]\nname = \"县政务服务中心\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\ncrawl_site = true\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"工作动态\"\nurl = \"{base}/col/news/\"\nclass = \"news\"\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"办事指南\"\nurl = \"{base}/bszn/list/index.html\"\nunits = [\"县政务服务中心\"]\n"
    );
    let loaded = load_texts(&[(Path::new("crawl.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    let catalog = loaded.catalog;
    let mut settings = settings();
    settings.links.max_pages_per_prefix = 10;
    let fetcher = fetcher(&settings, &catalog);
    let report = cycle_on(&store, &fetcher, &catalog, &settings, day()).await;
    let read = store.link_page_reads().await.unwrap();
    let read_under = |prefix: &str| {
        read.keys()
            .filter(|p| p.starts_with(&format!("{base}{prefix}")))
            .count()
    };
    // The calendar stops at its prefix's budget; the session ids are one page; robots.txt
    // keeps the crawl out of /private/. (Links found on the last pages read are still
    // checked, once each, as links.)
    assert_eq!(read_under("/cal/2020/"), 10, "{read:#?}");
    assert_eq!(read_under("/sess/"), 1, "{read:#?}");
    assert_eq!(read_under("/private/"), 0, "{read:#?}");
    assert_eq!(read_under("/bszn/list/special/"), 1, "{read:#?}");
    assert_eq!(report.links.crawled, 12, "{read:#?}");
    assert!(report.links.crawl_refused > 0);
    // The page the crawl read is not fetched again for its link check.
    assert_eq!(server.hits_to("/bszn/list/special/guide.html").len(), 1);

    // The dead link on a page no column lists is found, and it is the unit's whose
    // column directory holds the page.
    let broken = store
        .findings(&FindingFilter {
            kind: Some(Kind::LinkBroken),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    let guide = broken
        .iter()
        .find(|f| f.subject_key.ends_with("/gone/guide-form.html"))
        .unwrap_or_else(|| panic!("{broken:#?}"));
    assert_eq!(guide.unit.as_deref(), Some("县政务服务中心"));
}
