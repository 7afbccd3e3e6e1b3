//! Findings as episodes. Detection says which problems hold now; [`Store::reconcile_findings`]
//! turns that into history: a problem not open yet opens an episode dated this check, an
//! open one is confirmed, and an open one that no longer holds is resolved (是否整改).
//! The same problem later opens a new episode. Nothing is deleted, so "what was open on
//! day X" can be answered for any X. An episode's sentence is the one written when it
//! opened ("1月9日监测到…" names the detecting day); confirmations refresh its evidence.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;

use super::{BeginWrite, Result, Store, StoreError, ctx, on_pool};

/// A problem that a rule says holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    /// A finding code, e.g. `column_zero_publish`.
    pub kind: String,
    /// What the problem is about: a catalog key, or a URL for links.
    pub subject_key: String,
    /// The responsible unit's name, for grouping.
    pub unit: Option<String>,
    /// The sentence an auditor pastes into a notice.
    pub sentence: String,
    /// URLs, dates, counts: whatever shows the problem.
    pub evidence: serde_json::Value,
}

/// Which open findings a reconcile may resolve: those of `kinds`, and of those only the
/// subjects in `subjects` when given (a partial check must not resolve what it did not
/// look at).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub kinds: Vec<String>,
    pub subjects: Option<HashSet<String>>,
}

impl Scope {
    pub fn kinds<I, S>(kinds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scope {
            kinds: kinds.into_iter().map(Into::into).collect(),
            subjects: None,
        }
    }

    fn covers(&self, kind: &str, subject: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
            && self.subjects.as_ref().is_none_or(|s| s.contains(subject))
    }
}

/// What a reconcile did, as finding ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub opened: Vec<i64>,
    pub confirmed: Vec<i64>,
    pub resolved: Vec<i64>,
}

/// An episode as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FindingRecord {
    pub id: i64,
    pub kind: String,
    pub subject_key: String,
    pub unit: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub opened_on: NaiveDate,
    pub last_confirmed: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_on: Option<NaiveDate>,
    pub sentence: String,
    pub evidence: String,
}

impl FindingRecord {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    /// Whether the episode was open at any time on `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.opened_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }

    pub fn evidence_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.evidence).unwrap_or(serde_json::Value::Null)
    }
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub open_only: bool,
    pub kind: Option<String>,
    pub unit: Option<String>,
    /// Episodes open at any time on or after this day.
    pub since: Option<NaiveDate>,
    /// Episodes opened on or before this day (the run's `--now`).
    pub until: Option<NaiveDate>,
}

const COLUMNS: &str = "id, kind, subject_key, unit, opened_at, opened_on, last_confirmed, \
                       resolved_at, resolved_on, sentence, evidence";

impl Store {
    /// Applies one check's detections at `at` (local day `day`), in one transaction.
    pub async fn reconcile_findings(
        &self,
        scope: &Scope,
        detected: &[NewFinding],
        at: DateTime<Utc>,
        day: NaiveDate,
    ) -> Result<Reconciled> {
        let mut seen = HashSet::new();
        for f in detected {
            if !seen.insert((f.kind.as_str(), f.subject_key.as_str())) {
                return Err(StoreError::Data {
                    context: "reconciling findings",
                    detail: format!("{} {} detected twice in one check", f.kind, f.subject_key),
                });
            }
        }
        let mut done = Reconciled::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("reconciling findings"))?;
            let open: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, kind, subject_key FROM findings WHERE resolved_at IS NULL",
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(ctx("reading open findings"))?;
            let mut open: HashMap<(String, String), i64> =
                open.into_iter().map(|(id, k, s)| ((k, s), id)).collect();
            for f in detected {
                let evidence = f.evidence.to_string();
                match open.remove(&(f.kind.clone(), f.subject_key.clone())) {
                    Some(id) => {
                        sqlx::query(
                            "UPDATE findings SET last_confirmed = $2, evidence = $3, unit = $4 \
                             WHERE id = $1",
                        )
                        .bind(id)
                        .bind(at)
                        .bind(&evidence)
                        .bind(&f.unit)
                        .execute(&mut *tx)
                        .await
                        .map_err(ctx("confirming a finding"))?;
                        done.confirmed.push(id);
                    }
                    None => {
                        let (id,): (i64,) = sqlx::query_as(
                            "INSERT INTO findings (kind, subject_key, unit, opened_at, opened_on, last_confirmed, \
                             sentence, evidence) VALUES ($1, $2, $3, $4, $5, $4, $6, $7) \
                             ON CONFLICT (kind, subject_key, opened_at) DO UPDATE SET last_confirmed = excluded.last_confirmed \
                             RETURNING id",
                        )
                        .bind(&f.kind)
                        .bind(&f.subject_key)
                        .bind(&f.unit)
                        .bind(at)
                        .bind(day)
                        .bind(&f.sentence)
                        .bind(&evidence)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(ctx("opening a finding"))?;
                        done.opened.push(id);
                    }
                }
            }
            let mut left: Vec<((String, String), i64)> = open.into_iter().collect();
            left.sort_by_key(|(_, id)| *id);
            for ((kind, subject), id) in left {
                if !scope.covers(&kind, &subject) {
                    continue;
                }
                sqlx::query("UPDATE findings SET resolved_at = $2, resolved_on = $3 WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .bind(day)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("resolving a finding"))?;
                done.resolved.push(id);
            }
            tx.commit().await.map_err(ctx("reconciling findings"))?;
            Ok::<_, StoreError>(())
        })?;
        Ok(done)
    }

    /// Findings matching `filter`, in order of opening.
    pub async fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRecord>> {
        let mut sql = format!("SELECT {COLUMNS} FROM findings WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if filter.open_only {
            sql.push_str(" AND resolved_at IS NULL");
        }
        if filter.kind.is_some() {
            sql.push_str(&format!(" AND kind = {}", next()));
        }
        if filter.unit.is_some() {
            sql.push_str(&format!(" AND unit = {}", next()));
        }
        if filter.since.is_some() {
            sql.push_str(&format!(
                " AND (resolved_on IS NULL OR resolved_on > {})",
                next()
            ));
        }
        if filter.until.is_some() {
            sql.push_str(&format!(" AND opened_on <= {}", next()));
        }
        sql.push_str(" ORDER BY opened_at, id");
        on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, FindingRecord>(AssertSqlSafe(sql.as_str()));
            if let Some(k) = &filter.kind {
                q = q.bind(k);
            }
            if let Some(u) = &filter.unit {
                q = q.bind(u);
            }
            if let Some(d) = filter.since {
                q = q.bind(d);
            }
            if let Some(d) = filter.until {
                q = q.bind(d);
            }
            q.fetch_all(pool).await
        })
        .map_err(ctx("listing findings"))
    }

    /// Episodes open at any time on `day`.
    pub async fn findings_open_on(&self, day: NaiveDate) -> Result<Vec<FindingRecord>> {
        on_pool!(self, pool => {
            sqlx::query_as::<_, FindingRecord>(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM findings WHERE opened_on <= $1 \
                 AND (resolved_on IS NULL OR resolved_on > $1) ORDER BY opened_at, id"
            )))
            .bind(day)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("listing findings open on a day"))
    }
}
