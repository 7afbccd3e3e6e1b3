//! New-media sources (政务新媒体): how an account's posts are read, behind one trait.
//!
//! WeChat, Weibo and Douyin have no official public feed, so an account's `source` in
//! the catalog says how govwatch reads it: a `feed` from a bridge (RSSHub, we-mp-rss …),
//! Weibo's mobile timeline JSON (`weibo`), a WeChat official-account backend's article
//! list (`wechat_mp`), any page with CSS selectors (`html`), or posts imported from a
//! sheet (`manual`).
//!
//! A source never does I/O. It says which request to make ([`PostSource::request`]:
//! URL and headers, the platform's base URL taken from `[sources.*] base_url` so tests
//! point it at local servers) and reads the answer ([`PostSource::parse`]: bytes in,
//! posts or a classified [`SourceError`] out). The fetcher makes the request; the cycle
//! glues the two and stores the posts. Cookies and tokens travel in a
//! [`SourceRequest`] whose `Debug` and [`SourceRequest::redacted_url`] never show them.

mod feed;
mod html;
pub mod manual;
mod wechat_mp;
mod weibo;

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::catalog::{Account, SourceKind};
use crate::clock::Clock;
use crate::config::{PlatformSourceSettings, SourceSettings};
use crate::observe::{NewPost, SourceProblem};

pub use feed::FeedSource;
pub use html::HtmlSource;
pub use manual::ManualSource;
pub use wechat_mp::WechatMpSource;
pub use weibo::WeiboSource;

/// Default seconds between two requests to Weibo (`[sources.weibo] min_interval_s`).
pub const WEIBO_MIN_INTERVAL_S: u64 = 10;
/// Default seconds between two requests to a WeChat backend
/// (`[sources.wechat_mp] min_interval_s`).
pub const WECHAT_MP_MIN_INTERVAL_S: u64 = 30;

/// One kind of source: what to request for an account, and how to read the answer.
pub trait PostSource: Sync {
    fn kind(&self) -> SourceKind;

    /// The request that reads the account's newest posts; `None` when posts arrive
    /// otherwise (`manual`: `govwatch import posts`). An error says what is missing
    /// from the catalog or the settings.
    fn request(
        &self,
        account: &Account,
        settings: &SourceSettings,
    ) -> Result<Option<SourceRequest>, SourceError>;

    /// Reads a response body. Relative and zone-less times are resolved with `clock`.
    fn parse(&self, account: &Account, body: &[u8], clock: &Clock) -> Result<Parsed, SourceError>;

    /// What an HTTP error status means for this source, where it means more than
    /// "the server said no" (the fetcher classifies the rest).
    fn classify_status(&self, status: u16) -> Option<SourceError> {
        match status {
            404 | 410 => Some(SourceError::NotFound(format!(
                "the source answered HTTP {status}: the account or the bridge's route is gone; check the account's source in the catalog"
            ))),
            429 => Some(SourceError::RateLimited(format!(
                "the source answered HTTP {status} (too many requests): govwatch tries again next check"
            ))),
            _ => None,
        }
    }
}

/// The source of a kind.
pub fn source_for(kind: SourceKind) -> &'static dyn PostSource {
    match kind {
        SourceKind::Feed => &FeedSource,
        SourceKind::Weibo => &WeiboSource,
        SourceKind::WechatMp => &WechatMpSource,
        SourceKind::Html => &HtmlSource,
        SourceKind::Manual => &ManualSource,
    }
}

/// The least time between two requests of one platform source, whatever the account:
/// platforms ban clients that poll hard. `None` for sources that obey only the
/// fetcher's per-host politeness (`feed`, `html`, `manual`).
pub fn min_interval(kind: SourceKind, settings: &SourceSettings) -> Option<Duration> {
    let (configured, default) = match kind {
        SourceKind::Weibo => (settings.weibo.min_interval_s, WEIBO_MIN_INTERVAL_S),
        SourceKind::WechatMp => (settings.wechat_mp.min_interval_s, WECHAT_MP_MIN_INTERVAL_S),
        SourceKind::Feed | SourceKind::Html | SourceKind::Manual => return None,
    };
    Some(Duration::from_secs(configured.unwrap_or(default)))
}

/// Why a source could not be read. The class ([`SourceError::class`]) is what the
/// cycle records; the message says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The answer is not what this source reads (not a feed, not the expected JSON, a
    /// selector that matches nothing, no readable dates).
    #[error("{0}")]
    Malformed(String),
    /// A token or cookie has expired or is refused: the operator must log in again.
    #[error("{0}")]
    ExpiredCredentials(String),
    /// The platform asks govwatch to slow down.
    #[error("{0}")]
    RateLimited(String),
    /// The account (or the bridge's route) does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The catalog or the settings lack what this source needs (a uid, a token …).
    #[error("{0}")]
    NotConfigured(String),
    /// The platform refused for another reason it gave.
    #[error("{0}")]
    Rejected(String),
}

