//! The column tables of the notices: per column, its responsible units, the quota and
//! what was published in the period (seed 000 附件2), and per unit and column with a
//! status (附件3: 完成 / 未完成 / 零发布). Counts come from stored items' publish dates;
//! during a period they show progress so far (items dated up to the run's day).
//! Pure: catalog and dates in, rows and tables out.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Cell, Table};
use crate::catalog::Catalog;
use crate::detect::period::Period;

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
}

/// 完成 / 未完成 / 零发布
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "完成")]
    Done,
    #[serde(rename = "未完成")]
    Short,
    #[serde(rename = "零发布")]
    Zero,
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
        }
    }
}

/// One row of `export units`; the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    pub unit: String,
    pub column: String,
    pub quota: Option<u32>,
    pub published: usize,
    pub status: Status,
}

/// Items dated within the period and not after `today`.
fn count(dates: &[NaiveDate], period: Period, today: NaiveDate) -> usize {
    let end = period.end().min(today);
    dates
        .iter()
        .filter(|d| period.start() <= **d && **d <= end)
        .count()
}

/// Rows of the column table, in catalog order. `dates` maps a column key to its items'
/// publish dates.
pub fn column_rows(
    catalog: &Catalog,
    dates: &HashMap<String, Vec<NaiveDate>>,
    period: Period,
    today: NaiveDate,
) -> Vec<ColumnRow> {
    catalog
        .columns
        .iter()
        .map(|c| {
            let d = dates.get(&c.key()).map(Vec::as_slice).unwrap_or(&[]);
            ColumnRow {
                site: c.site.clone(),
                column: c.name.clone(),
                units: c.units.clone(),
                quota: c.quota,
                published: count(d, period, today),
                last_update: d.iter().filter(|x| **x <= today).max().copied(),
            }
        })
        .collect()
}

/// Rows of the unit table: every unit, every column naming it, in catalog order.
pub fn unit_rows(
    catalog: &Catalog,
    dates: &HashMap<String, Vec<NaiveDate>>,
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
            let d = dates.get(&c.key()).map(Vec::as_slice).unwrap_or(&[]);
            let published = count(d, period, today);
            rows.push(UnitRow {
                unit: unit.name.clone(),
                column: c.name.clone(),
                quota: c.quota,
                published,
                status: Status::of(c.quota, published),
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

/// `export columns` as a table with the Chinese headers.
pub fn column_table(title: &str, rows: &[ColumnRow]) -> Table {
    let mut t = Table::new(
        title,
        [
            "网站",
            "栏目名称",
            "保障单位",
            "应更新条数",
            "实际更新条数",
            "最新更新日期",
        ],
    );
    for r in rows {
        t.push_row(vec![
            r.site.as_str().into(),
            r.column.as_str().into(),
            r.units.join("、").into(),
            quota_zh(r.quota).into(),
            published_zh(r.quota, r.published).into(),
            Cell::from(r.last_update),
        ]);
    }
    t
}

/// The headers of `export units`; the notice's attachment says 栏目 for 栏目名称.
pub const UNIT_HEADERS: [&str; 5] = ["单位", "栏目名称", "应公开数", "实公开数", "完成情况"];

/// Per unit and column, with 完成情况, as a table with `headers`.
pub fn unit_table(title: &str, headers: [&str; 5], rows: &[UnitRow]) -> Table {
    let mut t = Table::new(title, headers);
    for r in rows {
        t.push_row(vec![
            r.unit.as_str().into(),
            r.column.as_str().into(),
            quota_zh(r.quota).into(),
            published_zh(r.quota, r.published).into(),
            r.status.zh().into(),
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
        let q3: Period = "2020Q3".parse().unwrap();
        let rows = column_rows(&catalog, &dates, q3, d(11, 2));
        assert_eq!(rows[0].published, 2);
        assert_eq!(rows[0].last_update, Some(d(10, 1)));
        assert_eq!(rows[1].published, 0);
        assert_eq!(published_zh(rows[1].quota, rows[1].published), "/");
        assert_eq!(quota_zh(rows[1].quota), "及时更新");
        // Mid-quarter: progress so far, nothing after the run's day.
        let rows = column_rows(&catalog, &dates, q3, d(8, 15));
        assert_eq!(rows[0].published, 1);
        assert_eq!(rows[0].last_update, Some(d(7, 1)));

        let units = unit_rows(&catalog, &dates, q3, d(11, 2));
        let summary: Vec<(&str, &str, &str)> = units
            .iter()
            .map(|r| (r.unit.as_str(), r.column.as_str(), r.status.zh()))
            .collect();
        assert_eq!(
            summary,
            [
                ("财政局", "减税降费", "未完成"),
                ("财政局", "征地拆迁", "零发布"),
                ("旧改办", "征地拆迁", "零发布"),
            ]
        );
        assert_eq!(
            serde_json::to_value(&units[0]).unwrap(),
            serde_json::json!({"unit": "财政局", "column": "减税降费", "quota": 3, "published": 2, "status": "未完成"})
        );
    }
}
