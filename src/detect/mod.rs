//! Detection: pure rules that read observations, a day and thresholds, and say which
//! problems hold now. No I/O and no real clock: every rule takes the run's day, which is
//! what makes `--now` replays and table tests possible. Turning "holds now" into
//! episodes (opened, confirmed, resolved) is the store's reconcile; a rule only judges.
//!
//! One file per subject: [`columns`] (and units), [`sites`], [`links`], [`accounts`]. A new rule is a
//! function there and a row in its table test.

pub mod accounts;
pub mod columns;
pub mod links;
pub mod listings;
pub mod period;
pub mod sentence;
pub mod sites;

use std::fmt;

use chrono::NaiveDate;
use serde_json::Value;

use crate::config::Thresholds;

/// Finding codes, as operators' scripts and exports name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    SiteUnreachable,
    SiteBlocked,
    SiteHomeStale,
    ColumnUnreachable,
    ColumnEmpty,
    ColumnStale,
    ColumnZeroPublish,
    ColumnQuotaShortfall,
    UnitZeroPublish,
    LinkBroken,
    AccountSilent,
    AccountZombie,
    AccountDuplicate,
    AccountWeeklyMinimum,
    AccountUnregistered,
    AccountClosedActive,
    AccountUnreachable,
}

impl Kind {
    pub const ALL: [Kind; 17] = [
        Kind::SiteUnreachable,
        Kind::SiteBlocked,
        Kind::SiteHomeStale,
        Kind::ColumnUnreachable,
        Kind::ColumnEmpty,
        Kind::ColumnStale,
        Kind::ColumnZeroPublish,
        Kind::ColumnQuotaShortfall,
        Kind::UnitZeroPublish,
        Kind::LinkBroken,
        Kind::AccountSilent,
        Kind::AccountZombie,
        Kind::AccountDuplicate,
        Kind::AccountWeeklyMinimum,
        Kind::AccountUnregistered,
        Kind::AccountClosedActive,
        Kind::AccountUnreachable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Kind::SiteUnreachable => "site_unreachable",
            Kind::SiteBlocked => "site_blocked",
            Kind::SiteHomeStale => "site_home_stale",
            Kind::ColumnUnreachable => "column_unreachable",
            Kind::ColumnEmpty => "column_empty",
            Kind::ColumnStale => "column_stale",
            Kind::ColumnZeroPublish => "column_zero_publish",
            Kind::ColumnQuotaShortfall => "column_quota_shortfall",
            Kind::UnitZeroPublish => "unit_zero_publish",
            Kind::LinkBroken => "link_broken",
            Kind::AccountSilent => "account_silent",
            Kind::AccountZombie => "account_zombie",
            Kind::AccountDuplicate => "account_duplicate",
            Kind::AccountWeeklyMinimum => "account_weekly_minimum",
            Kind::AccountUnregistered => "account_unregistered",
            Kind::AccountClosedActive => "account_closed_active",
            Kind::AccountUnreachable => "account_unreachable",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// A short Chinese name for tables and emails.
    pub fn name_zh(self) -> &'static str {
        match self {
            Kind::SiteUnreachable => "网站无法访问",
            Kind::SiteBlocked => "网站拦截监测",
            Kind::SiteHomeStale => "首页不更新",
            Kind::ColumnUnreachable => "栏目无法访问",
            Kind::ColumnEmpty => "空白栏目",
            Kind::ColumnStale => "栏目更新不及时",
            Kind::ColumnZeroPublish => "栏目零发布",
            Kind::ColumnQuotaShortfall => "栏目更新未达标",
            Kind::UnitZeroPublish => "单位新闻零发布",
            Kind::LinkBroken => "死链",
            Kind::AccountSilent => "超过两周未更新",
            Kind::AccountZombie => "僵尸账号",
            Kind::AccountDuplicate => "同一平台多个账号",
            Kind::AccountWeeklyMinimum => "每周发布不足",
            Kind::AccountUnregistered => "未经报备",
            Kind::AccountClosedActive => "已注销仍运行",
            Kind::AccountUnreachable => "账号无法访问",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A problem that holds on the day judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    /// What the problem is about: a catalog key (with `#2020Q3` for period rules), or a URL.
    pub subject_key: String,
    /// The responsible unit(s), joined with 、.
    pub unit: Option<String>,
    pub sentence: String,
    pub evidence: Value,
}

/// What every rule reads besides observations.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The run's day in the configured time zone (`--now`).
    pub today: NaiveDate,
    pub thresholds: &'a Thresholds,
}

/// Whether more than `days` calendar days lie between `last` and `today` (day 15 after
/// the last post is the first silent day for `days = 14`).
pub fn more_than_days(last: NaiveDate, today: NaiveDate, days: i64) -> bool {
    (today - last).num_days() > days
}
