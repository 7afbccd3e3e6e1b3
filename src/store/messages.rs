//! 政民互动: each read of a mailbox's list, and the messages (crawled letters and
//! imported records) keyed by (channel, number). A message is written whole: the crawl
//! and the import decide what it says (see `cycle::mailboxes` and
//! `catalog::import::messages`), the store only keeps it. A later write of the same key
//! replaces it; messages missing from a later read or import are kept.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{BeginWrite, Result, Store, ctx, on_pool};
use crate::observe::{CrawlOutcome, Message};

/// One read of a mailbox's list.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MailboxRead {
    pub mailbox_id: i64,
    pub at: DateTime<Utc>,
    pub outcome: CrawlOutcome,
    pub status: Option<i64>,
    pub detail: Option<String>,
    pub letters_found: i64,
    pub pages: i64,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    channel: String,
    number: String,
    mailbox_id: Option<i64>,
    title: Option<String>,
    url: Option<String>,
    unit: Option<String>,
    category: Option<String>,
    status: Option<String>,
    withdrawn: bool,
    received_on: NaiveDate,
    received_known: bool,
    answered_on: Option<NaiveDate>,
    answered_estimated: bool,
    deadline_on: Option<NaiveDate>,
    reworked: bool,
    page_read: bool,
    row_ref: Option<String>,
}

impl From<MessageRow> for Message {
    fn from(r: MessageRow) -> Message {
        Message {
            channel: r.channel,
            number: r.number,
            mailbox_id: r.mailbox_id,
            title: r.title,
            url: r.url,
            unit: r.unit,
            category: r.category,
            status: r.status,
            withdrawn: r.withdrawn,
            received_on: r.received_on,
            received_known: r.received_known,
            answered_on: r.answered_on,
            answered_estimated: r.answered_estimated,
            deadline_on: r.deadline_on,
            reworked: r.reworked,
            page_read: r.page_read,
            row_ref: r.row_ref,
        }
    }
}

const COLUMNS: &str = "channel, number, mailbox_id, title, url, unit, category, status, withdrawn, \
     received_on, received_known, answered_on, answered_estimated, deadline_on, reworked, \
     page_read, row_ref";

/// What writing messages did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessagesWritten {
    pub added: usize,
    pub updated: usize,
}

impl Store {
    pub async fn record_mailbox_read(&self, r: &MailboxRead) -> Result<()> {
        on_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO mailbox_reads (mailbox_id, at, outcome, status, detail, letters_found, pages) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (mailbox_id, at) DO NOTHING",
            )
            .bind(r.mailbox_id)
            .bind(r.at)
            .bind(r.outcome)
            .bind(r.status)
            .bind(&r.detail)
            .bind(r.letters_found)
            .bind(r.pages)
            .execute(pool)
            .await
            .map(|_| ())
        })
        .map_err(ctx("recording a mailbox read"))
    }

    /// The latest `per_mailbox` reads of every mailbox at or before `until`, newest first.
    pub async fn recent_mailbox_reads(
        &self,
        per_mailbox: usize,
        until: DateTime<Utc>,
    ) -> Result<HashMap<i64, Vec<MailboxRead>>> {
        let rows: Vec<MailboxRead> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT mailbox_id, at, outcome, status, detail, letters_found, pages \
                 FROM mailbox_reads WHERE at <= $1 ORDER BY mailbox_id, at DESC",
            )
            .bind(until)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading mailbox reads"))?;
        let mut map: HashMap<i64, Vec<MailboxRead>> = HashMap::new();
        for row in rows {
            let list = map.entry(row.mailbox_id).or_default();
            if list.len() < per_mailbox {
                list.push(row);
            }
        }
        Ok(map)
    }

    /// Writes messages whole, in one transaction: new keys are added, known ones replaced.
    pub async fn upsert_messages(
        &self,
        messages: &[Message],
        at: DateTime<Utc>,
    ) -> Result<MessagesWritten> {
        let sql = format!(
            "INSERT INTO messages ({COLUMNS}, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) \
             ON CONFLICT (channel, number) DO UPDATE SET mailbox_id = excluded.mailbox_id, \
             title = excluded.title, url = excluded.url, unit = excluded.unit, \
             category = excluded.category, status = excluded.status, withdrawn = excluded.withdrawn, \
             received_on = excluded.received_on, received_known = excluded.received_known, \
             answered_on = excluded.answered_on, answered_estimated = excluded.answered_estimated, \
             deadline_on = excluded.deadline_on, reworked = excluded.reworked, \
             page_read = excluded.page_read, row_ref = excluded.row_ref, last_seen = excluded.last_seen"
        );
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("writing messages"))?;
            let mut written = MessagesWritten::default();
            for m in messages {
                let known: Option<(i64,)> =
                    sqlx::query_as("SELECT id FROM messages WHERE channel = $1 AND number = $2")
                        .bind(&m.channel)
                        .bind(&m.number)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err(ctx("reading a message"))?;
                sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                    .bind(&m.channel)
                    .bind(&m.number)
                    .bind(m.mailbox_id)
                    .bind(&m.title)
                    .bind(&m.url)
                    .bind(&m.unit)
                    .bind(&m.category)
                    .bind(&m.status)
                    .bind(m.withdrawn)
                    .bind(m.received_on)
                    .bind(m.received_known)
                    .bind(m.answered_on)
                    .bind(m.answered_estimated)
                    .bind(m.deadline_on)
                    .bind(m.reworked)
                    .bind(m.page_read)
                    .bind(&m.row_ref)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("writing a message"))?;
                if known.is_some() {
                    written.updated += 1;
                } else {
                    written.added += 1;
                }
            }
            tx.commit().await.map_err(ctx("writing messages"))?;
            Ok(written)
        })
    }

    /// Every message of a channel, by number.
    pub async fn messages_of(&self, channel: &str) -> Result<HashMap<String, Message>> {
        let sql = format!("SELECT {COLUMNS} FROM messages WHERE channel = $1");
        let rows: Vec<MessageRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(channel).fetch_all(pool).await
        })
        .map_err(ctx("reading a channel's messages"))?;
        Ok(rows
            .into_iter()
            .map(|r| (r.number.clone(), Message::from(r)))
            .collect())
    }

    /// Every message first seen at or before `until`, by channel and number.
    pub async fn messages(&self, until: DateTime<Utc>) -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE first_seen <= $1 ORDER BY channel, received_on, number"
        );
        let rows: Vec<MessageRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(until).fetch_all(pool).await
        })
        .map_err(ctx("reading messages"))?;
        Ok(rows.into_iter().map(Message::from).collect())
    }
}
