//! The link stage (死链): collects the links and attachments of every site's home page,
//! its watched column pages, and the item pages of each column's newest
//! [`ITEM_PAGES_PER_COLUMN`] items (by publish date: bounded, and re-checked every cycle
//! so that a fixed link resolves its finding), then checks each unique URL once.
//!
//! - A page link (anchor, frame) is checked with a GET: only the body tells a soft 404.
//!   Images, scripts, stylesheets and attachments get a HEAD first, and a GET where the
//!   HEAD is refused (400, 403, 405, 501) or unreliable (an HTML answer for a file).
//! - Soft 404s are broken: a 200 page that says 页面不存在 / 找不到 / 404, a page like the
//!   host's own "not found" page (learned by one request for a random path per host), or
//!   a redirect to the home page (or wherever the random path led).
//! - Untrusted input: a link to a host other than its site's and columns' hosts runs
//!   under a [`LinkGuard`]: a private, loopback or link-local address is not fetched
//!   (outcome `skipped`, never broken) unless the site lists it in `allow_private`. The
//!   fetcher checks the addresses it connects to, at every redirect hop.
//! - `[links] exclude` and `known_good` (URL prefixes, `*` matches anything) are neither
//!   checked nor stored.
//!
//! The cycle id is the run's day (`2020-09-15`, in the configured time zone): one result
//! per URL per day, a rerun on the same day replaces it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use futures::StreamExt;
use url::Url;

use crate::catalog::Site;
use crate::extract::notfound::{self, NotFoundPage};
use crate::extract::{LinkKind, LinkProblem, MalformedLink, PageLink, page_links};
use crate::fetch::{Cidr, FailureClass, FetchResult, LinkGuard, Purpose, Request, host_key};
use crate::observe::LinkOutcome;
use crate::store::{CatalogIds, LinkCheck, StoreError};

/// Item pages read per column and cycle (the newest by publish date).
pub const ITEM_PAGES_PER_COLUMN: usize = 5;
/// Pages and links fetched at once (the fetcher still limits each host).
const PARALLEL: usize = 32;

/// A broken link where it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub site: String,
    pub page_url: String,
    pub url: String,
    pub anchor: String,
    pub outcome: LinkOutcome,
    pub status: Option<u16>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LinkReport {
    /// The cycle id (the run's day).
    pub cycle: String,
    /// Pages read for links.
    pub pages: usize,
    /// Pages that could not be read.
    pub unreadable_pages: usize,
    /// Unique URLs checked.
    pub checked: usize,
    /// Links not fetched: a private address not allowed.
    pub skipped: usize,
    /// Links matching `[links] exclude` or `known_good`.
    pub excluded: usize,
    /// Broken links by page, sorted by site, page and URL.
    pub broken: Vec<BrokenLink>,
    /// What the content stage made of the pages' text.
    pub content: super::content::ContentReport,
}

/// The cycle id of a run: its day.
pub fn cycle_id(clock: &crate::clock::Clock) -> String {
    clock.today().to_string()
}

