//! The latest scan of each page read for its text (内容安全): what it found, as masked
//! JSON the store does not interpret, and when the page was last read. The cycle reads
//! the pages' digests to tell whether a text changed since, then writes new scans,
//! confirmations of old ones (an unchanged page) and missing reads (404) in batches.

use chrono::{DateTime, NaiveDate, Utc};

use super::{BeginWrite, Result, Store, ctx, on_pool};

/// A page's latest scan, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PageScanRow {
    pub page_url: String,
    pub site_id: Option<i64>,
    /// `home`, `column` or `item`.
    pub role: String,
    pub column_name: Option<String>,
    pub title: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub content_hash: String,
    pub lexicon: String,
    /// The scan as JSON (masked).
    pub hits: String,
    pub hit_count: i64,
    pub first_seen: DateTime<Utc>,
    pub scanned_at: DateTime<Utc>,
    pub read_at: DateTime<Utc>,
    pub missing_reads: i64,
}

/// A page read, as the content rules judge it: [`PageScanRow`] without its digests and
/// instants.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PageRead {
    pub page_url: String,
    pub site_id: Option<i64>,
    /// `home`, `column`, `item`, `attachment` or `outside`.
    pub role: String,
    pub column_name: Option<String>,
    pub title: Option<String>,
    pub published_on: Option<NaiveDate>,
    /// The scan as JSON (masked).
    pub hits: String,
    pub missing_reads: i64,
}

/// A scan to store.
#[derive(Debug, Clone)]
pub struct NewPageScan {
    pub page_url: String,
    pub site_id: Option<i64>,
    pub role: String,
    pub column_name: Option<String>,
    pub title: Option<String>,
    pub published_on: Option<NaiveDate>,
    pub content_hash: String,
    pub lexicon: String,
    pub hits: String,
    pub hit_count: i64,
}

/// What one read of a page does to its stored scan.
#[derive(Debug, Clone)]
pub enum PageScanWrite {
    /// A new scan (the text or the word lists changed), replacing the previous one.
    Scan(NewPageScan),
    /// Read unchanged: the scan holds, confirmed now.
    Confirm(String),
    /// The page answered that it does not exist (404, 410): one more missing read.
    Missing(String),
}

/// What the cycle needs of a page's latest scan to tell whether its text changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ScanDigest {
    pub content_hash: String,
    pub lexicon: String,
    pub hit_count: i64,
    /// An attachment's scan (JSON, as stored): the cycle reads whether its bytes were
    /// unreadable.
    pub attachment_hits: Option<String>,
}

/// The columns of a scan's row, written with multi-row upserts ([`SCAN_ROWS`] a
/// statement).
const INSERT_SCANS: &str = "INSERT INTO page_scans (page_url, site_id, role, column_name, title, \
     published_on, content_hash, lexicon, hits, hit_count, first_seen, scanned_at, read_at, \
     missing_reads) ";
const ON_SCAN_CONFLICT: &str = " ON CONFLICT (page_url) DO UPDATE SET site_id = excluded.site_id, \
     role = excluded.role, column_name = excluded.column_name, \
     title = COALESCE(excluded.title, page_scans.title), \
     published_on = COALESCE(excluded.published_on, page_scans.published_on), \
     content_hash = excluded.content_hash, lexicon = excluded.lexicon, \
     hits = excluded.hits, hit_count = excluded.hit_count, \
     scanned_at = excluded.scanned_at, read_at = excluded.read_at, missing_reads = 0";
/// Scans a statement: 13 bound values a row, under both databases' limits.
const SCAN_ROWS: usize = 200;
const MISSING_READ: &str =
    "UPDATE page_scans SET read_at = $2, missing_reads = missing_reads + 1 WHERE page_url = $1";

/// `SELECT` every column of `page_scans`, then `$rest`.
macro_rules! select {
    ($rest:literal) => {
        concat!(
            "SELECT page_url, site_id, role, column_name, title, published_on, content_hash, ",
            "lexicon, hits, hit_count, first_seen, scanned_at, read_at, missing_reads ",
            "FROM page_scans ",
            $rest
        )
    };
}

