//! A column's own list through the whole cycle, on real-shaped county templates served
//! over HTTP: empty columns beside dated sidebars are 空白栏目, script shells and unknown
//! layouts are unrecognized (never 空白栏目), `[column.select] source` reads a script's
//! JSON or HTML endpoint, dates come from item URLs and from the publish-date column,
//! and columns that list the very same items are marked 可能误取侧栏 in `check`'s
//! report and in the office's weekly email.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::load_texts;
use govwatch::clock::Clock;
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::fetch::Fetcher;
use govwatch::notify::Notifier;
use govwatch::store::{FindingFilter, Store};
use support::{FixtureServer, fixture_routes};

on_both_databases!(the_columns_own_list_decides_what_check_finds);

/// (name, page under tests/fixtures/pages, extra catalog lines).
const COLUMNS: &[(&str, &str, &str)] = &[
    ("TRS空白栏目", "list_trs_empty_zanwu.html", ""),
    ("织梦空白栏目", "list_dede_empty_gong0.html", ""),
    ("公开目录空白栏目", "list_gkml_empty_table.html", ""),
    ("拓尔思空白栏目", "list_trsgk_empty_gong0.html", ""),
    ("脚本栏目", "list_script_jquery_ajax.html", ""),
    ("Vue栏目", "list_script_vue_axios.html", ""),
    ("未知版式栏目", "list_unknown_prose.html", ""),
    (
        "接口JSON栏目",
        "list_script_jquery_ajax.html?json",
        "[column.select]\nsource = \"{base}/pages/endpoints/list.json\"\nitems = \"data.list\"\ntitle = \"title\"\nlink = \"url\"\ndate = \"pubDate\"\n",
    ),
    (
        "接口HTML栏目",
        "list_script_vue_axios.html?html",
        "[column.select]\nsource = \"{base}/pages/endpoints/fragment.html\"\n",
    ),
    ("URL日期栏目", "list_trs_urldates.html", ""),
    ("Hanweb URL日期栏目", "list_hanweb_urldates.html", ""),
    ("两个日期栏目", "list_gkml_fbrq_labelled.html", ""),
    ("印发日期栏目", "list_empire_yfrq_fbsj.html", ""),
    ("侧栏甲", "list_trs_control.html?a", ""),
    ("侧栏乙", "list_trs_control.html?b", ""),
    ("最新信息", "list_trs_control.html?c", "aggregate = true\n"),
];

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// `(file and query, date)` of each expected item of a fixture (its host and folder
/// are not the test server's).
fn expected_items(fixture: &str) -> BTreeSet<(String, Option<NaiveDate>)> {
    let file = support::pages_dir().join(fixture.replace(".html", ".expected.json"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let url: url::Url = i["url"].as_str().unwrap().parse().unwrap();
            (file_query(&url), i["date"].as_str().map(day))
        })
        .collect()
}

fn file_query(url: &url::Url) -> String {
    let file = url.path().rsplit('/').next().unwrap_or("");
    match url.query() {
        Some(q) => format!("{file}?{q}"),
        None => file.to_string(),
    }
}

