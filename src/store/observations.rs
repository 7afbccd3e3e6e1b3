//! Observations: what fetching saw. Fetch attempts, column items, account posts and
//! probes are appended under natural unique keys, so writing the same observation twice
//! (a rerun, a resumed cycle) leaves one row.

use chrono::{DateTime, NaiveDate, Utc};

use super::{BeginWrite, Result, Store, ctx, on_pool};
use crate::observe::{FetchAttempt, NewItem, NewPost, ProbeRecord, Purpose, ReadOutcome};

/// An item as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct StoredItem {
    pub column_id: i64,
    pub url: String,
    pub title: String,
    pub published_on: Option<NaiveDate>,
    pub first_seen: DateTime<Utc>,
}

/// A fetch attempt as read back.
#[derive(sqlx::FromRow)]
struct AttemptRow {
    url: String,
    host: String,
    purpose: Purpose,
    subject_key: Option<String>,
    at: DateTime<Utc>,
    duration_ms: i64,
    outcome: ReadOutcome,
    status: Option<i64>,
    detail: Option<String>,
    charset: Option<String>,
    charset_source: Option<String>,
    bytes: Option<i64>,
}

impl From<AttemptRow> for FetchAttempt {
    fn from(r: AttemptRow) -> FetchAttempt {
        FetchAttempt {
            url: r.url,
            host: r.host,
            purpose: r.purpose,
            subject_key: r.subject_key,
            at: r.at,
            duration_ms: r.duration_ms,
            outcome: r.outcome,
            status: r.status,
            detail: r.detail,
            charset: r.charset,
            charset_source: r.charset_source,
            bytes: r.bytes,
        }
    }
}

/// A probe as read back.
#[derive(sqlx::FromRow)]
struct ProbeRow {
    site_id: i64,
    at: DateTime<Utc>,
    outcome: ReadOutcome,
    status: Option<i64>,
    latency_ms: Option<i64>,
    detail: Option<String>,
}

impl From<ProbeRow> for ProbeRecord {
    fn from(r: ProbeRow) -> ProbeRecord {
        ProbeRecord {
            site_id: r.site_id,
            at: r.at,
            outcome: r.outcome,
            status: r.status,
            latency_ms: r.latency_ms,
            detail: r.detail,
        }
    }
}

/// Fetch attempts a multi-row insert carries (12 values each: 6,000 bound parameters,
/// below SQLite's 32,766 and PostgreSQL's 65,535).
pub(crate) const ATTEMPT_ROWS: usize = 500;

/// Inserts `$attempts` (a slice of [`FetchAttempt`]) in the open transaction `$tx`, in
/// multi-row statements of [`ATTEMPT_ROWS`]; an attempt already stored is kept.
macro_rules! insert_attempts {
    ($tx:ident, $attempts:expr) => {
        for chunk in $attempts.chunks($crate::store::observations::ATTEMPT_ROWS) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO fetch_attempts (url, host, purpose, subject_key, at, duration_ms, \
                 outcome, status, detail, charset, charset_source, bytes) ",
            );
            q.push_values(chunk, |mut b, a| {
                b.push_bind(&a.url)
                    .push_bind(&a.host)
                    .push_bind(a.purpose)
                    .push_bind(&a.subject_key)
                    .push_bind(a.at)
                    .push_bind(a.duration_ms)
                    .push_bind(a.outcome)
                    .push_bind(a.status)
                    .push_bind(&a.detail)
                    .push_bind(&a.charset)
                    .push_bind(&a.charset_source)
                    .push_bind(a.bytes);
            });
            q.push(" ON CONFLICT (url, purpose, at) DO NOTHING");
            q.build()
                .execute(&mut *$tx)
                .await
                .map_err(ctx("recording fetch attempts"))?;
        }
    };
}
pub(crate) use insert_attempts;

/// Items a multi-row upsert carries (7 values each).
const ITEM_ROWS: usize = 500;

