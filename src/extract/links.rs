//! Every link a page makes a browser follow or load, for the broken-link check (死链).
//!
//! Anchors and image maps (`a`, `area`), images, scripts, stylesheets and icons, frames
//! and iframes, and media (`embed`, `video`, `audio`, `source`, `object`), resolved
//! against `<base href>` and the page URL. An anchor to a file (`.pdf`, `.doc`, `.xls`,
//! `.wps`, `.zip` …) is an [`LinkKind::Attachment`]: the national indicators count a
//! missing attachment like a dead link.
//!
//! Omitted, by design: `javascript:`, `mailto:`, `tel:`, `data:` and other non-http
//! schemes, empty values and bare `#fragment`s; they have nothing to fetch. Fragments are
//! cut off (`a.html#top` is `a.html`), and each URL is listed once, with the kind and text
//! of its first occurrence. Values that should be URLs but do not parse are not dropped
//! silently: [`malformed_links`] lists them, as they are broken links too.

use scraper::ElementRef;
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

/// An `href`/`src` value that does not parse as a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MalformedLink {
    pub href: String,
    pub text: String,
}

/// File extensions that make an anchor an attachment.
const ATTACHMENT_EXTENSIONS: [&str; 19] = [
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "et", "dps", "zip", "rar", "7z", "ppt", "pptx",
    "txt", "ofd", "csv", "mp4", "mp3", "flv",
];

/// The followable links of a page, once each, in page order.
pub fn extract_links(html: &str, page: &Url) -> Vec<PageLink> {
    let mut out: Vec<PageLink> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    walk(html, page, |raw| {
        if let Ok(mut url) = raw.resolved {
            url.set_fragment(None);
            if seen.insert(url.clone()) {
                let kind = match raw.kind {
                    LinkKind::Anchor if is_attachment(&url) => LinkKind::Attachment,
                    k => k,
                };
                out.push(PageLink {
                    url,
                    text: raw.text,
                    kind,
                });
            }
        }
    });
    out
}

/// The `href`/`src` values of a page that should be URLs but do not parse.
pub fn malformed_links(html: &str, page: &Url) -> Vec<MalformedLink> {
    let mut out = Vec::new();
    walk(html, page, |raw| {
        if raw.resolved == Err(Unfollowable::Malformed) {
            out.push(MalformedLink {
                href: raw.href,
                text: raw.text,
            });
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

fn walk(html: &str, page: &Url, mut each: impl FnMut(RawLink)) {
    let doc = super::dom::parse_document(html);
    let base = effective_base(&doc, page);
    let all = sel(
        "a[href], area[href], img[src], script[src], link[href], iframe[src], frame[src], \
         embed[src], video[src], audio[src], source[src], object[data]",
    );
    for e in doc.select(&all) {
        let Some((attr, kind)) = classify(e) else {
            continue;
        };
        let Some(href) = e.attr(attr) else { continue };
        each(RawLink {
            href: href.to_string(),
            text: link_text(e, kind),
            kind,
            resolved: resolve(&base, href),
        });
    }
}

fn classify(e: ElementRef<'_>) -> Option<(&'static str, LinkKind)> {
    Some(match e.value().name() {
        "a" | "area" => ("href", LinkKind::Anchor),
        "img" => ("src", LinkKind::Image),
        "script" => ("src", LinkKind::Script),
        "iframe" | "frame" => ("src", LinkKind::Frame),
        "embed" | "video" | "audio" | "source" => ("src", LinkKind::Attachment),
        "object" => ("data", LinkKind::Attachment),
        "link" => {
            let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
            let rel: Vec<&str> = rel.split_whitespace().collect();
            if rel.contains(&"stylesheet") {
                ("href", LinkKind::Stylesheet)
            } else if rel.iter().any(|r| r.contains("icon")) {
                ("href", LinkKind::Image)
            } else {
                // canonical, alternate, preload …: not something a reader follows.
                return None;
            }
        }
        _ => return None,
    })
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
                .or_else(|| {
                    e.select(&sel("img[alt]"))
                        .next()
                        .and_then(|i| i.attr("alt"))
                })
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
