//! What the group-chat robots were sent (`[[notify.webhook]]`): one row per message, in
//! the shape of the weekly email's `notifications` (queued, sent, attempts, last error),
//! the events each message tells, and how far each robot's changes were looked at.
//!
//! A message is recorded with its events in one transaction before it is posted: an
//! event already told to the robot makes the whole record a no-op, so an event is never
//! composed twice. A queued message is retried from its stored body; a sent one is never
//! posted again. Robots are named by the caller (never by their URL, which is a secret).

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{BeginWrite, Result, Store, StoreError, ctx, on_pool};
use crate::store::NotificationStatus;

/// A recorded robot message.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookMessage {
    pub id: i64,
    pub robot: String,
    pub subject: String,
    /// The JSON posted.
    pub body: String,
    /// `Queued` or `Sent` (robots have no outbox).
    pub status: NotificationStatus,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    robot: String,
    subject: String,
    body: String,
    status: String,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    attempts: i64,
    last_error: Option<String>,
}

impl TryFrom<Row> for WebhookMessage {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self> {
        let status = NotificationStatus::parse(&r.status).ok_or_else(|| StoreError::Data {
            context: "reading webhook messages",
            detail: format!("unknown status `{}` for message {}", r.status, r.id),
        })?;
        Ok(WebhookMessage {
            id: r.id,
            robot: r.robot,
            subject: r.subject,
            body: r.body,
            status,
            created_at: r.created_at,
            sent_at: r.sent_at,
            attempts: r.attempts,
            last_error: r.last_error,
        })
    }
}

const COLUMNS: &str = "id, robot, subject, body, status, created_at, sent_at, attempts, last_error";

impl Store {
    /// Of `keys`, the events already told to `robot` (recorded with a message).
    pub async fn webhook_events_told(
        &self,
        robot: &str,
        keys: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        let mut told = std::collections::HashSet::new();
        for chunk in keys.chunks(500) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT event_key FROM webhook_events WHERE robot = $1 AND event_key IN ({})",
                placeholders.join(", ")
            );
            let rows: Vec<String> = on_pool!(self, pool => {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql.clone())).bind(robot);
                for k in chunk {
                    q = q.bind(k);
                }
                q.fetch_all(pool).await
            })
            .map_err(ctx("reading the events told to a robot"))?;
            told.extend(rows);
        }
        Ok(told)
    }

    /// Records a queued message for `robot` telling `events`, and returns its id; or
    /// `None`, changing nothing, when one of the events was told to the robot already.
    pub async fn record_webhook_message(
        &self,
        robot: &str,
        subject: &str,
        body: &str,
        events: &[String],
        at: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        const WHAT: &str = "recording a webhook message";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx(WHAT))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO webhook_messages (robot, subject, body, status, created_at) \
                 VALUES ($1, $2, $3, 'queued', $4) RETURNING id",
            )
            .bind(robot)
            .bind(subject)
            .bind(body)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(ctx(WHAT))?;
            for key in events {
                let inserted = sqlx::query(
                    "INSERT INTO webhook_events (robot, event_key, message_id) VALUES ($1, $2, $3) \
                     ON CONFLICT (robot, event_key) DO NOTHING",
                )
                .bind(robot)
                .bind(key)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(ctx(WHAT))?
                .rows_affected();
                if inserted == 0 {
                    tx.rollback().await.map_err(ctx(WHAT))?;
                    return Ok(None);
                }
            }
            tx.commit().await.map_err(ctx(WHAT))?;
            Ok::<_, StoreError>(Some(id))
        })
    }

    /// The events a message tells.
    pub async fn webhook_message_events(&self, id: i64) -> Result<Vec<String>> {
        on_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT event_key FROM webhook_events WHERE message_id = $1 ORDER BY event_key",
            )
            .bind(id)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading the events of a webhook message"))
    }

    /// Messages of `robot` waiting to be posted, oldest first.
    pub async fn queued_webhook_messages(&self, robot: &str) -> Result<Vec<WebhookMessage>> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM webhook_messages WHERE robot = $1 AND status = 'queued' ORDER BY id"
            )))
            .bind(robot)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("listing queued webhook messages"))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every recorded message, of one robot or all, oldest first.
    pub async fn webhook_messages(&self, robot: Option<&str>) -> Result<Vec<WebhookMessage>> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            match robot {
                Some(r) => sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM webhook_messages WHERE robot = $1 ORDER BY id"
                )))
                .bind(r)
                .fetch_all(pool)
                .await,
                None => sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM webhook_messages ORDER BY id"
                )))
                .fetch_all(pool)
                .await,
            }
        })
        .map_err(ctx("listing webhook messages"))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The robot took the message: counts the attempt and marks it sent.
    pub async fn webhook_message_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE webhook_messages SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
                 last_error = NULL WHERE id = $1 AND status <> 'sent'",
            )
            .bind(id)
            .bind(at)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("marking a webhook message sent"))
    }

    /// A post failed (or was not tried, `counted` false): keeps the error; the message
    /// stays queued for the next run.
    pub async fn webhook_message_failed(&self, id: i64, error: &str, counted: bool) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE webhook_messages SET attempts = attempts + $3, last_error = $2 \
                 WHERE id = $1 AND status <> 'sent'",
            )
            .bind(id)
            .bind(error)
            .bind(i64::from(counted))
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a failed webhook message"))
    }

    /// The instant up to which `robot`'s changes were looked at, if ever.
    pub async fn webhook_cursor(&self, robot: &str) -> Result<Option<DateTime<Utc>>> {
        on_pool!(self, pool => {
            sqlx::query_scalar("SELECT through FROM webhook_cursors WHERE robot = $1")
                .bind(robot)
                .fetch_optional(pool)
                .await
        })
        .map_err(ctx("reading a robot's cursor"))
    }

    /// Moves `robot`'s cursor forward to `through` (never back: a replay of an earlier
    /// day does not make a later one's changes new again).
    pub async fn advance_webhook_cursor(&self, robot: &str, through: DateTime<Utc>) -> Result<()> {
        const WHAT: &str = "moving a robot's cursor";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx(WHAT))?;
            let current: Option<DateTime<Utc>> =
                sqlx::query_scalar("SELECT through FROM webhook_cursors WHERE robot = $1")
                    .bind(robot)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(ctx(WHAT))?;
            match current {
                Some(c) if c >= through => {}
                Some(_) => {
                    sqlx::query("UPDATE webhook_cursors SET through = $2 WHERE robot = $1")
                        .bind(robot)
                        .bind(through)
                        .execute(&mut *tx)
                        .await
                        .map_err(ctx(WHAT))?;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO webhook_cursors (robot, through) VALUES ($1, $2) \
                         ON CONFLICT (robot) DO NOTHING",
                    )
                    .bind(robot)
                    .bind(through)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx(WHAT))?;
                }
            }
            tx.commit().await.map_err(ctx(WHAT))?;
            Ok::<_, StoreError>(())
        })
    }
}
