//! Account inventories (`govwatch import accounts`): the rows of an office's sheet as
//! catalog accounts, written to `catalog/imported.toml` by serializing them.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::ImportError;
use super::headers::{Columns, Field, find_columns, no_header, platform_of};
use super::sheet::{Row, RowProblem, RowRef, Sheet, read_sheets};
use crate::catalog::load::{IMPORTED_FILE, load_texts, parse_http_url};
use crate::catalog::model::*;
use crate::catalog::names::{normalize_name, split_names, squash};
use crate::catalog::{CatalogError, Issue, load_dir};
use crate::clock::Clock;

/// One account read from an inventory sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetAccount {
    pub at: RowRef,
    pub name: String,
    pub unit: String,
    pub level: Option<String>,
    pub platform: Platform,
    pub operator: Option<String>,
    pub status: AccountStatus,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub source: Source,
}

/// What an inventory sheet holds.
#[derive(Debug, Clone, Default)]
pub struct AccountSheet {
    pub accounts: Vec<SheetAccount>,
    /// Rows left out, with the reason.
    pub rejected: Vec<RowProblem>,
    /// Rows used with a remark (a cell naming two accounts, an unreadable date …).
    pub notes: Vec<RowProblem>,
}

const ACCOUNT_FIELDS: &[Field] = &[
    Field::Unit,
    Field::Operator,
    Field::Level,
    Field::Url,
    Field::Uid,
    Field::Fakeid,
    Field::Status,
    Field::OpenedOn,
    Field::ClosedOn,
];
const ACCOUNT_EXAMPLE: &str =
    "责任单位, 账号名称, 开设主体, 账号类型 (or 类别, 政务新媒体名称, 主办单位, 级别)";

/// Reads the accounts of inventory sheets; `None` when no sheet has a header row with
/// an account name and a platform.
pub fn parse_accounts(sheets: &[Sheet], clock: &Clock) -> Option<AccountSheet> {
    let mut out = AccountSheet::default();
    let mut seen: HashMap<(Platform, String), RowRef> = HashMap::new();
    let mut any_header = false;
    for sheet in sheets {
        let Some(cols) = find_columns(sheet, &[Field::Name, Field::Platform], ACCOUNT_FIELDS)
        else {
            continue;
        };
        any_header = true;
        let mut above_platform: Option<String> = None;
        let mut above_unit: Option<(String, Option<String>)> = None;
        for row in sheet.rows.iter().filter(|r| r.number > cols.header_row) {
            let at = RowRef {
                sheet: sheet.name.clone(),
                row: row.number,
            };
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let reject = |out: &mut AccountSheet, message: String| {
                out.rejected.push(RowProblem {
                    at: at.clone(),
                    message,
                })
            };
            // Merged cells: a blank platform or unit repeats the row above.
            let platform_text = cols
                .get(row, Field::Platform)
                .map(squash)
                .or_else(|| above_platform.clone());
            let level = cols.get(row, Field::Level).map(squash);
            let unit = match cols.get(row, Field::Unit).map(squash) {
                Some(u) => Some((u, level.clone())),
                None if cols.has(Field::Unit) => {
                    above_unit.clone().map(|(u, l)| (u, level.clone().or(l)))
                }
                None => None,
            };
            let Some(name_cell) = cols.get(row, Field::Name) else {
                reject(&mut out, format!("no {}", Field::Name.label()));
                continue;
            };
            if let Some(p) = &platform_text {
                above_platform = Some(p.clone());
            }
            if let Some(u) = &unit {
                above_unit = Some(u.clone());
            }
            let Some(platform_text) = platform_text else {
                reject(
                    &mut out,
                    format!(
                        "no platform ({}): write 微信订阅号, 新浪微博, 抖音 …",
                        Field::Platform.label()
                    ),
                );
                continue;
            };
            let Some(platform) = platform_of(&platform_text) else {
                reject(
                    &mut out,
                    format!(
                        "unknown platform \"{platform_text}\": write 微信订阅号, 微信服务号, 新浪微博, 抖音, 今日头条, 快手 or 哔哩哔哩"
                    ),
                );
                continue;
            };
            let operator = cols.get(row, Field::Operator).map(squash);
            let (unit, level) = match (unit, &operator) {
                (Some((u, l)), _) => (u, l),
                (None, Some(op)) => (op.clone(), level.clone()),
                (None, None) => {
                    reject(
                        &mut out,
                        "no unit (责任单位 or 主办单位) and no 开设主体".to_string(),
                    );
                    continue;
                }
            };
            let status = match status_of(cols.get(row, Field::Status)) {
                Ok(s) => s,
                Err(why) => {
                    reject(&mut out, why);
                    continue;
                }
            };
            let mut date = |field: Field| {
                let text = cols.get(row, field)?;
                let d = date_of(text, clock);
                if d.is_none() {
                    out.notes.push(RowProblem {
                        at: at.clone(),
                        message: format!("{} \"{text}\" is not a date; left out", field.label()),
                    });
                }
                d
            };
            let opened_on = date(Field::OpenedOn);
            let closed_on = date(Field::ClosedOn);
            let status = if closed_on.is_some() {
                AccountStatus::Closed
            } else {
                status
            };
            let source = source_of(&cols, row, platform, &at, &mut out.notes);
            let names = split_names(name_cell);
            if names.len() > 1 {
                out.notes.push(RowProblem {
                    at: at.clone(),
                    message: format!(
                        "one cell names {} accounts ({}); each is imported",
                        names.len(),
                        names.join(", ")
                    ),
                });
            }
            for name in names {
                let key = (platform, normalize_name(&name));
                if let Some(first) = seen.get(&key) {
                    reject(
                        &mut out,
                        format!(
                            "{} account \"{name}\" is already listed at {first}",
                            platform.as_str()
                        ),
                    );
                    continue;
                }
                seen.insert(key, at.clone());
                out.accounts.push(SheetAccount {
                    at: at.clone(),
                    name,
                    unit: unit.clone(),
                    level: level.clone(),
                    platform,
                    operator: operator.clone().filter(|o| *o != unit),
                    status,
                    opened_on,
                    closed_on,
                    source: source.clone(),
                });
            }
        }
    }
    any_header.then_some(out)
}

