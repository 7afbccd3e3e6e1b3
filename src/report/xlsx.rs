//! XLSX for auditors: one sheet per table, named after its title; the title (with its
//! period) in the first row, the header row bold and frozen under it; numbers as numbers
//! (SUM works); dates as real dates shown as 2020年9月28日; notes in the rows under the
//! table. Columns are fitted to their Chinese text (capped, with wrapping beyond), or, for
//! a list that copies a seed's printed form, given their widths ([`Layout`]).

use chrono::Datelike;
use rust_xlsxwriter::{
    Color, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
};

use super::table::display_width;
use super::{Cell, ReportError, Table};

/// The widest a column grows before its text wraps, in character widths.
const MAX_WIDTH: usize = 60;
const MIN_WIDTH: usize = 6;

/// How the sheets of a workbook look.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Layout<'a> {
    /// A shaded, bordered header; each column as wide as its widest line, within bounds;
    /// text wraps in a capped column or where it has line breaks.
    Fitted,
    /// A seed's printed form: a bold centred header, these column widths, and every text
    /// cell wrapping, centred vertically.
    Fixed(&'a [f64]),
}

/// The workbook with one sheet per table, fitted to the text, as bytes.
pub fn to_bytes(tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    to_bytes_with(tables, Layout::Fitted)
}

/// The workbook with one sheet per table, laid out as `layout` says, as bytes.
pub fn to_bytes_with(tables: &[Table], layout: Layout) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    let mut names: Vec<String> = Vec::new();
    for table in tables {
        let name = sheet_name(&table.title, &names);
        names.push(name.clone());
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_sheet(sheet, table, layout)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    Ok(workbook.save_to_buffer()?)
}

fn write_sheet(sheet: &mut Worksheet, table: &Table, layout: Layout) -> Result<(), ReportError> {
    let (header, wrap) = match layout {
        Layout::Fitted => (
            Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDDEBF7))
                .set_border(FormatBorder::Thin),
            Format::new().set_text_wrap(),
        ),
        Layout::Fixed(_) => (
            Format::new().set_bold().set_align(FormatAlign::Center),
            Format::new()
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter),
        ),
    };
    let date = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
    let plain = Format::new();
    // "/", 及时更新, 无法访问 … stand where numbers would: aligned as Excel aligns them.
    let mark = Format::new().set_align(FormatAlign::Right);
    // 按期办结率 and other shares: a number (0.909) Excel shows as 90.9%.
    let percent = Format::new().set_num_format("0.0%");

    let fitted = match layout {
        Layout::Fitted => column_widths(table),
        Layout::Fixed(_) => Vec::new(),
    };
    let widths: Vec<f64> = match layout {
        Layout::Fitted => fitted.iter().map(|w| (w + 2) as f64).collect(),
        Layout::Fixed(widths) => widths.to_vec(),
    };
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    // Whether a column wraps all its text: a capped one does, and every fixed one.
    let wraps = |col: usize| match layout {
        Layout::Fitted => fitted.get(col).is_some_and(|w| *w >= MAX_WIDTH),
        Layout::Fixed(_) => true,
    };
    // The title (with its period) above the header, across the table's columns.
    let title = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    let last = table.headers.len().max(1) as u16 - 1;
    if last > 0 {
        sheet.merge_range(0, 0, 0, last, &table.title, &title)?;
    } else {
        sheet.write_string_with_format(0, 0, &table.title, &title)?;
    }
    for (col, h) in table.flat_headers().iter().enumerate() {
        sheet.write_string_with_format(1, col as u16, h, &header)?;
    }
    sheet.set_freeze_panes(2, 0)?;
    for (i, row) in table.rows.iter().enumerate() {
        let r = i as u32 + 2;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            match cell {
                Cell::Text(s) => {
                    let format = if wraps(col) || s.contains('\n') {
                        &wrap
                    } else {
                        &plain
                    };
                    sheet.write_string_with_format(r, c, s, format)?;
                }
                Cell::Mark(s) => {
                    sheet.write_string_with_format(r, c, s, &mark)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Date(d) => {
                    let day =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    sheet.write_datetime_with_format(r, c, &day, &date)?;
                }
                Cell::Percent { .. } => {
                    if let Some(f) = cell.fraction() {
                        sheet.write_number_with_format(r, c, f, &percent)?;
                    }
                }
                Cell::Empty => {}
            }
        }
    }
    // Notes under the table, after one empty row.
    let first_note = table.rows.len() as u32 + 3;
    for (i, note) in table.notes.iter().enumerate() {
        sheet.write_string(first_note + i as u32, 0, note)?;
    }
    Ok(())
}

/// Each column's width in character widths: its widest line, within bounds.
fn column_widths(table: &Table) -> Vec<usize> {
    let headers = table.flat_headers();
    let columns = headers
        .len()
        .max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
    (0..columns)
        .map(|col| {
            let header = headers.get(col).map_or(0, |h| display_width(h));
            let cells = table
                .rows
                .iter()
                .filter_map(|row| row.get(col))
                .map(|cell| match cell {
                    // Excel shows dates as 2020年10月10日: at most sixteen widths.
                    Cell::Date(_) => 16,
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
    // A title's bracketed date (问题清单（截至1月9日）) stays in the title row only.
    let title = match title.split_once('（') {
        Some((head, _)) if !head.trim().is_empty() => head,
        _ => title,
    };
    let clean: String = title
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c => c,
        })
        .collect();
    let clean = clean.trim_matches('\'').trim();
    let base = if clean.is_empty() { "工作表" } else { clean };
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
        assert_eq!(sheet_name("", &[]), "工作表");
        assert_eq!(sheet_name("问题清单（截至2020年1月9日）", &[]), "问题清单");
    }

    #[test]
    fn shares_are_numbers_formatted_as_percent() {
        use calamine::{Data, Reader, Xlsx};
        use std::io::Read;

        let mut t = Table::new("按期办结率", ["承办单位", "按期办结率"]);
        t.push_row(vec!["城关镇".into(), Cell::percent(20, 22)]);
        t.push_row(vec!["高崖镇".into(), Cell::percent(7, 7)]);
        let bytes = to_bytes(&[t]).unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(&bytes[..])).expect("a workbook");
        let range = book.worksheet_range("按期办结率").unwrap();
        match range.get_value((2, 1)) {
            Some(Data::Float(f)) => assert!((f - 20.0 / 22.0).abs() < 1e-12, "{f}"),
            other => panic!("90.9% is a number, not {other:?}"),
        }
        assert_eq!(range.get_value((3, 1)), Some(&Data::Float(1.0)));
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes[..])).unwrap();
        let mut styles = String::new();
        zip.by_name("xl/styles.xml")
            .unwrap()
            .read_to_string(&mut styles)
            .unwrap();
        assert!(styles.contains("formatCode=\"0.0%\""), "{styles}");
    }

    #[test]
    fn widths_fit_chinese_and_cap_long_sentences() {
        let mut t = Table::new("t", ["责任单位", "问题描述"]);
        t.push_row(vec!["自然资源和规划分局".into(), "长".repeat(80).into()]);
        assert_eq!(column_widths(&t), [18, MAX_WIDTH]);
    }
}
