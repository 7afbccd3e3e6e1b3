//! A fixture county: one portal whose columns publish on known dates, in the templates
//! government CMSs really use (TRS with a JavaScript pager, GBK behind a lying header,
//! a table layout, a div list), plus a column that answers 404 and an empty column.
//! Tests replay days with `--now` against it and compare with what the dates imply.
//! The pages are written by the library's `demo::pages`, as the demo county's are; the
//! data (dates fixed in 2020, titles, page chrome, routes) is this county's own.

use axum::Router;
use axum::routing::get;
use chrono::NaiveDate;
use govwatch::demo::pages::{self, ColumnEntry, Item, gbk, html, not_found};

/// Columns of the county: (letter, path, name, class, quota, unit, dates).
pub struct FixtureColumn {
    pub letter: &'static str,
    pub path: &'static str,
    pub name: &'static str,
    pub class: &'static str,
    pub quota: Option<u32>,
    pub unit: &'static str,
    pub dates: &'static [(u32, u32)],
}

pub const COLUMNS: &[FixtureColumn] = &[
    FixtureColumn {
        letter: "A",
        path: "/zwgk/gzdt/index.html",
        name: "工作动态",
        class: "news",
        quota: Some(12),
        unit: "县公安局",
        dates: &[(6, 5), (6, 20), (7, 3), (7, 18), (8, 2), (9, 10)],
    },
    FixtureColumn {
        letter: "B",
        path: "/col/col301/index.html",
        name: "通知公告",
        class: "notice",
        quota: Some(3),
        unit: "审计局",
        dates: &[(4, 10), (5, 10), (6, 10)],
    },
    FixtureColumn {
        letter: "C",
        path: "/sjdt/",
        name: "审计动态",
        class: "news",
        quota: None,
        unit: "审计局",
        dates: &[(5, 5), (6, 25)],
    },
    FixtureColumn {
        letter: "D",
        path: "/zdcq/list.html",
        name: "征地拆迁",
        class: "other",
        quota: None,
        unit: "旧改办",
        dates: &[(7, 15)],
    },
    FixtureColumn {
        letter: "E",
        path: "/gone/index.html",
        name: "警务公开",
        class: "news",
        quota: None,
        unit: "县公安局",
        dates: &[],
    },
    FixtureColumn {
        letter: "F",
        path: "/rsxx/index.html",
        name: "人事信息",
        class: "notice",
        quota: None,
        unit: "旧改办",
        dates: &[],
    },
];

fn day(&(m, d): &(u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, d).unwrap()
}

const TITLES: &[&str] = &[
    "县公安局召开全县公安工作会议",
    "关于开展安全生产大检查的通知",
    "县审计局完成年度预算执行审计",
    "我县召开征地拆迁工作推进会",
    "县政府常务会议研究部署重点工作",
    "关于做好防汛工作的通知",
];

fn title(letter: &str, i: usize) -> String {
    format!("{}({letter}{i})", TITLES[i % TITLES.len()])
}

fn shell(column: &str, list: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<meta name="ColumnName" content="{column}" /><title>{column}_示例县人民政府</title></head><body>
<div id="menu"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a><a href="/hdjl/">互动交流</a></div>
<div class="crumb">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; {column}</div>
<div class="left"><ul><li><a href="/zwgk/gzdt/">工作动态</a></li><li><a href="/col/col301/">通知公告</a></li><li><a href="/sjdt/">审计动态</a></li></ul></div>
<div class="right">{list}</div>
<div id="footer">主办：示例县人民政府办公室 网站标识码：6100000001 陕ICP备05001234号-1 陕公网安备 61030202000123号</div>
</body></html>"#
    )
}

/// The column's items, as its dates were written (item `i` is the `i`-th date).
fn items(c: &FixtureColumn) -> Vec<Item> {
    c.dates
        .iter()
        .map(day)
        .enumerate()
        .map(|(i, date)| Item {
            n: i,
            date,
            title: title(c.letter, i),
        })
        .collect()
}

