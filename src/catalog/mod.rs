//! The catalog: which units, sites, columns and accounts govwatch watches, read from
//! `config/catalog/*.toml` (the first stage of the pipeline).
//!
//! Loading never stops at the first mistake: every entry's problems are collected as
//! [`Issue`]s naming `file:line` and the fix, bad entries are left out with whatever
//! depends on them, and the rest of the catalog is usable.

pub mod import;
mod load;
mod model;
pub mod names;
mod words;

use std::fmt;
use std::path::PathBuf;

pub use import::ImportError;
pub use load::{
    IMPORTED_FILE, Loaded, check_dir, load_dir, load_texts, parse_http_url, units_by_name,
};
pub use model::*;
pub use words::{WordLists, read_words};

pub use crate::config::line_of;

/// A catalog that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error(
        "no config directory at {dir}: run `govwatch init` to write an example configuration there, or pass --config DIR"
    )]
    NoConfig { dir: PathBuf },
    #[error("no catalog files (*.toml) in {dir}: add one (`govwatch init` writes an example)")]
    Empty { dir: PathBuf },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}: this file is not valid TOML: {message}\n  the file is refused as a whole; fix it and run `govwatch catalog check`"
    )]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem with one catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Issue {
    pub severity: Severity,
    pub origin: Origin,
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

impl Issue {
    pub fn error(origin: Origin, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            origin,
            message: message.into(),
            fix: fix.into(),
        }
    }

    pub fn warning(origin: Origin, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            origin,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}: {word}: {}\n  fix: {}",
            self.origin, self.message, self.fix
        )
    }
}

#[cfg(test)]
mod tests;
