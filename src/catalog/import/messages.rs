//! 政民互动 records from internal systems (`govwatch import messages`): 12345 hotline
//! work orders and a mailbox's back office, one row per record, as [`Message`]s the
//! store keeps beside the letters the crawl reads.
//!
//! A record is keyed by (渠道, 编号): a 渠道 column beats `--channel`, which is the
//! default for rows without one. Dates are days (`2022-04-01`, `2022/4/1 09:30`,
//! `2022年4月1日`); 办理时限 is a day, or a number of working days (`5个工作日`, a bare
//! `5`) or calendar days (`15天`) after the day received; 是否撤单 / 是否返工 read
//! 是/否, Y/N, yes/no, 1/0, √/×. A withdrawn status (已撤单, 已撤回) withdraws the
//! record too; an answered status (已办结, 已回复) without a 办结日期 is answered on the
//! day of the import, marked 估计. 承办单位 is mapped to the catalog's unit names
//! ([`crate::catalog::names::unit_named`]); a name not in the catalog is kept as
//! written and listed once. A row without 编号 or 受理日期, or with a cell it cannot
//! read, is reported with its row number and left out.
//!
//! Pure: sheets and the catalog's unit names in, records out; writing them is the
//! store's business.

use std::collections::HashMap;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};

use super::ImportError;
use super::headers::{Columns, Field, find_columns, no_header, normalize_header};
use super::sheet::{Row, RowProblem, RowRef, Sheet, read_sheets};
use crate::catalog::names::{squash, unit_named};
use crate::extract::dates::parse_date_cell;
use crate::extract::mailbox::LetterState;
use crate::observe::Message;

const REQUIRED: [Field; 2] = [Field::Number, Field::Received];
const OPTIONAL: [Field; 9] = [
    Field::Channel,
    Field::Unit,
    Field::Answered,
    Field::Deadline,
    Field::Status,
    Field::Category,
    Field::Withdrawn,
    Field::Reworked,
    Field::Title,
];
const EXAMPLE: &str =
    "编号 (工单号), 渠道, 承办单位, 受理日期, 办结日期, 办理时限, 状态, 类别, 是否撤单, 是否返工";

/// What the import needs besides the sheet.
#[derive(Debug, Clone, Copy)]
pub struct MessageContext<'a> {
    /// `--channel`: the 渠道 of rows that name none.
    pub channel: Option<&'a str>,
    /// The catalog's unit names, for 承办单位.
    pub units: &'a [String],
    /// `[schedule] holidays` and `workdays`, for a 办理时限 in working days.
    pub holidays: &'a [NaiveDate],
    pub workdays: &'a [NaiveDate],
    /// The day of the import: year-less dates are read against it, and an answered
    /// record without a date is answered on it (估计).
    pub today: NaiveDate,
}

/// What a records sheet holds.
#[derive(Debug, Clone, Default)]
pub struct MessageSheet {
    pub records: Vec<Message>,
    /// Rows left out, with the reason.
    pub rejected: Vec<RowProblem>,
    /// Rows used with a remark (an unreadable 办理时限, a 办结日期 before 受理日期 …).
    pub notes: Vec<RowProblem>,
    /// 承办单位 names not in the catalog, kept as written, each once.
    pub unknown_units: Vec<String>,
}

/// Reads a records sheet (CSV or XLSX).
pub fn read_messages(path: &Path, cx: &MessageContext<'_>) -> Result<MessageSheet, ImportError> {
    let sheets = read_sheets(path)?;
    let Some(sheet) = parse_messages(&sheets, cx) else {
        return Err(no_header(path, &sheets, &REQUIRED, EXAMPLE));
    };
    if sheet.records.is_empty()
        && cx.channel.is_none()
        && sheet
            .rejected
            .iter()
            .any(|r| r.message.starts_with("no 渠道"))
    {
        return Err(ImportError::Unreadable {
            path: path.to_path_buf(),
            message: "no row names its 渠道 (there is no 渠道 column, or it is blank): pass --channel NAME (12345热线, 区长信箱 …) to say whose records they are".into(),
        });
    }
    Ok(sheet)
}

