//! The site crawl of the link stage (`[links] crawl_site`, `[[site]] crawl_site`): from
//! the pages the stage reads anyway, it follows same-site links breadth first, so pages
//! no watched column lists (办事服务, 专题, 政策解读 sub-sites) have their links checked
//! too. Pure: which URL to read next, within the budgets; the stage does the reading.
//!
//! Traps are bounded: URLs are compared normalized (no fragment, no default port, no
//! trailing `index.html`, sorted query without `[links] ignore_query` parameters), and
//! each site has at most `max_pages_per_site` pages, `max_depth` links from the home
//! page, and `max_pages_per_prefix` pages under one prefix (its first two path
//! segments), so an endless calendar or a session id in every link stops there.

use std::collections::{HashMap, HashSet};

use url::Url;

use crate::config::LinkSettings;
use crate::fetch::host_key;

/// The URL as two links to one page compare: without fragment, ignored query
/// parameters or a trailing `index.html` (`index.htm`, `default.htm(l)`), the remaining
/// query sorted. The `url` crate already drops default ports and lowercases hosts.
pub fn normalize(url: &Url, ignore_query: &[String]) -> String {
    let mut u = url.clone();
    u.set_fragment(None);
    let path = u.path().to_string();
    if let Some((dir, file)) = path.rsplit_once('/') {
        let file = file.to_ascii_lowercase();
        if matches!(
            file.as_str(),
            "index.html" | "index.htm" | "default.htm" | "default.html"
        ) {
            u.set_path(&format!("{dir}/"));
        }
    }
    let mut pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| !ignore_query.iter().any(|i| i.eq_ignore_ascii_case(k)))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    if pairs.is_empty() {
        u.set_query(None);
    } else {
        u.query_pairs_mut().clear().extend_pairs(&pairs);
    }
    // `;jsessionid=…` in the path, as Java servers write it.
    let text = u.to_string();
    match text.find(";jsessionid=") {
        Some(at) => {
            let end = text[at..].find(['?', '#']).map_or(text.len(), |n| at + n);
            format!("{}{}", &text[..at], &text[end..])
        }
        None => text,
    }
}

/// The first two path segments: `/col/col12/art/1.html` → `/col/col12`.
pub fn prefix(url: &Url) -> String {
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|x| !x.is_empty()).take(2).collect())
        .unwrap_or_default();
    format!("/{}", segments.join("/"))
}

/// What one site's crawl has read and may still read this cycle.
#[derive(Debug)]
pub struct Frontier {
    max_pages: usize,
    max_depth: u32,
    max_per_prefix: usize,
    ignore_query: Vec<String>,
    /// Hosts (`host:port`) of the site's and its columns' URLs: "same site".
    hosts: HashSet<String>,
    seen: HashSet<String>,
    per_prefix: HashMap<String, usize>,
    pages: usize,
    /// Pages refused by a budget (for the report).
    pub refused: usize,
}

impl Frontier {
    pub fn new(settings: &LinkSettings, hosts: HashSet<String>) -> Frontier {
        Frontier {
            max_pages: settings.max_pages_per_site,
            max_depth: settings.max_depth,
            max_per_prefix: settings.max_pages_per_prefix,
            ignore_query: settings.ignore_query.clone(),
            hosts,
            seen: HashSet::new(),
            per_prefix: HashMap::new(),
            pages: 0,
            refused: 0,
        }
    }

    /// Counts a page the stage reads anyway (home, columns, items): it is not read
    /// again, and it uses the budgets like any other.
    pub fn read_anyway(&mut self, url: &Url) {
        if self.seen.insert(normalize(url, &self.ignore_query)) {
            self.pages += 1;
            *self.per_prefix.entry(prefix(url)).or_default() += 1;
        }
    }

