//! The findings export: every episode open at any time in a period, one row each, with
//! its sentence and the evidence (URLs and dates) it was found with. Pure: stored records
//! and the run's clock in, rows and tables out.

use chrono::NaiveDate;
use serde::Serialize;

use super::{Cell, Table};
use crate::clock::Clock;
use crate::detect::Kind;
use crate::detect::columns::split_period_subject;
use crate::detect::period::Period;
use crate::store::FindingRecord;

/// One row of `export findings`; the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    /// The finding's ID (编号), for `govwatch dismiss`.
    pub id: i64,
    pub kind: String,
    pub subject: String,
    pub unit: Option<String>,
    pub sentence: String,
    pub opened_on: NaiveDate,
    /// The local day of the latest check that saw the problem.
    pub last_confirmed: NaiveDate,
    /// The day it was rectified, if on or before the run's day.
    pub resolved_on: Option<NaiveDate>,
    pub rectified: bool,
    /// Closed on or before the run's day as 不再监测 (its pages no longer read): not
    /// rectified.
    pub unwatched: bool,
    pub evidence: serde_json::Value,
    /// Marked a false alarm (已核实为误报).
    pub dismissed: bool,
    /// Why and by whom, when dismissed.
    pub dismissal: Option<DismissalNote>,
}

/// A dismissal as exports show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DismissalNote {
    pub reason: String,
    pub by: String,
    pub on: NaiveDate,
}

/// A 是否整改 cell: 已核实为误报 for a dismissed finding, 不再监测 for one closed because
/// its pages are no longer read, else 是 or 否.
pub fn rectified_cell(dismissed: bool, rectified: bool, unwatched: bool) -> &'static str {
    if dismissed {
        super::DISMISSED
    } else if unwatched {
        super::UNWATCHED
    } else {
        super::yes_no(rectified)
    }
}

/// The day `f` was rectified (整改), if on or before `today`; and whether it closed as
/// 不再监测 on or before `today` instead.
pub fn rectified_by(f: &FindingRecord, today: NaiveDate) -> (Option<NaiveDate>, bool) {
    let closed = f.resolved_on.is_some_and(|d| d <= today);
    (
        f.rectified_on().filter(|d| *d <= today),
        closed && f.is_unwatched(),
    )
}

/// Whether an episode belongs to `period`, as seen on `today`. A finding about a period
/// (`KEY#2020Q3`: zero publish, quota shortfall, a week's minimum) belongs to that period
/// only, and to a longer one that holds it (a week's to its month and quarter, by the
/// week's last day); any other episode belongs to every period it was open in.
pub fn open_in(f: &FindingRecord, period: Period, today: NaiveDate) -> bool {
    if f.opened_on > today {
        return false;
    }
    if let Some((_, about)) = split_period_subject(&f.subject_key) {
        return about == period || (span(about) < span(period) && period.contains(about.end()));
    }
    let end = period.end().min(today);
    f.opened_on <= end && f.resolved_on.is_none_or(|r| r > period.start())
}

/// Weeks are shorter than months, months than quarters.
fn span(p: Period) -> u8 {
    match p {
        Period::Week { .. } => 0,
        Period::Month { .. } => 1,
        Period::Quarter { .. } => 2,
    }
}

/// The episodes open at any time in `period`, in the order given (the store's: opening).
/// Dismissed ones (误报) too: exports show them; the notice and scores use [`counted`].
pub fn in_period(
    records: &[FindingRecord],
    period: Period,
    today: NaiveDate,
) -> Vec<&FindingRecord> {
    records
        .iter()
        .filter(|f| open_in(f, period, today))
        .collect()
}

/// The episodes that count as problems: all but those the office marked false alarms
/// (误报). The notice, the email, the pass rate and the scores read only these.
pub fn counted<'a>(records: impl IntoIterator<Item = &'a FindingRecord>) -> Vec<&'a FindingRecord> {
    records.into_iter().filter(|f| !f.is_dismissed()).collect()
}

