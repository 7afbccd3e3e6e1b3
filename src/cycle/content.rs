//! The content stage (内容安全): the text of every HTML page the link stage reads (home,
//! column and item pages, and every page whose last scan found something) is scanned
//! for 错敏词 and personal data, once per content hash: a page whose text and word lists
//! are unchanged only has its scan confirmed. The hits (masked) go to the store; the
//! detect stage turns them into findings.
//!
//! Attachments (PDF, DOCX, XLSX, XLS, DOC/WPS) linked from the office's own pages are
//! read by the link check's GET (one request per URL and cycle) up to `[content]
//! max_attachment_mb`; their text is extracted by a child process ([`extract_text`])
//! killed after `attachment_timeout_s`, with a memory limit: a file it cannot read is
//! counted `unreadable`, never a failure of the cycle, and remembered by its hash, so
//! the same bytes are not given to a child again. An attachment's scan is keyed by its URL
//! and names the page that links it.
//!
//! Hidden links (暗链) are found in the same read: outside links (to a host other than
//! the site's and its columns') a reader cannot see.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::catalog::Catalog;
use crate::config::ContentSettings;
use crate::extract::Parsed;
use crate::extract::attachment::AttachmentKind;
use crate::extract::content::{
    AttachmentOf, Checks, Lexicon, PageScan, hidden_links_in, mask_digit_runs, outside,
    page_text_of, scan, words,
};
use crate::fetch::FetchResult;
use crate::store::{NewPageScan, PageScanWrite, ScanDigest, Store, StoreError};

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
    /// Attachments whose text was read and scanned (new or changed).
    pub attachments: usize,
    /// Attachments whose text could not be read (malformed, hostile, over the time or
    /// memory limit).
    pub unreadable: usize,
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
    /// Largest attachment read, in bytes.
    pub max_attachment: u64,
    timeout: Duration,
    extractor: Option<PathBuf>,
    /// Extracting children at once: one per core (each may take its memory limit).
    extracting: tokio::sync::Semaphore,
    /// Attachments' texts read in this cycle, by the hash of their bytes: the same file
    /// under several URLs goes to a child once.
    texts: TextCache,
}

/// What reading one attachment's bytes gave.
type TextRead = Result<Arc<str>, Unreadable>;

/// Attachments' texts by the hash of their bytes, for one cycle, within a memory budget
/// (a text over the budget's share is read again when met again).
#[derive(Debug, Default)]
struct TextCache {
    texts: std::sync::Mutex<(HashMap<String, TextRead>, usize)>,
}

impl TextCache {
    /// Bytes of text kept at most, and at most for one text.
    const BUDGET: usize = 64 * 1024 * 1024;
    const LARGEST: usize = 1024 * 1024;

    fn get(&self, hash: &str) -> Option<TextRead> {
        let texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        texts.0.get(hash).cloned()
    }

