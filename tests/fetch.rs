//! The fetcher against local fixture servers: every failure class, retries, charsets,
//! conditional requests, TLS exceptions, static DNS and per-host politeness.
//! Nothing leaves 127.0.0.0/8: URLs use IP literals or names in `[fetch.resolve]`.

mod support;

use std::time::Duration;

use govwatch::catalog::SiteFetch;
use govwatch::config::FetchSettings;
use govwatch::fetch::{
    CharsetSource, FailureClass, FetchResult, FetchSummary, Fetcher, Purpose, Request,
    TlsProblemKind,
};
use govwatch::store::FetchAttempt;
use support::{FixtureServer, NEWS_ZH, TestPki, fast_retries, fetch_settings, site};
use url::Url;

fn fetcher(settings: &FetchSettings) -> Fetcher {
    Fetcher::builder(settings, &[])
        .retry_policy(fast_retries(settings.retries))
        .build()
        .unwrap()
}

async fn get(fetcher: &Fetcher, url: Url) -> FetchResult {
    fetcher.fetch(Request::get(url, Purpose::Column)).await
}

fn class(result: &FetchResult) -> Option<FailureClass> {
    result.failure().map(|f| f.class)
}

#[tokio::test]
async fn a_page_is_fetched_once_with_a_telling_user_agent() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings());
    let r = f
        .fetch(Request::get(server.url("/ok"), Purpose::Home).subject("某某县人民政府"))
        .await;
    let page = r.page().expect("a page");
    assert_eq!(page.status, 200);
    assert!(page.text().text.contains("政府网站首页"));
    assert_eq!(r.attempts.len(), 1);
    assert_eq!(r.attempts[0].outcome().as_str(), "ok");

    let hits = server.hits_to("/ok");
    assert_eq!(hits.len(), 1);
    let ua = hits[0].header("user-agent").unwrap();
    assert!(ua.starts_with("govwatch/"), "{ua}");
    assert!(
        ua.contains(env!("CARGO_PKG_VERSION")) && ua.contains("gongkai@example.gov.cn"),
        "{ua}"
    );
    assert_eq!(f.user_agent(), ua);

    let row = FetchAttempt::from(&r.attempts[0]);
    assert_eq!(row.host, server.host());
    assert_eq!((row.purpose.as_str(), row.outcome.as_str()), ("home", "ok"));
    assert_eq!(row.subject_key.as_deref(), Some("某某县人民政府"));
    assert_eq!(row.status, Some(200));
    assert_eq!(row.charset.as_deref(), Some("UTF-8"));
    assert_eq!(row.charset_source.as_deref(), Some("header"));
    assert!(row.bytes.unwrap() > 0);
}

#[tokio::test]
async fn a_head_request_reads_no_body() {
    let server = FixtureServer::start().await;
    let r = fetcher(&fetch_settings())
        .fetch(Request::head(server.url("/ok"), Purpose::Link))
        .await;
    let page = r.page().unwrap();
    assert!(page.body.is_empty());
    assert_eq!(server.hits_to("/ok")[0].method, "HEAD");
}

#[tokio::test]
async fn static_dns_resolves_listed_names_and_refuses_others() {
    let server = FixtureServer::start().await;
    let mut settings = fetch_settings();
    settings
        .resolve
        .insert("www.county.gov.cn".into(), "127.0.0.1".into());
    let f = fetcher(&settings);

    let ok = get(&f, server.url_as("www.county.gov.cn", "/ok")).await;
    assert!(ok.page().is_some(), "{:?}", ok.failure());
    assert_eq!(
        ok.attempts[0].host,
        format!("www.county.gov.cn:{}", server.addr.port())
    );

    let r = get(&f, server.url_as("unknown.gov.cn", "/ok")).await;
    assert_eq!(class(&r), Some(FailureClass::Dns));
    assert!(r.failure().unwrap().detail.contains("unknown.gov.cn"));
    assert_eq!(r.attempts.len(), 1, "dns failures are not retried");
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_connect_and_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let f = fetcher(&fetch_settings());
    let r = get(
        &f,
        Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
    )
    .await;
    assert_eq!(class(&r), Some(FailureClass::Connect), "{:?}", r.failure());
    assert_eq!(r.attempts.len(), 3, "retries = 2");
    assert!(r.attempts.iter().all(|a| a.outcome().as_str() == "connect"));
}

