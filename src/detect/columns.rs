//! Column (栏目) and unit rules: unreachable, empty (空白栏目), stale by class, and the
//! quarter rules: zero publish (更新为0), quota shortfall (应更新 vs 实际更新) and unit zero
//! publish (新闻信息发布为0).
//!
//! Quarter rules judge the last completed quarter, from the first check after it ends.
//! Their subject carries the quarter (`KEY#2020Q3`), so each quarter is its own episode,
//! and an episode stays open until the problem is mended: a zero-publish column until it
//! publishes again, a shortfall until a later completed quarter meets the quota. The
//! caller passes the subjects of open quarter episodes so older ones are judged too.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::period::Period;
use super::{Context, Finding, Kind, join_names, more_than_days};
use crate::catalog::{Column, ColumnClass};
use crate::observe::evidence::{
    ColumnBase, ColumnEmpty, ColumnPeriod, ColumnQuotaShortfall, ColumnStale, ColumnUnreachable,
    Evidence, UnitZeroPublish,
};
use crate::observe::{CrawlOutcome, FailureClass};
use chrono::{Months, NaiveDate};

/// How one crawl of a column ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrawlResult {
    /// The list page was read; `items` were listed on it.
    Listed { items: usize },
    /// The page was read but showed no list govwatch recognizes and no empty marker:
    /// says nothing about the column (never 空白栏目).
    Unrecognized,
    /// The list page could not be read (a failure class: dns, connect, http …).
    Failed { class: String, status: Option<u16> },
    /// The site answered with an anti-bot challenge: says nothing about the column.
    Blocked,
}

impl CrawlResult {
    /// A stored crawl as the rules read it: a list read (an unchanged page counts as
    /// read, with the items of its last full read), a challenge, or a failure.
    pub fn of(outcome: CrawlOutcome, status: Option<i64>, items: i64) -> CrawlResult {
        match outcome {
            CrawlOutcome::Ok | CrawlOutcome::NotModified => CrawlResult::Listed {
                items: items.max(0) as usize,
            },
            CrawlOutcome::Failed(FailureClass::Blocked) => CrawlResult::Blocked,
            CrawlOutcome::Unrecognized => CrawlResult::Unrecognized,
            failed => CrawlResult::Failed {
                class: failed.to_string(),
                status: status.and_then(|s| u16::try_from(s).ok()),
            },
        }
    }
}

/// What is known of one column on the day judged.
#[derive(Debug, Clone)]
pub struct ColumnState<'a> {
    pub column: &'a Column,
    pub key: String,
    /// Publish dates of its stored items (undated items left out), one per item, any
    /// order: all of them, or (as the detect stage reads them) those on or before the
    /// day judged from the oldest quarter counted, each as the newest date of its
    /// quarter (the rules count per quarter), and the newest date before that.
    pub dates: Vec<NaiveDate>,
    /// The latest crawls, newest first.
    pub crawls: Vec<CrawlResult>,
}

impl ColumnState<'_> {
    fn has_been_read(&self) -> bool {
        self.crawls
            .iter()
            .any(|c| matches!(c, CrawlResult::Listed { .. }))
    }

    /// Items published in `[from, to]`.
    pub fn published_between(&self, from: NaiveDate, to: NaiveDate) -> usize {
        self.dates
            .iter()
            .filter(|d| from <= **d && **d <= to)
            .count()
    }

    /// The newest publish date on or before `today`.
    pub fn last_update(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.dates.iter().filter(|d| **d <= today).max().copied()
    }
}

/// A column's latest read, for the same-items cross-check ([`same_items`]).
#[derive(Debug, Clone)]
pub struct ListedRead<'a> {
    pub key: &'a str,
    pub site: &'a str,
    pub name: &'a str,
    pub url: &'a str,
    /// Lists other columns' items by design (最新信息): never suspect.
    pub aggregate: bool,
    /// The digest of the items its latest successful read listed (`None`: nothing).
    pub digest: Option<&'a str>,
}

