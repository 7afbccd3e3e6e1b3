//! Reading sheets: a CSV file (UTF-8 or GBK, comma or tab separated) or a workbook
//! (XLSX, XLS, ODS through calamine) as rows of text cells with the row numbers the
//! office sees in its spreadsheet. What the cells mean is [`super::headers`]' business.

use std::fmt;
use std::io::Cursor;
use std::path::Path;

use serde::Serialize;

use super::ImportError;

/// One worksheet (a CSV file is one sheet) as text cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The worksheet's name in a workbook with several; `None` for CSV or a lone sheet.
    pub name: Option<String>,
    pub rows: Vec<Row>,
}

/// A row with its number as the spreadsheet shows it (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

/// Where a row is, for messages: `row 12` or `sheet 微博 row 12`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowRef {
    pub sheet: Option<String>,
    pub row: usize,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(s) => write!(f, "sheet {s} row {}", self.row),
            None => write!(f, "row {}", self.row),
        }
    }
}

/// A row that could not be used, or was used with a remark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    pub at: RowRef,
    pub message: String,
}

impl fmt::Display for RowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Reads a CSV, XLSX (or XLS/ODS) file into sheets.
pub fn read_sheets(path: &Path) -> Result<Vec<Sheet>, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    read_sheets_from(&bytes).map_err(|message| ImportError::Unreadable {
        path: path.to_path_buf(),
        message,
    })
}

/// Reads sheet bytes: a workbook when they are one (zip or OLE signature), else CSV.
pub fn read_sheets_from(bytes: &[u8]) -> Result<Vec<Sheet>, String> {
    let workbook = bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    if workbook {
        read_workbook(bytes)
    } else {
        read_csv(bytes).map(|s| vec![s])
    }
}

fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, String> {
    use calamine::{Data, Reader};
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| format!("not a workbook calamine can read: {e}"))?;
    let names = book.sheet_names();
    let mut sheets = Vec::new();
    for name in &names {
        let range = book
            .worksheet_range(name)
            .map_err(|e| format!("cannot read sheet {name}: {e}"))?;
        let Some((row0, _)) = range.start() else {
            continue;
        };
        let rows = range
            .rows()
            .enumerate()
            .map(|(i, cells)| Row {
                number: row0 as usize + i + 1,
                cells: cells
                    .iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        Data::Int(n) => n.to_string(),
                        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                            format!("{}", *f as i64)
                        }
                        Data::Float(f) => f.to_string(),
                        Data::Bool(b) => b.to_string(),
                        Data::DateTime(d) => match d.as_datetime() {
                            Some(t) if t.time() == chrono::NaiveTime::MIN => {
                                t.format("%Y-%m-%d").to_string()
                            }
                            Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                            None => String::new(),
                        },
                        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                        Data::Error(_) | Data::Empty => String::new(),
                    })
                    .collect(),
            })
            .collect();
        sheets.push(Sheet {
            name: (names.len() > 1).then(|| name.clone()),
            rows,
        });
    }
    Ok(sheets)
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, String> {
    let text = decode_text(bytes);
    let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // A spreadsheet shows a cell's line breaks inside one row: the row number is the
    // record's first line less the line breaks inside earlier records.
    let mut inner_breaks = 0;
    // Lines are counted from byte offsets: after a blank line the reader reports the
    // blank's line for the next record (BurntSushi/rust-csv#208), so the line breaks
    // that start a record's offset are skipped here.
    let (mut counted_to, mut file_line) = (0, 1);
    for record in reader.records() {
        let record = record.map_err(|e| format!("not a CSV file it can read: {e}"))?;
        let line = match record.position().map(|p| p.byte() as usize) {
            Some(start) if start >= counted_to && start <= text.len() => {
                let blank = text.as_bytes()[start..]
                    .iter()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
                let start = start + blank;
                file_line += text.as_bytes()[counted_to..start]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted_to = start;
                file_line
            }
            _ => rows.len() + 1 + inner_breaks,
        };
        rows.push(Row {
            number: line - inner_breaks,
            cells: record.iter().map(str::to_string).collect(),
        });
        inner_breaks += record
            .iter()
            .map(|f| f.matches('\n').count())
            .sum::<usize>();
    }
    Ok(Sheet { name: None, rows })
}

/// CSV bytes as text: UTF-8 (with or without BOM) when they are, else GB18030 (Excel
/// in China saves CSV as GBK).
fn decode_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}