#[tokio::test]
async fn a_reset_connection_is_connect() {
    let (addr, log, task) = support::spawn_reset_server("127.0.0.1").await;
    let mut settings = fetch_settings();
    settings.retries = 0;
    let r = get(
        &fetcher(&settings),
        Url::parse(&format!("http://{addr}/reset")).unwrap(),
    )
    .await;
    assert_eq!(class(&r), Some(FailureClass::Connect), "{:?}", r.failure());
    assert_eq!(log.all().len(), 1);
    task.abort();
}

#[tokio::test]
async fn slow_answers_and_slowloris_time_out_without_retries() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings());
    let short = Duration::from_millis(400);

    let r = f
        .fetch(Request::get(server.url("/slow/3000"), Purpose::Probe).timeout(short))
        .await;
    assert_eq!(class(&r), Some(FailureClass::Timeout));
    assert_eq!(r.attempts.len(), 1);

    let r = f
        .fetch(
            Request::get(server.url("/slowloris"), Purpose::Column)
                .timeout(Duration::from_millis(1500)),
        )
        .await;
    assert_eq!(class(&r), Some(FailureClass::Timeout));
    assert_eq!(server.hits_to("/slowloris").len(), 1);
}

#[tokio::test]
async fn error_statuses_are_http_failures() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings());
    for (code, tries) in [(404, 1), (403, 1), (410, 1), (503, 3)] {
        let r = get(&f, server.url(&format!("/status/{code}"))).await;
        let failure = r.failure().unwrap();
        assert_eq!(
            (failure.class, failure.status),
            (FailureClass::Http, Some(code))
        );
        assert_eq!(r.attempts.len(), tries, "{code}");
    }
    let row = FetchAttempt::from(&get(&f, server.url("/status/404")).await.attempts[0]);
    assert_eq!((row.outcome.as_str(), row.status), ("http", Some(404)));
}

#[tokio::test]
async fn a_500_then_success_is_one_successful_fetch() {
    let server = FixtureServer::start().await;
    let r = get(&fetcher(&fetch_settings()), server.url("/flaky/2/a")).await;
    assert!(r.page().is_some(), "{:?}", r.failure());
    let outcomes: Vec<_> = r
        .attempts
        .iter()
        .map(|a| (a.outcome().as_str(), a.status))
        .collect();
    assert_eq!(
        outcomes,
        [("http", Some(500)), ("http", Some(500)), ("ok", Some(200))]
    );
    assert_eq!(server.hits_to("/flaky/2/a").len(), 3);
}

#[tokio::test]
async fn a_probe_is_not_retried() {
    let server = FixtureServer::start().await;
    let r = fetcher(&fetch_settings())
        .fetch(Request::get(server.url("/flaky/1/probe"), Purpose::Probe).no_retry())
        .await;
    assert_eq!(r.failure().unwrap().status, Some(500));
    assert_eq!(server.hits().len(), 1);
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = FixtureServer::start().await;
    let r = get(&fetcher(&fetch_settings()), server.url("/retry-after/1/a")).await;
    assert!(r.page().is_some(), "{:?}", r.failure());
    assert_eq!(r.attempts[0].status, Some(429));
    let hits = server.hits_to("/retry-after/1/a");
    assert_eq!(hits.len(), 2);
    let waited = hits[1].at - hits[0].at;
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
}

