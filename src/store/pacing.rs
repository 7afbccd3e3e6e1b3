//! The book of platform starts (`platform_pacing`): when the next request to a platform
//! source (Weibo, the WeChat backend) may start, kept in the database so that every
//! worker on it keeps `[sources.*] min_interval_s`, not only each worker alone.
//!
//! Booking a start is one upsert on both databases: the row's next start moves to
//! `max(next start, now) + interval` and the statement returns the booked start, so two
//! workers booking at once get starts at least `interval` apart (PostgreSQL locks the
//! row for the upsert; SQLite serialises writers). The fetcher's politeness waits for the
//! start; the store only books it. Times are the workers' clocks, as for job leases: keep
//! the machines' clocks in sync (NTP).

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Backend, Result, Store, StoreError, ctx, on_pool};

impl Store {
    /// Books the first start of a request to `platform` at or after `now` that is at
    /// least `interval` after the start booked before it (by any worker), and returns it.
    pub async fn reserve_platform_slot(
        &self,
        platform: &str,
        interval: Duration,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>> {
        let interval_ms = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX / 2);
        let greatest = match self.backend {
            Backend::Sqlite(_) => "max",
            Backend::Postgres(_) => "GREATEST",
        };
        let start_ms: i64 = on_pool!(self, pool => {
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "INSERT INTO platform_pacing (platform, next_at_ms) VALUES ($1, $2 + $3) \
                 ON CONFLICT (platform) DO UPDATE \
                 SET next_at_ms = {greatest}(platform_pacing.next_at_ms, $2) + $3 \
                 RETURNING next_at_ms - $3"
            )))
            .bind(platform)
            .bind(now.timestamp_millis())
            .bind(interval_ms)
            .fetch_one(pool)
            .await
        })
        .map_err(ctx("booking a platform's next request"))?;
        DateTime::from_timestamp_millis(start_ms).ok_or_else(|| StoreError::Data {
            context: "booking a platform's next request",
            detail: format!("platform_pacing.next_at_ms of {platform} is out of range"),
        })
    }
}
