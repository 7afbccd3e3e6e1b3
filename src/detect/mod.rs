//! Detection: pure rules that read observations, a day and thresholds, and say which
//! problems hold now. No I/O and no real clock: every rule takes the run's day, which is
//! what makes `--now` replays and table tests possible. Turning "holds now" into
//! episodes (opened, confirmed, resolved) is the store's reconcile; a rule only judges.
//!
//! One file per subject: [`columns`] (and units), [`sites`], [`links`], [`accounts`]. A new rule is a
//! function there and a row in its table test.

pub mod accounts;
pub mod columns;
pub mod content;
pub mod links;
pub mod listings;
pub mod messages;
pub mod period;
pub mod sites;

use chrono::NaiveDate;

use crate::config::Thresholds;

pub use crate::observe::evidence::Evidence;
pub use crate::observe::kind::Kind;

/// A problem that holds on the day judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    /// What the problem is about: a catalog key (with `#2020Q3` for period rules), or a URL.
    pub subject_key: String,
    /// The responsible unit(s), joined with 、.
    pub unit: Option<String>,
    /// What shows the problem; report words the finding from it.
    pub evidence: Evidence,
}

/// What every rule reads besides observations.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The run's day in the configured time zone (`--now`).
    pub today: NaiveDate,
    pub thresholds: &'a Thresholds,
}

/// Whether more than `days` calendar days lie between `last` and `today` (day 15 after
/// the last post is the first silent day for `days = 14`).
pub fn more_than_days(last: NaiveDate, today: NaiveDate, days: i64) -> bool {
    (today - last).num_days() > days
}

/// Whether a page is gone: `missing_reads` reads in a row answered 404/410, and one
/// could be a mishap, so two are needed. Its findings are then rectified (the office
/// removed the page); the link stage and the content scan count the reads alike.
pub fn page_gone(missing_reads: i64) -> bool {
    missing_reads >= 2
}

/// Whether a finding last confirmed on `last_confirmed`, none of whose pages was read
/// since `last_read` (the latest read of any, if ever), is no longer watched (不再监测):
/// neither for twice `full_every_days` days, the span in which the rotation reads every
/// known page twice. It then closes without counting as 整改.
pub fn unwatched(
    last_confirmed: NaiveDate,
    last_read: Option<NaiveDate>,
    today: NaiveDate,
    full_every_days: u32,
) -> bool {
    let seen = last_read.map_or(last_confirmed, |r| r.max(last_confirmed));
    (today - seen).num_days() >= 2 * i64::from(full_every_days.max(1))
}

/// Joins names as the notices do: `县公安局、县人行`.
pub fn join_names(names: &[impl AsRef<str>]) -> String {
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join("、")
}

// Rule tests assert the seeds' sentences, which report words: test code alone reaches up
// a layer for that.
#[cfg(test)]
impl Finding {
    /// The sentence of this finding for an episode opening `today`, as report words it.
    pub(crate) fn sentence(&self, today: NaiveDate) -> String {
        crate::report::wording::detected_sentence(self, today)
    }
}
