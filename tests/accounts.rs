//! New-media accounts end to end: a fixture county built like seed 003 (苍溪县 2020 Q1),
//! its accounts read through every source kind (Weibo's mobile JSON, a WeChat backend's
//! article list, RSS, Atom, JSON Feed, an HTML page) from fixture servers that serve the
//! posts published up to the replayed day. The cycle is replayed on the office's working
//! days (Monday to Friday from 2020-01-06, paused over the Spring Festival 01-24..02-06)
//! and the problem-account list reproduces the seed's sentences with their detection
//! days, the zombies, the duplicate and the pass rate (29 / 41). A broken source becomes
//! account_unreachable, an expired WeChat login is an operator problem, not a finding.
//! On the command line: `import listing` then `check` opens account_unregistered, which
//! is rectified when the account is registered or leaves the listing, and `check`
//! prints the accounts with a problem. With `[thresholds] account_weekly_minimum` on, a
//! Weibo account whose weeks held only reposts gets account_weekly_minimum for each week
//! since watching began, resolved once a week with an original has ended; a feed (which
//! does not tell originals) never does. Platform reads book their starts in the store,
//! which every worker on the database shares.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Datelike, Days, NaiveDate, TimeZone, Weekday};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, end_of_day, start_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::detect::period::Period;
use govwatch::fetch::Fetcher;
use govwatch::report::accounts::{
    AccountsExport, account_export, account_status_rows, pass_rate_zh,
};
use govwatch::report::wording;
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;

on_both_databases!(
    a_quarter_replayed_like_seed_003_gives_its_problem_account_list,
    a_broken_source_is_unreachable_and_an_expired_login_is_told_once,
    a_week_of_reposts_only_misses_the_weekly_minimum_when_enabled,
    platform_reads_book_their_starts_in_the_store,
);

const TOKEN: &str = "tok-4711";
const COOKIE: &str = "slave_sid=secret-cookie";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Posts every `step` days, the last exactly on `to`.
fn every(from: NaiveDate, to: NaiveDate, step: u64) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut day = to;
    while day >= from {
        out.push(day);
        day = day - Days::new(step);
    }
    out
}

fn runs(parts: &[(NaiveDate, NaiveDate)]) -> Vec<NaiveDate> {
    parts.iter().flat_map(|(f, t)| every(*f, *t, 3)).collect()
}

/// The replayed day and every account's post days, by the id its source asks with.
#[derive(Default)]
struct Fixture {
    today: Mutex<NaiveDate>,
    posts: HashMap<String, Vec<NaiveDate>>,
    /// Posts that Weibo serves as reposts (with `retweeted_status`): (uid, day).
    reposts: Mutex<HashSet<(String, NaiveDate)>>,
}

type Shared = Arc<Fixture>;

impl Fixture {
    /// Posts published up to the replayed day (and two days beyond: a platform clock
    /// ahead of govwatch's must not hide a silence), newest first.
    fn visible(&self, id: &str) -> Vec<NaiveDate> {
        let today = *self.today.lock().unwrap();
        let mut days: Vec<NaiveDate> = self
            .posts
            .get(id)
            .into_iter()
            .flatten()
            .filter(|d| **d <= today + Days::new(2))
            .copied()
            .collect();
        days.sort_by(|a, b| b.cmp(a));
        days.truncate(10);
        days
    }
}

fn at_nine(day: NaiveDate) -> chrono::DateTime<chrono_tz::Tz> {
    Shanghai
        .with_ymd_and_hms(day.year(), day.month(), day.day(), 9, 0, 0)
        .unwrap()
}

fn query(uri: &Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn typed(content_type: &'static str, body: String) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

async fn weibo(State(f): State<Shared>, uri: Uri) -> Response {
    let uid = query(&uri).remove("value").unwrap_or_default();
    let cards: Vec<serde_json::Value> = f
        .visible(&uid)
        .iter()
        .map(|day| {
            let mut mblog = serde_json::json!({
                "created_at": at_nine(*day).format("%a %b %d %H:%M:%S %z %Y").to_string(),
                "id": format!("{uid}{}", day.format("%Y%m%d")),
                "text": format!("工作动态 {day}"),
            });
            if f.reposts.lock().unwrap().contains(&(uid.clone(), *day)) {
                mblog["text"] = format!("转发微博 {day}").into();
                mblog["retweeted_status"] =
                    serde_json::json!({"id": format!("9{}", day.format("%Y%m%d")), "text": "原文"});
            }
            serde_json::json!({"card_type": 9, "mblog": mblog})
        })
        .collect();
    typed(
        "application/json",
        serde_json::json!({"ok": 1, "data": {"cards": cards}}).to_string(),
    )
}

async fn wechat(State(f): State<Shared>, uri: Uri) -> Response {
    let q = query(&uri);
    if q.get("token").map(String::as_str) != Some(TOKEN) {
        return typed(
            "application/json",
            r#"{"base_resp":{"ret":200003,"err_msg":"invalid session"}}"#.into(),
        );
    }
    let fakeid = q.get("fakeid").cloned().unwrap_or_default();
    let list: Vec<serde_json::Value> = f
        .visible(&fakeid)
        .iter()
        .map(|day| {
            let t = at_nine(*day).timestamp();
            serde_json::json!({
                "aid": format!("{fakeid}_{t}"), "appmsgid": t, "itemidx": 1,
                "title": format!("工作动态 {day}"),
                "link": format!("http://mp.weixin.qq.com/s?__biz={fakeid}&mid={t}"),
                "create_time": t, "update_time": t,
            })
        })
        .collect();
    typed(
        "application/json",
        serde_json::json!({"base_resp": {"ret": 0, "err_msg": "ok"}, "app_msg_list": list})
            .to_string(),
    )
}

async fn rss(State(f): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    let items: String = f
        .visible(&name)
        .iter()
        .map(|day| {
            format!(
                "<item><title>动态 {day}</title><link>https://rss.example.org/{name}/{day}</link><pubDate>{}</pubDate></item>",
                at_nine(*day).to_rfc2822()
            )
        })
        .collect();
    typed(
        "application/rss+xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>"#
        ),
    )
}

async fn atom(State(f): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    let entries: String = f
        .visible(&name)
        .iter()
        .map(|day| {
            let t = at_nine(*day).to_rfc3339();
            format!(
                r#"<entry><id>urn:{name}:{day}</id><title>动态 {day}</title><link href="https://atom.example.org/{name}/{day}"/><published>{t}</published><updated>{t}</updated></entry>"#
            )
        })
        .collect();
    typed(
        "application/atom+xml",
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>urn:{name}</id><title>{name}</title><updated>2020-01-01T00:00:00+08:00</updated>{entries}</feed>"#
        ),
    )
}

