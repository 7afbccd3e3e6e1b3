//! Episodes: a finding's life from its first detection to its resolution, as the store
//! keeps it. Types and pure reading only.

use chrono::{DateTime, NaiveDate, Utc};

use super::evidence::Evidence;
use super::kind::Kind;

/// A finding as an episode: detected (opened), confirmed by every later check that
/// still sees it, resolved when none does. What the store reads back from the findings
/// table; report words its sentence from its kind, evidence and opening day.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub id: i64,
    pub kind: Kind,
    pub subject_key: String,
    pub unit: Option<String>,
    pub opened_at: DateTime<Utc>,
    pub opened_on: NaiveDate,
    pub last_confirmed: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_on: Option<NaiveDate>,
    /// Why it closed: `None` while open.
    pub resolution: Option<Resolution>,
    /// The sentence stored when the episode opened: what to show when `evidence` is
    /// `None` (report renders the sentence otherwise).
    pub stored_sentence: String,
    /// The evidence, typed; `None` when the stored JSON is not what this kind's evidence
    /// holds (written by an older version).
    pub evidence: Option<Evidence>,
    /// The evidence as stored, for exports that show it whole.
    pub raw_evidence: serde_json::Value,
    /// The office's word that this is a false alarm (误报), when it covers the episode's
    /// hits: a dismissed episode leaves the notice, the email, the pass rate and the
    /// scores, and exports show it as 已核实为误报.
    pub dismissal: Option<Dismissal>,
}

/// Why an episode closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// 整改: the problem no longer holds where govwatch looked (the page was read again
    /// without it, or is gone).
    Rectified,
    /// 不再监测: govwatch stopped looking (none of its pages was read for twice
    /// `[links] full_every_days`). Closed, but not counted as 整改.
    Unwatched,
}

impl Resolution {
    /// The code stored in `findings.resolution`.
    pub fn code(self) -> &'static str {
        match self {
            Resolution::Rectified => "rectified",
            Resolution::Unwatched => "unwatched",
        }
    }

    /// The stored code read back; anything else (NULL on a closed episode written before
    /// the column existed) is rectified.
    pub fn of_code(code: Option<&str>) -> Resolution {
        match code {
            Some("unwatched") => Resolution::Unwatched,
            _ => Resolution::Rectified,
        }
    }

    /// What lists and exports say of an episode closed this way.
    pub fn zh(self) -> &'static str {
        match self {
            Resolution::Rectified => "已整改",
            Resolution::Unwatched => "不再监测",
        }
    }
}

/// A false alarm (误报) as recorded: who said so, when and why, and the hits it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dismissal {
    pub id: i64,
    /// The finding it was given for.
    pub finding_id: i64,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
    /// What it covers, as [`hits_of`] names them.
    pub hits: Vec<String>,
}

impl Dismissal {
    /// Whether this dismissal covers an episode of its kind and subject showing `hits`:
    /// no hit it was not given for (a new wrong form on a page it was given for is a
    /// problem again).
    pub fn covers(&self, hits: &[String]) -> bool {
        hits.iter().all(|h| self.hits.contains(h))
    }
}

/// What a finding hit, for telling one false alarm from a new problem on the same
/// subject: the wrong forms of a content_error, the kinds of data of a privacy_leak
/// (`id_number`, `mobile`, `bank_card`), nothing for the other kinds (the subject is the
/// hit). Sorted, each once.
pub fn hits_of(evidence: Option<&Evidence>) -> Vec<String> {
    let mut hits: Vec<String> = match evidence {
        Some(Evidence::ContentError(e)) => e.hits.iter().map(|h| h.wrong.clone()).collect(),
        Some(Evidence::PrivacyLeak(e)) => [
            ("id_number", e.id_numbers),
            ("mobile", e.mobiles),
            ("bank_card", e.bank_cards),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(data, _)| data.to_string())
        .chain(e.hits.iter().map(|h| h.data.clone()))
        .collect(),
        _ => Vec::new(),
    };
    hits.sort();
    hits.dedup();
    hits
}

impl Episode {
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    /// Whether the office marked it a false alarm (误报).
    pub fn is_dismissed(&self) -> bool {
        self.dismissal.is_some()
    }

    /// What it hit, as [`hits_of`] names it.
    pub fn hits(&self) -> Vec<String> {
        hits_of(self.evidence.as_ref())
    }

    /// Whether it closed as 不再监测 (not counted as 整改).
    pub fn is_unwatched(&self) -> bool {
        self.resolution == Some(Resolution::Unwatched)
    }

    /// The day it was rectified (整改): its resolution day unless it closed as 不再监测.
    pub fn rectified_on(&self) -> Option<NaiveDate> {
        self.resolved_on.filter(|_| !self.is_unwatched())
    }

    /// Whether the episode was open at any time on `day`.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.opened_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }

    /// The evidence as stored (`null` when the text is not JSON).
    pub fn evidence_json(&self) -> serde_json::Value {
        self.raw_evidence.clone()
    }

    /// An episode from its stored parts: the evidence's JSON text is parsed as `kind`'s.
    #[allow(clippy::too_many_arguments)]
    pub fn from_stored(
        id: i64,
        kind: Kind,
        subject_key: String,
        unit: Option<String>,
        (opened_at, opened_on): (DateTime<Utc>, NaiveDate),
        last_confirmed: DateTime<Utc>,
        (resolved_at, resolved_on): (Option<DateTime<Utc>>, Option<NaiveDate>),
        stored_sentence: String,
        evidence: &str,
    ) -> Episode {
        let raw_evidence: serde_json::Value =
            serde_json::from_str(evidence).unwrap_or(serde_json::Value::Null);
        let evidence = Evidence::from_json(kind, raw_evidence.clone()).ok();
        Episode {
            id,
            kind,
            subject_key,
            unit,
            opened_at,
            opened_on,
            last_confirmed,
            resolved_at,
            resolved_on,
            resolution: resolved_at.map(|_| Resolution::Rectified),
            stored_sentence,
            evidence,
            raw_evidence,
            dismissal: None,
        }
    }
}
