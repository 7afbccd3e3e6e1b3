//! The records fetch, sources and the cycle hand to the store: what was observed, in
//! the form it is appended. Plain data; the store keys and writes them.

use chrono::{DateTime, NaiveDate, Utc};

use super::ReadOutcome;

/// What a request is for; stored with each attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum Purpose {
    Column,
    Item,
    Home,
    Probe,
    Link,
    Account,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// One HTTP request and how it ended, classified by the fetcher.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchAttempt {
    pub url: String,
    /// host:port
    pub host: String,
    pub purpose: Purpose,
    /// The catalog key of what was fetched, if any.
    pub subject_key: Option<String>,
    pub at: DateTime<Utc>,
    pub duration_ms: i64,
    /// `ok` or a failure class (dns, connect, tls, timeout, http, too_large, redirect_loop,
    /// decode, blocked).
    pub outcome: ReadOutcome,
    pub status: Option<i64>,
    pub detail: Option<String>,
    pub charset: Option<String>,
    pub charset_source: Option<String>,
    pub bytes: Option<i64>,
}

/// An item seen on a column's list page.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub url: String,
    pub title: String,
    pub published_on: Option<NaiveDate>,
    /// Where the date came from: `list`, `url`, `page`.
    pub date_source: Option<String>,
}

/// A post of a new-media account.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPost {
    /// The post's id at its source, or its URL.
    pub post_key: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published_at: DateTime<Utc>,
    /// Original (not a repost), where the source tells.
    pub original: Option<bool>,
}

/// One availability probe of a site's home page.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRecord {
    pub site_id: i64,
    pub at: DateTime<Utc>,
    /// `ok`, `blocked` or another failure class.
    pub outcome: ReadOutcome,
    pub status: Option<i64>,
    pub latency_ms: Option<i64>,
    pub detail: Option<String>,
}
