//! The dated items of a site's home page (门户首页), for the rule "home page not updated
//! for two weeks" (首页两周未更新, a single-veto item of the national indicators).
//!
//! A home page shows many blocks (要闻, 通知公告, 政策文件 …); the rule reads the newest
//! date over all of them, so this takes every block whose links carry printed dates, the
//! Hanweb datastores among them, and adds the other content links whose URL carries a
//! date (TRS `t20200915_…`, Hanweb `/art/2020/9/15/…`), as many home-page blocks print
//! none. Menus and footers are left out; their links are not news.

use chrono::NaiveDate;
use url::Url;

use super::dates::date_from_url;
use super::dom::{Region, effective_base, region_of, resolve, sel};
use super::hanweb;
use super::list::{DateSource, ListItem, Overrides, anchor_title, candidates, dedupe};

/// Dated item links of a home page, one per URL: the blocks with printed dates first, in
/// page order, then the links dated by their URL. The newest date is what the home-page
/// rule reads ([`newest`]).
pub fn home_items(html: &str, page: &Url, today: NaiveDate) -> Vec<ListItem> {
    let doc = super::dom::parse_document(html);
    let base = effective_base(&doc, page);
    let none = Overrides::default();
    let mut items = Vec::new();

    for c in candidates(&doc, &base, &none, today) {
        if c.is_dated() {
            items.extend(c.into_items());
        }
    }
    for ds in hanweb::datastores(html, &doc, page) {
        let records = super::dom::parse_document(&hanweb::records_document(&ds.records));
        for c in candidates(&records, &base, &none, today) {
            items.extend(
                c.into_items()
                    .into_iter()
                    .filter(|i| i.date_source != DateSource::None),
            );
        }
    }
    for a in doc.select(sel("a[href]")) {
        if region_of(a) != Region::Content {
            continue;
        }
        let Some(url) = a.attr("href").and_then(|h| resolve(&base, h).ok()) else {
            continue;
        };
        let Some(date) = date_from_url(&url, today) else {
            continue;
        };
        let title = anchor_title(a, today);
        if title.chars().count() < 4 {
            continue;
        }
        items.push(ListItem {
            title,
            url,
            date: Some(date),
            date_source: DateSource::Url,
        });
    }
    dedupe(items)
}

/// The newest dated item.
pub fn newest(items: &[ListItem]) -> Option<&ListItem> {
    items
        .iter()
        .filter(|i| i.date.is_some())
        .max_by_key(|i| i.date)
}