/// Reads the records of sheets; `None` when no sheet has a header row with 编号 and
/// 受理日期.
pub fn parse_messages(sheets: &[Sheet], cx: &MessageContext<'_>) -> Option<MessageSheet> {
    let mut out = MessageSheet::default();
    let mut seen: HashMap<(String, String), RowRef> = HashMap::new();
    let mut any_header = false;
    for sheet in sheets {
        let Some(cols) = find_columns(sheet, &REQUIRED, &OPTIONAL) else {
            continue;
        };
        any_header = true;
        for row in sheet.rows.iter().filter(|r| r.number > cols.header_row) {
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let at = RowRef {
                sheet: sheet.name.clone(),
                row: row.number,
            };
            let record = match read_row(&cols, row, &at, cx, &mut out) {
                Ok(r) => r,
                Err(message) => {
                    out.rejected.push(RowProblem { at, message });
                    continue;
                }
            };
            let key = (record.channel.clone(), record.number.clone());
            if let Some(first) = seen.get(&key) {
                out.rejected.push(RowProblem {
                    at,
                    message: format!(
                        "编号 \"{}\" of 渠道 {} is already at {first}",
                        record.number, record.channel
                    ),
                });
                continue;
            }
            seen.insert(key, at);
            out.records.push(record);
        }
    }
    any_header.then_some(out)
}

/// One row as a record, or why it cannot be one.
fn read_row(
    cols: &Columns,
    row: &Row,
    at: &RowRef,
    cx: &MessageContext<'_>,
    out: &mut MessageSheet,
) -> Result<Message, String> {
    let number = cols
        .get(row, Field::Number)
        .ok_or_else(|| format!("no {}", Field::Number.label()))?
        .to_string();
    let channel = cols
        .get(row, Field::Channel)
        .map(squash)
        .or_else(|| cx.channel.map(str::to_string))
        .ok_or("no 渠道: the sheet has none for this row and no --channel was given")?;
    let received_text = cols
        .get(row, Field::Received)
        .ok_or_else(|| format!("no {}", Field::Received.label()))?;
    let received_on = day_of(received_text, cx.today)
        .ok_or_else(|| format!("受理日期 \"{received_text}\" is not a date"))?;
    let mut answered_on = match cols.get(row, Field::Answered) {
        Some(text) => Some(
            day_of(text, cx.today).ok_or_else(|| format!("办结日期 \"{text}\" is not a date"))?,
        ),
        None => None,
    };
    let flag = |field: Field| -> Result<bool, String> {
        match cols.get(row, field) {
            None => Ok(false),
            Some(text) => yes_no(text).ok_or_else(|| {
                format!(
                    "{} \"{text}\" is neither yes nor no: write 是/否, Y/N, 1/0 or √",
                    field.label()
                )
            }),
        }
    };
    let mut withdrawn = flag(Field::Withdrawn)?;
    let reworked = flag(Field::Reworked)?;
    let status = cols.get(row, Field::Status).map(squash);
    let state = status
        .as_deref()
        .map_or(LetterState::Unknown, LetterState::of_status);
    withdrawn |= state == LetterState::Withdrawn;
    let mut answered_estimated = false;
    let mut note = |message: String| {
        out.notes.push(RowProblem {
            at: at.clone(),
            message,
        })
    };
    if answered_on.is_none() && state == LetterState::Answered && !withdrawn {
        answered_on = Some(cx.today);
        answered_estimated = true;
        note(format!(
            "状态 \"{}\" but no 办结日期: counted as answered on {} (估计)",
            status.as_deref().unwrap_or_default(),
            cx.today
        ));
    }
    if let Some(a) = answered_on.filter(|a| *a < received_on) {
        note(format!("办结日期 {a} is before 受理日期 {received_on}"));
    }
    let deadline_on = cols.get(row, Field::Deadline).and_then(|text| {
        let d = deadline_of(text, received_on, cx);
        if d.is_none() {
            note(format!(
                "办理时限 \"{text}\" is neither a date nor a number of days; the channel's reply_days apply"
            ));
        }
        d
    });
    let unit = cols.get(row, Field::Unit).map(|written| {
        let written = squash(written);
        match unit_named(&written, cx.units.iter().map(String::as_str)) {
            Some(u) => u.to_string(),
            None => {
                if !out.unknown_units.contains(&written) {
                    out.unknown_units.push(written.clone());
                }
                written
            }
        }
    });
    Ok(Message {
        channel,
        number,
        mailbox_id: None,
        title: cols.get(row, Field::Title).map(str::to_string),
        url: None,
        unit,
        category: cols.get(row, Field::Category).map(squash),
        status,
        withdrawn,
        received_on,
        received_known: true,
        answered_on,
        answered_estimated,
        deadline_on,
        reworked,
        page_read: false,
        row_ref: Some(at.to_string()),
    })
}

