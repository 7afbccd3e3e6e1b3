//! A column's list page (栏目列表页) read into its items and its next page.
//!
//! The column rules (empty, stale, zero publish, quota) count items and read their dates,
//! so this is where a page of HTML becomes `[(title, url, date)]`. Detection is automatic:
//! the list is the repeated block of links that carry dates, as CMS templates render it
//! (`ul/li` with a date `span` before or after the title, table rows with a date cell,
//! `div` rows, `[10-11]` brackets, `dl/dt/dd`). Menus, breadcrumbs, pagers, footers and
//! `更多` links are not items. A list without dates is the longest block of long link
//! texts outside menus; its items then take their date from the URL where the CMS wrote
//! one there ([`DateSource::Url`]), else none, and the crawler reads the item page.
//!
//! Hanweb (大汉 JCMS) pages are read from their `<datastore>` records, and their next
//! page is the `/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…` URL
//! built from the page's `totalRecord`, `perPage`, `groupSize` and `ajaxParam`
//! (`columnid`, `unitid`, `webid` …), see `hanweb.rs`. TRS WCM pagers come from
//! `createPageHTML(count, current, "index", "html")` (`trs.rs`), other pagers from their
//! links (`下一页`, `»`, `rel=next`, numbered `index_2.html` / `?page=2`, in `pager.rs`).
//! A column's `[column.select]` selectors override any part.
//!
//! Pure: text and URLs in, facts out; `today` only bounds and completes dates.

use chrono::NaiveDate;
use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node, Selector};
use serde::Serialize;
use url::Url;

use super::dates::{self, parse_date_cell};
use super::dom::{
    IMG_ALT, LINKS, ROWS, Region, effective_base, is_furniture_text, is_truncated, normalize,
    parse_selector, region_of, resolve, text_nodes, text_of,
};
use super::list_choice::{self, CandidateReport};
use super::list_empty::Loaders;
use super::{ExtractError, hanweb, list_empty, pager, publish_date, trs};

/// One item of a list: a link to an article, its title, and its date if known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListItem {
    pub title: String,
    /// Absolute, without fragment.
    pub url: Url,
    pub date: Option<NaiveDate>,
    pub date_source: DateSource,
}

/// Where an item's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DateSource {
    /// Printed beside the title on the list page.
    List,
    /// Read from the item URL (`t20200915_…`, `/art/2020/9/15/…`).
    Url,
    /// Not known: the item page must be read ([`super::item::item_date`]).
    None,
}

/// What a list page says.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ListPage {
    /// In page order, one per URL.
    pub items: Vec<ListItem>,
    /// The next page of the list, if any.
    pub next: Option<Url>,
    /// The number of pages the pager announces, if it does.
    pub pages_total: Option<u32>,
    /// Whether the page listed items, said it had none, or showed no list govwatch knows.
    pub outcome: ListOutcome,
    /// The empty-list marker seen (`暂无信息`, `共0条`, `空列表 ul.list`) when `Empty`.
    pub empty_reason: Option<String>,
    /// Why no list was recognized (`列表由脚本加载（URL）`, `未识别出栏目列表`) when
    /// `Unrecognized`.
    pub unrecognized_reason: Option<String>,
    /// The endpoint a script of the page loads its list from, when the page names it.
    pub endpoint: Option<Url>,
}

impl ListPage {
    /// The newest item date on the page.
    pub fn newest(&self) -> Option<NaiveDate> {
        self.items.iter().filter_map(|i| i.date).max()
    }
}

/// How reading a list page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListOutcome {
    /// The column's list, with at least one item.
    #[default]
    Items,
    /// The page says the column has nothing (a marker in its main area): 空白栏目.
    Empty,
    /// No list govwatch recognizes, and no marker: an unknown layout or a list written
    /// by a script. Not a finding; the operator can set `[column.select]`.
    Unrecognized,
}

impl ListOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ListOutcome::Items => "items",
            ListOutcome::Empty => "empty",
            ListOutcome::Unrecognized => "unrecognized",
        }
    }
}

/// The reason given for a page with no list and no script that loads one.
pub const NO_LIST: &str = "未识别出栏目列表";

/// A column's CSS selectors (`[column.select]` in the catalog) that override automatic
/// list extraction; each part is optional. Extract owns the type, the catalog holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Selectors {
    pub item: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    pub date: Option<String>,
    pub next: Option<String>,
    /// Read the list from this endpoint (a script's JSON or HTML fragment) instead of
    /// the column page; see [`super::list_source`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For a JSON `source`: the path to the array of items (`data.list`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
}

