//! New-media account rules (政务新媒体): silent for more than two weeks (超过两周未更新),
//! zombie (僵尸账号), one operator with several accounts on one platform, deregistered but
//! still posting (已注销仍运行), a source that cannot be read, and an account seen in a
//! platform's listing but not registered (未经报备私自开设).
//!
//! An account whose source could not be read on this check is unknown for the day: it
//! is judged neither silent nor zombie (the caller leaves it out of the reconcile scope
//! so its open episodes stay as they are). A zombie is reported as a zombie only.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::{Context, Finding, Kind, more_than_days, sentence};
use crate::catalog::import::normalize_name;
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

/// An account of a stored listing (`govwatch import listing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub platform: Platform,
    /// The name as listed.
    pub name: String,
    pub unit: Option<String>,
    pub operator: Option<String>,
    pub level: Option<String>,
    /// Where it was seen, for the evidence: `listing-2020q1 row 7`.
    pub seen_in: String,
}

/// The subject of an account_unregistered finding: platform and name as compared with
/// the catalog (no spaces, full-width letters folded), e.g. `unregistered:wechat:高崖印象`.
pub fn unregistered_key(platform: Platform, name: &str) -> String {
    format!(
        "unregistered:{}:{}",
        platform.as_str(),
        normalize_name(name)
    )
}

/// account_unregistered: every listed account (of any listing) that the catalog does not
/// have under the same platform and name. Closed catalog accounts count as registered
/// (they are account_closed_active's business). One finding per platform and name, even
/// when several listings show it; its unit is the listing's unit, else its 开设主体.
pub fn judge_unregistered(
    ctx: &Context,
    registered: &[Account],
    listed: &[Listed],
) -> Vec<Finding> {
    let known: std::collections::HashSet<String> = registered
        .iter()
        .map(|a| unregistered_key(a.platform, &a.name))
        .collect();
    let mut groups: BTreeMap<String, Vec<&Listed>> = BTreeMap::new();
    for l in listed {
        let key = unregistered_key(l.platform, &l.name);
        if !known.contains(&key) {
            groups.entry(key).or_default().push(l);
        }
    }
    groups
        .into_iter()
        .map(|(key, seen)| {
            let first = seen[0];
            let pick = |f: fn(&Listed) -> Option<&String>| seen.iter().find_map(|l| f(l)).cloned();
            let unit = pick(|l| l.unit.as_ref());
            let operator = pick(|l| l.operator.as_ref());
            Finding {
                kind: Kind::AccountUnregistered,
                subject_key: key,
                unit: unit.clone().or_else(|| operator.clone()),
                sentence: sentence::account_unregistered(ctx.today, None),
                evidence: json!({
                    "platform": first.platform.as_str(),
                    "account": first.name,
                    "unit": unit,
                    "operator": operator,
                    "level": pick(|l| l.level.as_ref()),
                    "seen_in": seen.iter().map(|l| l.seen_in.as_str()).collect::<Vec<_>>(),
                    "detected_on": ctx.today.to_string(),
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
