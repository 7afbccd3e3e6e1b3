//! How each read of a column list, a home page and an account source ended, and the
//! bulk reads that detection needs (item dates per column, post times per account, the
//! latest outcomes). One row per read, keyed by subject and instant, so a rerun writes
//! nothing twice.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::{BeginWrite, Result, Store, ctx, on_pool};
use crate::observe::{CrawlOutcome, ReadOutcome, SourceOutcome, SourceProblem};

/// One read of a column's list pages.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ColumnCrawl {
    pub column_id: i64,
    pub at: DateTime<Utc>,
    /// `ok`, `blocked`, or another failure class (`extract`: the list was unreadable).
    pub outcome: CrawlOutcome,
    pub status: Option<i64>,
    pub detail: Option<String>,
    pub items_found: i64,
    pub new_items: i64,
    pub pages: i64,
    /// SHA-256 of the sorted item URLs listed (see `cycle::crawl::items_digest`).
    pub items_digest: Option<String>,
}

/// A column as stored, with what the notes on its latest read need.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredColumn {
    pub id: i64,
    pub key: String,
    pub site: String,
    pub name: String,
    pub url: String,
    /// `aggregate = true` in the catalog.
    pub aggregate: bool,
}

/// One read of a site's home page, with the dates of the dated items it showed.
#[derive(Debug, Clone, PartialEq)]
pub struct HomeRead {
    pub site_id: i64,
    pub at: DateTime<Utc>,
    pub outcome: ReadOutcome,
    pub status: Option<i64>,
    pub detail: Option<String>,
    pub dates: Vec<NaiveDate>,
}

/// One check of an account's source.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AccountCheck {
    pub account_id: i64,
    pub at: DateTime<Utc>,
    /// `ok`, what the source said (`expired_credentials` …) or a failure class.
    pub outcome: SourceOutcome,
    pub detail: Option<String>,
    pub posts_found: i64,
}

/// An account the operator must fix the source of (see `Store::credential_problems`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CredentialProblem {
    pub account_key: String,
    pub account: String,
    /// `expired_credentials` or `not_configured`.
    pub outcome: SourceProblem,
    pub detail: Option<String>,
    /// The latest check that failed so.
    pub at: DateTime<Utc>,
}

/// A post's publish time and whether it is an original (`None`: its source does not tell).
pub type PostOriginal = (DateTime<Utc>, Option<bool>);

const INSERT_COLUMN_CRAWL: &str = "INSERT INTO column_crawls (column_id, at, outcome, status, \
     detail, items_found, new_items, pages, items_digest) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (column_id, at) DO NOTHING";
pub(super) const UNDATED_ITEMS: &str = "SELECT url FROM column_items \
     WHERE column_id = $1 AND published_on IS NULL ORDER BY first_seen, url";
const DATE_ITEM: &str = "UPDATE column_items SET published_on = $3, date_source = $4 \
     WHERE column_id = $1 AND url = $2 AND published_on IS NULL";
const DELETE_VALIDATORS: &str = "DELETE FROM page_validators WHERE url = $1";
const UPSERT_VALIDATORS: &str = "INSERT INTO page_validators (url, etag, last_modified, \
     items_found, pages, updated_at, items_digest) VALUES ($1, $2, $3, $4, $5, $6, $7) \
     ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, \
     last_modified = excluded.last_modified, items_found = excluded.items_found, \
     pages = excluded.pages, updated_at = excluded.updated_at, items_digest = excluded.items_digest";

/// The end of one column's crawl, written at once by [`Store::finish_column_crawl`].
#[derive(Debug, Clone)]
pub struct ColumnCrawlEnd<'a> {
    /// Fetch attempts not stored yet (item pages read for their dates, a failed read).
    pub attempts: &'a [crate::observe::FetchAttempt],
    /// Items dated from their own pages: URL, day, source (`page:…`).
    pub dated: &'a [(String, NaiveDate, &'static str)],
    /// The first list page's validators, saved only once the items they stand for are.
    pub validators: Option<&'a PageValidators>,
    pub crawl: &'a ColumnCrawl,
}

