//! Small helpers over the parsed HTML tree shared by the extractors: readable text,
//! link resolution, and telling page chrome (menus, breadcrumbs, pagers, footers) from
//! content. Kept apart so that every extractor judges a page the same way.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use super::ExtractError;

/// How deep elements may nest. Browsers cap nesting too (Blink at 512): a page of
/// thousands of unclosed `<div>`s costs time quadratic in its depth, both in the HTML
/// parser (every start tag scans the stack of open elements) and in the extractors,
/// which is minutes to hours of CPU for a few hundred kilobytes. Real list pages nest a
/// few dozen levels.
pub const MAX_DEPTH: usize = 256;

/// Parses a page like [`Html::parse_document`], bounded in depth: the HTML is read up
/// to the first tag that would nest deeper than [`MAX_DEPTH`] by a count of open and
/// close tags (what follows is dropped, as a truncated download would be), and every
/// node that still ends up deeper becomes, in document order, a child of its ancestor
/// at that depth. Every extractor parses through this.
pub fn parse_document(html: &str) -> Html {
    let html = match nesting_cut(html, MAX_DEPTH) {
        Some(cut) => &html[..cut],
        None => html,
    };
    let mut doc = Html::parse_document(html);
    flatten_deeper_than(&mut doc, MAX_DEPTH);
    doc
}

/// A page's decoded text and its parse, made once for every reader of the page (its
/// links, its error-page fingerprint, its text for the content scan).
pub struct Parsed {
    pub text: String,
    pub doc: Html,
}

impl Parsed {
    /// Parses `text` with [`parse_document`].
    pub fn of(text: String) -> Parsed {
        let doc = parse_document(&text);
        Parsed { text, doc }
    }
}

/// Elements without content or whose end tag may be left out (the parser closes them
/// itself): they do not count towards nesting.
const NOT_NESTING: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "li", "p", "td", "th", "tr", "dt", "dd", "option", "optgroup", "thead",
    "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rp", "html", "head", "body",
];

/// The byte offset of the first start tag that opens more than `limit` elements at once
/// (a cheap count over the tags, not a parse), if any.
fn nesting_cut(html: &str, limit: usize) -> Option<usize> {
    let b = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'<') {
        let start = i + p;
        let mut j = start + 1;
        let closing = b.get(j) == Some(&b'/');
        if closing {
            j += 1;
        }
        let name_start = j;
        while j < b.len() && b[j].is_ascii_alphanumeric() {
            j += 1;
        }
        if j == name_start {
            i = start + 1;
            continue;
        }
        let name = html[name_start..j].to_ascii_lowercase();
        let Some(end) = b[j..].iter().position(|&c| c == b'>').map(|k| j + k) else {
            break;
        };
        i = end + 1;
        if closing {
            depth = depth.saturating_sub(1);
            continue;
        }
        if matches!(
            name.as_str(),
            "script" | "style" | "textarea" | "title" | "xmp"
        ) {
            // Raw text: skip to its end tag.
            let n = name.len();
            let mut k = i;
            i = loop {
                match b[k..].windows(2).position(|w| w == b"</") {
                    Some(q) => {
                        let at = k + q;
                        if b.len() >= at + 2 + n
                            && b[at + 2..at + 2 + n].eq_ignore_ascii_case(name.as_bytes())
                        {
                            break at;
                        }
                        k = at + 2;
                    }
                    None => break b.len(),
                }
            };
            continue;
        }
        if b[end - 1] == b'/' || NOT_NESTING.contains(&name.as_str()) {
            continue;
        }
        depth += 1;
        if depth > limit {
            return Some(start);
        }
    }
    None
}

fn flatten_deeper_than(doc: &mut Html, max: usize) {
    use ego_tree::iter::Edge;
    // (node, its ancestor at depth `max`), in document order.
    let mut moves = Vec::new();
    let mut path: Vec<ego_tree::NodeId> = Vec::new();
    for edge in doc.tree.root().traverse() {
        match edge {
            Edge::Open(node) => {
                if path.len() > max {
                    moves.push((node.id(), path[max]));
                }
                path.push(node.id());
            }
            Edge::Close(_) => {
                path.pop();
            }
        }
    }
    for (node, anchor) in moves {
        if let Some(mut n) = doc.tree.get_mut(node) {
            n.detach();
        }
        if let Some(mut a) = doc.tree.get_mut(anchor) {
            a.append_id(node);
        }
    }
}

