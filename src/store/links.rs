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

/// How checking a URL ended in a cycle, as detection reads it: [`LinkCheck`] without
/// the instant and the final URL.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LinkResult {
    pub url: String,
    pub outcome: LinkOutcome,
    pub status: Option<i64>,
    pub detail: Option<String>,
}

/// A page a link was seen on, as detection reads it: [`LinkSource`] without its instants.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LinkSeen {
    pub link_url: String,
    pub page_url: String,
    pub site_id: Option<i64>,
    pub anchor: Option<String>,
}

/// One occurrence of a link on a page, for [`Store::record_link_sources`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLinkSource {
    pub link_url: String,
    pub page_url: String,
    pub site_id: Option<i64>,
    pub anchor: String,
}

/// What the link stage knows of a page it read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkPageState {
    /// The last read that answered (not 404/410).
    pub last_read: DateTime<Utc>,
    /// Reads in a row since then that answered 404 or 410.
    pub missing_reads: i64,
}

/// Rows a multi-row insert carries (7 values each: far below SQLite's and PostgreSQL's
/// limits on bound parameters).
const BATCH_ROWS: usize = 500;

const UPSERT_CHECK: &str = " ON CONFLICT (url, cycle) DO UPDATE SET at = excluded.at, \
    outcome = excluded.outcome, status = excluded.status, final_url = excluded.final_url, \
    detail = excluded.detail";

const UPSERT_SOURCE: &str = " ON CONFLICT (link_url, page_url) DO UPDATE SET \
    site_id = COALESCE(excluded.site_id, link_sources.site_id), \
    anchor = COALESCE(excluded.anchor, link_sources.anchor), \
    first_seen = CASE WHEN link_sources.first_seen > excluded.first_seen \
      THEN excluded.first_seen ELSE link_sources.first_seen END, \
    last_seen = CASE WHEN link_sources.last_seen < excluded.last_seen \
      THEN excluded.last_seen ELSE link_sources.last_seen END";

