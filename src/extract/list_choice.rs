//! Which block of a list page is the column's own list (栏目列表), and why.
//!
//! A county portal's column page shows the column's list in its main area and, around
//! it, lists that belong to other columns: 热点新闻, 最新信息, 推荐阅读, 相关链接 in a
//! sidebar, a menu of columns, a footer. Those lists carry dates too, so "the largest
//! dated block" picks a sidebar whenever the column's own list is short, undated or
//! empty. Each block of repeated items ([`Candidate`]) is scored instead on what makes
//! it the column's:
//!
//! - near the pager (下一页, 共N条) and the breadcrumb (当前位置), as the main area is;
//! - under a heading naming the column, not a sidebar heading (热点新闻 …);
//! - its links under the column's path or carrying the column's id
//!   (`/xxgk/tzgg/202009/t…` on `/xxgk/tzgg/index.html`, `art_9012_…` on `col9012`);
//! - not in a block whose class says sidebar (side, hot, rank, related …) or menu;
//! - dated beside the titles or in the URLs, of article-length titles, and many.
//!
//! Every score comes with its reasons, which `govwatch extract --explain` prints.

use std::sync::LazyLock;

use ego_tree::NodeId;
use regex::Regex;
use scraper::{ElementRef, Html};
use url::Url;

use super::dom::{Region, ancestors_and_self, normalize, own_words, sel, short_text, text_of};
use super::list::{Candidate, is_column_url};

/// A candidate's score and the reasons for it, as `extract --explain` shows them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CandidateReport {
    /// A CSS selector for the candidate's items, usable as `[column.select] item`.
    pub selector: String,
    pub items: usize,
    pub score: i32,
    pub reasons: Vec<String>,
    pub chosen: bool,
}

