//! Typed evidence: what shows a finding (URLs, dates, counts), one variant per kind.
//!
//! The store keeps it as JSON text in the findings' `evidence` column, exactly as it was
//! written before these types existed (same keys, same values, keys in alphabetical
//! order), so rows written by older versions parse and new rows read the same to older
//! readers. The enum is tagged by the kind's code (`{"kind": …, "evidence": {…}}`); the
//! stored text is the `evidence` part, the tag is the row's `kind`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::kind::Kind;

/// A finding's evidence, by kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "evidence", rename_all = "snake_case")]
pub enum Evidence {
    SiteUnreachable(SiteUnreachable),
    SiteBlocked(SiteBlocked),
    SiteHomeStale(SiteHomeStale),
    ColumnUnreachable(ColumnUnreachable),
    ColumnEmpty(ColumnEmpty),
    ColumnStale(ColumnStale),
    ColumnZeroPublish(ColumnPeriod),
    ColumnQuotaShortfall(ColumnQuotaShortfall),
    UnitZeroPublish(UnitZeroPublish),
    LinkBroken(LinkBroken),
    AccountSilent(AccountSilent),
    AccountZombie(AccountZombie),
    AccountDuplicate(AccountDuplicate),
    AccountWeeklyMinimum(AccountWeeklyMinimum),
    AccountUnregistered(AccountUnregistered),
    AccountClosedActive(AccountClosedActive),
    AccountUnreachable(AccountUnreachable),
    MessageOverdue(MessageOverdue),
    InteractionUnanswered(InteractionUnanswered),
    MailboxUnreachable(MailboxUnreachable),
    ContentError(ContentError),
    PrivacyLeak(PrivacyLeak),
    LinkHidden(LinkHidden),
    LinkSuspicious(LinkSuspicious),
}

/// site_unreachable: the probes of the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteUnreachable {
    pub url: String,
    pub window_days: u32,
    pub probes: usize,
    pub failed: usize,
    pub fail_share: f64,
}

/// site_blocked: the probes answered by an anti-bot challenge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteBlocked {
    pub url: String,
    pub host: Option<String>,
    pub blocked_probes: usize,
}

/// site_home_stale: the newest dated item on the home page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteHomeStale {
    pub url: String,
    pub last_update: NaiveDate,
    pub days_since: i64,
}

/// What every column finding names: the column, its site, list page and units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnBase {
    pub site: String,
    pub column: String,
    pub url: String,
    pub units: Vec<String>,
    pub last_update: Option<NaiveDate>,
}

/// column_unreachable: the latest failure and how many in a row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnUnreachable {
    #[serde(flatten)]
    pub column: ColumnBase,
    /// The failure class of the latest crawl (`http`, `dns`, `timeout` …).
    pub failure: String,
    pub status: Option<u16>,
    pub consecutive_failures: usize,
}

/// column_empty: the column alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnEmpty {
    #[serde(flatten)]
    pub column: ColumnBase,
}

/// column_stale: the column's class and how old its newest item is. The limit it
/// exceeded is kept since sentences are rendered (older rows have none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStale {
    #[serde(flatten)]
    pub column: ColumnBase,
    pub class: String,
    pub days_since: i64,
    /// The limit, for news-class columns: more than this many days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_days: Option<i64>,
    /// The limit, for the other classes: more than this many months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_months: Option<u32>,
}

/// column_zero_publish: the quarter and what was published in it (0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnPeriod {
    #[serde(flatten)]
    pub column: ColumnBase,
    /// The quarter, `2020Q3`.
    pub period: String,
    pub quota: Option<u32>,
    pub published: usize,
}

/// column_quota_shortfall: the quarter, the quota and what was published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnQuotaShortfall {
    #[serde(flatten)]
    pub column: ColumnBase,
    pub period: String,
    pub quota: u32,
    pub published: usize,
}

/// unit_zero_publish: the quarter and the unit's news-class columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitZeroPublish {
    pub period: String,
    pub unit: String,
    pub columns: Vec<String>,
}

/// link_broken: the URL, how it failed, and every page of the site it is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkBroken {
    pub url: String,
    /// `soft_404` or the failure class (`http`, `dns`, `timeout` …).
    pub outcome: String,
    pub status: Option<i64>,
    pub detail: Option<String>,
    #[serde(default)]
    pub on_home_page: bool,
    /// In the order the sentence names them: the first is the one it names.
    #[serde(default)]
    pub pages: Vec<LinkPage>,
}

