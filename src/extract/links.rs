//! Every link a page makes a browser follow or load, for the broken-link check (死链).
//!
//! Anchors and image maps (`a`, `area`); images in every form (`src`, `srcset` on `img`
//! and `picture > source`, lazy-load `data-src` / `data-original` / `data-lazy`, `url()`
//! in `<style>` blocks and `style=` attributes, `background` of `body`/`table`/`td`/`th`,
//! `video poster`, `input type=image`); scripts, stylesheets (not disabled ones), icons
//! and `alternate` feeds; frames and iframes; media (`embed`, `video`, `audio`, `source`,
//! `track`, `object`); the target of `<meta http-equiv=refresh>`. Resolved against
//! `<base href>` and the page URL. An anchor to a file (`.pdf`, `.doc`, `.xls`, `.wps`,
//! `.zip` …) is an [`LinkKind::Attachment`]: the national indicators count a missing
//! attachment like a dead link.
//!
//! Omitted, by design: `javascript:`, `mailto:`, `tel:`, `data:` and other non-http
//! schemes, empty values and bare `#fragment`s (nothing to fetch); form actions (a bare
//! GET gives false alarms); `canonical` and `preload` links. Fragments are cut off
//! (`a.html#top` is `a.html`), and each URL is listed once, with the kind and text of its
//! first occurrence. Values that should be URLs but cannot be followed are not dropped:
//! [`page_links`] lists them as [`MalformedLink`]s (链接格式错误: `https://example]org/x`,
//! `https;//…`; 缺少mailto:: an e-mail address as `href`), and the link stage records
//! them as broken without fetching anything.

use scraper::{ElementRef, Html};
use serde::Serialize;
use url::Url;

use super::dom::{Unfollowable, effective_base, normalize, resolve, sel, text_of};

/// What a link is for, which decides how it is checked and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    Anchor,
    Image,
    Attachment,
    Script,
    Stylesheet,
    Frame,
}

/// One link of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageLink {
    /// Absolute, without fragment.
    pub url: Url,
    /// The link text (or `title`/`alt`) for the report; empty for scripts and styles.
    pub text: String,
    pub kind: LinkKind,
}

/// A link value a browser cannot follow though it should: it does not parse as a URL,
/// or it is an e-mail address without `mailto:`. Broken links too (链接格式错误,
/// 缺少mailto:).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedLink {
    pub href: String,
    pub text: String,
    pub problem: LinkProblem,
}

/// Why a [`MalformedLink`] cannot be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkProblem {
    /// Does not parse (`https://example]org/x`, `https;//…`, `http://a b.gov.cn/`).
    Malformed,
    /// `zfb@a.gov.cn` in an `href`.
    MissingMailto,
}

impl LinkProblem {
    /// The reason in the words of the 死链清单.
    pub fn zh(self) -> &'static str {
        match self {
            LinkProblem::Malformed => "链接格式错误",
            LinkProblem::MissingMailto => "缺少mailto:",
        }
    }
}

/// A page's links: those to check, and those broken as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageLinks {
    pub links: Vec<PageLink>,
    pub malformed: Vec<MalformedLink>,
}

/// File extensions that make an anchor an attachment.
const ATTACHMENT_EXTENSIONS: [&str; 19] = [
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "dps", "zip", "rar", "7z", "ppt", "pptx",
    "txt", "ofd", "csv", "mp4", "mp3", "flv",
];

/// The followable links of a page, once each, in page order.
pub fn extract_links(html: &str, page: &Url) -> Vec<PageLink> {
    page_links(html, page).links
}

/// The values of a page that should be URLs but cannot be followed.
pub fn malformed_links(html: &str, page: &Url) -> Vec<MalformedLink> {
    page_links(html, page).malformed
}

/// Both of the above from one parse: the followable links once each, in page order, and
/// the unfollowable ones once each (by value).
pub fn page_links(html: &str, page: &Url) -> PageLinks {
    page_links_in(&super::dom::parse_document(html), page)
}

