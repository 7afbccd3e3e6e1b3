//! Pagers written in plain HTML: a `下一页`/`下页`/`»` link, `rel="next"` or a `next`
//! class, else the numbered links (`index_2.html`, `list.jsp?page=3`) of which the next
//! page is the smallest number after the current one. The script pagers of Hanweb and
//! TRS live in their own modules; this one is the fallback for everything else.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html};
use url::Url;

use super::dom::{Region, normalize, region_of, resolve, sel, text_of};

/// The next page by a link that says so, by text, `rel` or class.
pub(crate) fn next_by_label(doc: &Html, base: &Url, page: &Url) -> Option<Url> {
    doc.select(sel("a[href]"))
        .filter(|a| says_next(*a))
        .filter_map(|a| resolve(base, a.attr("href")?).ok())
        .find(|u| !same_page(u, page))
}

fn says_next(a: ElementRef<'_>) -> bool {
    let text = text_of(a);
    let bare = text
        .trim_matches(|c: char| matches!(c, '>' | '»' | '›' | '＞' | ' ' | '[' | ']'))
        .to_ascii_lowercase();
    if matches!(
        bare.as_str(),
        "下一页" | "下页" | "下一頁" | "后页" | "后一页" | "next" | "next page" | "nextpage"
    ) {
        return true;
    }
    if matches!(text.as_str(), "»" | "›") {
        return true;
    }
    if matches!(text.as_str(), ">" | "＞") && region_of(a) == Region::Chrome {
        return true;
    }
    let v = a.value();
    v.attr("rel")
        .is_some_and(|r| r.split_whitespace().any(|w| w.eq_ignore_ascii_case("next")))
        || v.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            matches!(
                c.as_str(),
                "next"
                    | "next-page"
                    | "nextpage"
                    | "next_page"
                    | "page-next"
                    | "pagenext"
                    | "page_next"
                    | "layui-laypage-next"
            )
        })
}

/// The next page among numbered page links: the smallest page number after the current
/// one, in the file name (`index_2.html`, `list_3.htm`) or in a page query parameter
/// (`?page=3`, `?pageNo=3`, `&p=3`).
pub(crate) fn next_by_number(doc: &Html, base: &Url, page: &Url) -> Option<Url> {
    let current_file = file_number(page).map(|(_, n)| n);
    let current_query = query_number(page, page).map(|(_, n)| n);
    let mut best: Option<(u32, Url)> = None;
    for a in doc.select(sel("a[href]")) {
        let Some(url) = a.attr("href").and_then(|h| resolve(base, h).ok()) else {
            continue;
        };
        let first_page_link = matches!(text_of(a).as_str(), "1" | "首页" | "第一页" | "[1]");
        let candidate = if let Some((_, number)) = file_sibling(page, &url) {
            let current = current_file.unwrap_or(0);
            (number > current).then_some(number)
        } else if let Some((_, number)) = query_number(page, &url) {
            let current = current_query.unwrap_or(0);
            (number > current && !(current_query.is_none() && first_page_link)).then_some(number)
        } else {
            None
        };
        if let Some(n) = candidate
            && best.as_ref().is_none_or(|(b, _)| n < *b)
        {
            best = Some((n, url));
        }
    }
    best.map(|(_, u)| u)
}

static FILE_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.+?)_(\d+)\.([A-Za-z]+)$").unwrap());
static FILE_PLAIN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(.+?)\.([A-Za-z]+)$").unwrap());

/// `(stem, number)` of `index_2.html`; `index.html` has none.
fn file_number(url: &Url) -> Option<(String, u32)> {
    let file = url.path().rsplit('/').next()?;
    let c = FILE_NUMBER.captures(file)?;
    Some((c[1].to_string(), c[2].parse().ok()?))
}

/// Whether `other` is a numbered page beside `page`: same directory, same stem, and the
/// page's query (usually none).
fn file_sibling(page: &Url, other: &Url) -> Option<(String, u32)> {
    let dir = |u: &Url| u.path().rsplit_once('/').map(|(d, _)| d.to_string());
    if page.host_str() != other.host_str() || dir(page)? != dir(other)? {
        return None;
    }
    if page.query() != other.query() {
        return None;
    }
    let (stem, n) = file_number(other)?;
    let page_file = page.path().rsplit('/').next().unwrap_or("");
    let page_stem = match file_number(page) {
        Some((s, _)) => s,
        None if page_file.is_empty() => "index".to_string(),
        None => FILE_PLAIN.captures(page_file)?[1].to_string(),
    };
    (stem == page_stem).then_some((stem, n))
}

