//! The machinery of a simulated county, shared by the demo's ([`super::county`]) and the
//! fixture county the integration tests replay (`tests/support/county.rs`): column list
//! pages in the templates government CMSs use, the responses they come in (utf-8, GBK
//! behind a header that may say otherwise, 404), and the catalog entries that point at
//! them. Each county keeps its own data (columns, dates, titles, page chrome) and its
//! own routes; the two differ on purpose (the tests' dates are fixed in 2020, the demo's
//! follow the day it runs), so only the way a page is written is here.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

/// An item of a column list: its number (the last part of its link), date and title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub n: usize,
    pub date: NaiveDate,
    pub title: String,
}

/// TRS: `<dir>202006/t20200605_1.html` links, dates in spans, a pager written by
/// `createPageHTML`; page `page` (from 0) of `per_page` items, in the order given.
/// `None` past the last page.
pub fn trs_list(dir: &str, items: &[Item], per_page: usize, page: usize) -> Option<String> {
    let pages = items.len().div_ceil(per_page).max(1);
    if page >= pages {
        return None;
    }
    let mut list = String::from("<ul class=\"list\">");
    for item in items.iter().skip(page * per_page).take(per_page) {
        list.push_str(&format!(
            "<li><a href=\"{dir}{}/t{}_{}.html\" title=\"{t}\">{t}</a><span class=\"date\">{}</span></li>",
            item.date.format("%Y%m"),
            item.date.format("%Y%m%d"),
            item.n,
            item.date.format("%Y-%m-%d"),
            t = item.title
        ));
    }
    list.push_str(&format!(
        "</ul><div class=\"page\"><script>createPageHTML({pages}, {page}, \"index\", \"html\");</script></div>"
    ));
    Some(list)
}

/// A table with a date cell; items link to `<dir><n>.html`.
pub fn table_list(dir: &str, items: &[Item]) -> String {
    let mut rows = String::from("<table class=\"list\"><tr><th>标题</th><th>发布日期</th></tr>");
    for item in items {
        rows.push_str(&format!(
            "<tr><td><a href=\"{dir}{}.html\">{}</a></td><td>{}</td></tr>",
            item.n,
            item.title,
            item.date.format("%Y-%m-%d")
        ));
    }
    rows.push_str("</table>");
    rows
}

/// Divs with the date first, as 2020年7月15日; items link to `<dir><n>.html`.
pub fn div_list(dir: &str, items: &[Item]) -> String {
    let mut list = String::from("<div class=\"news-list\">");
    for item in items {
        list.push_str(&format!(
            "<div class=\"item\"><span>{}</span><a href=\"{dir}{}.html\">{}</a></div>",
            item.date.format("%Y年%-m月%-d日"),
            item.n,
            item.title
        ));
    }
    list.push_str("</div>");
    list
}

/// A utf-8 HTML page.
pub fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// GBK bytes; the meta tag says gb2312, the header says `header_charset` (`utf-8` is a
/// header that lies, as many county sites' does).
pub fn gbk(body: String, header_charset: &str) -> Response {
    let body = body.replace("charset=utf-8", "charset=gb2312");
    let (bytes, _, _) = encoding_rs::GBK.encode(&body);
    (
        [(
            header::CONTENT_TYPE,
            format!("text/html; charset={header_charset}"),
        )],
        bytes.into_owned(),
    )
        .into_response()
}

/// 404, as a well-behaved site answers.
pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "404 Not Found").into_response()
}

/// A catalog `[[unit]]`.
pub fn unit_entry(name: &str, level: &str) -> String {
    format!("[[unit]]\nname = \"{name}\"\nlevel = \"{level}\"\n\n")
}

/// A catalog `[[site]]` at `url` run by `unit`.
pub fn site_entry(name: &str, url: &str, unit: &str) -> String {
    format!("[[site]]\nname = \"{name}\"\nurl = \"{url}\"\nunit = \"{unit}\"\n\n")
}

/// A catalog `[[column]]`.
#[derive(Debug, Clone, Copy)]
pub struct ColumnEntry<'a> {
    /// Written only when given (a column without one is keyed by its URL).
    pub id: Option<&'a str>,
    pub site: &'a str,
    pub name: &'a str,
    pub url: &'a str,
    pub unit: &'a str,
    pub class: &'a str,
    pub quota: Option<u32>,
}

impl ColumnEntry<'_> {
    pub fn to_toml(&self) -> String {
        let mut text = String::from("[[column]]\n");
        if let Some(id) = self.id {
            text.push_str(&format!("id = \"{id}\"\n"));
        }
        text.push_str(&format!(
            "site = \"{}\"\nname = \"{}\"\nurl = \"{}\"\nunits = [\"{}\"]\nclass = \"{}\"\n",
            self.site, self.name, self.url, self.unit, self.class
        ));
        if let Some(q) = self.quota {
            text.push_str(&format!("quota = {q}\n"));
        }
        text.push('\n');
        text
    }
}