/// Keeps what an earlier import knew better: an answered day read from the sheet then,
/// where this import only estimates it (an answered status without a date).
pub fn keep_known(record: &mut Message, known: Option<&Message>) {
    if let Some(k) = known
        && record.answered_estimated
        && k.answered_on.is_some()
    {
        record.answered_on = k.answered_on;
        record.answered_estimated = k.answered_estimated;
    }
}

/// A day in a cell: `2022-04-01`, `2022/4/1 09:30`, `2022年4月1日`, `4月1日`.
fn day_of(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    parse_date_cell(text, today, None).map(|f| f.date)
}

/// 办理时限: a day (which may lie after the import), or days after `received`:
/// `5个工作日` or a bare `5` in working days, `15天` / `15日` / `15个自然日` in calendar
/// days.
fn deadline_of(text: &str, received: NaiveDate, cx: &MessageContext<'_>) -> Option<NaiveDate> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let unit = &t[digits.len()..];
    if let Ok(n) = digits.parse::<u32>()
        && n <= 366
    {
        match unit {
            "" | "个工作日" | "工作日" => {
                return Some(crate::config::working_days_after(
                    received,
                    n,
                    cx.holidays,
                    cx.workdays,
                ));
            }
            "天" | "日" | "个自然日" | "自然日" => {
                return received.checked_add_days(Days::new(n.into()));
            }
            _ => {}
        }
    }
    // A deadline may lie after today: read it as seen a year after it was received.
    let horizon = received
        .checked_add_days(Days::new(366))
        .unwrap_or(received)
        .max(cx.today);
    let found = parse_date_cell(text, horizon, Some(received.year()))?;
    if !found.year_written && found.date < received {
        return found.date.with_year(found.date.year() + 1);
    }
    Some(found.date)
}

