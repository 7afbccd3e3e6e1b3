//! The link stage (死链): collects the links and attachments of every site's home page,
//! its watched column pages, and the item pages of each column's newest
//! [`ITEM_PAGES_PER_COLUMN`] items (by publish date: re-checked every cycle so that a
//! fixed link resolves its finding), plus the other known item pages on a rotation (the
//! least recently read first, each at least every `[links] full_every_days`: old
//! articles are where links rot), then checks each unique URL once.
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
//! - The body of an outside page-like link's GET (a host other than its site's and
//!   columns') is scanned for 外链禁用词 (`link_suspicious`) in the same request; own
//!   pages never are.
//! - `[links] exclude` and `known_good` (URL prefixes, `*` matches anything) are neither
//!   checked nor stored.
//!
//! The cycle id is the run's day (`2020-09-15`, in the configured time zone): one result
//! per URL per day, a rerun on the same day replaces it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use url::Url;

use texting_robots::Robot;

use super::site_crawl::{self, Frontier};
use crate::catalog::Site;
use crate::config::RobotsPolicy;
use crate::extract::notfound::{self, NotFoundPage};
use crate::extract::{
    LinkKind, LinkProblem, MalformedLink, PageLink, PageLinks, Parsed, page_links_in,
};
use crate::fetch::{Cidr, FailureClass, FetchResult, LinkGuard, Purpose, Request, host_key};
use crate::observe::LinkOutcome;
use crate::store::{CatalogIds, LinkCheck, NewLinkSource, StoreError};

/// The name govwatch's site crawl goes by in robots.txt (`User-agent: govwatch`).
const ROBOTS_AGENT: &str = "govwatch";
/// Item pages read per column and cycle (the newest by publish date).
pub const ITEM_PAGES_PER_COLUMN: usize = 5;
/// Link results written at once (multi-row upserts in one transaction).
const CHECKS_PER_WRITE: usize = 500;
/// Fetch attempts written at once (multi-row inserts in one transaction).
const ATTEMPTS_PER_WRITE: usize = 500;
/// Pages and links fetched at once (the fetcher still limits each host).
const PARALLEL: usize = 64;
/// Link sources (a link on a page) written at once, by a task of their own.
const SOURCES_PER_WRITE: usize = 2000;

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
    /// Of the pages, older item pages read on the rotation (`[links] full_every_days`).
    pub rotated: usize,
    /// Of the pages, pages read by the site crawl (`[links] crawl_site`).
    pub crawled: usize,
    /// Pages the site crawl found but left for its budgets (pages, depth, prefix).
    pub crawl_refused: usize,
    /// Unique URLs checked.
    pub checked: usize,
    /// Links not fetched: a private address not allowed.
    pub skipped: usize,
    /// Links matching `[links] exclude` or `known_good`.
    pub excluded: usize,
    /// Broken links by page, sorted by site, page and URL.
    pub broken: Vec<BrokenLink>,
    /// Outside pages whose body the link check scanned for 外链禁用词.
    pub outside_scanned: usize,
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

/// One page read, and what reading it found: done on the blocking pool.
struct PageWork {
    result: FetchResult,
    info: super::content::PageInfo,
    /// The content stage's write for the page (its scan, a confirmation, a missing read).
    scan_write: Option<crate::store::PageScanWrite>,
    content: super::content::ContentReport,
    /// The page's links and its error-page fingerprint, for a page read in full.
    links: Option<(PageLinks, notfound::Fingerprint)>,
}

impl PageWork {
    fn of(
        result: FetchResult,
        info: super::content::PageInfo,
        scanner: Option<&super::content::Scanner>,
        previous: Option<&crate::store::ScanDigest>,
        today: chrono::NaiveDate,
    ) -> PageWork {
        let mut content = super::content::ContentReport::default();
        // Decoded and parsed once, for the content scan, the links and the fingerprint.
        let read = result.page().filter(|p| !p.not_modified);
        let parsed = read.map(|p| Parsed::of(p.text().text));
        let scan_write = scanner.and_then(|scanner| {
            super::content::judge_read(
                scanner,
                &info.as_read(),
                &result,
                parsed.as_ref(),
                previous,
                today,
                &mut content,
            )
        });
        let links = read.zip(parsed.as_ref()).map(|(p, parsed)| {
            (
                page_links_in(&parsed.doc, &p.final_url),
                notfound::fingerprint_of(&parsed.doc),
            )
        });
        PageWork {
            result,
            info,
            scan_write,
            content,
            links,
        }
    }
}