/// How far a part of the page is from content, judged by its tag and its id/class words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Region {
    Content,
    /// Menus, headers, column navigation: links without dates live here.
    Navigation,
    /// Footers, breadcrumbs, pagers, copyright: never items.
    Chrome,
}

/// The region of `el`: the strongest of its own and its ancestors'.
pub(crate) fn region_of(el: ElementRef<'_>) -> Region {
    let mut region = Region::Content;
    let mut node = Some(*el);
    while let Some(n) = node {
        if let Some(e) = n.value().as_element() {
            region = region.max(own_region(e));
            if region == Region::Chrome {
                break;
            }
        }
        node = n.parent();
    }
    region
}

fn own_region(e: &scraper::node::Element) -> Region {
    match e.name() {
        "footer" => return Region::Chrome,
        "nav" | "header" => return Region::Navigation,
        _ => {}
    }
    let mut region = Region::Content;
    let words = e.id().into_iter().chain(e.classes());
    for word in words {
        let w = word.to_ascii_lowercase();
        let chrome = [
            "footer",
            "crumb",
            "pager",
            "pagination",
            "fenye",
            "copyright",
            "banquan",
        ]
        .iter()
        .any(|k| w.contains(k))
            || [
                "foot", "bottom", "ft", "position", "location", "dqwz", "weizhi", "pages",
                "pagebar", "page_bar", "page-bar", "page_nav", "pagenav",
            ]
            .contains(&w.as_str());
        if chrome {
            return Region::Chrome;
        }
        let nav = ["nav", "menu", "daohang"].iter().any(|k| w.contains(k))
            || ["dh", "top", "head", "header", "topbar", "logo", "banner"].contains(&w.as_str());
        if nav {
            region = Region::Navigation;
        }
    }
    region
}

/// An element's id and class words, lower-cased (borrowed when they already are).
pub(crate) fn own_words(
    e: &scraper::node::Element,
) -> impl Iterator<Item = std::borrow::Cow<'_, str>> {
    e.id().into_iter().chain(e.classes()).map(|w| {
        if w.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(w.to_ascii_lowercase())
        } else {
            std::borrow::Cow::Borrowed(w)
        }
    })
}

/// The text of `el` (whitespace collapsed) if it has at most `max` characters, without
/// reading more of a large block than that.
pub(crate) fn short_text(el: ElementRef<'_>, max: usize) -> Option<String> {
    let mut raw = String::new();
    let mut chars = 0;
    for n in text_nodes(el) {
        if let Some(t) = n.value().as_text() {
            chars += t.trim().chars().count();
            if chars > max {
                return None;
            }
            raw.push_str(t);
            raw.push(' ');
        }
    }
    Some(normalize(&raw))
}

/// Whether `el` sits in the page's footer (版权所有, 网站标识码 …).
pub(crate) fn in_footer(el: ElementRef<'_>) -> bool {
    ancestors_and_self(el).any(|e| {
        e.value().name() == "footer"
            || own_words(e.value()).any(|w| {
                ["footer", "copyright", "banquan"]
                    .iter()
                    .any(|k| w.contains(k))
                    || ["foot", "bottom", "ft"].contains(&w.as_ref())
            })
    })
}

pub(crate) fn ancestors_and_self(el: ElementRef<'_>) -> impl Iterator<Item = ElementRef<'_>> {
    std::iter::once(el).chain(el.ancestors().filter_map(ElementRef::wrap))
}

/// The URL relative links resolve against: `<base href>` if the page has one (itself
/// resolved against the page URL), else the page URL.
pub(crate) fn effective_base(doc: &Html, page: &Url) -> Url {
    let sel = Selector::parse("base[href]").unwrap();
    doc.select(&sel)
        .next()
        .and_then(|b| b.attr("href"))
        .and_then(|href| page.join(href.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone())
}

/// Why an `href`/`src` gives no URL to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unfollowable {
    /// `javascript:`, `mailto:`, `tel:`, `data:`, a bare `#fragment`, an empty value, or a
    /// scheme other than http(s): nothing to fetch, by design.
    NotAPage,
    /// It should be a URL but does not parse (`http://`, `http://a b.gov.cn/`).
    Malformed,
    /// An e-mail address without `mailto:` (`zfb@a.gov.cn`): a browser opens it as a
    /// relative page, which does not exist.
    MissingMailto,
}

/// Resolves an attribute value to an absolute http(s) URL.
pub(crate) fn resolve(base: &Url, href: &str) -> Result<Url, Unfollowable> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return Err(Unfollowable::NotAPage);
    }
    if is_bare_email(href) {
        return Err(Unfollowable::MissingMailto);
    }
    let lower = href.to_ascii_lowercase();
    if is_misspelt_scheme(&lower) {
        return Err(Unfollowable::Malformed);
    }
    if ["javascript:", "mailto:", "tel:", "data:", "sms:", "about:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return Err(Unfollowable::NotAPage);
    }
    match base.join(href) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
        Ok(_) => Err(Unfollowable::NotAPage),
        Err(_) => Err(Unfollowable::Malformed),
    }
}