/// 是/否, Y/N, yes/no, 1/0, √/×, true/false; `None` for anything else.
fn yes_no(text: &str) -> Option<bool> {
    match normalize_header(text).as_str() {
        "是" | "y" | "yes" | "1" | "√" | "✓" | "✔" | "true" | "有" | "已撤单" | "已返工" => {
            Some(true)
        }
        "否" | "n" | "no" | "0" | "×" | "✗" | "✘" | "x" | "false" | "无" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::import::read_sheets_from;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn parse(csv: &str, channel: Option<&str>) -> MessageSheet {
        let units = ["县住建局".to_string(), "城关镇".to_string()];
        let cx = MessageContext {
            channel,
            units: &units,
            holidays: &[d(2022, 6, 3)],
            workdays: &[],
            today: d(2022, 7, 1),
        };
        parse_messages(&read_sheets_from(csv.as_bytes()).unwrap(), &cx).unwrap()
    }

    #[test]
    fn odd_headers_and_yes_no_forms_read() {
        let sheet = parse(
            "2022年二季度12345热线工单明细\n\
             序号,工单编号（必填）,受理时间,承办部门,诉求类型,办理时限,办结时间,办理状态,是否撤单,是否返工\n\
             1,QY001,2022/6/1 09:30,住建局,投诉,5个工作日,2022-06-09,已办结,否,N\n\
             2,QY002,2022年6月2日,城关镇,求助,2022-06-06,,办理中,0,√\n\
             3,QY003,6月6日,县交通运输局,其他,15天,,已撤单,,\n\
             4,QY004,2022-06-07,城关镇,投诉,,,已回复,Y,\n",
            Some("12345热线"),
        );
        assert!(sheet.rejected.is_empty(), "{:?}", sheet.rejected);
        let [a, b, c, e] = sheet.records.as_slice() else {
            panic!("{:?}", sheet.records)
        };
        assert_eq!(
            (a.channel.as_str(), a.number.as_str()),
            ("12345热线", "QY001")
        );
        assert_eq!(a.received_on, d(2022, 6, 1));
        assert_eq!(a.unit.as_deref(), Some("县住建局"));
        // Five working days from Wednesday 6月1日, with 6月3日 a holiday.
        assert_eq!(a.deadline_on, Some(d(2022, 6, 9)));
        assert_eq!(a.answered_on, Some(d(2022, 6, 9)));
        assert!(!a.withdrawn && !a.reworked);
        assert_eq!(a.category.as_deref(), Some("投诉"));
        assert_eq!(a.row_ref.as_deref(), Some("row 3"));
        assert_eq!(
            (b.answered_on, b.deadline_on, b.reworked),
            (None, Some(d(2022, 6, 6)), true)
        );
        assert_eq!(c.received_on, d(2022, 6, 6));
        assert_eq!(c.deadline_on, Some(d(2022, 6, 21)));
        assert!(c.withdrawn, "a withdrawn status withdraws it");
        assert_eq!(c.unit.as_deref(), Some("县交通运输局"));
        assert!(e.withdrawn && e.answered_on.is_none());
        assert_eq!(sheet.unknown_units, ["县交通运输局"]);
    }

    #[test]
    fn bad_rows_are_reported_by_row_and_left_out() {
        let sheet = parse(
            "编号,渠道,受理日期,办结日期,是否撤单,承办单位\n\
             A1,,2022-05-01,2022-05-05,否,住建局\n\
             ,,2022-05-02,,否,住建局\n\
             A3,,不详,,否,住建局\n\
             A4,,2022-05-04,昨天,否,住建局\n\
             A5,,2022-05-05,,也许,住建局\n\
             A1,,2022-05-06,,否,住建局\n\
             A1,区长信箱,2022-05-06,,否,住建局\n\
             \n\
             A8,,2022-05-08,2022-05-01,否,不存在局\n\
             A9,,2022-05-09,,,不存在局\n",
            Some("12345热线"),
        );
        let rejected: Vec<String> = sheet.rejected.iter().map(|r| r.to_string()).collect();
        assert_eq!(
            rejected,
            [
                "row 3: no 编号",
                "row 4: 受理日期 \"不详\" is not a date",
                "row 5: 办结日期 \"昨天\" is not a date",
                "row 6: 是否撤单 \"也许\" is neither yes nor no: write 是/否, Y/N, 1/0 or √",
                "row 7: 编号 \"A1\" of 渠道 12345热线 is already at row 2",
            ]
        );
        let keys: Vec<(&str, &str)> = sheet
            .records
            .iter()
            .map(|m| (m.channel.as_str(), m.number.as_str()))
            .collect();
        // A 渠道 cell beats --channel: 区长信箱's A1 is another record.
        assert_eq!(
            keys,
            [
                ("12345热线", "A1"),
                ("区长信箱", "A1"),
                ("12345热线", "A8"),
                ("12345热线", "A9")
            ]
        );
        assert_eq!(sheet.unknown_units, ["不存在局"], "listed once");
        assert_eq!(
            sheet.notes[0].to_string(),
            "row 10: 办结日期 2022-05-01 is before 受理日期 2022-05-08"
        );
    }

    #[test]
    fn without_a_channel_rows_are_left_out() {
        let sheet = parse("编号,受理日期\nA1,2022-05-01\n", None);
        assert!(sheet.records.is_empty());
        assert!(sheet.rejected[0].message.starts_with("no 渠道"));
    }

    #[test]
    fn an_estimated_answer_keeps_the_day_an_earlier_import_read() {
        let sheet = parse(
            "编号,受理日期,状态\nA1,2022-05-01,已办结\n",
            Some("12345热线"),
        );
        let mut record = sheet.records[0].clone();
        assert!(record.answered_estimated);
        assert_eq!(record.answered_on, Some(d(2022, 7, 1)));
        let mut known = record.clone();
        known.answered_on = Some(d(2022, 5, 6));
        known.answered_estimated = false;
        keep_known(&mut record, Some(&known));
        assert_eq!(record.answered_on, Some(d(2022, 5, 6)));
        assert!(!record.answered_estimated);
    }
}
