//! The outside-link inventory (外链清单): every domain off the sites that their pages link
//! to in a period, with the pages linking to it. Not findings: an office reviews the list
//! (a partner's domain that expired, a link to a commercial site) and decides. "Off the
//! site" means a host other than the site's and its columns' hosts. Pure: the catalog, the
//! link sources the link stage stored and the period in, rows and a table out.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

use super::{Cell, Table};
use crate::catalog::{Catalog, Site};
use crate::detect::period::Period;
use crate::fetch::host_key;

/// The CSV/XLSX headers.
pub const HEADERS: [&str; 7] = [
    "域名",
    "链接数",
    "页面数",
    "所在网站",
    "所在页面",
    "首次发现",
    "最近发现",
];

/// `export external`: the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalExport {
    pub period: String,
    pub domains: Vec<ExternalDomain>,
}

/// One outside domain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalDomain {
    /// The host (`www.example.com`), without its port.
    pub domain: String,
    /// Distinct outside URLs on it.
    pub link_count: usize,
    /// Distinct pages linking to it.
    pub page_count: usize,
    pub sites: Vec<String>,
    pub links: Vec<ExternalLink>,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
}

/// One outside link on one page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExternalLink {
    pub url: String,
    pub unit: Option<String>,
    pub site: String,
    pub page: String,
    pub anchor: Option<String>,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
}

/// A link source as the store keeps it, its instants already as local days.
#[derive(Debug, Clone)]
pub struct SourceSeen<'a> {
    pub link_url: &'a str,
    pub page_url: &'a str,
    /// The catalog key of the site it was seen on.
    pub site_key: Option<&'a str>,
    pub anchor: Option<&'a str>,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
}

/// Each site's own hosts (`host:port`): its URL's and its columns'.
pub fn own_hosts(catalog: &Catalog, site: &Site) -> HashSet<String> {
    host_key(&site.url)
        .into_iter()
        .chain(
            catalog
                .columns
                .iter()
                .filter(|c| c.site == site.name)
                .filter_map(|c| host_key(&c.url)),
        )
        .collect()
}

/// The outside domains linked to in `period` (a source seen at some time in it).
pub fn external_export(
    catalog: &Catalog,
    sources: &[SourceSeen],
    period: Period,
) -> ExternalExport {
    let sites: HashMap<String, (&Site, HashSet<String>)> = catalog
        .sites
        .iter()
        .map(|s| (s.key(), (s, own_hosts(catalog, s))))
        .collect();
    let mut domains: BTreeMap<String, Vec<ExternalLink>> = BTreeMap::new();
    for s in sources {
        if s.first_seen > period.end() || s.last_seen < period.start() {
            continue;
        }
        let Some((site, own)) = s.site_key.and_then(|k| sites.get(k)) else {
            continue;
        };
        let Ok(url) = Url::parse(s.link_url) else {
            continue;
        };
        if !matches!(url.scheme(), "http" | "https") {
            continue;
        }
        let (Some(host), Some(key)) = (url.host_str(), host_key(&url)) else {
            continue;
        };
        if own.contains(&key) {
            continue;
        }
        domains
            .entry(host.to_ascii_lowercase())
            .or_default()
            .push(ExternalLink {
                url: s.link_url.to_string(),
                unit: site.unit.clone(),
                site: site.name.clone(),
                page: s.page_url.to_string(),
                anchor: s.anchor.filter(|a| !a.is_empty()).map(str::to_string),
                first_seen: s.first_seen,
                last_seen: s.last_seen,
            });
    }
    let domains = domains
        .into_iter()
        .map(|(domain, mut links)| {
            links.sort_by(|a, b| (&a.site, &a.page, &a.url).cmp(&(&b.site, &b.page, &b.url)));
            let urls: BTreeSet<&str> = links.iter().map(|l| l.url.as_str()).collect();
            let pages: BTreeSet<&str> = links.iter().map(|l| l.page.as_str()).collect();
            let sites: BTreeSet<&str> = links.iter().map(|l| l.site.as_str()).collect();
            ExternalDomain {
                link_count: urls.len(),
                page_count: pages.len(),
                sites: sites.into_iter().map(str::to_string).collect(),
                first_seen: links.iter().map(|l| l.first_seen).min().unwrap_or_default(),
                last_seen: links.iter().map(|l| l.last_seen).max().unwrap_or_default(),
                domain,
                links,
            }
        })
        .collect();
    ExternalExport {
        period: period.to_string(),
        domains,
    }
}

/// One row per domain; the pages linking to it one a line.
pub fn table(title: &str, export: &ExternalExport) -> Table {
    let mut t = Table::new(title, HEADERS);
    for d in &export.domains {
        let pages: BTreeSet<&str> = d.links.iter().map(|l| l.page.as_str()).collect();
        t.push_row(vec![
            Cell::Text(d.domain.clone()),
            Cell::Int(d.link_count as i64),
            Cell::Int(d.page_count as i64),
            Cell::Text(d.sites.join("、")),
            Cell::Text(pages.into_iter().collect::<Vec<_>>().join("\n")),
            Cell::Date(d.first_seen),
            Cell::Date(d.last_seen),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_domains_with_their_pages_own_hosts_left_out() {
        let catalog = crate::catalog::load_texts(&[(
            std::path::Path::new("c.toml"),
            "[[unit]]\nname = \"县政府办\"\n\n[[site]]\nname = \"县政府网\"\nurl = \"http://www.xian.gov.cn/\"\nunit = \"县政府办\"\n\n\
             [[column]]\nsite = \"县政府网\"\nname = \"信息公开\"\nurl = \"http://xxgk.xian.gov.cn/list/\"\nunits = [\"县政府办\"]\n",
        )])
        .unwrap()
        .catalog;
        let key = catalog.sites[0].key();
        let day = |d| NaiveDate::from_ymd_opt(2020, 9, d).unwrap();
        let seen = |link, page| SourceSeen {
            link_url: link,
            page_url: page,
            site_key: Some(key.as_str()),
            anchor: Some("友情链接"),
            first_seen: day(1),
            last_seen: day(15),
        };
        let sources = [
            seen("http://www.gov.cn/", "http://www.xian.gov.cn/"),
            seen(
                "http://www.gov.cn/zhengce/",
                "http://www.xian.gov.cn/a.html",
            ),
            seen("http://xxgk.xian.gov.cn/1.html", "http://www.xian.gov.cn/"),
            seen("http://www.xian.gov.cn/b.html", "http://www.xian.gov.cn/"),
            seen("mailto:a@b.cn", "http://www.xian.gov.cn/"),
            seen(
                "http://old-partner.example:8080/",
                "http://www.xian.gov.cn/",
            ),
        ];
        let export = external_export(&catalog, &sources, "2020Q3".parse().unwrap());
        let rows: Vec<(&str, usize, usize)> = export
            .domains
            .iter()
            .map(|d| (d.domain.as_str(), d.link_count, d.page_count))
            .collect();
        assert_eq!(rows, [("old-partner.example", 1, 1), ("www.gov.cn", 2, 2)]);
        let t = table("外链清单", &export);
        assert_eq!(t.headers, HEADERS);
        assert_eq!(
            t.rows[1][4],
            Cell::Text("http://www.xian.gov.cn/\nhttp://www.xian.gov.cn/a.html".into())
        );
        let none = external_export(&catalog, &sources, "2020Q4".parse().unwrap());
        assert!(none.domains.is_empty());
    }
}
