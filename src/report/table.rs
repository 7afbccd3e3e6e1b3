//! The one table shape every report and export fills.

use chrono::{Datelike, NaiveDate};

/// A table with a title, a header row, typed rows and notes printed under it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    /// A header row above `headers` grouping them, as seed 000's 附件3 prints 工作动态
    /// over its 应公开数 and 实公开数: each group's label and how many headers it spans;
    /// an empty label leaves its headers standing alone over both rows (单位). Empty
    /// when the table has one header row.
    pub groups: Vec<(String, usize)>,
    pub rows: Vec<Vec<Cell>>,
    /// Lines under the table, e.g. "合格率70.7%".
    pub notes: Vec<String>,
}

/// One cell. Dates stay dates so spreadsheets can sort and filter them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Date(NaiveDate),
    /// Text standing where a number would: "/" (a 及时更新 column with nothing), 及时更新,
    /// or why there is no count (无法访问, 不完整, 未监测). Written as text, aligned as
    /// the numbers beside it.
    Mark(String),
    /// A share, `part` of `whole` (20 of 22): a percent-formatted number in XLSX, the
    /// seeds' "90.9%" (one decimal, none when whole: "100%") everywhere else. Build it
    /// with [`Cell::percent`], which leaves a share of nothing empty.
    Percent {
        part: i64,
        whole: i64,
    },
    Empty,
}

impl Table {
    pub fn new<I, S>(title: impl Into<String>, headers: I) -> Table
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Table {
            title: title.into(),
            headers: headers.into_iter().map(Into::into).collect(),
            groups: Vec::new(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The headers in one row, each under its group's label: 工作动态应公开数, for the
    /// writers with a single header row (Markdown, CSV, XLSX).
    pub fn flat_headers(&self) -> Vec<String> {
        let mut labels = self
            .groups
            .iter()
            .flat_map(|(label, span)| std::iter::repeat_n(label.as_str(), *span));
        self.headers
            .iter()
            .map(|h| format!("{}{h}", labels.next().unwrap_or("")))
            .collect()
    }

    pub fn push_row(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Cell {
    /// The cell as text: dates as `2020-01-09`, empty as "".
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) | Cell::Mark(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Percent { .. } => self.fraction().map(percent_text).unwrap_or_default(),
            Cell::Empty => String::new(),
        }
    }

    /// `part` of `whole` as a percent cell; empty when `whole` is 0.
    pub fn percent(part: i64, whole: i64) -> Cell {
        if whole == 0 {
            Cell::Empty
        } else {
            Cell::Percent { part, whole }
        }
    }

    /// The number a spreadsheet holds for the cell: a share as a fraction (0.909).
    pub fn fraction(&self) -> Option<f64> {
        match self {
            Cell::Percent { part, whole } if *whole != 0 => Some(*part as f64 / *whole as f64),
            _ => None,
        }
    }
}

/// A rate as the seeds print it: `100%`, `90.9%`, `0%`.
pub fn percent_text(rate: f64) -> String {
    let p = (rate * 1000.0).round() / 10.0;
    if p.fract() == 0.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

impl Cell {
    /// The cell as people read it in a document (HTML, Markdown, Word): dates as
    /// `2020年1月9日`; otherwise as [`Cell::text`].
    pub fn display(&self) -> String {
        match self {
            Cell::Date(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
            other => other.text(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Cell {
        Cell::Int(i)
    }
}

impl From<NaiveDate> for Cell {
    fn from(d: NaiveDate) -> Cell {
        Cell::Date(d)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Cell {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// The width of text in a monospaced or spreadsheet column: CJK and other wide
/// characters count two, everything else one.
pub fn display_width(text: &str) -> usize {
    text.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_double() {
        assert_eq!(display_width("责任单位"), 8);
        assert_eq!(display_width("合格率 70.7%"), 12);
        assert_eq!(display_width("（截至1月9日）"), 14);
    }

    #[test]
    fn grouped_headers_flatten_under_their_labels() {
        let mut t = Table::new("附件3", ["单位", "应公开数", "实公开数", "应公开数"]);
        t.groups = vec![
            ("".into(), 1),
            ("工作动态".into(), 2),
            ("单位文件".into(), 1),
        ];
        assert_eq!(
            t.flat_headers(),
            [
                "单位",
                "工作动态应公开数",
                "工作动态实公开数",
                "单位文件应公开数"
            ]
        );
        t.groups.clear();
        assert_eq!(t.flat_headers(), t.headers);
    }

    #[test]
    fn cells_print_dates_as_iso_days() {
        let d = NaiveDate::from_ymd_opt(2020, 1, 9).unwrap();
        assert_eq!(Cell::from(d).text(), "2020-01-09");
        assert_eq!(Cell::from(d).display(), "2020年1月9日");
        assert_eq!(Cell::from(None::<NaiveDate>), Cell::Empty);
        assert_eq!(Cell::from(12_i64).text(), "12");
    }

    #[test]
    fn shares_print_as_the_seeds_percentages() {
        assert_eq!(Cell::percent(20, 22).text(), "90.9%");
        assert_eq!(Cell::percent(20, 22).display(), "90.9%");
        assert_eq!(Cell::percent(7, 7).text(), "100%");
        assert_eq!(Cell::percent(0, 3).text(), "0%");
        assert_eq!(Cell::percent(329, 331).text(), "99.4%");
        assert_eq!(Cell::percent(0, 0), Cell::Empty);
        assert_eq!(Cell::percent(1, 8).fraction(), Some(0.125));
    }
}
