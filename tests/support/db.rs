//! Fresh databases for tests: a SQLite file in a temporary directory, or a new database
//! on the PostgreSQL server named by `GOVWATCH_TEST_POSTGRES_URL` (started by
//! `scripts/test.sh`). With `CI=true` a missing PostgreSQL fails the test instead of
//! skipping it, so CI never passes without having tested both backends.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use govwatch::store::Store;
use sqlx::Connection;

/// Keeps the SQLite directory alive as long as the test holds it; a PostgreSQL test
/// database is dropped with it, so a whole run's databases never pile up on the server's
/// disk.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    /// The server's admin URL and the database's name, for a PostgreSQL test database.
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its
        // own with a runtime of its own drops the database. FORCE ends the connections the
        // test's pool may still hold. Best effort: the server goes away at the end of the
        // run anyway.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin).await.ok()?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await
                .ok()?;
                conn.close().await.ok()
            })
        });
        let _ = dropped.join();
    }
}

impl TestDb {
    pub async fn store(&self) -> Store {
        Store::open(&self.url)
            .await
            .expect("open the test database")
    }
}

pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("govwatch.db").display());
    TestDb {
        url,
        _dir: Some(dir),
        pg: None,
    }
}

/// A new, empty PostgreSQL database; `None` (with a note) outside CI when no server is
/// configured.
pub async fn postgres() -> Option<TestDb> {
    let admin = match std::env::var("GOVWATCH_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!(
                    "CI=true but GOVWATCH_TEST_POSTGRES_URL is not set: run the tests with `bash scripts/test.sh`"
                );
            }
            eprintln!(
                "skipped: GOVWATCH_TEST_POSTGRES_URL is not set (`bash scripts/test.sh` starts a PostgreSQL)"
            );
            return None;
        }
    };
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "gw_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {admin}: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("GOVWATCH_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(TestDb {
        url: url.to_string(),
        _dir: None,
        pg: Some((admin, name)),
    })
}

/// The whole database as text: the SQLite file (and its WAL) as bytes, or every row of
/// every PostgreSQL table cast to text.
pub async fn database_text(url: &str) -> String {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let mut out = String::new();
        for suffix in ["", "-wal"] {
            if let Ok(bytes) = std::fs::read(format!("{path}{suffix}")) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
        return out;
    }
    use sqlx::{Connection, Row};
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut out = String::new();
    for t in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT t::text FROM \"{t}\" t"
        )))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        for r in rows {
            out.push_str(&r.get::<String, _>(0));
            out.push('\n');
        }
    }
    out
}

/// Generates `sqlite::NAME` and `postgres::NAME` tests from `async fn NAME(Store)`, so
/// one suite runs on both backends.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::support::db::sqlite();
                    super::$name(db.store().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::support::db::postgres().await else { return };
                    super::$name(db.store().await).await;
                }
            )*
        }
    };
}

/// As [`on_both_databases`], for tests that need the database's URL (to run the binary
/// or the demo on it): `async fn NAME(String)`.
#[macro_export]
macro_rules! on_both_databases_with_url {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let db = $crate::support::db::sqlite();
                    super::$name(db.url.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let Some(db) = $crate::support::db::postgres().await else { return };
                    super::$name(db.url.clone()).await;
                }
            )*
        }
    };
}
