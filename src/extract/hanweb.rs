//! Hanweb (大汉 JCMS) column pages, which do not render their list in the HTML body.
//!
//! A column page `/col/col1234/index.html` carries its first group of records inside
//!
//! ```text
//! <script type="text/xml"><datastore>
//!   <nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=12&path=/&columnid=1234&unitid=5678&webname=…&permissiontype=0"></a>]]></nextgroup>
//!   <recordset><record><![CDATA[<li><a href="/art/2023/10/11/art_1234_99.html" title="…">…</a><span>2023-10-11</span></li>]]></record>…</recordset>
//! </datastore></script>
//! ```
//!
//! and a script that hands the rest to the jpage pager:
//! `$('#5678').jpage({ totalRecord: 87, perPage: 15, groupSize: 3, proxyUrl: '/module/web/jpage/dataproxy.jsp', ajaxParam: {col:1, appid:1, webid:12, path:'/', columnid:1234, sourceContentType:1, unitid:5678, webname:'…', permissiontype:0} })`.
//!
//! Further groups come from `proxyUrl?startrecord=S&endrecord=E&perpage=P` with the
//! `ajaxParam` values (the browser POSTs them as a form; the servers seen also answer a GET
//! with them in the query, which is what [`next_group`] builds, so the next page is one
//! URL like any other). The answer is the bare `<datastore>` with `<totalrecord>` and more
//! `<record>`s; reading such an answer (the page URL is the `dataproxy.jsp` URL) gives the
//! group after it the same way.
//!
//! Where the page script lacks `ajaxParam`, the parameters come from the `<nextgroup>`
//! link (less its `page`), else from `columnid`/`unitid`/`webid` written anywhere in the
//! page and the `/col/colNNNN/` of the page URL.

use std::sync::LazyLock;

use regex::Regex;
use scraper::Html;
use url::Url;

use super::dom::sel;

/// The default proxy path of JCMS 5+ (older sites use `/module/jslib/jquery/jpage/…`).
const DEFAULT_PROXY: &str = "/module/web/jpage/dataproxy.jsp";

/// One `<datastore>` and the pager settings found around it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Datastore {
    /// The HTML of each `<record>`, in order.
    pub records: Vec<String>,
    pub total: Option<u32>,
    pub per_page: Option<u32>,
    pub group_size: Option<u32>,
    pub proxy: Option<String>,
    /// Query parameters the proxy wants besides the record range.
    pub params: Vec<(String, String)>,
    pub has_next_group: bool,
}

static RECORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>").unwrap());
static NEXT_GROUP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?s)<nextgroup>\s*<!\[CDATA\[.*?href\s*=\s*["']([^"']*)["']"#).unwrap()
});
static TOTAL_XML: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)<totalrecord>\s*(\d+)\s*</totalrecord>").unwrap());
static TOTAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\btotalRecord\s*[:=]\s*['"]?(\d+)"#).unwrap());
static PER_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bperPage\s*[:=]\s*['"]?(\d+)"#).unwrap());
static GROUP_SIZE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bgroupSize\s*[:=]\s*['"]?(\d+)"#).unwrap());
static PROXY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\bproxyUrl\s*[:=]\s*['"]([^'"]+)['"]"#).unwrap());
static AJAX_PARAM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)\bajaxParam\s*[:=]\s*\{(.*?)\}").unwrap());
static PAIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(\w+)\s*:\s*(?:'([^']*)'|"([^"]*)"|([^,\s}]+))"#).unwrap());
static LOOSE_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\b(columnid|unitid|webid)\s*[:=]\s*['"]?(\d+)"#).unwrap());
static COL_PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"/col/col(\d+)/").unwrap());

/// Whether the page's datastore or pager says the column holds no record
/// (`<totalrecord>0</totalrecord>`, `totalRecord: 0`).
pub(crate) fn says_no_records(raw: &str) -> bool {
    let zero = |re: &Regex| re.captures(raw).is_some_and(|c| &c[1] == "0");
    raw.contains("<datastore") && (zero(&TOTAL_XML) || zero(&TOTAL))
}

