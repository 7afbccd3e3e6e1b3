//! New-media account rules (政务新媒体): silent for more than two weeks (超过两周未更新),
//! zombie (僵尸账号), one operator with several accounts on one platform, deregistered but
//! still posting (已注销仍运行), and a source that cannot be read.
//!
//! An account whose source could not be read on this check is unknown for the day: it
//! is judged neither silent nor zombie (the caller leaves it out of the reconcile scope
//! so its open episodes stay as they are). A zombie is reported as a zombie only.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::{Context, Finding, Kind, more_than_days, sentence};
use crate::catalog::{Account, AccountStatus, Platform};

/// How the latest check of the account's source went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceCheck {
    Read,
    /// The source failed on this many consecutive checks (the latest included).
    Failed {
        consecutive: u32,
        detail: String,
    },
}

#[derive(Debug, Clone)]
pub struct AccountState<'a> {
    pub account: &'a Account,
    pub key: String,
    /// Local days of its stored posts, any order.
    pub post_days: Vec<NaiveDate>,
    pub check: SourceCheck,
}

impl AccountState<'_> {
    pub fn last_post(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.post_days
            .iter()
            .filter(|d| **d <= today)
            .max()
            .copied()
    }

    /// Known to be a zombie on `today`: no post for longer than the zombie limit, or none
    /// since it opened that long ago (or ever, when the opening day is not known).
    pub fn is_zombie(&self, ctx: &Context) -> bool {
        if self.check != SourceCheck::Read || self.account.status != AccountStatus::Active {
            return false;
        }
        let days = ctx.thresholds.account_zombie_days;
        match self.last_post(ctx.today) {
            Some(last) => more_than_days(last, ctx.today, days),
            None => self
                .account
                .opened_on
                .is_none_or(|opened| more_than_days(opened, ctx.today, days)),
        }
    }
}

pub fn judge_accounts(ctx: &Context, accounts: &[AccountState]) -> Vec<Finding> {
    let mut out = Vec::new();
    let t = ctx.thresholds;
    for state in accounts {
        let a = state.account;
        let last = state.last_post(ctx.today);
        let finding = |kind: Kind, sentence: String, extra: serde_json::Value| {
            let mut evidence = json!({
                "platform": a.platform.as_str(),
                "account": a.name,
                "unit": a.unit,
                "detected_on": ctx.today.to_string(),
                "last_post": last.map(|d| d.to_string()),
            });
            if let (Some(e), Some(x)) = (evidence.as_object_mut(), extra.as_object()) {
                e.extend(x.clone());
            }
            Finding {
                kind,
                subject_key: state.key.clone(),
                unit: Some(a.unit.clone()),
                sentence,
                evidence,
            }
        };

        if let SourceCheck::Failed {
            consecutive,
            detail,
        } = &state.check
        {
            if *consecutive >= t.account_unreachable_failures.max(1) {
                out.push(finding(
                    Kind::AccountUnreachable,
                    sentence::account_unreachable(ctx.today, None),
                    json!({"consecutive_failures": consecutive, "detail": detail}),
                ));
            }
            continue;
        }

        if a.status == AccountStatus::Closed {
            let after_close = state
                .post_days
                .iter()
                .filter(|d| **d <= ctx.today && a.closed_on.is_some_and(|c| **d > c))
                .max();
            if let Some(post) = after_close {
                out.push(finding(
                    Kind::AccountClosedActive,
                    sentence::account_closed_active(a.closed_on, *post),
                    json!({"closed_on": a.closed_on.map(|d| d.to_string())}),
                ));
            }
            continue;
        }

        if state.is_zombie(ctx) {
            out.push(finding(
                Kind::AccountZombie,
                sentence::account_zombie(ctx.today, last, None),
                json!({"opened_on": a.opened_on.map(|d| d.to_string())}),
            ));
            continue;
        }
        match last {
            Some(last) if more_than_days(last, ctx.today, t.account_silent_days) => {
                out.push(finding(
                    Kind::AccountSilent,
                    sentence::account_silent(ctx.today, last, None),
                    json!({"days_silent": (ctx.today - last).num_days()}),
                ));
            }
            None if a
                .opened_on
                .is_some_and(|o| more_than_days(o, ctx.today, t.account_silent_days)) =>
            {
                out.push(finding(
                    Kind::AccountSilent,
                    sentence::account_silent_never(ctx.today, None),
                    json!({"opened_on": a.opened_on.map(|d| d.to_string())}),
                ));
            }
            _ => {}
        }
    }

    // One 开设主体, several active (not zombie) accounts on one platform.
    let mut groups: BTreeMap<(Platform, &str), Vec<&AccountState>> = BTreeMap::new();
    for state in accounts {
        let a = state.account;
        let unknown_today = state.check != SourceCheck::Read;
        if a.status == AccountStatus::Active && (unknown_today || !state.is_zombie(ctx)) {
            groups
                .entry((a.platform, a.operator_or_unit()))
                .or_default()
                .push(state);
        }
    }
    for ((platform, operator), members) in groups {
        if members.len() < 2 {
            continue;
        }
        let names: Vec<&str> = members.iter().map(|s| s.account.name.as_str()).collect();
        for state in &members {
            out.push(Finding {
                kind: Kind::AccountDuplicate,
                subject_key: state.key.clone(),
                unit: Some(state.account.unit.clone()),
                sentence: sentence::ACCOUNT_DUPLICATE.to_string(),
                evidence: json!({
                    "platform": platform.as_str(),
                    "operator": operator,
                    "accounts": names,
                    "detected_on": ctx.today.to_string(),
                }),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
