//! Platform listings (`govwatch import listing`): the accounts a platform or the
//! provincial system shows, to be compared with the registered inventory (see
//! `detect::listings::unregistered`).

use std::path::Path;

use serde::Serialize;

use super::ImportError;
use super::headers::{Field, find_columns, no_header, platform_of};
use super::sheet::{RowProblem, RowRef, Sheet};
use crate::catalog::Platform;
use crate::catalog::names::{split_names, squash};

/// An account seen in a platform's or the provincial system's listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedAccount {
    pub platform: Platform,
    pub name: String,
    /// The unit or 开设主体 the listing names, if any.
    pub unit: Option<String>,
    pub operator: Option<String>,
    /// 级别, if the listing has it (乡镇, 县级部门 …).
    pub level: Option<String>,
    pub at: RowRef,
}

/// Reads a listing: every row with an account name and a platform.
pub fn parse_listing(
    path: &Path,
    sheets: &[Sheet],
) -> Result<(Vec<ListedAccount>, Vec<RowProblem>), ImportError> {
    let mut listed = Vec::new();
    let mut problems = Vec::new();
    let mut any_header = false;
    for sheet in sheets {
        let Some(cols) = find_columns(
            sheet,
            &[Field::Name, Field::Platform],
            &[Field::Unit, Field::Operator, Field::Level],
        ) else {
            continue;
        };
        any_header = true;
        let mut above_platform = None;
        for row in sheet.rows.iter().filter(|r| r.number > cols.header_row) {
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let at = RowRef {
                sheet: sheet.name.clone(),
                row: row.number,
            };
            let platform_text = cols
                .get(row, Field::Platform)
                .map(squash)
                .or(above_platform.clone());
            above_platform.clone_from(&platform_text);
            let Some(name) = cols.get(row, Field::Name) else {
                problems.push(RowProblem {
                    at,
                    message: "no account name".into(),
                });
                continue;
            };
            let Some(platform) = platform_text.as_deref().and_then(platform_of) else {
                problems.push(RowProblem {
                    at,
                    message: format!("unknown platform \"{}\"", platform_text.unwrap_or_default()),
                });
                continue;
            };
            for name in split_names(name) {
                listed.push(ListedAccount {
                    platform,
                    name,
                    unit: cols.get(row, Field::Unit).map(squash),
                    operator: cols.get(row, Field::Operator).map(squash),
                    level: cols.get(row, Field::Level).map(squash),
                    at: at.clone(),
                });
            }
        }
    }
    if !any_header {
        return Err(no_header(
            path,
            sheets,
            &[Field::Name, Field::Platform],
            "账号名称, 账号类型 (平台), 开设主体",
        ));
    }
    Ok((listed, problems))
}