/// `https;//…`, `http//…`, `http:/…`, `http：//…`: meant as an absolute URL, but a
/// browser reads it as a relative path.
fn is_misspelt_scheme(lower: &str) -> bool {
    let Some(rest) = lower
        .strip_prefix("https")
        .or_else(|| lower.strip_prefix("http"))
    else {
        return false;
    };
    !rest.starts_with("://")
        && [";", "//", ":/", ":\\", "：", "；"]
            .iter()
            .any(|p| rest.starts_with(p))
}

/// `zfb@a.gov.cn`: one `@` between a local part and a dotted domain, nothing that makes
/// it a path, a scheme or a query (`user@host/page`, `http://u@h/` are URLs).
fn is_bare_email(href: &str) -> bool {
    let Some((local, domain)) = href.split_once('@') else {
        return false;
    };
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+') && c.is_ascii())
    };
    plain(local) && plain(domain) && domain.contains('.') && !domain.ends_with('.')
}

/// Collapses runs of whitespace (also U+3000 and NBSP) into one space and trims.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}') {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The text nodes under `el` in document order, leaving out scripts and styles.
pub(crate) fn text_nodes<'a>(el: ElementRef<'a>) -> impl Iterator<Item = NodeRef<'a, Node>> {
    el.descendants().filter(|n| {
        n.value().is_text()
            && !n.ancestors().any(|a| {
                a.value()
                    .as_element()
                    .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript"))
            })
    })
}

/// Readable text of `el`, whitespace collapsed.
pub(crate) fn text_of(el: ElementRef<'_>) -> String {
    let mut raw = String::new();
    for n in text_nodes(el) {
        if let Some(t) = n.value().as_text() {
            raw.push_str(t);
            raw.push(' ');
        }
    }
    normalize(&raw)
}

/// Whether a title was cut short by the template (`关于做好…`, `关于做好...`).
pub(crate) fn is_truncated(text: &str) -> bool {
    let t = text.trim_end();
    t.ends_with('…') || t.ends_with("...") || t.ends_with("..") || t.ends_with("。。。")
}

/// Link texts that are page furniture, not item titles.
pub(crate) fn is_furniture_text(text: &str) -> bool {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let bare = lower.trim_matches(|c: char| {
        matches!(
            c,
            '>' | '<' | '»' | '«' | '+' | ' ' | '＞' | '》' | '[' | ']'
        )
    });
    (t.contains("更多") && t.chars().count() <= 8)
        || matches!(
            bare,
            "" | "more"
                | "首页"
                | "上一页"
                | "下一页"
                | "上页"
                | "下页"
                | "尾页"
                | "末页"
                | "前页"
                | "后页"
                | "返回"
                | "返回顶部"
                | "打印"
                | "关闭"
                | "关闭窗口"
        )
        || bare.chars().all(|c| c.is_ascii_digit())
}

pub(crate) fn parse_selector(part: &'static str, text: &str) -> Result<Selector, ExtractError> {
    Selector::parse(text).map_err(|e| ExtractError::BadSelector {
        part,
        selector: text.to_string(),
        reason: e.to_string(),
    })
}

/// `a[href]`, `li, tr`, `img[alt]`: asked for every element the list detector weighs.
pub(crate) static LINKS: LazyLock<Selector> = LazyLock::new(|| sel("a[href]").clone());
pub(crate) static ROWS: LazyLock<Selector> = LazyLock::new(|| sel("li, tr").clone());
pub(crate) static IMG_ALT: LazyLock<Selector> = LazyLock::new(|| sel("img[alt]").clone());

/// A selector written in the code; they are all valid.
pub(crate) fn sel(text: &'static str) -> &'static Selector {
    // Parsed once per process: pages are read by the thousand with the same few.
    static PARSED: LazyLock<Mutex<HashMap<&'static str, &'static Selector>>> =
        LazyLock::new(Default::default);
    let mut parsed = PARSED.lock().unwrap_or_else(|e| e.into_inner());
    parsed
        .entry(text)
        .or_insert_with(|| Box::leak(Box::new(Selector::parse(text).expect("selector in code"))))
}
