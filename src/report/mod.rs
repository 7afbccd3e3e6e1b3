//! Reports: plain tables and the writers that turn them into files people open (CSV and
//! XLSX for auditors, HTML for mail clients and browsers, Markdown and Word for drafts).
//!
//! A [`Table`] is only data: a title, headers, typed cells and notes such as
//! "合格率70.7%". Writers are pure: they take tables and return bytes or text, never
//! read the store or the clock. Each export and the notice draft build their own tables;
//! the writers do not know what the tables mean. Row builders for the exports
//! ([`columns`], [`findings`], [`links`]) and the notice draft ([`notice`]) are pure too: catalog,
//! stored dates and episodes in, rows out. Findings are worded in one place, [`wording`].

pub mod accounts;
pub mod columns;
pub mod content;
pub mod csv;
pub mod docx;
pub mod external;
pub mod findings;
pub mod html;
pub mod interaction;
pub mod links;
pub mod markdown;
pub mod messages;
pub mod notice;
pub mod scoring;
pub mod table;
pub mod wording;
pub mod xlsx;

pub use table::{Cell, Table};

/// What exports and lists show for a finding the office marked a false alarm (误报).
pub const DISMISSED: &str = "已核实为误报";

/// What exports and lists show for a finding closed because govwatch no longer reads its
/// pages: resolved, but not 整改.
pub const UNWATCHED: &str = "不再监测";

/// A 是否整改 cell: 是 when rectified, else 否.
pub fn yes_no(rectified: bool) -> &'static str {
    if rectified { "是" } else { "否" }
}

/// A table that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write the spreadsheet: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("cannot write CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("cannot write the Word document: {0}")]
    Docx(String),
    #[error("cannot write the report: {0}")]
    Io(#[from] std::io::Error),
}
