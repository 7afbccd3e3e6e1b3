//! The accounts stage: reads every account's source (政务新媒体) and records what it saw:
//! the posts, and one check per account with its outcome (`ok` or the class of the
//! failure). Sources say what to request and how to read the answer; the fetcher makes
//! the request; this stage glues them and stores the result. Detection reads the checks
//! and posts later, so a source that cannot be read leaves the day unknown, never silent.
//!
//! Platforms ban clients that poll hard: requests to one platform source (`weibo`,
//! `wechat_mp`) are made one at a time, `[sources.*] min_interval_s` apart across every
//! worker on the database (the fetcher's politeness waits for a start booked in the
//! store); `feed` and `html` sources obey only the fetcher's per-host politeness.
//! Expired credentials are the operator's business: told once, when they start failing,
//! and kept for the weekly email (`Store::credential_problems`), not repeated every cycle.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use futures::StreamExt;

use crate::catalog::{Account, SourceKind};
use crate::fetch::{Purpose, Request, SlotBook, platform_turn};
use crate::observe::{SourceOutcome, SourceProblem};
use crate::sources::{self, SourceError};
use crate::store::{AccountCheck, CatalogIds, Store, StoreError};

/// How many `feed`/`html` accounts are read at once (the fetcher still limits each host).
const PARALLEL_ACCOUNTS: usize = 16;

/// How one account's check ended.
#[derive(Debug, Clone)]
pub struct AccountOutcome {
    pub key: String,
    pub account: String,
    pub unit: String,
    pub posts_found: usize,
    pub new_posts: usize,
    /// The newest post on or before the run's day, after this check.
    pub last_post: Option<NaiveDate>,
    /// `None` when the source was read; else how it failed (`expired_credentials`,
    /// `http` …).
    pub failure: Option<SourceOutcome>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AccountsReport {
    pub accounts: Vec<AccountOutcome>,
    /// Source kinds whose credentials stopped working on this check (told once).
    pub newly_expired: Vec<SourceKind>,
}

/// The store's book of platform starts, which every worker on the database shares.
struct StoreSlots<'a>(&'a Store);

impl SlotBook for StoreSlots<'_> {
    type Error = StoreError;

    fn reserve(
        &self,
        platform: &str,
        interval: Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<DateTime<Utc>, StoreError>> + Send {
        self.0.reserve_platform_slot(platform, interval, now)
    }
}