/// Rows for the export.
pub fn finding_rows(records: &[FindingRecord], period: Period, clock: &Clock) -> Vec<FindingRow> {
    let today = clock.today();
    in_period(records, period, today)
        .into_iter()
        .map(|f| {
            let (resolved_on, unwatched) = rectified_by(f, today);
            FindingRow {
                id: f.id,
                kind: f.kind.to_string(),
                subject: f.subject_key.clone(),
                unit: f.unit.clone(),
                sentence: super::wording::sentence(f),
                opened_on: f.opened_on,
                last_confirmed: clock.day_of(f.last_confirmed),
                resolved_on,
                rectified: resolved_on.is_some(),
                unwatched,
                evidence: f.evidence_json(),
                dismissed: f.is_dismissed(),
                dismissal: f.dismissal.as_ref().map(|d| DismissalNote {
                    reason: d.reason.clone(),
                    by: d.by.clone(),
                    on: clock.day_of(d.at),
                }),
            }
        })
        .collect()
}

/// 问题类型 for a finding code; the code itself when unknown.
pub fn kind_zh(code: &str) -> &str {
    code.parse::<Kind>().map_or(code, |k| k.name_zh())
}

/// What the evidence's keys say, in Chinese: the keys a clerk reads (URLs and dates);
/// the others stay in the JSON export.
const EVIDENCE_LABELS: [(&str, &str); 10] = [
    ("url", "网址"),
    ("last_update", "最新更新"),
    ("last_post", "最新发布"),
    ("last_original", "最新原创"),
    ("opened_on", "开设日期"),
    ("closed_on", "注销日期"),
    ("week_start", "周起始日"),
    ("week_end", "周截止日"),
    ("page", "所在页面"),
    ("pages", "所在页面"),
];

/// The evidence as one cell: its URLs and dates, one `标签：值` a line, dates as
/// 2020年6月28日 (`最新更新：2020年6月28日`). Keys without a label are left out.
pub fn evidence_text(evidence: &serde_json::Value) -> String {
    fn shown(s: &str) -> Option<String> {
        if s.starts_with("http://") || s.starts_with("https://") {
            Some(s.to_string())
        } else {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(super::notice::date_zh)
        }
    }
    let mut lines = Vec::new();
    let Some(map) = evidence.as_object() else {
        return String::new();
    };
    for (key, label) in EVIDENCE_LABELS {
        let values: Vec<String> = match map.get(key) {
            Some(serde_json::Value::String(s)) => shown(s).into_iter().collect(),
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|v| {
                    v.as_str()
                        .or_else(|| v.get("page").and_then(|p| p.as_str()))
                })
                .filter_map(shown)
                .collect(),
            _ => Vec::new(),
        };
        if !values.is_empty() {
            lines.push(format!("{label}：{}", values.join(" ")));
        }
    }
    lines.join("\n")
}

pub const HEADERS: [&str; 9] = [
    "编号",
    "责任单位",
    "问题类型",
    "问题描述",
    "发现日期",
    "最近确认",
    "整改日期",
    "是否整改",
    "证据",
];

/// The export as a table with the Chinese headers.
pub fn table(title: &str, rows: &[FindingRow]) -> Table {
    let mut t = Table::new(title, HEADERS);
    for r in rows {
        t.push_row(vec![
            Cell::Int(r.id),
            Cell::from(r.unit.clone()),
            kind_zh(&r.kind).into(),
            r.sentence.as_str().into(),
            r.opened_on.into(),
            r.last_confirmed.into(),
            r.resolved_on.into(),
            rectified_cell(r.dismissed, r.rectified, r.unwatched).into(),
            evidence_text(&r.evidence).into(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn evidence_keeps_urls_and_dates() {
        let e = json!({"url": "http://127.0.0.1:9/gzdt/", "units": ["县公安局"],
            "last_update": "2020-01-02", "quota": 12, "period": "2020Q1"});
        assert_eq!(
            evidence_text(&e),
            "网址：http://127.0.0.1:9/gzdt/\n最新更新：2020年1月2日"
        );
        let e = json!({"url": "http://127.0.0.1:9/x.pdf", "detected_on": "2020-01-09",
            "pages": [{"page": "http://127.0.0.1:9/", "anchor": "附件", "where": "首页"}]});
        assert_eq!(
            evidence_text(&e),
            "网址：http://127.0.0.1:9/x.pdf\n所在页面：http://127.0.0.1:9/"
        );
    }
}
