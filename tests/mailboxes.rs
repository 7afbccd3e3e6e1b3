//! 政民互动 end to end on both databases: a county's 区长信箱 on a fixture server is
//! read over two cycles; a letter past its 5 working days opens message_overdue and is
//! rectified once answered, a letter whose dates show only on its page is read there
//! once and never again once answered, a 不公开 letter counts from the day first seen,
//! and a mailbox that cannot be read twice in a row is mailbox_unreachable. The 通报
//! counts a quarter's letters and imported 12345 orders as seeds 000 and 004 print them,
//! and a mailbox never read is 未监测.

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

on_both_databases!(
    letters_are_read_judged_and_rectified_as_episodes,
    the_notice_counts_letters_and_hotline_orders_as_the_seeds
);

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

/// A Hanweb-style 县长信箱 list: (title, received, status, replied, 承办单位).
const LETTERS: [(&str, &str, &str, &str, &str); 4] = [
    // On time; closed late (deadline 8月27日); open past its deadline (9月14日); a Q2
    // letter unanswered for more than 3 months by 9月25日.
    (
        "关于宅基地审批的咨询",
        "2020-09-01",
        "已回复",
        "2020-09-03",
        "县住建局",
    ),
    (
        "建议增设公交站点",
        "2020-08-20",
        "已回复",
        "2020-09-04",
        "县住建局",
    ),
    ("老街路灯损坏的反映", "2020-09-07", "办理中", "", "城关镇"),
    (
        "关于小区噪音扰民的投诉",
        "2020-06-20",
        "未回复",
        "",
        "城关镇",
    ),
];

fn hanweb_list() -> String {
    let mut rows = String::from(
        "<html><body><h2>县长信箱 信件列表</h2><table class=\"xjlb\"><tr><th>信件编号</th><th>信件标题</th><th>来信时间</th><th>办理状态</th><th>回复时间</th><th>承办单位</th></tr>",
    );
    for (i, (title, received, status, replied, unit)) in LETTERS.iter().enumerate() {
        rows.push_str(&format!(
            "<tr><td>{i}</td><td><a href=\"/xzxx/{i}.html\">{title}</a></td><td>{received}</td><td>{status}</td><td>{replied}</td><td>{unit}</td></tr>"
        ));
    }
    rows + "</table></body></html>"
}