/// `(key, number)` when `other` differs from `page` only in one page-like numeric query
/// parameter (a missing one counts as different).
fn query_number(page: &Url, other: &Url) -> Option<(String, u32)> {
    if page.host_str() != other.host_str() || page.path() != other.path() {
        return None;
    }
    let pairs = |u: &Url| -> Vec<(String, String)> {
        let mut v: Vec<_> = u
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        v.sort();
        v
    };
    let (mine, theirs) = (pairs(page), pairs(other));
    let page_key = |k: &str| {
        let k = k.to_ascii_lowercase();
        k.contains("page") || matches!(k.as_str(), "p" | "pn" | "pg" | "pno" | "cur" | "curr")
    };
    let mut found = None;
    for (k, v) in &theirs {
        if !page_key(k) {
            continue;
        }
        let Ok(n) = v.parse::<u32>() else { continue };
        let without = |list: &[(String, String)]| -> Vec<(String, String)> {
            list.iter().filter(|(key, _)| key != k).cloned().collect()
        };
        if without(&mine) == without(&theirs) {
            found = Some((k.clone(), n));
            break;
        }
    }
    // For the page itself, `query_number(page, page)` reads its own number.
    found
}

static PAGES_TOTAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"共\s*(\d+)\s*页|第?\s*\d+\s*/\s*(\d+)\s*页|页次\s*[:：]?\s*\d+\s*/\s*(\d+)")
        .unwrap()
});

/// `共5页`, `1/5页`, `页次：1/5` in the page text.
pub(crate) fn pages_total(doc: &Html) -> Option<u32> {
    let body = doc.select(sel("body")).next()?;
    let text = normalize(&text_of(body));
    let c = PAGES_TOTAL.captures(&text)?;
    c.get(1).or(c.get(2)).or(c.get(3))?.as_str().parse().ok()
}

static WRITE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"document\.write(?:ln)?\s*\(").unwrap());
static VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:var|let|const)?\s*\b([A-Za-z_$][\w$]*)\s*=\s*(?:(\d+)|'([^']*)'|"([^"]*)")\s*;"#,
    )
    .unwrap()
});

/// The HTML a page's scripts write with `document.write('…' + pageCount + '…')`, the
/// pagers of many JSP and ASP templates: string literals joined, and names of numbers
/// or strings set earlier in the script (`var pageCount = 3;`) put in. `None` when no
/// script writes anything.
pub(crate) fn written_html(doc: &Html) -> Option<String> {
    let mut out = String::new();
    for script in doc.select(sel("script")) {
        let text: String = script.text().collect();
        if !text.contains("document.write") {
            continue;
        }
        let vars: Vec<(String, String)> = VAR
            .captures_iter(&text)
            .map(|c| {
                let value = c
                    .get(2)
                    .or(c.get(3))
                    .or(c.get(4))
                    .map_or("", |m| m.as_str());
                (c[1].to_string(), value.to_string())
            })
            .collect();
        for m in WRITE.find_iter(&text) {
            out.push_str(&evaluate(&text[m.end()..], &vars));
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `'a' + n + "b")` up to the closing parenthesis: the literals and the known names.
fn evaluate(expr: &str, vars: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut chars = expr.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    if escaped {
                        out.push(d);
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == c {
                        break;
                    } else {
                        out.push(d);
                    }
                }
            }
            ')' | ';' => break,
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '$' || d == '.' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let name = &expr[i..end];
                if let Some((_, v)) = vars.iter().rev().find(|(k, _)| k == name) {
                    out.push_str(v);
                } else if name.chars().all(|d| d.is_ascii_digit()) {
                    out.push_str(name);
                }
            }
            _ => {}
        }
    }
    out
}

fn same_page(a: &Url, b: &Url) -> bool {
    let strip = |u: &Url| {
        let mut u = u.clone();
        u.set_fragment(None);
        u
    };
    strip(a) == strip(b)
}