    fn keep(&self, hash: &str, read: &TextRead) {
        let size = read.as_ref().map_or(0, |t| t.len());
        let mut texts = self.texts.lock().unwrap_or_else(|e| e.into_inner());
        if size <= Self::LARGEST && texts.1 + size <= Self::BUDGET {
            texts.1 += size;
            texts.0.insert(hash.to_string(), read.clone());
        }
    }
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
            max_attachment: settings.max_attachment_mb.saturating_mul(1024 * 1024),
            timeout: Duration::from_secs(settings.attachment_timeout_s.max(1)),
            extractor: settings.extractor.clone(),
            extracting: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            texts: TextCache::default(),
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

/// The scan of the outside page `url` to store (role `outside`, no site: the content
/// rules leave it alone; the link_suspicious rule joins it with the pages linking to it).
pub fn outside_write(scanner: &Scanner, url: &str, found: &OutsideScan) -> PageScanWrite {
    let scan = PageScan {
        words: found.hits.clone(),
        ..Default::default()
    };
    PageScanWrite::Scan(NewPageScan {
        page_url: url.to_string(),
        site_id: None,
        role: OUTSIDE_ROLE.to_string(),
        column_name: None,
        title: None,
        published_on: None,
        content_hash: found.hash.clone(),
        lexicon: scanner.outside_key.clone(),
        hits: serde_json::to_string(&scan).unwrap_or_else(|_| "{}".into()),
        hit_count: found.hits.len() as i64,
    })
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

/// A page read, as [`PageRead`] with owned fields: it travels to the blocking pool.
#[derive(Debug, Clone)]
pub struct PageInfo {
    pub url: String,
    pub site_id: Option<i64>,
    pub role: &'static str,
    pub column_name: Option<String>,
    pub title: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub own_hosts: std::sync::Arc<HashSet<String>>,
}

impl PageInfo {
    pub fn as_read(&self) -> PageRead<'_> {
        PageRead {
            url: &self.url,
            site_id: self.site_id,
            role: self.role,
            column_name: self.column_name.as_deref(),
            title: self.title.as_deref(),
            published_on: self.published_on,
            own_hosts: &self.own_hosts,
        }
    }
}

/// Whether a read answered that the page does not exist (404, 410): a missing read,
/// which the link stage and the content scan count alike ([`crate::detect::page_gone`]).
pub fn answered_missing(result: &FetchResult) -> bool {
    matches!(&result.outcome, Err(f) if matches!(f.status, Some(404 | 410)))
}

/// What one read of a page says about its text: a new scan, a confirmation of the last
/// one (`previous`, the page's stored digest), a missing read, or nothing (a failed read
/// of another kind, a page that is not HTML). `parsed` is the page read, decoded and
/// parsed once for all its readers. CPU only: the link stage writes what it
/// returns in batches ([`Store::write_page_scans`]).
pub fn judge_read(
    scanner: &Scanner,
    page: &PageRead<'_>,
    result: &FetchResult,
    parsed: Option<&Parsed>,
    previous: Option<&ScanDigest>,
    today: NaiveDate,
    report: &mut ContentReport,
) -> Option<PageScanWrite> {
    let fetched = match &result.outcome {
        Err(_) => {
            if answered_missing(result) {
                report.missing += 1;
                return Some(PageScanWrite::Missing(page.url.to_string()));
            }
            return None;
        }
        Ok(p) => p,
    };
    if fetched.not_modified {
        let prev = previous?;
        report.unchanged += 1;
        report.with_hits += usize::from(prev.hit_count > 0);
        return Some(PageScanWrite::Confirm(page.url.to_string()));
    }
    let is_html = fetched
        .content_type
        .as_deref()
        .is_none_or(|ct| ct.to_ascii_lowercase().contains("html"));
    let (true, Some(parsed)) = (is_html, parsed) else {
        return None;
    };
    let hash = content_hash(&parsed.text);
    if let Some(prev) = previous.filter(|p| p.content_hash == hash && p.lexicon == scanner.key) {
        report.unchanged += 1;
        report.with_hits += usize::from(prev.hit_count > 0);
        return Some(PageScanWrite::Confirm(page.url.to_string()));
    }
    let mut found = scan(
        &page_text_of(&parsed.doc),
        &scanner.lexicon,
        scanner.checks,
        page.published_on,
        today,
    );
    if scanner.hidden_links {
        found.hidden_links = hidden_links_in(&parsed.doc, &fetched.final_url, |u| {
            crate::fetch::host_key(u).is_some_and(|h| page.own_hosts.contains(&h))
        });
    }
    report.scanned += 1;
    let hit_count =
        (found.words.len() + found.leak_counts.total() + found.hidden_links.len()) as i64;
    report.with_hits += usize::from(hit_count > 0);
    Some(PageScanWrite::Scan(NewPageScan {
        page_url: page.url.to_string(),
        site_id: page.site_id,
        role: page.role.to_string(),
        column_name: page.column_name.map(str::to_string),
        title: page.title.map(mask_digit_runs),
        published_on: page.published_on,
        content_hash: hash,
        lexicon: scanner.key.clone(),
        hits: serde_json::to_string(&found).unwrap_or_else(|_| "{}".into()),
        hit_count,
    }))
}

/// Scan writes waiting for their transaction: a read's write costs no statement of its
/// own, and a kill loses at most one batch (those pages are scanned again next cycle).
pub struct ScanWrites<'a> {
    store: &'a Store,
    now: DateTime<Utc>,
    pending: Vec<PageScanWrite>,
}

impl<'a> ScanWrites<'a> {
    /// Writes per transaction.
    const BATCH: usize = 500;

