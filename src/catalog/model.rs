//! What govwatch watches: units (单位), sites (政府网站), columns (栏目) and new-media
//! accounts (政务新媒体), as validated entries with the file and line they came from.

use std::fmt;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

/// Where an entry was written, for messages an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: PathBuf,
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// The whole validated catalog. Entries that failed validation are not here; the
/// loader reports them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Catalog {
    pub units: Vec<Unit>,
    pub sites: Vec<Site>,
    pub columns: Vec<Column>,
    pub accounts: Vec<Account>,
    /// 信箱 and 留言板 (`[[mailbox]]`).
    pub mailboxes: Vec<Mailbox>,
    /// The word lists of `config/words/` (错敏词.txt, allow.txt).
    #[serde(skip)]
    pub words: super::WordLists,
}

impl Catalog {
    pub fn unit(&self, name: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.name == name)
    }

    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    pub fn columns_of_site<'a>(&'a self, site: &'a str) -> impl Iterator<Item = &'a Column> {
        self.columns.iter().filter(move |c| c.site == site)
    }
}

/// 单位: a bureau, town or office responsible for columns and accounts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub name: String,
    /// 级别, e.g. 乡镇 or 县级部门.
    pub level: Option<String>,
    /// The unit's own recipients of its part of the weekly email.
    pub contacts: Vec<String>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Unit {
    pub fn key(&self) -> String {
        self.name.clone()
    }
}

/// 政府网站: a portal or a unit's sub-site; its URL is the home page that is probed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub name: String,
    pub url: Url,
    /// 主办单位, if the catalog names one.
    pub unit: Option<String>,
    /// Per-site overrides of `[fetch]` politeness and TLS.
    pub fetch: SiteFetch,
    /// Whether the link stage crawls the whole site (`[links] crawl_site` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crawl_site: Option<bool>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Site {
    pub fn key(&self) -> String {
        self.name.clone()
    }
}

/// Per-site fetch settings; `None` means the `[fetch]` default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SiteFetch {
    pub per_host_concurrency: Option<usize>,
    pub per_host_interval_ms: Option<u64>,
    pub timeout_s: Option<u64>,
    /// Accept an expired, self-signed or mismatched certificate (still recorded as a
    /// TLS problem).
    pub accept_invalid_certs: bool,
    /// CIDRs of private addresses that links from this site may reach.
    pub allow_private: Vec<String>,
}

/// 栏目: a list page of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// Optional stable id; without it the URL identifies the column.
    pub id: Option<String>,
    pub site: String,
    pub name: String,
    pub url: Url,
    /// 保障单位: units responsible for the column's content.
    pub units: Vec<String>,
    pub class: ColumnClass,
    /// Whether `class` was guessed from the name rather than written.
    pub class_guessed: bool,
    /// 应更新条数 per quarter; `None` for 及时更新 (no number).
    pub quota: Option<u32>,
    /// CSS selectors that override automatic list extraction.
    pub select: Option<Selectors>,
    /// An aggregate column (最新信息, 今日更新) lists other columns' items by design, so
    /// the same items as another column is no sign of a sidebar read by mistake.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub aggregate: bool,
    #[serde(skip)]
    pub origin: Origin,
}

impl Column {
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) => format!("id:{id}"),
            None => self.url.to_string(),
        }
    }
}

/// 信箱 / 留言板: the public list of a site's letters (政民互动). Its letters are read like
/// a column's items, with their received and answered dates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mailbox {
    /// Optional stable id; without it the URL identifies the mailbox.
    pub id: Option<String>,
    pub site: String,
    pub name: String,
    /// The public list of letters.
    pub url: Url,
    /// The default handling units (承办单位) of a letter that names none.
    pub units: Vec<String>,
    /// Working days to answer; `None` for `[thresholds] reply_days`.
    pub reply_days: Option<u32>,
    /// CSS selectors that override automatic letter extraction.
    pub select: Option<MailboxSelectors>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Mailbox {
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) => format!("id:{id}"),
            None => self.url.to_string(),
        }
    }
}

/// Per-mailbox CSS selectors (`[mailbox.select]`): extract's type.
pub use crate::extract::MailboxSelectors;

/// Per-column CSS selectors (`[column.select]`): extract's type, named here too so
/// catalog paths (`catalog::Selectors`) keep working.
pub use crate::extract::Selectors;

/// How often a column must be updated (DOMAIN.md, "stale column").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnClass {
    News,
    Notice,
    Policy,
    Personnel,
    Plan,
    Other,
}

impl ColumnClass {
    pub const NAMES: &'static str = "news, notice, policy, personnel, plan, other";

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "news" => Self::News,
            "notice" => Self::Notice,
            "policy" => Self::Policy,
            "personnel" => Self::Personnel,
            "plan" => Self::Plan,
            "other" => Self::Other,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::News => "news",
            Self::Notice => "notice",
            Self::Policy => "policy",
            Self::Personnel => "personnel",
            Self::Plan => "plan",
            Self::Other => "other",
        }
    }

    /// The class a column's Chinese name suggests (工作动态 → news, 通知公告 → notice …).
    pub fn guess(name: &str) -> Self {
        const RULES: &[(&[&str], ColumnClass)] = &[
            (
                &["人事", "任免", "招聘", "招录", "招考"],
                ColumnClass::Personnel,
            ),
            (&["规划", "计划", "总结"], ColumnClass::Plan),
            (&["通知", "公告", "公示"], ColumnClass::Notice),
            (
                &["政策", "文件", "法规", "规章", "解读"],
                ColumnClass::Policy,
            ),
            (
                &["动态", "要闻", "新闻", "资讯", "信息", "快讯", "播报"],
                ColumnClass::News,
            ),
        ];
        RULES
            .iter()
            .find(|(words, _)| words.iter().any(|w| name.contains(w)))
            .map(|(_, class)| *class)
            .unwrap_or(ColumnClass::Other)
    }
}