/// The source an inventory row implies: `manual` unless it gives a Weibo uid, a WeChat
/// fakeid, or a feed address.
fn source_of(
    cols: &Columns,
    row: &Row,
    platform: Platform,
    at: &RowRef,
    notes: &mut Vec<RowProblem>,
) -> Source {
    let mut source = Source {
        kind: SourceKind::Manual,
        url: None,
        uid: None,
        fakeid: None,
        select: None,
    };
    if let Some(text) = cols.get(row, Field::Url) {
        match parse_http_url(text) {
            Ok(url) => source.url = Some(url),
            Err(why) => notes.push(RowProblem {
                at: at.clone(),
                message: format!("link \"{text}\" is not usable ({why}); left out"),
            }),
        }
    }
    let uid = cols
        .get(row, Field::Uid)
        .map(str::to_string)
        .or_else(|| source.url.as_ref().and_then(weibo_uid));
    let fakeid = cols.get(row, Field::Fakeid).map(str::to_string);
    match (platform, uid, fakeid) {
        (Platform::Weibo, Some(uid), _) => {
            source.kind = SourceKind::Weibo;
            source.uid = Some(uid);
            source.url = None;
        }
        (Platform::Wechat, _, Some(fakeid)) => {
            source.kind = SourceKind::WechatMp;
            source.fakeid = Some(fakeid);
            source.url = None;
        }
        _ if source.url.as_ref().is_some_and(looks_like_feed) => source.kind = SourceKind::Feed,
        _ => {}
    }
    source
}

/// What `govwatch import accounts` did.
#[derive(Debug, Default)]
pub struct AccountsImport {
    pub file: PathBuf,
    /// Accounts and units written to the file.
    pub accounts_written: usize,
    pub units_written: usize,
    /// Rows left out, with the reason.
    pub rejected: Vec<RowProblem>,
    /// Rows used with a remark.
    pub notes: Vec<RowProblem>,
    /// Accounts left out because a hand-written catalog file has them.
    pub hand_written: Vec<RowProblem>,
    /// What the catalog loader says about the written file (its entries that lose to
    /// hand-written ones with the same key, or that do not validate).
    pub issues: Vec<Issue>,
    /// Accounts in the whole catalog once the file is loaded back.
    pub catalog_accounts: usize,
    /// The file's text.
    pub text: String,
}