/// 可能误取侧栏: two columns of one site at different URLs whose latest reads listed the
/// very same non-empty set of items are most likely both reading a list the site shows
/// on every page (a sidebar), not their own. For each such column key, the names of the
/// others. A hint for the operator, not a finding; aggregate columns are left out.
pub fn same_items(reads: &[ListedRead<'_>]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<(&str, &str), Vec<&ListedRead<'_>>> = BTreeMap::new();
    for r in reads.iter().filter(|r| !r.aggregate) {
        if let Some(d) = r.digest {
            groups.entry((r.site, d)).or_default().push(r);
        }
    }
    let mut out = BTreeMap::new();
    for group in groups.values() {
        for r in group {
            let others: Vec<String> = group
                .iter()
                .filter(|o| o.url != r.url)
                .map(|o| o.name.to_string())
                .collect();
            if !others.is_empty() {
                out.insert(r.key.to_string(), others);
            }
        }
    }
    out
}

/// A period subject: `KEY#2020Q3`.
pub fn period_subject(key: &str, period: Period) -> String {
    format!("{key}#{period}")
}

/// Splits a period subject back into key and quarter.
pub fn split_period_subject(subject: &str) -> Option<(&str, Period)> {
    let (key, period) = subject.rsplit_once('#')?;
    Some((key, period.parse().ok()?))
}

/// The quarters of open period episodes, by kind and subject key: indexed once per
/// judgement, so each subject looks up its own rather than every open episode.
struct OpenQuarters<'a>(HashMap<(Kind, &'a str), Vec<Period>>);

impl<'a> OpenQuarters<'a> {
    fn of(open: &'a HashSet<(Kind, String)>) -> OpenQuarters<'a> {
        let mut map: HashMap<(Kind, &str), Vec<Period>> = HashMap::new();
        for (kind, subject) in open {
            if let Some((key, period)) = split_period_subject(subject) {
                map.entry((*kind, key)).or_default().push(period);
            }
        }
        OpenQuarters(map)
    }

    /// The quarters to judge for one subject: the last completed one, and older ones
    /// whose episode is still open.
    fn to_judge(&self, key: &str, kind: Kind, last: Period) -> Vec<Period> {
        let mut quarters: Vec<Period> = self
            .0
            .get(&(kind, key))
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| *p < last)
            .collect();
        quarters.push(last);
        quarters.sort();
        quarters.dedup();
        quarters
    }
}

/// The limit a stale column exceeded: more than so many days (news) or months.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StaleLimit {
    Days(i64),
    Months(u32),
}

/// Whether a column of `class` whose newest item is dated `last` is stale on the day
/// judged; if so, the limit it exceeded.
fn stale_limit(ctx: &Context, class: ColumnClass, last: NaiveDate) -> Option<StaleLimit> {
    let t = ctx.thresholds;
    let months = match class {
        ColumnClass::News => {
            let days = t.news_stale_days;
            return more_than_days(last, ctx.today, days).then_some(StaleLimit::Days(days));
        }
        ColumnClass::Notice => t.notice_stale_months,
        ColumnClass::Policy => t.policy_stale_months,
        ColumnClass::Personnel => t.personnel_stale_months,
        ColumnClass::Plan => t.plan_stale_months,
        ColumnClass::Other => return None,
    };
    let oldest_fresh = ctx.today.checked_sub_months(Months::new(months))?;
    (last < oldest_fresh).then_some(StaleLimit::Months(months))
}