/// TRS: `./202006/t20200605_1.html`, dates in spans, pager written by createPageHTML;
/// newest first, 3 to a page.
fn trs_page(c: &FixtureColumn, page: usize) -> String {
    let mut items = items(c);
    items.sort_by_key(|x| std::cmp::Reverse(x.date));
    shell(c.name, &pages::trs_list("./", &items, 3, page).unwrap())
}

/// A table with a date cell, last written first.
fn table_page(c: &FixtureColumn) -> String {
    let items: Vec<Item> = items(c).into_iter().rev().collect();
    shell(c.name, &pages::table_list("/sjdt/", &items))
}

/// Plain divs with the date before the title, as 2020年7月15日, last written first.
fn div_page(c: &FixtureColumn) -> String {
    let items: Vec<Item> = items(c).into_iter().rev().collect();
    shell(c.name, &pages::div_list("/zdcq/", &items))
}

fn column(letter: &str) -> &'static FixtureColumn {
    COLUMNS.iter().find(|c| c.letter == letter).unwrap()
}

/// The portal's home page: the newest items of the news and notice columns.
fn home() -> String {
    let mut items: Vec<(NaiveDate, String, String)> = Vec::new();
    for c in COLUMNS
        .iter()
        .filter(|c| c.letter == "A" || c.letter == "B")
    {
        for (i, d) in c.dates.iter().map(day).enumerate() {
            items.push((
                d,
                title(c.letter, i),
                format!(
                    "/zwgk/gzdt/{}/t{}_{i}.html",
                    d.format("%Y%m"),
                    d.format("%Y%m%d")
                ),
            ));
        }
    }
    items.sort_by_key(|x| std::cmp::Reverse(x.0));
    let mut list = String::from("<div class=\"news\"><h3>要闻动态</h3><ul>");
    for (d, t, url) in items.iter().take(6) {
        list.push_str(&format!(
            "<li><a href=\"{url}\">{t}</a><span>{}</span></li>",
            d.format("%Y-%m-%d")
        ));
    }
    list.push_str("</ul><a href=\"/zwgk/gzdt/\" class=\"more\">更多</a></div>");
    shell("首页", &list)
}

pub fn router() -> Router {
    Router::new()
        .route("/", get(|| async { html(home()) }))
        .route(
            "/zwgk/gzdt/index.html",
            get(|| async { html(trs_page(column("A"), 0)) }),
        )
        .route(
            "/zwgk/gzdt/index_1.html",
            get(|| async { html(trs_page(column("A"), 1)) }),
        )
        .route(
            "/col/col301/index.html",
            // GBK bytes behind a header that says utf-8 (the meta tag tells the truth).
            get(|| async { gbk(trs_page(column("B"), 0), "utf-8") }),
        )
        .route("/sjdt/", get(|| async { html(table_page(column("C"))) }))
        .route(
            "/zdcq/list.html",
            get(|| async { html(div_page(column("D"))) }),
        )
        .route("/gone/index.html", get(|| async { not_found() }))
        .route(
            "/rsxx/index.html",
            get(|| async {
                html(shell("人事信息", "<ul class=\"list\"></ul><p>暂无信息</p>"))
            }),
        )
}

/// The catalog of the county, pointing at `base` (e.g. `http://127.0.0.1:PORT`).
pub fn catalog(base: &str) -> String {
    let mut text = String::new();
    for unit in ["县政府办", "县公安局", "审计局", "旧改办"] {
        text.push_str(&pages::unit_entry(unit, "县级部门"));
    }
    text.push_str(&pages::site_entry(
        "示例县人民政府",
        &format!("{base}/"),
        "县政府办",
    ));
    for c in COLUMNS {
        text.push_str(
            &ColumnEntry {
                id: None,
                site: "示例县人民政府",
                name: c.name,
                url: &format!("{base}{}", c.path),
                unit: c.unit,
                class: c.class,
                quota: c.quota,
            }
            .to_toml(),
        );
    }
    text
}
