//! `manual` sources: posts, or last-post dates, exported from a platform backend or the
//! national reporting system into a CSV/XLSX sheet and imported with
//! `govwatch import posts F`. Nothing is fetched: [`ManualSource::request`] is `None`,
//! and [`ManualSource::parse`] reads such a sheet for one account.
//!
//! A sheet names the account (账号名称, optionally its platform: 平台 / 账号类型 / 类别)
//! and either a post per row (发布时间, 标题, 链接) or the account's last post date
//! (最新更新时间 / 最后更新时间). Rows are matched to catalog accounts by platform and
//! name; a name alone is enough when only one account has it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Parsed, PostSource, Skipped, SourceError, SourceRequest};
use crate::catalog::import::{
    Field, RowProblem, RowRef, Sheet, find_columns, platform_of, read_sheets_from,
};
use crate::catalog::names::{normalize_name, split_names, squash};
use crate::catalog::{Account, Catalog, Platform, SourceKind};
use crate::clock::Clock;
use crate::config::SourceSettings;
use crate::extract::dates::parse_post_time;
use crate::observe::NewPost;

pub struct ManualSource;

impl PostSource for ManualSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Manual
    }

    fn request(
        &self,
        _account: &Account,
        _settings: &SourceSettings,
    ) -> Result<Option<SourceRequest>, SourceError> {
        Ok(None)
    }

    /// Reads a posts sheet (CSV or XLSX bytes) and keeps the rows of `account`.
    fn parse(&self, account: &Account, body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
        let sheets = read_sheets_from(body).map_err(SourceError::Malformed)?;
        let rows = parse_posts(&sheets, clock).ok_or_else(|| {
            SourceError::Malformed(
                "no header row with 账号名称 and 发布时间 (or 最新更新时间)".into(),
            )
        })?;
        let name = normalize_name(&account.name);
        let mut parsed = Parsed::default();
        for row in rows.rows {
            if normalize_name(&row.account) != name
                || row.platform.is_some_and(|p| p != account.platform)
            {
                continue;
            }
            match row.post {
                Ok(post) => parsed.posts.push(post),
                Err(reason) => parsed.skipped.push(Skipped {
                    entry: row.at.to_string(),
                    reason,
                }),
            }
        }
        Ok(parsed)
    }
}

/// One row of a posts sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct PostRow {
    pub at: RowRef,
    pub platform: Option<Platform>,
    pub account: String,
    /// The post, or why the row has none.
    pub post: Result<NewPost, String>,
}

/// A posts sheet: its rows, and rows without an account name.
#[derive(Debug, Clone, Default)]
pub struct PostsSheet {
    pub rows: Vec<PostRow>,
    pub problems: Vec<RowProblem>,
}

/// Reads posts sheets; `None` when no sheet has a header with an account name and a
/// time (发布时间 or 最新更新时间).
pub fn parse_posts(sheets: &[Sheet], clock: &Clock) -> Option<PostsSheet> {
    let mut out = PostsSheet::default();
    let mut any_header = false;
    for sheet in sheets {
        let optional = [
            Field::Platform,
            Field::Title,
            Field::Url,
            Field::PublishedAt,
            Field::LastPost,
        ];
        let Some(cols) = find_columns(sheet, &[Field::Name], &optional)
            .filter(|c| c.has(Field::PublishedAt) || c.has(Field::LastPost))
        else {
            continue;
        };
        any_header = true;
        let mut above_platform: Option<String> = None;
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
                out.problems.push(RowProblem {
                    at,
                    message: "no account name (账号名称)".into(),
                });
                continue;
            };
            let platform = match platform_text.as_deref() {
                None => None,
                Some(t) => match platform_of(t) {
                    Some(p) => Some(p),
                    None => {
                        out.problems.push(RowProblem {
                            at,
                            message: format!("unknown platform \"{t}\""),
                        });
                        continue;
                    }
                },
            };
            let post = post_of(&cols, row, clock);
            for account in split_names(name) {
                out.rows.push(PostRow {
                    at: at.clone(),
                    platform,
                    account,
                    post: post.clone(),
                });
            }
        }
    }
    any_header.then_some(out)
}

fn post_of(
    cols: &crate::catalog::import::Columns,
    row: &crate::catalog::import::Row,
    clock: &Clock,
) -> Result<NewPost, String> {
    let title = cols.get(row, Field::Title).map(str::to_string);
    let url = cols.get(row, Field::Url).map(str::to_string);
    if let Some(text) = cols.get(row, Field::PublishedAt) {
        let published_at = parse_post_time(text, clock)
            .ok_or_else(|| format!("发布时间 \"{text}\" is no time govwatch can read"))?;
        let post_key = url.clone().unwrap_or_else(|| {
            format!(
                "sheet:{}:{}",
                published_at.to_rfc3339(),
                title.as_deref().unwrap_or("")
            )
        });
        return Ok(NewPost {
            post_key,
            title,
            url,
            published_at,
            original: None,
        });
    }
    if let Some(text) = cols.get(row, Field::LastPost) {
        let published_at = parse_post_time(text, clock)
            .ok_or_else(|| format!("最新更新时间 \"{text}\" is no time govwatch can read"))?;
        return Ok(NewPost {
            post_key: format!("last:{}", published_at.to_rfc3339()),
            title,
            url,
            published_at,
            original: None,
        });
    }
    Err("no 发布时间 (or 最新更新时间)".into())
}

/// Posts of one catalog account, matched from a sheet.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AccountPosts {
    pub name: String,
    pub platform: Option<Platform>,
    #[serde(skip)]
    pub posts: Vec<NewPost>,
}

/// Posts matched to catalog accounts (by account key), and the rows that match none.
#[derive(Debug, Clone, Default)]
pub struct Assigned {
    pub by_account: BTreeMap<String, AccountPosts>,
    pub problems: Vec<RowProblem>,
}

/// Matches a posts sheet's rows to catalog accounts: platform and name, or the name
/// alone when one account has it.
pub fn assign_posts(sheet: &PostsSheet, catalog: &Catalog) -> Assigned {
    let mut out = Assigned {
        problems: sheet.problems.clone(),
        ..Default::default()
    };
    for row in &sheet.rows {
        let name = normalize_name(&row.account);
        let candidates: Vec<&Account> = catalog
            .accounts
            .iter()
            .filter(|a| normalize_name(&a.name) == name)
            .filter(|a| row.platform.is_none_or(|p| p == a.platform))
            .collect();
        let account = match candidates.as_slice() {
            [one] => *one,
            [] => {
                out.problems.push(RowProblem {
                    at: row.at.clone(),
                    message: format!(
                        "no {}account \"{}\" in the catalog: import the inventory first (govwatch import accounts) or add it",
                        row.platform.map(|p| format!("{} ", p.as_str())).unwrap_or_default(),
                        row.account
                    ),
                });
                continue;
            }
            several => {
                out.problems.push(RowProblem {
                    at: row.at.clone(),
                    message: format!(
                        "\"{}\" names {} accounts ({}): add a 平台 column",
                        row.account,
                        several.len(),
                        several
                            .iter()
                            .map(|a| a.platform.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
                continue;
            }
        };
        match &row.post {
            Ok(post) => {
                let entry = out
                    .by_account
                    .entry(account.key())
                    .or_insert_with(|| AccountPosts {
                        name: account.name.clone(),
                        platform: Some(account.platform),
                        posts: Vec::new(),
                    });
                entry.posts.push(post.clone());
            }
            Err(reason) => out.problems.push(RowProblem {
                at: row.at.clone(),
                message: reason.clone(),
            }),
        }
    }
    out
}
