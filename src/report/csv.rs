//! CSV for Excel and WPS: UTF-8 with a byte-order mark (without it both read Chinese
//! headers as GBK and show mojibake), the header row then the rows. Every CSV govwatch
//! writes goes through here. Title and notes are not written: a CSV file is data only.

use std::io::Write;

use super::{ReportError, Table};

/// The UTF-8 byte-order mark Excel and WPS look for.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How records end. Exports of rows and mail attachments end them with CRLF; the
/// `findings` command and the problem-account list have always ended them with LF, and
/// keep doing so for the scripts that read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineEnd {
    Crlf,
    Lf,
}

/// Writes `table` as CSV with a BOM and CRLF line ends.
pub fn write(table: &Table, out: &mut impl Write) -> Result<(), ReportError> {
    write_with(table, LineEnd::Crlf, out)
}

/// Writes `table` as CSV with a BOM, ending records with `line_end`.
pub fn write_with(
    table: &Table,
    line_end: LineEnd,
    out: &mut impl Write,
) -> Result<(), ReportError> {
    out.write_all(BOM)?;
    let terminator = match line_end {
        LineEnd::Crlf => ::csv::Terminator::CRLF,
        LineEnd::Lf => ::csv::Terminator::Any(b'\n'),
    };
    let mut w = ::csv::WriterBuilder::new()
        .terminator(terminator)
        .from_writer(out);
    w.write_record(table.flat_headers())?;
    for row in &table.rows {
        w.write_record(row.iter().map(|c| c.text()))?;
    }
    w.flush()?;
    Ok(())
}

/// `table` as CSV bytes with a BOM and CRLF line ends.
pub fn to_bytes(table: &Table) -> Vec<u8> {
    to_bytes_with(table, LineEnd::Crlf)
}

/// `table` as CSV bytes with a BOM, ending records with `line_end`.
pub fn to_bytes_with(table: &Table, line_end: LineEnd) -> Vec<u8> {
    let mut out = Vec::new();
    write_with(table, line_end, &mut out).expect("writing CSV to memory cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::report::Cell;

    #[test]
    fn reads_back_with_the_same_headers_and_cells() {
        let mut t = Table::new("问题清单", ["责任单位", "问题描述", "发现日期", "条数"]);
        t.push_row(vec![
            "县公安局".into(),
            Cell::from("1月9日监测到超过两周未更新内容,最新更新时间为2019年12月25日"),
            NaiveDate::from_ymd_opt(2020, 1, 9).unwrap().into(),
            Cell::Int(3),
        ]);
        t.push_row(vec![
            "审计局".into(),
            "含\"引号\"\n和换行".into(),
            Cell::Empty,
            Cell::Int(0),
        ]);
        t.notes.push("合格率 70.7%".into());
        let bytes = to_bytes(&t);
        assert!(bytes.starts_with(BOM));
        let mut r = ::csv::Reader::from_reader(&bytes[BOM.len()..]);
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            ["责任单位", "问题描述", "发现日期", "条数"]
        );
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|rec| rec.unwrap().iter().map(String::from).collect())
            .collect();
        assert_eq!(rows.len(), 2, "notes are not rows");
        assert_eq!(
            rows[0],
            [
                "县公安局",
                "1月9日监测到超过两周未更新内容,最新更新时间为2019年12月25日",
                "2020-01-09",
                "3"
            ]
        );
        assert_eq!(rows[1][1], "含\"引号\"\n和换行");
        assert_eq!(rows[1][2], "");
    }
}