/// Whether `url` matches a `[links]` pattern: a prefix, where `*` matches anything.
pub fn matches_pattern(url: &str, pattern: &str) -> bool {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return false;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = url;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

/// A page to read links from.
struct SourcePage {
    site: usize,
    url: Url,
    purpose: Purpose,
    subject: String,
    /// For the content stage: the column's name, the item's title and day.
    column: Option<String>,
    title: Option<String>,
    published_on: Option<chrono::NaiveDate>,
}

/// A unique URL to check, with everything its occurrences say about it.
#[derive(Default)]
struct Target {
    kind: Option<LinkKind>,
    /// A catalog URL: fetched without a guard.
    catalog: bool,
    trusted_hosts: HashSet<String>,
    allow: Vec<Cidr>,
    /// Home pages of the sites it appears on (a redirect there is a soft 404).
    homes: HashSet<String>,
}

/// Checks the links of every site (or only `site`) now and stores the results.
pub async fn run(
    env: super::Env<'_>,
    ids: &CatalogIds,
    site: Option<&str>,
) -> Result<LinkReport, StoreError> {
    let super::Env {
        store,
        fetcher,
        catalog,
        settings,
        clock,
    } = env;
    let now = clock.now();
    let mut report = LinkReport {
        cycle: cycle_id(clock),
        ..Default::default()
    };
    let sites: Vec<&Site> = catalog
        .sites
        .iter()
        .filter(|s| site.is_none_or(|want| want == s.name))
        .collect();
    let catalog_urls: HashSet<String> = catalog
        .sites
        .iter()
        .map(|s| s.url.to_string())
        .chain(catalog.columns.iter().map(|c| c.url.to_string()))
        .collect();

    // The pages to read, and each site's trusted hosts and allowances.
    let mut pages = Vec::new();
    let mut trusted: Vec<HashSet<String>> = Vec::new();
    let mut allow: Vec<Vec<Cidr>> = Vec::new();
    for (i, s) in sites.iter().enumerate() {
        let mut hosts: HashSet<String> = host_key(&s.url).into_iter().collect();
        pages.push(SourcePage {
            site: i,
            url: s.url.clone(),
            purpose: Purpose::Home,
            subject: s.key(),
            column: None,
            title: None,
            published_on: None,
        });
        for c in catalog.columns.iter().filter(|c| c.site == s.name) {
            hosts.extend(host_key(&c.url));
            pages.push(SourcePage {
                site: i,
                url: c.url.clone(),
                purpose: Purpose::Column,
                subject: c.key(),
                column: Some(c.name.clone()),
                title: None,
                published_on: None,
            });
            let Some(column_id) = ids.columns.get(&c.key()) else {
                continue;
            };
            let items = store.column_items(*column_id).await?;
            for item in items
                .iter()
                .filter(|i| i.published_on.is_none_or(|d| d <= clock.today()))
                .take(ITEM_PAGES_PER_COLUMN)
            {
                if let Ok(url) = Url::parse(&item.url) {
                    pages.push(SourcePage {
                        site: i,
                        url,
                        purpose: Purpose::Item,
                        subject: c.key(),
                        column: Some(c.name.clone()),
                        title: Some(item.title.clone()),
                        published_on: item.published_on,
                    });
                }
            }
        }
        trusted.push(hosts);
        allow.push(
            s.fetch
                .allow_private
                .iter()
                .filter_map(|c| Cidr::parse(c))
                .collect(),
        );
    }

    // Pages whose text had hits are read again until corrected, wherever they are now.
    let scanner = super::content::Scanner::new(catalog, &settings.content);
    if scanner.is_some() {
        let site_ids: HashMap<i64, usize> = sites
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((*ids.sites.get(&s.key())?, i)))
            .collect();
        for row in store.pages_with_hits().await? {
            let (Some(i), Ok(url)) = (
                row.site_id.and_then(|id| site_ids.get(&id)),
                Url::parse(&row.page_url),
            ) else {
                continue;
            };
            pages.push(SourcePage {
                site: *i,
                url,
                purpose: Purpose::Item,
                subject: sites[*i].key(),
                column: row.column_name,
                title: row.title,
                published_on: row.published_on,
            });
        }
    }

    // Read the pages (each once) and their links.
    let mut seen_pages = HashSet::new();
    pages.retain(|p| seen_pages.insert(p.url.clone()));
    let mut reads = futures::stream::iter(pages)
        .map(|p| async move {
            let result = fetcher
                .fetch(Request::get(p.url.clone(), p.purpose).subject(p.subject.clone()))
                .await;
            (p, result)
        })
        .buffer_unordered(PARALLEL);
    let mut found: Vec<(usize, Url, PageLink)> = Vec::new();
    let mut unfollowable: Vec<(usize, Url, MalformedLink)> = Vec::new();
    let today = clock.today();
    while let Some((page, result)) = reads.next().await {
        record(store, &result).await?;
        if let Some(scanner) = &scanner {
            let read = super::content::PageRead {
                url: page.url.as_str(),
                site_id: ids.sites.get(&sites[page.site].key()).copied(),
                role: match page.purpose {
                    Purpose::Home => "home",
                    Purpose::Column => "column",
                    _ => "item",
                },
                column_name: page.column.as_deref(),
                title: page.title.as_deref(),
                published_on: page.published_on,
            };
            super::content::record_read(
                store,
                scanner,
                &read,
                &result,
                now,
                today,
                &mut report.content,
            )
            .await?;
        }
        match result.page() {
            Some(p) if !p.not_modified => {
                report.pages += 1;
                let links = page_links(&p.text().text, &p.final_url);
                for link in links.links {
                    found.push((page.site, page.url.clone(), link));
                }
                for bad in links.malformed {
                    unfollowable.push((page.site, page.url.clone(), bad));
                }
            }
            _ => report.unreadable_pages += 1,
        }
    }
    drop(reads);

    // One target per unique URL; every occurrence recorded as a source.
    let mut targets: BTreeMap<Url, Target> = BTreeMap::new();
    let mut anchors: HashMap<(String, String), (usize, String)> = HashMap::new();
    let mut excluded = HashSet::new();
    for (site_index, page_url, link) in &found {
        let text = link.url.as_str();
        if !matches!(link.url.scheme(), "http" | "https") {
            continue;
        }
        if settings
            .links
            .exclude
            .iter()
            .chain(&settings.links.known_good)
            .any(|p| matches_pattern(text, p))
        {
            excluded.insert(link.url.clone());
            continue;
        }
        let s = sites[*site_index];
        let t = targets.entry(link.url.clone()).or_default();
        t.kind.get_or_insert(link.kind);
        t.catalog |= catalog_urls.contains(text);
        t.trusted_hosts.extend(trusted[*site_index].iter().cloned());
        for c in &allow[*site_index] {
            if !t.allow.contains(c) {
                t.allow.push(*c);
            }
        }
        t.homes.insert(s.url.to_string());
        anchors
            .entry((text.to_string(), page_url.to_string()))
            .or_insert((*site_index, link.text.clone()));
    }
    report.excluded = excluded.len();
    for ((link, page), (site_index, anchor)) in &anchors {
        let site_id = ids.sites.get(&sites[*site_index].key()).copied();
        store
            .record_link_source(link, page, site_id, anchor, now)
            .await?;
    }

    // Learn each host's "not found" page, once.
    let mut hosts: BTreeMap<String, (Url, Arc<LinkGuard>)> = BTreeMap::new();
    for (url, t) in &targets {
        if let Some(host) = host_key(url) {
            hosts
                .entry(host)
                .or_insert_with(|| (url.clone(), Arc::new(guard_of(t))));
        }
    }
    let mut not_found: HashMap<String, NotFoundPage> = HashMap::new();
    let mut probes = futures::stream::iter(hosts)
        .map(|(host, (url, guard))| async move {
            let mut probe = url.clone();
            probe.set_path(&format!("/govwatch-{}-not-found.html", random_token()));
            probe.set_query(None);
            let result = fetcher
                .fetch(
                    Request::get(probe, Purpose::Link)
                        .subject(format!("not-found:{host}"))
                        .no_retry()
                        .guarded(guard),
                )
                .await;
            (host, result)
        })
        .buffer_unordered(PARALLEL);
    while let Some((host, result)) = probes.next().await {
        record(store, &result).await?;
        if let Some(page) = result.page() {
            not_found.insert(
                host,
                NotFoundPage {
                    final_url: page.final_url.to_string(),
                    redirected: !page.redirects.is_empty(),
                    fingerprint: notfound::fingerprint(&page.text().text),
                },
            );
        }
    }
    drop(probes);

    // Check each unique URL once.
    let not_found = &not_found;
    let mut checks = futures::stream::iter(targets)
        .map(|(url, target)| async move {
            let (check, results) = check_url(fetcher, &url, &target, not_found).await;
            (url, check, results)
        })
        .buffer_unordered(PARALLEL);
    let mut outcomes: HashMap<String, (LinkOutcome, Option<u16>, Option<String>)> = HashMap::new();
    while let Some((url, check, results)) = checks.next().await {
        for r in &results {
            record(store, r).await?;
        }
        report.checked += 1;
        if check.outcome == LinkOutcome::Skipped {
            report.skipped += 1;
        }
        store
            .record_link_check(&LinkCheck {
                url: url.to_string(),
                cycle: report.cycle.clone(),
                at: now,
                outcome: check.outcome,
                status: check.status.map(i64::from),
                final_url: check.final_url.clone(),
                detail: check.detail.clone(),
            })
            .await?;
        outcomes.insert(url.to_string(), (check.outcome, check.status, check.detail));
    }
    drop(checks);

    // Values a browser cannot follow are broken as written: recorded like a check, with
    // nothing fetched (链接格式错误, 缺少mailto:).
    for (site_index, page, bad) in unfollowable {
        let href = bad.href.trim().to_string();
        if settings
            .links
            .exclude
            .iter()
            .chain(&settings.links.known_good)
            .any(|p| matches_pattern(&href, p))
        {
            continue;
        }
        let outcome = match bad.problem {
            LinkProblem::Malformed => LinkOutcome::Malformed,
            LinkProblem::MissingMailto => LinkOutcome::MissingMailto,
        };
        let site_id = ids.sites.get(&sites[site_index].key()).copied();
        store
            .record_link_source(&href, page.as_str(), site_id, &bad.text, now)
            .await?;
        if !outcomes.contains_key(&href) {
            store
                .record_link_check(&LinkCheck {
                    url: href.clone(),
                    cycle: report.cycle.clone(),
                    at: now,
                    outcome,
                    status: None,
                    final_url: None,
                    detail: Some(bad.problem.zh().to_string()),
                })
                .await?;
            report.checked += 1;
            outcomes.insert(href.clone(), (outcome, None, Some(bad.problem.zh().into())));
        }
        anchors
            .entry((href, page.to_string()))
            .or_insert((site_index, bad.text));
    }

    for ((link, page), (site_index, anchor)) in anchors {
        let Some((outcome, status, detail)) = outcomes.get(&link) else {
            continue;
        };
        if outcome.is_broken() {
            report.broken.push(BrokenLink {
                site: sites[site_index].name.clone(),
                page_url: page,
                url: link,
                anchor,
                outcome: *outcome,
                status: *status,
                detail: detail.clone(),
            });
        }
    }
    report
        .broken
        .sort_by(|a, b| (&a.site, &a.page_url, &a.url).cmp(&(&b.site, &b.page_url, &b.url)));
    Ok(report)
}