    pub fn new(store: &'a Store, now: DateTime<Utc>) -> ScanWrites<'a> {
        ScanWrites {
            store,
            now,
            pending: Vec::new(),
        }
    }

    pub async fn add(&mut self, write: PageScanWrite) -> Result<(), StoreError> {
        self.pending.push(write);
        if self.pending.len() >= Self::BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    pub async fn flush(&mut self) -> Result<(), StoreError> {
        let writes = std::mem::take(&mut self.pending);
        self.store.write_page_scans(&writes, self.now).await
    }
}

/// A page read in this cycle, kept for the attachments it links.
#[derive(Debug, Clone)]
pub struct HostPage {
    pub site_id: Option<i64>,
    pub role: &'static str,
    pub column_name: Option<String>,
    pub title: Option<String>,
    pub published_on: Option<NaiveDate>,
}

impl HostPage {
    pub fn of(read: &PageRead<'_>) -> HostPage {
        HostPage {
            site_id: read.site_id,
            role: read.role,
            column_name: read.column_name.map(str::to_string),
            title: read.title.map(str::to_string),
            published_on: read.published_on,
        }
    }

    /// The page as an attachment's scan names it. An attachment's text has no links, so
    /// no host is the site's here (hidden links are a page's).
    pub fn as_read<'a>(&'a self, url: &'a str) -> PageRead<'a> {
        static NO_HOSTS: std::sync::LazyLock<HashSet<String>> =
            std::sync::LazyLock::new(HashSet::new);
        PageRead {
            url,
            site_id: self.site_id,
            role: self.role,
            column_name: self.column_name.as_deref(),
            title: self.title.as_deref(),
            published_on: self.published_on,
            own_hosts: &NO_HOSTS,
        }
    }
}

/// An attachment whose text this cycle reads, where it was found.
#[derive(Debug, Clone)]
pub struct AttachmentSource {
    pub kind: AttachmentKind,
    pub page_url: String,
    pub name: String,
}

/// The attachments to read (on the office's own hosts, of a kind govwatch reads, linked
/// from a page read in this cycle), by URL, each with the first page linking it.
pub fn attachments_to_read<'a>(
    links: impl Iterator<Item = (&'a url::Url, &'a str, &'a str, bool)>,
    host_pages: &std::collections::HashMap<String, HostPage>,
) -> std::collections::HashMap<url::Url, AttachmentSource> {
    let mut out: std::collections::HashMap<url::Url, AttachmentSource> = Default::default();
    let mut sorted: Vec<_> = links.collect();
    sorted.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (url, page, anchor, own_site) in sorted {
        let Some(kind) = AttachmentKind::of_url(url).filter(|_| own_site) else {
            continue;
        };
        if host_pages.contains_key(page) && !out.contains_key(url) {
            out.insert(
                url.clone(),
                AttachmentSource {
                    kind,
                    page_url: page.to_string(),
                    name: anchor.to_string(),
                },
            );
        }
    }
    out
}

/// The page to read again for a stored scan with hits: the page itself, or for an
/// attachment the page that links it.
pub fn page_to_reread(row: &crate::store::PageScanRow) -> String {
    if row.role == "attachment" {
        let scan: crate::extract::content::PageScan =
            serde_json::from_str(&row.hits).unwrap_or_default();
        if let Some(a) = scan.attachment {
            return a.page_url;
        }
    }
    row.page_url.clone()
}

impl ContentReport {
    /// Adds another report's counts.
    pub fn add(&mut self, other: &ContentReport) {
        self.scanned += other.scanned;
        self.unchanged += other.unchanged;
        self.missing += other.missing;
        self.with_hits += other.with_hits;
        self.attachments += other.attachments;
        self.unreadable += other.unreadable;
    }
}

/// Text read from one attachment is capped at this (a file that "extracts" to more is
/// cut there).
const MAX_TEXT_BYTES: u64 = 32 * 1024 * 1024;

/// An attachment linked from a page read in this cycle.
#[derive(Debug, Clone)]
pub struct AttachmentRead<'a> {
    pub url: &'a url::Url,
    pub kind: AttachmentKind,
    /// The link's text (名单.xlsx).
    pub name: &'a str,
    /// The page linking it, as the content stage knows it.
    pub page: PageRead<'a>,
}

/// How reading an attachment's text ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Over `attachment_timeout_s`: killed.
    TimedOut,
    /// The child failed, crashed or was killed by its limits.
    Failed(String),
}

/// The text of an attachment, read by a child process (`govwatch internal extract-text`)
/// with the scanner's time limit; the child limits its own memory and CPU first.
pub async fn extract_text(
    scanner: &Scanner,
    kind: AttachmentKind,
    bytes: &[u8],
) -> Result<String, Unreadable> {
    let _permit = scanner
        .extracting
        .acquire()
        .await
        .map_err(|e| Unreadable::Failed(e.to_string()))?;
    let program = match &scanner.extractor {
        Some(p) => p.clone(),
        None => std::env::current_exe().map_err(|e| Unreadable::Failed(e.to_string()))?,
    };
    let mut child = tokio::process::Command::new(program)
        .args([
            "internal",
            "extract-text",
            "--kind",
            kind.code(),
            "--cpu-seconds",
        ])
        .arg((scanner.timeout.as_secs() + 1).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| Unreadable::Failed(format!("cannot start the extractor: {e}")))?;
    let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(Unreadable::Failed("no pipes to the extractor".into()));
    };
    let input = bytes.to_vec();
    let work = async {
        // Writing and reading at once: a child that prints before it has read all
        // cannot block on a full pipe.
        let write = async move {
            let _ = stdin.write_all(&input).await;
            drop(stdin);
        };
        let read = async {
            let mut out = Vec::new();
            let mut limited = stdout.take(MAX_TEXT_BYTES);
            limited.read_to_end(&mut out).await.map(|_| out)
        };
        let ((), out) = tokio::join!(write, read);
        let status = child.wait().await;
        (out, status)
    };
    match tokio::time::timeout(scanner.timeout, work).await {
        Err(_) => Err(Unreadable::TimedOut),
        Ok((Ok(out), Ok(status))) if status.success() => {
            Ok(String::from_utf8_lossy(&out).into_owned())
        }
        Ok((_, Ok(status))) => Err(Unreadable::Failed(format!("the extractor {status}"))),
        Ok((Err(e), _) | (_, Err(e))) => Err(Unreadable::Failed(e.to_string())),
    }
}