/// Upserts one column's items in the open transaction `$tx` (multi-row statements); an
/// item already stored keeps its title and first-seen time, its date is filled in if it
/// was unknown. Evaluates to how many were new.
macro_rules! upsert_items {
    ($tx:ident, $column_id:expr, $items:expr, $seen:expr) => {{
        let column_id: i64 = $column_id;
        let seen: DateTime<Utc> = $seen;
        let count = async |tx: &mut _| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM column_items WHERE column_id = $1")
                .bind(column_id)
                .fetch_one(tx)
                .await
                .map_err(ctx("storing column items"))
        };
        let before = count(&mut *$tx).await?;
        // One row per URL: a statement may not touch a row twice (PostgreSQL).
        let mut urls = std::collections::HashSet::new();
        let items: Vec<&NewItem> = $items
            .iter()
            .filter(|i| urls.insert(i.url.as_str()))
            .collect();
        for chunk in items.chunks(ITEM_ROWS) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO column_items (column_id, url, title, published_on, date_source, \
                 first_seen, last_seen) ",
            );
            q.push_values(chunk, |mut b, item| {
                b.push_bind(column_id)
                    .push_bind(&item.url)
                    .push_bind(&item.title)
                    .push_bind(item.published_on)
                    .push_bind(&item.date_source)
                    .push_bind(seen)
                    .push_bind(seen);
            });
            q.push(
                " ON CONFLICT (column_id, url) DO UPDATE SET \
                 last_seen = CASE WHEN column_items.last_seen < excluded.last_seen \
                 THEN excluded.last_seen ELSE column_items.last_seen END, \
                 first_seen = CASE WHEN column_items.first_seen > excluded.first_seen \
                 THEN excluded.first_seen ELSE column_items.first_seen END, \
                 published_on = COALESCE(column_items.published_on, excluded.published_on), \
                 date_source = COALESCE(column_items.date_source, excluded.date_source)",
            );
            q.build()
                .execute(&mut *$tx)
                .await
                .map_err(ctx("storing column items"))?;
        }
        let after = count(&mut *$tx).await?;
        usize::try_from(after - before).unwrap_or(0)
    }};
}

