//! Importing the sheets offices already keep (CSV or XLSX): account inventories
//! (`govwatch import accounts`), platform listings (`govwatch import listing`) and, in
//! `sources::manual`, posts.
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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::load::{IMPORTED_FILE, load_texts, parse_http_url};
use super::model::*;
use super::names::{normalize_name, split_names, squash};
use super::{CatalogError, Issue, load_dir};
use crate::clock::Clock;

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

/// How many rows from the top are searched for the header row (title rows come first).
pub const HEADER_SEARCH_ROWS: usize = 20;

// ---------------------------------------------------------------------------------
// Sheets

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
    for record in reader.records() {
        let record = record.map_err(|e| format!("not a CSV file it can read: {e}"))?;
        let line = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
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

// ---------------------------------------------------------------------------------
// Headers

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Unit,
    Name,
    Operator,
    Platform,
    Level,
    Url,
    Uid,
    Fakeid,
    Status,
    OpenedOn,
    ClosedOn,
    PublishedAt,
    LastPost,
    Title,
}

impl Field {
    /// Headers that mean this field, compared without spaces, brackets or case.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Unit => &[
                "责任单位",
                "主办单位",
                "单位名称",
                "单位",
                "保障单位",
                "所属单位",
                "主管单位",
                "运营单位",
                "运维单位",
                "责任部门",
                "所属部门",
                "部门",
                "unit",
            ],
            Self::Name => &[
                "账号名称",
                "帐号名称",
                "政务新媒体名称",
                "新媒体名称",
                "新媒体账号名称",
                "公众号名称",
                "微博名称",
                "账号",
                "帐号",
                "名称",
                "name",
                "account",
            ],
            Self::Operator => &[
                "开设主体",
                "开办主体",
                "注册主体",
                "认证主体",
                "主体名称",
                "主体",
                "operator",
            ],
            Self::Platform => &[
                "账号类型",
                "帐号类型",
                "类别",
                "平台",
                "平台类型",
                "平台名称",
                "所属平台",
                "账号平台",
                "新媒体类型",
                "媒体类型",
                "类型",
                "platform",
            ],
            Self::Level => &["级别", "单位级别", "层级", "行政级别", "level"],
            Self::Url => &[
                "链接",
                "网址",
                "地址",
                "账号链接",
                "账号地址",
                "主页",
                "主页链接",
                "主页地址",
                "订阅地址",
                "文章链接",
                "url",
                "rss",
                "feed",
                "link",
            ],
            Self::Uid => &["uid", "微博uid", "用户id", "微博id"],
            Self::Fakeid => &["fakeid", "__biz", "biz"],
            Self::Status => &["状态", "运行状态", "账号状态", "运营状态", "status"],
            Self::OpenedOn => &[
                "开设时间",
                "开通时间",
                "注册时间",
                "开设日期",
                "开通日期",
                "上线时间",
                "opened_on",
            ],
            Self::ClosedOn => &["注销时间", "注销日期", "关停时间", "关停日期", "closed_on"],
            Self::PublishedAt => &[
                "发布时间",
                "发文时间",
                "发布日期",
                "推送时间",
                "时间",
                "日期",
                "published_at",
            ],
            Self::LastPost => &[
                "最新更新时间",
                "最后更新时间",
                "最近更新时间",
                "最新发布时间",
                "最后发布时间",
                "最近发布时间",
                "last_post",
            ],
            Self::Title => &["标题", "文章标题", "微博内容", "内容", "title"],
        }
    }

    fn label(self) -> &'static str {
        self.synonyms()[0]
    }
}

/// Where each field's column is, found in the header row.
#[derive(Debug, Clone)]
pub struct Columns {
    at: BTreeMap<Field, usize>,
    /// The header row's number.
    pub header_row: usize,
}

impl Columns {
    pub fn has(&self, field: Field) -> bool {
        self.at.contains_key(&field)
    }