#[tokio::test]
async fn retry_after_as_a_date_is_honoured() {
    let server = FixtureServer::start().await;
    let r = get(
        &fetcher(&fetch_settings()),
        server.url("/retry-after-date/2/a"),
    )
    .await;
    assert!(r.page().is_some(), "{:?}", r.failure());
    let hits = server.hits_to("/retry-after-date/2/a");
    assert_eq!(hits.len(), 2);
    // An HTTP date has whole seconds: "now + 2 s" is between 1 and 2 s away.
    let waited = hits[1].at - hits[0].at;
    assert!(waited >= Duration::from_millis(900), "waited {waited:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_ends_the_retries() {
    let server = FixtureServer::start().await;
    let r = get(
        &fetcher(&fetch_settings()),
        server.url("/retry-after/3600/a"),
    )
    .await;
    let failure = r.failure().unwrap();
    assert_eq!(
        (failure.class, failure.status),
        (FailureClass::Http, Some(429))
    );
    assert_eq!(failure.retry_after, Some(Duration::from_secs(3600)));
    assert!(failure.detail.contains("3600"), "{}", failure.detail);
    assert_eq!(r.attempts.len(), 1);
}

#[tokio::test]
async fn oversized_endless_and_bomb_bodies_stop_at_the_limit() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings()); // max_body_mb = 1
    for path in [
        "/large/2000000",
        "/large-chunked/2000000",
        "/endless",
        "/gzip-bomb",
    ] {
        let r = get(&f, server.url(path)).await;
        assert_eq!(
            class(&r),
            Some(FailureClass::TooLarge),
            "{path}: {:?}",
            r.failure()
        );
        assert_eq!(r.attempts.len(), 1, "{path}");
    }
    let r = get(&f, server.url("/large/900000")).await;
    assert_eq!(r.page().unwrap().body.len(), 900_000);
}

#[tokio::test]
async fn a_broken_gzip_body_is_a_decode_failure() {
    let server = FixtureServer::start().await;
    let r = get(&fetcher(&fetch_settings()), server.url("/gzip-broken")).await;
    assert_eq!(class(&r), Some(FailureClass::Decode), "{:?}", r.failure());
    assert_eq!(r.attempts.len(), 1);
}

#[tokio::test]
async fn redirect_chains_are_followed_and_loops_detected() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings()); // max_redirects = 5

    let r = get(&f, server.url("/redirect/3")).await;
    let page = r.page().expect("the end of the chain");
    assert_eq!(page.final_url, server.url("/redirect/0"));
    assert_eq!(page.redirects.len(), 3);
    assert!(
        r.attempts[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("redirected to")
    );

    let r = get(&f, server.url("/loop/a")).await;
    let failure = r.failure().unwrap();
    assert_eq!(failure.class, FailureClass::RedirectLoop);
    assert!(
        failure.detail.starts_with("redirect loop"),
        "{}",
        failure.detail
    );
    assert_eq!(
        server.hits_to("/loop/a").len(),
        1,
        "each URL of the loop is asked once"
    );

    let r = get(&f, server.url("/redirect/9")).await;
    let failure = r.failure().unwrap();
    assert_eq!(failure.class, FailureClass::RedirectLoop);
    assert!(
        failure.detail.starts_with("more than 5 redirects"),
        "{}",
        failure.detail
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_waits_for_that_hosts_turn() {
    let a = FixtureServer::start_on("127.0.0.2").await;
    let b = FixtureServer::start_on("127.0.0.3").await;
    let f = fetcher(&fetch_settings());
    let target = b.url("/ok");
    let r = get(&f, a.url(&format!("/redirect-to?to={target}"))).await;
    assert_eq!(r.page().unwrap().final_url, target);
    assert_eq!(b.hits_to("/ok").len(), 1);
}

#[tokio::test]
async fn anti_bot_challenges_are_blocked_not_down() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings());
    let mut results = Vec::new();
    for status in [412, 403, 200, 521] {
        let r = get(&f, server.url(&format!("/challenge/{status}"))).await;
        let failure = r
            .failure()
            .unwrap_or_else(|| panic!("{status} is a challenge"));
        assert_eq!(
            (failure.class, failure.status),
            (FailureClass::Blocked, Some(status))
        );
        assert_eq!(r.attempts.len(), 1, "a challenge is not retried");
        results.push(r);
    }
    let plain_403 = get(&f, server.url("/status/403")).await;
    assert_eq!(class(&plain_403), Some(FailureClass::Http));
    let soft_404 = get(&f, server.url("/soft404")).await;
    assert!(soft_404.page().unwrap().text().text.contains("页面不存在"));
    results.push(plain_403);
    results.push(soft_404);

    let summary = FetchSummary::of(&results);
    assert_eq!(
        summary.blocked_hosts.iter().collect::<Vec<_>>(),
        [&server.host()]
    );
    assert_eq!(summary.outcomes.get("blocked"), Some(&4));
    let advice = summary.allowance_request(f.user_agent()).unwrap();
    assert!(
        advice.contains(&server.host()) && advice.contains("govwatch/"),
        "{advice}"
    );
}

