//! The broken-link rule (死链): one finding per broken URL per site, with every page of
//! the site it appears on and its anchor text as evidence, so the office can find and fix
//! it. Skipped links (a private address not allowed) and blocked ones are never broken;
//! the caller passes only the URLs checked in this cycle.

use std::collections::HashSet;

use super::{Finding, Kind};
use crate::catalog::{Column, Site};
use crate::observe::evidence::{self, Evidence, LinkPage};

/// What kind of page a link was found on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PageRole {
    Home,
    /// A watched column's list page (the column's name).
    Column(String),
    /// An item page of a column (the column's name).
    Item(String),
    Other,
}

impl PageRole {
    /// What `page_url` is on `site`: its home page, a watched column's list page, an
    /// item page of the column `item_of` (the column whose item the page is, if any), or
    /// another page.
    pub fn of(page_url: &str, site: &Site, columns: &[Column], item_of: Option<&str>) -> PageRole {
        if page_url == site.url.as_str() {
            PageRole::Home
        } else if let Some(c) = columns
            .iter()
            .find(|c| c.site == site.name && c.url.as_str() == page_url)
        {
            PageRole::Column(c.name.clone())
        } else if let Some(name) = item_of {
            PageRole::Item(name.to_string())
        } else {
            PageRole::Other
        }
    }

    /// Where on the site, as the sentences say it: 首页, 工作动态栏目页面,
    /// 工作动态栏目文章页面 or 网站页面.
    pub fn zh(&self) -> String {
        match self {
            PageRole::Home => "首页".to_string(),
            PageRole::Column(name) => format!("{name}栏目页面"),
            PageRole::Item(name) => format!("{name}栏目文章页面"),
            PageRole::Other => "网站页面".to_string(),
        }
    }
}

/// One page a broken link appears on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPlace {
    pub page_url: String,
    pub role: PageRole,
    pub anchor: String,
}

/// A URL found broken in this cycle, on a site's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenUrl {
    pub url: String,
    /// `soft_404` or the failure class (`http`, `dns`, `timeout` …).
    pub outcome: String,
    pub status: Option<i64>,
    pub detail: Option<String>,
    pub places: Vec<LinkPlace>,
}

/// The broken links of one site.
#[derive(Debug, Clone)]
pub struct SiteLinks<'a> {
    pub site: &'a Site,
    pub key: String,
    /// The site's watched columns: a page no column lists (one the site crawl found)
    /// belongs to the column whose URL path is the longest prefix of its own.
    pub columns: Vec<&'a Column>,
    pub broken: Vec<BrokenUrl>,
}

/// The watched column a page sits under: on the same host, the column whose directory
/// (its URL path up to the last `/`) is the longest prefix of the page's path.
pub fn column_of_page<'c>(columns: &[&'c Column], page_url: &str) -> Option<&'c Column> {
    let page = url::Url::parse(page_url).ok()?;
    columns
        .iter()
        .filter(|c| c.url.host_str() == page.host_str() && c.url.port() == page.port())
        .filter_map(|c| {
            let path = c.url.path();
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            (dir.len() > 1 && page.path().starts_with(dir)).then_some((dir.len(), *c))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, c)| c)
}

/// The subject of a broken-link finding: the site's key, `|`, the URL.
pub fn subject_key(site_key: &str, url: &str) -> String {
    format!("{site_key}|{url}")
}

/// The pages read for links in this cycle and the links found on each.
#[derive(Debug, Clone, Default)]
pub struct PagesRead<'a> {
    pages: HashSet<&'a str>,
    links: HashSet<(&'a str, &'a str)>,
}

impl<'a> PagesRead<'a> {
    /// From every `(page, link)` seen in this cycle.
    pub fn new(seen: impl IntoIterator<Item = (&'a str, &'a str)>) -> PagesRead<'a> {
        let mut read = PagesRead::default();
        for (page, link) in seen {
            read.pages.insert(page);
            read.links.insert((page, link));
        }
        read
    }

    /// Adds pages read in this cycle with no link at all, and pages gone (their findings
    /// rectified as if read without the link).
    pub fn and_pages(mut self, pages: impl IntoIterator<Item = &'a str>) -> PagesRead<'a> {
        self.pages.extend(pages);
        self
    }

    /// A link the office removed: every page it was on (`pages`, from its finding) was
    /// read again in this cycle and none of them carries it any more, so its finding is
    /// rectified (已整改) although the link itself was not checked. A page gone (404 on
    /// two reads, [`super::page_gone`]) counts as read without it.
    pub fn removed(&self, url: &str, pages: &[&str]) -> bool {
        !pages.is_empty()
            && pages
                .iter()
                .all(|p| self.pages.contains(p) && !self.links.contains(&(*p, url)))
    }
}

