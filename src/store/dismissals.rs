//! False alarms (误报): `govwatch dismiss ID --reason …` records that a finding is not a
//! problem, with who said so and when; `undismiss` takes it back. A dismissal is not a
//! resolution: detection goes on confirming, resolving and opening episodes as it always
//! does, and every read of findings attaches the dismissal that covers an episode (same
//! kind and subject, no hit it was not given for; see [`crate::observe::hits_of`]).
//! So a dismissed finding stays dismissed when detection runs again, and when its page is
//! rewritten and the same wrong form comes back; a new hit on the page is a problem again.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, ctx, on_pool};
use crate::detect::Kind;
use crate::observe::{Dismissal, Episode};

/// Why a dismissal or its undoing was refused.
#[derive(Debug, thiserror::Error)]
pub enum DismissError {
    #[error(
        "no finding has the ID {0}\n  `govwatch findings` lists the findings with their IDs (编号)"
    )]
    UnknownFinding(i64),
    #[error(
        "finding {id} is already dismissed as a false alarm (已核实为误报) by {by} on {at}: {reason}\n  `govwatch undismiss {id}` takes that back"
    )]
    AlreadyDismissed {
        id: i64,
        by: String,
        at: String,
        reason: String,
    },
    #[error("finding {0} is not dismissed: there is nothing to take back")]
    NotDismissed(i64),
    #[error("a dismissal needs a reason: --reason \"…\" (why this is a false alarm)")]
    EmptyReason,
    #[error("a dismissal needs a name: --by NAME")]
    EmptyName,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(sqlx::FromRow)]
struct DismissalRow {
    id: i64,
    finding_id: i64,
    kind: String,
    subject_key: String,
    hits: String,
    reason: String,
    dismissed_by: String,
    dismissed_at: DateTime<Utc>,
}

impl DismissalRow {
    fn into_dismissal(self) -> ((String, String), Dismissal) {
        let hits: Vec<String> = serde_json::from_str(&self.hits).unwrap_or_default();
        (
            (self.kind, self.subject_key),
            Dismissal {
                id: self.id,
                finding_id: self.finding_id,
                reason: self.reason,
                by: self.dismissed_by,
                at: self.dismissed_at,
                hits,
            },
        )
    }
}

/// The dismissal of `dismissals` (latest first) that covers `episode`.
fn covering(dismissals: &[Dismissal], episode: &Episode) -> Option<Dismissal> {
    let hits = episode.hits();
    dismissals.iter().find(|d| d.covers(&hits)).cloned()
}

impl Store {
    /// The dismissals in force, by (kind, subject), latest first.
    async fn active_dismissals(
        &self,
    ) -> Result<HashMap<(String, String), Vec<Dismissal>>, StoreError> {
        let rows: Vec<DismissalRow> = on_pool!(self, pool => {
            sqlx::query_as::<_, DismissalRow>(
                "SELECT id, finding_id, kind, subject_key, hits, reason, dismissed_by, dismissed_at \
                 FROM dismissals WHERE undone_at IS NULL ORDER BY id DESC",
            )
            .fetch_all(pool)
            .await
        })
        .map_err(ctx("reading dismissals"))?;
        let mut out: HashMap<(String, String), Vec<Dismissal>> = HashMap::new();
        for row in rows {
            let (key, d) = row.into_dismissal();
            out.entry(key).or_default().push(d);
        }
        Ok(out)
    }

    /// Attaches to each episode the dismissal that covers it.
    pub(super) async fn attach_dismissals(
        &self,
        episodes: &mut [Episode],
    ) -> Result<(), StoreError> {
        let active = self.active_dismissals().await?;
        if active.is_empty() {
            return Ok(());
        }
        for e in episodes {
            e.dismissal = active
                .get(&(e.kind.code().to_string(), e.subject_key.clone()))
                .and_then(|ds| covering(ds, e));
        }
        Ok(())
    }

    /// The open findings that a dismissal in force covers (误报): detection goes on
    /// holding them, but they are no problems to count.
    pub async fn dismissed_open_findings(&self) -> Result<Vec<Episode>, StoreError> {
        if self.active_dismissals().await?.is_empty() {
            return Ok(Vec::new());
        }
        let mut open = self
            .findings(&super::FindingFilter {
                open_only: true,
                ..Default::default()
            })
            .await?;
        open.retain(Episode::is_dismissed);
        Ok(open)
    }