/// A unique URL to check, with everything its occurrences say about it.
#[derive(Default)]
struct Target {
    kind: Option<LinkKind>,
    /// A catalog URL: fetched without a guard.
    catalog: bool,
    /// The own hosts of the sites it appears on (shared: a site's set is not copied into
    /// each of its thousands of links).
    trusted_hosts: Vec<Arc<HashSet<String>>>,
    allow: Vec<Cidr>,
    /// Home pages of the sites it appears on (a redirect there is a soft 404).
    homes: HashSet<String>,
    /// The sites it appears on (indexes).
    sites: Vec<usize>,
    /// Where it appears: the index of the page in the pages read, and the link's text
    /// there. Pages are read one at a time, so a page's repeats of a link are adjacent.
    on: Vec<Place>,
}

/// Where a link appears: the index of its page among the pages read, and its text there.
type Place = (u32, Box<str>);

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

    // The pages to read, and each site's trusted hosts and allowances; the older item
    // pages wait for the rotation.
    let mut pages = Vec::new();
    let mut older = Vec::new();
    let mut trusted: Vec<HashSet<String>> = Vec::new();
    let mut allow: Vec<Vec<Cidr>> = Vec::new();
    let items_by_column = store.items_by_column().await?;
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
            let items = items_by_column
                .get(column_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let visible = items
                .iter()
                .filter(|i| i.published_on.is_none_or(|d| d <= clock.today()));
            for (n, item) in visible.enumerate() {
                if let Ok(url) = Url::parse(&item.url) {
                    let page = SourcePage {
                        site: i,
                        url,
                        purpose: Purpose::Item,
                        subject: c.key(),
                        column: Some(c.name.clone()),
                        title: Some(item.title.clone()),
                        published_on: item.published_on,
                    };
                    if n < ITEM_PAGES_PER_COLUMN {
                        pages.push(page);
                    } else {
                        older.push((page, item.first_seen));
                    }
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
    drop(items_by_column);

    // Pages whose text had hits are read again until corrected, wherever they are now.
    let scanner = super::content::Scanner::new(catalog, &settings.content).map(Arc::new);
    if scanner.is_some() {
        let site_ids: HashMap<i64, usize> = sites
            .iter()
            .enumerate()
            .filter_map(|(i, s)| Some((*ids.sites.get(&s.key())?, i)))
            .collect();
        for row in store.pages_with_hits().await? {
            let (Some(i), Ok(url)) = (
                row.site_id.and_then(|id| site_ids.get(&id)),
                Url::parse(&super::content::page_to_reread(&row)),
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
    older.retain(|(p, _)| seen_pages.insert(p.url.clone()));
    drop(seen_pages);
    let last_read = store.link_page_reads().await?;
    let rotation = rotation(older, &last_read, settings.links.full_every_days, clock);
    drop(last_read);
    report.rotated = rotation.len();
    pages.extend(rotation);
    // On sites that crawl, same-site links are followed level by level from the pages
    // read anyway (the home page at depth 0, the others at 1).
    let mut frontiers: Vec<Option<Frontier>> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.crawl_site
                .unwrap_or(settings.links.crawl_site)
                .then(|| Frontier::new(&settings.links, trusted[i].clone()))
        })
        .collect();
    for p in &pages {
        if let Some(f) = frontiers[p.site].as_mut() {
            f.read_anyway(&p.url);
        }
    }
    let robots = robots(fetcher, store, settings, &frontiers, &trusted, &sites).await?;
    let mut level: Vec<(SourcePage, u32)> = pages
        .into_iter()
        .map(|p| {
            let depth = u32::from(p.purpose != Purpose::Home);
            (p, depth)
        })
        .collect();
    let mut unfollowable: Vec<(usize, Url, MalformedLink)> = Vec::new();
    // What each page read says about it as a link: checked from that, not fetched again.
    let mut as_link: HashMap<Url, ReadAsLink> = HashMap::new();
    // The pages read, for the attachments they link (content stage).
    let mut host_pages: HashMap<String, super::content::HostPage> = HashMap::new();
    let mut attempts = Attempts::new(store);
    let mut missing_pages = Vec::new();
    // The content stage's view of the pages scanned before, and its writes, in batches.
    let scan_digests = match &scanner {
        Some(_) => store.page_scan_digests().await?,
        None => HashMap::new(),
    };
    let mut scan_writes = super::content::ScanWrites::new(store, now);
    let today = clock.today();
    let own_hosts: Vec<Arc<HashSet<String>>> = trusted.iter().cloned().map(Arc::new).collect();
    // One target per unique URL, every occurrence a source: gathered as pages are read,
    // so no page's links are held twice.
    let mut targets: BTreeMap<Url, Target> = BTreeMap::new();
    let mut excluded = HashSet::new();
    // Each link's sources go to the database while pages are still read.
    let site_ids: Vec<Option<i64>> = sites
        .iter()
        .map(|s| ids.sites.get(&s.key()).copied())
        .collect();
    let mut source_writes = SourceWrites::start(store, now);
    // The pages read, with their sites: the links' occurrences name them by index.
    let mut read_pages: Vec<(String, usize)> = Vec::new();
    let mut add_link = |page_index: u32, site_index: usize, page_url: &str, link: PageLink| {
        let text = link.url.as_str();
        if !matches!(link.url.scheme(), "http" | "https") {
            return None;
        }
        if excluded_by(settings, text) {
            excluded.insert(link.url.clone());
            return None;
        }
        let s = sites[site_index];
        let t = targets.entry(link.url.clone()).or_default();
        t.kind.get_or_insert(link.kind);
        t.catalog |= catalog_urls.contains(text);
        // What a site adds, once per site (a link appears on many pages of one site).
        if !t.sites.contains(&site_index) {
            t.sites.push(site_index);
            t.trusted_hosts.push(own_hosts[site_index].clone());
            for c in &allow[site_index] {
                if !t.allow.contains(c) {
                    t.allow.push(*c);
                }
            }
            t.homes.insert(s.url.to_string());
        }
        if t.on.last().is_some_and(|(page, _)| *page == page_index) {
            return None;
        }
        let source = NewLinkSource {
            link_url: text.to_string(),
            page_url: page_url.to_string(),
            site_id: site_ids[site_index],
            anchor: link.text.clone(),
        };
        t.on.push((page_index, link.text.into_boxed_str()));
        Some(source)
    };
    let (scanner_arc, digests_ref, sites_ref, trusted_ref, ids_ref) =
        (&scanner, &scan_digests, &sites, &own_hosts, &ids);
    while !level.is_empty() {
        let mut reads = futures::stream::iter(std::mem::take(&mut level))
            .map(|(p, depth)| async move {
                let result = fetcher
                    .fetch(Request::get(p.url.clone(), p.purpose).subject(p.subject.clone()))
                    .await;
                // Reading the page (decoding, links, the error-page fingerprint, the
                // content scan) is CPU work: on the blocking pool, not on the thread
                // that drives the fetches.
                let info = super::content::PageInfo {
                    url: p.url.to_string(),
                    site_id: ids_ref.sites.get(&sites_ref[p.site].key()).copied(),
                    role: match p.purpose {
                        Purpose::Home => "home",
                        Purpose::Column => "column",
                        _ => "item",
                    },
                    column_name: p.column.clone(),
                    title: p.title.clone(),
                    published_on: p.published_on,
                    own_hosts: trusted_ref[p.site].clone(),
                };
                let scanner = scanner_arc.clone();
                let previous = digests_ref.get(p.url.as_str()).cloned();
                let read = tokio::task::spawn_blocking(move || {
                    PageWork::of(result, info, scanner.as_deref(), previous.as_ref(), today)
                })
                .await
                .expect("reading a page does not panic");
                (p, depth, read)
            })
            .buffer_unordered(PARALLEL);
        while let Some((page, depth, work)) = reads.next().await {
            let PageWork {
                result,
                info,
                scan_write,
                content,
                links,
            } = work;
            attempts.add(&result).await?;
            if scanner.is_some() {
                host_pages.insert(
                    page.url.to_string(),
                    super::content::HostPage::of(&info.as_read()),
                );
                report.content.add(&content);
                if let Some(write) = scan_write {
                    scan_writes.add(write).await?;
                }
            }
            if let Some(read) = ReadAsLink::of(&result) {
                as_link.insert(page.url.clone(), read);
            }
            match (result.page(), links) {
                (Some(p), Some((links, fingerprint))) if !p.not_modified => {
                    report.pages += 1;
                    if page.purpose == Purpose::Link {
                        report.crawled += 1;
                    }
                    let page_index = u32::try_from(read_pages.len()).expect("under 4 G pages");
                    read_pages.push((page.url.to_string(), page.site));
                    if let Some(ReadAsLink::Page { fingerprint: f, .. }) =
                        as_link.get_mut(&page.url)
                    {
                        *f = fingerprint;
                    }
                    if let Some(frontier) = frontiers[page.site].as_mut() {
                        for link in &links.links {
                            let follow = matches!(link.kind, LinkKind::Anchor | LinkKind::Frame)
                                && site_crawl::is_page(&link.url)
                                && !excluded_by(settings, link.url.as_str())
                                && robots
                                    .get(&host_key(&link.url).unwrap_or_default())
                                    .is_none_or(|r| r.allowed(link.url.as_str()))
                                && frontier.admit(&link.url, depth + 1);
                            if follow {
                                level.push((
                                    SourcePage {
                                        site: page.site,
                                        url: link.url.clone(),
                                        purpose: Purpose::Link,
                                        subject: sites[page.site].key(),
                                        column: None,
                                        title: None,
                                        published_on: None,
                                    },
                                    depth + 1,
                                ));
                            }
                        }
                    }
                    let page_url = &read_pages[page_index as usize].0;
                    for link in links.links {
                        if let Some(source) = add_link(page_index, page.site, page_url, link) {
                            source_writes.add(source).await?;
                        }
                    }
                    for bad in links.malformed {
                        unfollowable.push((page.site, page.url.clone(), bad));
                    }
                }
                _ => {
                    report.unreadable_pages += 1;
                    if super::content::answered_missing(&result) {
                        missing_pages.push(page.url.to_string());
                    }
                }
            }
        }
    }
    report.crawl_refused = frontiers.iter().flatten().map(|f| f.refused).sum();
    attempts.flush().await?;
    scan_writes.flush().await?;
    store
        .record_link_page_reads(read_pages.iter().map(|(url, _)| url.as_str()), now)
        .await?;
    store.record_link_pages_missing(&missing_pages, now).await?;

    report.excluded = excluded.len();
    // The last sources are written while the links are checked.
    source_writes.send().await?;

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
        attempts.add(&result).await?;
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
    attempts.flush().await?;

    // Attachments on the sites' own hosts whose text the content stage reads: their link
    // check is a GET of the whole file (`[content] max_attachment_mb`).
    let attachment_reads = match &scanner {
        Some(_) => {
            // Only attachments can be read for their text: the others are not looked at.
            super::content::attachments_to_read(
                targets
                    .iter()
                    .filter(|(_, t)| t.kind == Some(LinkKind::Attachment))
                    .flat_map(|(url, t)| {
                        let host = host_key(url);
                        let (read_pages, trusted) = (&read_pages, &trusted);
                        t.on.iter().map(move |(page, anchor)| {
                            let (page_url, site_index) = &read_pages[*page as usize];
                            let own = host
                                .as_ref()
                                .is_some_and(|h| trusted[*site_index].contains(h));
                            (url, page_url.as_str(), &**anchor, own)
                        })
                    }),
                &host_pages,
            )
        }
        None => HashMap::new(),
    };

    // Where each link appears, kept for the broken ones' list once the targets are
    // checked.
    let places: Vec<(String, Vec<Place>)> = targets
        .iter_mut()
        .map(|(url, t)| (url.to_string(), std::mem::take(&mut t.on)))
        .collect();

    // Check each unique URL once.
    let not_found = &not_found;
    let as_link = &as_link;
    let (attachment_reads, host_pages, scanner_ref) = (&attachment_reads, &host_pages, &scanner);
    let scan_digests = &scan_digests;
    let today = clock.today();
    let mut checks = futures::stream::iter(targets)
        .map(|(url, target)| async move {
            let page_like = matches!(target.kind, Some(LinkKind::Anchor | LinkKind::Frame) | None);
            if page_like && let Some(read) = as_link.get(&url) {
                return Ok((
                    url.clone(),
                    read.judge(&url, &target, not_found),
                    Vec::new(),
                    Default::default(),
                    None,
                ));
            }
            let text = scanner_ref.as_ref().zip(attachment_reads.get(&url));
            let max_body = text.map(|(s, _)| s.max_attachment);
            let (check, results) = check_url(fetcher, &url, &target, not_found, max_body).await;
            let mut content = super::content::ContentReport::default();
            let mut scan_write = None;
            if let (Some((scanner, a)), Some(get)) = (text, results.first())
                && let Some(page) = host_pages.get(&a.page_url)
            {
                let read = super::content::AttachmentRead {
                    url: &url,
                    kind: a.kind,
                    name: &a.name,
                    page: page.as_read(&a.page_url),
                };
                scan_write = super::content::judge_attachment(
                    scanner,
                    &read,
                    get,
                    scan_digests.get(url.as_str()),
                    today,
                    &mut content,
                )
                .await?;
            }
            // An outside page's body, read anyway: scanned for 外链禁用词.
            let outside = scanner_ref
                .as_ref()
                .filter(|_| is_outside(&url, &target))
                .and_then(|s| {
                    let page = results.last()?.page()?;
                    let html = page
                        .content_type
                        .as_deref()
                        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
                    (page_like && html && check.outcome == LinkOutcome::Ok)
                        .then(|| s.scan_outside(&page.text().text))
                });
            Ok::<_, StoreError>((url, check, results, (content, scan_write), outside))
        })
        .buffer_unordered(PARALLEL);
    let mut outcomes: HashMap<String, (LinkOutcome, Option<u16>, Option<String>)> = HashMap::new();
    // Results are written in batches, not a statement per link.
    let mut results_to_write: Vec<LinkCheck> = Vec::new();
    let scanner = &scanner;
    while let Some(checked) = checks.next().await {
        let (url, check, results, (content, scan_write), outside) = checked?;
        report.content.add(&content);
        if let Some(write) = scan_write {
            scan_writes.add(write).await?;
        }
        for r in &results {
            attempts.add(r).await?;
        }
        if let (Some(scanner), Some(found)) = (scanner, &outside) {
            scan_writes
                .add(super::content::outside_write(scanner, url.as_str(), found))
                .await?;
            report.outside_scanned += 1;
        }
        report.checked += 1;
        if check.outcome == LinkOutcome::Skipped {
            report.skipped += 1;
        }
        results_to_write.push(LinkCheck {
            url: url.to_string(),
            cycle: report.cycle.clone(),
            at: now,
            outcome: check.outcome,
            status: check.status.map(i64::from),
            final_url: check.final_url.clone(),
            detail: check.detail.clone(),
        });
        if results_to_write.len() >= CHECKS_PER_WRITE {
            attempts.flush().await?;
            store.record_link_checks(&results_to_write).await?;
            results_to_write.clear();
        }
        outcomes.insert(url.to_string(), (check.outcome, check.status, check.detail));
    }
    drop(checks);
    attempts.flush().await?;

    // Values a browser cannot follow are broken as written: recorded like a check, with
    // nothing fetched (链接格式错误, 缺少mailto:).
    let mut bad_sources = Vec::new();
    let mut bad_places: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    for (site_index, page, bad) in unfollowable {
        let href = bad.href.trim().to_string();
        if excluded_by(settings, &href) {
            continue;
        }
        let outcome = match bad.problem {
            LinkProblem::Malformed => LinkOutcome::Malformed,
            LinkProblem::MissingMailto => LinkOutcome::MissingMailto,
        };
        bad_sources.push(NewLinkSource {
            link_url: href.clone(),
            page_url: page.to_string(),
            site_id: ids.sites.get(&sites[site_index].key()).copied(),
            anchor: bad.text.clone(),
        });
        if !outcomes.contains_key(&href) {
            results_to_write.push(LinkCheck {
                url: href.clone(),
                cycle: report.cycle.clone(),
                at: now,
                outcome,
                status: None,
                final_url: None,
                detail: Some(bad.problem.zh().to_string()),
            });
            report.checked += 1;
            outcomes.insert(href.clone(), (outcome, None, Some(bad.problem.zh().into())));
        }
        bad_places
            .entry((href, page.to_string()))
            .or_insert((site_index, bad.text));
    }

    attempts.flush().await?;
    source_writes.finish().await?;
    store.record_link_sources(&bad_sources, now).await?;
    store.record_link_checks(&results_to_write).await?;
    scan_writes.flush().await?;

    // The broken links' places, each with the text the link has there.
    let broken_places = places
        .into_iter()
        .filter(|(link, _)| outcomes.get(link).is_some_and(|(o, _, _)| o.is_broken()))
        .flat_map(|(link, on)| {
            let read_pages = &read_pages;
            on.into_iter().map(move |(page, anchor)| {
                let (page_url, site_index) = &read_pages[page as usize];
                (
                    link.clone(),
                    page_url.clone(),
                    *site_index,
                    String::from(anchor),
                )
            })
        });
    let bad_places = bad_places
        .into_iter()
        .map(|((link, page), (site_index, anchor))| (link, page, site_index, anchor));
    for (link, page, site_index, anchor) in broken_places.chain(bad_places) {
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

/// Whether `[links] exclude` or `known_good` covers `url`: neither checked nor stored,
/// nor followed by the site crawl.
fn excluded_by(settings: &crate::config::Settings, url: &str) -> bool {
    settings
        .links
        .exclude
        .iter()
        .chain(&settings.links.known_good)
        .any(|p| matches_pattern(url, p))
}

/// The robots.txt of each host of the sites that crawl, when `[links] robots = "obey"`
/// (by `host:port`; a host without one, or whose file cannot be read, allows all).
async fn robots(
    fetcher: &crate::fetch::Fetcher,
    store: &crate::store::Store,
    settings: &crate::config::Settings,
    frontiers: &[Option<Frontier>],
    trusted: &[HashSet<String>],
    sites: &[&Site],
) -> Result<HashMap<String, Robot>, StoreError> {
    let mut out = HashMap::new();
    if settings.links.robots == RobotsPolicy::Ignore {
        return Ok(out);
    }
    let mut hosts: BTreeMap<String, Url> = BTreeMap::new();
    for (i, s) in sites
        .iter()
        .enumerate()
        .filter(|(i, _)| frontiers[*i].is_some())
    {
        for host in &trusted[i] {
            if let Ok(url) = Url::parse(&format!("{}://{host}/robots.txt", s.url.scheme())) {
                hosts.entry(host.clone()).or_insert(url);
            }
        }
    }
    for (host, url) in hosts {
        let result = fetcher
            .fetch(
                Request::get(url, Purpose::Link)
                    .subject(format!("robots:{host}"))
                    .no_retry(),
            )
            .await;
        record(store, &result).await?;
        if let Some(page) = result.page()
            && page.status == 200
            && let Ok(robot) = Robot::new(ROBOTS_AGENT, &page.body)
        {
            out.insert(host, robot);
        }
    }
    Ok(out)
}

/// The older item pages to read this cycle, each with the instant the crawl first listed
/// it: the least recently read first (never read before all), at least
/// ceil(N / `full_every_days`) of the N, and every one unread for `full_every_days` or
/// more days (since it was last read, or listed), so each is read within that many days
/// however irregularly cycles run, and a column's thousand old items found at once are
/// spread over those days.
fn rotation(
    mut older: Vec<(SourcePage, DateTime<Utc>)>,
    last_read: &HashMap<String, DateTime<Utc>>,
    full_every_days: u32,
    clock: &crate::clock::Clock,
) -> Vec<SourcePage> {
    let days = full_every_days.max(1);
    let read = |p: &SourcePage| last_read.get(p.url.as_str()).copied();
    older.sort_by_key(|(p, listed)| (read(p).is_some(), read(p).unwrap_or(*listed)));
    let share = older.len().div_ceil(days as usize);
    let due = |(p, listed): &(SourcePage, DateTime<Utc>)| {
        let since = read(p).unwrap_or(*listed);
        (clock.today() - clock.day_of(since)).num_days() >= i64::from(days)
    };
    older
        .into_iter()
        .enumerate()
        .take_while(|(n, page)| *n < share || due(page))
        .map(|(_, (p, _))| p)
        .collect()
}

/// A page read in this cycle, as its link check would see it: its answer (without the
/// body, its fingerprint kept instead) or its failure.
enum ReadAsLink {
    Page {
        final_url: Url,
        redirected: bool,
        status: u16,
        content_type: Option<String>,
        has_body: bool,
        fingerprint: notfound::Fingerprint,
    },
    Failed(Checked),
}

impl ReadAsLink {
    /// `None` for an answer that says nothing about the page now (304 Not Modified).
    fn of(result: &FetchResult) -> Option<ReadAsLink> {
        match &result.outcome {
            Err(f) => Some(ReadAsLink::Failed(Checked::failed(f))),
            Ok(p) if p.not_modified => None,
            Ok(p) => Some(ReadAsLink::Page {
                final_url: p.final_url.clone(),
                redirected: !p.redirects.is_empty(),
                status: p.status,
                content_type: p.content_type.clone(),
                has_body: !p.body.is_empty(),
                fingerprint: notfound::Fingerprint::default(),
            }),
        }
    }

    /// As [`judge`] would on a GET of the page.
    fn judge(
        &self,
        url: &Url,
        target: &Target,
        not_found: &HashMap<String, NotFoundPage>,
    ) -> Checked {
        match self {
            ReadAsLink::Failed(checked) => checked.clone(),
            ReadAsLink::Page {
                final_url,
                redirected,
                status,
                content_type,
                has_body,
                fingerprint,
            } => {
                let answer = notfound::Answer {
                    url,
                    final_url,
                    redirected: *redirected,
                    status: *status,
                    content_type: content_type.as_deref(),
                    has_body: *has_body,
                };
                let host_not_found = host_key(url).and_then(|h| not_found.get(&h));
                let soft = notfound::soft_404_by(&answer, &target.homes, host_not_found, || {
                    fingerprint.clone()
                });
                Checked::answered(*status, final_url, soft)
            }
        }
    }
}

/// How checking one URL ended.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Checked {
    outcome: LinkOutcome,
    status: Option<u16>,
    final_url: Option<String>,
    detail: Option<String>,
}

impl Checked {
    fn failed(f: &crate::fetch::Failure) -> Checked {
        Checked {
            outcome: LinkOutcome::of_failure(f.class),
            status: f.status,
            final_url: None,
            detail: Some(f.detail.clone()),
        }
    }

    /// An answer: working, or a soft 404 when `soft` says why.
    fn answered(status: u16, final_url: &Url, soft: Option<String>) -> Checked {
        Checked {
            outcome: if soft.is_some() {
                LinkOutcome::Soft404
            } else {
                LinkOutcome::Ok
            },
            status: Some(status),
            final_url: Some(final_url.to_string()),
            detail: soft,
        }
    }
}

/// Whether `url` is off every site it appears on (and not a watched catalog URL).
fn is_outside(url: &Url, target: &Target) -> bool {
    !target.catalog
        && host_key(url).is_none_or(|h| !target.trusted_hosts.iter().any(|own| own.contains(&h)))
}

fn guard_of(t: &Target) -> LinkGuard {
    LinkGuard {
        trusted_hosts: t
            .trusted_hosts
            .iter()
            .flat_map(|own| own.iter().cloned())
            .collect(),
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
    text_up_to: Option<u64>,
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
    // An attachment read for its text: the GET that reads it is its check, unless it is
    // too large to read (then the HEAD below checks it).
    if let Some(bytes) = text_up_to {
        let get = fetcher.fetch(request(false).max_body(bytes)).await;
        let too_large = get
            .failure()
            .is_some_and(|f| f.class == FailureClass::TooLarge);
        results.push(get);
        if !too_large {
            let checked = judge(url, &results[0], target, not_found, true);
            return (checked, results);
        }
    }
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
        Err(f) => return Checked::failed(f),
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
    Checked::answered(page.status, &page.final_url, soft)
}

/// Fetch attempts waiting to be written: in batches of [`ATTEMPTS_PER_WRITE`], a
/// transaction each, not a statement per request. Flushed at the end of each phase; a
/// kill loses at most the batch being filled, of a cycle its rerun fetches again.
struct Attempts<'a> {
    store: &'a crate::store::Store,
    pending: Vec<crate::observe::FetchAttempt>,
}

impl<'a> Attempts<'a> {
    fn new(store: &'a crate::store::Store) -> Attempts<'a> {
        Attempts {
            store,
            pending: Vec::new(),
        }
    }

    /// Queues every attempt of a fetch, writing the queue once it is a batch.
    async fn add(&mut self, result: &FetchResult) -> Result<(), StoreError> {
        self.pending.extend(result.attempts.iter().map(Into::into));
        if self.pending.len() >= ATTEMPTS_PER_WRITE {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), StoreError> {
        self.store.record_fetch_attempts(&self.pending).await?;
        self.pending.clear();
        Ok(())
    }
}

/// Link sources written by a task of their own while the stage goes on (reading pages,
/// checking links): chunks of [`SOURCES_PER_WRITE`], a transaction each, so no read
/// waits on the database. A kill loses at most the chunks not yet written, of a cycle
/// its rerun reads again.
struct SourceWrites {
    pending: Vec<NewLinkSource>,
    chunks: Option<tokio::sync::mpsc::Sender<Vec<NewLinkSource>>>,
    writer: tokio::task::JoinHandle<Result<(), StoreError>>,
}

impl SourceWrites {
    fn start(store: &crate::store::Store, seen: DateTime<Utc>) -> SourceWrites {
        // Two chunks queued at most: a writer that falls behind holds the reads back
        // instead of the memory growing.
        let (chunks, mut queue) = tokio::sync::mpsc::channel::<Vec<NewLinkSource>>(2);
        let store = store.clone();
        let writer = tokio::spawn(async move {
            while let Some(chunk) = queue.recv().await {
                store.record_link_sources(&chunk, seen).await?;
            }
            Ok(())
        });
        SourceWrites {
            pending: Vec::new(),
            chunks: Some(chunks),
            writer,
        }
    }

    async fn add(&mut self, source: NewLinkSource) -> Result<(), StoreError> {
        self.pending.push(source);
        if self.pending.len() >= SOURCES_PER_WRITE {
            self.send().await?;
        }
        Ok(())
    }

    /// Hands what is queued to the writer.
    async fn send(&mut self) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::take(&mut self.pending);
        let sent = match &self.chunks {
            Some(chunks) => chunks.send(chunk).await.is_ok(),
            None => false,
        };
        if !sent {
            // The writer stopped on an error: that error is the stage's.
            self.chunks = None;
            return self.join().await;
        }
        Ok(())
    }

    /// Writes the rest and waits for the writer.
    async fn finish(mut self) -> Result<(), StoreError> {
        self.send().await?;
        self.chunks = None;
        self.join().await
    }

    async fn join(&mut self) -> Result<(), StoreError> {
        (&mut self.writer)
            .await
            .expect("writing link sources does not panic")
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
