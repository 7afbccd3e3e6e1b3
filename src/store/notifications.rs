//! What the weekly email did, one row per (period, recipient address): the record that
//! makes delivery exactly-once. A message is recorded before it is sent, with the path of
//! its .eml file in the outbox; a later run retries what is still queued from that file,
//! never re-sends what is sent, and never composes a second message for a recorded pair.

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

use super::{Result, Store, StoreError, ctx, on_pool};

/// Where a recorded message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationStatus {
    /// Written to the outbox only: no SMTP server is configured.
    Outbox,
    /// Waiting for SMTP: not tried yet, or the server was down or answered "try later".
    Queued,
    /// Accepted by the SMTP server.
    Sent,
}

impl NotificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outbox => "outbox",
            Self::Queued => "queued",
            Self::Sent => "sent",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "outbox" => Self::Outbox,
            "queued" => Self::Queued,
            "sent" => Self::Sent,
            _ => return None,
        })
    }
}

impl fmt::Display for NotificationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// The ISO week, e.g. `2020-W02`.
    pub period: String,
    /// One email address.
    pub recipient: String,
    pub subject: String,
    pub status: NotificationStatus,
    pub eml_path: Option<String>,
}

/// A recorded message.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRecord {
    pub id: i64,
    pub period: String,
    pub recipient: String,
    pub subject: String,
    pub status: NotificationStatus,
    pub eml_path: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    period: String,
    recipient: String,
    subject: String,
    status: String,
    eml_path: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    attempts: i64,
    last_error: Option<String>,
}

impl TryFrom<Row> for NotificationRecord {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self> {
        let status = NotificationStatus::parse(&r.status).ok_or_else(|| StoreError::Data {
            context: "reading notifications",
            detail: format!(
                "unknown status `{}` for {} {}",
                r.status, r.period, r.recipient
            ),
        })?;
        Ok(NotificationRecord {
            id: r.id,
            period: r.period,
            recipient: r.recipient,
            subject: r.subject,
            status,
            eml_path: r.eml_path,
            created_at: r.created_at,
            sent_at: r.sent_at,
            attempts: r.attempts,
            last_error: r.last_error,
        })
    }
}

const COLUMNS: &str =
    "id, period, recipient, subject, status, eml_path, created_at, sent_at, attempts, last_error";

impl Store {
    /// Records a composed message and returns its id, or `None`, changing nothing, when
    /// a message for the same period and recipient is already recorded.
    pub async fn record_notification(
        &self,
        n: &NewNotification,
        at: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO notifications (period, recipient, subject, status, eml_path, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (period, recipient) DO NOTHING RETURNING id",
            )
            .bind(&n.period)
            .bind(&n.recipient)
            .bind(&n.subject)
            .bind(n.status.as_str())
            .bind(&n.eml_path)
            .bind(at)
            .fetch_optional(pool)
            .await
        })
        .map_err(ctx("recording a notification"))
    }

    /// The message recorded for `period` and `recipient`, if any.
    pub async fn notification(
        &self,
        period: &str,
        recipient: &str,
    ) -> Result<Option<NotificationRecord>> {
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM notifications WHERE period = $1 AND recipient = $2"
            )))
            .bind(period)
            .bind(recipient)
            .fetch_optional(pool)
            .await
        })
        .map_err(ctx("reading a notification"))?;
        row.map(TryInto::try_into).transpose()
    }

    /// Every recorded message, of one period or all, oldest first.
    pub async fn notifications(&self, period: Option<&str>) -> Result<Vec<NotificationRecord>> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            match period {
                Some(p) => sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM notifications WHERE period = $1 ORDER BY id"
                )))
                .bind(p)
                .fetch_all(pool)
                .await,
                None => sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM notifications ORDER BY id"
                )))
                .fetch_all(pool)
                .await,
            }
        })
        .map_err(ctx("listing notifications"))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Messages waiting for SMTP, of any period, oldest first.
    pub async fn queued_notifications(&self) -> Result<Vec<NotificationRecord>> {
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM notifications WHERE status = 'queued' ORDER BY id"
            )))
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("listing queued notifications"))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The SMTP server accepted the message: counts the attempt and marks it sent.
    pub async fn notification_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE notifications SET status = 'sent', sent_at = $2, attempts = attempts + 1, \
                 last_error = NULL WHERE id = $1 AND status <> 'sent'",
            )
            .bind(id)
            .bind(at)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("marking a notification sent"))?;
        Ok(())
    }

    /// A delivery attempt failed: counts it and keeps the error; the message stays
    /// queued for the next run. Nothing is given up on by itself: a message refused for
    /// good stays visible with its error until the operator fixes the address or the
    /// SMTP settings.
    pub async fn notification_failed(&self, id: i64, error: &str) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "UPDATE notifications SET status = 'queued', attempts = attempts + 1, last_error = $2 \
                 WHERE id = $1 AND status <> 'sent'",
            )
            .bind(id)
            .bind(error)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a failed notification"))?;
        Ok(())
    }
}