/// How checking one URL ended.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Checked {
    outcome: LinkOutcome,
    status: Option<u16>,
    final_url: Option<String>,
    detail: Option<String>,
}

fn guard_of(t: &Target) -> LinkGuard {
    LinkGuard {
        trusted_hosts: t.trusted_hosts.clone(),
        allow_private: t.allow.clone(),
    }
}

fn random_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{:016x}", h.finish())
}

async fn check_url(
    fetcher: &crate::fetch::Fetcher,
    url: &Url,
    target: &Target,
    not_found: &HashMap<String, NotFoundPage>,
) -> (Checked, Vec<FetchResult>) {
    let request = |method_head: bool| {
        let r = if method_head {
            Request::head(url.clone(), Purpose::Link)
        } else {
            Request::get(url.clone(), Purpose::Link)
        };
        if target.catalog {
            r
        } else {
            r.guarded(Arc::new(guard_of(target)))
        }
    };
    let page_like = matches!(target.kind, Some(LinkKind::Anchor | LinkKind::Frame) | None);
    let mut results = Vec::new();
    if !page_like {
        let head = fetcher.fetch(request(true)).await;
        let refused = head.failure().is_some_and(|f| {
            f.class == FailureClass::Http && matches!(f.status, Some(400 | 403 | 405 | 501))
        });
        let html_for_file = target.kind == Some(LinkKind::Attachment)
            && head.page().is_some_and(|p| {
                p.content_type
                    .as_deref()
                    .is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html"))
            });
        if !refused && !html_for_file {
            let checked = judge(url, &head, target, not_found, false);
            results.push(head);
            return (checked, results);
        }
        results.push(head);
    }
    let get = fetcher.fetch(request(false)).await;
    let checked = judge(url, &get, target, not_found, true);
    results.push(get);
    (checked, results)
}