/// Checks the accounts whose keys `only` names (all when `None`).
pub async fn run(
    env: super::Env<'_>,
    ids: &CatalogIds,
    only: Option<&HashSet<String>>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<AccountsReport, StoreError> {
    let settings = &env.settings.sources;
    // The check before this run's, to tell a new credential failure from an old one.
    let previous: HashMap<i64, SourceOutcome> = env
        .store
        .recent_account_checks(2, env.clock.now())
        .await?
        .into_iter()
        .filter_map(|(id, checks)| {
            checks
                .into_iter()
                .find(|c| c.at < env.clock.now())
                .map(|c| (id, c.outcome))
        })
        .collect();
    let mut platform: HashMap<SourceKind, Vec<(&Account, i64)>> = HashMap::new();
    let mut others = Vec::new();
    for a in &env.catalog.accounts {
        let key = a.key();
        if only.is_some_and(|o| !o.contains(&key)) || a.source.kind == SourceKind::Manual {
            continue;
        }
        let Some(id) = ids.accounts.get(&key).copied() else {
            continue;
        };
        match sources::min_interval(a.source.kind, settings) {
            Some(_) => platform.entry(a.source.kind).or_default().push((a, id)),
            None => others.push((a, id)),
        }
    }

    let paced = platform.into_iter().map(|(kind, accounts)| async move {
        let interval = sources::min_interval(kind, settings).unwrap_or_default();
        let mut out = Vec::new();
        for (a, id) in accounts {
            platform_turn(&StoreSlots(env.store), kind.as_str(), interval).await?;
            let outcome = check_account(env, a, id).await?;
            progress(&outcome.account);
            out.push(outcome);
        }
        Ok::<_, StoreError>(out)
    });
    let paced = futures::future::try_join_all(paced);
    let free = async {
        let mut results = futures::stream::iter(others)
            .map(|(a, id)| check_account(env, a, id))
            .buffer_unordered(PARALLEL_ACCOUNTS);
        let mut out = Vec::new();
        while let Some(outcome) = results.next().await {
            let outcome = outcome?;
            progress(&outcome.account);
            out.push(outcome);
        }
        Ok::<_, StoreError>(out)
    };
    let (paced, free) = futures::try_join!(paced, free)?;

    let mut report = AccountsReport {
        accounts: paced.into_iter().flatten().chain(free).collect(),
        newly_expired: Vec::new(),
    };
    report.accounts.sort_by(|a, b| a.key.cmp(&b.key));
    // Tell the operator once per source kind when its credentials start failing.
    let mut told: HashMap<SourceKind, (usize, String)> = HashMap::new();
    for o in &report.accounts {
        let expired = SourceOutcome::Source(SourceProblem::ExpiredCredentials);
        if o.failure != Some(expired) {
            continue;
        }
        let id = ids.accounts[&o.key];
        if previous.get(&id) == Some(&expired) {
            continue;
        }
        let kind = env
            .catalog
            .accounts
            .iter()
            .find(|a| a.key() == o.key)
            .map_or(SourceKind::Manual, |a| a.source.kind);
        let entry = told
            .entry(kind)
            .or_insert_with(|| (0, o.detail.clone().unwrap_or_default()));
        entry.0 += 1;
    }
    let mut kinds: Vec<_> = told.into_iter().collect();
    kinds.sort_by_key(|(k, _)| *k);
    for (kind, (accounts, detail)) in kinds {
        tracing::warn!(
            source = ?kind,
            accounts,
            "credentials expired: {detail} (told once; `govwatch accounts` and the weekly email list the accounts)"
        );
        report.newly_expired.push(kind);
    }
    Ok(report)
}

/// Reads one account's source and records the check (and the posts when it was read).
async fn check_account(
    env: super::Env<'_>,
    account: &Account,
    account_id: i64,
) -> Result<AccountOutcome, StoreError> {
    let super::Env { store, clock, .. } = env;
    let key = account.key();
    let mut outcome = AccountOutcome {
        key: key.clone(),
        account: account.name.clone(),
        unit: account.unit.clone(),
        posts_found: 0,
        new_posts: 0,
        last_post: None,
        failure: None,
        detail: None,
    };
    let (class, detail) = match read_source(env, account, &key).await? {
        Ok(parsed) => {
            for s in &parsed.skipped {
                tracing::debug!(account = %account.name, entry = %s.entry, "post left out: {}", s.reason);
            }
            outcome.posts_found = parsed.posts.len();
            outcome.new_posts = store
                .upsert_account_posts(account_id, &parsed.posts, clock.now())
                .await?;
            (SourceOutcome::Ok, None)
        }
        Err((class, detail)) => (class, Some(detail)),
    };
    if !matches!(
        class,
        SourceOutcome::Ok | SourceOutcome::Source(SourceProblem::ExpiredCredentials)
    ) {
        tracing::warn!(account = %account.name, unit = %account.unit, outcome = %class, "account source: {}", detail.as_deref().unwrap_or(""));
    }
    store
        .record_account_check(&AccountCheck {
            account_id,
            at: clock.now(),
            outcome: class,
            detail: detail.clone(),
            posts_found: outcome.posts_found as i64,
        })
        .await?;
    if class != SourceOutcome::Ok {
        outcome.failure = Some(class);
        outcome.detail = detail;
    }
    outcome.last_post = store
        .post_times_of(account_id)
        .await?
        .into_iter()
        .filter(|t| clock.has_happened(*t))
        .map(|t| clock.day_of(t))
        .max();
    Ok(outcome)
}

/// Requests and reads the account's source: the posts, or the outcome class and what
/// went wrong. Only a store failure is an error.
async fn read_source(
    env: super::Env<'_>,
    account: &Account,
    key: &str,
) -> Result<Result<sources::Parsed, (SourceOutcome, String)>, StoreError> {
    let source = sources::source_for(account.source.kind);
    let failed = |e: SourceError| Ok(Err((SourceOutcome::Source(e.class()), e.to_string())));
    let request = match source.request(account, &env.settings.sources) {
        Ok(Some(request)) => request,
        Ok(None) => return Ok(Ok(sources::Parsed::default())),
        Err(e) => return failed(e),
    };
    let mut fetch = Request::get(request.url().clone(), Purpose::Account).subject(key);
    for (name, value) in request.headers() {
        fetch = fetch.header(name, value);
    }
    for param in request.secret_params() {
        fetch = fetch.secret_param(*param);
    }
    let result = env.fetcher.fetch(fetch).await;
    for attempt in &result.attempts {
        env.store.record_fetch_attempt(&attempt.into()).await?;
    }
    match &result.outcome {
        Ok(page) => match source.parse(account, &page.body, env.clock) {
            Ok(parsed) => Ok(Ok(parsed)),
            Err(e) => failed(e),
        },
        Err(failure) => match failure.status.and_then(|s| source.classify_status(s)) {
            Some(e) => failed(e),
            None => Ok(Err((
                SourceOutcome::Failed(failure.class),
                format!("{}: {failure}", request.redacted_url()),
            ))),
        },
    }
}