/// Checks a column's selectors without a page, so a catalog check can report them.
pub fn check_selectors(select: &Selectors) -> Result<(), ExtractError> {
    Overrides::compile(Some(select)).map(|_| ())
}

/// Reads a list page. `page` is the URL the page was fetched from (after redirects);
/// `select` the column's overrides; `today` completes year-less dates and bounds them:
/// items dated after `today` are left out, as on that day they were not published.
///
/// Errors only when a selector in `select` is not valid CSS.
pub fn extract_list(
    html: &str,
    page: &Url,
    select: Option<&Selectors>,
    today: NaiveDate,
) -> Result<ListPage, ExtractError> {
    read_list(html, page, select, today, false).map(|(list, _)| list)
}

/// [`extract_list`] and, for each block of the page that could be the list, its score
/// and the reasons for it (`govwatch extract --explain`).
pub fn explain_list(
    html: &str,
    page: &Url,
    select: Option<&Selectors>,
    today: NaiveDate,
) -> Result<(ListPage, Vec<CandidateReport>), ExtractError> {
    read_list(html, page, select, today, true)
}

fn read_list(
    html: &str,
    page: &Url,
    select: Option<&Selectors>,
    today: NaiveDate,
    explain: bool,
) -> Result<(ListPage, Vec<CandidateReport>), ExtractError> {
    let overrides = Overrides::compile(select)?;
    let doc = super::dom::parse_document(html);
    let base = effective_base(&doc, page);
    let loaders = Loaders::new(&doc, &base);

    let stores = hanweb::datastores(html, &doc, page);
    let store = stores.iter().max_by_key(|s| s.records.len());
    let mut reports = Vec::new();

    // The column's list: the operator's selector, else a Hanweb datastore, else the
    // block that scores best. `None`: nothing recognized.
    let mut found: Option<Vec<ListItem>> = None;
    let mut chosen_container = None;
    if let Some(item_sel) = &overrides.item {
        let items = select_items(&doc, item_sel, &base, &overrides, today);
        if !items.is_empty() {
            found = Some(items);
        }
    }
    if found.is_none()
        && let Some(ds) = store
    {
        let records = super::dom::parse_document(&hanweb::records_document(&ds.records));
        let items = match &overrides.item {
            Some(item_sel) => select_items(&records, item_sel, &base, &overrides, today),
            None => {
                let cands = candidates(&records, &base, &overrides, today);
                let (chosen, r) = list_choice::choose(&records, page, &cands, true, explain);
                if explain {
                    reports.extend(r);
                }
                chosen
                    .and_then(|i| cands.into_iter().nth(i))
                    .map(Candidate::into_items)
                    .unwrap_or_default()
            }
        };
        if !items.is_empty() {
            found = Some(items);
        }
    }
    if found.is_none() && overrides.item.is_none() {
        let cands = candidates(&doc, &base, &overrides, today);
        let (chosen, r) = list_choice::choose(&doc, page, &cands, false, explain);
        if explain {
            reports.extend(r);
        }
        if let Some(c) = chosen.and_then(|i| cands.into_iter().nth(i)) {
            chosen_container = Some(c.container.id());
            found = Some(c.into_items());
        }
    }
    let chosen_el = chosen_container.and_then(|id| doc.tree.get(id).and_then(ElementRef::wrap));

    let (next, pages_total) = if let Some(next_sel) = &overrides.next {
        let next = doc
            .select(next_sel)
            .find_map(|e| link_of(e).and_then(|h| resolve(&base, h).ok()));
        (next, pager::pages_total(&doc))
    } else if let Some(ds) = store {
        (hanweb::next_group(ds, page), hanweb::pages_total(ds, page))
    } else if let Some(p) = trs::find(html) {
        (trs::next_page(&p, page), Some(p.count))
    } else {
        let next = pager::next_by_label(&doc, &base, page)
            .or_else(|| pager::next_by_number(&doc, &base, page));
        match (next, pager::pages_total(&doc)) {
            (None, total) => {
                // A pager the page's script writes (`document.write`).
                let written = pager::written_html(&doc)
                    .map(|h| super::dom::parse_document(&format!("<html><body>{h}</body></html>")));
                match written {
                    Some(w) => (
                        pager::next_by_label(&w, &base, page)
                            .or_else(|| pager::next_by_number(&w, &base, page)),
                        total.or_else(|| pager::pages_total(&w)),
                    ),
                    None => (None, total),
                }
            }
            found => found,
        }
    };

    let mut list = ListPage {
        next,
        pages_total,
        ..ListPage::default()
    };
    // A marker in the main area makes the column empty, whatever other lists the page
    // carries (a sidebar's 热点新闻 is not the column's).
    let empty_marker =
        list_empty::marker(&doc, &loaders, chosen_el, found.is_some()).or_else(|| {
            let marker = hanweb_empty(html, &stores);
            if marker.is_some() {
                list.pages_total = Some(0);
            }
            marker
        });
    let chosen_by_operator = overrides.item.is_some() && found.is_some();
    match (found, empty_marker) {
        (_, Some(marker)) if !chosen_by_operator => {
            list.outcome = ListOutcome::Empty;
            list.empty_reason = Some(marker);
            list.next = None;
        }
        (Some(items), _) => {
            let all = items.len();
            list.items = dedupe(items)
                .into_iter()
                .filter(|i| i.date.is_none_or(|d| d <= today))
                .collect();
            if list.items.is_empty() && all > 0 {
                list.outcome = ListOutcome::Empty;
                list.empty_reason = Some(format!("所列条目均晚于{today}"));
            }
        }
        (None, _) => {
            list.outcome = ListOutcome::Unrecognized;
            match loaders.script_list() {
                Some(script) => {
                    list.unrecognized_reason = Some(script.reason());
                    list.endpoint = script.endpoint;
                }
                None if overrides.item.is_some() => {
                    list.unrecognized_reason = Some("[column.select] item 未选中任何条目".into());
                }
                None => list.unrecognized_reason = Some(NO_LIST.into()),
            }
        }
    }
    Ok((list, reports))
}