    /// The open findings by kind, the dismissed ones (误报) left out: what is shown to
    /// people as "open now".
    pub async fn open_problem_counts(&self) -> Result<BTreeMap<Kind, u64>, StoreError> {
        let mut counts: BTreeMap<Kind, u64> = BTreeMap::new();
        for (kind, _) in self.open_finding_keys().await? {
            *counts.entry(kind).or_default() += 1;
        }
        for f in self.dismissed_open_findings().await? {
            if let Some(n) = counts.get_mut(&f.kind) {
                *n = n.saturating_sub(1);
            }
        }
        counts.retain(|_, n| *n > 0);
        Ok(counts)
    }

    /// One finding by its ID, with its dismissal.
    pub async fn finding(&self, id: i64) -> Result<Option<Episode>, StoreError> {
        let Some(episode) = self.finding_by_id(id).await? else {
            return Ok(None);
        };
        let mut one = [episode];
        self.attach_dismissals(&mut one).await?;
        let [episode] = one;
        Ok(Some(episode))
    }

    /// Records finding `id` as a false alarm (误报) given by `by` at `at` for `reason`.
    pub async fn dismiss_finding(
        &self,
        id: i64,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Dismissal, DismissError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(DismissError::EmptyReason);
        }
        let by = by.trim();
        if by.is_empty() {
            return Err(DismissError::EmptyName);
        }
        let episode = self
            .finding(id)
            .await?
            .ok_or(DismissError::UnknownFinding(id))?;
        if let Some(d) = episode.dismissal {
            return Err(DismissError::AlreadyDismissed {
                id,
                by: d.by,
                at: d.at.to_rfc3339(),
                reason: d.reason,
            });
        }
        let hits = episode.hits();
        let hits_json = serde_json::to_string(&hits).unwrap_or_else(|_| "[]".into());
        let (dismissal_id,): (i64,) = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("dismissing a finding"))?;
            let row: (i64,) = sqlx::query_as(
                "INSERT INTO dismissals (finding_id, kind, subject_key, hits, reason, dismissed_by, \
                 dismissed_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(id)
            .bind(episode.kind.code())
            .bind(&episode.subject_key)
            .bind(&hits_json)
            .bind(reason)
            .bind(by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(ctx("dismissing a finding"))?;
            tx.commit().await.map_err(ctx("dismissing a finding"))?;
            Ok::<_, StoreError>(row)
        })?;
        Ok(Dismissal {
            id: dismissal_id,
            finding_id: id,
            reason: reason.to_string(),
            by: by.to_string(),
            at,
            hits,
        })
    }

    /// Takes back the dismissals covering finding `id` (every one, so none left behind
    /// keeps it dismissed): it is a problem again from the next read on. The rows stay,
    /// with who took them back and when. Returns the latest one.
    pub async fn undismiss_finding(
        &self,
        id: i64,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<Dismissal, DismissError> {
        let episode = self
            .finding_by_id(id)
            .await?
            .ok_or(DismissError::UnknownFinding(id))?;
        let hits = episode.hits();
        let covering: Vec<Dismissal> = self
            .active_dismissals()
            .await?
            .remove(&(episode.kind.code().to_string(), episode.subject_key.clone()))
            .unwrap_or_default()
            .into_iter()
            .filter(|d| d.covers(&hits))
            .collect();
        let Some(latest) = covering.first().cloned() else {
            return Err(DismissError::NotDismissed(id));
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await.map_err(ctx("undoing a dismissal"))?;
            for d in &covering {
                sqlx::query("UPDATE dismissals SET undone_at = $2, undone_by = $3 WHERE id = $1")
                    .bind(d.id)
                    .bind(at)
                    .bind(by)
                    .execute(&mut *tx)
                    .await
                    .map_err(ctx("undoing a dismissal"))?;
            }
            tx.commit().await.map_err(ctx("undoing a dismissal"))?;
            Ok::<_, StoreError>(())
        })?;
        Ok(latest)
    }
}