/// Every column rule over every column. `open` holds the (kind, subject) of open episodes.
pub fn judge_columns(
    ctx: &Context,
    columns: &[ColumnState],
    open: &HashSet<(Kind, String)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let last_quarter = Period::last_completed_quarter(ctx.today);
    let open = OpenQuarters::of(open);
    for state in columns {
        let c = state.column;
        let units = &c.units;
        let unit = Some(join_names(units));
        let last_update = state.last_update(ctx.today);
        let base = ColumnBase {
            site: c.site.clone(),
            column: c.name.clone(),
            url: c.url.to_string(),
            units: units.clone(),
            last_update,
        };
        let finding = |subject: String, evidence: Evidence| Finding {
            kind: evidence.kind(),
            subject_key: subject,
            unit: unit.clone(),
            evidence,
        };

        // Unreachable: the last N crawls all failed.
        let n = ctx.thresholds.column_unreachable_failures.max(1) as usize;
        let failures: Vec<&CrawlResult> = state
            .crawls
            .iter()
            .take(n)
            .filter(|r| matches!(r, CrawlResult::Failed { .. }))
            .collect();
        if failures.len() == n && state.crawls.len() >= n {
            let (class, status) = match failures[0] {
                CrawlResult::Failed { class, status } => (class.clone(), *status),
                _ => unreachable!("filtered to failures"),
            };
            out.push(finding(
                state.key.clone(),
                Evidence::ColumnUnreachable(ColumnUnreachable {
                    column: base.clone(),
                    failure: class,
                    status,
                    consecutive_failures: n,
                }),
            ));
        }

        // Empty: the latest read listed nothing at all.
        let latest_read = state
            .crawls
            .iter()
            .find(|r| !matches!(r, CrawlResult::Blocked));
        if latest_read == Some(&CrawlResult::Listed { items: 0 }) {
            out.push(finding(
                state.key.clone(),
                Evidence::ColumnEmpty(ColumnEmpty {
                    column: base.clone(),
                }),
            ));
        }

        // Stale: the newest item is older than the class allows.
        if let Some(last) = last_update
            && let Some(limit) = stale_limit(ctx, c.class, last)
        {
            let (limit_days, limit_months) = match limit {
                StaleLimit::Days(d) => (Some(d), None),
                StaleLimit::Months(m) => (None, Some(m)),
            };
            out.push(finding(
                state.key.clone(),
                Evidence::ColumnStale(ColumnStale {
                    column: base.clone(),
                    class: c.class.as_str().to_string(),
                    days_since: (ctx.today - last).num_days(),
                    limit_days,
                    limit_months,
                }),
            ));
        }

        // Quarter rules need at least one successful read.
        if !state.has_been_read() {
            continue;
        }
        for q in open.to_judge(&state.key, Kind::ColumnZeroPublish, last_quarter) {
            if state.published_between(q.start(), ctx.today) == 0 {
                out.push(finding(
                    period_subject(&state.key, q),
                    Evidence::ColumnZeroPublish(ColumnPeriod {
                        column: base.clone(),
                        period: q.to_string(),
                        quota: c.quota,
                        published: 0,
                    }),
                ));
            }
        }
        if let Some(quota) = c.quota {
            for q in open.to_judge(&state.key, Kind::ColumnQuotaShortfall, last_quarter) {
                let published = state.published_between(q.start(), q.end());
                // Every completed quarter since q fell short too: not mended yet.
                let mut later = q.next();
                let mut still_short = true;
                while later <= last_quarter {
                    if state.published_between(later.start(), later.end()) >= quota as usize {
                        still_short = false;
                    }
                    later = later.next();
                }
                // Zero is column_zero_publish's; a shortfall has something published.
                if 0 < published && published < quota as usize && still_short {
                    out.push(finding(
                        period_subject(&state.key, q),
                        Evidence::ColumnQuotaShortfall(ColumnQuotaShortfall {
                            column: base.clone(),
                            period: q.to_string(),
                            quota,
                            published,
                        }),
                    ));
                }
            }
        }
    }
    out
}

/// unit_zero_publish: none of a unit's news-class columns published in the quarter
/// (and since). Units with no news column that was ever read are not judged.
pub fn judge_units(
    ctx: &Context,
    columns: &[ColumnState],
    open: &HashSet<(Kind, String)>,
) -> Vec<Finding> {
    let mut by_unit: BTreeMap<&str, Vec<&ColumnState>> = BTreeMap::new();
    for state in columns {
        if state.column.class == ColumnClass::News && state.has_been_read() {
            for u in &state.column.units {
                by_unit.entry(u.as_str()).or_default().push(state);
            }
        }
    }
    let last_quarter = Period::last_completed_quarter(ctx.today);
    let open = OpenQuarters::of(open);
    let mut out = Vec::new();
    for (unit, states) in by_unit {
        for q in open.to_judge(unit, Kind::UnitZeroPublish, last_quarter) {
            let published: usize = states
                .iter()
                .map(|s| s.published_between(q.start(), ctx.today))
                .sum();
            if published == 0 {
                let columns: Vec<&str> = states.iter().map(|s| s.column.name.as_str()).collect();
                out.push(Finding {
                    kind: Kind::UnitZeroPublish,
                    subject_key: period_subject(unit, q),
                    unit: Some(unit.to_string()),
                    evidence: Evidence::UnitZeroPublish(UnitZeroPublish {
                        period: q.to_string(),
                        unit: unit.to_string(),
                        columns: columns.into_iter().map(String::from).collect(),
                    }),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests;