/// Imports an inventory sheet into `<config>/catalog/imported.toml`; with `write`
/// false nothing is written (the text is in the result).
pub fn import_accounts(
    config_dir: &Path,
    sheet_path: &Path,
    clock: &Clock,
    write: bool,
) -> Result<AccountsImport, ImportError> {
    if !config_dir.is_dir() {
        return Err(CatalogError::NoConfig {
            dir: config_dir.to_path_buf(),
        }
        .into());
    }
    let sheets = read_sheets(sheet_path)?;
    let required = [Field::Name, Field::Platform];
    let parsed = parse_accounts(&sheets, clock)
        .ok_or_else(|| no_header(sheet_path, &sheets, &required, ACCOUNT_EXAMPLE))?;
    let hand = load_hand_written(config_dir)?;
    let source_name = sheet_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plan = plan_import(&parsed, &hand, &source_name, clock);
    let file = config_dir.join("catalog").join(IMPORTED_FILE);
    let mut result = AccountsImport {
        file: file.clone(),
        accounts_written: plan.accounts,
        units_written: plan.units,
        rejected: parsed.rejected,
        notes: parsed.notes,
        hand_written: plan.hand_written,
        text: plan.text,
        ..Default::default()
    };
    if !write {
        return Ok(result);
    }
    let dir = config_dir.join("catalog");
    std::fs::create_dir_all(&dir).map_err(|source| ImportError::Write {
        path: dir.clone(),
        source,
    })?;
    // Write beside, then rename: a reader never sees half a file.
    let tmp = dir.join(format!("{IMPORTED_FILE}.tmp"));
    std::fs::write(&tmp, &result.text)
        .and_then(|_| std::fs::rename(&tmp, &file))
        .map_err(|source| ImportError::Write {
            path: file.clone(),
            source,
        })?;
    let loaded = load_dir(config_dir)?;
    result.catalog_accounts = loaded.catalog.accounts.len();
    result.issues = loaded
        .issues
        .into_iter()
        .filter(|i| i.origin.file == file)
        .collect();
    Ok(result)
}

/// The catalog of the hand-written files only (every `*.toml` but the imported one).
pub fn load_hand_written(config_dir: &Path) -> Result<Catalog, ImportError> {
    let dir = config_dir.join("catalog");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .filter(|p| p.file_name().is_none_or(|n| n != IMPORTED_FILE))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(ImportError::Read { path: dir, source }),
    };
    files.sort();
    let mut texts = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|source| ImportError::Read {
            path: path.clone(),
            source,
        })?;
        texts.push((path, text));
    }
    let refs: Vec<(&Path, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_str()))
        .collect();
    Ok(load_texts(&refs)?.catalog)
}

/// The imported file for a sheet, given the hand-written catalog.
pub struct ImportPlan {
    pub text: String,
    pub accounts: usize,
    pub units: usize,
    pub hand_written: Vec<RowProblem>,
}

/// Decides what the imported file holds: the sheet's accounts that the hand-written
/// catalog does not have (same platform and name), and the units they need that it
/// does not have.
pub fn plan_import(
    sheet: &AccountSheet,
    hand: &Catalog,
    source_name: &str,
    clock: &Clock,
) -> ImportPlan {
    let by_name: HashMap<(Platform, String), &Account> = hand
        .accounts
        .iter()
        .map(|a| ((a.platform, normalize_name(&a.name)), a))
        .collect();
    let known_units: HashSet<&str> = hand.units.iter().map(|u| u.name.as_str()).collect();
    let mut hand_written = Vec::new();
    let mut accounts = Vec::new();
    for a in &sheet.accounts {
        if let Some(h) = by_name.get(&(a.platform, normalize_name(&a.name))) {
            hand_written.push(RowProblem {
                at: a.at.clone(),
                message: format!(
                    "{} account \"{}\" is written by hand at {}; the hand-written entry is used",
                    a.platform.as_str(),
                    a.name,
                    h.origin
                ),
            });
            continue;
        }
        accounts.push(a);
    }
    let mut units: Vec<(String, Option<String>)> = Vec::new();
    for a in &accounts {
        if known_units.contains(a.unit.as_str()) {
            continue;
        }
        match units.iter_mut().find(|(u, _)| *u == a.unit) {
            Some((_, level)) => {
                if level.is_none() {
                    level.clone_from(&a.level);
                }
            }
            None => units.push((a.unit.clone(), a.level.clone())),
        }
    }

    let text = imported_text(source_name, clock, &hand_written, &units, &accounts);
    ImportPlan {
        text,
        accounts: accounts.len(),
        units: units.len(),
        hand_written,
    }
}

/// A `[[unit]]` of the imported file.
#[derive(Serialize)]
struct UnitEntry<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<&'a str>,
}