/// Every datastore of the page, with the page-level pager settings. A page without
/// `script[type=text/xml]` that is itself a datastore (a proxy answer) gives one.
pub(crate) fn datastores(raw: &str, doc: &Html, page: &Url) -> Vec<Datastore> {
    let mut texts: Vec<String> = doc
        .select(sel(r#"script[type="text/xml"]"#))
        .map(|s| s.text().collect::<String>())
        .filter(|t| t.contains("<datastore") || t.contains("<record>"))
        .collect();
    if texts.is_empty() && raw.contains("<datastore") {
        texts.push(raw.to_string());
    }
    texts
        .iter()
        .map(|t| read_datastore(t, raw, page))
        .filter(|d| !d.records.is_empty())
        .collect()
}

fn read_datastore(xml: &str, page_text: &str, page: &Url) -> Datastore {
    let number = |re: &Regex, text: &str| -> Option<u32> {
        re.captures(text).and_then(|c| c[1].parse().ok())
    };
    let records = RECORD
        .captures_iter(xml)
        .map(|c| c[1].trim().to_string())
        .collect();
    let next_href = NEXT_GROUP.captures(xml).map(|c| c[1].replace("&amp;", "&"));
    let mut params: Vec<(String, String)> = Vec::new();
    if let Some(obj) = AJAX_PARAM.captures(page_text) {
        for c in PAIR.captures_iter(&obj[1]) {
            let value = c
                .get(2)
                .or(c.get(3))
                .or(c.get(4))
                .map_or("", |m| m.as_str());
            params.push((c[1].to_string(), value.to_string()));
        }
    }
    let next_url = next_href
        .as_deref()
        .filter(|h| !h.trim().is_empty())
        .and_then(|h| page.join(h).ok());
    if params.is_empty()
        && let Some(u) = &next_url
    {
        params = u
            .query_pairs()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    }
    if params.is_empty() {
        for c in LOOSE_ID.captures_iter(page_text) {
            let key = c[1].to_ascii_lowercase();
            if !params.iter().any(|(k, _)| *k == key) {
                params.push((key, c[2].to_string()));
            }
        }
        if !params.iter().any(|(k, _)| k == "columnid")
            && let Some(c) = COL_PATH.captures(page.path())
        {
            params.push(("columnid".into(), c[1].to_string()));
        }
    }
    Datastore {
        records,
        total: number(&TOTAL_XML, xml).or_else(|| number(&TOTAL, page_text)),
        per_page: number(&PER_PAGE, page_text),
        group_size: number(&GROUP_SIZE, page_text),
        proxy: PROXY
            .captures(page_text)
            .map(|c| c[1].to_string())
            .or_else(|| next_url.as_ref().map(|u| u.path().to_string())),
        params,
        has_next_group: next_href.is_some_and(|h| !h.trim().is_empty()),
    }
}

/// The records as one HTML document the list detector can read. Table rows need a table
/// around them to survive parsing.
pub(crate) fn records_document(records: &[String]) -> String {
    let joined = records.join("\n");
    let first = joined.trim_start().to_ascii_lowercase();
    if first.starts_with("<tr") {
        format!("<html><body><table><tbody>{joined}</tbody></table></body></html>")
    } else if first.starts_with("<li") {
        format!("<html><body><ul>{joined}</ul></body></html>")
    } else {
        format!("<html><body><div>{joined}</div></body></html>")
    }
}

/// The range query keys, which are never copied from `params`.
const RANGE_KEYS: [&str; 3] = ["startrecord", "endrecord", "perpage"];

/// The URL of the group of records after this one, if there is one.
pub(crate) fn next_group(ds: &Datastore, page: &Url) -> Option<Url> {
    let n = u32::try_from(ds.records.len()).ok()?;
    if is_proxy_answer(page) {
        let get = |key: &str| -> Option<u32> {
            page.query_pairs()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.parse().ok())
        };
        let (start, end) = (get("startrecord")?, get("endrecord")?);
        let len = end.checked_sub(start)? + 1;
        let next_start = end + 1;
        let more = ds.total.map_or(n >= len, |t| next_start <= t);
        if !more {
            return None;
        }
        let mut next = page.clone();
        let kept: Vec<(String, String)> = page
            .query_pairs()
            .filter(|(k, _)| k != "startrecord" && k != "endrecord")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        {
            let mut q = next.query_pairs_mut();
            q.clear();
            q.append_pair("startrecord", &next_start.to_string());
            q.append_pair("endrecord", &(end + len).to_string());
            for (k, v) in &kept {
                q.append_pair(k, v);
            }
        }
        return Some(next);
    }
    let group_len = match (ds.per_page, ds.group_size) {
        (Some(p), Some(g)) if p > 0 && g > 0 => p * g,
        _ => n,
    };
    let start = n + 1;
    let more = ds
        .total
        .map_or(ds.has_next_group && n >= group_len, |t| start <= t);
    if !more || ds.params.is_empty() {
        return None;
    }
    let proxy = ds.proxy.as_deref().unwrap_or(DEFAULT_PROXY);
    let mut next = page.join(proxy).ok()?;
    {
        let mut q = next.query_pairs_mut();
        q.clear();
        q.append_pair("startrecord", &start.to_string());
        q.append_pair("endrecord", &(n + group_len).to_string());
        q.append_pair("perpage", &ds.per_page.unwrap_or(group_len).to_string());
        for (k, v) in &ds.params {
            if !RANGE_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                q.append_pair(k, v);
            }
        }
    }
    Some(next)
}

/// Pages the browser would show: `totalRecord / perPage`, rounded up.
pub(crate) fn pages_total(ds: &Datastore, page: &Url) -> Option<u32> {
    let per_page = ds.per_page.or_else(|| {
        page.query_pairs()
            .find(|(k, _)| k == "perpage")
            .and_then(|(_, v)| v.parse().ok())
    })?;
    let total = ds.total?;
    (per_page > 0).then(|| total.div_ceil(per_page))
}

fn is_proxy_answer(page: &Url) -> bool {
    page.path().ends_with("dataproxy.jsp")
}