impl Store {
    /// Writes the end of a column's crawl in one transaction: the attempts, the dates
    /// found on item pages, the validators and the crawl's record. Returns the column's
    /// last update on or before `today` (its newest dated item).
    pub async fn finish_column_crawl(
        &self,
        end: &ColumnCrawlEnd<'_>,
        today: NaiveDate,
    ) -> Result<Option<NaiveDate>> {
        let c = end.crawl;
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("recording a column crawl"))?;
            super::observations::insert_attempts!(tx, end.attempts);
            for (url, day, source) in end.dated {
                sqlx::query(DATE_ITEM)
                    .bind(c.column_id)
                    .bind(url)
                    .bind(day)
                    .bind(source)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("dating an item"))?;
            }
            if let Some(v) = end.validators {
                let query = if v.etag.is_none() && v.last_modified.is_none() {
                    sqlx::query(DELETE_VALIDATORS).bind(&v.url)
                } else {
                    sqlx::query(UPSERT_VALIDATORS)
                        .bind(&v.url)
                        .bind(&v.etag)
                        .bind(&v.last_modified)
                        .bind(v.items_found)
                        .bind(v.pages)
                        .bind(c.at)
                        .bind(&v.items_digest)
                };
                query.execute(&mut *tx).await.map_err(ctx("writing page validators"))?;
            }
            sqlx::query(INSERT_COLUMN_CRAWL)
                .bind(c.column_id)
                .bind(c.at)
                .bind(c.outcome)
                .bind(c.status)
                .bind(&c.detail)
                .bind(c.items_found)
                .bind(c.new_items)
                .bind(c.pages)
                .bind(&c.items_digest)
                .execute(&mut *tx)
                .await
                .map_err(ctx("recording a column crawl"))?;
            let last: Option<NaiveDate> = sqlx::query_scalar(
                "SELECT MAX(published_on) FROM column_items \
                 WHERE column_id = $1 AND published_on <= $2",
            )
            .bind(c.column_id)
            .bind(today)
            .fetch_one(&mut *tx)
            .await
            .map_err(ctx("reading a column's last update"))?;
            tx.commit().await.map_err(ctx("recording a column crawl"))?;
            Ok(last)
        })
    }

    pub async fn record_column_crawl(&self, c: &ColumnCrawl) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(INSERT_COLUMN_CRAWL)
            .bind(c.column_id)
            .bind(c.at)
            .bind(c.outcome)
            .bind(c.status)
            .bind(&c.detail)
            .bind(c.items_found)
            .bind(c.new_items)
            .bind(c.pages)
            .bind(&c.items_digest)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a column crawl"))
    }

    /// The latest `per_column` crawls of every column at or before `until`, newest first.
    /// Read column by column through the (column, instant) key, so the cost follows the
    /// crawls returned, not the history kept (`CROSS JOIN` keeps SQLite's loop on columns).
    pub async fn recent_column_crawls(
        &self,
        per_column: usize,
        until: DateTime<Utc>,
    ) -> Result<HashMap<i64, Vec<ColumnCrawl>>> {
        let limit = i64::try_from(per_column).unwrap_or(i64::MAX);
        let rows: Vec<ColumnCrawl> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.column_id, c.at, c.outcome, c.status, c.detail, c.items_found, c.new_items, \
                 c.pages, c.items_digest FROM columns col CROSS JOIN column_crawls c \
                 WHERE c.column_id = col.id AND c.at IN (SELECT x.at FROM column_crawls x \
                 WHERE x.column_id = col.id AND x.at <= $1 ORDER BY x.at DESC LIMIT $2) \
                 ORDER BY c.column_id, c.at DESC",
            )
            .bind(until)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading column crawls"))?;
        let mut map: HashMap<i64, Vec<ColumnCrawl>> = HashMap::new();
        for row in rows {
            let list = map.entry(row.column_id).or_default();
            if list.len() < per_column {
                list.push(row);
            }
        }
        Ok(map)
    }

    /// The catalog's current columns (not removed).
    pub async fn stored_columns(&self) -> Result<Vec<StoredColumn>> {
        let rows: Vec<(i64, String, String, String, String, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, key, site, name, url, spec FROM columns WHERE removed_at IS NULL ORDER BY id",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the stored columns"))?;
        Ok(rows
            .into_iter()
            .map(|(id, key, site, name, url, spec)| StoredColumn {
                id,
                key,
                site,
                name,
                url,
                aggregate: serde_json::from_str::<serde_json::Value>(&spec)
                    .ok()
                    .and_then(|v| v["aggregate"].as_bool())
                    .unwrap_or(false),
            })
            .collect())
    }

    /// Publish dates of every column's items (undated items left out).
    pub async fn item_dates(&self) -> Result<HashMap<i64, Vec<NaiveDate>>> {
        let rows: Vec<(i64, NaiveDate)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT column_id, published_on FROM column_items WHERE published_on IS NOT NULL",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading item dates"))?;
        let mut map: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
        for (column, day) in rows {
            map.entry(column).or_default().push(day);
        }
        Ok(map)
    }

    /// Each column's oldest item date (an index seek a column; none for a column without
    /// dated items).
    pub async fn oldest_item_dates(&self) -> Result<HashMap<i64, NaiveDate>> {
        let rows: Vec<(i64, Option<NaiveDate>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.id, (SELECT MIN(i.published_on) FROM column_items i \
                 WHERE i.column_id = c.id AND i.published_on IS NOT NULL) FROM columns c",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the oldest item dates"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(column, day)| Some((column, day?)))
            .collect())
    }

    /// The crawls that say whether a period from `from` can be counted, by column: every
    /// crawl from `from` to `until`, and the latest one before `from` that read the list
    /// (its day already puts the list's completeness before `from`; older ones add
    /// nothing to that). Not every crawl ever stored.
    pub async fn column_crawls_since(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<HashMap<i64, Vec<ColumnCrawl>>> {
        let rows: Vec<ColumnCrawl> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.column_id, c.at, c.outcome, c.status, c.detail, c.items_found, \
                 c.new_items, c.pages, c.items_digest FROM column_crawls c \
                 WHERE c.at >= $1 AND c.at <= $2 \
                 UNION ALL \
                 SELECT c.column_id, c.at, c.outcome, c.status, c.detail, c.items_found, \
                 c.new_items, c.pages, c.items_digest FROM columns col \
                 JOIN column_crawls c ON c.column_id = col.id AND c.at = \
                 (SELECT MAX(x.at) FROM column_crawls x WHERE x.column_id = col.id \
                 AND x.at < $1 AND x.outcome IN ($3, $4))",
            )
            .bind(from)
            .bind(until)
            .bind(CrawlOutcome::Ok.as_str())
            .bind(CrawlOutcome::NotModified.as_str())
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading column crawls"))?;
        let mut map: HashMap<i64, Vec<ColumnCrawl>> = HashMap::new();
        for row in rows {
            map.entry(row.column_id).or_default().push(row);
        }
        Ok(map)
    }

    /// The publish dates the column rules need on `today`, by column: one per dated item
    /// from the column's start (`from`, or its earlier day in `earlier`) to `today`; and,
    /// for a column whose newest item on or before `today` is older than its start, that
    /// newest date alone. The rules count items per quarter and look for the newest, so
    /// each item stands as the newest date of its quarter: read per column and quarter
    /// (indexes of migration 0015), never item by item or day by day, so the cost
    /// follows the columns and quarters judged, not the history kept.
    pub async fn item_dates_from(
        &self,
        today: NaiveDate,
        from: NaiveDate,
        earlier: &HashMap<i64, NaiveDate>,
    ) -> Result<HashMap<i64, Vec<NaiveDate>>> {
        let mut map: HashMap<i64, Vec<NaiveDate>> = HashMap::new();
        let mut add = |column: i64, day: NaiveDate, count: i64| {
            let list = map.entry(column).or_default();
            list.extend(std::iter::repeat_n(day, count.max(0) as usize));
        };
        for (start, end) in quarter_spans(from, today) {
            let rows: Vec<(i64, NaiveDate, i64)> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT column_id, MAX(published_on), COUNT(*) FROM column_items \
                     WHERE published_on >= $1 AND published_on <= $2 GROUP BY column_id",
                )
                .bind(start)
                .bind(end)
                .fetch_all(pool)
                .await
            })
            .map_err(ctx("reading item dates"))?;
            for (column, day, count) in rows {
                add(column, day, count);
            }
        }
        for (&column, &start) in earlier.iter().filter(|(_, start)| **start < from) {
            for (start, end) in quarter_spans(start, from.pred_opt().unwrap_or(from)) {
                let (day, count): (Option<NaiveDate>, i64) = on_pool!(self, pool => {
                    sqlx::query_as(
                        "SELECT MAX(published_on), COUNT(*) FROM column_items \
                         WHERE column_id = $1 AND published_on >= $2 AND published_on <= $3",
                    )
                    .bind(column)
                    .bind(start)
                    .bind(end)
                    .fetch_one(pool)
                    .await
                })
                .map_err(ctx("reading item dates"))?;
                if let Some(day) = day {
                    add(column, day, count);
                }
            }
        }
        let latest: Vec<(i64, Option<NaiveDate>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.id, (SELECT MAX(i.published_on) FROM column_items i \
                 WHERE i.column_id = c.id AND i.published_on <= $1) FROM columns c",
            )
            .bind(today)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the latest item dates"))?;
        for (column, day) in latest {
            let start = earlier.get(&column).map_or(from, |e| from.min(*e));
            if let Some(day) = day.filter(|d| *d < start) {
                add(column, day, 1);
            }
        }
        Ok(map)
    }

    /// Items of a column that have no date yet (their item page may tell).
    pub async fn undated_items(&self, column_id: i64) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            sqlx::query_scalar(UNDATED_ITEMS)
            .bind(column_id)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading undated items"))
    }

    /// Sets the date of an item found on its own page.
    pub async fn date_item(
        &self,
        column_id: i64,
        url: &str,
        day: NaiveDate,
        source: &str,
    ) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(DATE_ITEM)
            .bind(column_id)
            .bind(url)
            .bind(day)
            .bind(source)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("dating an item"))
    }

    pub async fn record_home_read(&self, r: &HomeRead) -> Result<()> {
        let dates = serde_json::to_string(&r.dates).expect("dates serialize");
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO home_reads (site_id, at, outcome, status, detail, dates) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site_id, at) DO NOTHING",
            )
            .bind(r.site_id)
            .bind(r.at)
            .bind(r.outcome)
            .bind(r.status)
            .bind(&r.detail)
            .bind(&dates)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a home page read"))
    }

    /// The dates shown by each site's latest successful home-page read at or before `until`.
    pub async fn latest_home_dates(
        &self,
        until: DateTime<Utc>,
    ) -> Result<HashMap<i64, Vec<NaiveDate>>> {
        let rows: Vec<(i64, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT h.site_id, h.dates FROM sites s CROSS JOIN home_reads h \
                 WHERE h.site_id = s.id AND h.outcome = 'ok' AND h.at = \
                 (SELECT MAX(x.at) FROM home_reads x WHERE x.site_id = s.id AND x.outcome = 'ok' AND x.at <= $1)",
            )
            .bind(until)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading home page reads"))?;
        rows.into_iter()
            .map(|(site, dates)| {
                serde_json::from_str(&dates)
                    .map(|d| (site, d))
                    .map_err(|e| super::StoreError::Data {
                        context: "reading home page reads",
                        detail: e.to_string(),
                    })
            })
            .collect()
    }

    pub async fn record_account_check(&self, c: &AccountCheck) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO account_checks (account_id, at, outcome, detail, posts_found) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, at) DO NOTHING",
            )
            .bind(c.account_id)
            .bind(c.at)
            .bind(c.outcome)
            .bind(&c.detail)
            .bind(c.posts_found)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording an account check"))
    }

    /// The latest `per_account` checks of every account at or before `until`, newest
    /// first, read account by account (as [`Store::recent_column_crawls`]).
    pub async fn recent_account_checks(
        &self,
        per_account: usize,
        until: DateTime<Utc>,
    ) -> Result<HashMap<i64, Vec<AccountCheck>>> {
        let limit = i64::try_from(per_account).unwrap_or(i64::MAX);
        let rows: Vec<AccountCheck> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT c.account_id, c.at, c.outcome, c.detail, c.posts_found \
                 FROM accounts a CROSS JOIN account_checks c \
                 WHERE c.account_id = a.id AND c.at IN (SELECT x.at FROM account_checks x \
                 WHERE x.account_id = a.id AND x.at <= $1 ORDER BY x.at DESC LIMIT $2) \
                 ORDER BY c.account_id, c.at DESC",
            )
            .bind(until)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading account checks"))?;
        let mut map: HashMap<i64, Vec<AccountCheck>> = HashMap::new();
        for row in rows {
            let list = map.entry(row.account_id).or_default();
            if list.len() < per_account {
                list.push(row);
            }
        }
        Ok(map)
    }

    /// Publish times of every account's posts.
    pub async fn post_times(&self) -> Result<HashMap<i64, Vec<DateTime<Utc>>>> {
        let rows: Vec<(i64, DateTime<Utc>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT account_id, published_at FROM account_posts")
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading post times"))?;
        let mut map: HashMap<i64, Vec<DateTime<Utc>>> = HashMap::new();
        for (account, at) in rows {
            map.entry(account).or_default().push(at);
        }
        Ok(map)
    }

    /// Publish times of every account's posts, each with whether it is an original
    /// (`None` when its source does not tell).
    pub async fn post_originals(&self) -> Result<HashMap<i64, Vec<PostOriginal>>> {
        let rows: Vec<(i64, DateTime<Utc>, Option<bool>)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT account_id, published_at, original FROM account_posts")
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading posts"))?;
        let mut map: HashMap<i64, Vec<PostOriginal>> = HashMap::new();
        for (account, at, original) in rows {
            map.entry(account).or_default().push((at, original));
        }
        Ok(map)
    }

    /// The posts the account rules need up to `now`, by account: with `from`, every post
    /// from there (or from the account's earlier instant in `earlier`) to `now`; and each
    /// account's latest post, and with `originals` its latest original, when older than
    /// that (or always, without `from`). Indexed reads per account (migration 0015), never
    /// the whole history.
    pub async fn posts_from(
        &self,
        now: DateTime<Utc>,
        from: Option<DateTime<Utc>>,
        earlier: &HashMap<i64, DateTime<Utc>>,
        originals: bool,
    ) -> Result<HashMap<i64, Vec<PostOriginal>>> {
        let mut map: HashMap<i64, Vec<PostOriginal>> = HashMap::new();
        if let Some(from) = from {
            let rows: Vec<(i64, DateTime<Utc>, Option<bool>)> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT account_id, published_at, original FROM account_posts \
                     WHERE published_at >= $1 AND published_at <= $2",
                )
                .bind(from)
                .bind(now)
                .fetch_all(pool)
                .await
            })
            .map_err(ctx("reading posts"))?;
            for (account, at, original) in rows {
                map.entry(account).or_default().push((at, original));
            }
            for (&account, &start) in earlier.iter().filter(|(_, start)| **start < from) {
                let rows: Vec<(DateTime<Utc>, Option<bool>)> = on_pool!(self, pool => {
                    sqlx::query_as(
                        "SELECT published_at, original FROM account_posts \
                         WHERE account_id = $1 AND published_at >= $2 AND published_at < $3",
                    )
                    .bind(account)
                    .bind(start)
                    .bind(from)
                    .fetch_all(pool)
                    .await
                })
                .map_err(ctx("reading posts"))?;
                map.entry(account).or_default().extend(rows);
            }
        }
        let start = |account: i64| from.map(|f| earlier.get(&account).map_or(f, |e| f.min(*e)));
        let latest: Vec<(i64, Option<DateTime<Utc>>, Option<bool>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, \
                 (SELECT MAX(p.published_at) FROM account_posts p \
                  WHERE p.account_id = a.id AND p.published_at <= $1), \
                 (SELECT p.original FROM account_posts p \
                  WHERE p.account_id = a.id AND p.published_at <= $1 \
                  ORDER BY p.published_at DESC LIMIT 1) \
                 FROM accounts a",
            )
            .bind(now)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the latest posts"))?;
        for (account, at, original) in latest {
            if let Some(at) = at.filter(|at| start(account).is_none_or(|s| *at < s)) {
                map.entry(account).or_default().push((at, original));
            }
        }
        if originals {
            let latest: Vec<(i64, Option<DateTime<Utc>>)> = on_pool!(self, pool => {
                sqlx::query_as(
                    "SELECT a.id, (SELECT MAX(p.published_at) FROM account_posts p \
                     WHERE p.account_id = a.id AND p.original = TRUE AND p.published_at <= $1) \
                     FROM accounts a",
                )
                .bind(now)
                .fetch_all(pool)
                .await
            })
            .map_err(ctx("reading the latest original posts"))?;
            for (account, at) in latest {
                if let Some(at) = at.filter(|at| start(account).is_none_or(|s| *at < s)) {
                    map.entry(account).or_default().push((at, Some(true)));
                }
            }
        }
        Ok(map)
    }

    /// When each account's source was first read (its first `ok` check up to `until`):
    /// when watching began.
    pub async fn first_account_reads(
        &self,
        until: DateTime<Utc>,
    ) -> Result<HashMap<i64, DateTime<Utc>>> {
        let rows: Vec<(i64, Option<DateTime<Utc>>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.id, (SELECT MIN(c.at) FROM account_checks c \
                 WHERE c.account_id = a.id AND c.outcome = 'ok' AND c.at <= $1) FROM accounts a",
            )
            .bind(until)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading account checks"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(account, at)| Some((account, at?)))
            .collect())
    }

    /// The keys of the catalog's accounts whose source was read successfully (an `ok`
    /// check) between `from` and `to`, both included: the accounts watched then.
    pub async fn accounts_read_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<HashSet<String>> {
        let rows: Vec<(String,)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT a.key FROM account_checks c JOIN accounts a ON a.id = c.account_id \
                 WHERE c.outcome = 'ok' AND c.at >= $1 AND c.at <= $2 AND a.removed_at IS NULL",
            )
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading account checks"))?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    /// Publish times of one account's posts.
    pub async fn post_times_of(&self, account_id: i64) -> Result<Vec<DateTime<Utc>>> {
        on_pool!(self, pool => {
            sqlx::query_scalar("SELECT published_at FROM account_posts WHERE account_id = $1")
                .bind(account_id)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading post times"))
    }

    /// Accounts whose latest check failed for the office's own reasons (expired
    /// credentials, a source not configured): the operator must act; the weekly email
    /// lists them. Ordered by account key.
    pub async fn credential_problems(&self) -> Result<Vec<CredentialProblem>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT a.key AS account_key, a.name AS account, c.outcome, c.detail, c.at \
                 FROM account_checks c JOIN accounts a ON a.id = c.account_id \
                 WHERE c.outcome IN ('expired_credentials', 'not_configured') \
                 AND c.at = (SELECT MAX(x.at) FROM account_checks x WHERE x.account_id = c.account_id) \
                 ORDER BY a.key",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading credential problems"))
    }

    /// Probes of every site in `[from, to]`: (site id, instant, outcome).
    pub async fn probes_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(i64, DateTime<Utc>, ReadOutcome)>> {
        on_pool!(self, pool => {
            sqlx::query_as("SELECT site_id, at, outcome FROM probes WHERE at >= $1 AND at <= $2")
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading probes"))
    }
}

/// Validators of a list page from its last full read.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PageValidators {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// What the last full read found, carried over while the page is unchanged.
    pub items_found: i64,
    pub pages: i64,
    pub items_digest: Option<String>,
}

