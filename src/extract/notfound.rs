//! Soft 404s: a page answered `200 OK` that says the document does not exist (页面不存在,
//! 找不到, 404), that looks like the host's own "not found" page, or a redirect to the home
//! page (or wherever the host sends missing pages). Pure: a page's text in, a fingerprint
//! out, and the judgment the link check makes ([`soft_404`]).

use std::collections::HashSet;

use url::Url;

use super::dom::sel;

/// Phrases of a "not found" page, checked in the title, the headings, or the whole text
/// of a short page.
const NOT_FOUND_PHRASES: [&str; 7] = [
    "页面不存在",
    "找不到",
    "not found",
    "已被删除",
    "无法找到",
    "访问的页面不存在",
    "信息不存在",
];

/// Pages longer than this (normalized characters) are articles, not error pages: only
/// their title and headings are read for the phrases.
const SHORT_PAGE: usize = 600;

/// What a page says, reduced for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// The `<title>`, trimmed.
    pub title: String,
    /// `h1`–`h3` texts, joined.
    pub headings: String,
    /// The visible text without white space (at most 8000 characters).
    pub text: String,
}

/// The fingerprint of an HTML page.
pub fn fingerprint(html: &str) -> Fingerprint {
    fingerprint_of(&super::dom::parse_document(html))
}

/// [`fingerprint`] of a page already parsed (with [`super::parse_document`]).
pub fn fingerprint_of(doc: &scraper::Html) -> Fingerprint {
    let title = doc
        .select(sel("title"))
        .next()
        .map(|t| t.text().collect::<String>().trim().to_string())
        .unwrap_or_default();
    let headings = doc
        .select(sel("h1, h2, h3"))
        .map(|h| h.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let body = doc
        .select(sel("body"))
        .next()
        .map(|b| b.text().collect::<String>())
        .unwrap_or_else(|| doc.root_element().text().collect());
    let text: String = body
        .chars()
        .filter(|c| !c.is_whitespace())
        .take(8000)
        .collect();
    Fingerprint {
        title,
        headings,
        text,
    }
}

fn has_phrase(text: &str) -> bool {
    let lower = text.to_lowercase();
    NOT_FOUND_PHRASES.iter().any(|p| lower.contains(p)) || has_status_404(&lower)
}

/// "404" as a status code ("404 Not Found", "错误404", a title "404"), not as part of a
/// longer number or a name ("1404号文件", "国道404", "G404", "第404号").
fn has_status_404(text: &str) -> bool {
    text.match_indices("404").any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + 3..].chars().next();
        let joined = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        !joined(before)
            && !joined(after)
            && !matches!(before, Some('道' | '第'))
            && !matches!(after, Some('号' | '次' | '路'))
    })
}

/// Whether the page says it is a "not found" page (in its title or headings, or
/// anywhere in a short page).
pub fn says_not_found(page: &Fingerprint) -> bool {
    has_phrase(&page.title)
        || has_phrase(&page.headings)
        || (page.text.chars().count() <= SHORT_PAGE && has_phrase(&page.text))
}

/// Whether `page` is the host's "not found" page `not_found`: the same non-empty title
/// and nearly the same text, or nearly the same text (character-pair similarity 0.9).
pub fn looks_like(page: &Fingerprint, not_found: &Fingerprint) -> bool {
    if page.text.is_empty() && not_found.text.is_empty() {
        return page.title == not_found.title;
    }
    let same_title = !page.title.is_empty() && page.title == not_found.title;
    let sim = similarity(&page.text, &not_found.text);
    sim >= 0.9 || (same_title && sim >= 0.6)
}

/// Dice coefficient of the character pairs of two texts (1 = the same pairs).
pub fn similarity(a: &str, b: &str) -> f64 {
    let pairs = |s: &str| -> HashSet<(char, char)> {
        let chars: Vec<char> = s.chars().collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    };
    let (pa, pb) = (pairs(a), pairs(b));
    if pa.is_empty() && pb.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let common = pa.intersection(&pb).count();
    2.0 * common as f64 / (pa.len() + pb.len()) as f64
}

