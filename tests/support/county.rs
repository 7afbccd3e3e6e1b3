//! A fixture county: one portal whose columns publish on known dates, in the templates
//! government CMSs really use (TRS with a JavaScript pager, GBK behind a lying header,
//! a table layout, a div list), plus a column that answers 404 and an empty column.
//! Tests replay days with `--now` against it and compare with what the dates imply.

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;

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

/// TRS: `./202006/t20200605_1.html`, dates in spans, pager written by createPageHTML.
fn trs_page(c: &FixtureColumn, page: usize) -> String {
    let mut dates: Vec<(usize, NaiveDate)> = c.dates.iter().map(day).enumerate().collect();
    dates.sort_by_key(|x| std::cmp::Reverse(x.1));
    let per_page = 3;
    let pages = dates.len().div_ceil(per_page).max(1);
    let mut list = String::from("<ul class=\"list\">");
    for (i, d) in dates.iter().skip(page * per_page).take(per_page) {
        list.push_str(&format!(
            "<li><a href=\"./{}/t{}_{i}.html\" title=\"{t}\">{t}</a><span class=\"date\">{}</span></li>",
            d.format("%Y%m"),
            d.format("%Y%m%d"),
            d.format("%Y-%m-%d"),
            t = title(c.letter, *i)
        ));
    }
    list.push_str(&format!(
        "</ul><div class=\"page\"><script>createPageHTML({pages}, {page}, \"index\", \"html\");</script></div>"
    ));
    shell(c.name, &list)
}

/// A table with a date cell.
fn table_page(c: &FixtureColumn) -> String {
    let mut rows = String::from("<table class=\"list\"><tr><th>标题</th><th>发布日期</th></tr>");
    for (i, d) in c.dates.iter().map(day).enumerate().rev() {
        rows.push_str(&format!(
            "<tr><td><a href=\"/sjdt/{i}.html\">{}</a></td><td>{}</td></tr>",
            title(c.letter, i),
            d.format("%Y-%m-%d")
        ));
    }
    rows.push_str("</table>");
    shell(c.name, &rows)
}

/// Plain ul/li with the date before the title, as 2020年7月15日.
fn div_page(c: &FixtureColumn) -> String {
    let mut list = String::from("<div class=\"news-list\">");
    for (i, d) in c.dates.iter().map(day).enumerate().rev() {
        list.push_str(&format!(
            "<div class=\"item\"><span>{}</span><a href=\"/zdcq/{i}.html\">{}</a></div>",
            d.format("%Y年%-m月%-d日"),
            title(c.letter, i)
        ));
    }
    list.push_str("</div>");
    shell(c.name, &list)
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// GBK bytes behind a header that says utf-8 (the meta tag tells the truth).
fn gbk_lying(body: String) -> Response {
    let body = body.replace("charset=utf-8", "charset=gb2312");
    let (bytes, _, _) = encoding_rs::GBK.encode(&body);
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        bytes.into_owned(),
    )
        .into_response()
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
            get(|| async { gbk_lying(trs_page(column("B"), 0)) }),
        )
        .route("/sjdt/", get(|| async { html(table_page(column("C"))) }))
        .route(
            "/zdcq/list.html",
            get(|| async { html(div_page(column("D"))) }),
        )
        .route(
            "/gone/index.html",
            get(|| async { (StatusCode::NOT_FOUND, "404 Not Found") }),
        )
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
        text.push_str(&format!(
            "[[unit]]\nname = \"{unit}\"\nlevel = \"县级部门\"\n\n"
        ));
    }
    text.push_str(&format!(
        "[[site]]\nname = \"示例县人民政府\"\nurl = \"{base}/\"\nunit = \"县政府办\"\n\n"
    ));
    for c in COLUMNS {
        text.push_str(&format!(
            "[[column]]\nsite = \"示例县人民政府\"\nname = \"{}\"\nurl = \"{base}{}\"\nunits = [\"{}\"]\nclass = \"{}\"\n",
            c.name, c.path, c.unit, c.class
        ));
        if let Some(q) = c.quota {
            text.push_str(&format!("quota = {q}\n"));
        }
        text.push('\n');
    }
    text
}