/// 政务新媒体: an account on a platform, read through a source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Account {
    pub id: Option<String>,
    pub name: String,
    pub unit: String,
    pub platform: Platform,
    /// 开设主体: the registering entity; the unit when absent.
    pub operator: Option<String>,
    pub status: AccountStatus,
    pub opened_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub source: Source,
    /// The account's public page (主页), which the weekly email links; without it, the
    /// source's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Account {
    pub fn key(&self) -> String {
        match &self.id {
            Some(id) => format!("id:{id}"),
            None => format!(
                "{}:{}",
                self.platform.as_str(),
                self.source.identity(&self.name)
            ),
        }
    }

    /// The 开设主体 that the one-account-per-platform rule groups by.
    pub fn operator_or_unit(&self) -> &str {
        self.operator.as_deref().unwrap_or(&self.unit)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Wechat,
    Weibo,
    Douyin,
    Toutiao,
    Kuaishou,
    Bilibili,
    Other,
}

impl Platform {
    pub const NAMES: &'static str = "wechat, weibo, douyin, toutiao, kuaishou, bilibili, other";

    /// Accepts the catalog's English names and the Chinese names offices write in their
    /// sheets (微信订阅号 and 微信服务号 are one platform).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Some(match s.to_ascii_lowercase().as_str() {
            "wechat" => Self::Wechat,
            "weibo" => Self::Weibo,
            "douyin" => Self::Douyin,
            "toutiao" => Self::Toutiao,
            "kuaishou" => Self::Kuaishou,
            "bilibili" => Self::Bilibili,
            "other" => Self::Other,
            _ if s.contains("微信") => Self::Wechat,
            _ if s.contains("微博") => Self::Weibo,
            _ if s.contains("抖音") => Self::Douyin,
            _ if s.contains("头条") => Self::Toutiao,
            _ if s.contains("快手") => Self::Kuaishou,
            _ if s.contains("哔哩") || s.contains("B站") => Self::Bilibili,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wechat => "wechat",
            Self::Weibo => "weibo",
            Self::Douyin => "douyin",
            Self::Toutiao => "toutiao",
            Self::Kuaishou => "kuaishou",
            Self::Bilibili => "bilibili",
            Self::Other => "other",
        }
    }

    /// 类别 as the seeds' problem-account list prints it.
    pub fn category_zh(self) -> &'static str {
        match self {
            Self::Wechat => "政务微信",
            Self::Weibo => "政务微博",
            Self::Douyin => "政务抖音",
            Self::Toutiao => "政务头条",
            Self::Kuaishou => "政务快手",
            Self::Bilibili => "政务哔哩哔哩",
            Self::Other => "其他",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    Closed,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Closed => "closed",
        }
    }
}

/// How an account's posts are read (`source = { kind = "feed", url = "…" }`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub kind: SourceKind,
    pub url: Option<Url>,
    /// Weibo user id.
    pub uid: Option<String>,
    /// WeChat official account id in the backend (fakeid / __biz).
    pub fakeid: Option<String>,
    /// CSS selectors for `html` sources.
    pub select: Option<Selectors>,
}

impl Source {
    /// What identifies the account at its source, for the account's key.
    pub fn identity(&self, name: &str) -> String {
        if let Some(url) = &self.url {
            url.to_string()
        } else if let Some(uid) = &self.uid {
            format!("uid:{uid}")
        } else if let Some(id) = &self.fakeid {
            format!("fakeid:{id}")
        } else {
            format!("name:{name}")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Feed,
    Weibo,
    WechatMp,
    Html,
    Manual,
}

impl SourceKind {
    pub const NAMES: &'static str = "feed, weibo, wechat_mp, html, manual";

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "feed" => Self::Feed,
            "weibo" => Self::Weibo,
            "wechat_mp" => Self::WechatMp,
            "html" => Self::Html,
            "manual" => Self::Manual,
            _ => return None,
        })
    }

    /// The name `parse` reads (and `[sources.NAME]` uses).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feed => "feed",
            Self::Weibo => "weibo",
            Self::WechatMp => "wechat_mp",
            Self::Html => "html",
            Self::Manual => "manual",
        }
    }

    /// Whether its posts say if they are originals or reposts (Weibo's `retweeted_status`);
    /// only such sources are judged by account_weekly_minimum.
    pub fn tells_originals(self) -> bool {
        matches!(self, Self::Weibo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_class_is_guessed_from_the_name() {
        for (name, class) in [
            ("工作动态", ColumnClass::News),
            ("乡镇动态", ColumnClass::News),
            ("通知公告", ColumnClass::Notice),
            ("政策文件", ColumnClass::Policy),
            ("单位文件", ColumnClass::Policy),
            ("政策解读", ColumnClass::Policy),
            ("人事信息", ColumnClass::Personnel),
            ("规划计划", ColumnClass::Plan),
            ("减税降费", ColumnClass::Other),
        ] {
            assert_eq!(ColumnClass::guess(name), class, "{name}");
        }
    }

    #[test]
    fn platforms_read_the_sheets_chinese_names() {
        assert_eq!(Platform::parse("微信订阅号"), Some(Platform::Wechat));
        assert_eq!(Platform::parse("微信服务号"), Some(Platform::Wechat));
        assert_eq!(Platform::parse("新浪微博"), Some(Platform::Weibo));
        assert_eq!(Platform::parse("抖音短视频"), Some(Platform::Douyin));
        assert_eq!(Platform::parse("WeChat"), Some(Platform::Wechat));
        assert_eq!(Platform::parse("飞信"), None);
    }
}