/// A host's answer to a random path, when it was a page (a soft-404 host): learned
/// once per host and cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFoundPage {
    /// Where the random path led.
    pub final_url: String,
    pub redirected: bool,
    pub fingerprint: Fingerprint,
}

/// A link's answer that was a page, as the soft-404 test reads it.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The URL requested.
    pub url: &'a Url,
    /// Where its redirects led (`url` when there were none).
    pub final_url: &'a Url,
    pub redirected: bool,
    pub status: u16,
    pub content_type: Option<&'a str>,
    /// The answer carries a non-empty body (a GET, not a HEAD).
    pub has_body: bool,
}

/// Whether a URL is a site's home page (`/`, `/index.html` …).
pub fn is_home_path(url: &Url) -> bool {
    matches!(
        url.path(),
        "/" | "" | "/index.html" | "/index.htm" | "/index.shtml" | "/index.jsp" | "/index.php"
    )
}

/// Why a link's answer is a soft 404 (a page standing for a missing document), or
/// `None` when it is the document: a redirect from a document to a home page (any
/// home path, or one of `homes`, the home pages of the sites the link appears on), a
/// redirect to where the host sends missing pages, or an HTML `200` page that says it
/// does not exist or looks like the host's "not found" page. `text` decodes the body;
/// it is called only for an HTML `200` answer with a body.
pub fn soft_404(
    answer: &Answer,
    homes: &HashSet<String>,
    host_not_found: Option<&NotFoundPage>,
    text: impl FnOnce() -> String,
) -> Option<String> {
    soft_404_by(answer, homes, host_not_found, || fingerprint(&text()))
}