async fn json_feed(State(f): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    let items: Vec<serde_json::Value> = f
        .visible(&name)
        .iter()
        .map(|day| {
            serde_json::json!({"id": format!("{name}-{day}"), "url": format!("https://json.example.org/{name}/{day}"),
                "title": format!("动态 {day}"), "date_published": at_nine(*day).to_rfc3339()})
        })
        .collect();
    typed(
        "application/feed+json",
        serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": name, "items": items})
            .to_string(),
    )
}

async fn page(State(f): State<Shared>, UrlPath(name): UrlPath<String>) -> Response {
    let items: String = f
        .visible(&name)
        .iter()
        .map(|day| {
            format!(
                r#"<li><a href="/html/{name}/{day}.html">动态 {day}</a><span class="date">{day}</span></li>"#
            )
        })
        .collect();
    typed(
        "text/html; charset=utf-8",
        format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>{name}</title></head><body><ul class="posts">{items}</ul></body></html>"#
        ),
    )
}

fn router(fixture: Shared) -> Router {
    Router::new()
        .route("/weibo/api/container/getIndex", get(weibo))
        .route("/wechat/cgi-bin/appmsg", get(wechat))
        .route("/feed/rss/{name}", get(rss))
        .route("/feed/atom/{name}", get(atom))
        .route("/feed/json/{name}", get(json_feed))
        .route("/html/{name}", get(page))
        .route(
            "/broken/{name}",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "bridge down") }),
        )
        .with_state(fixture)
}

/// One account of the fixture: catalog fields, its source, and its post days.
struct FixtureAccount {
    name: &'static str,
    unit: &'static str,
    platform: &'static str,
    /// `weibo:UID`, `wechat:FAKEID`, `rss:NAME`, `atom:NAME`, `json:NAME`, `html:NAME`.
    source: String,
    posts: Vec<NaiveDate>,
}

