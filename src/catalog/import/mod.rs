//! Importing the sheets offices already keep (CSV or XLSX): account inventories
//! (`govwatch import accounts`), platform listings (`govwatch import listing`), posts
//! (`govwatch import posts`, read by the manual source) and 政民互动 records such as
//! 12345 hotline work orders (`govwatch import messages`).
//!
//! Headers are matched, not demanded: seed 000's 附件5 (责任单位, 账号名称, 开设主体,
//! 账号类型) and seed 003's 附件2 (类别, 政务新媒体名称, 主办单位, 级 别) both read, with
//! spaces inside headers and values (`级 别`, `政 务 微 博`), synonyms (单位名称, 平台 …),
//! a title row above the header, merged cells (a blank 类别 or 单位 repeats the row
//! above), CSV in UTF-8 or GBK, comma or tab separated. Every row that cannot be used is
//! reported by its row number in the sheet, with the reason.
//!
//! An account import writes `catalog/imported.toml` ([`IMPORTED_FILE`]) and nothing
//! else: hand-written catalog files are never touched, and an account they already
//! have is left out of the import and reported (the hand-written one wins, as the
//! loader decides for entries with the same key).
//!
//! One file per concern: [`sheet`] reads CSV and workbooks into rows, [`headers`] finds
//! which column holds what, [`accounts`] turns inventory rows into catalog accounts and
//! writes the imported file, [`listing`] reads platform listings, [`messages`] reads
//! hotline and mailbox records. Names are compared as
//! [`crate::catalog::names`] says, the one normalization detect shares.
//!
//! [`IMPORTED_FILE`]: crate::catalog::IMPORTED_FILE

pub mod accounts;
pub mod headers;
pub mod listing;
pub mod messages;
pub mod sheet;

use std::path::PathBuf;

use super::CatalogError;

pub use accounts::{
    AccountSheet, AccountsImport, ImportPlan, SheetAccount, import_accounts, load_hand_written,
    parse_accounts, plan_import,
};
pub use headers::{
    Columns, Field, HEADER_SEARCH_ROWS, find_columns, normalize_header, platform_of,
};
pub use listing::{ListedAccount, parse_listing};
pub use messages::{MessageContext, MessageSheet, keep_known, parse_messages, read_messages};
pub use sheet::{Row, RowProblem, RowRef, Sheet, read_sheets, read_sheets_from};

/// A sheet that cannot be imported at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error(
        "{path}: no header row with {expected} in its first 20 rows (saw: {saw}); name the columns as the office's sheets do, e.g. {example}"
    )]
    NoHeader {
        path: PathBuf,
        expected: String,
        saw: String,
        example: String,
    },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests;
