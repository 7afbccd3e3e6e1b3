//! The content stage (内容安全): the text of every HTML page the link stage reads (home,
//! column and item pages, and every page whose last scan found something) is scanned
//! for 错敏词 and personal data, once per content hash: a page whose text and word lists
//! are unchanged only has its scan confirmed. The hits (masked) go to the store; the
//! detect stage turns them into findings.
//!
//! Hidden links (暗链) are found in the same read: outside links (to a host other than
//! the site's and its columns') a reader cannot see.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::config::ContentSettings;
use std::collections::HashSet;

use crate::extract::content::{
    Checks, Lexicon, PageScan, hidden_links, mask_digit_runs, outside, page_text, scan, words,
};
use crate::fetch::FetchResult;
use crate::store::{NewPageScan, Store, StoreError};

/// What the content stage did in one cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentReport {
    /// Pages whose text was scanned (new or changed).
    pub scanned: usize,
    /// Pages read unchanged: their scan holds.
    pub unchanged: usize,
    /// Pages that answered 404 or 410.
    pub missing: usize,
    /// Pages whose scan has hits.
    pub with_hits: usize,
}

/// The compiled word lists and the checks that run: what scans a page.
#[derive(Debug)]
pub struct Scanner {
    lexicon: Lexicon,
    checks: Checks,
    /// `[content] hidden_links`.
    hidden_links: bool,
    /// 外链禁用词: for the outside pages the link check reads.
    outside: Lexicon,
    outside_key: String,
    /// Changes with the lists and the switches: a page scanned under another key is
    /// scanned again.
    key: String,
}

impl Scanner {
    /// The scanner of `[content]` and the catalog's word lists; `None` when the stage is
    /// off.
    pub fn new(catalog: &Catalog, settings: &ContentSettings) -> Option<Scanner> {
        if !settings.enabled {
            return None;
        }
        let mut entries = catalog.words.entries.clone();
        let mut allow = catalog.words.allow.clone();
        if settings.builtin_words {
            entries.extend(words::builtin_words());
            allow.extend(words::builtin_allow());
        }
        let lexicon = Lexicon::new(entries, &allow);
        let checks = Checks {
            errors: settings.errors,
            privacy: settings.privacy,
        };
        let key = format!(
            "{}-{}{}{}",
            lexicon.fingerprint(),
            u8::from(checks.errors),
            u8::from(checks.privacy),
            u8::from(settings.hidden_links)
        );
        let mut outside = catalog.words.outside.clone();
        outside.extend(outside::builtin_outside());
        let outside = Lexicon::new(outside, &[]);
        let outside_key = format!("outside-{}", outside.fingerprint());
        Some(Scanner {
            lexicon,
            checks,
            hidden_links: settings.hidden_links,
            outside,
            outside_key,
            key,
        })
    }
}

impl Scanner {
    /// Scans an outside page's HTML (an outside link's GET) with the 外链禁用词 list.
    pub fn scan_outside(&self, html: &str) -> OutsideScan {
        OutsideScan {
            hash: content_hash(html),
            hits: outside::scan_outside(html, &self.outside),
        }
    }
}

/// What an outside page read by the link check carries.
#[derive(Debug, Clone)]
pub struct OutsideScan {
    hash: String,
    hits: Vec<crate::extract::content::WordHit>,
}

/// Stores the scan of the outside page `url` (role `outside`, no site: the content
/// rules leave it alone; the link_suspicious rule joins it with the pages linking to it).
pub async fn record_outside(
    store: &Store,
    scanner: &Scanner,
    url: &str,
    found: &OutsideScan,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let scan = PageScan {
        words: found.hits.clone(),
        ..Default::default()
    };
    let hits = serde_json::to_string(&scan).unwrap_or_else(|_| "{}".into());
    store
        .record_page_scan(
            &NewPageScan {
                page_url: url,
                site_id: None,
                role: OUTSIDE_ROLE,
                column_name: None,
                title: None,
                published_on: None,
                content_hash: &found.hash,
                lexicon: &scanner.outside_key,
                hits: &hits,
                hit_count: found.hits.len() as i64,
            },
            now,
        )
        .await
}

/// The role of an outside page's scan in the store.
pub const OUTSIDE_ROLE: &str = "outside";

fn content_hash(html: &str) -> String {
    Sha256::digest(html.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A page read, and what the catalog and the store know about it.
#[derive(Debug, Clone)]
pub struct PageRead<'a> {
    pub url: &'a str,
    pub site_id: Option<i64>,
    /// `home`, `column` or `item`.
    pub role: &'static str,
    pub column_name: Option<&'a str>,
    pub title: Option<&'a str>,
    pub published_on: Option<NaiveDate>,
    /// The site's and its columns' hosts (`host:port`): a link elsewhere is off the site.
    pub own_hosts: &'a HashSet<String>,
}

/// Records what one read of a page says about its text: a new scan, a confirmation of
/// the last one, or a missing page.
pub async fn record_read(
    store: &Store,
    scanner: &Scanner,
    page: &PageRead<'_>,
    result: &FetchResult,
    now: DateTime<Utc>,
    today: NaiveDate,
    report: &mut ContentReport,
) -> Result<(), StoreError> {
    let fetched = match &result.outcome {
        Err(f) => {
            if matches!(f.status, Some(404 | 410)) {
                report.missing += 1;
                store.record_page_missing(page.url, now).await?;
            }
            return Ok(());
        }
        Ok(p) => p,
    };
    let previous = store.page_scan(page.url).await?;
    if fetched.not_modified {
        if let Some(prev) = previous {
            report.unchanged += 1;
            report.with_hits += usize::from(prev.hit_count > 0);
            store.confirm_page_scan(page.url, now).await?;
        }
        return Ok(());
    }
    let is_html = fetched
        .content_type
        .as_deref()
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    if !is_html {
        return Ok(());
    }
    let html = fetched.text().text;
    let hash = content_hash(&html);
    if let Some(prev) = previous
        .as_ref()
        .filter(|p| p.content_hash == hash && p.lexicon == scanner.key)
    {
        report.unchanged += 1;
        report.with_hits += usize::from(prev.hit_count > 0);
        return store.confirm_page_scan(page.url, now).await;
    }
    let mut found = scan(
        &page_text(&html),
        &scanner.lexicon,
        scanner.checks,
        page.published_on,
        today,
    );
    if scanner.hidden_links {
        found.hidden_links = hidden_links(&html, &fetched.final_url, |u| {
            crate::fetch::host_key(u).is_some_and(|h| page.own_hosts.contains(&h))
        });
    }
    report.scanned += 1;
    let hit_count =
        (found.words.len() + found.leak_counts.total() + found.hidden_links.len()) as i64;
    report.with_hits += usize::from(hit_count > 0);
    let hits = serde_json::to_string(&found).unwrap_or_else(|_| "{}".into());
    let title = page.title.map(mask_digit_runs);
    store
        .record_page_scan(
            &NewPageScan {
                page_url: page.url,
                site_id: page.site_id,
                role: page.role,
                column_name: page.column_name,
                title: title.as_deref(),
                published_on: page.published_on,
                content_hash: &hash,
                lexicon: &scanner.key,
                hits: &hits,
                hit_count,
            },
            now,
        )
        .await
}
