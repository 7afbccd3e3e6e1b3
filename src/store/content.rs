//! The latest scan of each page read for its text (内容安全): what it found, as masked
//! JSON the store does not interpret, and when the page was last read. The cycle asks
//! for a page's row to tell whether its text changed since, writes a new scan, or only
//! confirms the old one (an unchanged page) or counts a missing read (404).

use chrono::{DateTime, NaiveDate, Utc};

use super::{Result, Store, ctx, on_pool};

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

/// A scan to store.
#[derive(Debug, Clone)]
pub struct NewPageScan<'a> {
    pub page_url: &'a str,
    pub site_id: Option<i64>,
    pub role: &'a str,
    pub column_name: Option<&'a str>,
    pub title: Option<&'a str>,
    pub published_on: Option<NaiveDate>,
    pub content_hash: &'a str,
    pub lexicon: &'a str,
    pub hits: &'a str,
    pub hit_count: i64,
}

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
    /// The latest scan of `page_url`, if it was ever scanned.
    pub async fn page_scan(&self, page_url: &str) -> Result<Option<PageScanRow>> {
        on_pool!(self, pool => {
            sqlx::query_as(select!("WHERE page_url = $1")).bind(page_url).fetch_optional(pool).await
        })
        .map_err(ctx("reading a page's scan"))
    }

    /// Stores a new scan of a page read at `at` (replacing the previous one).
    pub async fn record_page_scan(&self, scan: &NewPageScan<'_>, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO page_scans (page_url, site_id, role, column_name, title, published_on, \
                 content_hash, lexicon, hits, hit_count, first_seen, scanned_at, read_at, missing_reads) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11, 0) \
                 ON CONFLICT (page_url) DO UPDATE SET site_id = excluded.site_id, \
                 role = excluded.role, column_name = excluded.column_name, \
                 title = COALESCE(excluded.title, page_scans.title), \
                 published_on = COALESCE(excluded.published_on, page_scans.published_on), \
                 content_hash = excluded.content_hash, lexicon = excluded.lexicon, \
                 hits = excluded.hits, hit_count = excluded.hit_count, \
                 scanned_at = excluded.scanned_at, read_at = excluded.read_at, missing_reads = 0",
            )
            .bind(scan.page_url)
            .bind(scan.site_id)
            .bind(scan.role)
            .bind(scan.column_name)
            .bind(scan.title)
            .bind(scan.published_on)
            .bind(scan.content_hash)
            .bind(scan.lexicon)
            .bind(scan.hits)
            .bind(scan.hit_count)
            .bind(at)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("storing a page's scan"))
    }

    /// A read at `at` found the page unchanged: its scan holds, confirmed now.
    pub async fn confirm_page_scan(&self, page_url: &str, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE page_scans SET read_at = $2, missing_reads = 0 WHERE page_url = $1")
                .bind(page_url)
                .bind(at)
                .execute(pool)
                .await
                .map(|_| ())
        })
        .map_err(ctx("confirming a page's scan"))
    }

    /// A read at `at` answered that the page does not exist (404, 410).
    pub async fn record_page_missing(&self, page_url: &str, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE page_scans SET read_at = $2, missing_reads = missing_reads + 1 \
                 WHERE page_url = $1",
            )
            .bind(page_url)
            .bind(at)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a missing page"))
    }

    /// Every page read at or after `since`, by URL.
    pub async fn page_scans_read_since(&self, since: DateTime<Utc>) -> Result<Vec<PageScanRow>> {
        on_pool!(self, pool => {
            sqlx::query_as(select!("WHERE read_at >= $1 ORDER BY page_url")).bind(since).fetch_all(pool).await
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