/// An `[[account]]` of the imported file, in the keys the catalog loader reads.
#[derive(Serialize)]
struct AccountEntry<'a> {
    name: &'a str,
    unit: &'a str,
    platform: Platform,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'a str>,
    /// Written only for closed accounts (active is the loader's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<AccountStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opened_on: Option<toml::value::Datetime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_on: Option<toml::value::Datetime>,
    source: SourceEntry<'a>,
}

#[derive(Serialize)]
struct SourceEntry<'a> {
    kind: SourceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fakeid: Option<&'a str>,
}

impl<'a> AccountEntry<'a> {
    fn of(a: &'a SheetAccount) -> Self {
        Self {
            name: &a.name,
            unit: &a.unit,
            platform: a.platform,
            operator: a.operator.as_deref(),
            status: (a.status == AccountStatus::Closed).then_some(AccountStatus::Closed),
            opened_on: a.opened_on.map(toml_date),
            closed_on: a.closed_on.map(toml_date),
            source: SourceEntry {
                kind: a.source.kind,
                url: a.source.url.as_ref().map(|u| u.as_str()),
                uid: a.source.uid.as_deref(),
                fakeid: a.source.fakeid.as_deref(),
            },
        }
    }
}

/// A day as a TOML local date (`opened_on = 2018-03-01`), as hand-written files write it.
fn toml_date(d: NaiveDate) -> toml::value::Datetime {
    toml::value::Datetime {
        date: Some(toml::value::Date {
            year: d.year() as u16,
            month: d.month() as u8,
            day: d.day() as u8,
        }),
        time: None,
        offset: None,
    }
}

/// One entry serialized as an element of the array of tables `section`
/// (`[[account]]` …).
fn entry_toml<T: Serialize>(section: &str, entry: &T) -> String {
    toml::to_string(&BTreeMap::from([(section, [entry])]))
        .expect("names, dates and enums always serialize as TOML")
}

/// The imported file: a header comment naming the sheet and the day, then the units and
/// the accounts, each account under a comment naming its row in the sheet.
fn imported_text(
    source_name: &str,
    clock: &Clock,
    hand_written: &[RowProblem],
    units: &[(String, Option<String>)],
    accounts: &[&SheetAccount],
) -> String {
    let mut text = format!(
        "# Written by `govwatch import accounts {source_name}` on {}.\n\
         # Every import rewrites this file: edit the sheet and import again, or move an\n\
         # entry to a hand-written file to manage it by hand (hand-written entries win).\n",
        clock.today()
    );
    for h in hand_written {
        text.push_str(&format!("# not imported: {h}\n"));
    }
    for (name, level) in units {
        let unit = UnitEntry {
            name,
            level: level.as_deref(),
        };
        text.push('\n');
        text.push_str(&entry_toml("unit", &unit));
    }
    for a in accounts {
        text.push_str(&format!("\n# {}\n", a.at));
        text.push_str(&entry_toml("account", &AccountEntry::of(a)));
    }
    text
}

fn status_of(text: Option<&str>) -> Result<AccountStatus, String> {
    let Some(t) = text else {
        return Ok(AccountStatus::Active);
    };
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if ["注销", "关停", "关闭", "停用", "closed"]
        .iter()
        .any(|w| t.contains(w))
    {
        Ok(AccountStatus::Closed)
    } else if ["正常", "运行", "运营", "在用", "active"]
        .iter()
        .any(|w| t.contains(w))
    {
        Ok(AccountStatus::Active)
    } else {
        Err(format!(
            "状态 \"{t}\" is neither running (正常运行) nor closed (已注销)"
        ))
    }
}

fn date_of(text: &str, clock: &Clock) -> Option<NaiveDate> {
    crate::extract::dates::parse_post_time(text, clock).map(|t| clock.day_of(t))
}

/// The numeric uid in a Weibo address (`weibo.com/u/123`, `m.weibo.cn/u/123`,
/// `weibo.com/123`, `m.weibo.cn/profile/123`).
fn weibo_uid(url: &url::Url) -> Option<String> {
    let host = url.host_str()?;
    if !(host.ends_with("weibo.com") || host.ends_with("weibo.cn")) {
        return None;
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let candidate = match segments.as_slice() {
        ["u" | "profile", id, ..] => *id,
        [id] => *id,
        _ => return None,
    };
    (candidate.len() >= 5 && candidate.bytes().all(|b| b.is_ascii_digit()))
        .then(|| candidate.to_string())
}

fn looks_like_feed(url: &url::Url) -> bool {
    let s = url.as_str().to_ascii_lowercase();
    ["rss", "feed", "atom", ".xml"]
        .iter()
        .any(|w| s.contains(w))
}