impl Store {
    /// Stores many link results at once: multi-row upserts of [`BATCH_ROWS`] rows, all
    /// in one transaction (a crash leaves none of them, and the next run checks again).
    /// A URL given twice keeps its last result.
    pub async fn record_link_checks(&self, checks: &[LinkCheck]) -> Result<()> {
        let mut last: HashMap<(&str, &str), &LinkCheck> = HashMap::new();
        for c in checks {
            last.insert((c.url.as_str(), c.cycle.as_str()), c);
        }
        let rows: Vec<&LinkCheck> = last.into_values().collect();
        if rows.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("recording link checks"))?;
            for chunk in rows.chunks(BATCH_ROWS) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO link_checks (url, cycle, at, outcome, status, final_url, detail) ",
                );
                q.push_values(chunk, |mut b, c| {
                    b.push_bind(&c.url)
                        .push_bind(&c.cycle)
                        .push_bind(c.at)
                        .push_bind(c.outcome)
                        .push_bind(c.status)
                        .push_bind(&c.final_url)
                        .push_bind(&c.detail);
                });
                q.push(UPSERT_CHECK);
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("recording link checks"))?;
            }
            tx.commit().await.map_err(ctx("recording link checks"))
        })
    }

    /// Records many link occurrences seen at `seen`, as [`Store::record_link_source`]
    /// does one, in multi-row upserts within one transaction.
    pub async fn record_link_sources(
        &self,
        sources: &[NewLinkSource],
        seen: DateTime<Utc>,
    ) -> Result<()> {
        let mut last: HashMap<(&str, &str), &NewLinkSource> = HashMap::new();
        for s in sources {
            last.insert((s.link_url.as_str(), s.page_url.as_str()), s);
        }
        let mut rows: Vec<&NewLinkSource> = last.into_values().collect();
        // In key order (SQLite's key is page first: migration 0025), each row lands
        // beside the last in the index.
        rows.sort_unstable_by(|a, b| (&a.page_url, &a.link_url).cmp(&(&b.page_url, &b.link_url)));
        if rows.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("recording link sources"))?;
            for chunk in rows.chunks(BATCH_ROWS) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO link_sources (link_url, page_url, site_id, anchor, first_seen, last_seen) ",
                );
                q.push_values(chunk, |mut b, s| {
                    let anchor = Some(s.anchor.trim()).filter(|a| !a.is_empty());
                    b.push_bind(&s.link_url)
                        .push_bind(&s.page_url)
                        .push_bind(s.site_id)
                        .push_bind(anchor)
                        .push_bind(seen)
                        .push_bind(seen);
                });
                q.push(UPSERT_SOURCE);
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("recording link sources"))?;
            }
            tx.commit().await.map_err(ctx("recording link sources"))
        })
    }

    /// Stores the result of a URL for a cycle; a second result in the same cycle
    /// replaces the first.
    pub async fn record_link_check(&self, c: &LinkCheck) -> Result<()> {
        self.record_link_checks(std::slice::from_ref(c)).await
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
        let source = NewLinkSource {
            link_url: link_url.to_string(),
            page_url: page_url.to_string(),
            site_id,
            anchor: anchor.to_string(),
        };
        self.record_link_sources(&[source], seen).await
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

    /// How each URL checked in a cycle ended, in no order.
    pub async fn link_results(&self, cycle: &str) -> Result<Vec<LinkResult>> {
        on_pool!(self, pool => {
            sqlx::query_as("SELECT url, outcome, status, detail FROM link_checks WHERE cycle = $1")
                .bind(cycle)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading link checks"))
    }

    /// Each link seen at or after `since` with the site it was seen on, once a pair: read
    /// through the index on `last_seen` (migration 0015), so the cost follows the links
    /// seen then.
    pub async fn links_seen_by_site_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Option<i64>, String)>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT site_id, link_url FROM link_sources WHERE last_seen >= $1",
            )
            .bind(since)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading link sources"))
    }

    /// The pages each of `links` was seen on at or after `since`, in no order: filtered
    /// in the database, so only the places asked about are moved (PostgreSQL looks them
    /// up through its (link, page) key; SQLite, keyed page first for its writes, reads
    /// the rows seen since `since` through `link_sources_seen`).
    pub async fn pages_of_links_since(
        &self,
        links: &[&str],
        since: DateTime<Utc>,
    ) -> Result<Vec<LinkSeen>> {
        let mut out = Vec::new();
        for chunk in links.chunks(BATCH_ROWS) {
            let rows: Vec<LinkSeen> = on_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT link_url, page_url, site_id, anchor FROM link_sources WHERE last_seen >= ",
                );
                q.push_bind(since);
                q.push(" AND link_url IN (");
                let mut list = q.separated(", ");
                for link in chunk {
                    list.push_bind(*link);
                }
                q.push(")");
                q.build_query_as().fetch_all(pool).await
            })
            .map_err(ctx("reading link sources"))?;
            out.extend(rows);
        }
        Ok(out)
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

    /// The column of each of `pages` that is an item page (a column lists its URL), by
    /// page URL; of several columns listing it, the one that stored it last. Looked up
    /// page by page through the items' URL index, so the cost follows the pages asked
    /// about (those a finding names), not the links seen.
    pub async fn item_page_columns(&self, pages: &[&str]) -> Result<HashMap<String, i64>> {
        let mut out = HashMap::new();
        for chunk in pages.chunks(BATCH_ROWS) {
            let rows: Vec<(String, i64)> = on_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT url, column_id FROM column_items WHERE url IN (",
                );
                let mut list = q.separated(", ");
                for page in chunk {
                    list.push_bind(*page);
                }
                q.push(") ORDER BY url, id");
                q.build_query_as().fetch_all(pool).await
            })
            .map_err(ctx("reading the item pages of links"))?;
            out.extend(rows);
        }
        Ok(out)
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

    /// Records that the link stage read `pages` at `at`, in one transaction of multi-row
    /// upserts.
    pub async fn record_link_page_reads<'a>(
        &self,
        pages: impl IntoIterator<Item = &'a str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        // A row once per statement (PostgreSQL refuses to upsert one twice).
        let pages: Vec<&str> = pages
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        if pages.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool
                .begin_write()
                .await
                .map_err(ctx("recording pages read for links"))?;
            for chunk in pages.chunks(BATCH_ROWS) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO link_pages (page_url, last_read) ");
                q.push_values(chunk, |mut b, page| {
                    b.push_bind(page).push_bind(at);
                });
                q.push(
                    " ON CONFLICT (page_url) DO UPDATE SET last_read = excluded.last_read, \
                     missing_reads = 0",
                );
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("recording pages read for links"))?;
            }
            tx.commit().await.map_err(ctx("recording pages read for links"))
        })
    }

    /// Records that reading `pages` at `at` for their links answered 404 or 410: one more
    /// missing read each (a page gone after [`crate::detect::page_gone`] says so). Their
    /// last read stays the last that answered; a page never read before gets `at`.
    pub async fn record_link_pages_missing(
        &self,
        pages: &[String],
        at: DateTime<Utc>,
    ) -> Result<()> {
        if pages.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool
                .begin_write()
                .await
                .map_err(ctx("recording missing pages"))?;
            for chunk in pages.chunks(BATCH_ROWS) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO link_pages (page_url, last_read, missing_reads) ",
                );
                q.push_values(chunk, |mut b, page| {
                    b.push_bind(page).push_bind(at).push_bind(1_i64);
                });
                q.push(
                    " ON CONFLICT (page_url) DO UPDATE SET \
                     missing_reads = link_pages.missing_reads + 1",
                );
                q.build()
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("recording missing pages"))?;
            }
            tx.commit().await.map_err(ctx("recording missing pages"))
        })
    }

    /// What the link stage knows of `pages` (those it ever read or found missing): when
    /// each was last read and how many reads in a row answered 404/410.
    pub async fn link_page_states(&self, pages: &[&str]) -> Result<HashMap<String, LinkPageState>> {
        let mut out = HashMap::new();
        for chunk in pages.chunks(BATCH_ROWS) {
            let rows: Vec<(String, DateTime<Utc>, i64)> = on_pool!(self, pool => {
                let mut q = sqlx::QueryBuilder::new(
                    "SELECT page_url, last_read, missing_reads FROM link_pages WHERE page_url IN (",
                );
                let mut list = q.separated(", ");
                for page in chunk {
                    list.push_bind(*page);
                }
                q.push(")");
                q.build_query_as().fetch_all(pool).await
            })
            .map_err(ctx("reading pages read for links"))?;
            out.extend(rows.into_iter().map(|(page, last_read, missing_reads)| {
                (
                    page,
                    LinkPageState {
                        last_read,
                        missing_reads,
                    },
                )
            }));
        }
        Ok(out)
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
