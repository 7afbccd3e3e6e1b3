//! The column tables of the notices: per column, its responsible units, the quota and
//! what was published in the period (seed 000 附件2), and per unit and column with a
//! status (附件3: 完成 / 未完成 / 零发布). Counts come from stored items' publish dates;
//! during a period they show progress so far (items dated up to the run's day).
//!
//! A count is stated only where the store can back it: a column not crawled in the
//! period is 未监测, one crawled but never read in it is 无法访问 (unreadable is not
//! zero), and one whose stored list does not reach back to the period's start is 不完整.
//! Quotas and 完成情况 are a quarter's: a month or a week shows counts and last updates.
//! Pure: catalog, dates and reads in, rows and tables out.

use std::collections::HashMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use super::{Cell, Table};
use crate::catalog::{Catalog, ColumnClass};
use crate::detect::period::Period;
use crate::observe::{CrawlOutcome, FailureClass};
use crate::store::ColumnCrawl;

/// One row of `export columns`; the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnRow {
    pub site: String,
    pub column: String,
    /// 保障单位
    pub units: Vec<String>,
    /// 应更新条数; `None` for 及时更新.
    pub quota: Option<u32>,
    /// 实际更新条数 in the period.
    pub published: usize,
    /// The newest item on or before the run's day.
    pub last_update: Option<NaiveDate>,
    /// As in `export units`: `None` for a month or week whose count is stated.
    pub status: Option<Status>,
}

/// 完成 / 未完成 / 零发布 against a quarter's quota, or why no count can be stated:
/// 无法访问, 未监测, 不完整.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "完成")]
    Done,
    #[serde(rename = "未完成")]
    Short,
    #[serde(rename = "零发布")]
    Zero,
    #[serde(rename = "无法访问")]
    Unreadable,
    #[serde(rename = "未监测")]
    Unwatched,
    #[serde(rename = "不完整")]
    Incomplete,
}

impl Status {
    pub fn of(quota: Option<u32>, published: usize) -> Status {
        match (quota, published) {
            (_, 0) => Status::Zero,
            (Some(q), p) if p < q as usize => Status::Short,
            _ => Status::Done,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Done => "完成",
            Status::Short => "未完成",
            Status::Zero => "零发布",
            Status::Unreadable => "无法访问",
            Status::Unwatched => "未监测",
            Status::Incomplete => "不完整",
        }
    }

    /// Whether the period's count is known (the column was read and its list reaches
    /// back to the period's start).
    pub fn is_counted(self) -> bool {
        matches!(self, Status::Done | Status::Short | Status::Zero)
    }
}

/// What the store knows of a column's reads: enough to say whether a period's count
/// can be stated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnReads {
    /// Local days of every crawl of its list, read or failed.
    pub crawl_days: Vec<NaiveDate>,
    /// Local days of the crawls that read the list.
    pub read_days: Vec<NaiveDate>,
    /// The stored list holds every item dated on or after this day: the day of its first
    /// read, the day after its oldest stored item, or how far back a crawl that was not
    /// cut short by the page limit paged; the earliest of them.
    pub complete_from: Option<NaiveDate>,
}

impl ColumnReads {
    /// The first and last day the list was read in `[from, to]`.
    pub fn read_between(&self, from: NaiveDate, to: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
        let days = || self.read_days.iter().filter(|d| from <= **d && **d <= to);
        Some((*days().min()?, *days().max()?))
    }

    /// Whether the period's count can be stated, as of `today`; `None` when it can. A
    /// read after the period counts too: its list shows the period's items when it
    /// reaches back far enough.
    pub fn coverage(&self, period: Period, today: NaiveDate) -> Option<Status> {
        let from = period.start();
        let since = |days: &[NaiveDate]| days.iter().any(|d| from <= *d && *d <= today);
        if !since(&self.crawl_days) {
            Some(Status::Unwatched)
        } else if !since(&self.read_days) {
            Some(Status::Unreadable)
        } else if self.complete_from.is_none_or(|d| d > from) {
            Some(Status::Incomplete)
        } else {
            None
        }
    }
}