/// A Hanweb page whose datastore says it holds no record (`<totalrecord>0`).
fn hanweb_empty(html: &str, stores: &[hanweb::Datastore]) -> Option<String> {
    (stores.is_empty() && hanweb::says_no_records(html)).then(|| "共0条".to_string())
}

/// The compiled `[column.select]` table.
#[derive(Default)]
pub(crate) struct Overrides {
    item: Option<Selector>,
    title: Option<Selector>,
    link: Option<Selector>,
    date: Option<Selector>,
    next: Option<Selector>,
}

impl Overrides {
    pub(crate) fn compile(select: Option<&Selectors>) -> Result<Self, ExtractError> {
        let Some(s) = select else {
            return Ok(Self::default());
        };
        let one = |part: &'static str, text: &Option<String>| {
            text.as_deref().map(|t| parse_selector(part, t)).transpose()
        };
        Ok(Self {
            item: one("item", &s.item)?,
            title: one("title", &s.title)?,
            link: one("link", &s.link)?,
            date: one("date", &s.date)?,
            next: one("next", &s.next)?,
        })
    }
}

fn select_items(
    doc: &Html,
    item_sel: &Selector,
    base: &Url,
    overrides: &Overrides,
    today: NaiveDate,
) -> Vec<ListItem> {
    doc.select(item_sel)
        .filter_map(|e| build_item(e, base, overrides, today))
        .map(|b| b.item)
        .collect()
}

/// An item as detection sees it.
pub(crate) struct Built {
    pub item: ListItem,
    /// The item's element.
    pub node: NodeId,
    /// The `tag.class` of the item element, to tell list rows from a heading row.
    signature: String,
}

/// A block of sibling elements that each hold one item.
pub(crate) struct Candidate<'a> {
    pub built: Vec<Built>,
    pub region: Region,
    /// The element whose children the items are.
    pub container: ElementRef<'a>,
    /// The container and its ancestors, nearest first.
    pub ancestors: Vec<NodeId>,
    /// The items' tag (`li`, `tr`, `div` …).
    pub item_tag: &'a str,
}

impl Candidate<'_> {
    pub(crate) fn list_dated(&self) -> usize {
        self.built
            .iter()
            .filter(|b| b.item.date_source == DateSource::List)
            .count()
    }

    pub(crate) fn url_dated(&self) -> usize {
        self.built
            .iter()
            .filter(|b| b.item.date_source == DateSource::Url)
            .count()
    }

    pub(crate) fn title_chars(&self) -> usize {
        self.built
            .iter()
            .map(|b| b.item.title.chars().count())
            .sum()
    }

    /// Most items carry a date printed beside them.
    pub(crate) fn is_dated(&self) -> bool {
        let dated = self.list_dated();
        dated > 0 && dated * 2 >= self.built.len()
    }

    /// Drops the rows that are not like the others: a heading row with a column link
    /// above dated rows, a `更多` row.
    pub(crate) fn into_items(self) -> Vec<ListItem> {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        let dated = self.is_dated();
        for b in &self.built {
            if dated && b.item.date_source != DateSource::List {
                continue;
            }
            match counts.iter_mut().find(|(s, _)| *s == b.signature) {
                Some((_, n)) => *n += 1,
                None => counts.push((&b.signature, 1)),
            }
        }
        let main = counts
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(s, _)| s.to_string())
            .unwrap_or_default();
        self.built
            .into_iter()
            .filter(|b| b.signature == main || (dated && b.item.date_source == DateSource::List))
            .map(|b| b.item)
            .collect()
    }
}

