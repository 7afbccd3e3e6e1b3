//! Listings of accounts seen in the wild (`govwatch import listing F`): a platform's list
//! or the provincial reporting system's export. Each listing has a name (the file's stem
//! by default); importing a listing again under the same name replaces all its rows, so
//! an account that no longer appears is no longer listed. Detection compares the union
//! of all listings with the registered inventory (account_unregistered).

use chrono::{DateTime, Utc};

use super::{BeginWrite, Result, Store, ctx, on_pool};

/// One account of a listing, as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ListedRow {
    /// The listing's name.
    pub listing: String,
    /// The platform code (`wechat`, `weibo` …).
    pub platform: String,
    /// The account's name as listed.
    pub name: String,
    /// The name as compared with the catalog (see `catalog::names::normalize_name`).
    pub name_key: String,
    pub unit: Option<String>,
    pub operator: Option<String>,
    pub level: Option<String>,
    /// Where in the file (`row 12`, `sheet 微博 row 12`).
    pub row_ref: String,
    pub imported_at: DateTime<Utc>,
}

/// What replacing a listing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListingReplaced {
    /// Rows the listing had before this import.
    pub before: usize,
    /// Rows stored now (an account listed twice in one file is stored once).
    pub stored: usize,
}

impl Store {
    /// Replaces every row of `listing` with `rows` (whose `listing` field is ignored),
    /// in one transaction.
    pub async fn replace_listing(
        &self,
        listing: &str,
        rows: &[ListedRow],
        at: DateTime<Utc>,
    ) -> Result<ListingReplaced> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("replacing a listing"))?;
            let before = sqlx::query("DELETE FROM account_listings WHERE listing = $1")
                .bind(listing)
                .execute(&mut *tx)
                .await
                .map_err(ctx("removing a listing's old rows"))?
                .rows_affected() as usize;
            let mut stored = 0;
            for r in rows {
                stored += sqlx::query(
                    "INSERT INTO account_listings (listing, platform, name, name_key, unit, operator, \
                     level, row_ref, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (listing, platform, name_key) DO NOTHING",
                )
                .bind(listing)
                .bind(&r.platform)
                .bind(&r.name)
                .bind(&r.name_key)
                .bind(&r.unit)
                .bind(&r.operator)
                .bind(&r.level)
                .bind(&r.row_ref)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(ctx("storing a listed account"))?
                .rows_affected() as usize;
            }
            tx.commit().await.map_err(ctx("replacing a listing"))?;
            Ok(ListingReplaced { before, stored })
        })
    }

    /// Every listed account of every listing, ordered by platform, name and listing.
    pub async fn listed_accounts(&self) -> Result<Vec<ListedRow>> {
        on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT listing, platform, name, name_key, unit, operator, level, row_ref, imported_at \
                 FROM account_listings ORDER BY platform, name_key, listing",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading listed accounts"))
    }
}