/// Each column's [`ColumnReads`] by key, from its stored crawls (any order) and item
/// dates. `day_of` gives a crawl's local day; a crawl that read fewer than `max_pages`
/// pages paged back as far as crawls page, to `back_to(its day)`.
pub fn reads_by_key(
    column_ids: &HashMap<String, i64>,
    crawls: &HashMap<i64, Vec<ColumnCrawl>>,
    dates: &HashMap<String, Vec<NaiveDate>>,
    day_of: impl Fn(DateTime<Utc>) -> NaiveDate,
    max_pages: u32,
    back_to: impl Fn(NaiveDate) -> NaiveDate,
) -> HashMap<String, ColumnReads> {
    let mut out = HashMap::new();
    for (key, id) in column_ids {
        let mut list: Vec<&ColumnCrawl> = crawls.get(id).into_iter().flatten().collect();
        list.sort_by_key(|c| c.at);
        let mut reads = ColumnReads::default();
        let mut from: Option<NaiveDate> = None;
        let mut earliest = |d: NaiveDate| from = Some(from.map_or(d, |f| f.min(d)));
        for c in list {
            let day = day_of(c.at);
            match c.outcome {
                // A challenge says nothing about the column: not a read, not a failure;
                // nor does a page whose list was not recognized (未监测 until it is).
                CrawlOutcome::Failed(FailureClass::Blocked) | CrawlOutcome::Unrecognized => {
                    continue;
                }
                CrawlOutcome::Ok | CrawlOutcome::NotModified => {
                    reads.read_days.push(day);
                    earliest(day);
                    if c.pages < i64::from(max_pages.max(1)) {
                        earliest(back_to(day));
                    }
                }
                CrawlOutcome::Extract | CrawlOutcome::Failed(_) => {}
            }
            reads.crawl_days.push(day);
        }
        if let Some(oldest) = dates.get(key).and_then(|d| d.iter().min()) {
            earliest(*oldest + Days::new(1));
        }
        reads.complete_from = from;
        out.insert(key.clone(), reads);
    }
    out
}

/// A column's status in `period`: why no count can be stated, else, for a quarter, the
/// count against its quota; `None` for a month or week that was counted.
pub fn status_in(
    reads: Option<&ColumnReads>,
    period: Period,
    today: NaiveDate,
    quota: Option<u32>,
    published: usize,
) -> Option<Status> {
    let empty = ColumnReads::default();
    if let Some(s) = reads.unwrap_or(&empty).coverage(period, today) {
        return Some(s);
    }
    is_quarter(period).then(|| Status::of(quota, published))
}

/// Quotas are per quarter: months and weeks show counts only.
pub fn is_quarter(period: Period) -> bool {
    matches!(period, Period::Quarter { .. })
}

/// One row of `export units`; the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    pub unit: String,
    pub column: String,
    /// The column's class: news columns are a unit's 工作动态, policy columns its 单位文件
    /// (seed 000 附件3).
    #[serde(skip)]
    pub class: ColumnClass,
    pub quota: Option<u32>,
    pub published: usize,
    /// `None` for a month or week whose count is stated.
    pub status: Option<Status>,
    /// The newest item on or before the run's day.
    #[serde(skip)]
    pub last_update: Option<NaiveDate>,
}

/// Items dated within the period and not after `today`.
fn count(dates: &[NaiveDate], period: Period, today: NaiveDate) -> usize {
    let end = period.end().min(today);
    dates
        .iter()
        .filter(|d| period.start() <= **d && **d <= end)
        .count()
}

/// What the column tables are made from: each column's item dates and reads, by key.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub dates: &'a HashMap<String, Vec<NaiveDate>>,
    pub reads: &'a HashMap<String, ColumnReads>,
}

/// Rows of the column table, in catalog order.
pub fn column_rows(
    catalog: &Catalog,
    seen: Observed<'_>,
    period: Period,
    today: NaiveDate,
) -> Vec<ColumnRow> {
    catalog
        .columns
        .iter()
        .map(|c| {
            let d = seen.dates.get(&c.key()).map(Vec::as_slice).unwrap_or(&[]);
            let published = count(d, period, today);
            let status = status_in(seen.reads.get(&c.key()), period, today, c.quota, published);
            ColumnRow {
                site: c.site.clone(),
                column: c.name.clone(),
                units: c.units.clone(),
                quota: c.quota.filter(|_| is_quarter(period)),
                published,
                last_update: d.iter().filter(|x| **x <= today).max().copied(),
                status,
            }
        })
        .collect()
}

/// Rows of the unit table: every unit, every column naming it, in catalog order.
pub fn unit_rows(
    catalog: &Catalog,
    seen: Observed<'_>,
    period: Period,
    today: NaiveDate,
) -> Vec<UnitRow> {
    let mut rows = Vec::new();
    for unit in &catalog.units {
        for c in catalog
            .columns
            .iter()
            .filter(|c| c.units.contains(&unit.name))
        {
            let d = seen.dates.get(&c.key()).map(Vec::as_slice).unwrap_or(&[]);
            let published = count(d, period, today);
            rows.push(UnitRow {
                unit: unit.name.clone(),
                column: c.name.clone(),
                class: c.class,
                quota: c.quota.filter(|_| is_quarter(period)),
                published,
                status: status_in(seen.reads.get(&c.key()), period, today, c.quota, published),
                last_update: d.iter().filter(|x| **x <= today).max().copied(),
            });
        }
    }
    rows
}