fn path_query(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

async fn the_columns_own_list_decides_what_check_finds(store: Store) {
    let http = FixtureServer::with_router("127.0.0.1", fixture_routes()).await;
    let base = format!("http://{}", http.addr);
    let mut text = format!(
        "[[unit]]\nname = \"县政府办\"\n[[site]]\nname = \"某县人民政府\"\nunit = \"县政府办\"\nurl = \"{base}/\"\n"
    );
    for (name, page, extra) in COLUMNS {
        text.push_str(&format!(
            "[[column]]\nsite = \"某县人民政府\"\nname = \"{name}\"\nurl = \"{base}/pages/{page}\"\n{}",
            extra.replace("{base}", &base)
        ));
    }
    let loaded = load_texts(&[(Path::new("c.toml"), text.as_str())]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    let catalog = loaded.catalog;
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    let clock = Clock::parse("2020-12-01", Shanghai).unwrap();
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
    let outcome: HashMap<&str, &govwatch::cycle::crawl::ColumnOutcome> = report
        .crawl
        .columns
        .iter()
        .map(|c| (c.column.as_str(), c))
        .collect();

    // 空白栏目 on four templates, each beside a dated sidebar; nothing else is empty.
    let findings = store.findings(&FindingFilter::default()).await.unwrap();
    let name_of = |subject: &str| {
        COLUMNS
            .iter()
            .find(|(_, page, _)| subject == format!("{base}/pages/{page}"))
            .map(|(name, _, _)| *name)
            .unwrap_or("?")
    };
    let empty: BTreeSet<&str> = findings
        .iter()
        .filter(|f| f.kind == Kind::ColumnEmpty)
        .map(|f| name_of(&f.subject_key))
        .collect();
    assert_eq!(
        empty,
        BTreeSet::from([
            "TRS空白栏目",
            "织梦空白栏目",
            "公开目录空白栏目",
            "拓尔思空白栏目"
        ]),
        "{findings:#?}"
    );
    assert_eq!(
        outcome["TRS空白栏目"].status(),
        "空白栏目（暂无数据）",
        "the marker is shown"
    );

    // Unrecognized: no finding of any kind about the column, and the reason is shown.
    for name in ["脚本栏目", "Vue栏目", "未知版式栏目"] {
        let c = outcome[name];
        assert!(c.unrecognized.is_some(), "{name}: {c:?}");
        assert!(c.status().starts_with("无法识别"), "{name}: {}", c.status());
        assert_eq!(c.items_found, 0, "{name}: the sidebar is not the column's");
        let subject = format!(
            "{base}/pages/{}",
            COLUMNS.iter().find(|x| x.0 == name).unwrap().1
        );
        assert!(
            !findings.iter().any(|f| f.subject_key.starts_with(&subject)),
            "{name}: an unrecognized column has no finding"
        );
    }
    let endpoint = format!("{base}/api/content/list?columnId=9012&pageNo=1");
    assert_eq!(
        outcome["脚本栏目"].unrecognized.as_deref(),
        Some(format!("列表由脚本加载（{endpoint}）").as_str()),
        "the script's endpoint, for [column.select] source"
    );

    // Stored items, per column.
    let ids = store.catalog_ids().await.unwrap();
    let items_of = |name: &str| {
        let page = COLUMNS.iter().find(|x| x.0 == name).unwrap().1;
        let id = ids.columns[&format!("{base}/pages/{page}")];
        let store = &store;
        async move {
            store
                .column_items(id)
                .await
                .unwrap()
                .into_iter()
                .map(|i| {
                    let url: url::Url = i.url.parse().unwrap();
                    (path_query(&url), i.published_on)
                })
                .collect::<BTreeSet<_>>()
        }
    };
    // `source`: the script's JSON endpoint and an HTML fragment endpoint.
    let json: BTreeSet<(String, Option<NaiveDate>)> = [
        ("/art/2020/9/28/art_9012_180000.html", "2020-09-28"),
        ("/art/2020/9/25/art_9012_179950.html", "2020-09-25"),
        ("/zwgk/tzgg/202009/t20200922_345678.html", "2020-09-22"),
        ("/pages/endpoints/detail.html?id=179870", "2020-09-18"),
        ("/art/2020/9/15/art_9012_179800.html", "2020-09-15"),
    ]
    .iter()
    .map(|(p, d)| (p.to_string(), Some(day(d))))
    .collect();
    assert_eq!(items_of("接口JSON栏目").await, json);
    let fragment: BTreeSet<(String, Option<NaiveDate>)> = [
        ("/art/2020/9/28/art_9013_180011.html", "2020-09-28"),
        ("/art/2020/9/27/art_9013_179990.html", "2020-09-27"),
        ("/zwgk/bmdt/202009/t20200924_345601.html", "2020-09-24"),
        ("/pages/endpoints/detail.html?id=179880", "2020-09-21"),
        ("/art/2020/9/16/art_9013_179812.html", "2020-09-16"),
    ]
    .iter()
    .map(|(p, d)| (p.to_string(), Some(day(d))))
    .collect();
    assert_eq!(items_of("接口HTML栏目").await, fragment);
    for name in ["接口JSON栏目", "接口HTML栏目"] {
        assert_eq!(outcome[name].status(), "正常", "{name}");
    }

    // Dates from the item URLs, and the publish date of two.
    let files = |items: BTreeSet<(String, Option<NaiveDate>)>| {
        items
            .into_iter()
            .map(|(p, d)| (file_query(&format!("http://x{p}").parse().unwrap()), d))
            .collect::<BTreeSet<_>>()
    };
    for (name, fixture) in [
        ("URL日期栏目", "list_trs_urldates.html"),
        ("Hanweb URL日期栏目", "list_hanweb_urldates.html"),
        ("两个日期栏目", "list_gkml_fbrq_labelled.html"),
        ("印发日期栏目", "list_empire_yfrq_fbsj.html"),
    ] {
        assert_eq!(
            files(items_of(name).await),
            expected_items(fixture),
            "{name}"
        );
    }

    // 可能误取侧栏: two columns at different URLs with the very same items; the
    // aggregate column lists them by design and is left out.
    assert_eq!(outcome["侧栏甲"].same_items_as, vec!["侧栏乙".to_string()]);
    assert_eq!(outcome["侧栏乙"].same_items_as, vec!["侧栏甲".to_string()]);
    assert!(outcome["最新信息"].same_items_as.is_empty());
    assert_eq!(
        outcome["侧栏甲"].status(),
        "正常，可能误取侧栏（与“侧栏乙”条目相同）"
    );

    // The office's weekly email names them for the operator, with the unrecognized.
    let outbox = tempfile::tempdir().unwrap();
    let mut mail_settings = settings.clone();
    mail_settings.notify.office = vec!["office@example.gov.cn".into()];
    let notifier = Notifier::new(&mail_settings, &catalog, outbox.path()).unwrap();
    let (week, messages) = notifier.compose_week(&store, &clock).await.unwrap();
    let noted: BTreeSet<&str> = week.columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(
        noted,
        BTreeSet::from(["脚本栏目", "Vue栏目", "未知版式栏目", "侧栏甲", "侧栏乙"])
    );
    let office = &messages[0];
    assert!(
        office.text.contains("需运维人员核查的栏目（5个）"),
        "{}",
        office.text
    );
    assert!(
        office.text.contains(&format!(
            "某县人民政府脚本栏目：无法识别栏目列表（列表由脚本加载（{endpoint}））"
        )),
        "{}",
        office.text
    );
}
