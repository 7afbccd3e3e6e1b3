//! XLSX for auditors: one sheet per table, named after its title; the header row bold
//! and frozen; columns wide enough for their Chinese text (capped, with wrapping beyond);
//! dates as real dates formatted yyyy-mm-dd; notes in the rows under the table.

use chrono::Datelike;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet};

use super::table::display_width;
use super::{Cell, ReportError, Table};

/// The widest a column grows before its text wraps, in character widths.
const MAX_WIDTH: usize = 60;
const MIN_WIDTH: usize = 6;

/// The workbook with one sheet per table, as bytes.
pub fn to_bytes(tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for table in tables {
        let name = sheet_name(&table.title, &names);
        names.push(name.clone());
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_sheet(sheet, table)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(sheet: &mut Worksheet, table: &Table) -> Result<(), ReportError> {
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let wrap = Format::new().set_text_wrap();
    let plain = Format::new();

    let widths = column_widths(table);
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (*width + 2) as f64)?;
    }
    for (col, h) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, h, &header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, row) in table.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            let capped = widths.get(col).is_some_and(|w| *w >= MAX_WIDTH);
            match cell {
                Cell::Text(s) => {
                    let format = if capped || s.contains('\n') {
                        &wrap
                    } else {
                        &plain
                    };
                    sheet.write_string_with_format(r, c, s, format)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Date(d) => {
                    let day =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &day, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    // Notes under the table, after one empty row.
    let first_note = table.rows.len() as u32 + 2;
    for (i, note) in table.notes.iter().enumerate() {
        sheet.write_string(first_note + i as u32, 0, note)?;
    }
    Ok(())
}

/// Each column's width in character widths: its widest line, within bounds.
fn column_widths(table: &Table) -> Vec<usize> {
    let columns = table
        .headers
        .len()
        .max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    (0..columns)
        .map(|col| {
            let header = table.headers.get(col).map_or(0, |h| display_width(h));
            let cells = table
                .rows
                .iter()
                .filter_map(|row| row.get(col))
                .map(|cell| match cell {
                    // Excel shows dates as yyyy-mm-dd: ten characters.
                    Cell::Date(_) => 10,
                    other => other.text().lines().map(display_width).max().unwrap_or(0),
                })
                .max()
                .unwrap_or(0);
            header.max(cells).clamp(MIN_WIDTH, MAX_WIDTH)
        })
        .collect()
}

/// A valid, unique sheet name from a title: no `[]:*?/\`, at most 31 UTF-16 units.
fn sheet_name(title: &str, taken: &[String]) -> String {
    let clean: String = title
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c => c,
        })
        .collect();
    let clean = clean.trim_matches('\'').trim();
    let base = if clean.is_empty() { "Sheet" } else { clean };
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("({n})")
        };
        let mut name = String::new();
        for c in base.chars() {
            if name.encode_utf16().count() + c.len_utf16() + suffix.len() > 31 {
                break;
            }
            name.push(c);
        }
        name.push_str(&suffix);
        if !taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
            return name;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let taken = vec!["问题清单".to_string()];
        assert_eq!(sheet_name("问题清单", &taken), "问题清单(2)");
        assert_eq!(sheet_name("a/b:c", &[]), "a_b_c");
        let long = "二〇二〇年第一季度监测发现存在突出问题政务新媒体名单及整改情况统计表";
        assert!(sheet_name(long, &[]).encode_utf16().count() <= 31);
        assert_eq!(sheet_name("", &[]), "Sheet");
    }

    #[test]
    fn widths_fit_chinese_and_cap_long_sentences() {
        let mut t = Table::new("t", ["责任单位", "问题描述"]);
        t.push_row(vec!["自然资源和规划分局".into(), "长".repeat(80).into()]);
        assert_eq!(column_widths(&t), [18, MAX_WIDTH]);
    }
}
