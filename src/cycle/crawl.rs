//! The crawl stage: every column's list pages (followed back to the start of the
//! previous quarter or the page limit), the item pages of items whose date the list
//! does not show, and every site's home page. Fetching is the fetcher's (politeness per
//! host, many hosts at once); reading pages is extract's; this stage only wires them to
//! the store and records how each read ended.

use std::collections::HashSet;

use chrono::NaiveDate;
use futures::StreamExt;
use url::Url;

use crate::catalog::{Column, Site};
use crate::clock::Clock;
use crate::config::Settings;
use crate::detect::columns::{ListedRead, same_items};
use crate::detect::period::Period;
use crate::extract::{self, DateSource, ListOutcome};
use crate::fetch::{FailureClass, FetchResult, Fetcher, Purpose, Request, Validators};
use crate::observe::{CrawlOutcome, FetchAttempt, NewItem, ReadOutcome};
use crate::store::{
    CatalogIds, ColumnCrawl, ColumnCrawlEnd, HomeRead, PageValidators, Store, StoreError,
    StoredColumn,
};

/// How many columns are crawled at once (the fetcher still limits each host).
const PARALLEL_COLUMNS: usize = 64;

/// Which part of the catalog to crawl.
#[derive(Debug, Clone, Default)]
pub struct CrawlFilter {
    /// Only this site (by name).
    pub site: Option<String>,
    /// Only columns with this name, URL or id.
    pub column: Option<String>,
    /// Only columns with these keys (a re-check of what is open); home pages are skipped.
    pub keys: Option<HashSet<String>>,
}

impl CrawlFilter {
    fn site_matches(&self, site: &str) -> bool {
        self.site.as_deref().is_none_or(|s| s == site)
    }

    fn column_matches(&self, c: &Column) -> bool {
        self.site_matches(&c.site)
            && self
                .keys
                .as_ref()
                .is_none_or(|keys| keys.contains(&c.key()))
            && self.column.as_deref().is_none_or(|want| {
                want == c.name || want == c.url.as_str() || c.id.as_deref() == Some(want)
            })
    }
}

/// How one column's crawl ended.
#[derive(Debug, Clone)]
pub struct ColumnOutcome {
    pub key: String,
    pub site: String,
    pub column: String,
    pub url: String,
    pub pages: usize,
    pub items_found: usize,
    pub new_items: usize,
    pub dated_from_item_pages: usize,
    /// The newest item date on or before the run's day, after this crawl.
    pub last_update: Option<NaiveDate>,
    /// `None` when the list was read; else the failure (`blocked` included).
    pub failure: Option<String>,
    /// The page said the column has nothing (`暂无信息`, `共0条`): 空白栏目.
    pub empty_reason: Option<String>,
    /// The page was read but no list was recognized (`列表由脚本加载（URL）`).
    pub unrecognized: Option<String>,
    /// Another column of the site whose latest read listed the very same items: this
    /// one (or that one) is probably reading a sidebar (可能误取侧栏).
    pub same_items_as: Vec<String>,
}

impl ColumnOutcome {
    /// The 状态 column of `crawl` and `check`: 正常, 空白栏目（暂无信息）, 无法识别（…）,
    /// 可能误取侧栏（与“…”条目相同）, 失败: …
    pub fn status(&self) -> String {
        if let Some(f) = &self.failure {
            return format!("失败: {f}");
        }
        if let Some(why) = &self.unrecognized {
            return format!("无法识别（{why}）");
        }
        let mut status = match &self.empty_reason {
            Some(marker) => format!("空白栏目（{marker}）"),
            None => "正常".to_string(),
        };
        if !self.same_items_as.is_empty() {
            status = format!("{status}，{}", same_items_note(&self.same_items_as));
        }
        status
    }
}

/// `可能误取侧栏（与“政策文件”条目相同）`.
pub fn same_items_note(others: &[String]) -> String {
    let names: Vec<String> = others.iter().map(|n| format!("“{n}”")).collect();
    format!("可能误取侧栏（与{}条目相同）", names.join("、"))
}

/// SHA-256 (hex) of the sorted item URLs, so crawls can be compared in the store.
pub fn items_digest<'a>(urls: impl Iterator<Item = &'a str>) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut urls: Vec<&str> = urls.collect();
    if urls.is_empty() {
        return None;
    }
    urls.sort_unstable();
    urls.dedup();
    let mut hasher = Sha256::new();
    for u in urls {
        hasher.update(u.as_bytes());
        hasher.update(b"\n");
    }
    Some(format!("{:x}", hasher.finalize()))
}