/// As [`soft_404`], with the body's fingerprint (taken when the page was read for its
/// links, so the page is not fetched again to learn whether it is a link that works).
pub fn soft_404_by(
    answer: &Answer,
    homes: &HashSet<String>,
    host_not_found: Option<&NotFoundPage>,
    fingerprint: impl FnOnce() -> Fingerprint,
) -> Option<String> {
    let Answer {
        url,
        final_url,
        redirected,
        ..
    } = *answer;
    if redirected && !is_home_path(url) && is_home_path(final_url) {
        return Some(format!(
            "redirected to the home page {final_url} instead of the document"
        ));
    }
    if redirected && homes.contains(final_url.as_str()) && !homes.contains(url.as_str()) {
        return Some(format!("redirected to the home page {final_url}"));
    }
    if let Some(nf) = host_not_found
        && redirected
        && nf.redirected
        && nf.final_url == final_url.as_str()
    {
        return Some(format!(
            "redirected to {final_url}, where the host sends missing pages"
        ));
    }
    let is_html = answer
        .content_type
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    if answer.has_body && answer.status == 200 && is_html {
        let fp = fingerprint();
        if says_not_found(&fp) {
            return Some(format!(
                "HTTP 200 but the page says it does not exist (\"{}\")",
                if fp.title.is_empty() {
                    &fp.headings
                } else {
                    &fp.title
                }
            ));
        }
        if let Some(nf) = host_not_found
            && looks_like(&fp, &nf.fingerprint)
        {
            return Some("HTTP 200 but the page is the host's \"not found\" page".into());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(title: &str, body: &str) -> Fingerprint {
        fingerprint(&format!(
            "<html><head><title>{title}</title></head><body>{body}</body></html>"
        ))
    }

    #[test]
    fn not_found_pages_say_so() {
        let table = [
            (
                page(
                    "提示",
                    "<h1>页面不存在</h1><p>您访问的页面不存在或已被删除。</p>",
                ),
                true,
            ),
            (page("404 Not Found", "<h1>nginx</h1>"), true),
            (page("错误404", ""), true),
            (page("404", "<p>返回首页</p>"), true),
            // "404" inside a longer number or a name is not an error page.
            (page("关于印发某县1404号文件的通知", ""), false),
            (page("国道404改建工程开工", ""), false),
            (page("G404线路调整", ""), false),
            (page("某县人民政府", "<p>对不起,找不到您要的页面</p>"), true),
            (
                page(
                    "某县人民政府",
                    "<p>关于做好第三季度政府网站检查工作的通知</p>",
                ),
                false,
            ),
            (
                page(
                    "工作动态",
                    &format!(
                        "<p>{}</p><p>国道404改建</p>",
                        "县政府召开常务会议。".repeat(80)
                    ),
                ),
                false,
            ),
        ];
        for (p, want) in table {
            assert_eq!(says_not_found(&p), want, "{p:?}");
        }
    }

    #[test]
    fn a_page_like_the_hosts_not_found_page_is_a_soft_404() {
        let nf = page(
            "某县人民政府",
            "<div>抱歉,您访问的内容走丢了 返回首页</div>",
        );
        assert!(looks_like(
            &page(
                "某县人民政府",
                "<div>抱歉,您访问的内容走丢了  返回首页</div>"
            ),
            &nf
        ));
        assert!(!looks_like(
            &page(
                "某县人民政府",
                "<div>关于做好第三季度政府网站检查工作的通知</div>"
            ),
            &nf
        ));
    }

    #[test]
    fn soft_404s_are_error_pages_and_redirects_home() {
        let u = |s: &str| -> Url { s.parse().unwrap() };
        let homes: HashSet<String> = ["http://a.gov.cn/portal/".to_string()].into();
        let missing = NotFoundPage {
            final_url: "http://a.gov.cn/404.html".into(),
            redirected: true,
            fingerprint: page("出错了", "您访问的资源暂时无法显示"),
        };
        let error_page = "<html><head><title>页面不存在</title></head><body></body></html>";
        let article =
            "<html><head><title>关于开展工作的通知</title></head><body>正文</body></html>";
        // (requested, final, status, content type, has body, body, soft?)
        let table = [
            (
                "http://a.gov.cn/doc/1.html",
                "http://a.gov.cn/",
                200,
                None,
                true,
                article,
                true,
            ),
            (
                "http://a.gov.cn/doc/1.html",
                "http://a.gov.cn/portal/",
                200,
                None,
                true,
                article,
                true,
            ),
            (
                "http://a.gov.cn/",
                "http://a.gov.cn/index.html",
                200,
                None,
                true,
                article,
                false,
            ),
            (
                "http://a.gov.cn/doc/2.html",
                "http://a.gov.cn/404.html",
                200,
                None,
                true,
                article,
                true,
            ),
            (
                "http://a.gov.cn/doc/3.html",
                "http://a.gov.cn/doc/3.html",
                200,
                None,
                true,
                error_page,
                true,
            ),
            (
                "http://a.gov.cn/doc/3.html",
                "http://a.gov.cn/doc/3.html",
                200,
                None,
                false,
                error_page,
                false,
            ),
            (
                "http://a.gov.cn/a.pdf",
                "http://a.gov.cn/a.pdf",
                200,
                Some("application/pdf"),
                true,
                error_page,
                false,
            ),
            (
                "http://a.gov.cn/doc/4.html",
                "http://a.gov.cn/doc/4.html",
                200,
                Some("text/html"),
                true,
                article,
                false,
            ),
        ];
        for (url, final_url, status, content_type, has_body, body, soft) in table {
            let (url, final_url) = (u(url), u(final_url));
            let answer = Answer {
                url: &url,
                final_url: &final_url,
                redirected: url != final_url,
                status,
                content_type,
                has_body,
            };
            let got = soft_404(&answer, &homes, Some(&missing), || body.to_string());
            assert_eq!(got.is_some(), soft, "{url} -> {final_url}: {got:?}");
        }
    }
}