impl SourceError {
    /// What the source said, as the cycle records it: `malformed`,
    /// `expired_credentials`, `rate_limited`, `not_found`, `not_configured` or `rejected`.
    pub fn class(&self) -> SourceProblem {
        match self {
            Self::Malformed(_) => SourceProblem::Malformed,
            Self::ExpiredCredentials(_) => SourceProblem::ExpiredCredentials,
            Self::RateLimited(_) => SourceProblem::RateLimited,
            Self::NotFound(_) => SourceProblem::NotFound,
            Self::NotConfigured(_) => SourceProblem::NotConfigured,
            Self::Rejected(_) => SourceProblem::Rejected,
        }
    }

    /// Whether the operator (not the account's unit) must act: credentials and
    /// configuration are the office's business, told once rather than every cycle.
    pub fn is_operator_problem(&self) -> bool {
        self.class().is_credential_problem()
    }
}

/// What a source read: the posts, and the entries it had to leave out (a post without
/// a readable date is reported here, never dropped silently).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub posts: Vec<NewPost>,
    pub skipped: Vec<Skipped>,
}

/// An entry of the answer that is not a usable post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The entry's title, link or id, whatever identifies it best.
    pub entry: String,
    pub reason: String,
}

/// A request for the fetcher: a URL and headers. The URL may carry a token and the
/// headers a cookie, so `Debug` shows neither; log [`SourceRequest::redacted_url`].
#[derive(Clone)]
pub struct SourceRequest {
    url: Url,
    headers: Vec<(&'static str, SecretString)>,
    /// Query parameters whose values are secrets.
    secret_params: Vec<&'static str>,
}

impl SourceRequest {
    pub fn get(url: Url) -> Self {
        Self {
            url,
            headers: Vec::new(),
            secret_params: Vec::new(),
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, SecretString::from(value.into())));
        self
    }

    /// Marks a query parameter as secret (e.g. WeChat's `token`).
    pub fn secret_param(mut self, name: &'static str) -> Self {
        self.secret_params.push(name);
        self
    }

    /// The URL to request, secrets included: give it to the HTTP client only.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers to send, secrets included: give them to the HTTP client only.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter().map(|(n, v)| (*n, v.expose_secret()))
    }

    /// The query parameters whose values are secrets.
    pub fn secret_params(&self) -> &[&'static str] {
        &self.secret_params
    }

    /// The URL with secret parameters replaced by `***`: for logs, messages and
    /// recorded fetch attempts.
    pub fn redacted_url(&self) -> String {
        if self.secret_params.is_empty() {
            return self.url.to_string();
        }
        let mut url = self.url.clone();
        let pairs: Vec<(String, String)> = self
            .url
            .query_pairs()
            .map(|(k, v)| {
                let v = if self.secret_params.contains(&k.as_ref()) {
                    "***".to_string()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        url.to_string()
    }
}

impl fmt::Debug for SourceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceRequest")
            .field("url", &self.redacted_url())
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(n, _)| format!("{n}: ***"))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The base URL of a platform source: `[sources.<name>] base_url`, else the platform.
fn base_url(
    settings: &PlatformSourceSettings,
    section: &str,
    default: &str,
) -> Result<Url, SourceError> {
    let text = settings.base_url.as_deref().unwrap_or(default);
    crate::catalog::parse_http_url(text).map_err(|why| {
        SourceError::NotConfigured(format!(
            "[sources.{section}] base_url = \"{text}\" is not usable: {why}; write e.g. base_url = \"{default}\" or delete it"
        ))
    })
}

/// `base` joined with a path (keeping a base's own path prefix, for bridges mounted
/// under a prefix).
fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}/{}", path.trim_start_matches('/')));
    url
}

/// A short title from text that may hold HTML tags (Weibo's `text`).
fn plain_title(html: &str, max_chars: usize) -> Option<String> {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(if c.is_whitespace() { ' ' } else { c }),
            _ => {}
        }
    }
    let words: Vec<&str> = out.split_whitespace().collect();
    let text = words.join(" ");
    if text.is_empty() {
        return None;
    }
    Some(if text.chars().count() > max_chars {
        let mut cut: String = text.chars().take(max_chars).collect();
        cut.push('…');
        cut
    } else {
        text
    })
}

/// Whether a body is an HTML page (a login page, a bridge's error page) rather than
/// the JSON or XML a source expects.
fn looks_like_html(body: &[u8]) -> bool {
    let head: String = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

#[cfg(test)]
mod tests;