/// 应更新条数 as the seeds print it.
pub fn quota_zh(quota: Option<u32>) -> String {
    quota.map_or_else(|| "及时更新".to_string(), |q| q.to_string())
}

/// 实际更新条数 as the seeds print it: "/" for a 及时更新 column with nothing.
pub fn published_zh(quota: Option<u32>, published: usize) -> String {
    if quota.is_none() && published == 0 {
        "/".to_string()
    } else {
        published.to_string()
    }
}

/// 实际更新条数 as a cell: the count (a number), "/" as the seeds print it, or why there
/// is none (无法访问, 未监测, 不完整).
pub fn published_cell(quota: Option<u32>, published: usize, status: Option<Status>) -> Cell {
    match status {
        Some(s) if !s.is_counted() => Cell::Mark(s.zh().into()),
        _ if quota.is_none() && published == 0 => Cell::Mark("/".into()),
        _ => Cell::Int(published as i64),
    }
}

/// 应更新条数 as a cell: the quota (a number) or 及时更新.
pub fn quota_cell(quota: Option<u32>) -> Cell {
    match quota {
        Some(q) => Cell::Int(q.into()),
        None => Cell::Mark("及时更新".into()),
    }
}

/// `export columns` as a table with the Chinese headers; a month or week has no quota.
pub fn column_table(title: &str, period: Period, rows: &[ColumnRow]) -> Table {
    let quarter = is_quarter(period);
    let mut headers = vec!["网站", "栏目名称", "保障单位"];
    if quarter {
        headers.push("应更新条数");
    }
    headers.extend(["实际更新条数", "最新更新日期"]);
    let mut t = Table::new(title, headers);
    for r in rows {
        let mut row: Vec<Cell> = vec![
            r.site.as_str().into(),
            r.column.as_str().into(),
            r.units.join("、").into(),
        ];
        if quarter {
            row.push(quota_cell(r.quota));
        }
        row.push(published_cell(r.quota, r.published, r.status));
        row.push(Cell::from(r.last_update));
        t.push_row(row);
    }
    t
}

/// The headers of `export units`; the notice's attachment says 栏目 for 栏目名称.
pub const UNIT_HEADERS: [&str; 5] = ["单位", "栏目名称", "应公开数", "实公开数", "完成情况"];

