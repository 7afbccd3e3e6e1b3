//! The store: every observation and finding, in SQLite (the embedded default) or
//! PostgreSQL, behind one API with the same behaviour on both.
//!
//! SQL is written once, with `$1` placeholders that both databases accept, and run on
//! whichever pool is open ([`on_pool!`]). Each backend has its own migrations under
//! `migrations/`. Writes are idempotent: every table has a natural unique key and writes
//! are upserts, so a rerun or a resumed run never duplicates a row. `sqlx::Error` never
//! leaves this module: callers see [`StoreError`], and nothing above the store knows which
//! database runs. The store records; it never decides what is a problem.

mod catalog;
mod findings;
mod jobs;
mod links;
mod listings;
mod notifications;
mod observations;
mod pacing;
mod reads;
mod work;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use catalog::{CatalogIds, SyncReport};
pub use findings::{FindingFilter, FindingRecord, NewFinding, Reconciled, Scope};
pub use jobs::JobOutcome;
pub use links::{LinkCheck, LinkSource, is_broken};
pub use listings::{ListedRow, ListingReplaced};
pub use notifications::{NewNotification, NotificationRecord, NotificationStatus};
pub use observations::{FetchAttempt, NewItem, NewPost, ProbeRecord, StoredItem};
pub use reads::{AccountCheck, ColumnCrawl, CredentialProblem, HomeRead, PageValidators};
pub use work::{Enqueued, Finished, Lease, NewWork, RunRow, WorkJob};

/// Errors of the store layer, with what to do where there is something to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database URL `{url}` is not understood: {reason}\n  use sqlite://path/to/govwatch.db or postgres://user:password@host:5432/dbname"
    )]
    BadUrl { url: String, reason: String },
    #[error(
        "cannot open the database {url}: {source}\n  check that the server runs and the URL (--database or GOVWATCH_DATABASE_URL) is right"
    )]
    Connect {
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed on {url}: {source}")]
    Migrate {
        url: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("database error while {context}: {source}")]
    Query {
        context: &'static str,
        #[source]
        source: sqlx::Error,
    },
    #[error("stored data could not be read while {context}: {detail}")]
    Data {
        context: &'static str,
        detail: String,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a sqlx error to [`StoreError::Query`] with what the store was doing.
pub(crate) fn ctx(context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { context, source }
}

#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle to the database; cheap to clone (pools are shared).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    url: String,
}

/// Runs `$body` with `$pool` bound to whichever pool is open. The body is compiled once
/// per backend, so the same SQL text and binds serve both.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            $crate::store::Backend::Sqlite($pool) => $body,
            $crate::store::Backend::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

impl Kind {
    pub fn of(url: &str) -> Option<Kind> {
        if url.starts_with("sqlite:") {
            Some(Kind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Kind::Postgres)
        } else {
            None
        }
    }
}

impl Store {
    /// Opens the database (creating a SQLite file if missing) and runs migrations.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        let shown = redact(url);
        let backend = match Kind::of(url) {
            Some(Kind::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| StoreError::BadUrl {
                        url: shown.clone(),
                        reason: e.to_string(),
                    })?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30))
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .map_err(|source| StoreError::Connect {
                        url: shown.clone(),
                        source,
                    })?;
                Backend::Sqlite(pool)
            }
            Some(Kind::Postgres) => {
                let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
                    url: shown.clone(),
                    reason: e.to_string(),
                })?;
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(|source| StoreError::Connect {
                        url: shown.clone(),
                        source,
                    })?;
                Backend::Postgres(pool)
            }
            None => {
                return Err(StoreError::BadUrl {
                    url: shown,
                    reason: "it starts with neither sqlite: nor postgres://".into(),
                });
            }
        };
        Ok(Store {
            backend,
            url: shown,
        })
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        let result = match &self.backend {
            Backend::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Backend::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        };
        result.map_err(|source| StoreError::Migrate {
            url: self.url.clone(),
            source,
        })
    }

    pub fn kind(&self) -> Kind {
        match self.backend {
            Backend::Sqlite(_) => Kind::Sqlite,
            Backend::Postgres(_) => Kind::Postgres,
        }
    }

    /// The URL with any password hidden, for messages.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Closes the pool, waiting for connections to return.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// Hides the password of a database URL.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_show_in_urls() {
        assert_eq!(
            super::redact("postgres://gw:s3cret@db:5432/govwatch"),
            "postgres://gw:***@db:5432/govwatch"
        );
        assert_eq!(
            super::redact("sqlite://govwatch.db"),
            "sqlite://govwatch.db"
        );
    }
}