fn source_toml(source: &str, base: &str) -> String {
    let (kind, id) = source.split_once(':').unwrap();
    match kind {
        "weibo" => format!(r#"{{ kind = "weibo", uid = "{id}" }}"#),
        "wechat" => format!(r#"{{ kind = "wechat_mp", fakeid = "{id}" }}"#),
        "html" => format!(
            r#"{{ kind = "html", url = "{base}/html/{id}", select = {{ item = "ul.posts li", title = "a", link = "a", date = "span.date" }} }}"#
        ),
        "broken" => format!(r#"{{ kind = "feed", url = "{base}/broken/{id}" }}"#),
        feed => format!(r#"{{ kind = "feed", url = "{base}/feed/{feed}/{id}" }}"#),
    }
}

fn catalog(units: &[(&str, &str)], accounts: &[FixtureAccount], base: &str) -> Catalog {
    let mut text = String::new();
    for (unit, level) in units {
        text.push_str(&format!(
            "[[unit]]\nname = \"{unit}\"\nlevel = \"{level}\"\n\n"
        ));
    }
    for a in accounts {
        text.push_str(&format!(
            "[[account]]\nname = \"{}\"\nunit = \"{}\"\nplatform = \"{}\"\nsource = {}\n",
            a.name,
            a.unit,
            a.platform,
            source_toml(&a.source, base)
        ));
        // The well-run accounts each have their own 开设主体 (no duplicates among them).
        if a.name.starts_with("苍溪教科") {
            text.push_str(&format!("operator = \"{}主办\"\n", a.name));
        }
        text.push('\n');
    }
    let loaded = load_texts(&[(Path::new("cangxi.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn settings(base: &str, token: &str) -> Settings {
    let mut settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    settings.sources.weibo.base_url = Some(format!("{base}/weibo"));
    settings.sources.weibo.min_interval_s = Some(0);
    let wechat = &mut settings.sources.wechat_mp;
    wechat.base_url = Some(format!("{base}/wechat"));
    wechat.min_interval_s = Some(0);
    wechat.token = Some(token.to_string().into());
    wechat.cookie = Some(COOKIE.to_string().into());
    settings
}

fn clock(day: NaiveDate) -> Clock {
    Clock::new(
        end_of_day(day, Shanghai) - chrono::Duration::hours(14),
        Shanghai,
    )
}

async fn cycle_on(
    store: &Store,
    fetcher: &Fetcher,
    catalog: &Catalog,
    settings: &Settings,
    day: NaiveDate,
) -> cycle::CycleReport {
    cycle::run(
        Env {
            store,
            fetcher,
            catalog,
            settings,
            clock: &clock(day),
        },
        &CycleOptions::default(),
        &|_| {},
    )
    .await
    .unwrap()
}

/// The office's check days: Monday to Friday, paused over the Spring Festival.
fn working_days(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .filter(|day| !(d(2020, 1, 24) <= *day && *day <= d(2020, 2, 6)))
        .collect()
}

struct Setup {
    server: FixtureServer,
    catalog: Catalog,
    settings: Settings,
    fetcher: Fetcher,
    fixture: Shared,
}

async fn setup(units: &[(&str, &str)], accounts: Vec<FixtureAccount>, token: &str) -> Setup {
    let fixture = Arc::new(Fixture {
        today: Mutex::new(d(2020, 1, 6)),
        posts: accounts
            .iter()
            .map(|a| {
                (
                    a.source.split_once(':').unwrap().1.to_string(),
                    a.posts.clone(),
                )
            })
            .collect(),
        ..Default::default()
    });
    let server = FixtureServer::with_router("127.0.0.1", router(fixture.clone())).await;
    let base = format!("http://{}", server.addr);
    let catalog = catalog(units, &accounts, &base);
    let settings = settings(&base, token);
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    Setup {
        server,
        catalog,
        settings,
        fetcher,
        fixture,
    }
}

const UNITS: [(&str, &str); 12] = [
    ("三川镇人民政府", "乡镇"),
    ("高坡镇人民政府", "乡镇"),
    ("县公安局", "县级部门"),
    ("县市场监管局", "县级部门"),
    ("黄猫乡人民政府", "乡镇"),
    ("运山镇人民政府", "乡镇"),
    ("双河乡人民政府", "乡镇"),
    ("五龙镇人民政府", "乡镇"),
    ("县商务经合局", "县级部门"),
    ("县财政局", "县级部门"),
    ("县交运局", "县级部门"),
    ("县教科局", "县级部门"),
];

fn seed_003_accounts() -> Vec<FixtureAccount> {
    let a = |name, unit, platform, source: &str, posts| FixtureAccount {
        name,
        unit,
        platform,
        source: source.to_string(),
        posts,
    };
    let start = d(2019, 11, 1);
    let end = d(2020, 3, 31);
    let gaopo = runs(&[
        (start, d(2019, 12, 25)),
        (d(2020, 1, 13), d(2020, 2, 20)),
        (d(2020, 3, 10), end),
    ]);
    let mut accounts = vec![
        a(
            "苍溪县三川镇",
            "三川镇人民政府",
            "weibo",
            "weibo:1000000001",
            runs(&[(start, d(2020, 2, 11)), (d(2020, 3, 2), end)]),
        ),
        a(
            "苍溪县高坡镇",
            "高坡镇人民政府",
            "weibo",
            "weibo:1000000002",
            gaopo.clone(),
        ),
        a(
            "梨乡禁毒",
            "县公安局",
            "weibo",
            "weibo:1000000003",
            runs(&[(start, d(2020, 2, 15)), (d(2020, 3, 5), end)]),
        ),
        a(
            "苍溪市监",
            "县市场监管局",
            "weibo",
            "weibo:1000000004",
            runs(&[(start, d(2020, 2, 25)), (d(2020, 3, 20), end)]),
        ),
        a(
            "苍溪县高坡镇人民政府",
            "高坡镇人民政府",
            "wechat",
            "wechat:MzGaopo==",
            gaopo,
        ),
        a(
            "神韵黄猫",
            "黄猫乡人民政府",
            "wechat",
            "rss:huangmao",
            runs(&[
                (start, d(2019, 12, 26)),
                (d(2020, 1, 13), d(2020, 2, 20)),
                (d(2020, 3, 10), end),
            ]),
        ),
        a(
            "醉美运山",
            "运山镇人民政府",
            "wechat",
            "atom:yunshan",
            runs(&[
                (start, d(2019, 12, 20)),
                (d(2020, 1, 8), d(2020, 2, 21)),
                (d(2020, 3, 10), end),
            ]),
        ),
        a(
            "双河政事",
            "双河乡人民政府",
            "wechat",
            "wechat:MzShuanghe1==",
            runs(&[(start, end)]),
        ),
        a(
            "苍溪县双河乡人民政府",
            "双河乡人民政府",
            "wechat",
            "wechat:MzShuanghe2==",
            runs(&[(start, end)]),
        ),
        a(
            "微五龙",
            "五龙镇人民政府",
            "wechat",
            "rss:wulong",
            runs(&[(start, d(2020, 2, 25)), (d(2020, 3, 20), end)]),
        ),
        a(
            "投资苍溪",
            "县商务经合局",
            "wechat",
            "json:touzi",
            runs(&[
                (start, d(2019, 12, 23)),
                (d(2020, 1, 8), d(2020, 1, 16)),
                (d(2020, 2, 10), end),
            ]),
        ),
        a(
            "苍溪财政",
            "县财政局",
            "wechat",
            "html:caizheng",
            runs(&[
                (start, d(2020, 1, 6)),
                (d(2020, 1, 22), d(2020, 2, 10)),
                (d(2020, 3, 2), end),
            ]),
        ),
        a(
            "苍溪交通",
            "县交运局",
            "wechat",
            "wechat:MzJiaotong==",
            every(d(2018, 12, 1), d(2019, 2, 28), 7),
        ),
        a(
            "苍溪县公路路政管理所",
            "县交运局",
            "wechat",
            "wechat:MzLuzheng==",
            every(d(2018, 12, 1), d(2019, 1, 28), 7),
        ),
    ];
    // 29 accounts running well (平安苍溪, 苍溪教科 …), each its own 开设主体.
    for i in 1..=29 {
        accounts.push(FixtureAccount {
            name: Box::leak(format!("苍溪教科{i}").into_boxed_str()),
            unit: "县教科局",
            platform: if i % 2 == 0 { "weibo" } else { "wechat" },
            source: format!("rss:good{i}"),
            posts: every(start, end, 4),
        });
    }
    accounts
}

fn rows(export: &AccountsExport) -> Vec<[String; 6]> {
    export.accounts.iter().map(|r| r.cells(" ")).collect()
}

async fn a_quarter_replayed_like_seed_003_gives_its_problem_account_list(store: Store) {
    let s = setup(&UNITS, seed_003_accounts(), TOKEN).await;
    let days = working_days(d(2020, 1, 6), d(2020, 3, 31));
    for day in &days {
        *s.fixture.today.lock().unwrap() = *day;
        let report = cycle_on(&store, &s.fetcher, &s.catalog, &s.settings, *day).await;
        let failed: Vec<_> = report
            .accounts
            .accounts
            .iter()
            .filter(|o| o.failure.is_some())
            .collect();
        assert!(failed.is_empty(), "{day}: {failed:#?}");
    }
    let findings = store.findings(&FindingFilter::default()).await.unwrap();
    let q1: Period = "2020Q1".parse().unwrap();
    let read = store
        .accounts_read_between(
            start_of_day(q1.start(), Shanghai),
            end_of_day(q1.end(), Shanghai),
        )
        .await
        .unwrap();
    let export = account_export(&s.catalog, &findings, q1, d(2020, 4, 16), &read);
    let row = |cat: &str, name: &str, unit: &str, level: &str, problems: &str, ok: &str| {
        [cat, name, unit, level, problems, ok].map(str::to_string)
    };
    let (wb, wx) = ("政务微博", "政务微信");
    let dup = "同一平台开设多个政务新媒体账号";
    let gaopo = "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日 3月6日监测到超过两周未更新内容，最新更新时间为2月20日";
    let expected = vec![
        row(
            wb,
            "苍溪县三川镇",
            "三川镇人民政府",
            "乡镇",
            "2月26日监测到超过两周未更新内容，最新更新时间为2月11日",
            "是",
        ),
        row(wb, "苍溪县高坡镇", "高坡镇人民政府", "乡镇", gaopo, "是"),
        row(
            wb,
            "梨乡禁毒",
            "县公安局",
            "县级部门",
            "3月2日监测到超过两周未更新内容，最新更新时间为2月15日",
            "是",
        ),
        row(
            wb,
            "苍溪市监",
            "县市场监管局",
            "县级部门",
            "3月11日监测到超过两周未更新内容，最新更新时间为2月25日",
            "是",
        ),
        row(
            wx,
            "苍溪县高坡镇人民政府",
            "高坡镇人民政府",
            "乡镇",
            gaopo,
            "是",
        ),
        row(
            wx,
            "神韵黄猫",
            "黄猫乡人民政府",
            "乡镇",
            "1月10日监测到超过两周未更新内容，最新更新时间为2019年12月26日 3月6日监测到超过两周未更新内容，最新更新时间为2月20日",
            "是",
        ),
        row(
            wx,
            "醉美运山",
            "运山镇人民政府",
            "乡镇",
            "1月6日监测到超过两周未更新内容，最新更新时间为2019年12月20日 3月9日监测到超过两周未更新内容，最新更新时间为2月21日",
            "是",
        ),
        row(wx, "双河政事", "双河乡人民政府", "乡镇", dup, "否"),
        row(
            wx,
            "苍溪县双河乡人民政府",
            "双河乡人民政府",
            "乡镇",
            dup,
            "否",
        ),
        row(
            wx,
            "微五龙",
            "五龙镇人民政府",
            "乡镇",
            "3月11日监测到超过两周未更新内容，最新更新时间为2月25日",
            "是",
        ),
        row(
            wx,
            "投资苍溪",
            "县商务经合局",
            "县级部门",
            "1月7日监测到超过两周未更新内容，最新更新时间为2019年12月23日 2月7日监测到超过两周未更新内容，最新更新时间为1月16日",
            "是",
        ),
        row(
            wx,
            "苍溪财政",
            "县财政局",
            "县级部门",
            "1月21日监测到超过两周未更新内容，最新更新时间为1月6日 2月25日监测到超过两周未更新内容，最新更新时间为2月10日",
            "是",
        ),
        row(
            wx,
            "苍溪交通",
            "县交运局",
            "县级部门",
            "1月6日监测到为“僵尸”账号，最新更新时间为2019年2月28日",
            "否",
        ),
        row(
            wx,
            "苍溪县公路路政管理所",
            "县交运局",
            "县级部门",
            "1月6日监测到为“僵尸”账号，最新更新时间为2019年1月28日",
            "否",
        ),
    ];
    let got = rows(&export);
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!(g, e);
    }
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    assert_eq!((export.watched, export.passed), (41, 29));
    assert_eq!(export.pass_rate, 0.707);
    assert_eq!(pass_rate_zh(export.pass_rate), "总体合格率为70.7%");
    assert_eq!(export.running, 41);
    assert_eq!(export.pass_rate_note(), "总体合格率为70.7%");
    // An account not read in the period is not watched: with no reads, only the
    // accounts with a finding count, and none of them passes.
    let unread = account_export(&s.catalog, &findings, q1, d(2020, 4, 16), &HashSet::new());
    assert_eq!((unread.running, unread.watched, unread.passed), (41, 12, 0));
    assert_eq!(
        unread.pass_rate_note(),
        "正常运行的政务新媒体41个，期内监测12个，总体合格率为0.0%"
    );
    let json = serde_json::to_value(&export).unwrap();
    assert_eq!(json["period"], "2020Q1");
    assert_eq!(json["accounts"][1]["platform"], "weibo");
    assert_eq!(json["accounts"][1]["problems"].as_array().unwrap().len(), 2);
    assert_eq!(json["accounts"][12]["rectified"], false);

    // A silence the office dismissed as a false alarm (误报) leaves the list and the pass
    // rate: 微五龙 passes, 30 of 41; undismissed, it is back.
    let wulong = findings
        .iter()
        .find(|f| {
            f.evidence
                .as_ref()
                .and_then(|e| e.account())
                .is_some_and(|(a, _)| a == "微五龙")
        })
        .unwrap()
        .id;
    let at = end_of_day(d(2020, 4, 16), Shanghai);
    store
        .dismiss_finding(wulong, "已报备停更", "张三", at)
        .await
        .unwrap();
    let dismissed = store.findings(&FindingFilter::default()).await.unwrap();
    let export = account_export(&s.catalog, &dismissed, q1, d(2020, 4, 16), &read);
    assert_eq!((export.watched, export.passed), (41, 30));
    assert_eq!(export.pass_rate_note(), "总体合格率为73.2%");
    assert!(!rows(&export).iter().any(|r| r[1] == "微五龙"));
    store.undismiss_finding(wulong, "张三", at).await.unwrap();
    let back = store.findings(&FindingFilter::default()).await.unwrap();
    let export = account_export(&s.catalog, &back, q1, d(2020, 4, 16), &read);
    assert_eq!((export.watched, export.passed), (41, 29));

    // The WeChat backend got the cookie; the token never reached the store.
    let hit = s
        .server
        .hits()
        .into_iter()
        .find(|h| h.path.starts_with("/wechat/"))
        .unwrap();
    assert_eq!(hit.header("cookie"), Some(COOKIE));
    let key = s.catalog.accounts[4].key();
    let attempts = store.recent_attempts(&key, 5).await.unwrap();
    assert!(!attempts.is_empty());
    assert!(
        attempts
            .iter()
            .all(|a| !a.url.contains(TOKEN) && a.url.contains("token=***")),
        "{attempts:#?}"
    );

    // `govwatch accounts` on the last day: the zombies are 僵尸, the others run normally.
    let ids = store.catalog_ids().await.unwrap();
    let last = clock(d(2020, 3, 31));
    let post_days: HashMap<String, Vec<NaiveDate>> = store
        .post_times()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|(id, times)| {
            let key = ids.accounts.iter().find(|(_, v)| **v == id)?.0.clone();
            Some((key, times.into_iter().map(|t| last.day_of(t)).collect()))
        })
        .collect();
    let open: HashSet<(Kind, String)> = store
        .findings_open_on(d(2020, 3, 31))
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.kind, f.subject_key))
        .collect();
    let states = account_status_rows(&s.catalog, &post_days, &open, d(2020, 3, 31));
    let jiaotong = states.iter().find(|r| r.account == "苍溪交通").unwrap();
    assert_eq!(
        (jiaotong.status, jiaotong.last_post, jiaotong.days_silent),
        ("僵尸", Some(d(2019, 2, 28)), Some(397))
    );
    assert_eq!(states.iter().filter(|r| r.status == "正常运行").count(), 41);

    // A rerun of the last day adds nothing.
    let before = findings.len();
    cycle_on(&store, &s.fetcher, &s.catalog, &s.settings, d(2020, 3, 31)).await;
    let after = store.findings(&FindingFilter::default()).await.unwrap();
    assert_eq!(after.len(), before);
}

async fn a_broken_source_is_unreachable_and_an_expired_login_is_told_once(store: Store) {
    let posts = every(d(2019, 11, 1), d(2020, 3, 31), 3);
    let accounts = vec![
        FixtureAccount {
            name: "梨乡禁毒",
            unit: "县公安局",
            platform: "weibo",
            source: "broken:lixiang".into(),
            posts: posts.clone(),
        },
        FixtureAccount {
            name: "苍溪县高坡镇人民政府",
            unit: "高坡镇人民政府",
            platform: "wechat",
            source: "wechat:MzGaopo==".into(),
            posts,
        },
    ];
    let s = setup(&UNITS, accounts, "expired-token").await;
    for (i, day) in working_days(d(2020, 1, 6), d(2020, 1, 8))
        .into_iter()
        .enumerate()
    {
        *s.fixture.today.lock().unwrap() = day;
        let report = cycle_on(&store, &s.fetcher, &s.catalog, &s.settings, day).await;
        let outcomes: Vec<Option<&str>> = report
            .accounts
            .accounts
            .iter()
            .map(|o| o.failure.map(|f| f.as_str()))
            .collect();
        assert_eq!(outcomes.len(), 2);
        assert!(outcomes.contains(&Some("expired_credentials")));
        assert!(outcomes.contains(&Some("http")), "{outcomes:?}");
        // Told on the first check only.
        assert_eq!(report.accounts.newly_expired.len(), usize::from(i == 0));
    }
    let findings = store.findings(&FindingFilter::default()).await.unwrap();
    let sentences: Vec<String> = findings.iter().map(wording::sentence).collect();
    let seen: Vec<(&str, &str, NaiveDate)> = findings
        .iter()
        .zip(&sentences)
        .map(|(f, s)| (f.kind.code(), s.as_str(), f.opened_on))
        .collect();
    // Two consecutive failures: unreachable on the second day; the expired login is no
    // finding about the account.
    assert_eq!(
        seen,
        [(
            "account_unreachable",
            "1月7日监测到账号无法访问",
            d(2020, 1, 7)
        )]
    );
    let problems = store.credential_problems().await.unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].account, "苍溪县高坡镇人民政府");
    assert_eq!(problems[0].outcome.as_str(), "expired_credentials");
    assert!(
        !problems[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("expired-token")
    );
}

/// `govwatch import listing`, `check`, `findings` and the exports on the real binary,
/// against `db`: a listed account that the catalog does not have is unregistered until
/// it is registered (or leaves a newer import of the listing); `check` counts the
/// accounts and lists only those with a problem.
async fn unregistered_accounts_from_the_command_line(db: support::db::TestDb) {
    let fixture = Arc::new(Fixture {
        today: Mutex::new(d(2020, 1, 10)),
        posts: HashMap::from([
            ("fabu".to_string(), vec![d(2020, 1, 3)]),
            ("jiuhao".to_string(), vec![d(2019, 12, 1)]),
            ("MzWeibin==".to_string(), vec![d(2020, 1, 2)]),
        ]),
        ..Default::default()
    });
    let server = FixtureServer::with_router("127.0.0.1", router(fixture)).await;
    let base = format!("http://{}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let catalog_dir = dir.path().join("config/catalog");
    std::fs::create_dir_all(&catalog_dir).unwrap();
    std::fs::write(
        dir.path().join("config/govwatch.toml"),
        format!(
            "[fetch]\nper_host_interval_ms = 0\ndns = \"static\"\nretries = 0\n\n\
             [sources.wechat_mp]\nbase_url = \"{base}/wechat\"\nmin_interval_s = 0\n\
             token = \"expired-token\"\ncookie = \"{COOKIE}\"\n"
        ),
    )
    .unwrap();
    let mut county = format!(
        r#"[[unit]]
name = "渭滨区融媒体中心"
level = "县级部门"

[[unit]]
name = "高崖镇"
level = "乡镇"

[[account]]
name = "渭滨发布"
unit = "渭滨区融媒体中心"
platform = "weibo"
source = {{ kind = "feed", url = "{base}/feed/rss/fabu" }}

[[account]]
name = "渭滨旧号"
unit = "渭滨区融媒体中心"
platform = "toutiao"
source = {{ kind = "feed", url = "{base}/feed/atom/jiuhao" }}

[[account]]
name = "渭滨坏号"
unit = "渭滨区融媒体中心"
platform = "douyin"
source = {{ kind = "feed", url = "{base}/broken/huai" }}

[[account]]
name = "渭滨微信"
unit = "渭滨区融媒体中心"
platform = "wechat"
source = {{ kind = "wechat_mp", fakeid = "MzWeibin==" }}
"#
    );
    std::fs::write(catalog_dir.join("county.toml"), &county).unwrap();
    let listing = dir.path().join("province-listing.csv");
    let full_listing = "类别,政务新媒体名称,主办单位,级别\n\
                        政务微博,渭滨发布,渭滨区融媒体中心,县级部门\n\
                        政务微信,高崖 印象,高崖镇,乡镇\n\
                        政务抖音,渭滨文旅,渭滨区文化和旅游局,县级部门\n";
    std::fs::write(&listing, full_listing).unwrap();

    let url = db.url.clone();
    let run = |args: Vec<String>| {
        let dir = dir.path().to_path_buf();
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
                .current_dir(dir)
                .arg("--database")
                .arg(url)
                .args(&args)
                .env_remove("GOVWATCH_DATABASE_URL")
                .env_remove("GOVWATCH_CONFIG")
                .env("RUST_LOG", "error")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            assert_eq!(
                out.status.code(),
                Some(0),
                "govwatch {args:?}\nstdout:\n{stdout}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            stdout
        })
    };
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let listing_arg = listing.display().to_string();

    let out = run(args(&[
        "--now",
        "2020-01-06",
        "import",
        "listing",
        &listing_arg,
    ]))
    .await
    .unwrap();
    assert!(
        out.contains("清单列出账号3个，其中未经报备（不在已登记账号中）2个"),
        "{out}"
    );
    assert!(
        out.contains("已保存为清单“province-listing”（3个账号）"),
        "{out}"
    );

    let out = run(args(&["--now", "2020-01-06", "check"])).await.unwrap();
    // Counts, and only the accounts with a problem.
    assert!(
        out.contains(
            "共检查账号4个：读取2个（其中1个超过14天未更新），1个读取失败，1个需运维人员处理"
        ),
        "{out}"
    );
    assert!(
        out.contains("渭滨旧号") && out.contains("2019-12-01"),
        "{out}"
    );
    assert!(
        out.contains("超过14天未更新") && out.contains("36"),
        "{out}"
    );
    assert!(out.contains("读取失败: http"), "{out}");
    assert!(out.contains("凭证过期(需运维处理)"), "{out}");
    assert!(
        !out.contains("渭滨发布"),
        "a well-run account is only counted: {out}"
    );
    assert!(!out.contains("expired-token"), "{out}");
    assert!(out.contains("  未经报备：2"), "{out}");

    let open = |out: &str| -> Vec<(String, String, String)> {
        let json: serde_json::Value = serde_json::from_str(out).unwrap();
        let mut v: Vec<(String, String, String)> = json
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "account_unregistered")
            .map(|f| {
                (
                    f["subject"].as_str().unwrap().to_string(),
                    f["unit"].as_str().unwrap_or("").to_string(),
                    f["sentence"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let findings_open = args(&[
        "--now",
        "2020-01-06",
        "findings",
        "--open",
        "--format",
        "json",
    ]);
    let out = run(findings_open.clone()).await.unwrap();
    assert_eq!(
        open(&out),
        [
            (
                "unregistered:douyin:渭滨文旅".to_string(),
                "渭滨区文化和旅游局".to_string(),
                "1月6日监测到未经报备私自开设".to_string()
            ),
            (
                "unregistered:wechat:高崖印象".to_string(),
                "高崖镇".to_string(),
                "1月6日监测到未经报备私自开设".to_string()
            ),
        ],
        "{out}"
    );

    // 高崖印象 is registered: rectified on the next check; 渭滨文旅 still open.
    county.push_str(
        "\n[[account]]\nname = \"高崖印象\"\nunit = \"高崖镇\"\nplatform = \"wechat\"\nopened_on = 2020-01-01\nsource = { kind = \"manual\" }\n",
    );
    std::fs::write(catalog_dir.join("county.toml"), &county).unwrap();
    let out = run(args(&["--now", "2020-01-07", "check"])).await.unwrap();
    assert!(out.contains("  未经报备：1"), "{out}");
    let out = run(args(&[
        "--now",
        "2020-01-07",
        "findings",
        "--open",
        "--format",
        "json",
    ]))
    .await
    .unwrap();
    let still: Vec<String> = open(&out).into_iter().map(|(s, _, _)| s).collect();
    assert_eq!(still, ["unregistered:douyin:渭滨文旅"], "{out}");

    let export = |day: &'static str| {
        run(args(&[
            "--now", day, "export", "accounts", "--period", "2020Q1", "--format", "json",
        ]))
    };
    let rows = |out: &str| -> Vec<(String, String, String, String, Vec<String>, bool)> {
        let json: serde_json::Value = serde_json::from_str(out).unwrap();
        json["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["account"] == "高崖印象" || r["account"] == "渭滨文旅")
            .map(|r| {
                (
                    r["platform"].as_str().unwrap().to_string(),
                    r["account"].as_str().unwrap().to_string(),
                    r["unit"].as_str().unwrap().to_string(),
                    r["level"].as_str().unwrap_or("").to_string(),
                    r["problems"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_str().unwrap().to_string())
                        .collect(),
                    r["rectified"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let out = export("2020-01-07").await.unwrap();
    let sentence = vec!["1月6日监测到未经报备私自开设".to_string()];
    assert_eq!(
        rows(&out),
        [
            // (Rows are grouped by category: 政务抖音 came first.) Known only from the listing: its unit and level.
            (
                "douyin".to_string(),
                "渭滨文旅".to_string(),
                "渭滨区文化和旅游局".to_string(),
                "县级部门".to_string(),
                sentence.clone(),
                false
            ),
            // Registered now: the catalog's unit and level, rectified.
            (
                "wechat".to_string(),
                "高崖印象".to_string(),
                "高崖镇".to_string(),
                "乡镇".to_string(),
                sentence.clone(),
                true
            ),
        ],
        "{out}"
    );

    // A newer import of the same listing no longer has 渭滨文旅: rectified.
    std::fs::write(
        &listing,
        "类别,政务新媒体名称,主办单位,级别\n政务微信,高崖印象,高崖镇,乡镇\n",
    )
    .unwrap();
    let out = run(args(&[
        "--now",
        "2020-01-08",
        "import",
        "listing",
        &listing_arg,
    ]))
    .await
    .unwrap();
    assert!(out.contains("（1个账号，替换原有的3个账号）"), "{out}");
    run(args(&["--now", "2020-01-08", "check"])).await.unwrap();
    let out = run(args(&[
        "--now",
        "2020-01-08",
        "findings",
        "--open",
        "--format",
        "json",
    ]))
    .await
    .unwrap();
    assert!(open(&out).is_empty(), "{out}");
    let out = export("2020-01-08").await.unwrap();
    assert!(rows(&out).iter().all(|r| r.5), "{out}");

    let out = run(args(&[
        "--now",
        "2020-01-08",
        "export",
        "findings",
        "--period",
        "2020Q1",
        "--format",
        "json",
    ]))
    .await
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = json.to_string();
    assert_eq!(
        text.matches("account_unregistered").count(),
        2,
        "both episodes are in the period's findings: {out}"
    );
    assert!(text.contains("1月6日监测到未经报备私自开设"), "{out}");
}

mod cli {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite_unregistered_accounts_from_the_command_line() {
        super::unregistered_accounts_from_the_command_line(super::support::db::sqlite()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_unregistered_accounts_from_the_command_line() {
        let Some(db) = super::support::db::postgres().await else {
            return;
        };
        super::unregistered_accounts_from_the_command_line(db).await;
    }
}

async fn a_week_of_reposts_only_misses_the_weekly_minimum_when_enabled(store: Store) {
    let daily = every(d(2019, 12, 16), d(2020, 1, 23), 1);
    let accounts = vec![
        FixtureAccount {
            name: "苍溪县三川镇",
            unit: "三川镇人民政府",
            platform: "weibo",
            source: "weibo:2000000001".into(),
            posts: every(d(2019, 12, 16), d(2020, 1, 23), 3),
        },
        FixtureAccount {
            name: "苍溪县高坡镇",
            unit: "高坡镇人民政府",
            platform: "weibo",
            source: "weibo:2000000002".into(),
            posts: daily.clone(),
        },
        // Its week 1月13日至1月19日 is empty, but a feed does not tell originals.
        FixtureAccount {
            name: "苍溪公安",
            unit: "县公安局",
            platform: "toutiao",
            source: "rss:gongan".into(),
            posts: vec![d(2020, 1, 2), d(2020, 1, 8), d(2020, 1, 21)],
        },
    ];
    let mut s = setup(&UNITS, accounts, TOKEN).await;
    // Reposts only from 2019-12-30 to 1月21日: the week before watching began (1月6日)
    // is not judged, the next two are.
    s.fixture.reposts.lock().unwrap().extend(
        daily
            .iter()
            .filter(|day| d(2019, 12, 30) <= **day && **day <= d(2020, 1, 21))
            .map(|day| ("2000000002".to_string(), *day)),
    );
    let weekly = |findings: &[govwatch::store::FindingRecord]| -> Vec<_> {
        findings
            .iter()
            .filter(|f| f.kind == Kind::AccountWeeklyMinimum)
            .map(|f| {
                (
                    f.subject_key.clone(),
                    wording::sentence(f),
                    f.opened_on,
                    f.resolved_on,
                )
            })
            .collect()
    };
    // Off by default; enabled by the settings file's [thresholds] from Tuesday 1月21日,
    // whose check judges the weeks not judged yet. Checked Monday to Friday.
    let mut warnings = Vec::new();
    let enabled = Settings::parse(
        "[thresholds]\naccount_weekly_minimum = true\n",
        Path::new("govwatch.toml"),
        &mut warnings,
    )
    .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(!s.settings.thresholds.account_weekly_minimum);
    let days = d(2020, 1, 6)
        .iter_days()
        .take_while(|day| *day <= d(2020, 1, 27))
        .filter(|day| !matches!(day.weekday(), Weekday::Sat | Weekday::Sun));
    for day in days {
        if day == d(2020, 1, 21) {
            let all = store.findings(&FindingFilter::default()).await.unwrap();
            assert_eq!(weekly(&all), [], "off by default");
            s.settings.thresholds = enabled.thresholds.clone();
        }
        *s.fixture.today.lock().unwrap() = day;
        cycle_on(&store, &s.fetcher, &s.catalog, &s.settings, day).await;
    }
    let all = store.findings(&FindingFilter::default()).await.unwrap();
    let gaopo = s
        .catalog
        .accounts
        .iter()
        .find(|a| a.name == "苍溪县高坡镇")
        .unwrap()
        .key();
    // Resolved on Monday 1月27日: the week of the original posted 1月22日 has ended.
    let sentences = [
        "1月21日监测到1月6日至1月12日一周未发布原创内容",
        "1月21日监测到1月13日至1月19日一周未发布原创内容",
    ];
    assert_eq!(
        weekly(&all),
        [
            (
                format!("{gaopo}#2020-W02"),
                sentences[0].to_string(),
                d(2020, 1, 21),
                Some(d(2020, 1, 27)),
            ),
            (
                format!("{gaopo}#2020-W03"),
                sentences[1].to_string(),
                d(2020, 1, 21),
                Some(d(2020, 1, 27)),
            )
        ]
    );
    let evidence = all
        .iter()
        .find(|f| f.kind == Kind::AccountWeeklyMinimum)
        .unwrap()
        .evidence_json();
    assert_eq!(evidence["reposts"], 7);
    assert_eq!(evidence["week_start"], "2020-01-06");

    // The problem-account list carries it on the account's row, rectified.
    let q1: Period = "2020Q1".parse().unwrap();
    let read = store
        .accounts_read_between(
            start_of_day(q1.start(), Shanghai),
            end_of_day(d(2020, 1, 27), Shanghai),
        )
        .await
        .unwrap();
    let export = account_export(&s.catalog, &all, q1, d(2020, 1, 27), &read);
    let row = export
        .accounts
        .iter()
        .find(|r| r.account == "苍溪县高坡镇")
        .unwrap();
    assert_eq!(row.problems, sentences);
    assert!(row.rectified);
    assert_eq!(export.accounts.len(), 1, "{:#?}", export.accounts);
    assert_eq!((export.watched, export.passed), (3, 2));
    // And the notice's problem-account table: one row for the account, both weeks.
    let found: Vec<&govwatch::store::FindingRecord> = all.iter().collect();
    let table = govwatch::report::notice::account_table(
        &s.catalog,
        &found,
        "2020Q1".parse().unwrap(),
        d(2020, 1, 27),
    );
    let texts: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| r.iter().map(|c| c.text()).collect())
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert_eq!(texts[0][1], "苍溪县高坡镇");
    assert!(texts[0].contains(&sentences.join("\n")), "{texts:?}");
}

/// Two Weibo accounts with `min_interval_s = 1`: the check books their starts in the
/// store a second apart, so the next Weibo start the store gives any worker is at least
/// two seconds after the check began.
async fn platform_reads_book_their_starts_in_the_store(store: Store) {
    let posts = every(d(2019, 11, 1), d(2020, 1, 6), 3);
    let account = |name, uid: &str| FixtureAccount {
        name,
        unit: "县公安局",
        platform: "weibo",
        source: format!("weibo:{uid}"),
        posts: posts.clone(),
    };
    let accounts = vec![account("平安苍溪", "1001"), account("苍溪交警", "1002")];
    let mut s = setup(&UNITS, accounts, TOKEN).await;
    s.settings.sources.weibo.min_interval_s = Some(1);
    let began = chrono::Utc::now();
    let report = cycle_on(&store, &s.fetcher, &s.catalog, &s.settings, d(2020, 1, 6)).await;
    let failures: Vec<_> = report
        .accounts
        .accounts
        .iter()
        .map(|o| &o.failure)
        .collect();
    assert_eq!(failures, [&None, &None]);
    let second = std::time::Duration::from_secs(1);
    let next = store
        .reserve_platform_slot("weibo", second, chrono::Utc::now())
        .await
        .unwrap();
    assert!(
        next >= began + chrono::Duration::seconds(2),
        "booked {next}, check began {began}"
    );
}
