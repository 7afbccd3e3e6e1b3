//! 政民互动 end to end on both databases: a county's 区长信箱 on a fixture server is
//! read over two cycles; a letter past its 5 working days opens message_overdue and is
//! rectified once answered, a letter whose dates show only on its page is read there
//! once and never again once answered, a 不公开 letter counts from the day first seen,
//! and a mailbox that cannot be read twice in a row is mailbox_unreachable.

mod support;

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::load_texts;
use govwatch::clock::Clock;
use govwatch::config::Settings;
use govwatch::cycle::{self, Env};
use govwatch::detect::Kind;
use govwatch::fetch::Fetcher;
use govwatch::report::wording;
use govwatch::store::{FindingFilter, Store};
use support::FixtureServer;

on_both_databases!(letters_are_read_judged_and_rectified_as_episodes);

fn list(a_status: &str) -> String {
    format!(
        r#"<html><body><div class="main"><ul class="xx-list">
<li><a href="/hdjl/a.html">关于宅基地审批的咨询</a>{a_status}<span>留言时间：2020-09-01</span><span>承办单位：自然资源局</span></li>
<li><a href="/hdjl/b.html">建议增设公交站点</a><span>已回复</span><span>留言时间：2020-09-07</span></li>
<li><span class="title">该信件不公开</span><span>办理中</span></li>
<li><a href="/hdjl/d.html">关于食品安全问题的举报</a><span>查看详情</span></li>
</ul></div></body></html>"#
    )
}

const LETTER_D: &str = r#"<html><body><table>
<tr><td>来信时间</td><td>2020-09-02</td></tr><tr><td>办理状态</td><td>已办结</td></tr>
<tr><td>办结时间</td><td>2020-09-04</td></tr><tr><td>承办单位</td><td>市场监管局</td></tr>
</table></body></html>"#;

async fn letters_are_read_judged_and_rectified_as_episodes(store: Store) {
    let page = Arc::new(Mutex::new(list("<span>办理中</span>")));
    let router =
        Router::new()
            .route(
                "/hdjl/index.html",
                get(|State(p): State<Arc<Mutex<String>>>| async move {
                    Html(p.lock().unwrap().clone())
                }),
            )
            .route("/hdjl/d.html", get(|| async { Html(LETTER_D) }))
            .with_state(page.clone())
            .merge(support::fixture_routes());
    let http = FixtureServer::with_router("127.0.0.1", router).await;
    let text = format!(
        r#"
[[unit]]
name = "县政府办"
[[unit]]
name = "县自然资源局"
[[unit]]
name = "县市场监管局"
[[site]]
name = "某县人民政府"
unit = "县政府办"
url = "{home}"
[[mailbox]]
site = "某县人民政府"
name = "区长信箱"
url = "{list}"
[[mailbox]]
site = "某县人民政府"
name = "留言板"
url = "{broken}"
"#,
        home = http.url("/"),
        list = http.url("/hdjl/index.html"),
        broken = http.url("/status/500"),
    );
    let loaded = load_texts(&[(Path::new("c.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
    let catalog = loaded.catalog;
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();

    let cycle = async |day: &str| {
        let clock = Clock::parse(day, Shanghai).unwrap();
        store.sync_catalog(&catalog, clock.now()).await.unwrap();
        let ids = store.catalog_ids().await.unwrap();
        let env = Env {
            store: &store,
            fetcher: &fetcher,
            catalog: &catalog,
            settings: &settings,
            clock: &clock,
        };
        let read = cycle::mailboxes::run(env, &ids, None).await.unwrap();
        cycle::detect::run(&store, &catalog, &ids, &settings, &clock, None)
            .await
            .unwrap();
        read
    };

    // Wednesday 9 September: letter A (1 September) is past its 5 working days.
    let read = cycle("2020-09-09").await;
    let ok = read.iter().find(|r| r.mailbox == "区长信箱").unwrap();
    assert_eq!(
        (ok.letters_found, ok.letter_pages, ok.failure.as_deref()),
        (4, 1, None)
    );
    let mut messages = store
        .messages(Clock::parse("2020-09-09", Shanghai).unwrap().now())
        .await
        .unwrap();
    messages.sort_by(|a, b| a.number.cmp(&b.number));
    let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap();
    let by = |suffix: &str| {
        messages
            .iter()
            .find(|m| m.number.ends_with(suffix))
            .unwrap()
    };
    assert_eq!(
        by("a.html").unit.as_deref(),
        Some("县自然资源局"),
        "mapped by name"
    );
    assert_eq!(by("a.html").answered_on, None);
    let b = by("b.html");
    assert_eq!(
        (b.answered_on, b.answered_estimated),
        (Some(d(9, 9)), true),
        "估计"
    );
    let c = by("不公开");
    assert_eq!(
        (c.received_on, c.received_known),
        (d(9, 9), false),
        "日期不详"
    );
    assert_eq!(
        c.unit.as_deref(),
        Some("县政府办"),
        "the mailbox's default unit"
    );
    let dd = by("d.html");
    assert_eq!(
        (dd.received_on, dd.answered_on, dd.unit.as_deref()),
        (d(9, 2), Some(d(9, 4)), Some("县市场监管局")),
        "read on the letter's page"
    );

    let overdue = FindingFilter {
        kind: Some(Kind::MessageOverdue),
        ..Default::default()
    };
    let found = store.findings(&overdue).await.unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        wording::sentence(&found[0]),
        "县自然资源局区长信箱9月1日来信《关于宅基地审批的咨询》超过5个工作日未办结"
    );
    assert!(found[0].is_open());

    // Thursday 17 September: A was answered on the 14th; the 留言板 failed twice.
    *page.lock().unwrap() = list("<span>已回复</span><span>回复时间：2020-09-14</span>");
    cycle("2020-09-17").await;
    let found = store.findings(&overdue).await.unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let a = found
        .iter()
        .find(|f| f.subject_key.ends_with("a.html"))
        .unwrap();
    assert_eq!(a.resolved_on, Some(d(9, 17)), "rectified once answered");
    let c = found
        .iter()
        .find(|f| f.subject_key.contains("不公开"))
        .unwrap();
    assert!(c.is_open());
    assert_eq!(
        wording::sentence(c),
        "县政府办区长信箱来信《该信件不公开》（来信日期不详，9月9日首次发现）超过5个工作日未办结"
    );
    assert_eq!(
        http.hits_to("/hdjl/d.html").len(),
        1,
        "answered: never read again"
    );
    let unreachable = store
        .findings(&FindingFilter {
            kind: Some(Kind::MailboxUnreachable),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(unreachable.len(), 1);
    assert_eq!(
        wording::sentence(&unreachable[0]),
        "县政府办留言板无法正常访问"
    );
}