impl Store {
    /// Stores many fetch attempts at once: multi-row inserts of [`ATTEMPT_ROWS`] rows in
    /// one transaction (a statement per attempt costs more than the request on a fast
    /// server). Like [`Store::record_fetch_attempt`], an attempt already stored is kept.
    pub async fn record_fetch_attempts(&self, attempts: &[FetchAttempt]) -> Result<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("recording fetch attempts"))?;
            insert_attempts!(tx, attempts);
            tx.commit().await.map_err(ctx("recording fetch attempts"))
        })
    }

    pub async fn record_fetch_attempt(&self, a: &FetchAttempt) -> Result<()> {
        self.record_fetch_attempts(std::slice::from_ref(a)).await
    }

    /// How many fetch attempts are stored (for tests and `db` reports).
    pub async fn fetch_attempt_count(&self) -> Result<i64> {
        on_pool!(self, pool => {
            sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM fetch_attempts")
                .fetch_one(pool)
                .await
        })
        .map(|(n,)| n)
        .map_err(ctx("counting fetch attempts"))
    }

    /// The most recent attempts for a subject, newest first.
    pub async fn recent_attempts(
        &self,
        subject_key: &str,
        limit: i64,
    ) -> Result<Vec<FetchAttempt>> {
        let rows: Vec<AttemptRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT url, host, purpose, subject_key, at, duration_ms, outcome, status, detail, \
                 charset, charset_source, bytes FROM fetch_attempts \
                 WHERE subject_key = $1 ORDER BY at DESC LIMIT $2",
            )
            .bind(subject_key)
            .bind(limit)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading fetch attempts"))?;
        Ok(rows.into_iter().map(FetchAttempt::from).collect())
    }

    /// Stores the items of one list page in one transaction. An item already stored
    /// keeps its first-seen time and title; its date is filled in if it was unknown.
    /// Returns how many items were new.
    pub async fn upsert_column_items(
        &self,
        column_id: i64,
        items: &[NewItem],
        seen: DateTime<Utc>,
    ) -> Result<usize> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("storing column items"))?;
            let new = upsert_items!(tx, column_id, items, seen);
            tx.commit().await.map_err(ctx("storing column items"))?;
            Ok(new)
        })
    }

    /// One column's crawl, stored: its items ([`Store::upsert_column_items`]) and the
    /// fetch attempts so far, in one transaction. Returns how many items were new and
    /// the column's items that have no date yet (their item page may tell), oldest first.
    pub async fn store_column_read(
        &self,
        column_id: i64,
        attempts: &[FetchAttempt],
        items: &[NewItem],
        seen: DateTime<Utc>,
    ) -> Result<(usize, Vec<String>)> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("storing column items"))?;
            insert_attempts!(tx, attempts);
            let new = upsert_items!(tx, column_id, items, seen);
            let undated: Vec<String> = sqlx::query_scalar(super::reads::UNDATED_ITEMS)
                .bind(column_id)
                .fetch_all(&mut *tx)
                .await
                .map_err(ctx("reading undated items"))?;
            tx.commit().await.map_err(ctx("storing column items"))?;
            Ok((new, undated))
        })
    }

    /// Items of a column, newest publish date first (undated last).
    pub async fn column_items(&self, column_id: i64) -> Result<Vec<StoredItem>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT column_id, url, title, published_on, first_seen FROM column_items \
                 WHERE column_id = $1 ORDER BY published_on IS NULL, published_on DESC, url",
            )
            .bind(column_id)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading column items"))
    }

    /// The items of every column, by column id, each column's in the order of
    /// [`Store::column_items`]: one query instead of one a column.
    pub async fn items_by_column(&self) -> Result<std::collections::HashMap<i64, Vec<StoredItem>>> {
        let rows: Vec<StoredItem> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT column_id, url, title, published_on, first_seen FROM column_items \
                 ORDER BY column_id, published_on IS NULL, published_on DESC, url",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading column items"))?;
        let mut out: std::collections::HashMap<i64, Vec<StoredItem>> = Default::default();
        for row in rows {
            out.entry(row.column_id).or_default().push(row);
        }
        Ok(out)
    }

    /// Stores posts of an account; returns how many were new.
    pub async fn upsert_account_posts(
        &self,
        account_id: i64,
        posts: &[NewPost],
        seen: DateTime<Utc>,
    ) -> Result<usize> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("storing account posts"))?;
            let mut new = 0;
            for post in posts {
                let inserted: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO account_posts (account_id, post_key, title, url, published_at, original, first_seen) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (account_id, post_key) DO NOTHING RETURNING id",
                )
                .bind(account_id)
                .bind(&post.post_key)
                .bind(&post.title)
                .bind(&post.url)
                .bind(post.published_at)
                .bind(post.original)
                .bind(seen)
                .fetch_optional(&mut *tx)
                .await
                .map_err(ctx("storing account posts"))?;
                new += usize::from(inserted.is_some());
            }
            tx.commit().await.map_err(ctx("storing account posts"))?;
            Ok(new)
        })
    }

    /// Records a probe; the same site and instant twice is one probe.
    pub async fn record_probe(&self, p: &ProbeRecord) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO probes (site_id, at, outcome, status, latency_ms, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (site_id, at) DO NOTHING",
            )
            .bind(p.site_id)
            .bind(p.at)
            .bind(p.outcome)
            .bind(p.status)
            .bind(p.latency_ms)
            .bind(&p.detail)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a probe"))?;
        Ok(())
    }

    /// Probes of a site in `[from, to]`, oldest first.
    pub async fn probes(
        &self,
        site_id: i64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ProbeRecord>> {
        let rows: Vec<ProbeRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT site_id, at, outcome, status, latency_ms, detail FROM probes \
                 WHERE site_id = $1 AND at >= $2 AND at <= $3 ORDER BY at",
            )
            .bind(site_id)
            .bind(from)
            .bind(to)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading probes"))?;
        Ok(rows.into_iter().map(ProbeRecord::from).collect())
    }
}