/// A page a broken link appears on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkPage {
    pub page: String,
    pub anchor: String,
    /// Where on the site, as sentences say it: 首页, 工作动态栏目页面, 网站页面 …
    #[serde(rename = "where")]
    pub place: String,
}

/// What every finding about one registered account names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountBase {
    /// The platform's code (`wechat`, `weibo` …).
    pub platform: String,
    pub account: String,
    pub unit: String,
    /// The day of the latest check that found it (confirmations rewrite it).
    pub detected_on: NaiveDate,
    pub last_post: Option<NaiveDate>,
}

/// account_silent: days since the last post, or, for an account that never posted, the
/// day it opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountSilent {
    #[serde(flatten)]
    pub account: AccountBase,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_silent: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_on: Option<NaiveDate>,
}

/// account_zombie.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountZombie {
    #[serde(flatten)]
    pub account: AccountBase,
    pub opened_on: Option<NaiveDate>,
}

/// account_closed_active: the day it was deregistered (its last post is after it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountClosedActive {
    #[serde(flatten)]
    pub account: AccountBase,
    pub closed_on: Option<NaiveDate>,
}

/// account_unreachable: failures in a row and the latest one's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountUnreachable {
    #[serde(flatten)]
    pub account: AccountBase,
    pub consecutive_failures: u32,
    pub detail: String,
}

/// account_duplicate: one operator's active accounts on one platform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountDuplicate {
    pub platform: String,
    pub operator: String,
    pub accounts: Vec<String>,
    pub detected_on: NaiveDate,
}

/// account_weekly_minimum: a completed week without an original post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountWeeklyMinimum {
    #[serde(flatten)]
    pub account: AccountBase,
    /// The week, `2020-W03`.
    pub period: String,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub posts: usize,
    pub originals: usize,
    pub reposts: usize,
    pub last_original: Option<NaiveDate>,
}

/// account_unregistered: the account as the listings show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountUnregistered {
    pub platform: String,
    pub account: String,
    pub unit: Option<String>,
    pub operator: Option<String>,
    pub level: Option<String>,
    /// Where it was seen: `listing-2020q1 row 7`.
    pub seen_in: Vec<String>,
    pub detected_on: NaiveDate,
}

/// What every finding about one citizen's message names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageBase {
    /// The mailbox's name (区长信箱), or an imported record's 渠道 (12345热线).
    pub channel: String,
    pub site: Option<String>,
    /// 编号, or the letter's URL.
    pub number: String,
    pub title: Option<String>,
    pub url: Option<String>,
    /// 承办单位.
    pub unit: Option<String>,
    pub received_on: NaiveDate,
    /// False: no received date was shown; `received_on` is the day first seen (日期不详).
    pub received_known: bool,
}

/// message_overdue: not answered by its deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageOverdue {
    #[serde(flatten)]
    pub message: MessageBase,
    pub deadline_on: NaiveDate,
    /// The working days it had; `None` when an imported 办理时限 set the deadline.
    pub reply_days: Option<u32>,
}

/// interaction_unanswered (互动回应差): unanswered for more than the limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InteractionUnanswered {
    #[serde(flatten)]
    pub message: MessageBase,
    pub days_unanswered: i64,
    pub limit_days: i64,
}

/// mailbox_unreachable: the mailbox's list cannot be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MailboxUnreachable {
    pub site: String,
    pub mailbox: String,
    pub url: String,
    pub units: Vec<String>,
    /// The failure class of the latest read (`http`, `dns`, `extract` …).
    pub failure: String,
    pub status: Option<i64>,
    pub consecutive_failures: usize,
}

/// What every finding about one page's text names: the page, its site, where on the
/// site it is and the day it was read with the hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageBase {
    pub site: String,
    /// The responsible unit(s) as the sentence names them (the column's, else the
    /// site's), joined with 、.
    pub unit: Option<String>,
    pub page: String,
    /// The item's title (《关于…的通知》); none for home and column pages.
    pub title: Option<String>,
    /// 首页, 工作动态栏目页面, 工作动态栏目文章页面.
    #[serde(rename = "where")]
    pub place: String,
    pub published_on: Option<NaiveDate>,
    /// The day of the latest read that found it (confirmations rewrite it).
    pub detected_on: NaiveDate,
    /// For a hit in an attachment of the page: its name as the page's link says it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<String>,
}

/// One wrong or banned expression on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentHit {
    /// As the page writes it.
    pub text: String,
    /// As the word list writes it.
    pub wrong: String,
    pub right: Option<String>,
    pub category: String,
    /// Character offset in the page's text.
    pub position: usize,
    /// 20 characters each side, digit runs of 11 or more masked.
    pub context: String,
}

