//! The end of a broken link's finding: rectified when the page carrying it is gone (404
//! on two reads), closed as 不再监测 — resolved, not 整改 — when no cycle reads its page
//! for twice `[links] full_every_days`; and the link stage's fetch attempts, written in
//! batches, all stored. Real fixture servers, both databases, simulated days.

#[macro_use]
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
use govwatch::detect::period::Period;
use govwatch::fetch::Fetcher;
use govwatch::notify::compose::Week;
use govwatch::observe::Resolution;
use govwatch::report;
use govwatch::store::{FindingFilter, FindingRecord, Store};
use support::FixtureServer;

on_both_databases!(
    a_dead_link_on_a_page_that_answers_404_twice_is_rectified,
    a_dead_link_on_a_page_no_longer_reached_closes_as_unwatched,
    every_fetch_attempt_of_the_link_stage_is_stored,
);

const SITE: &str = "示例县人民政府";

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>示例县</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

fn catalog(base: &str, crawl_site: bool) -> Catalog {
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\ncrawl_site = {crawl_site}\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"工作动态\"\nurl = \"{base}/col/news/\"\nunits = [\"县政府办\"]\nclass = \"news\"\n"
    );
    let loaded = load_texts(&[(Path::new("lifecycle.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn settings(full_every_days: u32) -> Settings {
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    settings.fetch.timeout_s = 1;
    settings.probe.timeout_s = 1;
    settings.links.full_every_days = full_every_days;
    settings
}

fn fetcher(settings: &Settings, catalog: &Catalog) -> Fetcher {
    Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap()
}

fn clock_on(day: NaiveDate) -> Clock {
    Clock::new(start_of_day(day, Shanghai) + Duration::hours(10), Shanghai)
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
    let clock = clock_on(day);
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

async fn finding(store: &Store, subject: &str) -> FindingRecord {
    let all = store.findings(&FindingFilter::default()).await.unwrap();
    all.iter()
        .find(|f| f.subject_key == subject)
        .cloned()
        .unwrap_or_else(|| panic!("no finding about {subject}: {all:#?}"))
}

/// A column listing one article whose page carries a dead link (mode 0), or answers 404
/// (mode 1: the office took the page down).
fn article_router(mode: Arc<AtomicU8>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { html(r#"<a href="/col/news/">工作动态</a>"#.into()) }),
        )
        .route(
            "/col/news/",
            get(|| async {
                html(r#"<ul class="list"><li><a href="/art/1.html">关于开展检查的通知</a><span>2020-09-01</span></li></ul>"#.into())
            }),
        )
        .route(
            "/art/1.html",
            get(move || {
                let mode = mode.load(Ordering::SeqCst);
                async move {
                    match mode {
                        0 => html(r#"<h1>关于开展检查的通知</h1><a href="/gone/form.doc">附件：报名表</a>"#.into()),
                        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
                    }
                }
            }),
        )
}

async fn a_dead_link_on_a_page_that_answers_404_twice_is_rectified(store: Store) {
    let mode = Arc::new(AtomicU8::new(0));
    let server = FixtureServer::with_router("127.0.0.1", article_router(mode.clone())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, false);
    let settings = settings(7);
    let fetcher = fetcher(&settings, &catalog);
    let subject = format!("{SITE}|{base}/gone/form.doc");
    let first = day();

    cycle_on(&store, &fetcher, &catalog, &settings, first).await;
    assert!(
        finding(&store, &subject).await.is_open(),
        "found on the first day"
    );

    // The page answers 404 once: it may be a mishap, the finding stays open.
    mode.store(1, Ordering::SeqCst);
    cycle_on(
        &store,
        &fetcher,
        &catalog,
        &settings,
        first + Duration::days(1),
    )
    .await;
    assert!(
        finding(&store, &subject).await.is_open(),
        "one 404 is not gone"
    );

    // Twice: the page is gone, and the dead link with it.
    let third = first + Duration::days(2);
    cycle_on(&store, &fetcher, &catalog, &settings, third).await;
    let f = finding(&store, &subject).await;
    assert_eq!(f.resolved_on, Some(third));
    assert_eq!(f.resolution, Some(Resolution::Rectified));
    assert_eq!(f.rectified_on(), Some(third));
    let rows = report::links::link_rows(&[f], Period::quarter_of(third), &clock_on(third));
    assert!(
        rows.iter().all(|r| r.rectified && !r.unwatched),
        "{rows:#?}"
    );
}

/// A home page linking (mode 0) or no longer linking (mode 1) to 办事指南, a page no
/// column lists that only the site crawl reaches, with a dead link on it.
fn guide_router(mode: Arc<AtomicU8>) -> Router {
    Router::new()
        .route(
            "/",
            get(move || {
                let mode = mode.load(Ordering::SeqCst);
                async move {
                    match mode {
                        0 => html(r#"<a href="/col/news/">工作动态</a><a href="/bszn/guide.html">办事指南</a>"#.into()),
                        _ => html(r#"<a href="/col/news/">工作动态</a>"#.into()),
                    }
                }
            }),
        )
        .route(
            "/col/news/",
            get(|| async {
                html(r#"<ul class="list"><li><a href="/art/1.html">动态</a><span>2020-09-01</span></li></ul>"#.into())
            }),
        )
        .route(
            "/art/1.html",
            get(|| async { html("<h1>动态</h1><p>正文</p>".into()) }),
        )
        .route(
            "/bszn/guide.html",
            get(|| async {
                html(r#"<h1>办事指南</h1><a href="/gone/guide-form.html">下载申请表</a>"#.into())
            }),
        )
}

async fn a_dead_link_on_a_page_no_longer_reached_closes_as_unwatched(store: Store) {
    let mode = Arc::new(AtomicU8::new(0));
    let server = FixtureServer::with_router("127.0.0.1", guide_router(mode.clone())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, true);
    // Every known page is read within two days; one not read for four is unwatched.
    let settings = settings(2);
    let fetcher = fetcher(&settings, &catalog);
    let subject = format!("{SITE}|{base}/gone/guide-form.html");
    let first = day();

    cycle_on(&store, &fetcher, &catalog, &settings, first).await;
    assert!(
        finding(&store, &subject).await.is_open(),
        "found by the site crawl"
    );

    // The home page no longer links the guide: the crawl does not reach it any more.
    mode.store(1, Ordering::SeqCst);
    for n in 1..4 {
        cycle_on(
            &store,
            &fetcher,
            &catalog,
            &settings,
            first + Duration::days(n),
        )
        .await;
        assert!(
            finding(&store, &subject).await.is_open(),
            "day {n}: not read for {n} days, still watched"
        );
    }
    assert_eq!(server.hits_to("/bszn/guide.html").len(), 1);
    let fifth = first + Duration::days(4);
    cycle_on(&store, &fetcher, &catalog, &settings, fifth).await;
    let f = finding(&store, &subject).await;
    assert_eq!(
        f.resolved_on,
        Some(fifth),
        "closed after 2 × full_every_days"
    );
    assert_eq!(f.resolution, Some(Resolution::Unwatched));
    assert!(f.is_unwatched());
    assert_eq!(f.rectified_on(), None, "不再监测 is not 整改");

    // Exports: the 死链清单 and the findings list say 不再监测, not 是, and give no 整改日期.
    let clock = clock_on(fifth);
    let quarter = Period::quarter_of(fifth);
    let all = store.findings(&FindingFilter::default()).await.unwrap();
    let rows = report::links::link_rows(&all, quarter, &clock);
    let row = rows
        .iter()
        .find(|r| r.url.ends_with("/gone/guide-form.html"))
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert!(
        !row.rectified && row.unwatched && row.resolved_on.is_none(),
        "{row:#?}"
    );
    let csv =
        String::from_utf8(report::csv::to_bytes(&report::links::table("死链", &rows))).unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("/gone/guide-form.html"))
        .unwrap();
    assert!(line.ends_with(",不再监测"), "{csv}");
    let found = report::findings::finding_rows(&all, quarter, &clock);
    let row = found.iter().find(|r| r.subject == subject).unwrap();
    assert!(
        !row.rectified && row.unwatched && row.resolved_on.is_none(),
        "{row:#?}"
    );
    let csv = String::from_utf8(report::csv::to_bytes(&report::findings::table(
        "问题", &found,
    )))
    .unwrap();
    assert!(csv.contains("不再监测"), "{csv}");

    // The notice's counts: a broken link, none rectified.
    let ours: Vec<_> = rows
        .iter()
        .filter(|r| r.url.ends_with("/gone/guide-form.html"))
        .cloned()
        .collect();
    let sentence = report::notice::broken_links_sentence(&ours, 3);
    assert!(sentence.contains("死链、错链问题1处"), "{sentence}");
    assert!(!sentence.contains("已整改"), "{sentence}");
    // The weekly email: neither open nor rectified.
    let week = Week::from_episodes(fifth, &all);
    assert!(week.open.iter().all(|f| f.subject_key != subject));
    assert!(week.resolved.iter().all(|f| f.subject_key != subject));
}

/// A home page with 700 links to working pages: more than one batch of attempts.
fn many_links_router() -> Router {
    let links: String = (0..700)
        .map(|n| format!(r#"<a href="/l/{n}.html">第{n}页</a>"#))
        .collect();
    Router::new()
        .route(
            "/",
            get(move || {
                let links = links.clone();
                async move { html(format!(r#"<a href="/col/news/">工作动态</a>{links}"#)) }
            }),
        )
        .route(
            "/col/news/",
            get(|| async {
                html(r#"<ul class="list"><li><a href="/l/0.html">动态</a><span>2020-09-01</span></li></ul>"#.into())
            }),
        )
        .route(
            "/l/{page}",
            get(|| async { html("<p>正文</p>".into()) }),
        )
}

async fn every_fetch_attempt_of_the_link_stage_is_stored(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", many_links_router()).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(&base, false);
    let settings = settings(7);
    let fetcher = fetcher(&settings, &catalog);
    let report = cycle_on(&store, &fetcher, &catalog, &settings, day()).await;
    assert!(report.links.checked >= 700, "{:#?}", report.links);
    // No redirects and no retries: one stored attempt per request the server answered.
    assert_eq!(
        store.fetch_attempt_count().await.unwrap(),
        server.hits().len() as i64
    );
    assert!(server.hits().len() > 700);
}
