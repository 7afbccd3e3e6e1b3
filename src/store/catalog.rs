//! Mirrors the catalog into the database so observations and findings can refer to
//! units, sites, columns and accounts by id, and so history survives edits.
//!
//! An entry is identified by its key (a column by URL or `id`, an account by platform
//! and source or `id`): a renamed entry keeps its id and its history. An entry that goes
//! away is marked removed, never deleted; it comes back with its history if re-added.
//! Every change is written to `catalog_changes`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::{BeginWrite, Result, Store, ctx, on_pool};
use crate::catalog::Catalog;

/// What a sync changed, per entity.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
    pub restored: Vec<String>,
}

impl SyncReport {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.changed.is_empty()
            && self.removed.is_empty()
            && self.restored.is_empty()
    }
}

/// Database ids of the catalog's current entries, by key.
#[derive(Debug, Default, Clone)]
pub struct CatalogIds {
    pub units: HashMap<String, i64>,
    pub sites: HashMap<String, i64>,
    pub columns: HashMap<String, i64>,
    pub accounts: HashMap<String, i64>,
    pub mailboxes: HashMap<String, i64>,
}

enum Val {
    Text(Option<String>),
    Int(Option<i64>),
}

/// One catalog entry as the table stores it.
struct CatalogRow {
    key: String,
    spec: String,
    /// Table-specific columns after `key`, in the table's order.
    values: Vec<(&'static str, Val)>,
}

/// Catalog rows written per statement: at most 9 values a row, well under both
/// databases' limits on bound values.
const CATALOG_ROWS_PER_STATEMENT: usize = 500;

struct Entity {
    table: &'static str,
    rows: Vec<CatalogRow>,
}

fn spec<T: serde::Serialize>(entry: &T) -> String {
    serde_json::to_string(entry).expect("catalog entries serialize")
}

fn text(s: &str) -> Val {
    Val::Text(Some(s.to_string()))
}

fn entities(catalog: &Catalog) -> Vec<Entity> {
    let units = catalog
        .units
        .iter()
        .map(|u| CatalogRow {
            key: u.key(),
            spec: spec(u),
            values: vec![
                ("name", text(&u.name)),
                ("level", Val::Text(u.level.clone())),
            ],
        })
        .collect();
    let sites = catalog
        .sites
        .iter()
        .map(|s| CatalogRow {
            key: s.key(),
            spec: spec(s),
            values: vec![
                ("name", text(&s.name)),
                ("url", text(s.url.as_str())),
                ("unit", Val::Text(s.unit.clone())),
            ],
        })
        .collect();
    let columns = catalog
        .columns
        .iter()
        .map(|c| CatalogRow {
            key: c.key(),
            spec: spec(c),
            values: vec![
                ("site", text(&c.site)),
                ("name", text(&c.name)),
                ("url", text(c.url.as_str())),
                ("class", text(c.class.as_str())),
                ("quota", Val::Int(c.quota.map(i64::from))),
                ("units", Val::Text(Some(spec(&c.units)))),
            ],
        })
        .collect();
    let accounts = catalog
        .accounts
        .iter()
        .map(|a| CatalogRow {
            key: a.key(),
            spec: spec(a),
            values: vec![
                ("name", text(&a.name)),
                ("unit", text(&a.unit)),
                ("platform", text(a.platform.as_str())),
                ("operator", Val::Text(a.operator.clone())),
                ("status", text(a.status.as_str())),
            ],
        })
        .collect();
    let mailboxes = catalog
        .mailboxes
        .iter()
        .map(|m| CatalogRow {
            key: m.key(),
            spec: spec(m),
            values: vec![
                ("site", text(&m.site)),
                ("name", text(&m.name)),
                ("url", text(m.url.as_str())),
                ("units", Val::Text(Some(spec(&m.units)))),
            ],
        })
        .collect();
    vec![
        Entity {
            table: "units",
            rows: units,
        },
        Entity {
            table: "sites",
            rows: sites,
        },
        Entity {
            table: "columns",
            rows: columns,
        },
        Entity {
            table: "accounts",
            rows: accounts,
        },
        Entity {
            table: "mailboxes",
            rows: mailboxes,
        },
    ]
}

impl Store {
    /// Makes the catalog tables match `catalog`, in one transaction.
    pub async fn sync_catalog(&self, catalog: &Catalog, at: DateTime<Utc>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let entities = entities(catalog);
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("starting the catalog sync"))?;
            for entity in &entities {
                let existing = sqlx::query(AssertSqlSafe(format!(
                    "SELECT key, spec, removed_at IS NOT NULL AS removed FROM {}",
                    entity.table
                )))
                .fetch_all(&mut *tx)
                .await
                .map_err(ctx("reading the stored catalog"))?;
                let mut stored: HashMap<String, (String, bool)> = HashMap::new();
                for row in existing {
                    let key: String = row.try_get("key").map_err(ctx("reading the stored catalog"))?;
                    let spec: String = row.try_get("spec").map_err(ctx("reading the stored catalog"))?;
                    let removed: bool = row.try_get("removed").map_err(ctx("reading the stored catalog"))?;
                    stored.insert(key, (spec, removed));
                }
                // What changed, written with multi-row statements (a county's thousands of
                // columns in a few statements, not two each).
                let mut changes: Vec<(&CatalogRow, &'static str)> = Vec::new();
                for row in &entity.rows {
                    let change = match stored.remove(&row.key) {
                        None => Some(("added", &mut report.added)),
                        Some((_, true)) => Some(("restored", &mut report.restored)),
                        Some((old, false)) if old != row.spec => Some(("changed", &mut report.changed)),
                        Some(_) => None,
                    };
                    let Some((change, list)) = change else { continue };
                    list.push(format!("{} {}", entity.table, row.key));
                    changes.push((row, change));
                }
                if let Some((first, _)) = changes.first() {
                    // Every row of a table has the same columns.
                    let names: Vec<&str> = first.values.iter().map(|(n, _)| *n).collect();
                    let updates: Vec<String> =
                        names.iter().map(|n| format!("{n} = excluded.{n}")).collect();
                    let head = format!(
                        "INSERT INTO {table} (key, spec, first_seen, updated_at, {names}) ",
                        table = entity.table,
                        names = names.join(", "),
                    );
                    let tail = format!(
                        " ON CONFLICT (key) DO UPDATE SET spec = excluded.spec, \
                         updated_at = excluded.updated_at, removed_at = NULL, {updates}",
                        updates = updates.join(", "),
                    );
                    for chunk in changes.chunks(CATALOG_ROWS_PER_STATEMENT) {
                        let mut q = sqlx::QueryBuilder::new(head.as_str());
                        q.push_values(chunk, |mut b, (row, _)| {
                            b.push_bind(&row.key).push_bind(&row.spec).push_bind(at).push_bind(at);
                            for (_, v) in &row.values {
                                match v {
                                    Val::Text(t) => b.push_bind(t),
                                    Val::Int(i) => b.push_bind(*i),
                                };
                            }
                        });
                        q.push(tail.as_str());
                        q.build().execute(&mut *tx).await.map_err(ctx("writing the catalog"))?;
                        let mut q = sqlx::QueryBuilder::new(
                            "INSERT INTO catalog_changes (entity, key, change, spec, at) ",
                        );
                        q.push_values(chunk, |mut b, (row, change)| {
                            b.push_bind(entity.table)
                                .push_bind(&row.key)
                                .push_bind(*change)
                                .push_bind(&row.spec)
                                .push_bind(at);
                        });
                        q.build().execute(&mut *tx).await.map_err(ctx("writing the catalog history"))?;
                    }
                }
                // What is left was stored but is no longer in the catalog.
                let mut gone: Vec<(String, bool)> =
                    stored.into_iter().map(|(k, (_, removed))| (k, removed)).collect();
                gone.sort();
                for (key, already_removed) in gone {
                    if already_removed {
                        continue;
                    }
                    report.removed.push(format!("{} {key}", entity.table));
                    sqlx::query(AssertSqlSafe(format!(
                        "UPDATE {} SET removed_at = $1, updated_at = $1 WHERE key = $2",
                        entity.table
                    )))
                    .bind(at)
                    .bind(&key)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("marking removed catalog entries"))?;
                    sqlx::query(
                        "INSERT INTO catalog_changes (entity, key, change, spec, at) VALUES ($1, $2, 'removed', NULL, $3)",
                    )
                    .bind(entity.table)
                    .bind(&key)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("writing the catalog history"))?;
                }
            }
            tx.commit().await.map_err(ctx("committing the catalog sync"))?;
            Ok::<_, super::StoreError>(())
        })?;
        Ok(report)
    }

    /// Ids of the entries that are in the catalog now (not removed).
    pub async fn catalog_ids(&self) -> Result<CatalogIds> {
        let mut ids = CatalogIds::default();
        for (table, map) in [
            ("units", &mut ids.units),
            ("sites", &mut ids.sites),
            ("columns", &mut ids.columns),
            ("accounts", &mut ids.accounts),
            ("mailboxes", &mut ids.mailboxes),
        ] {
            let sql = format!("SELECT key, id FROM {table} WHERE removed_at IS NULL");
            let rows: Vec<(String, i64)> = on_pool!(self, pool => {
                sqlx::query_as(AssertSqlSafe(sql.as_str())).fetch_all(pool).await
            })
            .map_err(ctx("reading catalog ids"))?;
            map.extend(rows);
        }
        Ok(ids)
    }

    /// The changes recorded for one entry, oldest first: (change, at).
    pub async fn catalog_history(
        &self,
        entity: &str,
        key: &str,
    ) -> Result<Vec<(String, DateTime<Utc>)>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT change, at FROM catalog_changes WHERE entity = $1 AND key = $2 ORDER BY id",
            )
            .bind(entity)
            .bind(key)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading catalog history"))
    }

    /// The stored name of an entry, removed or not (for reports about past periods).
    pub async fn stored_name(&self, entity: &str, key: &str) -> Result<Option<(String, bool)>> {
        let sql = match entity {
            "units" | "sites" | "columns" | "accounts" | "mailboxes" => format!(
                "SELECT name, removed_at IS NOT NULL AS removed FROM {entity} WHERE key = $1"
            ),
            _ => return Ok(None),
        };
        on_pool!(self, pool => {
            sqlx::query_as(AssertSqlSafe(sql.as_str())).bind(key).fetch_optional(pool).await
        })
        .map_err(ctx("reading a catalog entry"))
    }
}