/// How one home page read ended.
#[derive(Debug, Clone)]
pub struct HomeOutcome {
    pub site: String,
    pub dated_items: usize,
    pub newest: Option<NaiveDate>,
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CrawlReport {
    pub columns: Vec<ColumnOutcome>,
    pub homes: Vec<HomeOutcome>,
    /// Hosts that answered with an anti-bot challenge (they need an allowance).
    pub blocked_hosts: Vec<String>,
}

/// The oldest day a crawl pages back to: the start of the previous quarter, or the
/// date in `[crawl] back_to`.
pub fn back_to(settings: &Settings, today: NaiveDate) -> NaiveDate {
    NaiveDate::parse_from_str(settings.crawl.back_to.trim(), "%Y-%m-%d")
        .unwrap_or_else(|_| Period::last_completed_quarter(today).start())
}

/// Crawls the columns and home pages the filter selects.
pub async fn run(
    env: super::Env<'_>,
    ids: &CatalogIds,
    filter: &CrawlFilter,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<CrawlReport, StoreError> {
    let super::Env {
        store,
        fetcher,
        catalog,
        settings,
        clock,
    } = env;
    let mut report = CrawlReport::default();
    let columns: Vec<(&Column, i64)> = catalog
        .columns
        .iter()
        .filter(|c| filter.column_matches(c))
        .filter_map(|c| ids.columns.get(&c.key()).map(|id| (c, *id)))
        .collect();
    let columns = interleave_by_host(columns, |(c, _)| crate::fetch::host_key(&c.url));
    let mut results = futures::stream::iter(columns)
        .map(|(c, id)| crawl_column(store, fetcher, settings, clock, c, id))
        .buffer_unordered(PARALLEL_COLUMNS);
    let mut blocked = HashSet::new();
    while let Some(outcome) = results.next().await {
        let (outcome, hosts) = outcome?;
        progress(&format!("{} {}", outcome.site, outcome.column));
        blocked.extend(hosts);
        report.columns.push(outcome);
    }
    drop(results);
    if filter.column.is_none() && filter.keys.is_none() {
        let sites: Vec<(&Site, i64)> = catalog
            .sites
            .iter()
            .filter(|s| filter.site_matches(&s.name))
            .filter_map(|s| ids.sites.get(&s.key()).map(|id| (s, *id)))
            .collect();
        let mut homes = futures::stream::iter(sites)
            .map(|(s, id)| read_home(store, fetcher, clock, s, id))
            .buffer_unordered(PARALLEL_COLUMNS);
        while let Some(home) = homes.next().await {
            let (home, hosts) = home?;
            progress(&home.site);
            blocked.extend(hosts);
            report.homes.push(home);
        }
    }
    mark_same_items(store, clock, &mut report.columns).await?;
    report
        .columns
        .sort_by(|a, b| (&a.site, &a.column).cmp(&(&b.site, &b.column)));
    report.homes.sort_by(|a, b| a.site.cmp(&b.site));
    report.blocked_hosts = blocked.into_iter().collect();
    report.blocked_hosts.sort();
    Ok(report)
}

/// Marks the columns crawled whose latest read listed the same items as another column
/// of their site (compared with every column's latest stored read, so a crawl of one
/// column is checked against the others too).
async fn mark_same_items(
    store: &Store,
    clock: &Clock,
    columns: &mut [ColumnOutcome],
) -> Result<(), StoreError> {
    let same = same_items_now(store, clock).await?;
    for c in columns {
        if let Some(others) = same.get(&c.key) {
            c.same_items_as = others.clone();
        }
    }
    Ok(())
}

/// For each column key, the other columns of its site whose latest read (at or before
/// now) listed the very same items (可能误取侧栏).
pub async fn same_items_now(
    store: &Store,
    clock: &Clock,
) -> Result<std::collections::BTreeMap<String, Vec<String>>, StoreError> {
    let stored = store.stored_columns().await?;
    let latest = store.recent_column_crawls(1, clock.now()).await?;
    Ok(same_items_among(&stored, &latest))
}

/// [`same_items_now`] over columns and latest crawls already read.
pub fn same_items_among(
    stored: &[StoredColumn],
    latest: &std::collections::HashMap<i64, Vec<ColumnCrawl>>,
) -> std::collections::BTreeMap<String, Vec<String>> {
    let reads: Vec<ListedRead<'_>> = stored
        .iter()
        .map(|c| ListedRead {
            key: &c.key,
            site: &c.site,
            name: &c.name,
            url: &c.url,
            aggregate: c.aggregate,
            digest: latest
                .get(&c.id)
                .and_then(|v| v.first())
                .filter(|r| r.outcome == CrawlOutcome::Ok)
                .and_then(|r| r.items_digest.as_deref()),
        })
        .collect();
    same_items(&reads)
}

/// Orders work so that every host always has some in the window of parallel reads:
/// hosts take turns, the busiest first. In catalog order, a busy host whose columns come
/// last would start late and finish long after the others, since politeness lets it
/// serve only so many requests at a time.
pub fn interleave_by_host<T>(items: Vec<T>, host: impl Fn(&T) -> Option<String>) -> Vec<T> {
    let mut groups: Vec<(Option<String>, std::collections::VecDeque<T>)> = Vec::new();
    for item in items {
        let h = host(&item);
        match groups.iter_mut().find(|(g, _)| *g == h) {
            Some((_, group)) => group.push_back(item),
            None => groups.push((h, std::collections::VecDeque::from([item]))),
        }
    }
    // Stable: hosts of equal size keep their catalog order.
    groups.sort_by_key(|(_, group)| std::cmp::Reverse(group.len()));
    let mut out = Vec::new();
    while groups.iter().any(|(_, group)| !group.is_empty()) {
        for (_, group) in &mut groups {
            if let Some(item) = group.pop_front() {
                out.push(item);
            }
        }
    }
    out
}

/// Keeps every attempt of a fetch for the column's transaction; returns the host if it
/// answered with a challenge.
fn keep_attempts(attempts: &mut Vec<FetchAttempt>, result: &FetchResult) -> Option<String> {
    attempts.extend(result.attempts.iter().map(FetchAttempt::from));
    result
        .failure()
        .filter(|f| f.class == FailureClass::Blocked)
        .and_then(|_| crate::fetch::host_key(&result.url))
}

async fn crawl_column(
    store: &Store,
    fetcher: &Fetcher,
    settings: &Settings,
    clock: &Clock,
    column: &Column,
    column_id: i64,
) -> Result<(ColumnOutcome, Vec<String>), StoreError> {
    let today = clock.today();
    let oldest = back_to(settings, today);
    let key = column.key();
    let mut outcome = ColumnOutcome {
        key: key.clone(),
        site: column.site.clone(),
        column: column.name.clone(),
        url: column.url.to_string(),
        pages: 0,
        items_found: 0,
        new_items: 0,
        dated_from_item_pages: 0,
        last_update: None,
        failure: None,
        empty_reason: None,
        unrecognized: None,
        same_items_as: Vec::new(),
    };
    let mut blocked = Vec::new();
    // Written with the items, or at the end of the column's crawl: a statement per read
    // would cost more than the read.
    let mut attempts: Vec<FetchAttempt> = Vec::new();
    let mut items: Vec<NewItem> = Vec::new();
    let mut seen_items = HashSet::new();
    let mut visited: HashSet<Url> = HashSet::new();
    // A script shell's list is read from the endpoint its script loads.
    let source = column
        .select
        .as_ref()
        .and_then(|s| s.source.as_deref())
        .and_then(|s| Url::parse(s).ok());
    let mut next = Some(source.clone().unwrap_or_else(|| column.url.clone()));
    let mut first_failure: Option<(CrawlOutcome, Option<i64>, String)> = None;
    // A first page unchanged since the last full read (304) is not read again.
    let first_url = next.clone().expect("a first page");
    let known = store.page_validators(first_url.as_str()).await?;
    let mut first_validators = None;
    let mut unchanged = None;
    while let Some(url) = next.take() {
        if outcome.pages >= settings.crawl.max_pages.max(1) as usize || !visited.insert(url.clone())
        {
            break;
        }
        let mut request = Request::get(url.clone(), Purpose::Column).subject(key.clone());
        if outcome.pages == 0
            && let Some(v) = &known
        {
            request = request.validators(Validators {
                etag: v.etag.clone(),
                last_modified: v.last_modified.clone(),
            });
        }
        let result = fetcher.fetch(request).await;
        blocked.extend(keep_attempts(&mut attempts, &result));
        if let Some(page) = result.page()
            && page.not_modified
        {
            unchanged = known.clone();
            break;
        }
        if outcome.pages == 0
            && let Some(page) = result.page()
        {
            first_validators = Some(page.validators());
        }
        let page = match &result.outcome {
            Ok(page) => page,
            Err(failure) => {
                tracing::warn!(column = %column.name, site = %column.site, url = %url, "list page: {failure}");
                if outcome.pages == 0 {
                    first_failure = Some((
                        CrawlOutcome::Failed(failure.class),
                        failure.status.map(i64::from),
                        failure.detail.clone(),
                    ));
                }
                break;
            }
        };
        outcome.pages += 1;
        // Reading a list is CPU work: off the thread that drives the fetches.
        let read = {
            let (page, select, scripted) = (page.clone(), column.select.clone(), source.is_some());
            tokio::task::spawn_blocking(move || {
                let text = page.text().text;
                match (scripted, &select) {
                    (true, Some(select)) => {
                        extract::list_source::extract_source(&text, &page.final_url, select, today)
                    }
                    _ => extract::extract_list(&text, &page.final_url, select.as_ref(), today),
                }
            })
            .await
            .expect("reading a list page does not panic")
        };
        let list = match read {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!(column = %column.name, "cannot read the list: {e}");
                first_failure.get_or_insert((CrawlOutcome::Extract, None, e.to_string()));
                break;
            }
        };
        match list.outcome {
            ListOutcome::Items => {}
            // Later pages that show nothing end the list; the first page decides.
            _ if outcome.pages > 1 => break,
            ListOutcome::Empty => {
                outcome.empty_reason = list.empty_reason.clone();
                break;
            }
            ListOutcome::Unrecognized => {
                let why = list
                    .unrecognized_reason
                    .clone()
                    .unwrap_or_else(|| extract::list::NO_LIST.to_string());
                tracing::warn!(column = %column.name, site = %column.site, url = %url, "no list recognized: {why}; set [column.select]");
                outcome.unrecognized = Some(why);
                break;
            }
        }
        let page_oldest = list.items.iter().filter_map(|i| i.date).min();
        for item in list.items {
            if !seen_items.insert(item.url.clone()) {
                continue;
            }
            items.push(NewItem {
                url: item.url.to_string(),
                title: item.title,
                published_on: item.date,
                date_source: match item.date_source {
                    DateSource::List => Some("list".into()),
                    DateSource::Url => Some("url".into()),
                    DateSource::None => None,
                },
            });
        }
        // Far enough back: the page already reaches before the oldest day needed.
        if page_oldest.is_some_and(|d| d < oldest) {
            break;
        }
        next = list.next;
    }
    outcome.items_found = items.len();
    if let Some(v) = &unchanged {
        outcome.items_found = v.items_found.max(0) as usize;
        outcome.pages = v.pages.max(0) as usize;
    }
    let (status_outcome, status, detail) = match &first_failure {
        Some((class, status, detail)) if outcome.pages == 0 => {
            outcome.failure = Some(class.to_string());
            (*class, *status, Some(detail.clone()))
        }
        _ if outcome.unrecognized.is_some() => (
            CrawlOutcome::Unrecognized,
            None,
            outcome.unrecognized.clone(),
        ),
        _ => (CrawlOutcome::Ok, None, outcome.empty_reason.clone()),
    };
    let recognized = outcome.unrecognized.is_none();
    let mut dated = Vec::new();
    if unchanged.is_none() && outcome.pages > 0 && recognized {
        let (new, undated) = store
            .store_column_read(
                column_id,
                &std::mem::take(&mut attempts),
                &items,
                clock.now(),
            )
            .await?;
        outcome.new_items = new;
        dated = date_items(fetcher, settings, clock, &undated, &key, &mut attempts).await;
        outcome.dated_from_item_pages = dated.len();
    }
    // The validators are saved only once the items they stand for are stored: a crash
    // in between must not make the next run's 304 skip items it never kept.
    let digest = match &unchanged {
        Some(v) => v.items_digest.clone(),
        None => items_digest(items.iter().map(|i| i.url.as_str())),
    };
    // An unrecognized page keeps no validators: its 304 must not pass for a read list.
    let validators = first_validators
        .filter(|_| unchanged.is_none() && recognized)
        .map(|v| PageValidators {
            url: first_url.to_string(),
            etag: v.etag,
            last_modified: v.last_modified,
            items_found: items.len() as i64,
            pages: outcome.pages as i64,
            items_digest: digest.clone(),
        });
    let crawl = ColumnCrawl {
        column_id,
        at: clock.now(),
        outcome: status_outcome,
        status,
        detail,
        items_found: outcome.items_found as i64,
        new_items: outcome.new_items as i64,
        pages: outcome.pages as i64,
        items_digest: digest,
    };
    outcome.last_update = store
        .finish_column_crawl(
            &ColumnCrawlEnd {
                attempts: &attempts,
                dated: &dated,
                validators: validators.as_ref(),
                crawl: &crawl,
            },
            today,
        )
        .await?;
    Ok((outcome, blocked))
}

/// Reads the pages of items the list shows no date for (only those never dated, at
/// most `[crawl] max_item_pages` per crawl). Returns the dates found; the attempts go to
/// `attempts`.
async fn date_items(
    fetcher: &Fetcher,
    settings: &Settings,
    clock: &Clock,
    undated: &[String],
    key: &str,
    attempts: &mut Vec<FetchAttempt>,
) -> Vec<(String, NaiveDate, &'static str)> {
    let mut dated = Vec::new();
    for url in undated.iter().take(settings.crawl.max_item_pages as usize) {
        let Ok(parsed) = Url::parse(url) else {
            continue;
        };
        let result = fetcher
            .fetch(Request::get(parsed, Purpose::Item).subject(key.to_string()))
            .await;
        keep_attempts(attempts, &result);
        let Some(page) = result.page() else { continue };
        if let Some((day, source)) = extract::item_date(&page.text().text, clock.today()) {
            let source = match source {
                extract::ItemDateSource::PubDateMeta => "page:pubdate",
                extract::ItemDateSource::PublishedTimeMeta => "page:published_time",
                extract::ItemDateSource::Text => "page:text",
            };
            dated.push((url.clone(), day, source));
        }
    }
    dated
}

async fn read_home(
    store: &Store,
    fetcher: &Fetcher,
    clock: &Clock,
    site: &Site,
    site_id: i64,
) -> Result<(HomeOutcome, Vec<String>), StoreError> {
    let result = fetcher
        .fetch(Request::get(site.url.clone(), Purpose::Home).subject(site.key()))
        .await;
    let mut attempts = Vec::new();
    let blocked: Vec<String> = keep_attempts(&mut attempts, &result).into_iter().collect();
    store.record_fetch_attempts(&attempts).await?;
    let (read, outcome) = match &result.outcome {
        Ok(page) => {
            let items = extract::home_items(&page.text().text, &page.final_url, clock.today());
            let dates: Vec<NaiveDate> = items.iter().filter_map(|i| i.date).collect();
            (
                HomeRead {
                    site_id,
                    at: clock.now(),
                    outcome: ReadOutcome::Ok,
                    status: Some(i64::from(page.status)),
                    detail: None,
                    dates: dates.clone(),
                },
                HomeOutcome {
                    site: site.name.clone(),
                    dated_items: dates.len(),
                    newest: dates.iter().filter(|d| **d <= clock.today()).max().copied(),
                    failure: None,
                },
            )
        }
        Err(failure) => (
            HomeRead {
                site_id,
                at: clock.now(),
                outcome: ReadOutcome::Failed(failure.class),
                status: failure.status.map(i64::from),
                detail: Some(failure.detail.clone()),
                dates: Vec::new(),
            },
            HomeOutcome {
                site: site.name.clone(),
                dated_items: 0,
                newest: None,
                failure: Some(failure.class.as_str().into()),
            },
        ),
    };
    store.record_home_read(&read).await?;
    Ok((outcome, blocked))
}

#[cfg(test)]
mod tests {
    use super::interleave_by_host;

    #[test]
    fn hosts_take_turns_the_busiest_first() {
        let items = vec!["a1", "b1", "b2", "c1", "b3", "c2"];
        let host = |s: &&str| Some(s[..1].to_string());
        assert_eq!(
            interleave_by_host(items, host),
            vec!["b1", "c1", "a1", "b2", "c2", "b3"]
        );
    }
}
