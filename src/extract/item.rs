//! An item (article) page read for what its list did not say: its publication date, and
//! its title and column from the metadata the national site guidelines (政府网站发展指引,
//! 2017) require (`<meta name="PubDate" content="2020-09-15 10:31">`, `ArticleTitle`,
//! `ColumnName`).
//!
//! The crawler reads an item page only when the list and the URL gave no date, so the
//! date is looked for in order of trust: the `PubDate` meta, then
//! `article:published_time`, then a labelled date in the text (`发布时间：2020-09-15`,
//! `发布日期：`, `时间:`), the first one on the page, which is the one under the title.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::Html;
use serde::{Deserialize, Serialize};

use super::dates::{find_date, parse_date_cell};
use super::dom::{Region, normalize, region_of, sel, text_nodes};

/// Where an item page's date was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemDateSource {
    /// `<meta name="PubDate">` (any case).
    PubDateMeta,
    /// `<meta property="article:published_time">`.
    PublishedTimeMeta,
    /// A labelled date in the page text.
    Text,
}

/// The publication date of an item page, and where it was read.
pub fn item_date(html: &str, today: NaiveDate) -> Option<(NaiveDate, ItemDateSource)> {
    let doc = super::dom::parse_document(html);
    if let Some(d) = meta(&doc, "name", "pubdate").and_then(|c| date_of(&c, today)) {
        return Some((d, ItemDateSource::PubDateMeta));
    }
    if let Some(d) =
        meta(&doc, "property", "article:published_time").and_then(|c| date_of(&c, today))
    {
        return Some((d, ItemDateSource::PublishedTimeMeta));
    }
    labelled_date(&doc, today).map(|d| (d, ItemDateSource::Text))
}

/// `<meta name="ArticleTitle">`, the article's title as its CMS knows it.
pub fn item_title(html: &str) -> Option<String> {
    meta(&super::dom::parse_document(html), "name", "articletitle")
}

/// `<meta name="ColumnName">`, the column the article was published in.
pub fn column_name(html: &str) -> Option<String> {
    meta(&super::dom::parse_document(html), "name", "columnname")
}

/// The non-empty `content` of the first `<meta>` whose `attr` equals `key`, any case.
fn meta(doc: &Html, attr: &str, key: &str) -> Option<String> {
    doc.select(sel("meta[content]"))
        .find(|m| {
            m.attr(attr)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(key))
        })
        .and_then(|m| m.attr("content"))
        .map(normalize)
        .filter(|c| !c.is_empty())
}

fn date_of(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    parse_date_cell(text, today, None)
        .or_else(|| find_date(text, today))
        .map(|f| f.date)
}

/// A publication label, its colon, and what follows. The bare `时间`/`日期` count only
/// where no word runs into them (`更新时间`, `成文日期` are other dates).
static LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(发布时间|发布日期|发表时间|发稿时间|发布于|时间|日期)\s*[:：]?\s*").unwrap()
});

fn labelled_date(doc: &Html, today: NaiveDate) -> Option<NaiveDate> {
    let body = doc.select(sel("body")).next()?;
    let mut text = String::new();
    for n in text_nodes(body) {
        let in_chrome = n
            .parent()
            .and_then(scraper::ElementRef::wrap)
            .is_some_and(|p| region_of(p) == Region::Chrome);
        if in_chrome {
            continue;
        }
        if let Some(t) = n.value().as_text() {
            text.push_str(t);
            text.push(' ');
        }
    }
    let text = normalize(&text);
    // Strong labels first: a page can say 时间 for something else before its 发布时间.
    for strong in [true, false] {
        for caps in LABEL.captures_iter(&text) {
            let label = caps.get(1).unwrap();
            let generic = matches!(label.as_str(), "时间" | "日期");
            if generic == strong {
                continue;
            }
            if generic
                && text[..label.start()]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            let after = &text[caps.get(0).unwrap().end()..];
            let date_text: String = after
                .chars()
                .take_while(|c| c.is_ascii_digit() || "-/.年月日:TZ+ ".contains(*c))
                .take(32)
                .collect();
            if let Some(f) = parse_date_cell(date_text.trim(), today, None) {
                return Some(f.date);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn item_dates() {
        let today = d("2023-10-20");
        let page =
            |head: &str, body: &str| format!("<html><head>{head}</head><body>{body}</body></html>");
        let cases: Vec<(String, Option<(&str, ItemDateSource)>)> = vec![
            (
                page(r#"<meta name="PubDate" content="2020-09-15 10:31">"#, ""),
                Some(("2020-09-15", ItemDateSource::PubDateMeta)),
            ),
            (
                page(
                    r#"<meta name="pubdate" content="2020-09-15">"#,
                    "发布时间：2021-01-01",
                ),
                Some(("2020-09-15", ItemDateSource::PubDateMeta)),
            ),
            (
                page(
                    r#"<meta name="PubDate" content=""><meta property="article:published_time" content="2023-10-10T20:00:00Z">"#,
                    "",
                ),
                Some(("2023-10-11", ItemDateSource::PublishedTimeMeta)),
            ),
            (
                page(
                    "",
                    "<h1>标题</h1><div>发布时间:2020-09-15 来源：县政府办</div>",
                ),
                Some(("2020-09-15", ItemDateSource::Text)),
            ),
            (
                page("", "<div>发布日期：2023年10月11日 字号：大 中 小</div>"),
                Some(("2023-10-11", ItemDateSource::Text)),
            ),
            (
                page("", "<span>时间: 2023-10-12</span>"),
                Some(("2023-10-12", ItemDateSource::Text)),
            ),
            (
                page(
                    "",
                    "<span>会议时间：2023年10月30日</span><span>发布时间：2023-10-12</span>",
                ),
                Some(("2023-10-12", ItemDateSource::Text)),
            ),
            (page("", "<p>更新时间：2023-10-13</p>"), None),
            (
                page(
                    "",
                    r#"<p>正文</p><div class="footer">时间：2023-10-14</div>"#,
                ),
                None,
            ),
            (
                page("", "<p>发布时间：10-11 10:31</p>"),
                Some(("2023-10-11", ItemDateSource::Text)),
            ),
            (page("", "<p>2023-02-30 发布时间：2023-02-30</p>"), None),
        ];
        for (html, want) in cases {
            let got = item_date(&html, today);
            assert_eq!(got, want.map(|(s, src)| (d(s), src)), "{html}");
        }
    }

    #[test]
    fn titles_and_columns() {
        let html = r#"<head><meta name="ArticleTitle" content=" 关于做好 秋冬季 防火的通知 ">
            <meta name="ColumnName" content="通知公告"></head>"#;
        assert_eq!(
            item_title(html).as_deref(),
            Some("关于做好 秋冬季 防火的通知")
        );
        assert_eq!(column_name(html).as_deref(), Some("通知公告"));
        assert_eq!(item_title("<p>x</p>"), None);
    }
}