/// Scores every candidate; returns the index of the column's list (if any block earns
/// a positive score) and a report per candidate.
pub(crate) fn choose(
    doc: &Html,
    page: &Url,
    cands: &[Candidate<'_>],
    records_only: bool,
    explain: bool,
) -> (Option<usize>, Vec<CandidateReport>) {
    let context = PageContext::read(doc, page);
    // A block inside a row of a longer list is part of that row (`li > a` + date).
    let mut rows: Vec<NodeId> = cands
        .iter()
        .filter(|c| c.built.len() >= 2)
        .flat_map(|c| c.built.iter().map(|b| b.node))
        .collect();
    rows.sort_unstable();
    let mut reports: Vec<CandidateReport> = Vec::with_capacity(cands.len());
    let mut eligible: Vec<bool> = Vec::with_capacity(cands.len());
    let mut breadcrumb_distance: Vec<Option<usize>> = Vec::with_capacity(cands.len());
    let mut nested: Vec<bool> = Vec::with_capacity(cands.len());
    for c in cands {
        let inside_row = c
            .ancestors
            .iter()
            .take(3)
            .any(|id| rows.binary_search(id).is_ok());
        nested.push(inside_row);
        if inside_row {
            breadcrumb_distance.push(None);
            eligible.push(false);
            reports.push(CandidateReport {
                selector: String::new(),
                items: c.built.len(),
                score: 0,
                reasons: Vec::new(),
                chosen: false,
            });
            continue;
        }
        let (score, reasons, ok) = score(c, &context, records_only, explain);
        breadcrumb_distance.push(context.distance_to(&c.ancestors, &context.breadcrumbs));
        eligible.push(ok);
        reports.push(CandidateReport {
            selector: if explain {
                selector_of(c)
            } else {
                String::new()
            },
            items: c.built.len(),
            score,
            reasons,
            chosen: false,
        });
    }
    // The main area holds the breadcrumb: of blocks that differ in how far it is, the
    // nearest gain.
    let nearest = breadcrumb_distance.iter().flatten().min().copied();
    let farthest = breadcrumb_distance.iter().flatten().max().copied();
    if let (Some(near), Some(far)) = (nearest, farthest)
        && near < far
        && near <= 4
    {
        for (r, d) in reports.iter_mut().zip(&breadcrumb_distance) {
            if *d == Some(near) {
                r.score += 10;
                if explain {
                    r.reasons
                        .push("+10 nearest to the breadcrumb (当前位置)".into());
                }
            }
        }
    }
    let chosen = reports
        .iter()
        .enumerate()
        .filter(|(i, r)| eligible[*i] && r.score > 0)
        .max_by(|(ia, a), (ib, b)| a.score.cmp(&b.score).then(ib.cmp(ia)))
        .map(|(i, _)| i);
    if let Some(i) = chosen {
        reports[i].chosen = true;
    }
    if !explain {
        return (chosen, Vec::new());
    }
    // Blocks inside rows are parts of their rows: not worth a line of `--explain`.
    let shown = reports
        .into_iter()
        .zip(&nested)
        .filter(|(_, n)| !**n)
        .map(|(r, _)| r)
        .collect();
    (chosen, shown)
}

fn score(
    c: &Candidate<'_>,
    page: &PageContext,
    records_only: bool,
    explain: bool,
) -> (i32, Vec<String>, bool) {
    let n = c.built.len();
    let mut score = 0i32;
    let mut reasons = Vec::new();
    // The reasons are written only for `--explain`: most pages never show them.
    let mut add = |points: i32, why: &dyn Fn() -> String| {
        score += points;
        if explain {
            reasons.push(format!("{points:+} {}", why()));
        }
    };
    add(n.min(20) as i32, &|| format!("{n} item(s)"));

    let list_dated = c.list_dated();
    let url_dated = c.url_dated();
    if c.is_dated() {
        add(15, &|| format!("{list_dated} dated beside the title"));
    } else if url_dated * 2 >= n && url_dated > 0 {
        add(8, &|| format!("{url_dated} dated by their URL"));
    }
    let title_chars = c.title_chars();
    let long_titles = title_chars >= 8 * n;
    if title_chars < 6 * n {
        add(-10, &|| "short link texts".into());
    }
    let columns = c
        .built
        .iter()
        .filter(|b| is_column_url(&b.item.url))
        .count();
    if columns * 2 >= n {
        add(-30, &|| {
            format!("{columns} link(s) to columns, as a menu has")
        });
    }

    if c.region == Region::Navigation {
        add(-30, &|| "inside a menu or header".into());
    }
    if let Some(word) = sidebar_word(c.container) {
        add(-40, &|| {
            format!("in a sidebar block (class or id \"{word}\")")
        });
    }
    match heading_of(c.container) {
        Some(h) if page.column_titles.iter().any(|t| same_title(t, &h)) => {
            add(40, &|| format!("under the column's own title \"{h}\""));
        }
        Some(h) if SIDEBAR_HEADING.is_match(&h) => {
            add(-40, &|| format!("under the sidebar heading \"{h}\""));
        }
        _ => {}
    }
    if let Some(d) = page.distance_to(&c.ancestors, &page.pagers)
        && d <= 2
    {
        add(30, &|| "beside the pager".into());
    }
    let shared = c
        .built
        .iter()
        .filter(|b| page.is_own_link(&b.item.url))
        .count();
    if shared * 2 >= n && shared > 0 {
        let points = (30 * shared / n) as i32;
        add(points, &|| {
            format!("{shared} link(s) under the column's path or id")
        });
    }

    // A block without printed dates is a list only if it looks like one: article-length
    // titles, not a menu of columns, in the main area (as before scoring existed).
    let eligible = c.is_dated()
        || ((records_only || (c.region == Region::Content && n >= 2))
            && long_titles
            && columns * 2 < n);
    if !eligible && explain {
        reasons.push("not a list: no dates, short titles or links to columns".into());
    }
    (score, reasons, eligible)
}

/// What the page says about itself: the column's title, where its pager and
/// breadcrumb are, and its path and ids.
struct PageContext {
    /// The column's name as the page shows it: the breadcrumb's last part, the
    /// `<title>`'s first part.
    column_titles: Vec<String>,
    /// Each pager element with its ancestors (nearest first).
    pagers: Vec<Vec<NodeId>>,
    breadcrumbs: Vec<Vec<NodeId>>,
    /// The page's directory (`/xxgk/tzgg/`), unless it is the site's root.
    dir: Option<String>,
    /// Numbers in the page's path and query that name the column (`col9012`,
    /// `channelId=33`), years left out.
    ids: Vec<String>,
}

static PAGER_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"下一页|下页|尾页|末页|上一页|共\s*\d+\s*(条|页|篇)|第\s*\d+\s*页|\d+\s*/\s*\d+\s*页|页次",
    )
    .unwrap()
});
static BREADCRUMB_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"当前位置|您的位置|所在位置|当前所在|您现在的位置").unwrap());
static SIDEBAR_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"热点|热门|最新|推荐|相关|排行|点击|图片新闻|专题|友情链接|猜你喜欢|阅读|关注|精彩|视频|常用|便民|快速通道",
    )
    .unwrap()
});
static DIGITS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d{3,}").unwrap());

