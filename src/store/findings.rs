//! Findings as episodes. Detection says which problems hold now; [`Store::reconcile_findings`]
//! turns that into history: a problem not open yet opens an episode dated this check, an
//! open one is confirmed, and an open one that no longer holds is resolved (是否整改),
//! or, when the caller says govwatch stopped looking at it, closed as 不再监测
//! ([`Resolution::Unwatched`], not counted as 整改).
//! The same problem later opens a new episode. Nothing is deleted, so "what was open on
//! day X" can be answered for any X. Confirmations refresh an episode's evidence.
//!
//! Kinds and evidence cross this API typed; the rows keep the kind's code and the
//! evidence's JSON text as they always have. A finding's sentence is rendered by report
//! when read; the `sentence` column keeps the opening sentence the caller gives, for
//! readers of the database and for rows whose evidence an older version wrote.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;

use super::{BeginWrite, Result, Store, StoreError, ctx, on_pool};
pub use crate::observe::Episode as FindingRecord;
use crate::observe::Resolution;
use crate::observe::evidence::Evidence;
use crate::observe::kind::Kind;

/// A problem that a rule says holds now.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFinding {
    /// What the problem is about: a catalog key, or a URL for links.
    pub subject_key: String,
    /// The responsible unit's name, for grouping; several joined with 、 (a column's
    /// 保障单位), each of which the store records in `finding_units` ([`unit_names`]).
    pub unit: Option<String>,
    /// The sentence as worded on the day it is found; stored when the episode opens, for
    /// readers of the database (the application renders sentences from the evidence).
    pub sentence: String,
    /// URLs, dates, counts: whatever shows the problem; its kind is the finding's.
    pub evidence: Evidence,
}

impl NewFinding {
    pub fn kind(&self) -> Kind {
        self.evidence.kind()
    }
}

/// Which open findings a reconcile may resolve: those of `kinds`, and of those only the
/// subjects in `subjects` when given (a partial check must not resolve what it did not
/// look at). Open findings of `kinds` about the subjects in `unwatched` that do not hold
/// close as 不再监测 rather than rectified (in scope whatever `subjects` says).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub kinds: Vec<Kind>,
    pub subjects: Option<HashSet<String>>,
    pub unwatched: HashSet<String>,
}

impl Scope {
    pub fn kinds(kinds: impl IntoIterator<Item = Kind>) -> Self {
        Scope {
            kinds: kinds.into_iter().collect(),
            subjects: None,
            unwatched: HashSet::new(),
        }
    }

    /// How an open finding that no longer holds closes, or `None` when out of scope.
    fn closes(&self, kind: &str, subject: &str) -> Option<Resolution> {
        if !self.kinds.iter().any(|k| k.code() == kind) {
            None
        } else if self.unwatched.contains(subject) {
            Some(Resolution::Unwatched)
        } else if self.subjects.as_ref().is_none_or(|s| s.contains(subject)) {
            Some(Resolution::Rectified)
        } else {
            None
        }
    }
}

/// What a reconcile did, as finding ids.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    pub opened: Vec<i64>,
    pub confirmed: Vec<i64>,
    pub resolved: Vec<i64>,
    /// Of `resolved`, those closed as 不再监测.
    pub unwatched: Vec<i64>,
}

/// A findings row as the database holds it.
#[derive(sqlx::FromRow)]
struct FindingRow {
    id: i64,
    kind: String,
    subject_key: String,
    unit: Option<String>,
    opened_at: DateTime<Utc>,
    opened_on: NaiveDate,
    last_confirmed: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    resolved_on: Option<NaiveDate>,
    resolution: Option<String>,
    sentence: String,
    evidence: String,
}

impl FindingRow {
    /// The episode, or `None` for a kind this version does not know (a row written by a
    /// newer one), which is left out with a warning.
    fn into_record(self) -> Option<FindingRecord> {
        let Ok(kind) = self.kind.parse::<Kind>() else {
            tracing::warn!(kind = %self.kind, id = self.id, "finding of an unknown kind left out");
            return None;
        };
        let mut record = FindingRecord::from_stored(
            self.id,
            kind,
            self.subject_key,
            self.unit,
            (self.opened_at, self.opened_on),
            self.last_confirmed,
            (self.resolved_at, self.resolved_on),
            self.sentence,
            &self.evidence,
        );
        record.resolution = record
            .resolved_at
            .map(|_| Resolution::of_code(self.resolution.as_deref()));
        Some(record)
    }
}

