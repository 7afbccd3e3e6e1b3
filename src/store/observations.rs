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
const ATTEMPT_ROWS: usize = 500;

impl Store {
    pub async fn record_fetch_attempt(&self, a: &FetchAttempt) -> Result<()> {
        self.record_fetch_attempts(std::slice::from_ref(a)).await
    }

    /// Stores many fetch attempts at once: multi-row inserts of [`ATTEMPT_ROWS`] rows,
    /// all in one transaction (a crash leaves all of them or none). An attempt already
    /// stored (same URL, purpose and instant) is left as it is.
    pub async fn record_fetch_attempts(&self, attempts: &[FetchAttempt]) -> Result<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("recording fetch attempts"))?;
            for chunk in attempts.chunks(ATTEMPT_ROWS) {
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
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("recording fetch attempts"))?;
            }
            tx.commit().await.map_err(ctx("recording fetch attempts"))
        })
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
            let mut new = 0;
            for item in items {
                let inserted: Option<(i64,)> = sqlx::query_as(
                    "INSERT INTO column_items (column_id, url, title, published_on, date_source, first_seen, last_seen) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) \
                     ON CONFLICT (column_id, url) DO NOTHING RETURNING id",
                )
                .bind(column_id)
                .bind(&item.url)
                .bind(&item.title)
                .bind(item.published_on)
                .bind(&item.date_source)
                .bind(seen)
                .fetch_optional(&mut *tx)
                .await
                .map_err(ctx("storing column items"))?;
                if inserted.is_some() {
                    new += 1;
                    continue;
                }
                sqlx::query(
                    "UPDATE column_items SET \
                     last_seen = CASE WHEN last_seen < $3 THEN $3 ELSE last_seen END, \
                     first_seen = CASE WHEN first_seen > $3 THEN $3 ELSE first_seen END, \
                     published_on = COALESCE(published_on, $4), \
                     date_source = COALESCE(date_source, $5) \
                     WHERE column_id = $1 AND url = $2",
                )
                .bind(column_id)
                .bind(&item.url)
                .bind(seen)
                .bind(item.published_on)
                .bind(&item.date_source)
                .execute(&mut *tx)
                .await
                .map_err(ctx("storing column items"))?;
            }
            tx.commit().await.map_err(ctx("storing column items"))?;
            Ok(new)
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
