//! Finding kinds. A kind's code (`site_unreachable`, `column_zero_publish` …) is a contract:
//! operators' scripts, exports, the store's `kind` column and `[report.scoring] points`
//! name kinds by it, so the codes are derived from the variant names and never change.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

/// What kind of problem a finding is; its code is the variant's name in snake case.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    MessageOverdue,
    InteractionUnanswered,
    MailboxUnreachable,
    ContentError,
    PrivacyLeak,
    LinkHidden,
    LinkSuspicious,
}

impl Kind {
    /// Every kind, in the order above.
    pub const ALL: &'static [Kind] = Kind::VARIANTS;

    /// The finding code, e.g. `column_zero_publish`.
    pub fn code(self) -> &'static str {
        self.into()
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
            Kind::MessageOverdue => "留言办理超期",
            Kind::InteractionUnanswered => "互动回应差",
            Kind::MailboxUnreachable => "信箱无法使用",
            Kind::ContentError => "表述错误",
            Kind::PrivacyLeak => "泄露个人信息",
            Kind::LinkHidden => "暗链",
            Kind::LinkSuspicious => "外链内容违规",
        }
    }

    /// Whether the finding is about a new-media account (政务新媒体).
    pub fn is_account(self) -> bool {
        match self {
            Kind::AccountSilent
            | Kind::AccountZombie
            | Kind::AccountDuplicate
            | Kind::AccountWeeklyMinimum
            | Kind::AccountUnregistered
            | Kind::AccountClosedActive
            | Kind::AccountUnreachable => true,
            Kind::SiteUnreachable
            | Kind::SiteBlocked
            | Kind::SiteHomeStale
            | Kind::ColumnUnreachable
            | Kind::ColumnEmpty
            | Kind::ColumnStale
            | Kind::ColumnZeroPublish
            | Kind::ColumnQuotaShortfall
            | Kind::UnitZeroPublish
            | Kind::LinkBroken
            | Kind::MessageOverdue
            | Kind::InteractionUnanswered
            | Kind::MailboxUnreachable
            | Kind::ContentError
            | Kind::PrivacyLeak
            | Kind::LinkHidden
            | Kind::LinkSuspicious => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_contract() {
        let codes: Vec<&str> = Kind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes,
            [
                "site_unreachable",
                "site_blocked",
                "site_home_stale",
                "column_unreachable",
                "column_empty",
                "column_stale",
                "column_zero_publish",
                "column_quota_shortfall",
                "unit_zero_publish",
                "link_broken",
                "account_silent",
                "account_zombie",
                "account_duplicate",
                "account_weekly_minimum",
                "account_unregistered",
                "account_closed_active",
                "account_unreachable",
                "message_overdue",
                "interaction_unanswered",
                "mailbox_unreachable",
                "content_error",
                "privacy_leak",
                "link_hidden",
                "link_suspicious",
            ]
        );
        for k in Kind::ALL {
            assert_eq!(k.code().parse::<Kind>(), Ok(*k));
            assert_eq!(k.to_string(), k.code());
            assert_eq!(serde_json::to_value(k).unwrap(), k.code());
            assert_eq!(k.is_account(), k.code().starts_with("account_"));
        }
        assert!("site_down".parse::<Kind>().is_err());
    }
}