impl Store {
    /// The latest scan's digest of every page ever scanned, by URL: read once per
    /// cycle, so that a page read unchanged costs no query.
    pub async fn page_scan_digests(&self) -> Result<std::collections::HashMap<String, ScanDigest>> {
        let rows: Vec<(String, String, String, i64, Option<String>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT page_url, content_hash, lexicon, hit_count, \
                 CASE WHEN role = 'attachment' THEN hits END FROM page_scans",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading page scans' digests"))?;
        Ok(rows
            .into_iter()
            .map(|(url, content_hash, lexicon, hit_count, attachment_hits)| {
                let digest = ScanDigest {
                    content_hash,
                    lexicon,
                    hit_count,
                    attachment_hits,
                };
                (url, digest)
            })
            .collect())
    }

    /// Applies the writes of several reads at `at`, in one transaction.
    pub async fn write_page_scans(
        &self,
        writes: &[PageScanWrite],
        at: DateTime<Utc>,
    ) -> Result<()> {
        if writes.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("storing page scans"))?;
            // In order, a run of writes of one kind a statement: scans as multi-row upserts
            // (a run stops before a page repeats: PostgreSQL upserts a row once a
            // statement), confirmations as one update of many pages; a missing read adds
            // one to its page's count, so each is its own statement.
            let mut rest = writes;
            while let Some(first) = rest.first() {
                let taken = match first {
                    PageScanWrite::Scan(_) => {
                        let mut pages = std::collections::HashSet::new();
                        let scans: Vec<&NewPageScan> = rest
                            .iter()
                            .take(SCAN_ROWS)
                            .map_while(|w| match w {
                                PageScanWrite::Scan(scan) if pages.insert(scan.page_url.as_str()) => Some(scan),
                                _ => None,
                            })
                            .collect();
                        let mut q = sqlx::QueryBuilder::new(INSERT_SCANS);
                        q.push_values(&scans, |mut b, scan| {
                            b.push_bind(&scan.page_url)
                                .push_bind(scan.site_id)
                                .push_bind(&scan.role)
                                .push_bind(&scan.column_name)
                                .push_bind(&scan.title)
                                .push_bind(scan.published_on)
                                .push_bind(&scan.content_hash)
                                .push_bind(&scan.lexicon)
                                .push_bind(&scan.hits)
                                .push_bind(scan.hit_count)
                                .push_bind(at)
                                .push_bind(at)
                                .push_bind(at)
                                .push("0");
                        });
                        q.push(ON_SCAN_CONFLICT);
                        q.build().execute(&mut *tx).await.map_err(ctx("storing a page's scan"))?;
                        scans.len()
                    }
                    PageScanWrite::Confirm(_) => {
                        let urls: Vec<&String> = rest
                            .iter()
                            .take(SCAN_ROWS)
                            .map_while(|w| match w {
                                PageScanWrite::Confirm(url) => Some(url),
                                _ => None,
                            })
                            .collect();
                        let mut q = sqlx::QueryBuilder::new(
                            "UPDATE page_scans SET missing_reads = 0, read_at = ",
                        );
                        q.push_bind(at).push(" WHERE page_url IN (");
                        let mut list = q.separated(", ");
                        for url in &urls {
                            list.push_bind(*url);
                        }
                        q.push(")");
                        q.build().execute(&mut *tx).await.map_err(ctx("storing a page's scan"))?;
                        urls.len()
                    }
                    PageScanWrite::Missing(url) => {
                        sqlx::query(MISSING_READ)
                            .bind(url)
                            .bind(at)
                            .execute(&mut *tx)
                            .await
                            .map_err(ctx("storing a page's scan"))?;
                        1
                    }
                };
                rest = &rest[taken..];
            }
            tx.commit().await.map_err(ctx("storing page scans"))
        })
    }

    /// Every page read at or after `since`, by URL, with what the content rules read.
    pub async fn pages_read_since(&self, since: DateTime<Utc>) -> Result<Vec<PageRead>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT page_url, site_id, role, column_name, title, published_on, hits, \
                 missing_reads FROM page_scans WHERE read_at >= $1 ORDER BY page_url",
            )
            .bind(since)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading page scans"))
    }

    /// The pages of `role` read at or after `since`, by URL.
    pub async fn pages_of_role_read_since(
        &self,
        role: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<PageRead>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT page_url, site_id, role, column_name, title, published_on, hits, \
                 missing_reads FROM page_scans WHERE read_at >= $1 AND role = $2 ORDER BY page_url",
            )
            .bind(since)
            .bind(role)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading page scans"))
    }

    /// Pages whose latest scan found something: read again every cycle until the office
    /// corrects or removes them, wherever they sit in their column by now.
    pub async fn pages_with_hits(&self) -> Result<Vec<PageScanRow>> {
        on_pool!(self, pool => {
            sqlx::query_as(select!("WHERE hit_count > 0 AND missing_reads < 2 ORDER BY page_url")).fetch_all(pool).await
        })
        .map_err(ctx("reading pages with content hits"))
    }
}