impl PageContext {
    fn read(doc: &Html, page: &Url) -> PageContext {
        let mut pagers = Vec::new();
        let mut breadcrumbs = Vec::new();
        let mut crumb_last: Option<String> = None;
        let mut title = None;
        for el in doc.root_element().descendent_elements() {
            let name = el.value().name();
            match name {
                // Script pagers (`createPageHTML(…)`, jpage) sit where the pager is drawn.
                "script" => {
                    if el
                        .text()
                        .any(|t| t.contains("createPageHTML") || t.contains("jpage("))
                    {
                        pagers.push(path_up(el));
                    }
                    continue;
                }
                "title" if title.is_none() => {
                    title = Some(text_of(el));
                    continue;
                }
                "style" | "head" | "meta" | "link" | "title" => continue,
                _ => {}
            }
            let mut crumb_class = false;
            let mut pager_class = false;
            for w in own_words(el.value()) {
                crumb_class |= ["crumb", "position", "location", "dqwz", "weizhi", "mianbao"]
                    .iter()
                    .any(|k| w.contains(k));
                pager_class |= [
                    "pager",
                    "pagination",
                    "fenye",
                    "page_nav",
                    "pagenav",
                    "pagebar",
                ]
                .iter()
                .any(|k| w.contains(k))
                    || matches!(w.as_ref(), "page" | "pages" | "page-box" | "pagebox");
            }
            // The element's own text, borrowed when it is one text node (the usual case).
            let mut texts = el.children().filter_map(|n| n.value().as_text());
            let own_text: std::borrow::Cow<'_, str> = match (texts.next(), texts.next()) {
                (None, _) => "".into(),
                (Some(t), None) => (&**t).into(),
                (Some(a), Some(b)) => {
                    let mut all = format!("{}{}", &**a, &**b);
                    texts.for_each(|t| all.push_str(t));
                    all.into()
                }
            };
            let own_text = own_text.trim();
            if crumb_class || (!own_text.is_empty() && BREADCRUMB_TEXT.is_match(own_text)) {
                breadcrumbs.push(path_up(el));
                if crumb_last.is_none() {
                    crumb_last = breadcrumb_last(el);
                }
            }
            let pager_link = name == "a"
                && matches!(
                    own_text,
                    "下一页" | "下页" | "尾页" | "末页" | "上一页" | "上页"
                );
            if pager_class
                || pager_link
                || (name != "a" && !own_text.is_empty() && PAGER_TEXT.is_match(own_text))
            {
                pagers.push(path_up(el));
            }
        }
        let mut column_titles = Vec::new();
        if let Some(t) = crumb_last.filter(|t| !t.is_empty()) {
            column_titles.push(t);
        }
        if let Some(title) = title {
            let first = title
                .split(['-', '_', '|', '—', '－', '｜'])
                .next()
                .map(normalize)
                .unwrap_or_default();
            if !first.is_empty() {
                column_titles.push(first);
            }
        }
        let path = page.path();
        let dir = path
            .rsplit_once('/')
            .map(|(d, _)| format!("{d}/"))
            .filter(|d| d != "/");
        let mut ids: Vec<String> = DIGITS
            .find_iter(&format!("{path}?{}", page.query().unwrap_or("")))
            .map(|m| m.as_str().to_string())
            .filter(|d| {
                !(d.len() == 4 && d.parse::<u32>().is_ok_and(|y| (1990..=2100).contains(&y)))
                    && d.len() <= 12
            })
            .collect();
        ids.dedup();
        PageContext {
            column_titles,
            pagers,
            breadcrumbs,
            dir,
            ids,
        }
    }

    /// How many levels above a candidate's container its nearest ancestor holding one
    /// of `targets` is (0: the container itself holds it).
    fn distance_to(&self, ancestors: &[NodeId], targets: &[Vec<NodeId>]) -> Option<usize> {
        targets
            .iter()
            .filter_map(|up| {
                up.iter()
                    .find_map(|id| ancestors.iter().position(|a| a == id))
            })
            .min()
    }

    /// Whether an item link belongs to this column: under its directory or carrying
    /// one of its ids as a whole number.
    fn is_own_link(&self, url: &Url) -> bool {
        if let Some(dir) = &self.dir
            && url.path().starts_with(dir.as_str())
        {
            return true;
        }
        if self.ids.is_empty() {
            return false;
        }
        [Some(url.path()), url.query()]
            .into_iter()
            .flatten()
            .flat_map(|part| DIGITS.find_iter(part))
            .any(|m| self.ids.iter().any(|id| id == m.as_str()))
    }
}

