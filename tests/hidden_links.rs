//! 暗链 and outside links on a fixture site (both databases): every hiding method in
//! `tests/fixtures/pages/hidden/` fires `link_hidden` on its page (inline styles, the
//! page's own `<style>` block, an ancestor hiding the link, same colour as the
//! background, a zero-size `<marquee>`); visible outside links, hidden links to the site
//! itself and white text on a dark background do not. A visible outside link whose page
//! (a second fixture server, another port) now sells gambling is `link_suspicious`; the
//! office's own news on a gambling case is never scanned with that list. Rewritten pages
//! and a cleaned outside page rectify them. The outside-link inventory lists the domain
//! with the pages linking to it. The 通报 lists both in 二、主要问题 (网站存在暗链,
//! 外链内容违规).

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::header;
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
use govwatch::report::{external, wording};
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;

on_both_databases_with_url!(hidden_and_suspicious_outside_links_are_found_and_rectified);

const SITE: &str = "示例县人民政府";

/// Column a (县财政局) and column b (the site's unit): (page, title, day).
const PAGES: [(&str, &str, u32); 10] = [
    ("display_none", "关于开展财政资金检查的通知", 10),
    ("visibility_hidden", "县政府召开常务会议", 9),
    ("font_size_zero", "县财政局2020年预算公开", 8),
    ("off_screen", "关于做好防汛工作的通知", 7),
    ("text_indent", "县农业农村局工作动态", 6),
    ("same_colour", "县卫健局疫情防控通告", 10),
    ("marquee", "县教育局招生公告", 9),
    ("style_block", "县住建局质量安全检查通报", 8),
    ("must_not_fire", "县政府网站友情链接", 7),
    ("own_gambling_news", "县公安局破获网络赌博案件", 6),
];

fn fixture(name: &str) -> String {
    std::fs::read_to_string(support::pages_dir().join(format!("hidden/{name}.html"))).unwrap()
}

fn html(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!("<html><head><title>示例县</title></head><body>{body}</body></html>"),
    )
        .into_response()
}

fn column(pages: &[(&str, &str, u32)]) -> String {
    let items: String = pages
        .iter()
        .map(|(name, title, day)| {
            format!(
                "<li><a href=\"/art/{name}.html\">{title}</a><span>2020-09-{day:02}</span></li>"
            )
        })
        .collect();
    format!("<ul class=\"list\">{items}</ul>")
}

fn site_router(outside: String, mode: Arc<AtomicU8>) -> Router {
    let home = format!(
        "<a href=\"/col/a/\">财政信息</a><a href=\"/col/b/\">通知公告</a>\
         <p>友情链接：<a href=\"{outside}/old-partner/\">某某网</a></p>"
    );
    let home_mode = mode.clone();
    Router::new()
        .route(
            "/",
            get(move || {
                // Mode 3: the office removed the link.
                let body = if home_mode.load(Ordering::SeqCst) == 3 {
                    "<a href=\"/col/a/\">财政信息</a><a href=\"/col/b/\">通知公告</a>".into()
                } else {
                    home.clone()
                };
                async move { html(body) }
            }),
        )
        .route("/col/a/", get(|| async { html(column(&PAGES[..5])) }))
        .route("/col/b/", get(|| async { html(column(&PAGES[5..])) }))
        .route(
            "/art/{page}",
            get(move |UrlPath(page): UrlPath<String>| {
                let name = page.trim_end_matches(".html").to_string();
                let fixed = mode.load(Ordering::SeqCst) == 1
                    && !matches!(name.as_str(), "must_not_fire" | "own_gambling_news");
                let body = if fixed {
                    "<h1>已整改</h1><p>正文。</p>".to_string()
                } else {
                    fixture(&name).replace("{OUTSIDE}", &outside)
                };
                async move { html(body) }
            }),
        )
}

fn outside_router(mode: Arc<AtomicU8>) -> Router {
    Router::new()
        .route(
            "/old-partner/",
            get(move || async move {
                if mode.load(Ordering::SeqCst) != 1 {
                    html(fixture("outside_gambling"))
                } else {
                    html("<h1>某某网</h1><p>本站已关闭。</p>".into())
                }
            }),
        )
        .route(
            "/{*rest}",
            get(|| async { html("<h1>外部网站</h1><p>欢迎访问。</p>".into()) }),
        )
}

fn catalog_text(base: &str) -> String {
    format!(
        "[[unit]]\nname = \"县政府办\"\nlevel = \"县级部门\"\n\n\
         [[unit]]\nname = \"县财政局\"\nlevel = \"县级部门\"\n\n\
         [[site]]\nname = \"{SITE}\"\nurl = \"{base}/\"\nunit = \"县政府办\"\nallow_private = [\"127.0.0.0/8\"]\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"财政信息\"\nurl = \"{base}/col/a/\"\nunits = [\"县财政局\"]\nclass = \"notice\"\n\n\
         [[column]]\nsite = \"{SITE}\"\nname = \"通知公告\"\nurl = \"{base}/col/b/\"\nclass = \"notice\"\n"
    )
}