impl Store {
    pub async fn page_validators(&self, url: &str) -> Result<Option<PageValidators>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT url, etag, last_modified, items_found, pages, items_digest FROM page_validators WHERE url = $1",
            )
            .bind(url)
            .fetch_optional(pool)
            .await
        })
        .map_err(ctx("reading page validators"))
    }

    /// Remembers a page's validators; a page without any is forgotten.
    pub async fn set_page_validators(&self, v: &PageValidators, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            if v.etag.is_none() && v.last_modified.is_none() {
                sqlx::query(DELETE_VALIDATORS)
                    .bind(&v.url)
                    .execute(pool)
                    .await
                    .map(|_| ())
            } else {
                sqlx::query(UPSERT_VALIDATORS)
                .bind(&v.url)
                .bind(&v.etag)
                .bind(&v.last_modified)
                .bind(v.items_found)
                .bind(v.pages)
                .bind(at)
                .bind(&v.items_digest)
                .execute(pool)
                .await
                .map(|_| ())
            }
        })
        .map_err(ctx("writing page validators"))
    }
}

/// The days of `[from, to]` cut at quarter starts: one span per quarter it touches.
fn quarter_spans(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut spans = Vec::new();
    let mut start = from;
    while start <= to {
        let end = crate::detect::period::Period::quarter_of(start)
            .end()
            .min(to);
        spans.push((start, end));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    spans
}