/// The column's name in a breadcrumb: the text after its last separator, else its
/// last link (`首页 > 政务公开 > 通知公告`).
fn breadcrumb_last(el: ElementRef<'_>) -> Option<String> {
    let text = text_of(el);
    let tail = text
        .rsplit(['>', '＞', '»', '›', '/'])
        .next()
        .map(normalize)
        .filter(|t| !t.is_empty() && !BREADCRUMB_TEXT.is_match(t));
    tail.or_else(|| el.select(sel("a")).last().map(text_of))
}

/// The element and its ancestors, nearest first.
pub(crate) fn path_up(el: ElementRef<'_>) -> Vec<NodeId> {
    ancestors_and_self(el).map(|e| e.id()).collect()
}

/// A class or id word of the container or its near ancestors that marks a sidebar.
fn sidebar_word(container: ElementRef<'_>) -> Option<String> {
    ancestors_and_self(container)
        .take(6)
        .find_map(|e| own_words(e.value()).find(|w| is_sidebar_word(w)))
        .map(|w| w.into_owned())
}

pub(crate) fn is_sidebar_word(w: &str) -> bool {
    [
        "side",
        "hot",
        "rank",
        "relate",
        "recommend",
        "tuijian",
        "redian",
        "paihang",
        "remen",
        "xgwz",
        "xglj",
        "xgxx",
        "yqlj",
        "friend",
        "zxxx",
        "latest",
        "newest",
    ]
    .iter()
    .any(|k| w.contains(k))
}

/// The heading right above a block: the nearest short text before it among its own
/// and its near ancestors' earlier siblings (`<h3>热点新闻</h3><ul>…`).
fn heading_of(container: ElementRef<'_>) -> Option<String> {
    for el in ancestors_and_self(container).take(3) {
        fn signature<'a>(e: ElementRef<'a>) -> (&'a str, Option<&'a str>) {
            (e.value().name(), e.value().attr("class"))
        }
        let own = signature(el);
        // Earlier rows of the same list are not its heading.
        let before = el
            .prev_siblings()
            .filter_map(ElementRef::wrap)
            .filter(|s| signature(*s) != own);
        for sib in before.take(2) {
            if matches!(sib.value().name(), "script" | "style") {
                continue;
            }
            let text = short_text(sib, 40)?;
            let text = text
                .replace("更多", "")
                .trim_matches(|c: char| {
                    c.is_whitespace() || matches!(c, '>' | '»' | '+' | '＞' | '》' | '|')
                })
                .to_string();
            let links = sib.select(sel("a[href]")).count();
            if !text.is_empty() && text.chars().count() <= 16 && links <= 2 {
                return Some(text);
            }
            if !text.is_empty() {
                return None;
            }
        }
    }
    None
}

fn same_title(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let (a, b) = (strip(a), strip(b));
    !a.is_empty() && a == b
}

/// `div.main > ul.list > li`: the candidate's items as a selector.
fn selector_of(c: &Candidate<'_>) -> String {
    let one = |e: ElementRef<'_>| {
        let v = e.value();
        let mut s = v.name().to_string();
        if let Some(id) = v.id().filter(|id| is_css_ident(id)) {
            s.push('#');
            s.push_str(id);
            return s;
        }
        for class in v.classes().filter(|c| is_css_ident(c)) {
            s.push('.');
            s.push_str(class);
        }
        s
    };
    let container = c.container;
    let mut parts = vec![one(container)];
    if container.value().id().is_none()
        && let Some(parent) = container.parent().and_then(ElementRef::wrap)
        && parent.value().name() != "html"
    {
        parts.insert(0, one(parent));
    }
    parts.push(c.item_tag.to_string());
    parts.join(" > ")
}

fn is_css_ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
