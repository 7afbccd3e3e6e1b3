//! New-media account rules (政务新媒体): silent for more than two weeks (超过两周未更新),
//! zombie (僵尸账号), one operator with several accounts on one platform, deregistered but
//! still posting (已注销仍运行), a source that cannot be read, and an account seen in a
//! platform's listing but not registered (未经报备私自开设).
//!
//! Optional (`account_weekly_minimum`, off by default): a completed week without an
//! original post (seed 000: 每周至少发布一条原创内容), for sources that tell originals from
//! reposts. Each week is its own episode (`KEY#2020-W03`), judged from the first check
//! after the week ends; it stays open until a later completed week has an original
//! (the account meets the minimum again), as a quota shortfall waits for a later quarter.
//!
//! An account whose source could not be read on this check is unknown for the day: it
//! is judged neither silent nor zombie (the caller leaves it out of the reconcile scope
//! so its open episodes stay as they are). A zombie is reported as a zombie only.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;

use super::columns::{period_subject, split_period_subject};
use super::period::Period;
use super::{Context, Finding, Kind, more_than_days};
use crate::catalog::names::normalize_name;
use crate::catalog::{Account, AccountStatus, Platform};
use crate::observe::SourceOutcome;
use crate::observe::evidence::{
    self, AccountBase, AccountClosedActive, AccountDuplicate, AccountSilent, AccountUnreachable,
    AccountZombie, Evidence,
};

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

impl SourceCheck {
    /// What the latest checks of an account's source (newest first: outcome and
    /// detail) say, or `None` when the account is unknown today: never checked (an
    /// account imported by hand, `manual`, counts as read), or the latest check failed
    /// for the operator's reasons (expired credentials, missing settings, throttling),
    /// which say nothing about the account. Those are not counted among consecutive
    /// failures either.
    pub fn of(checks: &[(SourceOutcome, Option<&str>)], manual: bool) -> Option<SourceCheck> {
        let operator = |(outcome, _): &&(SourceOutcome, Option<&str>)| outcome.needs_operator();
        match checks {
            [latest, ..] if operator(&latest) => None,
            [(latest, detail), ..] if *latest != SourceOutcome::Ok => Some(SourceCheck::Failed {
                consecutive: checks
                    .iter()
                    .take_while(|(o, _)| *o != SourceOutcome::Ok)
                    .filter(|c| !operator(c))
                    .count() as u32,
                detail: detail.map_or_else(|| latest.to_string(), str::to_string),
            }),
            [_, ..] => Some(SourceCheck::Read),
            [] if manual => Some(SourceCheck::Read),
            [] => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct AccountState<'a> {
    pub account: &'a Account,
    pub key: String,
    /// Local day of each stored post (any order) with whether it is an original
    /// (`Some(true)`), a repost (`Some(false)`) or not told (`None`: sources other than
    /// Weibo). All of them, or (as the detect stage reads them) the latest post and the
    /// latest original, and every post of the weeks judged when the weekly minimum is on.
    pub post_originals: Vec<(NaiveDate, Option<bool>)>,
    /// The local day its source was first read: watching began. Weeks that started
    /// earlier are not judged by account_weekly_minimum (their posts may be incomplete).
    pub watched_since: Option<NaiveDate>,
    pub check: SourceCheck,
}

impl AccountState<'_> {
    /// Local days of its stored posts, any order.
    pub fn post_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.post_originals.iter().map(|(d, _)| *d)
    }

    pub fn last_post(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.post_days().filter(|d| *d <= today).max()
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
        let base = AccountBase {
            platform: a.platform.as_str().to_string(),
            account: a.name.clone(),
            unit: a.unit.clone(),
            detected_on: ctx.today,
            last_post: last,
        };
        let finding = |evidence: Evidence| Finding {
            kind: evidence.kind(),
            subject_key: state.key.clone(),
            unit: Some(a.unit.clone()),
            evidence,
        };

        if let SourceCheck::Failed {
            consecutive,
            detail,
        } = &state.check
        {
            if *consecutive >= t.account_unreachable_failures.max(1) {
                out.push(finding(Evidence::AccountUnreachable(AccountUnreachable {
                    account: base,
                    consecutive_failures: *consecutive,
                    detail: detail.clone(),
                })));
            }
            continue;
        }

        if a.status == AccountStatus::Closed {
            let after_close = state
                .post_days()
                .filter(|d| *d <= ctx.today && a.closed_on.is_some_and(|c| *d > c))
                .max();
            if let Some(post) = after_close {
                // The post after closing is the last post: its day is the evidence's.
                debug_assert_eq!(last, Some(post));
                out.push(finding(Evidence::AccountClosedActive(
                    AccountClosedActive {
                        account: base,
                        closed_on: a.closed_on,
                    },
                )));
            }
            continue;
        }

        if state.is_zombie(ctx) {
            out.push(finding(Evidence::AccountZombie(AccountZombie {
                account: base,
                opened_on: a.opened_on,
            })));
            continue;
        }
        match last {
            Some(last) if more_than_days(last, ctx.today, t.account_silent_days) => {
                out.push(finding(Evidence::AccountSilent(AccountSilent {
                    account: base,
                    days_silent: Some((ctx.today - last).num_days()),
                    opened_on: None,
                })));
            }
            None if a
                .opened_on
                .is_some_and(|o| more_than_days(o, ctx.today, t.account_silent_days)) =>
            {
                out.push(finding(Evidence::AccountSilent(AccountSilent {
                    account: base,
                    days_silent: None,
                    opened_on: a.opened_on,
                })));
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
                evidence: Evidence::AccountDuplicate(AccountDuplicate {
                    platform: platform.as_str().to_string(),
                    operator: operator.to_string(),
                    accounts: names.iter().map(|n| n.to_string()).collect(),
                    detected_on: ctx.today,
                }),
            });
        }
    }
    out
}

