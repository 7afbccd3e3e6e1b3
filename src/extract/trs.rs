//! TRS WCM (拓尔思) list pages, whose pager exists only as a script call.
//!
//! A TRS column publishes `index.html`, `index_1.html`, `index_2.html` … and writes the
//! pager with `createPageHTML(5, 0, "index", "html")`: the page count, the current page
//! (0-based: `index.html` is page 0), the file stem and extension. Templates also write
//! the numbers into variables first (`var countPage = 5; var currentPage = 0;` then
//! `createPageHTML(countPage, currentPage, "index", "html")`), and newer ones add a
//! container id first and the record count last
//! (`createPageHTML('page_div', 5, 0, 'index', 'html', 88)`). The page URL, when it is
//! `index_N.html`, is trusted over the script for the current page.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

/// The pager a TRS template wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrsPager {
    pub count: u32,
    pub current: u32,
    pub stem: String,
    pub ext: String,
}

static CALL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"createPageHTML\s*\(([^()]*)\)").unwrap());
static VAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:var|let|const)\s+(\w+)\s*=\s*(?:'([^']*)'|"([^"]*)"|(\d+))"#).unwrap()
});

#[derive(Debug, Clone)]
enum Arg {
    Num(u32),
    Str(String),
}

/// The pager of the page, if it has a `createPageHTML` call whose arguments resolve.
pub(crate) fn find(raw: &str) -> Option<TrsPager> {
    let vars: Vec<(String, Arg)> = VAR
        .captures_iter(raw)
        .map(|c| {
            let value = match c.get(4) {
                Some(n) => n.as_str().parse().map_or(Arg::Num(0), Arg::Num),
                None => Arg::Str(c.get(2).or(c.get(3)).map_or("", |m| m.as_str()).into()),
            };
            (c[1].to_string(), value)
        })
        .collect();
    CALL.captures_iter(raw)
        .find_map(|c| pager_from_args(&c[1], &vars))
}

fn pager_from_args(args: &str, vars: &[(String, Arg)]) -> Option<TrsPager> {
    let mut resolved = Vec::new();
    for arg in args.split(',') {
        let a = arg.trim();
        let value = if let Some(s) = unquote(a) {
            Arg::Str(s.to_string())
        } else if let Ok(n) = a.parse() {
            Arg::Num(n)
        } else {
            // The last assignment before use wins; the function's own definition
            // (`function createPageHTML(_nPageCount, …)`) resolves to nothing.
            vars.iter().rev().find(|(k, _)| k == a)?.1.clone()
        };
        resolved.push(value);
    }
    if resolved.len() >= 5 && matches!(resolved[0], Arg::Str(_)) {
        resolved.remove(0);
    }
    match resolved.as_slice() {
        [
            Arg::Num(count),
            Arg::Num(current),
            Arg::Str(stem),
            Arg::Str(ext),
            ..,
        ] => Some(TrsPager {
            count: *count,
            current: *current,
            stem: stem.clone(),
            ext: ext.trim_start_matches('.').to_string(),
        }),
        _ => None,
    }
}

fn unquote(s: &str) -> Option<&str> {
    s.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
}

/// The page after this one: `index_{current + 1}.html` beside the page URL.
pub(crate) fn next_page(pager: &TrsPager, page: &Url) -> Option<Url> {
    let current = current_from_url(pager, page).unwrap_or(pager.current);
    let next = current + 1;
    if next >= pager.count {
        return None;
    }
    page.join(&format!("{}_{next}.{}", pager.stem, pager.ext))
        .ok()
}

/// `index.html` (or the directory) is page 0, `index_3.html` page 3.
fn current_from_url(pager: &TrsPager, page: &Url) -> Option<u32> {
    let file = page.path().rsplit('/').next().unwrap_or("");
    if file.is_empty() || file == format!("{}.{}", pager.stem, pager.ext) {
        return Some(0);
    }
    file.strip_prefix(&format!("{}_", pager.stem))?
        .strip_suffix(&format!(".{}", pager.ext))?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagers() {
        let cases: &[(&str, &str, Option<&str>, Option<u32>)] = &[
            (
                r#"createPageHTML(5, 0, "index", "html");"#,
                "http://a.gov.cn/xxgk/gzdt/index.html",
                Some("http://a.gov.cn/xxgk/gzdt/index_1.html"),
                Some(5),
            ),
            (
                r#"createPageHTML(5, 0, "index", "html");"#,
                "http://a.gov.cn/xxgk/gzdt/",
                Some("http://a.gov.cn/xxgk/gzdt/index_1.html"),
                Some(5),
            ),
            (
                r#"createPageHTML(5, 3, "index", "html");"#,
                "http://a.gov.cn/xxgk/gzdt/index_3.html",
                Some("http://a.gov.cn/xxgk/gzdt/index_4.html"),
                Some(5),
            ),
            (
                r#"createPageHTML(5, 4, "index", "html");"#,
                "http://a.gov.cn/xxgk/gzdt/index_4.html",
                None,
                Some(5),
            ),
            (
                "var countPage = 3//共多少页\nvar currentPage = 1;//当前页\n\
                 createPageHTML(countPage, currentPage, \"index\", \"shtml\");",
                "http://a.gov.cn/x/index_1.shtml",
                Some("http://a.gov.cn/x/index_2.shtml"),
                Some(3),
            ),
            (
                "function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}\n\
                 createPageHTML('page_div', 2, 0, 'index', 'htm', 30);",
                "http://a.gov.cn/x/index.htm",
                Some("http://a.gov.cn/x/index_1.htm"),
                Some(2),
            ),
            (
                "createPageHTML(1, 0, \"index\", \"html\");",
                "http://a.gov.cn/x/",
                None,
                Some(1),
            ),
            (
                "document.write('no pager');",
                "http://a.gov.cn/x/",
                None,
                None,
            ),
        ];
        for (script, page, want_next, want_count) in cases {
            let page = Url::parse(page).unwrap();
            let pager = find(script);
            assert_eq!(pager.as_ref().map(|p| p.count), *want_count, "{script}");
            let next = pager.and_then(|p| next_page(&p, &page));
            assert_eq!(
                next.as_ref().map(Url::as_str),
                *want_next,
                "{script} at {page}"
            );
        }
    }
}