#[tokio::test]
async fn charsets_are_read_right_even_when_the_header_lies() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings());
    for (path, source) in [
        ("/charset/gbk", CharsetSource::Header),
        ("/charset/lying-header", CharsetSource::Meta),
        ("/charset/lying-header-no-meta", CharsetSource::Detected),
        ("/charset/meta-only", CharsetSource::Meta),
        ("/charset/utf8", CharsetSource::Header),
    ] {
        let r = get(&f, server.url(path)).await;
        let page = r.page().unwrap();
        let decoded = page.text();
        assert!(decoded.text.contains(NEWS_ZH), "{path}: {}", decoded.text);
        assert!(!decoded.malformed, "{path}");
        assert_eq!(decoded.source, source, "{path}");
        let expected = if path.ends_with("utf8") {
            "UTF-8"
        } else {
            "GBK"
        };
        assert_eq!(decoded.charset_name(), expected, "{path}");
        assert_eq!(r.attempts[0].charset, Some(expected), "{path}");
        assert_eq!(r.attempts[0].charset_source, Some(source), "{path}");
    }
}

#[tokio::test]
async fn conditional_requests_give_not_modified() {
    let server = FixtureServer::start().await;
    let f = fetcher(&fetch_settings());
    let first = get(&f, server.url("/etag")).await;
    let page = first.page().unwrap();
    assert!(!page.not_modified);
    assert!(page.etag.is_some() && page.last_modified.is_some());

    let again = f
        .fetch(Request::get(server.url("/etag"), Purpose::Column).validators(page.validators()))
        .await;
    let page = again.page().unwrap();
    assert!(page.not_modified);
    assert_eq!(page.status, 304);
    assert!(page.body.is_empty());
    assert_eq!(again.attempts[0].detail.as_deref(), Some("not modified"));
    let hit = &server.hits_to("/etag")[1];
    assert_eq!(hit.header("if-none-match"), Some("\"govwatch-v1\""));
    assert!(hit.header("if-modified-since").is_some());
}

async fn tls_fetch(
    cert: &support::ServerCert,
    pki: &TestPki,
    accept: bool,
) -> (FetchResult, FixtureServer) {
    let server = FixtureServer::with_tls("127.0.0.1", support::fixture_routes(), cert).await;
    let mut settings = fetch_settings();
    settings
        .resolve
        .insert("www.county.gov.cn".into(), "127.0.0.1".into());
    let url = server.url_as("www.county.gov.cn", "/ok");
    let sites = [site(
        "某某县人民政府",
        &url,
        SiteFetch {
            accept_invalid_certs: accept,
            ..SiteFetch::default()
        },
    )];
    let f = Fetcher::builder(&settings, &sites)
        .add_root_certificate(pki.ca_der())
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    (get(&f, url).await, server)
}

#[tokio::test]
async fn tls_problems_are_classified() {
    let pki = TestPki::new();
    let name = "www.county.gov.cn";

    let (r, server) = tls_fetch(&pki.server_cert(&[name]), &pki, false).await;
    let page = r.page().unwrap_or_else(|| panic!("{:?}", r.failure()));
    assert_eq!(page.tls_problem, None);
    assert_eq!(server.hits().len(), 1);

    for (cert, kind) in [
        (pki.expired_cert(&[name]), TlsProblemKind::Expired),
        (
            pki.server_cert(&["other.gov.cn"]),
            TlsProblemKind::NameMismatch,
        ),
        (
            TestPki::self_signed_cert(&[name]),
            TlsProblemKind::SelfSigned,
        ),
    ] {
        let (r, server) = tls_fetch(&cert, &pki, false).await;
        let failure = r.failure().unwrap();
        assert_eq!(failure.class, FailureClass::Tls(kind), "{failure}");
        assert!(
            failure.detail.starts_with(kind.as_str()),
            "{}",
            failure.detail
        );
        assert_eq!(r.attempts.len(), 1, "tls failures are not retried");
        assert_eq!(FetchAttempt::from(&r.attempts[0]).outcome.as_str(), "tls");
        assert!(server.hits().is_empty());
    }
}

