//! Crawling columns that fail in every way government sites fail: each failure is
//! classified and stored with the crawl, blocked hosts are named apart from broken
//! ones, and the columns that work are still crawled.

mod support;

use std::collections::HashMap;
use std::path::Path;

use chrono_tz::Asia::Shanghai;
use govwatch::catalog::load_texts;
use govwatch::clock::Clock;
use govwatch::config::Settings;
use govwatch::cycle::Env;
use govwatch::cycle::crawl::{self, CrawlFilter};
use govwatch::fetch::Fetcher;
use govwatch::store::Store;
use support::{FixtureServer, TestPki, fixture_routes};

on_both_databases!(
    every_failure_is_classified_and_the_rest_still_runs,
    an_unchanged_list_page_is_asked_for_conditionally_and_not_read_again,
);

async fn every_failure_is_classified_and_the_rest_still_runs(store: Store) {
    let http = FixtureServer::start().await;
    let tls = FixtureServer::with_tls(
        "127.0.0.1",
        fixture_routes(),
        &TestPki::self_signed_cert(&["localhost"]),
    )
    .await;
    let columns = [
        (
            "正常栏目",
            http.url("/pages/list_ul_span_date_after.html"),
            "ok",
        ),
        ("拦截栏目", http.url("/challenge/412"), "blocked"),
        ("循环栏目", http.url("/loop/a"), "redirect_loop"),
        ("超时栏目", http.url("/slow/3000"), "timeout"),
        ("错误栏目", http.url("/status/500"), "http"),
        ("超大栏目", http.url("/large/3000000"), "too_large"),
        ("压缩栏目", http.url("/gzip-broken"), "decode"),
        ("证书栏目", tls.url("/ok"), "tls"),
        (
            "拒绝栏目",
            "http://127.0.0.1:1/index.html".parse().unwrap(),
            "connect",
        ),
        (
            "域名栏目",
            format!(
                "http://nowhere.example.gov.cn:{}/index.html",
                http.addr.port()
            )
            .parse()
            .unwrap(),
            "dns",
        ),
    ];
    let mut text = String::from(
        "[[unit]]\nname = \"县政府办\"\n[[site]]\nname = \"某县人民政府\"\nunit = \"县政府办\"\n",
    );
    text.push_str(&format!("url = \"{}\"\n", http.url("/")));
    for (name, url, _) in &columns {
        text.push_str(&format!(
            "[[column]]\nsite = \"某县人民政府\"\nname = \"{name}\"\nurl = \"{url}\"\n"
        ));
    }
    let catalog = load_texts(&[(Path::new("c.toml"), text.as_str())])
        .unwrap()
        .catalog;
    assert_eq!(catalog.columns.len(), columns.len());
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    settings.fetch.timeout_s = 1;
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(1))
        .build()
        .unwrap();
    let clock = Clock::parse("2023-10-20", Shanghai).unwrap();
    store.sync_catalog(&catalog, clock.now()).await.unwrap();
    let ids = store.catalog_ids().await.unwrap();
    let env = Env {
        store: &store,
        fetcher: &fetcher,
        catalog: &catalog,
        settings: &settings,
        clock: &clock,
    };
    let report = crawl::run(env, &ids, &CrawlFilter::default(), &|_| {})
        .await
        .unwrap();

    let outcome: HashMap<&str, Option<&str>> = report
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c.failure.as_deref()))
        .collect();
    let crawls = store.recent_column_crawls(1, clock.now()).await.unwrap();
    for (name, url, expected) in &columns {
        let got = outcome[name].unwrap_or("ok");
        assert_eq!(got, *expected, "{name} {url}");
        let stored = &crawls[&ids.columns[url.as_str()]][0];
        assert_eq!(stored.outcome.as_str(), *expected, "{name} stored");
    }
    let ok = report
        .columns
        .iter()
        .find(|c| c.column == "正常栏目")
        .unwrap();
    assert!(ok.items_found > 0 && ok.failure.is_none());
    assert_eq!(
        report.blocked_hosts,
        vec![http.host()],
        "blocked is named apart"
    );
    let errors = crawls[&ids.columns[http.url("/status/500").as_str()]][0].status;
    assert_eq!(errors, Some(500));
}

async fn an_unchanged_list_page_is_asked_for_conditionally_and_not_read_again(store: Store) {
    let http = FixtureServer::start().await;
    let text = format!(
        "[[unit]]\nname = \"县政府办\"\n[[site]]\nname = \"某县人民政府\"\nunit = \"县政府办\"\nurl = \"{}\"\n\
         [[column]]\nsite = \"某县人民政府\"\nname = \"通知公告\"\nurl = \"{}\"\n",
        http.url("/"),
        http.url("/etag")
    );
    let catalog = load_texts(&[(Path::new("c.toml"), text.as_str())])
        .unwrap()
        .catalog;
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::new(&settings.fetch, &catalog.sites).unwrap();
    let clock = Clock::parse("2023-10-20", Shanghai).unwrap();
    store.sync_catalog(&catalog, clock.now()).await.unwrap();
    let ids = store.catalog_ids().await.unwrap();
    let env = Env {
        store: &store,
        fetcher: &fetcher,
        catalog: &catalog,
        settings: &settings,
        clock: &clock,
    };
    let filter = CrawlFilter::default();
    crawl::run(env, &ids, &filter, &|_| {}).await.unwrap();
    let later = Clock::parse("2023-10-21", Shanghai).unwrap();
    let env = Env {
        clock: &later,
        ..env
    };
    let second = crawl::run(env, &ids, &filter, &|_| {}).await.unwrap();
    let hits = http.hits_to("/etag");
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].header("if-none-match"), None);
    assert_eq!(hits[1].header("if-none-match"), Some("\"govwatch-v1\""));
    let column = &second.columns[0];
    assert_eq!(
        (column.failure.as_deref(), column.pages),
        (None, 1),
        "{column:?}"
    );
    let crawls = store.recent_column_crawls(2, later.now()).await.unwrap();
    let id = ids.columns[http.url("/etag").as_str()];
    assert_eq!(crawls[&id].len(), 2);
    assert_eq!(
        crawls[&id][0].outcome.as_str(),
        "ok",
        "an unchanged page is a successful read"
    );
}
