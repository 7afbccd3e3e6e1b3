//! Link checks (死链): one result per URL per cycle, and where each link appears (page
//! and anchor text), so an office can find and fix it. Both are upserts: a rerun of the
//! same cycle replaces the cycle's result and refreshes `last_seen`, never duplicates.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{BeginWrite, Result, Store, ctx, on_pool};
use crate::observe::LinkOutcome;

/// How checking one URL ended in one cycle.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LinkCheck {
    pub url: String,
    /// The cycle: the run's day in the configured time zone (`2020-09-15`).
    pub cycle: String,
    pub at: DateTime<Utc>,
    /// `ok`, `soft_404`, `skipped` (a private address not allowed), `blocked`, or
    /// another failure class (`http`, `dns`, `timeout`, `connect`, `redirect_loop`, `tls` …).
    pub outcome: LinkOutcome,
    pub status: Option<i64>,
    pub final_url: Option<String>,
    pub detail: Option<String>,
}

/// A page a link appears on.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LinkSource {
    pub link_url: String,
    pub page_url: String,
    pub site_id: Option<i64>,
    pub anchor: Option<String>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

impl Store {
    /// Stores the result of a URL for a cycle; a second result in the same cycle
    /// replaces the first.
    pub async fn record_link_check(&self, c: &LinkCheck) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO link_checks (url, cycle, at, outcome, status, final_url, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (url, cycle) DO UPDATE SET at = excluded.at, outcome = excluded.outcome, \
                 status = excluded.status, final_url = excluded.final_url, detail = excluded.detail",
            )
            .bind(&c.url)
            .bind(&c.cycle)
            .bind(c.at)
            .bind(c.outcome)
            .bind(c.status)
            .bind(&c.final_url)
            .bind(&c.detail)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a link check"))
    }

    /// Records that `link_url` appears on `page_url` (of the site `site_id`) at `seen`.
    pub async fn record_link_source(
        &self,
        link_url: &str,
        page_url: &str,
        site_id: Option<i64>,
        anchor: &str,
        seen: DateTime<Utc>,
    ) -> Result<()> {
        let anchor = Some(anchor.trim()).filter(|a| !a.is_empty());
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO link_sources (link_url, page_url, site_id, anchor, first_seen, last_seen) \
                 VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (link_url, page_url) DO UPDATE SET \
                 site_id = COALESCE(excluded.site_id, link_sources.site_id), \
                 anchor = COALESCE(excluded.anchor, link_sources.anchor), \
                 first_seen = CASE WHEN link_sources.first_seen > excluded.first_seen \
                   THEN excluded.first_seen ELSE link_sources.first_seen END, \
                 last_seen = CASE WHEN link_sources.last_seen < excluded.last_seen \
                   THEN excluded.last_seen ELSE link_sources.last_seen END",
            )
            .bind(link_url)
            .bind(page_url)
            .bind(site_id)
            .bind(anchor)
            .bind(seen)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording where a link appears"))
    }

    /// Every URL checked in a cycle, by URL.
    pub async fn link_checks(&self, cycle: &str) -> Result<Vec<LinkCheck>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT url, cycle, at, outcome, status, final_url, detail FROM link_checks \
                 WHERE cycle = $1 ORDER BY url",
            )
            .bind(cycle)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading link checks"))
    }

    /// The pages links were seen on at or after `since`, by link and page.
    pub async fn link_sources_since(&self, since: DateTime<Utc>) -> Result<Vec<LinkSource>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT link_url, page_url, site_id, anchor, first_seen, last_seen FROM link_sources \
                 WHERE last_seen >= $1 ORDER BY link_url, page_url",
            )
            .bind(since)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading link sources"))
    }

    /// `(page URL, column id)` of the item pages links were seen on at or after `since`.
    pub async fn link_item_pages(&self, since: DateTime<Utc>) -> Result<Vec<(String, i64)>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT s.page_url, i.column_id FROM link_sources s \
                 JOIN column_items i ON i.url = s.page_url WHERE s.last_seen >= $1",
            )
            .bind(since)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the item pages of links"))
    }

    /// When the link stage last read each page for its links.
    pub async fn link_page_reads(&self) -> Result<HashMap<String, DateTime<Utc>>> {
        let rows: Vec<(String, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT page_url, last_read FROM link_pages")
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading when pages were read for links"))?;
        Ok(rows.into_iter().collect())
    }

    /// Records that the link stage read `pages` at `at`, in one transaction.
    pub async fn record_link_page_reads(&self, pages: &[String], at: DateTime<Utc>) -> Result<()> {
        if pages.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool
                .begin_write()
                .await
                .map_err(ctx("recording pages read for links"))?;
            for page in pages {
                sqlx::query(
                    "INSERT INTO link_pages (page_url, last_read) VALUES ($1, $2) \
                     ON CONFLICT (page_url) DO UPDATE SET last_read = excluded.last_read",
                )
                .bind(page)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(ctx("recording a page read for links"))?;
            }
            tx.commit().await.map_err(ctx("recording pages read for links"))
        })
    }

    /// How many link checks and link sources are stored (for tests and `db` reports).
    pub async fn link_counts(&self) -> Result<(i64, i64)> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM link_checks), (SELECT COUNT(*) FROM link_sources)",
            )
            .fetch_one(pool)
            .await
        })
        .map_err(ctx("counting link checks"))
    }
}
