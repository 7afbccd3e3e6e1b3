//! The office console in a real browser: headless Chromium driven through chromedriver
//! (WebDriver), against `govwatch serve` on the fixture county. An office user logs in
//! and reads 总览 and a finding; a unit clerk submits 整改反馈 and cannot open another
//! unit's finding; the site is fixed, the office asks for 二次检查, and the finding
//! shows 已整改 once that check confirms it.
//!
//! scripts/test.sh installs Debian's chromium and chromium-driver and starts chromedriver
//! (GOVWATCH_TEST_WEBDRIVER_URL). Without it the test is skipped, except under CI=true,
//! where it fails.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use fantoccini::{Client, ClientBuilder, Locator};
use govwatch::app::{App, Options};
use govwatch::clock::Clock;
use govwatch::console::auth;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::store::{Role, Store};
use support::{FixtureServer, county, wait_for};
use tokio::net::TcpListener;

fn write(path: &std::path::Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A browser session, or `None` (skipped) when no chromedriver runs outside CI.
async fn browser() -> Option<Client> {
    let Ok(url) = std::env::var("GOVWATCH_TEST_WEBDRIVER_URL") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and no chromedriver: run the tests with scripts/test.sh, which starts one \
             (GOVWATCH_TEST_WEBDRIVER_URL)"
        );
        eprintln!(
            "skipped: no chromedriver (GOVWATCH_TEST_WEBDRIVER_URL); scripts/test.sh starts one"
        );
        return None;
    };
    let profile = tempfile::tempdir().unwrap().keep();
    let mut args = vec![
        "--headless=new".to_string(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        args.push("--no-sandbox".into());
    }
    let mut options = serde_json::json!({ "args": args });
    if std::path::Path::new("/usr/bin/chromium").exists() {
        options["binary"] = "/usr/bin/chromium".into();
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    Some(
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .expect("a WebDriver session with chromedriver"),
    )
}

async fn click(b: &Client, css: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(b: &Client, css: &str, text: &str) {
    b.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

async fn log_in(b: &Client, base: &str, name: &str, password: &str) {
    b.goto(&format!("{base}/")).await.unwrap();
    // Without a session the console sends the browser to the login form.
    assert!(b.current_url().await.unwrap().path().starts_with("/login"));
    type_into(b, "input[name=name]", name).await;
    type_into(b, "input[name=password]", password).await;
    click(b, "section.login button[type=submit]").await;
    if let Err(e) = b.wait().for_element(Locator::Css("header.top")).await {
        let url = b
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        let page = b.source().await.unwrap_or_default();
        panic!("not logged in as {name} ({e}): at {url}: {page}");
    }
}

async fn log_out(b: &Client) {
    click(b, "header.top form button").await;
    b.wait()
        .for_element(Locator::Css("section.login"))
        .await
        .unwrap();
}

async fn text(b: &Client, css: &str) -> String {
    b.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn office_and_unit_work_a_finding_to_rectified_in_a_browser() {
    let Some(b) = browser().await else { return };
    // SAFETY: set before anything hashes a password.
    unsafe { std::env::set_var(auth::CHEAP_HASH_ENV, "1") };

    // The county, plus a column of 县公安局 that is down until the test fixes it.
    let broken = Arc::new(AtomicBool::new(true));
    let flag = broken.clone();
    let router = county::router().route(
        "/zatg/index.html",
        get(move || {
            let flag = flag.clone();
            async move {
                if flag.load(Ordering::SeqCst) {
                    (StatusCode::NOT_FOUND, "not found").into_response()
                } else {
                    Html("<html><body><ul class=\"list\"><li><a href=\"/zatg/1.html\">关于冬季防火的通告</a><span>2026-11-20</span></li></ul></body></html>")
                        .into_response()
                }
            }
        }),
    );
    let server = FixtureServer::with_router("127.0.0.1", router).await;
    let site = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    // Cycles only when asked (a yearly schedule that never comes due in the test).
    write(
        &config.join("govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
         [schedule]\ncrawl = \"0 0 0 1 1 *\"\n",
    );
    write(
        &config.join("catalog/county.toml"),
        &(county::catalog(&site)
            + &format!(
                "[[column]]\nsite = \"示例县人民政府\"\nname = \"治安通告\"\nurl = \"{site}/zatg/index.html\"\nunits = [\"县公安局\"]\nclass = \"other\"\n"
            )),
    );
    let db = tmp.path().join("govwatch.db");
    let url = format!("sqlite://{}", db.display());
    let options = Options {
        config_dir: config,
        database: Some(url.clone()),
        now: None,
    };

    // Two cycles before the console starts: the column fails twice, so it is 无法访问.
    let app = App::new(&options).unwrap();
    let loaded = app.catalog().unwrap();
    let store = Store::open(&url).await.unwrap();
    let fetcher = app.fetcher(&loaded.catalog).unwrap();
    for minutes_back in [10, 0] {
        let clock = Clock::new(
            chrono::Utc::now() - chrono::Duration::minutes(minutes_back),
            app.clock.tz(),
        );
        cycle::run(
            Env {
                store: &store,
                fetcher: &fetcher,
                catalog: &loaded.catalog,
                settings: &app.settings,
                clock: &clock,
            },
            &CycleOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
    }
    let findings = store.findings(&Default::default()).await.unwrap();
    let down = findings
        .iter()
        .find(|f| {
            f.kind == govwatch::observe::kind::Kind::ColumnUnreachable
                && f.subject_key.ends_with("/zatg/index.html")
                && f.resolved_at.is_none()
        })
        .unwrap_or_else(|| panic!("the down column's finding among {findings:#?}"))
        .id;
    let elsewhere = findings
        .iter()
        .find(|f| {
            f.unit
                .as_deref()
                .is_some_and(|u| !u.split('、').any(|u| u == "县公安局"))
        })
        .expect("a finding of another unit")
        .id;
    for (name, role, unit) in [
        ("office1", Role::Office, None),
        ("clerk", Role::Unit, Some("县公安局")),
    ] {
        store
            .add_user(
                name,
                role,
                unit,
                &auth::hash_password("secret-pass-1").unwrap(),
                chrono::Utc::now(),
            )
            .await
            .unwrap();
    }

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let daemon = tokio::spawn(govwatch::serve::run(
        App::new(&options).unwrap(),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    wait_for("the console", 30, async || {
        healthz(&base).await.map_err(|e| e.to_string())
    })
    .await;

    // The office: 总览, then the finding from 问题列表.
    log_in(&b, &base, "office1", "secret-pass-1").await;
    assert!(text(&b, "main h1").await.starts_with("总览"));
    let overview = text(&b, "main").await;
    assert!(overview.contains("栏目无法访问"), "{overview}");
    assert!(overview.contains("县公安局"), "{overview}");
    b.find(Locator::LinkText("问题列表"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css(&format!("a[href='/findings/{down}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("p.sentence"))
        .await
        .unwrap();
    let sentence = text(&b, "p.sentence").await;
    assert!(sentence.contains("治安通告"), "{sentence}");
    assert_eq!(text(&b, "td.status-open").await, "未整改");
    log_out(&b).await;

    // The clerk of 县公安局: 整改反馈 on their finding; another unit's is not there.
    log_in(&b, &base, "clerk", "secret-pass-1").await;
    b.goto(&format!("{base}/findings/{elsewhere}"))
        .await
        .unwrap();
    assert_eq!(text(&b, "main h1").await, "页面不存在");
    b.goto(&format!("{base}/findings/{down}")).await.unwrap();
    type_into(&b, "form#feedback textarea", "栏目页面已恢复").await;
    click(&b, "form#feedback button").await;
    b.wait()
        .for_element(Locator::Css("table.actions"))
        .await
        .unwrap();
    let actions = text(&b, "table.actions").await;
    assert!(
        actions.contains("整改反馈")
            && actions.contains("栏目页面已恢复")
            && actions.contains("clerk"),
        "{actions}"
    );
    // A unit's word is not a fix: the finding stays open until a check confirms it.
    assert_eq!(text(&b, "td.status-open").await, "未整改");
    log_out(&b).await;

    // The site is fixed; the office asks for 二次检查 at once, and the check closes it.
    broken.store(false, Ordering::SeqCst);
    log_in(&b, &base, "office1", "secret-pass-1").await;
    b.goto(&format!("{base}/findings/{down}")).await.unwrap();
    click(&b, "form#recheck button").await;
    b.wait()
        .for_element(Locator::Css("table.actions"))
        .await
        .unwrap();
    assert!(text(&b, "table.actions").await.contains("申请二次检查"));
    let mut status = String::new();
    for _ in 0..120 {
        b.goto(&format!("{base}/findings/{down}")).await.unwrap();
        status = text(&b, "table.facts").await;
        if status.contains("已整改") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(status.contains("已整改"), "after the recheck: {status}");

    b.close().await.unwrap();
    let _ = stop.send(());
    daemon.await.unwrap().unwrap();
    store.close().await;
}

/// A plain GET of /healthz: the daemon answers.
async fn healthz(base: &str) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await?;
    s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    if buf.starts_with(b"HTTP/1.0 200") || buf.starts_with(b"HTTP/1.1 200") {
        Ok(())
    } else {
        Err(std::io::Error::other(
            String::from_utf8_lossy(&buf).into_owned(),
        ))
    }
}