pub fn judge_links(sites: &[SiteLinks]) -> Vec<Finding> {
    let mut out = Vec::new();
    for state in sites {
        for b in &state.broken {
            let mut places = b.places.clone();
            places.sort_by(|x, y| (&x.role, &x.page_url).cmp(&(&y.role, &y.page_url)));
            if places.is_empty() {
                continue;
            }
            // The site's unit answers for its pages; a page only the site crawl reads is
            // the unit's of the column it sits under.
            let unit = match &places[0].role {
                PageRole::Other => column_of_page(&state.columns, &places[0].page_url)
                    .map(|c| c.units.join("、"))
                    .or_else(|| state.site.unit.clone()),
                _ => state.site.unit.clone(),
            };
            out.push(Finding {
                kind: Kind::LinkBroken,
                subject_key: subject_key(&state.key, &b.url),
                unit,
                evidence: Evidence::LinkBroken(evidence::LinkBroken {
                    url: b.url.clone(),
                    outcome: b.outcome.clone(),
                    status: b.status,
                    detail: b.detail.clone(),
                    on_home_page: places.iter().any(|p| p.role == PageRole::Home),
                    pages: places
                        .iter()
                        .map(|p| LinkPage {
                            page: p.page_url.clone(),
                            anchor: p.anchor.clone(),
                            place: p.role.zh(),
                        })
                        .collect(),
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Origin, SiteFetch};

    #[test]
    fn one_finding_per_broken_url_worded_for_the_first_page() {
        let site = Site {
            name: "某县人民政府".into(),
            url: "http://127.0.0.1:9/".parse().unwrap(),
            unit: Some("县政府办".into()),
            fetch: SiteFetch::default(),
            crawl_site: None,
            origin: Origin {
                file: "c.toml".into(),
                line: 1,
            },
        };
        let place = |page: &str, role: PageRole, anchor: &str| LinkPlace {
            page_url: page.into(),
            role,
            anchor: anchor.into(),
        };
        let state = SiteLinks {
            site: &site,
            key: "某县人民政府".into(),
            columns: Vec::new(),
            broken: vec![
                BrokenUrl {
                    url: "http://127.0.0.1:9/gone.html".into(),
                    outcome: "http".into(),
                    status: Some(404),
                    detail: None,
                    places: vec![
                        place(
                            "http://127.0.0.1:9/col/1/",
                            PageRole::Column("工作动态".into()),
                            "旧闻",
                        ),
                        place("http://127.0.0.1:9/", PageRole::Home, "政策文件"),
                    ],
                },
                BrokenUrl {
                    url: "http://127.0.0.1:9/a.pdf".into(),
                    outcome: "soft_404".into(),
                    status: Some(200),
                    detail: None,
                    places: vec![place(
                        "http://127.0.0.1:9/col/1/",
                        PageRole::Column("工作动态".into()),
                        "",
                    )],
                },
            ],
        };
        let found = judge_links(&[state]);
        assert_eq!(found.len(), 2);
        let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 9).unwrap();
        let sentence = |f: &Finding| crate::report::wording::detected_sentence(f, day);
        let evidence = found[0].evidence.to_json();
        assert_eq!(
            sentence(&found[0]),
            "某县人民政府首页存在死链：政策文件 http://127.0.0.1:9/gone.html"
        );
        assert_eq!(
            found[0].subject_key,
            "某县人民政府|http://127.0.0.1:9/gone.html"
        );
        assert_eq!(evidence["pages"].as_array().unwrap().len(), 2);
        assert_eq!(evidence["pages"][0]["where"], "首页");
        assert_eq!(evidence["pages"][1]["where"], "工作动态栏目页面");
        assert_eq!(
            sentence(&found[1]),
            "某县人民政府工作动态栏目页面存在死链：http://127.0.0.1:9/a.pdf"
        );
    }

    #[test]
    fn a_link_is_removed_when_every_page_it_was_on_lost_it() {
        let read = PagesRead::new([
            ("http://a/col/1/", "http://a/other.html"),
            ("http://a/", "http://a/gone.html"),
            ("http://a/col/2/", "http://a/x.html"),
        ]);
        let gone = "http://a/gone.html";
        assert!(read.removed(gone, &["http://a/col/1/"]));
        assert!(read.removed(gone, &["http://a/col/1/", "http://a/col/2/"]));
        assert!(
            !read.removed(gone, &["http://a/col/1/", "http://a/"]),
            "still on the home page"
        );
        assert!(
            !read.removed(gone, &["http://a/col/9/"]),
            "a page not read again"
        );
        assert!(!read.removed(gone, &[]), "no pages known");
    }
}