/// [`page_links`] of a page already parsed (with [`super::parse_document`]).
pub fn page_links_in(doc: &Html, page: &Url) -> PageLinks {
    let mut out = PageLinks::default();
    let mut seen = std::collections::HashSet::new();
    let mut seen_bad = std::collections::HashSet::new();
    walk(doc, page, |raw| match raw.resolved {
        Ok(mut url) => {
            url.set_fragment(None);
            if seen.insert(url.clone()) {
                let kind = match raw.kind {
                    LinkKind::Anchor if is_attachment(&url) => LinkKind::Attachment,
                    k => k,
                };
                out.links.push(PageLink {
                    url,
                    text: raw.text,
                    kind,
                });
            }
        }
        Err(why) => {
            let problem = match why {
                Unfollowable::Malformed => LinkProblem::Malformed,
                Unfollowable::MissingMailto => LinkProblem::MissingMailto,
                Unfollowable::NotAPage => return,
            };
            if seen_bad.insert(raw.href.clone()) {
                out.malformed.push(MalformedLink {
                    href: raw.href,
                    text: raw.text,
                    problem,
                });
            }
        }
    });
    out
}

/// Whether the URL path ends in a document or archive extension.
pub fn is_attachment(url: &Url) -> bool {
    let file = url.path().rsplit('/').next().unwrap_or("");
    file.rsplit_once('.')
        .is_some_and(|(_, ext)| ATTACHMENT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

struct RawLink {
    href: String,
    text: String,
    kind: LinkKind,
    resolved: Result<Url, Unfollowable>,
}

/// Elements that can carry a link a browser follows or loads.
const LINKING: &str = "a[href], area[href], img, script[src], link[href], \
    iframe[src], frame[src], embed[src], video, audio[src], source, track[src], object[data], \
    input[src], body[background], table[background], td[background], th[background], \
    meta[http-equiv][content], style, [style]";

fn walk(doc: &Html, page: &Url, mut each: impl FnMut(RawLink)) {
    let base = effective_base(doc, page);
    for e in doc.select(sel(LINKING)) {
        for (href, kind, own) in values(e) {
            let resolved = resolve(&base, &href);
            each(RawLink {
                // A style's or a container's text does not name the image it loads.
                text: if own {
                    link_text(e, kind)
                } else {
                    String::new()
                },
                href,
                kind,
                resolved,
            });
        }
    }
}

/// The link values of one element, with what each is for: what a visitor's browser
/// follows (anchors, a refresh) or loads (images in every form, scripts, styles, frames,
/// media, feeds). Not: a disabled stylesheet, a form's action (a bare GET would give
/// false alarms), `canonical`/`preload` links.
/// Each value comes with whether the element's own text or `alt` names it.
fn values(e: ElementRef<'_>) -> Vec<(String, LinkKind, bool)> {
    let mut out: Vec<(String, LinkKind, bool)> = Vec::new();
    let mut attr = |name: &str, kind: LinkKind| {
        if let Some(v) = e.attr(name) {
            out.push((v.to_string(), kind, true));
        }
    };
    match e.value().name() {
        "a" | "area" => attr("href", LinkKind::Anchor),
        "img" => {
            attr("src", LinkKind::Image);
            // jQuery lazyload and its kin: the real image waits in a data attribute.
            for lazy in ["data-src", "data-original", "data-lazy"] {
                attr(lazy, LinkKind::Image);
            }
        }
        "script" => attr("src", LinkKind::Script),
        "iframe" | "frame" => attr("src", LinkKind::Frame),
        "embed" | "audio" | "track" => attr("src", LinkKind::Attachment),
        "video" => {
            attr("src", LinkKind::Attachment);
            attr("poster", LinkKind::Image);
        }
        "source" => attr("src", LinkKind::Attachment),
        "object" => attr("data", LinkKind::Attachment),
        "input"
            if e.attr("type")
                .is_some_and(|t| t.eq_ignore_ascii_case("image")) =>
        {
            attr("src", LinkKind::Image)
        }
        "body" | "table" | "td" | "th" => {
            if let Some(v) = e.attr("background") {
                out.push((v.to_string(), LinkKind::Image, false));
            }
        }
        "meta" => {
            let refresh = e
                .attr("http-equiv")
                .is_some_and(|h| h.eq_ignore_ascii_case("refresh"));
            if let Some(target) = e
                .attr("content")
                .filter(|_| refresh)
                .and_then(refresh_target)
            {
                out.push((target, LinkKind::Anchor, false));
            }
        }
        "link" => {
            if let Some(kind) = link_rel(e) {
                attr("href", kind);
            }
        }
        "style" => {
            let css: String = e.text().collect();
            out.extend(
                css_urls(&css)
                    .into_iter()
                    .map(|u| (u, LinkKind::Image, false)),
            );
        }
        _ => {}
    }
    if let Some(srcset) = e.attr("srcset") {
        out.extend(
            srcset_urls(srcset)
                .into_iter()
                .map(|u| (u, LinkKind::Image, true)),
        );
    }
    if let Some(style) = e.attr("style") {
        out.extend(
            css_urls(style)
                .into_iter()
                .map(|u| (u, LinkKind::Image, false)),
        );
    }
    out
}

/// What a `<link>` loads: stylesheets (not disabled ones), icons, `alternate` feeds and
/// pages; `canonical`, `preload` and the like are not followed.
fn link_rel(e: ElementRef<'_>) -> Option<LinkKind> {
    let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
    let rel: Vec<&str> = rel.split_whitespace().collect();
    if rel.contains(&"stylesheet") {
        (e.attr("disabled").is_none()).then_some(LinkKind::Stylesheet)
    } else if rel.iter().any(|r| r.contains("icon")) {
        Some(LinkKind::Image)
    } else if rel.contains(&"alternate") {
        Some(LinkKind::Anchor)
    } else {
        None
    }
}

/// The target of `<meta http-equiv="refresh" content="0; url=/index.html">` (`URL=`,
/// quotes and spaces as browsers allow).
fn refresh_target(content: &str) -> Option<String> {
    let (_, rest) = content.split_once([';', ','])?;
    let rest = rest.trim_start();
    let rest = if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case("url") {
        rest[3..].trim_start().strip_prefix('=')?.trim_start()
    } else {
        rest
    };
    let target = rest.trim_matches(|c: char| c == '\'' || c == '"' || c.is_whitespace());
    (!target.is_empty()).then(|| target.to_string())
}

/// The candidates' URLs of a `srcset` (`a.jpg 1x, b.jpg 2x`, `s.jpg 480w`).
fn srcset_urls(srcset: &str) -> Vec<String> {
    srcset
        .split(',')
        .filter_map(|c| c.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The `url(…)` values of CSS (a `<style>` block or a `style` attribute).
fn css_urls(css: &str) -> Vec<String> {
    static URL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)"#)
            .expect("css url pattern")
    });
    URL.captures_iter(css)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().trim().to_string())
        .filter(|u| !u.is_empty())
        .collect()
}