/// Every block of repeated item-like siblings in the document.
pub(crate) fn candidates<'a>(
    doc: &'a Html,
    base: &Url,
    overrides: &Overrides,
    today: NaiveDate,
) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    for container in doc.root_element().descendent_elements() {
        if matches!(
            container.value().name(),
            "head" | "script" | "style" | "select" | "a" | "p" | "span" | "html"
        ) {
            continue;
        }
        let region = region_of(container);
        if region == Region::Chrome {
            continue;
        }
        let mut groups: Vec<(&str, Vec<ElementRef<'a>>)> = Vec::new();
        for child in container.child_elements() {
            let tag = child.value().name();
            match groups.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, v)) => v.push(child),
                None => groups.push((tag, vec![child])),
            }
        }
        for (item_tag, elements) in groups {
            let mut built = Vec::new();
            for e in elements {
                if region_of(e) == Region::Chrome {
                    continue;
                }
                if let Some(b) = build_item(e, base, overrides, today) {
                    built.push(b);
                }
            }
            if !built.is_empty() {
                out.push(Candidate {
                    built,
                    region,
                    container,
                    ancestors: list_choice::path_up(container),
                    item_tag,
                });
            }
        }
    }
    out
}

/// Whether a URL names a column (a list) rather than an article: a directory, an
/// `index`/`list`/`default` page, a Hanweb `/col/colNNN/`. A block of such links without
/// dates is a column menu, which on an empty column (空白栏目) is all the page has.
pub(crate) fn is_column_url(url: &Url) -> bool {
    let path = url.path();
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file
        .split(['.', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    file.is_empty()
        || matches!(stem.as_str(), "index" | "list" | "default" | "more")
        || path.contains("/col/col")
}

/// Reads one item element: its title link, its title, its date.
pub(crate) fn build_item(
    el: ElementRef<'_>,
    base: &Url,
    overrides: &Overrides,
    today: NaiveDate,
) -> Option<Built> {
    let signature = {
        let v = el.value();
        let mut classes: Vec<&str> = v.classes().collect();
        classes.sort_unstable();
        format!("{}.{}", v.name(), classes.join("."))
    };
    let anchors: Vec<ElementRef<'_>> = if el.value().name() == "a" {
        vec![el]
    } else {
        el.select(&LINKS).collect()
    };

    let (link_el, url) = match &overrides.link {
        Some(s) => {
            let e = el.select(s).next()?;
            let href = link_of(e)?;
            (e, resolve(base, href).ok()?)
        }
        None => {
            // A block that holds a list is not an item of it.
            if anchors.len() > 4 || el.select(&ROWS).next().is_some() {
                return None;
            }
            let titled: Vec<(usize, ElementRef<'_>, Url)> = anchors
                .iter()
                .filter_map(|a| {
                    let title = anchor_title(*a, today);
                    if is_furniture_text(&title) {
                        return None;
                    }
                    let url = resolve(base, a.attr("href")?).ok()?;
                    Some((title.chars().count(), *a, url))
                })
                .collect();
            // Two article-length titles to different pages: two items, not one.
            let mut long_urls: Vec<&Url> = titled
                .iter()
                .filter(|(n, _, _)| *n >= 8)
                .map(|(_, _, u)| u)
                .collect();
            long_urls.sort();
            long_urls.dedup();
            if long_urls.len() > 1 {
                return None;
            }
            titled
                .into_iter()
                .max_by(|x, y| x.0.cmp(&y.0))
                .map(|(_, a, u)| (a, u))?
        }
    };

    // `a.html#p2` is the article `a.html`.
    let mut url = url;
    url.set_fragment(None);

    let title = match &overrides.title {
        Some(s) => element_title(el.select(s).next()?, today),
        None => element_title(link_el, today),
    };
    if title.chars().count() < 2 || (overrides.link.is_none() && is_furniture_text(&title)) {
        return None;
    }

    let url_date = dates::date_from_url(&url, today);
    let year_hint = url_date.map(|d| chrono::Datelike::year(&d));
    let list_date = match &overrides.date {
        Some(s) => el.select(s).next().and_then(|d| {
            let text = text_of(d);
            parse_date_cell(&text, today, year_hint)
                .or_else(|| dates::find_date(&text, today))
                .map(|f| f.date)
        }),
        None => date_in_item(el, link_el, today, year_hint, url_date),
    };
    let (date, date_source) = match list_date {
        Some(d) => (Some(d), DateSource::List),
        None => match url_date {
            Some(d) => (Some(d), DateSource::Url),
            None => (None, DateSource::None),
        },
    };
    Some(Built {
        item: ListItem {
            title,
            url,
            date,
            date_source,
        },
        node: el.id(),
        signature,
    })
}

/// The href of a link element, or of the first link inside it.
fn link_of(e: ElementRef<'_>) -> Option<&str> {
    e.attr("href")
        .or_else(|| e.select(&LINKS).next().and_then(|a| a.attr("href")))
}

/// The date printed in an item: a text that is nothing but a date (`2023-10-11`,
/// `[10-11]`, `发布日期：2023年10月11日`; of two, the publish date, see
/// [`publish_date`](super::publish_date)), else a dated text outside the title link,
/// else for a bare link the text right after it (`<a>…</a> [10-11]<br>`).
fn date_in_item(
    el: ElementRef<'_>,
    title_link: ElementRef<'_>,
    today: NaiveDate,
    year_hint: Option<i32>,
    url_date: Option<NaiveDate>,
) -> Option<NaiveDate> {
    if let Some(d) = publish_date::row_date(el, today, year_hint, url_date) {
        return Some(d);
    }
    let outside: String = text_nodes(el)
        .filter(|n| !n.ancestors().any(|a| a.id() == title_link.id()))
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(d) = publish_date::labelled_date(&outside, today, url_date) {
        return Some(d);
    }
    if let Some(f) = dates::find_date(&outside, today) {
        return Some(f.date);
    }
    if el.value().name() == "a" {
        return date_after_link(el, today, year_hint);
    }
    None
}

/// Old templates: `<a href=…>title</a>&nbsp;[10-11]<br>` with no element per row.
fn date_after_link(
    a: ElementRef<'_>,
    today: NaiveDate,
    year_hint: Option<i32>,
) -> Option<NaiveDate> {
    let mut node = a.next_sibling();
    while let Some(n) = node {
        match n.value() {
            Node::Text(t) => {
                if let Some(f) = parse_date_cell(t, today, year_hint) {
                    return Some(f.date);
                }
            }
            Node::Element(e) => {
                if matches!(e.name(), "a" | "br" | "li" | "p" | "div" | "tr" | "hr") {
                    return None;
                }
                let text = ElementRef::wrap(n).map(text_of).unwrap_or_default();
                if let Some(f) = parse_date_cell(&text, today, year_hint) {
                    return Some(f.date);
                }
            }
            _ => {}
        }
        node = n.next_sibling();
    }
    None
}

/// The title a link shows, without the date cells inside it, preferring the `title`
/// attribute when the text is cut short (`…`, `...`) or empty.
pub(crate) fn anchor_title(a: ElementRef<'_>, today: NaiveDate) -> String {
    let mut raw = String::new();
    for n in text_nodes(a) {
        if let Some(t) = n.value().as_text()
            && parse_date_cell(t, today, None).is_none()
        {
            raw.push_str(t);
            raw.push(' ');
        }
    }
    let text = normalize(&raw);
    let attr = a
        .attr("title")
        .map(normalize)
        .filter(|t| !t.is_empty())
        .or_else(|| {
            a.select(&IMG_ALT)
                .next()
                .and_then(|i| i.attr("alt"))
                .map(normalize)
                .filter(|t| !t.is_empty())
        });
    match attr {
        Some(full) if text.is_empty() || is_truncated(&text) => full,
        Some(full) if full.chars().count() > text.chars().count() && full.starts_with(&text) => {
            full
        }
        _ => text,
    }
}

/// Title of any element: a link's as [`anchor_title`], else its text.
fn element_title(e: ElementRef<'_>, today: NaiveDate) -> String {
    if e.value().name() == "a" {
        return anchor_title(e, today);
    }
    let text = text_of(e);
    match e.attr("title").map(normalize).filter(|t| !t.is_empty()) {
        Some(full) if text.is_empty() || is_truncated(&text) => full,
        _ => text,
    }
}

/// One item per URL, the first seen.
pub(crate) fn dedupe(items: Vec<ListItem>) -> Vec<ListItem> {
    let mut seen = std::collections::HashSet::new();
    items
        .into_iter()
        .filter(|i| seen.insert(i.url.clone()))
        .collect()
}