/// content_error (错敏词): every hit on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentError {
    #[serde(flatten)]
    pub page: PageBase,
    pub hits: Vec<ContentHit>,
}

/// One number on a page, masked: never the full number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakHit {
    /// What data: `id_number`, `mobile` or `bank_card`.
    pub data: String,
    /// 110105********1234.
    pub masked: String,
    pub position: usize,
    pub context: String,
}

/// privacy_leak: how many numbers of each kind (all of them) and the first ones, masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivacyLeak {
    #[serde(flatten)]
    pub page: PageBase,
    pub id_numbers: usize,
    pub mobiles: usize,
    pub bank_cards: usize,
    pub hits: Vec<LeakHit>,
}

/// One link a reader cannot see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenLink {
    pub url: String,
    /// The anchor text.
    pub text: String,
    /// How it is hidden: `display:none`, `字号为0`, `文字颜色与背景相同` ….
    pub how: String,
}

/// link_hidden (暗链): the page's hidden outside links.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkHidden {
    #[serde(flatten)]
    pub page: PageBase,
    pub links: Vec<HiddenLink>,
}

/// link_suspicious: an outside link whose page carries banned content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkSuspicious {
    /// The page carrying the link.
    #[serde(flatten)]
    pub page: PageBase,
    /// The outside link.
    pub url: String,
    pub anchor: String,
    /// 赌博, 色情 ….
    pub category: String,
    /// The words found on the outside page.
    pub words: Vec<String>,
}

impl Evidence {
    /// The kind this evidence shows.
    pub fn kind(&self) -> Kind {
        match self {
            Evidence::SiteUnreachable(_) => Kind::SiteUnreachable,
            Evidence::SiteBlocked(_) => Kind::SiteBlocked,
            Evidence::SiteHomeStale(_) => Kind::SiteHomeStale,
            Evidence::ColumnUnreachable(_) => Kind::ColumnUnreachable,
            Evidence::ColumnEmpty(_) => Kind::ColumnEmpty,
            Evidence::ColumnStale(_) => Kind::ColumnStale,
            Evidence::ColumnZeroPublish(_) => Kind::ColumnZeroPublish,
            Evidence::ColumnQuotaShortfall(_) => Kind::ColumnQuotaShortfall,
            Evidence::UnitZeroPublish(_) => Kind::UnitZeroPublish,
            Evidence::LinkBroken(_) => Kind::LinkBroken,
            Evidence::AccountSilent(_) => Kind::AccountSilent,
            Evidence::AccountZombie(_) => Kind::AccountZombie,
            Evidence::AccountDuplicate(_) => Kind::AccountDuplicate,
            Evidence::AccountWeeklyMinimum(_) => Kind::AccountWeeklyMinimum,
            Evidence::AccountUnregistered(_) => Kind::AccountUnregistered,
            Evidence::AccountClosedActive(_) => Kind::AccountClosedActive,
            Evidence::AccountUnreachable(_) => Kind::AccountUnreachable,
            Evidence::MessageOverdue(_) => Kind::MessageOverdue,
            Evidence::InteractionUnanswered(_) => Kind::InteractionUnanswered,
            Evidence::MailboxUnreachable(_) => Kind::MailboxUnreachable,
            Evidence::ContentError(_) => Kind::ContentError,
            Evidence::PrivacyLeak(_) => Kind::PrivacyLeak,
            Evidence::LinkHidden(_) => Kind::LinkHidden,
            Evidence::LinkSuspicious(_) => Kind::LinkSuspicious,
        }
    }