/// How many completed weeks account_weekly_minimum judges back from the day judged (the
/// last completed week and those before it, for checks that paused); weeks whose episode
/// is still open are judged however old they are, so they can be resolved.
pub const WEEKLY_LOOKBACK_WEEKS: usize = 4;

/// The account key of an account finding's subject: `KEY` for a weekly subject
/// `KEY#2020-W03`, the subject itself otherwise.
pub fn account_key_of(subject: &str) -> &str {
    split_period_subject(subject).map_or(subject, |(key, _)| key)
}

/// account_weekly_minimum, when `[thresholds] account_weekly_minimum` is on: for each
/// active, readable, not-zombie account whose source tells originals from reposts,
/// every completed week (Monday to Sunday, local days) since watching began (and since
/// `opened_on`), within [`WEEKLY_LOOKBACK_WEEKS`] or still open in `open`, without an
/// original post, when no completed week since has had one either. A post not told
/// original or repost counts as a possible original. So a week's episode opens on the
/// first check after the week ends, and is resolved by the first check after a later
/// week with an original has ended (an original posted on Monday morning does not hide
/// the week before; the week it is posted in has to end first).
pub fn judge_weekly_minimum(
    ctx: &Context,
    accounts: &[AccountState],
    open: &HashSet<(Kind, String)>,
) -> Vec<Finding> {
    if !ctx.thresholds.account_weekly_minimum {
        return Vec::new();
    }
    let last_week = Period::week_of(ctx.today).previous();
    let mut out = Vec::new();
    for state in accounts {
        let a = state.account;
        if state.check != SourceCheck::Read
            || a.status != AccountStatus::Active
            || !a.source.kind.tells_originals()
            || state.is_zombie(ctx)
        {
            continue;
        }
        let Some(watched) = state.watched_since else {
            continue;
        };
        let earliest = a.opened_on.map_or(watched, |o| o.max(watched));
        let mut weeks: Vec<Period> = std::iter::successors(Some(last_week), |w| Some(w.previous()))
            .take(WEEKLY_LOOKBACK_WEEKS)
            .filter(|w| w.start() >= earliest)
            .collect();
        weeks.extend(
            open.iter()
                .filter(|(k, _)| *k == Kind::AccountWeeklyMinimum)
                .filter_map(|(_, s)| split_period_subject(s))
                .filter(|(k, p)| *k == state.key && matches!(p, Period::Week { .. }))
                .map(|(_, p)| p)
                .filter(|p| *p <= last_week),
        );
        weeks.sort();
        weeks.dedup();
        for week in weeks {
            let (start, end) = (week.start(), week.end());
            // This week and every completed week since: any (possible) original?
            if state
                .post_originals
                .iter()
                .any(|(d, o)| start <= *d && *d <= last_week.end() && *o != Some(false))
            {
                continue;
            }
            let in_week = state
                .post_originals
                .iter()
                .filter(|(d, _)| start <= *d && *d <= end)
                .count();
            let last_original = state
                .post_originals
                .iter()
                .filter(|(d, o)| *d <= ctx.today && *o == Some(true))
                .map(|(d, _)| *d)
                .max();
            out.push(Finding {
                kind: Kind::AccountWeeklyMinimum,
                subject_key: period_subject(&state.key, week),
                unit: Some(a.unit.clone()),
                evidence: Evidence::AccountWeeklyMinimum(evidence::AccountWeeklyMinimum {
                    account: AccountBase {
                        platform: a.platform.as_str().to_string(),
                        account: a.name.clone(),
                        unit: a.unit.clone(),
                        detected_on: ctx.today,
                        last_post: state.last_post(ctx.today),
                    },
                    period: week.to_string(),
                    week_start: start,
                    week_end: end,
                    posts: in_week,
                    originals: 0,
                    reposts: in_week,
                    last_original,
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
                evidence: Evidence::AccountUnregistered(evidence::AccountUnregistered {
                    platform: first.platform.as_str().to_string(),
                    account: first.name.clone(),
                    unit,
                    operator,
                    level: pick(|l| l.level.as_ref()),
                    seen_in: seen.iter().map(|l| l.seen_in.clone()).collect(),
                    detected_on: ctx.today,
                }),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
