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
mod codes;
mod content;
mod dismissals;
mod finding_pages;
mod findings;
mod links;
mod listings;
mod messages;
mod notifications;
mod observations;
mod pacing;
mod reads;
mod users;
mod webhooks;
mod work;

use std::str::FromStr;
use std::time::Duration;

use sqlx::ConnectOptions;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use catalog::{CatalogIds, SyncReport};
pub use content::{NewPageScan, PageRead, PageScanRow, PageScanWrite, ScanDigest};
pub use dismissals::DismissError;
pub use finding_pages::{
    Dismissed, EpisodeDays, FindingPage, FindingQuery, ListOrder, OpenByKind, OpenCounts,
    OpenUnits, Standing, Visibility,
};
pub use findings::{FindingFilter, FindingRecord, NewFinding, Reconciled, Scope};
pub use links::{LinkCheck, LinkPageState, LinkResult, LinkSeen, LinkSource, NewLinkSource};
pub use listings::{ListedRow, ListingReplaced};
pub use messages::{MailboxRead, MessagesWritten};
pub use notifications::{NewNotification, NotificationRecord, NotificationStatus};
pub use observations::StoredItem;
pub use reads::{
    AccountCheck, ColumnCrawl, ColumnCrawlEnd, CredentialProblem, HomeRead, PageValidators,
    StoredColumn,
};
// The records the store appends are observe's; these paths keep working.
pub use crate::observe::{FetchAttempt, NewItem, NewPost, ProbeRecord};
pub use users::{Credentials, FindingAction, Role, Session, User, UserError};
pub use webhooks::WebhookMessage;
pub use work::{Enqueued, Finished, Lease, NewWork, RunRow, WorkJob};

/// Errors of the store layer, with what to do where there is something to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database URL `{url}` is not understood: {reason}\n  use sqlite://path/to/govwatch.db or postgres://user:password@host:5432/dbname"
    )]
    BadUrl { url: String, reason: String },
    /// The database could not be opened; `reason` is the underlying cause in a few
    /// words and `hint` what to do (both said once: this variant keeps no source chain).
    #[error("cannot open the database {url}: {reason}\n  {hint}")]
    Connect {
        url: String,
        reason: String,
        hint: String,
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

/// Begins a transaction that may write. Every store transaction that may write begins
/// through this, never through `begin()`.
///
/// On SQLite it is `BEGIN IMMEDIATE`, which takes the write lock at once (waiting the busy
/// timeout for it). A deferred `BEGIN` that reads first holds a read snapshot, and in WAL
/// mode SQLite refuses to upgrade it to a writer when another connection wrote since:
/// `database is locked` at once, whatever the busy timeout. On PostgreSQL it is a plain
/// `BEGIN`: rows are locked as they are written.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, Self::Db>, sqlx::Error>;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

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
                check_sqlite_folder(options.get_filename(), &shown)?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Connect {
                        url: shown.clone(),
                        reason: innermost(&e),
                        hint: "check that the file can be created and written there, \
                               or choose another path with --database or GOVWATCH_DATABASE_URL"
                            .into(),
                    })?;
                Backend::Sqlite(pool)
            }
            Some(Kind::Postgres) => {
                let options = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
                    url: shown.clone(),
                    reason: e.to_string(),
                })?;
                // One connection first, with a short timeout: a pool retries a refused
                // connection until its acquire timeout and then says only "pool timed
                // out"; a single connection says what is wrong at once.
                let pg_hint = "check that PostgreSQL runs and accepts connections there, \
                               and that the URL (--database or GOVWATCH_DATABASE_URL) is right";
                let first = tokio::time::timeout(PG_CONNECT_TIMEOUT, options.connect()).await;
                match first {
                    Ok(Ok(conn)) => {
                        let _ = sqlx::Connection::close(conn).await;
                    }
                    Ok(Err(e)) => {
                        return Err(StoreError::Connect {
                            url: shown,
                            reason: innermost(&e),
                            hint: pg_hint.into(),
                        });
                    }
                    Err(_) => {
                        return Err(StoreError::Connect {
                            url: shown,
                            reason: format!("no answer within {} s", PG_CONNECT_TIMEOUT.as_secs()),
                            hint: pg_hint.into(),
                        });
                    }
                }
                let pool = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(options)
                    .await
                    .map_err(|e| StoreError::Connect {
                        url: shown.clone(),
                        reason: innermost(&e),
                        hint: pg_hint.into(),
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

/// How long the first connection to PostgreSQL may take before govwatch gives up.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Says plainly why a SQLite file cannot be opened where its folder is the cause:
/// SQLite itself only answers "unable to open database file".
fn check_sqlite_folder(file: &std::path::Path, url: &str) -> Result<()> {
    let text = file.to_string_lossy();
    if text.is_empty() || text == ":memory:" || text.starts_with("file:") {
        return Ok(());
    }
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let problem = match std::fs::metadata(&folder) {
        Err(_) => Some(format!("the folder {} does not exist", folder.display())),
        Ok(m) if !m.is_dir() => Some(format!("{} is not a folder", folder.display())),
        Ok(m) if m.permissions().readonly() && !file.exists() => {
            Some(format!("the folder {} is not writable", folder.display()))
        }
        Ok(_) => None,
    };
    match problem {
        None => Ok(()),
        Some(reason) => Err(StoreError::Connect {
            url: url.to_string(),
            reason,
            hint: "create the folder, or choose another path with --database or \
                   GOVWATCH_DATABASE_URL (e.g. sqlite://govwatch.db)"
                .into(),
        }),
    }
}

/// The deepest cause of a sqlx error, in its own words ("Connection refused (os error
/// 111)"), without the wrappers' repetitions.
fn innermost(e: &sqlx::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = cause.to_string();
    match e {
        sqlx::Error::PoolTimedOut => "no connection within the time allowed".into(),
        _ if text.is_empty() => e.to_string(),
        _ => text,
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