    /// Whether to read `url`, found on a page `depth` links from the home page: a page
    /// of the site not read yet, within the budgets. An admitted URL counts at once.
    pub fn admit(&mut self, url: &Url, depth: u32) -> bool {
        if !matches!(url.scheme(), "http" | "https")
            || !host_key(url).is_some_and(|h| self.hosts.contains(&h))
        {
            return false;
        }
        let key = normalize(url, &self.ignore_query);
        if self.seen.contains(&key) {
            return false;
        }
        let prefix = prefix(url);
        if depth > self.max_depth
            || self.pages >= self.max_pages
            || self.per_prefix.get(&prefix).copied().unwrap_or(0) >= self.max_per_prefix
        {
            self.refused += 1;
            return false;
        }
        self.seen.insert(key);
        self.pages += 1;
        *self.per_prefix.entry(prefix).or_default() += 1;
        true
    }
}

/// A page worth reading for its links: not a file (attachments are checked, not read),
/// judged by its path.
pub fn is_page(url: &Url) -> bool {
    let file = url.path().rsplit('/').next().unwrap_or("");
    match file.rsplit_once('.') {
        None => true,
        Some((_, ext)) => matches!(
            ext.to_ascii_lowercase().as_str(),
            "html" | "htm" | "shtml" | "xhtml" | "jsp" | "asp" | "aspx" | "php" | "do" | "action"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn urls_compare_normalized() {
        let ignore = LinkSettings::default().ignore_query;
        let n = |s: &str| normalize(&u(s), &ignore);
        assert_eq!(
            n("http://a.gov.cn:80/col/index.html#top"),
            "http://a.gov.cn/col/"
        );
        assert_eq!(
            n("http://a.gov.cn/list.jsp?b=2&a=1&t=1699999&_=5"),
            "http://a.gov.cn/list.jsp?a=1&b=2"
        );
        assert_eq!(
            n("http://a.gov.cn/list.do;jsessionid=ABC123?page=2"),
            "http://a.gov.cn/list.do?page=2"
        );
        assert_eq!(n("http://A.gov.cn/x?sid=9"), "http://a.gov.cn/x");
        assert_eq!(
            prefix(&u("http://a.gov.cn/col/col12/art/1.html")),
            "/col/col12"
        );
        assert_eq!(prefix(&u("http://a.gov.cn/")), "/");
    }

    #[test]
    fn budgets_bound_the_crawl() {
        let settings = LinkSettings {
            max_pages_per_site: 5,
            max_depth: 2,
            max_pages_per_prefix: 2,
            ..LinkSettings::default()
        };
        let mut f = Frontier::new(&settings, HashSet::from(["a.gov.cn:80".to_string()]));
        f.read_anyway(&u("http://a.gov.cn/"));
        assert!(f.admit(&u("http://a.gov.cn/cal/2020/1.html"), 1));
        assert!(
            !f.admit(&u("http://a.gov.cn/cal/2020/1.html?t=5"), 1),
            "seen"
        );
        assert!(f.admit(&u("http://a.gov.cn/cal/2020/2.html"), 1));
        assert!(
            !f.admit(&u("http://a.gov.cn/cal/2020/3.html"), 1),
            "prefix full"
        );
        assert!(!f.admit(&u("http://b.gov.cn/x.html"), 1), "another site");
        assert!(!f.admit(&u("http://a.gov.cn/deep.html"), 3), "too deep");
        assert!(f.admit(&u("http://a.gov.cn/zwfw/a.html"), 2));
        assert!(f.admit(&u("http://a.gov.cn/zt/b.html"), 2));
        assert!(!f.admit(&u("http://a.gov.cn/ztb/c.html"), 2), "site full");
        assert_eq!(f.refused, 3);
        assert!(is_page(&u("http://a.gov.cn/a/")) && is_page(&u("http://a.gov.cn/a.jsp")));
        assert!(!is_page(&u("http://a.gov.cn/a.pdf")) && !is_page(&u("http://a.gov.cn/a.jpg")));
    }
}