/// What the link check's GET of an attachment says about its text: a new scan (its text
/// extracted in a child), a confirmation of the last one (same bytes, same lists), a
/// missing read, nothing for another failed read (the link check judges it), or
/// `unreadable`. `previous` is the attachment's stored digest. It does not touch the
/// store: the caller writes what it returns (a query awaited inside a future the link
/// stage polls only now and then holds a connection the stage's own writes wait for).
pub async fn judge_attachment(
    scanner: &Scanner,
    attachment: &AttachmentRead<'_>,
    result: &FetchResult,
    previous: Option<&ScanDigest>,
    today: NaiveDate,
    report: &mut ContentReport,
) -> Result<Option<PageScanWrite>, StoreError> {
    let url = attachment.url.as_str();
    let fetched = match &result.outcome {
        Err(f) => {
            if answered_missing(result) {
                report.missing += 1;
                return Ok(Some(PageScanWrite::Missing(url.to_string())));
            } else if f.class == crate::fetch::FailureClass::TooLarge {
                report.unreadable += 1;
            }
            return Ok(None);
        }
        Ok(p) if p.status == 200 && !p.not_modified => p,
        Ok(_) => return Ok(None),
    };
    let hash: String = Sha256::digest(&fetched.body)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect();
    if let Some(prev) = previous.filter(|p| p.content_hash == hash) {
        // The same bytes: found unreadable before (whatever the word lists), or read
        // with the same lists.
        let was_unreadable = prev
            .attachment_hits
            .as_deref()
            .and_then(|hits| serde_json::from_str::<PageScan>(hits).ok())
            .is_some_and(|scan| scan.unreadable.is_some());
        if was_unreadable {
            report.unchanged += 1;
            report.unreadable += 1;
            tracing::debug!(
                url,
                "attachment unchanged since it was unreadable: not read again"
            );
            return Ok(Some(PageScanWrite::Confirm(url.to_string())));
        }
        if prev.lexicon == scanner.key {
            report.unchanged += 1;
            report.with_hits += usize::from(prev.hit_count > 0);
            return Ok(Some(PageScanWrite::Confirm(url.to_string())));
        }
    }
    let attachment_of = AttachmentOf {
        name: mask_digit_runs(attachment.name.trim()),
        page_url: attachment.page.url.to_string(),
    };
    let title = attachment.page.title.map(mask_digit_runs);
    let store_scan = |scan: &PageScan, hit_count: i64| {
        let hits = serde_json::to_string(scan).unwrap_or_else(|_| "{}".into());
        let row = NewPageScan {
            page_url: url.to_string(),
            site_id: attachment.page.site_id,
            role: "attachment".to_string(),
            column_name: attachment.page.column_name.map(str::to_string),
            title: title.clone(),
            published_on: attachment.page.published_on,
            content_hash: hash.clone(),
            lexicon: scanner.key.clone(),
            hits,
            hit_count,
        };
        Ok(Some(PageScanWrite::Scan(row)))
    };
    let text = match scanner.texts.get(&hash) {
        Some(known) => known,
        None => {
            let read = extract_text(scanner, attachment.kind, &fetched.body)
                .await
                .map(Arc::<str>::from);
            scanner.texts.keep(&hash, &read);
            read
        }
    };
    let text = match text {
        Ok(text) => text,
        Err(why) => {
            report.unreadable += 1;
            tracing::info!(url, ?why, "attachment unreadable");
            // Remembered by its hash, so the same bytes are not read again; the detect
            // stage leaves its findings as they were (nothing was judged).
            let scan = PageScan {
                attachment: Some(attachment_of),
                unreadable: Some(match why {
                    Unreadable::TimedOut => "timed out".to_string(),
                    Unreadable::Failed(e) => mask_digit_runs(&e),
                }),
                ..PageScan::default()
            };
            return store_scan(&scan, 0);
        }
    };
    let mut found = scan(
        &text,
        &scanner.lexicon,
        scanner.checks,
        attachment.page.published_on,
        today,
    );
    found.attachment = Some(attachment_of);
    report.attachments += 1;
    let hit_count = (found.words.len() + found.leak_counts.total()) as i64;
    report.with_hits += usize::from(hit_count > 0);
    store_scan(&found, hit_count)
}