fn catalog(base: &str) -> Catalog {
    let text = catalog_text(base);
    let loaded = load_texts(&[(Path::new("hidden.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

async fn hidden_and_suspicious_outside_links_are_found_and_rectified(url: String) {
    let store = Store::open(&url).await.unwrap();
    let mode = Arc::new(AtomicU8::new(0));
    let outside = FixtureServer::with_router("127.0.0.1", outside_router(mode.clone())).await;
    let outside_base = format!("http://{}", outside.addr);
    let server =
        FixtureServer::with_router("127.0.0.1", site_router(outside_base.clone(), mode.clone()))
            .await;
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
    let run = async |m: u8, day: NaiveDate| {
        mode.store(m, Ordering::SeqCst);
        let clock = Clock::new(start_of_day(day, Shanghai) + Duration::hours(10), Shanghai);
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
        all.retain(|f| {
            matches!(
                f.kind,
                Kind::LinkHidden | Kind::LinkSuspicious | Kind::ContentError
            )
        });
        all.sort_by(|a, b| (a.kind, &a.subject_key).cmp(&(b.kind, &b.subject_key)));
        all
    };

    let day1 = NaiveDate::from_ymd_opt(2020, 9, 15).unwrap();
    let report = run(0, day1).await;
    assert!(report.links.outside_scanned >= 1, "{:?}", report.links);
    let open = findings().await;
    let mut sentences: Vec<String> = open.iter().map(wording::sentence).collect();
    sentences.sort();
    let mut want: Vec<String> = PAGES[..8]
        .iter()
        .map(|(_, title, _)| {
            let unit = if PAGES[..5].iter().any(|p| p.1 == *title) {
                "县财政局"
            } else {
                "县政府办"
            };
            format!("{unit}网站《{title}》存在暗链：127.0.0.1（1处）")
        })
        .chain(["县政府办网站首页外链“某某网”指向的页面含赌博类内容".to_string()])
        .collect();
    want.sort();
    assert_eq!(sentences, want, "every hiding method, nothing else");
    let how: Vec<String> = open
        .iter()
        .filter_map(|f| match &f.evidence {
            Some(govwatch::observe::evidence::Evidence::LinkHidden(e)) => {
                Some(e.links[0].how.clone())
            }
            _ => None,
        })
        .collect();
    for method in [
        "display:none",
        "visibility:hidden",
        "字号为0",
        "定位至屏幕外",
        "缩进至屏幕外",
        "文字颜色与背景相同",
        "位于零尺寸滚动框内",
    ] {
        assert!(how.iter().any(|h| h == method), "{method}: {how:?}");
    }

    // The notice lists both in 二、主要问题, as it does content errors, and asks for
    // the links to be removed.
    let notice = notice_md(&url, &base, day1);
    let hidden = format!("县财政局网站《{}》存在暗链：127.0.0.1（1处）", PAGES[0].1);
    assert!(
        notice.contains("）网站存在暗链。") && notice.contains(&hidden),
        "{notice}"
    );
    assert!(
        notice.contains("）外链内容违规。县政府办网站首页外链“某某网”指向的页面含赌博类内容。"),
        "{notice}"
    );
    assert!(notice.contains("）加强网站安全防护。"), "{notice}");

    // The outside-link inventory: one outside host, with the pages linking to it.
    let ids = store.catalog_ids().await.unwrap();
    let key_of: std::collections::HashMap<i64, &String> =
        ids.sites.iter().map(|(k, id)| (*id, k)).collect();
    let rows = store
        .link_sources_since(start_of_day(day1, Shanghai))
        .await
        .unwrap();
    let sources: Vec<external::SourceSeen> = rows
        .iter()
        .map(|s| external::SourceSeen {
            link_url: &s.link_url,
            page_url: &s.page_url,
            site_key: s.site_id.and_then(|id| key_of.get(&id)).map(|k| k.as_str()),
            anchor: s.anchor.as_deref(),
            first_seen: day1,
            last_seen: day1,
        })
        .collect();
    let export = external::external_export(&catalog, &sources, "2020Q3".parse::<Period>().unwrap());
    assert_eq!(export.domains.len(), 1, "{:#?}", export.domains);
    let d = &export.domains[0];
    assert_eq!(d.domain, "127.0.0.1");
    assert_eq!((d.link_count, d.page_count), (12, 10), "{d:#?}");
    assert!(d.links.iter().all(|l| l.url.starts_with(&outside_base)));

    // Rewritten pages and a cleaned outside page: rectified.
    let day2 = day1 + Duration::days(1);
    run(1, day2).await;
    let after = findings().await;
    assert_eq!(after.len(), open.len());
    assert!(
        after.iter().all(|f| f.resolved_on == Some(day2)),
        "{:#?}",
        after
            .iter()
            .map(|f| (wording::sentence(f), f.resolved_on))
            .collect::<Vec<_>>()
    );

    // The outside page sells gambling again: a new episode; the office then removes the
    // link from its home page, and that rectifies it although the page is never read.
    let suspicious = async || {
        let mut all = store.findings(&FindingFilter::default()).await.unwrap();
        all.retain(|f| f.kind == Kind::LinkSuspicious);
        all.sort_by_key(|f| f.opened_on);
        all
    };
    let day3 = day2 + Duration::days(1);
    run(2, day3).await;
    let again = suspicious().await;
    assert_eq!(again.len(), 2);
    assert_eq!((again[1].opened_on, again[1].resolved_on), (day3, None));
    let day4 = day3 + Duration::days(1);
    run(3, day4).await;
    assert_eq!(
        suspicious().await[1].resolved_on,
        Some(day4),
        "the link removed"
    );
}

/// `govwatch report` (the 通报 draft, Markdown) for 2020Q3 as of `day`, by the real binary.
fn notice_md(url: &str, base: &str, day: NaiveDate) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(config.join("catalog/hidden.toml"), catalog_text(base)).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir.path())
        .args(["--database", url, "--now", &day.to_string()])
        .args(["report", "--period", "2020Q3", "--format", "md"])
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("run govwatch");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
