//! What the caller stores about each try ([`Attempt`], converted to the record
//! [`observe::FetchAttempt`](crate::observe::FetchAttempt)), and the summary of a batch
//! that names the hosts answering with an anti-bot challenge.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use url::Url;

use super::{CharsetSource, FailureClass, FetchResult, Page, Purpose, Request, host_key};
use crate::observe::{FetchAttempt, ReadOutcome};

/// One try of a fetch: a request and the redirects it followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The URL requested.
    pub url: Url,
    /// Where the last redirect of this try led (`url` when there was none).
    pub final_url: Url,
    /// `host:port` of `url`.
    pub host: String,
    pub purpose: Purpose,
    pub subject_key: Option<String>,
    /// When the first request of the try started (after waiting for its turn).
    pub at: DateTime<Utc>,
    /// From that start to the end of the last body read; waits are not counted.
    pub duration: Duration,
    /// `None`: the try gave a page.
    pub failure: Option<FailureClass>,
    pub status: Option<u16>,
    pub detail: Option<String>,
    /// WHATWG name of the charset the body decodes in, for text bodies.
    pub charset: Option<&'static str>,
    pub charset_source: Option<CharsetSource>,
    /// Body bytes received (after content decoding).
    pub bytes: Option<u64>,
}

impl Attempt {
    pub(super) fn new(
        request: &Request,
        final_url: Url,
        redirects: Vec<Url>,
        at: DateTime<Utc>,
        duration: Duration,
        outcome: &Result<Page, super::Failure>,
    ) -> Attempt {
        let mut attempt = Attempt {
            url: request.redacted_url(),
            host: host_key(&request.url).unwrap_or_default(),
            final_url: super::redact_url(&final_url, &request.secret_params),
            purpose: request.purpose,
            subject_key: request.subject_key.clone(),
            at,
            duration,
            failure: None,
            status: None,
            detail: None,
            charset: None,
            charset_source: None,
            bytes: None,
        };
        match outcome {
            Ok(page) => {
                let mut notes = Vec::new();
                if !redirects.is_empty() {
                    notes.push(format!("redirected to {}", page.final_url));
                }
                if page.not_modified {
                    notes.push("not modified".to_string());
                }
                if let Some(problem) = &page.tls_problem {
                    notes.push(format!("invalid certificate accepted: {problem}"));
                }
                attempt.status = Some(page.status);
                attempt.detail = (!notes.is_empty()).then(|| notes.join("; "));
                attempt.charset = page.charset.map(|(e, _)| e.name());
                attempt.charset_source = page.charset.map(|(_, s)| s);
                attempt.bytes = Some(page.body.len() as u64);
            }
            Err(failure) => {
                attempt.failure = Some(failure.class);
                attempt.status = failure.status;
                attempt.detail = Some(failure.detail.clone());
            }
        }
        attempt
    }

    /// `ok` or the failure class, as stored.
    pub fn outcome(&self) -> ReadOutcome {
        self.failure.into()
    }
}

impl From<&Attempt> for FetchAttempt {
    fn from(a: &Attempt) -> FetchAttempt {
        FetchAttempt {
            url: a.url.to_string(),
            host: a.host.clone(),
            purpose: a.purpose,
            subject_key: a.subject_key.clone(),
            at: a.at,
            duration_ms: i64::try_from(a.duration.as_millis()).unwrap_or(i64::MAX),
            outcome: a.outcome(),
            status: a.status.map(i64::from),
            detail: a.detail.clone(),
            charset: a.charset.map(str::to_string),
            charset_source: a.charset_source.map(|s| s.as_str().to_string()),
            bytes: a.bytes.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
        }
    }
}

/// Counts over a batch of fetches, and the hosts that block govwatch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchSummary {
    pub fetches: usize,
    pub attempts: usize,
    /// Final outcomes by name: `ok`, `dns`, `http`, `blocked` …
    pub outcomes: BTreeMap<&'static str, usize>,
    /// Hosts (`host:port`) that answered any try with an anti-bot challenge. They are
    /// not down: their administrators must let govwatch through.
    pub blocked_hosts: BTreeSet<String>,
}

impl FetchSummary {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a FetchResult>) -> FetchSummary {
        let mut summary = FetchSummary::default();
        for result in results {
            summary.fetches += 1;
            summary.attempts += result.attempts.len();
            let outcome = ReadOutcome::from(result.failure().map(|f| f.class)).as_str();
            *summary.outcomes.entry(outcome).or_insert(0) += 1;
            for a in &result.attempts {
                if a.failure == Some(FailureClass::Blocked) {
                    let host = host_key(&a.final_url).unwrap_or_else(|| a.host.clone());
                    summary.blocked_hosts.insert(host);
                }
            }
        }
        summary
    }

    /// What to tell the operator about blocked hosts, if there are any.
    pub fn allowance_request(&self, user_agent: &str) -> Option<String> {
        if self.blocked_hosts.is_empty() {
            return None;
        }
        let hosts: Vec<&str> = self.blocked_hosts.iter().map(String::as_str).collect();
        Some(format!(
            "{} answered govwatch with an anti-bot challenge (blocked, not down): {}. \
             Ask each site's administrators to allow govwatch's address or the User-Agent \"{user_agent}\".",
            if hosts.len() == 1 { "1 host" } else { "hosts" },
            hosts.join(", ")
        ))
    }
}

impl fmt::Display for FetchSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} fetches, {} attempts", self.fetches, self.attempts)?;
        for (outcome, n) in &self.outcomes {
            write!(f, ", {outcome} {n}")?;
        }
        Ok(())
    }
}