    /// The evidence as the store keeps it: the JSON object without the kind tag, keys in
    /// alphabetical order.
    pub fn to_json(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut tagged)) => {
                tagged.remove("evidence").unwrap_or_default()
            }
            // Every variant is a struct of strings, numbers and dates: it always serializes.
            _ => serde_json::Value::Null,
        }
    }

    /// The evidence of a `kind` finding from its stored JSON; an error when the JSON does
    /// not have what this kind's evidence holds (a row written by an older version).
    pub fn from_json(
        kind: Kind,
        evidence: serde_json::Value,
    ) -> Result<Evidence, serde_json::Error> {
        serde_json::from_value(serde_json::json!({"kind": kind, "evidence": evidence}))
    }

    /// The URL that shows the problem: the site's, the column's list page, the link.
    pub fn url(&self) -> Option<&str> {
        match self {
            Evidence::SiteUnreachable(e) => Some(&e.url),
            Evidence::SiteBlocked(e) => Some(&e.url),
            Evidence::SiteHomeStale(e) => Some(&e.url),
            Evidence::ColumnUnreachable(e) => Some(&e.column.url),
            Evidence::ColumnEmpty(e) => Some(&e.column.url),
            Evidence::ColumnStale(e) => Some(&e.column.url),
            Evidence::ColumnZeroPublish(e) => Some(&e.column.url),
            Evidence::ColumnQuotaShortfall(e) => Some(&e.column.url),
            Evidence::LinkBroken(e) => Some(&e.url),
            Evidence::MailboxUnreachable(e) => Some(&e.url),
            Evidence::ContentError(e) => Some(&e.page.page),
            Evidence::PrivacyLeak(e) => Some(&e.page.page),
            Evidence::LinkHidden(e) => Some(&e.page.page),
            Evidence::LinkSuspicious(e) => Some(&e.page.page),
            Evidence::MessageOverdue(e) => e.message.url.as_deref(),
            Evidence::InteractionUnanswered(e) => e.message.url.as_deref(),
            Evidence::UnitZeroPublish(_)
            | Evidence::AccountSilent(_)
            | Evidence::AccountZombie(_)
            | Evidence::AccountDuplicate(_)
            | Evidence::AccountWeeklyMinimum(_)
            | Evidence::AccountUnregistered(_)
            | Evidence::AccountClosedActive(_)
            | Evidence::AccountUnreachable(_) => None,
        }
    }

    /// The column a finding is about: (site, column).
    pub fn column(&self) -> Option<&ColumnBase> {
        match self {
            Evidence::ColumnUnreachable(e) => Some(&e.column),
            Evidence::ColumnEmpty(e) => Some(&e.column),
            Evidence::ColumnStale(e) => Some(&e.column),
            Evidence::ColumnZeroPublish(e) => Some(&e.column),
            Evidence::ColumnQuotaShortfall(e) => Some(&e.column),
            Evidence::SiteUnreachable(_)
            | Evidence::SiteBlocked(_)
            | Evidence::SiteHomeStale(_)
            | Evidence::UnitZeroPublish(_)
            | Evidence::LinkBroken(_)
            | Evidence::AccountSilent(_)
            | Evidence::AccountZombie(_)
            | Evidence::AccountDuplicate(_)
            | Evidence::AccountWeeklyMinimum(_)
            | Evidence::AccountUnregistered(_)
            | Evidence::AccountClosedActive(_)
            | Evidence::AccountUnreachable(_)
            | Evidence::MessageOverdue(_)
            | Evidence::InteractionUnanswered(_)
            | Evidence::MailboxUnreachable(_)
            | Evidence::ContentError(_)
            | Evidence::PrivacyLeak(_)
            | Evidence::LinkHidden(_)
            | Evidence::LinkSuspicious(_) => None,
        }
    }

    /// The account a finding names, with its platform's code: (account, platform).
    /// account_duplicate names several, so none.
    pub fn account(&self) -> Option<(&str, &str)> {
        fn base(b: &AccountBase) -> Option<(&str, &str)> {
            Some((b.account.as_str(), b.platform.as_str()))
        }
        match self {
            Evidence::AccountSilent(e) => base(&e.account),
            Evidence::AccountZombie(e) => base(&e.account),
            Evidence::AccountWeeklyMinimum(e) => base(&e.account),
            Evidence::AccountClosedActive(e) => base(&e.account),
            Evidence::AccountUnreachable(e) => base(&e.account),
            Evidence::AccountUnregistered(e) => Some((&e.account, &e.platform)),
            Evidence::AccountDuplicate(_)
            | Evidence::SiteUnreachable(_)
            | Evidence::SiteBlocked(_)
            | Evidence::SiteHomeStale(_)
            | Evidence::ColumnUnreachable(_)
            | Evidence::ColumnEmpty(_)
            | Evidence::ColumnStale(_)
            | Evidence::ColumnZeroPublish(_)
            | Evidence::ColumnQuotaShortfall(_)
            | Evidence::UnitZeroPublish(_)
            | Evidence::LinkBroken(_)
            | Evidence::MessageOverdue(_)
            | Evidence::InteractionUnanswered(_)
            | Evidence::MailboxUnreachable(_)
            | Evidence::ContentError(_)
            | Evidence::PrivacyLeak(_)
            | Evidence::LinkHidden(_)
            | Evidence::LinkSuspicious(_) => None,
        }
    }

    /// The platform's code, for the account kinds.
    pub fn platform(&self) -> Option<&str> {
        match self {
            Evidence::AccountDuplicate(e) => Some(&e.platform),
            other => other.account().map(|(_, platform)| platform),
        }
    }
}