/// Per unit and column, with 完成情况, as a table with `headers`; a month or week shows
/// 实公开数 and 最新更新日期 only.
pub fn unit_table(title: &str, headers: [&str; 5], period: Period, rows: &[UnitRow]) -> Table {
    if !is_quarter(period) {
        let mut t = Table::new(title, [headers[0], headers[1], headers[3], "最新更新日期"]);
        for r in rows {
            t.push_row(vec![
                r.unit.as_str().into(),
                r.column.as_str().into(),
                published_cell(r.quota, r.published, r.status),
                Cell::from(r.last_update),
            ]);
        }
        return t;
    }
    let mut t = Table::new(title, headers);
    for r in rows {
        t.push_row(vec![
            r.unit.as_str().into(),
            r.column.as_str().into(),
            quota_cell(r.quota),
            published_cell(r.quota, r.published, r.status),
            r.status.map_or("", Status::zh).into(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::load_texts;

    #[test]
    fn counts_follow_the_period_and_stop_at_today() {
        let text = r#"
[[unit]]
name = "财政局"
[[unit]]
name = "旧改办"
[[site]]
name = "区政府"
url = "http://127.0.0.1:9/"
[[column]]
site = "区政府"
name = "减税降费"
url = "http://127.0.0.1:9/jsjf/"
units = ["财政局"]
quota = 3
[[column]]
site = "区政府"
name = "征地拆迁"
url = "http://127.0.0.1:9/zdcq/"
units = ["旧改办", "财政局"]
"#;
        let catalog = load_texts(&[(Path::new("c.toml"), text)]).unwrap().catalog;
        let d = |m, day| NaiveDate::from_ymd_opt(2020, m, day).unwrap();
        let dates = HashMap::from([(
            "http://127.0.0.1:9/jsjf/".to_string(),
            vec![d(6, 30), d(7, 1), d(9, 30), d(10, 1)],
        )]);
        // 减税降费 read since 2020-06-01, its list reaching back to 3月1日; 征地拆迁 read
        // from 8月10日, its list not known
        // to reach back to 7月1日.
        let reads = HashMap::from([
            (
                "http://127.0.0.1:9/jsjf/".to_string(),
                ColumnReads {
                    crawl_days: vec![d(6, 1), d(8, 10), d(11, 2)],
                    read_days: vec![d(6, 1), d(8, 10), d(11, 2)],
                    complete_from: Some(d(3, 1)),
                },
            ),
            (
                "http://127.0.0.1:9/zdcq/".to_string(),
                ColumnReads {
                    crawl_days: vec![d(8, 10)],
                    read_days: vec![d(8, 10)],
                    complete_from: Some(d(8, 10)),
                },
            ),
        ]);
        let seen = Observed {
            dates: &dates,
            reads: &reads,
        };
        let q3: Period = "2020Q3".parse().unwrap();
        let rows = column_rows(&catalog, seen, q3, d(11, 2));
        assert_eq!(rows[0].published, 2);
        assert_eq!(rows[0].last_update, Some(d(10, 1)));
        assert_eq!(rows[1].published, 0);
        assert_eq!(rows[1].status, Some(Status::Incomplete));
        assert_eq!(
            published_cell(rows[1].quota, rows[1].published, rows[1].status),
            Cell::Mark("不完整".into())
        );
        assert_eq!(
            published_cell(None, 0, Some(Status::Zero)),
            Cell::Mark("/".into())
        );
        assert_eq!(published_cell(Some(3), 2, None), Cell::Int(2));
        assert_eq!(quota_zh(rows[1].quota), "及时更新");
        // Mid-quarter: progress so far, nothing after the run's day.
        let rows = column_rows(&catalog, seen, q3, d(8, 15));
        assert_eq!(rows[0].published, 1);
        assert_eq!(rows[0].last_update, Some(d(7, 1)));
        // Q4 before any crawl in it: not monitored.
        let q4: Period = "2020Q4".parse().unwrap();
        let rows = column_rows(&catalog, seen, q4, d(10, 5));
        assert_eq!(rows[0].status, Some(Status::Unwatched));
        // Q2 read only after it ended, its list reaching back: counted.
        let q2: Period = "2020Q2".parse().unwrap();
        let rows = column_rows(&catalog, seen, q2, d(8, 10));
        assert_eq!(rows[0].status, Some(Status::Short));

        let units = unit_rows(&catalog, seen, q3, d(11, 2));
        let summary: Vec<(&str, &str, &str)> = units
            .iter()
            .map(|r| (r.unit.as_str(), r.column.as_str(), r.status.unwrap().zh()))
            .collect();
        assert_eq!(
            summary,
            [
                ("财政局", "减税降费", "未完成"),
                ("财政局", "征地拆迁", "不完整"),
                ("旧改办", "征地拆迁", "不完整"),
            ]
        );
        assert_eq!(
            serde_json::to_value(&units[0]).unwrap(),
            serde_json::json!({"unit": "财政局", "column": "减税降费", "quota": 3, "published": 2, "status": "未完成"})
        );
        // A month shows counts only: no quota, no 完成情况.
        let august: Period = "2020-08".parse().unwrap();
        let units = unit_rows(&catalog, seen, august, d(11, 2));
        assert_eq!((units[0].quota, units[0].status), (None, None));
        let t = unit_table("8月", UNIT_HEADERS, august, &units);
        assert_eq!(t.headers, ["单位", "栏目名称", "实公开数", "最新更新日期"]);
    }

    /// A 及时更新 column has no quota: 应公开数 says 及时更新, never a number; it is never
    /// 未完成. Nothing published in the period is "/" in 实公开数 (seed 000's 征地拆迁)
    /// and 零发布 in 完成情况, as detect opens its column_zero_publish ("及时更新 columns
    /// have no quota but still report 0", DOMAIN.md); something published is counted
    /// and 完成.
    #[test]
    fn a_column_updated_when_there_is_news_has_no_quota_and_still_reports_zero() {
        let q3: Period = "2020Q3".parse().unwrap();
        let row = |published| UnitRow {
            unit: "旧改办".into(),
            column: "征地拆迁".into(),
            class: ColumnClass::Other,
            quota: None,
            published,
            status: Some(Status::of(None, published)),
            last_update: None,
        };
        let t = unit_table("t", UNIT_HEADERS, q3, &[row(0), row(2)]);
        assert_eq!(
            t.rows[0],
            vec![
                "旧改办".into(),
                "征地拆迁".into(),
                Cell::Mark("及时更新".into()),
                Cell::Mark("/".into()),
                "零发布".into()
            ]
        );
        assert_eq!(
            t.rows[1][2..],
            [Cell::Mark("及时更新".into()), Cell::Int(2), "完成".into()]
        );
        for published in 0..5 {
            assert_ne!(Status::of(None, published), Status::Short);
        }
        // A column not read in the period says why, in both cells.
        let unread = UnitRow {
            status: Some(Status::Unreadable),
            ..row(0)
        };
        let t = unit_table("t", UNIT_HEADERS, q3, &[unread]);
        assert_eq!(
            t.rows[0][3..],
            [Cell::Mark("无法访问".into()), "无法访问".into()]
        );
    }
}