/// Which findings to list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    pub open_only: bool,
    pub kind: Option<Kind>,
    /// Findings naming this unit (one of a column's 保障单位 is enough).
    pub unit: Option<String>,
    /// Episodes open at any time on or after this day.
    pub since: Option<NaiveDate>,
    /// Episodes opened on or before this day (the run's `--now`).
    pub until: Option<NaiveDate>,
}

/// The units a finding's `unit` names: detect joins a column's 保障单位 with 、 (as the
/// notices print them), and this is the one place that splits them again, for the
/// `finding_units` relation (migration 0019 splits older rows the same way). A unit
/// name never holds 、: the catalog splits its cells on it. Each name once, trimmed.
pub(crate) fn unit_names(unit: Option<&str>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in unit.unwrap_or("").split('、').map(str::trim) {
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    }
    names
}

const COLUMNS: &str = "id, kind, subject_key, unit, opened_at, opened_on, last_confirmed, \
                       resolved_at, resolved_on, resolution, sentence, evidence";

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
            if !seen.insert((f.kind(), f.subject_key.as_str())) {
                return Err(StoreError::Data {
                    context: "reconciling findings",
                    detail: format!("{} {} detected twice in one check", f.kind(), f.subject_key),
                });
            }
        }
        let mut done = Reconciled::default();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("reconciling findings"))?;
            let open: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
                "SELECT id, kind, subject_key, unit FROM findings WHERE resolved_at IS NULL",
            )
            .fetch_all(&mut *tx)
            .await
            .map_err(ctx("reading open findings"))?;
            let mut open: HashMap<(String, String), (i64, Option<String>)> =
                open.into_iter().map(|(id, k, s, u)| ((k, s), (id, u))).collect();
            for f in detected {
                let kind = f.kind().code();
                let evidence = f.evidence.to_json().to_string();
                // A text naming no unit is stored as none (总览 counts those by NULL).
                let f_unit = (!unit_names(f.unit.as_deref()).is_empty())
                    .then(|| f.unit.clone())
                    .flatten();
                let (id, units_to_write) = match open.remove(&(kind.to_string(), f.subject_key.clone())) {
                    Some((id, unit)) => {
                        sqlx::query(
                            "UPDATE findings SET last_confirmed = $2, evidence = $3, unit = $4 \
                             WHERE id = $1",
                        )
                        .bind(id)
                        .bind(at)
                        .bind(&evidence)
                        .bind(&f_unit)
                        .execute(&mut *tx)
                        .await
                        .map_err(ctx("confirming a finding"))?;
                        if unit != f_unit {
                            sqlx::query("DELETE FROM finding_units WHERE finding_id = $1")
                                .bind(id)
                                .execute(&mut *tx)
                                .await
                                .map_err(ctx("recording a finding's units"))?;
                        }
                        done.confirmed.push(id);
                        (id, unit != f_unit)
                    }
                    None => {
                        let (id,): (i64,) = sqlx::query_as(
                            "INSERT INTO findings (kind, subject_key, unit, opened_at, opened_on, last_confirmed, \
                             sentence, evidence) VALUES ($1, $2, $3, $4, $5, $4, $6, $7) \
                             ON CONFLICT (kind, subject_key, opened_at) DO UPDATE SET last_confirmed = excluded.last_confirmed \
                             RETURNING id",
                        )
                        .bind(kind)
                        .bind(&f.subject_key)
                        .bind(&f_unit)
                        .bind(at)
                        .bind(day)
                        .bind(&f.sentence)
                        .bind(&evidence)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(ctx("opening a finding"))?;
                        done.opened.push(id);
                        (id, true)
                    }
                };
                // A new finding's units, or a confirmed one's whose units changed.
                if units_to_write {
                    for name in unit_names(f_unit.as_deref()) {
                        // With the finding's kind and days (migration 0024).
                        sqlx::query(
                            "INSERT INTO finding_units (finding_id, unit, kind, opened_on, resolved_on) \
                             SELECT id, $2, kind, opened_on, resolved_on FROM findings WHERE id = $1 \
                             ON CONFLICT DO NOTHING",
                        )
                        .bind(id)
                        .bind(name)
                        .execute(&mut *tx)
                        .await
                        .map_err(ctx("recording a finding's units"))?;
                    }
                }
            }
            let mut left: Vec<((String, String), i64)> =
                open.into_iter().map(|(key, (id, _))| (key, id)).collect();
            left.sort_by_key(|(_, id)| *id);
            for ((kind, subject), id) in left {
                let Some(resolution) = scope.closes(&kind, &subject) else {
                    continue;
                };
                sqlx::query(
                    "UPDATE findings SET resolved_at = $2, resolved_on = $3, resolution = $4 \
                     WHERE id = $1",
                )
                    .bind(id)
                    .bind(at)
                    .bind(day)
                    .bind(resolution.code())
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("resolving a finding"))?;
                sqlx::query("UPDATE finding_units SET resolved_on = $2 WHERE finding_id = $1")
                    .bind(id)
                    .bind(day)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("resolving a finding"))?;
                done.resolved.push(id);
                if resolution == Resolution::Unwatched {
                    done.unwatched.push(id);
                }
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
            sql.push_str(&format!(
                " AND id IN (SELECT finding_id FROM finding_units WHERE unit = {})",
                next()
            ));
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
        let rows: Vec<FindingRow> = on_pool!(self, pool => {
            let mut q = sqlx::query_as::<_, FindingRow>(AssertSqlSafe(sql.as_str()));
            if let Some(k) = filter.kind {
                q = q.bind(k.code());
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
        .map_err(ctx("listing findings"))?;
        let mut records: Vec<FindingRecord> = rows
            .into_iter()
            .filter_map(FindingRow::into_record)
            .collect();
        self.attach_dismissals(&mut records).await?;
        Ok(records)
    }

    /// The findings matching `condition` (SQL over the findings' columns), without their
    /// dismissals.
    pub(super) async fn finding_rows(&self, condition: &str) -> Result<Vec<FindingRecord>> {
        let rows: Vec<FindingRow> = on_pool!(self, pool => {
            sqlx::query_as::<_, FindingRow>(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM findings WHERE {condition}"
            )))
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading findings"))?;
        Ok(rows
            .into_iter()
            .filter_map(FindingRow::into_record)
            .collect())
    }

    /// The finding `id`, without its dismissal.
    pub(super) async fn finding_by_id(&self, id: i64) -> Result<Option<FindingRecord>> {
        let row: Option<FindingRow> = on_pool!(self, pool => {
            sqlx::query_as::<_, FindingRow>(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM findings WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await
        })
        .map_err(ctx("reading a finding"))?;
        Ok(row.and_then(FindingRow::into_record))
    }

    /// Episodes open at any time on `day`.
    pub async fn findings_open_on(&self, day: NaiveDate) -> Result<Vec<FindingRecord>> {
        let rows: Vec<FindingRow> = on_pool!(self, pool => {
            sqlx::query_as::<_, FindingRow>(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM findings WHERE opened_on <= $1 \
                 AND (resolved_on IS NULL OR resolved_on > $1) ORDER BY opened_at, id"
            )))
            .bind(day)
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("listing findings open on a day"))?;
        let mut records: Vec<FindingRecord> = rows
            .into_iter()
            .filter_map(FindingRow::into_record)
            .collect();
        self.attach_dismissals(&mut records).await?;
        Ok(records)
    }

    /// The (kind, subject) of every open episode.
    pub async fn open_finding_keys(&self) -> Result<HashSet<(Kind, String)>> {
        let rows: Vec<(String, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT kind, subject_key FROM findings WHERE resolved_at IS NULL")
                .fetch_all(pool)
                .await
        })
        .map_err(ctx("reading open findings"))?;
        Ok(rows
            .into_iter()
            .filter_map(|(k, s)| Some((k.parse::<Kind>().ok()?, s)))
            .collect())
    }
}