#[tokio::test]
async fn accept_invalid_certs_fetches_and_records_the_problem() {
    let pki = TestPki::new();
    for (cert, kind) in [
        (
            TestPki::self_signed_cert(&["www.county.gov.cn"]),
            TlsProblemKind::SelfSigned,
        ),
        (
            pki.expired_cert(&["www.county.gov.cn"]),
            TlsProblemKind::Expired,
        ),
    ] {
        let (r, server) = tls_fetch(&cert, &pki, true).await;
        let page = r.page().unwrap_or_else(|| panic!("{:?}", r.failure()));
        assert_eq!(page.tls_problem.as_ref().map(|p| p.kind), Some(kind));
        let detail = r.attempts[0].detail.as_deref().unwrap();
        assert!(detail.contains("invalid certificate accepted"), "{detail}");
        assert_eq!(server.hits().len(), 1);
    }
}

#[tokio::test]
async fn unsupported_urls_are_not_fetched() {
    let f = fetcher(&fetch_settings());
    let r = get(&f, Url::parse("mailto:gongkai@example.gov.cn").unwrap()).await;
    assert_eq!(class(&r), Some(FailureClass::Unsupported));
    assert!(r.attempts.is_empty());
}

/// Two hosts at once: each keeps its own concurrency and interval, and neither waits
/// for the other. Asserted from the servers' arrival logs, with generous margins.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn politeness_holds_per_host_while_hosts_run_in_parallel() {
    let a = FixtureServer::start_on("127.0.0.2").await;
    let b = FixtureServer::start_on("127.0.0.3").await;
    let mut settings = fetch_settings();
    settings.per_host_concurrency = 2;
    settings.per_host_interval_ms = 100;
    // Host b is a site that asks for one request at a time, 300 ms apart.
    let sites = [site(
        "b",
        &b.url("/"),
        SiteFetch {
            per_host_concurrency: Some(1),
            per_host_interval_ms: Some(300),
            ..SiteFetch::default()
        },
    )];
    let f = Fetcher::builder(&settings, &sites)
        .retry_policy(fast_retries(0))
        .build()
        .unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (f, url) = (f.clone(), a.url(&format!("/slow/500?i={i}")));
        tasks.spawn(async move { f.fetch(Request::get(url, Purpose::Link)).await });
    }
    for i in 0..4 {
        let (f, url) = (f.clone(), b.url(&format!("/slow/50?i={i}")));
        tasks.spawn(async move { f.fetch(Request::get(url, Purpose::Link)).await });
    }
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        assert!(r.page().is_some(), "{:?}", r.failure());
    }

    let mut a_hits = a.hits();
    let mut b_hits = b.hits();
    a_hits.sort_by_key(|h| h.at);
    b_hits.sort_by_key(|h| h.at);
    assert_eq!((a_hits.len(), b_hits.len()), (6, 4));
    assert!(
        a.max_in_flight() <= 2,
        "a had {} in flight",
        a.max_in_flight()
    );
    assert_eq!(b.max_in_flight(), 1);
    let margin = Duration::from_millis(30);
    for pair in a_hits.windows(2) {
        assert!(pair[1].at - pair[0].at >= Duration::from_millis(100) - margin);
    }
    // With two in flight and 500 ms each, the third request waits for the first.
    for triple in a_hits.windows(3) {
        assert!(triple[2].at - triple[0].at >= Duration::from_millis(500) - margin);
    }
    for pair in b_hits.windows(2) {
        assert!(pair[1].at - pair[0].at >= Duration::from_millis(300) - margin);
    }
    // In parallel: b was served while a was still busy, not after it.
    assert!(
        b_hits[0].at < a_hits[5].at && b_hits[3].at < a_hits[5].at + Duration::from_millis(600)
    );
}