    /// A field's trimmed value in a row; `None` when absent or blank.
    pub fn get<'r>(&self, row: &'r Row, field: Field) -> Option<&'r str> {
        let i = *self.at.get(&field)?;
        row.cells.get(i).map(|c| c.trim()).filter(|c| !c.is_empty())
    }
}

/// A header as compared: no whitespace, no bracketed remarks (`（必填）`), no `*`,
/// lower case.
pub fn normalize_header(h: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in h.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            c if depth > 0 || c.is_whitespace() || c == '*' || c == '＊' => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The field a header means among `fields`, and whether it matched a synonym exactly
/// (else by containing one: `所属单位名称`; the longest synonym wins).
fn match_header(h: &str, fields: &[Field]) -> Option<(Field, bool)> {
    let h = normalize_header(h);
    if h.is_empty() {
        return None;
    }
    if let Some(f) = fields.iter().find(|f| f.synonyms().iter().any(|s| *s == h)) {
        return Some((*f, true));
    }
    fields
        .iter()
        .flat_map(|f| f.synonyms().iter().map(move |s| (*f, *s)))
        .filter(|(_, s)| s.chars().count() >= 2 && h.contains(s))
        .max_by_key(|(_, s)| s.chars().count())
        .map(|(f, _)| (f, false))
}

/// Finds the header row: the first of the top rows that names every `required` field.
pub fn find_columns(sheet: &Sheet, required: &[Field], optional: &[Field]) -> Option<Columns> {
    let fields: Vec<Field> = required.iter().chain(optional).copied().collect();
    for row in sheet.rows.iter().take(HEADER_SEARCH_ROWS) {
        let mut at = BTreeMap::new();
        // Exact matches first, then partial ones, leftmost column first.
        for exact_pass in [true, false] {
            for (i, cell) in row.cells.iter().enumerate() {
                if at.values().any(|c| *c == i) {
                    continue;
                }
                if let Some((field, exact)) = match_header(cell, &fields)
                    && exact == exact_pass
                {
                    at.entry(field).or_insert(i);
                }
            }
        }
        if required.iter().all(|f| at.contains_key(f)) {
            return Some(Columns {
                at,
                header_row: row.number,
            });
        }
    }
    None
}

fn no_header(path: &Path, sheets: &[Sheet], required: &[Field], example: &str) -> ImportError {
    let saw = sheets
        .iter()
        .flat_map(|s| s.rows.iter().take(3))
        .map(|r| {
            r.cells
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .find(|r| !r.is_empty())
        .unwrap_or_else(|| "an empty sheet".into());
    ImportError::NoHeader {
        path: path.to_path_buf(),
        expected: required
            .iter()
            .map(|f| f.label())
            .collect::<Vec<_>>()
            .join(" and "),
        saw,
        example: example.into(),
    }
}

// ---------------------------------------------------------------------------------
// Values

/// The platform of a sheet's 账号类型 or 类别 (微信订阅号, 新浪微博, 政 务 微 博, 抖音短视频 …).
pub fn platform_of(text: &str) -> Option<Platform> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.contains("视频号") {
        // WeChat Channels is not the official-account platform.
        return Some(Platform::Other);
    }
    if let Some(p) = Platform::parse(&t) {
        return Some(p);
    }
    if t.contains("公众号") || t.contains("订阅号") || t.contains("服务号") {
        return Some(Platform::Wechat);
    }
    if [
        "百家号",
        "企鹅号",
        "网易号",
        "人民号",
        "澎湃号",
        "小红书",
        "知乎",
        "客户端",
    ]
    .iter()
    .any(|w| t.contains(w))
    {
        return Some(Platform::Other);
    }
    None
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

// ---------------------------------------------------------------------------------
// Accounts

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

    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = format!(
        "# Written by `govwatch import accounts {source_name}` on {}.\n\
         # Every import rewrites this file: edit the sheet and import again, or move an\n\
         # entry to a hand-written file to manage it by hand (hand-written entries win).\n",
        clock.today()
    );
    for h in &hand_written {
        text.push_str(&format!("# not imported: {h}\n"));
    }
    for (unit, level) in &units {
        text.push_str(&format!("\n[[unit]]\nname = {}\n", q(unit)));
        if let Some(level) = level {
            text.push_str(&format!("level = {}\n", q(level)));
        }
    }
    for a in &accounts {
        text.push_str(&format!(
            "\n# {}\n[[account]]\nname = {}\nunit = {}\nplatform = {}\n",
            a.at,
            q(&a.name),
            q(&a.unit),
            q(a.platform.as_str())
        ));
        if let Some(op) = &a.operator {
            text.push_str(&format!("operator = {}\n", q(op)));
        }
        if a.status == AccountStatus::Closed {
            text.push_str("status = \"closed\"\n");
        }
        if let Some(d) = a.opened_on {
            text.push_str(&format!("opened_on = {d}\n"));
        }
        if let Some(d) = a.closed_on {
            text.push_str(&format!("closed_on = {d}\n"));
        }
        let s = &a.source;
        let kind = match s.kind {
            SourceKind::Feed => "feed",
            SourceKind::Weibo => "weibo",
            SourceKind::WechatMp => "wechat_mp",
            SourceKind::Html => "html",
            SourceKind::Manual => "manual",
        };
        let mut parts = vec![format!("kind = {}", q(kind))];
        if let Some(u) = &s.url {
            parts.push(format!("url = {}", q(u.as_str())));
        }
        if let Some(u) = &s.uid {
            parts.push(format!("uid = {}", q(u)));
        }
        if let Some(f) = &s.fakeid {
            parts.push(format!("fakeid = {}", q(f)));
        }
        text.push_str(&format!("source = {{ {} }}\n", parts.join(", ")));
    }
    ImportPlan {
        text,
        accounts: accounts.len(),
        units: units.len(),
        hand_written,
    }
}

// ---------------------------------------------------------------------------------
// Listings

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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn clock() -> Clock {
        Clock::parse("2020-01-09", Shanghai).unwrap()
    }

    fn fixture(name: &str) -> Vec<Sheet> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/sheets")
            .join(name);
        read_sheets(&path).unwrap()
    }

    fn csv(text: &str) -> Vec<Sheet> {
        read_sheets_from(text.as_bytes()).unwrap()
    }

    #[test]
    fn headers_match_with_spaces_brackets_and_synonyms() {
        let fields = [
            Field::Unit,
            Field::Name,
            Field::Operator,
            Field::Platform,
            Field::Level,
        ];
        for (header, field) in [
            ("责任单位", Field::Unit),
            ("主办单位", Field::Unit),
            ("单位名称", Field::Unit),
            ("所属单位名称", Field::Unit),
            ("账号名称", Field::Name),
            ("账号名称（必填）", Field::Name),
            ("* 政务新媒体名称", Field::Name),
            ("开设主体", Field::Operator),
            ("账号类型", Field::Platform),
            ("类别", Field::Platform),
            ("平 台", Field::Platform),
            ("级 别", Field::Level),
            ("Level", Field::Level),
        ] {
            assert_eq!(
                match_header(header, &fields).map(|(f, _)| f),
                Some(field),
                "{header}"
            );
        }
        assert_eq!(match_header("突出问题", &fields), None);
        assert_eq!(match_header("序号", &fields), None);
    }

    #[test]
    fn platforms_from_the_sheets_words() {
        for (text, platform) in [
            ("微信订阅号", Some(Platform::Wechat)),
            ("微信服务号", Some(Platform::Wechat)),
            ("政 务 微 信", Some(Platform::Wechat)),
            ("公众号", Some(Platform::Wechat)),
            ("新浪微博", Some(Platform::Weibo)),
            ("政务微博", Some(Platform::Weibo)),
            ("政 务 微 博", Some(Platform::Weibo)),
            ("抖音短视频", Some(Platform::Douyin)),
            ("今日头条", Some(Platform::Toutiao)),
            ("快手", Some(Platform::Kuaishou)),
            ("微信视频号", Some(Platform::Other)),
            ("百家号", Some(Platform::Other)),
            ("飞信", None),
        ] {
            assert_eq!(platform_of(text), platform, "{text}");
        }
    }

    #[test]
    fn seed_000_inventory_reads_with_its_title_row_and_reports_bad_rows() {
        let sheet = parse_accounts(&fixture("seed000-accounts.csv"), &clock()).unwrap();
        assert_eq!(sheet.accounts.len(), 30);
        let first = &sheet.accounts[0];
        assert_eq!(first.at.row, 3);
        assert_eq!(first.name, "渭滨生态环境");
        assert_eq!(first.unit, "生态环境分局");
        assert_eq!(first.operator.as_deref(), Some("宝鸡市生态环境局渭滨分局"));
        assert_eq!(first.platform, Platform::Wechat);
        assert_eq!(first.source.kind, SourceKind::Manual);
        let count = |p| sheet.accounts.iter().filter(|a| a.platform == p).count();
        assert_eq!(count(Platform::Wechat), 23);
        assert_eq!(count(Platform::Weibo), 5);
        assert_eq!(count(Platform::Douyin), 2);
        // 渭滨区政务服务中心 is its own 开设主体: operator differs from the unit, kept.
        let rejected: Vec<String> = sheet.rejected.iter().map(|r| r.to_string()).collect();
        assert_eq!(rejected.len(), 2, "{rejected:?}");
        assert!(rejected[0].starts_with("row 33: unknown platform \"飞信\""));
        assert!(rejected[1].starts_with("row 34: no 账号名称"));
    }

    #[test]
    fn seed_003_list_reads_merged_categories_spaced_levels_and_two_names_in_a_cell() {
        let sheet = parse_accounts(&fixture("seed003-accounts.csv"), &clock()).unwrap();
        let names: Vec<(&str, Platform, &str, Option<&str>, usize)> = sheet
            .accounts
            .iter()
            .map(|a| {
                (
                    a.name.as_str(),
                    a.platform,
                    a.unit.as_str(),
                    a.level.as_deref(),
                    a.at.row,
                )
            })
            .collect();
        use Platform::{Wechat, Weibo};
        assert_eq!(
            names,
            [
                ("苍溪县三川镇", Weibo, "三川镇人民政府", Some("乡镇"), 3),
                ("苍溪县高坡镇", Weibo, "高坡镇人民政府", Some("乡镇"), 4),
                ("梨乡禁毒", Weibo, "县公安局", Some("县级部门"), 5),
                ("苍溪市监", Weibo, "县市场监管局", Some("县级部门"), 6),
                (
                    "苍溪县高坡镇人民政府",
                    Wechat,
                    "高坡镇人民政府",
                    Some("乡镇"),
                    7
                ),
                ("神韵黄猫", Wechat, "黄猫乡人民政府", Some("乡镇"), 8),
                ("醉美运山", Wechat, "运山镇人民政府", Some("乡镇"), 9),
                ("双河政事", Wechat, "双河乡人民政府", Some("乡镇"), 10),
                (
                    "苍溪县双河乡人民政府",
                    Wechat,
                    "双河乡人民政府",
                    Some("乡镇"),
                    10
                ),
                ("微五龙", Wechat, "五龙镇人民政府", Some("乡镇"), 11),
                ("投资苍溪", Wechat, "县商务经合局", Some("县级部门"), 12),
                ("苍溪财政", Wechat, "县财政局", Some("县级部门"), 13),
                ("苍溪交通", Wechat, "县交运局", Some("县级部门"), 14),
                (
                    "苍溪县公路路政管理所",
                    Wechat,
                    "县交运局",
                    Some("县级部门"),
                    15
                ),
            ]
        );
        assert!(sheet.rejected.is_empty(), "{:?}", sheet.rejected);
        assert_eq!(sheet.notes.len(), 1);
        assert!(
            sheet.notes[0]
                .to_string()
                .starts_with("row 10: one cell names 2 accounts")
        );
    }

    #[test]
    fn uid_fakeid_and_feed_columns_give_real_sources() {
        let text = "单位,账号名称,平台,链接,fakeid,状态,注销时间\n\
                    县公安局,苍溪公安,新浪微博,https://weibo.com/u/1234567890,,正常运行,\n\
                    县财政局,苍溪财政,微信公众号,,MzA5MDAwMDAwMA==,正常,\n\
                    县交运局,苍溪交通,微信公众号,http://127.0.0.1:1200/wechat/ce/123/rss,,,\n\
                    县交运局,苍溪路政,今日头条,https://www.toutiao.com/c/user/1/,,已注销,2019-06-30\n\
                    县交运局,苍溪路政2,今日头条,not a url,,关停中,\n";
        let sheet = parse_accounts(&csv(text), &clock()).unwrap();
        let s: Vec<(SourceKind, Option<&str>, Option<&str>, AccountStatus)> = sheet
            .accounts
            .iter()
            .map(|a| {
                (
                    a.source.kind,
                    a.source.uid.as_deref().or(a.source.fakeid.as_deref()),
                    a.source.url.as_ref().map(|u| u.as_str()),
                    a.status,
                )
            })
            .collect();
        assert_eq!(
            s,
            [
                (
                    SourceKind::Weibo,
                    Some("1234567890"),
                    None,
                    AccountStatus::Active
                ),
                (
                    SourceKind::WechatMp,
                    Some("MzA5MDAwMDAwMA=="),
                    None,
                    AccountStatus::Active
                ),
                (
                    SourceKind::Feed,
                    None,
                    Some("http://127.0.0.1:1200/wechat/ce/123/rss"),
                    AccountStatus::Active
                ),
                (
                    SourceKind::Manual,
                    None,
                    Some("https://www.toutiao.com/c/user/1/"),
                    AccountStatus::Closed
                ),
                (SourceKind::Manual, None, None, AccountStatus::Closed),
            ]
        );
        assert_eq!(
            sheet.accounts[3].closed_on,
            NaiveDate::from_ymd_opt(2019, 6, 30)
        );
        assert!(
            sheet.notes[0].message.contains("not a url"),
            "{:?}",
            sheet.notes
        );
    }

    #[test]
    fn duplicate_rows_are_rejected_with_the_first_row() {
        let text = "账号名称,账号类型,责任单位\n渭滨城管,微信订阅号,城管局\n渭滨 城管,微信服务号,城管局\n渭滨城管,新浪微博,城管局\n";
        let sheet = parse_accounts(&csv(text), &clock()).unwrap();
        assert_eq!(sheet.accounts.len(), 2);
        assert_eq!(
            sheet.rejected[0].to_string(),
            "row 3: wechat account \"渭滨城管\" is already listed at row 2"
        );
    }

    #[test]
    fn gbk_and_tab_separated_csv_read() {
        let text = "责任单位\t账号名称\t开设主体\t账号类型\n气象局\t渭滨气象\t宝鸡市渭滨区气象局\t微信订阅号\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let sheets = read_sheets_from(&bytes).unwrap();
        let sheet = parse_accounts(&sheets, &clock()).unwrap();
        assert_eq!(sheet.accounts[0].name, "渭滨气象");
        assert_eq!(
            sheet.accounts[0].operator.as_deref(),
            Some("宝鸡市渭滨区气象局")
        );
    }

    #[test]
    fn a_sheet_without_the_headers_is_none() {
        assert!(parse_accounts(&csv("a,b,c\n1,2,3\n"), &clock()).is_none());
    }

    #[test]
    fn xlsx_with_merged_categories_and_date_cells() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name("政务新媒体").unwrap();
        ws.merge_range(0, 0, 0, 4, "2020年一季度政务新媒体名单", &Format::new())
            .unwrap();
        for (col, h) in ["类别", "政务新媒体名称", "主办单位", "级 别", "开设时间"]
            .iter()
            .enumerate()
        {
            ws.write_string(1, col as u16, *h).unwrap();
        }
        ws.merge_range(2, 0, 3, 0, "政 务 微 博", &Format::new())
            .unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        for (row, (name, unit)) in [("苍溪县三川镇", "三川镇人民政府"), ("梨乡禁毒", "县公安局")]
            .iter()
            .enumerate()
        {
            let r = row as u32 + 2;
            ws.write_string(r, 1, *name).unwrap();
            ws.write_string(r, 2, *unit).unwrap();
            ws.write_string(r, 3, "乡 镇").unwrap();
            ws.write_datetime_with_format(
                r,
                4,
                ExcelDateTime::from_ymd(2018, 3, 1 + row as u8).unwrap(),
                &date,
            )
            .unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let sheets = read_sheets_from(&bytes).unwrap();
        assert_eq!(
            sheets[0].name, None,
            "a lone sheet needs no name in messages"
        );
        let sheet = parse_accounts(&sheets, &clock()).unwrap();
        assert_eq!(sheet.accounts.len(), 2, "{:?}", sheet.rejected);
        assert!(sheet.accounts.iter().all(|a| a.platform == Platform::Weibo));
        assert_eq!(sheet.accounts[1].at.row, 4);
        assert_eq!(
            sheet.accounts[1].opened_on,
            NaiveDate::from_ymd_opt(2018, 3, 2)
        );
    }

    fn hand_catalog() -> Catalog {
        let text = r#"
[[unit]]
name = "县财政局"
level = "县级部门"

[[account]]
name = "苍溪财政"
unit = "县财政局"
platform = "wechat"
source = { kind = "feed", url = "https://rss.example.org/wechat/cangxi-finance" }
"#;
        load_texts(&[(Path::new("county.toml"), text)])
            .unwrap()
            .catalog
    }

    #[test]
    fn the_plan_leaves_hand_written_accounts_and_units_out_and_validates() {
        let sheet = parse_accounts(&fixture("seed003-accounts.csv"), &clock()).unwrap();
        let hand = hand_catalog();
        let plan = plan_import(&sheet, &hand, "seed003-accounts.csv", &clock());
        assert_eq!(plan.accounts, 13);
        assert_eq!(plan.hand_written.len(), 1);
        assert!(
            plan.hand_written[0].to_string().starts_with(
                "row 13: wechat account \"苍溪财政\" is written by hand at county.toml:"
            ),
            "{}",
            plan.hand_written[0]
        );
        // 县财政局 is hand-written; the other ten units are imported with their level.
        assert_eq!(plan.units, 10);
        assert!(!plan.text.contains("name = \"县财政局\""));
        assert!(
            plan.text
                .contains("[[unit]]\nname = \"县公安局\"\nlevel = \"县级部门\"\n")
        );

        let county = r#"
[[unit]]
name = "县财政局"
level = "县级部门"

[[account]]
name = "苍溪财政"
unit = "县财政局"
platform = "wechat"
source = { kind = "feed", url = "https://rss.example.org/wechat/cangxi-finance" }
"#;
        let loaded = load_texts(&[
            (Path::new("county.toml"), county),
            (Path::new("imported.toml"), plan.text.as_str()),
        ])
        .unwrap();
        assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
        assert_eq!(loaded.catalog.accounts.len(), 14);
        assert_eq!(loaded.catalog.units.len(), 11);
    }
}