/// The outcome of a fetch of a link: ok, soft_404 (judged by
/// [`notfound::soft_404`]), skipped, or the failure class.
fn judge(
    url: &Url,
    result: &FetchResult,
    target: &Target,
    not_found: &HashMap<String, NotFoundPage>,
    has_body: bool,
) -> Checked {
    let page = match &result.outcome {
        Err(f) => {
            return Checked {
                outcome: LinkOutcome::of_failure(f.class),
                status: f.status,
                final_url: None,
                detail: Some(f.detail.clone()),
            };
        }
        Ok(page) => page,
    };
    let answer = notfound::Answer {
        url,
        final_url: &page.final_url,
        redirected: !page.redirects.is_empty(),
        status: page.status,
        content_type: page.content_type.as_deref(),
        has_body: has_body && !page.body.is_empty(),
    };
    let host_not_found = host_key(url).and_then(|h| not_found.get(&h));
    let soft = notfound::soft_404(&answer, &target.homes, host_not_found, || page.text().text);
    Checked {
        outcome: if soft.is_some() {
            LinkOutcome::Soft404
        } else {
            LinkOutcome::Ok
        },
        status: Some(page.status),
        final_url: Some(page.final_url.to_string()),
        detail: soft,
    }
}

/// Records every attempt of a fetch.
async fn record(store: &crate::store::Store, result: &FetchResult) -> Result<(), StoreError> {
    for attempt in &result.attempts {
        store.record_fetch_attempt(&attempt.into()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn link_patterns_are_prefixes_with_stars() {
        assert!(matches_pattern(
            "http://a.gov.cn/x/y.html",
            "http://a.gov.cn/"
        ));
        assert!(matches_pattern(
            "http://a.gov.cn/x/y.html",
            "http://*.gov.cn/x/"
        ));
        assert!(matches_pattern("https://beian.miit.gov.cn/", "*beian*"));
        assert!(!matches_pattern("http://b.gov.cn/", "http://a.gov.cn/"));
        assert!(!matches_pattern("http://b.gov.cn/", "  "));
    }
}