/// Seed 000 §四 and 附件4 from a simulated 县长信箱, seed 004's 12345 sentence and
/// tables from imported orders, 互动回应差 leading 主要问题, on the real binary's notice;
/// a mailbox that was never read (留言板) says 未监测, as does a quarter before the first
/// read.
async fn the_notice_counts_letters_and_hotline_orders_as_the_seeds(store: Store) {
    let router = Router::new()
        .route("/xzxx/index.html", get(|| async { Html(hanweb_list()) }))
        .merge(support::fixture_routes());
    let http = FixtureServer::with_router("127.0.0.1", router).await;
    let text = format!(
        r#"
[[unit]]
name = "县政府办"
level = "县级部门"
[[unit]]
name = "县住建局"
level = "县级部门"
[[unit]]
name = "县教体局"
level = "县级部门"
[[unit]]
name = "城关镇"
level = "乡镇"
[[site]]
name = "某县人民政府"
unit = "县政府办"
url = "{home}"
[[mailbox]]
site = "某县人民政府"
name = "县长信箱"
url = "{list}"
units = ["县政府办"]
[[mailbox]]
site = "某县人民政府"
name = "留言板"
url = "{broken}"
units = ["县教体局"]
"#,
        home = http.url("/"),
        list = http.url("/xzxx/index.html"),
        broken = http.url("/status/500"),
    );
    let catalog = load_texts(&[(Path::new("c.toml"), text.as_str())])
        .unwrap()
        .catalog;
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    for day in ["2020-09-09", "2020-09-25"] {
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
        cycle::mailboxes::run(env, &ids, None).await.unwrap();
        cycle::detect::run(&store, &catalog, &ids, &settings, &clock, None)
            .await
            .unwrap();
    }
    // 12345 orders as `import messages` keeps them: on time, closed late, withdrawn.
    let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap();
    let order = |n: &str, unit: &str, received, answered, withdrawn| govwatch::observe::Message {
        channel: "12345热线".into(),
        number: n.into(),
        mailbox_id: None,
        title: None,
        url: None,
        unit: Some(unit.into()),
        category: Some("投诉".into()),
        status: None,
        withdrawn,
        received_on: received,
        received_known: true,
        answered_on: answered,
        answered_estimated: false,
        deadline_on: None,
        reworked: false,
        page_read: false,
        row_ref: Some("2".into()),
    };
    store
        .upsert_messages(
            &[
                order("QY1", "城关镇", d(8, 3), Some(d(8, 4)), false),
                order("QY2", "城关镇", d(8, 3), Some(d(8, 20)), false),
                order("QY3", "县住建局", d(8, 5), None, true),
            ],
            Clock::parse("2020-09-25", Shanghai).unwrap().now(),
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        "[general]\noffice_name = \"示例县政务公开办\"\n",
    )
    .unwrap();
    std::fs::write(config.join("catalog/c.toml"), &text).unwrap();
    let notice = |period: &str, format: &str| -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .current_dir(dir.path())
            .args(["--database", store.url(), "--now", "2020-10-08"])
            .args(["report", "--period", period, "--format", format])
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let q3 = notice("2020Q3", "md");
    assert!(
        q3.contains("（三）政民互动情况。2020年三季度，县长信箱受理网民留言共计3条，办结2条，逾期办理信件2条（逾期包括未在规定时间内办理完成和正在办理的信件），各单位具体办理情况见附件4。留言板期内未监测。"),
        "{q3}"
    );
    assert!(
        q3.contains("（四）12345热线办理情况。2020年三季度，全县共受理12345热线工单3件，自主撤单1件，应办结2件，按期办结1件，超时办结1件；其中投诉类3件，各单位办理情况见附件5。"),
        "{q3}"
    );
    let attachment = |no: usize| -> &str {
        let from = q3.find(&format!("## 附件{no}\n")).expect(&q3);
        let rest = &q3[from + 1..];
        &rest[..rest.find("## 附件").unwrap_or(rest.len())]
    };
    // Seed 000 附件4: 乡镇 and departments apart; the never-read mailbox's unit 未监测.
    let letters = attachment(4);
    assert!(
        letters.contains("### 2020年三季度网民留言办理情况统计表"),
        "{letters}"
    );
    for row in [
        "| 乡镇 | 承办数量 | 办结数量 | 逾期数量 |",
        "| 城关镇 | 1 | 0 | 1 |",
        "| 县级部门 | 承办数量 | 办结数量 | 逾期数量 |",
        "| 县住建局 | 2 | 2 | 1 |",
        "| 县教体局 | 未监测 | 未监测 | 未监测 |",
        "逾期数量包括未在规定时间内办理完成和正在办理的信件。",
        "留言板期内未监测。",
    ] {
        assert!(letters.contains(row), "{row} not in {letters}");
    }
    // Seed 004 附件3/4: numbered per level, a withdrawn order counted 按期.
    let hotline = attachment(5);
    for row in [
        "### 2020年三季度12345热线工单办理情况统计表（截至2020年9月30日）",
        "| 序号 | 乡镇 | 承办件 | 按期办结件 | 超时办结件 | 返工件 | 按期办结率 |",
        "| 1 | 城关镇 | 2 | 1 | 1 | 0 | 50% |",
        "| 1 | 县住建局 | 1 | 1 | 0 | 0 | 100% |",
    ] {
        assert!(hotline.contains(row), "{row} not in {hotline}");
    }
    assert!(q3.contains("4.2020年三季度网民留言办理情况统计表"), "{q3}");
    assert!(
        q3.contains("5.2020年三季度12345热线工单办理情况统计表"),
        "{q3}"
    );
    // 主要问题: 互动回应差 first (no site veto here), the overdue letter it does not name
    // under 网民留言办理不及时, the channel that does not work.
    let main = &q3[q3.find("二、主要问题").unwrap()..q3.find("三、下一步工作要求").unwrap()];
    assert!(
        main.contains(
            "（一）互动回应差。城关镇县长信箱6月20日来信《关于小区噪音扰民的投诉》超过3个月未回复。"
        ),
        "{main}"
    );
    assert!(
        main.contains("网民留言办理不及时。城关镇县长信箱9月7日来信《老街路灯损坏的反映》超过5个工作日未办结。"),
        "{main}"
    );
    assert!(!main.contains("投诉》超过5个工作日"), "said twice: {main}");
    assert!(
        main.contains("互动渠道无法正常使用。县教体局留言板无法正常访问。"),
        "{main}"
    );
    assert!(q3.contains("切实提升网民留言办理质效"), "{q3}");
    // The mailbox's reads are monitoring too.
    assert!(
        q3.contains("（监测时间为2020年9月9日至2020年9月25日）"),
        "{q3}"
    );
    // The html and docx carry the same table.
    assert!(notice("2020Q3", "html").contains("网民留言办理情况统计表"));

    // Before the first read reached back: nothing counted, nothing said to be 0.
    let q1 = notice("2020Q1", "md");
    assert!(
        q1.contains("（三）政民互动情况。县长信箱、留言板期内未监测。"),
        "{q1}"
    );
    assert!(
        q1.contains("| 县政府办 | 未监测 | 未监测 | 未监测 |"),
        "{q1}"
    );
    assert!(!q1.contains("共计0条") && !q1.contains("热线"), "{q1}");
}
