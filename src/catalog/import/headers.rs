//! Header synonyms: which column of a sheet holds what ([`Field`]), found by the words
//! offices write in their header rows (责任单位, 账号名称, 开设主体, 账号类型, 类别,
//! 政务新媒体名称, 主办单位, 级 别 …), and the platform words they write in cells
//! (微信订阅号, 新浪微博, 政 务 微 博 …); for 政民互动 records, the words of 12345 hotline
//! and mailbox back-office exports (工单编号, 受理渠道, 承办单位, 受理时间, 办结时间, 办理时限,
//! 是否撤单, 是否返工 …).

use std::collections::BTreeMap;
use std::path::Path;

use super::ImportError;
use super::sheet::{Row, Sheet};
use crate::catalog::Platform;

/// How many rows from the top are searched for the header row (title rows come first).
pub const HEADER_SEARCH_ROWS: usize = 20;

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
    /// A message's 编号 (工单号): with its channel, the record's key.
    Number,
    /// A message's 渠道 (12345热线, 区长信箱 …).
    Channel,
    Received,
    Answered,
    /// 办理时限: the last day to answer (or a number of working days).
    Deadline,
    Category,
    Withdrawn,
    Reworked,
}

impl Field {
    /// Headers that mean this field, compared without spaces, brackets or case.
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Self::Unit => &[
                "责任单位",
                "承办单位",
                "办理单位",
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
            Self::Status => &[
                "状态",
                "运行状态",
                "账号状态",
                "运营状态",
                "办理状态",
                "工单状态",
                "status",
            ],
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
            Self::Number => &[
                "编号",
                "工单号",
                "工单编号",
                "信件编号",
                "来信编号",
                "留言编号",
                "受理编号",
                "流水号",
                "单号",
                "number",
            ],
            Self::Channel => &[
                "渠道",
                "受理渠道",
                "来源渠道",
                "诉求渠道",
                "来源",
                "信件来源",
                "工单来源",
                "channel",
            ],
            Self::Received => &[
                "受理日期",
                "受理时间",
                "来信日期",
                "来信时间",
                "留言日期",
                "留言时间",
                "来电日期",
                "来电时间",
                "登记日期",
                "登记时间",
                "交办日期",
                "交办时间",
                "派单日期",
                "派单时间",
                "创建时间",
                "received_on",
            ],
            Self::Answered => &[
                "办结日期",
                "办结时间",
                "回复日期",
                "回复时间",
                "答复日期",
                "答复时间",
                "完成日期",
                "完成时间",
                "结案日期",
                "结案时间",
                "answered_on",
            ],
            // Longer than the 办结时间 they contain, so they win the partial match.
            Self::Deadline => &[
                "办理时限",
                "办结时限",
                "时限",
                "办理期限",
                "办结期限",
                "期限",
                "截止日期",
                "截止时间",
                "到期日期",
                "到期时间",
                "应办结日期",
                "应办结时间",
                "要求办结日期",
                "要求办结时间",
                "要求完成时间",
                "承诺办结时间",
                "限办日期",
                "限办时间",
                "deadline_on",
            ],
            Self::Category => &[
                "类别",
                "类型",
                "分类",
                "诉求类型",
                "诉求类别",
                "工单类型",
                "工单类别",
                "信件类型",
                "信件类别",
                "问题类型",
                "问题类别",
                "业务类型",
                "category",
            ],
            Self::Withdrawn => &[
                "是否撤单",
                "撤单",
                "是否撤回",
                "撤回",
                "是否撤销",
                "withdrawn",
            ],
            Self::Reworked => &["是否返工", "返工", "是否重办", "重办", "reworked"],
        }
    }

    pub(super) fn label(self) -> &'static str {
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
pub(super) fn match_header(h: &str, fields: &[Field]) -> Option<(Field, bool)> {
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

pub(super) fn no_header(
    path: &Path,
    sheets: &[Sheet],
    required: &[Field],
    example: &str,
) -> ImportError {
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