fn link_text(e: ElementRef<'_>, kind: LinkKind) -> String {
    match kind {
        LinkKind::Script | LinkKind::Stylesheet => String::new(),
        _ => {
            let text = text_of(e);
            if !text.is_empty() {
                return text;
            }
            e.attr("title")
                .or_else(|| e.attr("alt"))
                .or_else(|| e.select(sel("img[alt]")).next().and_then(|i| i.attr("alt")))
                .map(normalize)
                .unwrap_or_default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_resolution() {
        let page = Url::parse("http://www.a.gov.cn/col/col12/index.html").unwrap();
        let html = r##"<html><head>
            <link rel="stylesheet" href="/css/main.css">
            <link rel="shortcut icon" href="/favicon.ico">
            <link rel="canonical" href="/col/col12/index.html">
            <script src="js/jquery.js"></script>
            </head><body>
            <a href="/art/2023/10/11/art_12_1.html">工作动态一</a>
            <a href="/art/2023/10/11/art_12_1.html#top">同一篇</a>
            <a href="../../files/附件1.PDF">附件1</a>
            <a href="http://www.b.gov.cn/a.docx">外站附件</a>
            <a href="javascript:void(0)">打印</a>
            <a href="mailto:zfb@a.gov.cn">信箱</a>
            <a href="tel:0917123">电话</a>
            <a href="#top">顶部</a>
            <a href="">空</a>
            <a href="http://">坏</a>
            <a href="http://a b.gov.cn/">空格</a>
            <a href="https://www.gov.cn/"><img src="/img/gov.png" alt="中国政府网"></a>
            <img src="data:image/png;base64,AAAA">
            <iframe src="//map.a.gov.cn/m.html"></iframe>
            <area href="/map.html" alt="地图">
            </body></html>"##;
        let got: Vec<(String, &str, LinkKind)> = extract_links(html, &page)
            .into_iter()
            .map(|l| (l.url.to_string(), "", l.kind))
            .collect();
        let want: Vec<(String, &str, LinkKind)> = [
            ("http://www.a.gov.cn/css/main.css", LinkKind::Stylesheet),
            ("http://www.a.gov.cn/favicon.ico", LinkKind::Image),
            (
                "http://www.a.gov.cn/col/col12/js/jquery.js",
                LinkKind::Script,
            ),
            (
                "http://www.a.gov.cn/art/2023/10/11/art_12_1.html",
                LinkKind::Anchor,
            ),
            (
                "http://www.a.gov.cn/files/%E9%99%84%E4%BB%B61.PDF",
                LinkKind::Attachment,
            ),
            ("http://www.b.gov.cn/a.docx", LinkKind::Attachment),
            ("https://www.gov.cn/", LinkKind::Anchor),
            ("http://www.a.gov.cn/img/gov.png", LinkKind::Image),
            ("http://map.a.gov.cn/m.html", LinkKind::Frame),
            ("http://www.a.gov.cn/map.html", LinkKind::Anchor),
        ]
        .into_iter()
        .map(|(u, k)| (u.to_string(), "", k))
        .collect();
        assert_eq!(got, want);

        let texts: Vec<String> = extract_links(html, &page)
            .into_iter()
            .map(|l| l.text)
            .collect();
        assert_eq!(texts[6], "中国政府网");

        let bad: Vec<String> = malformed_links(html, &page)
            .into_iter()
            .map(|m| m.href)
            .collect();
        assert_eq!(bad, ["http://", "http://a b.gov.cn/"]);
    }

    #[test]
    fn values_browsers_load_in_every_spelling() {
        assert_eq!(
            refresh_target("0; URL='/portal/index.html'").as_deref(),
            Some("/portal/index.html")
        );
        assert_eq!(refresh_target("5;url=a.html").as_deref(), Some("a.html"));
        assert_eq!(
            refresh_target("3, http://a.gov.cn/").as_deref(),
            Some("http://a.gov.cn/")
        );
        assert_eq!(refresh_target("30"), None);
        assert_eq!(
            srcset_urls("a.jpg 1x,b.jpg 2x , c.jpg"),
            ["a.jpg", "b.jpg", "c.jpg"]
        );
        assert_eq!(
            css_urls(
                r#"a{background:url("x.png")} b{background:URL( 'y.gif' )} c{background:url(z.jpg)}"#
            ),
            ["x.png", "y.gif", "z.jpg"]
        );
        let page = Url::parse("http://www.a.gov.cn/").unwrap();
        let bad = |href: &str| {
            malformed_links(&format!(r#"<a href="{href}">x</a>"#), &page)
                .into_iter()
                .map(|m| m.problem)
                .collect::<Vec<_>>()
        };
        assert_eq!(bad("zfb@a.gov.cn"), [LinkProblem::MissingMailto]);
        assert_eq!(bad("https;//www.a.gov.cn/"), [LinkProblem::Malformed]);
        assert_eq!(bad("http//www.a.gov.cn/"), [LinkProblem::Malformed]);
        assert_eq!(bad("http：//www.a.gov.cn/"), [LinkProblem::Malformed]);
        assert_eq!(bad("https://example]org/x"), [LinkProblem::Malformed]);
        // Not malformed: a path that starts with the letters, a URL with a user.
        assert!(bad("httpdocs/a.html").is_empty());
        assert!(bad("http://u@www.a.gov.cn/").is_empty());
        assert!(bad("mailto:zfb@a.gov.cn").is_empty());
    }

    #[test]
    fn base_href_wins() {
        let page = Url::parse("http://www.a.gov.cn/x/y/index.html").unwrap();
        let html = r#"<head><base href="http://cdn.a.gov.cn/site/"></head>
            <body><a href="p.html">p</a><a href="/q.html">q</a></body>"#;
        let urls: Vec<String> = extract_links(html, &page)
            .into_iter()
            .map(|l| l.url.to_string())
            .collect();
        assert_eq!(
            urls,
            [
                "http://cdn.a.gov.cn/site/p.html",
                "http://cdn.a.gov.cn/q.html"
            ]
        );
    }
}
