//! The one HTTP client for everything govwatch fetches: column and item pages, home
//! pages, probes, links and feeds.
//!
//! It is polite per host ([`politeness`]), bounded (connect and total timeouts, a body
//! limit, a redirect limit with loop detection), patient where it helps ([`retry`]: connect
//! errors, 429 and 5xx, honouring `Retry-After`), conditional (ETag / Last-Modified), and
//! it reads Chinese pages in the right charset ([`charset`]). Every failure is classified
//! ([`FailureClass`]); an anti-bot challenge is `blocked` ([`blocked`]), never "down".
//!
//! What it must not do: decide what is a problem, or store anything. It returns a
//! [`FetchResult`]: the outcome and one [`Attempt`] per try, which the caller stores
//! (as an [`observe::FetchAttempt`](crate::observe::FetchAttempt), `(&attempt).into()`)
//! and which detection later reads.

pub mod blocked;
pub mod charset;
mod classify;
pub mod dns;
pub mod politeness;
mod record;
pub mod retry;
pub mod tls;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use rustls::pki_types::CertificateDer;
use tokio::time::Instant;
use url::Url;

use crate::catalog::Site;
use crate::config::FetchSettings;

pub use charset::{CharsetSource, Decoded};
pub use dns::{Cidr, is_private};
pub use politeness::{Limits, LocalSlots, SlotBook, host_key, platform_turn};
pub use record::{Attempt, FetchSummary};
pub use retry::RetryPolicy;
pub use tls::{TlsProblem, TlsProblemKind};
// The vocabulary fetch speaks lives in `observe`; these paths keep working.
pub use crate::observe::{FailureClass, Purpose};

/// Why a [`Fetcher`] could not be built (a configuration error).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "[fetch.resolve] \"{name}\" = \"{addr}\": not an IP address (write e.g. \"127.0.0.1\")"
    )]
    ResolveAddress { name: String, addr: String },
    #[error(transparent)]
    Tls(#[from] tls::TlsSetupError),
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
}

/// Validators from an earlier answer, for a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// Sent as `If-None-Match`.
    pub etag: Option<String>,
    /// Sent as `If-Modified-Since` (an HTTP date, as the server sent it).
    pub last_modified: Option<String>,
}

/// One thing to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: Url,
    pub purpose: Purpose,
    /// The catalog key of what is fetched (a column, site or account), if any.
    pub subject_key: Option<String>,
    pub method: Method,
    pub validators: Option<Validators>,
    /// Retry connect errors, 429 and 5xx (a probe is a measurement and does not).
    pub retry: bool,
    /// Overrides the site's and the default total timeout.
    pub timeout: Option<Duration>,
    /// For a URL found in a page (untrusted): hosts outside `trusted_hosts` may not
    /// reach a private address unless `allow_private` lists it, at any hop.
    pub guard: Option<Arc<LinkGuard>>,
    /// Extra request headers (a source's Cookie, Referer …); values are secrets.
    pub headers: Vec<(String, SecretValue)>,
    /// Query parameters whose values are secrets (a token): replaced by `***` in
    /// attempts, results and logs.
    pub secret_params: Vec<String>,
    /// Overrides `[fetch] max_body_mb` (an attachment read for its text: `[content]
    /// max_attachment_mb`).
    pub max_body: Option<u64>,
}

/// A header value that never prints (`Debug` shows `***`).
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `url` with the values of the named query parameters replaced by `***`.
pub fn redact_url(url: &Url, secret_params: &[String]) -> Url {
    if secret_params.is_empty() || url.query().is_none() {
        return url.clone();
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if secret_params.iter().any(|p| *p == k) {
                "***".to_string()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

/// What an untrusted link may reach: its own site's hosts freely, other hosts only at
/// public addresses or in the site's `allow_private` networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkGuard {
    /// `host:port` keys that are trusted (the page's site and columns).
    pub trusted_hosts: HashSet<String>,
    pub allow_private: Vec<Cidr>,
}

impl Request {
    /// A GET with retries.
    pub fn get(url: Url, purpose: Purpose) -> Self {
        Self {
            url,
            purpose,
            subject_key: None,
            method: Method::Get,
            validators: None,
            retry: true,
            timeout: None,
            guard: None,
            headers: Vec::new(),
            secret_params: Vec::new(),
            max_body: None,
        }
    }

    /// A HEAD with retries.
    pub fn head(url: Url, purpose: Purpose) -> Self {
        Self {
            method: Method::Head,
            ..Self::get(url, purpose)
        }
    }

    pub fn subject(mut self, key: impl Into<String>) -> Self {
        self.subject_key = Some(key.into());
        self
    }

    pub fn validators(mut self, validators: Validators) -> Self {
        self.validators = Some(validators);
        self
    }

    /// Reads bodies up to `bytes` (instead of `[fetch] max_body_mb`).
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = Some(bytes);
        self
    }

    pub fn no_retry(mut self) -> Self {
        self.retry = false;
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Treats the URL as untrusted (see [`LinkGuard`]).
    pub fn guarded(mut self, guard: Arc<LinkGuard>) -> Self {
        self.guard = Some(guard);
        self
    }
    /// Adds a header; its value never appears in logs or attempts.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((name.into(), SecretValue::new(value.into())));
        self
    }

    /// Marks a query parameter as secret.
    pub fn secret_param(mut self, name: impl Into<String>) -> Self {
        self.secret_params.push(name.into());
        self
    }

    /// The URL as it may be shown: secret parameters replaced by `***`.
    pub fn redacted_url(&self) -> Url {
        redact_url(&self.url, &self.secret_params)
    }
}

/// A fetch that did not give a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub class: FailureClass,
    pub status: Option<u16>,
    pub detail: String,
    /// How long the server asked to wait (`Retry-After`), if it did.
    pub retry_after: Option<Duration>,
}

impl Failure {
    fn new(class: FailureClass, status: Option<u16>, detail: impl Into<String>) -> Self {
        Self {
            class,
            status,
            detail: detail.into(),
            retry_after: None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The detail of a TLS failure starts with its kind.
        f.write_str(self.class.as_str())?;
        if let Some(status) = self.status {
            write!(f, " {status}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

/// A page (or a 304 Not Modified answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Where the last redirect led (the requested URL when there was none).
    pub final_url: Url,
    /// The URLs redirected through, in order, without the final one.
    pub redirects: Vec<Url>,
    pub status: u16,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    /// Empty for HEAD and 304.
    pub body: Bytes,
    /// 304: the page has not changed since the validators were taken.
    pub not_modified: bool,
    /// A certificate problem accepted for this site (`accept_invalid_certs`).
    pub tls_problem: Option<TlsProblem>,
    /// The charset the body decodes in, for text bodies.
    pub charset: Option<(&'static encoding_rs::Encoding, CharsetSource)>,
}

impl Page {
    /// The body as text, in the charset the BOM, header, meta tag or detection gives.
    pub fn text(&self) -> Decoded {
        charset::decode_with_tld(
            &self.body,
            self.content_type.as_deref(),
            tld(&self.final_url),
        )
    }

    /// The validators to send next time.
    pub fn validators(&self) -> Validators {
        Validators {
            etag: self.etag.clone(),
            last_modified: self.last_modified.clone(),
        }
    }
}

/// The outcome of a fetch and every attempt it took.
#[derive(Debug, Clone)]
pub struct FetchResult {
    pub url: Url,
    pub outcome: Result<Page, Failure>,
    /// One per try, oldest first; empty only for an unsupported URL.
    pub attempts: Vec<Attempt>,
}

impl FetchResult {
    pub fn page(&self) -> Option<&Page> {
        self.outcome.as_ref().ok()
    }

    pub fn failure(&self) -> Option<&Failure> {
        self.outcome.as_ref().err()
    }
}

/// The shared client. Cheap to clone; clones share connections and politeness.
#[derive(Clone)]
pub struct Fetcher {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    /// Clients of hosts whose site accepts invalid certificates, by `host:port`.
    lenient: HashMap<String, (reqwest::Client, tls::SeenProblems)>,
    /// Clients for untrusted links, by the `allow_private` networks their resolver lets
    /// through (the empty list allows no private address).
    guarded: HashMap<Vec<Cidr>, reqwest::Client>,
    politeness: politeness::Politeness,
    retry: RetryPolicy,
    timeout: Duration,
    host_timeouts: HashMap<String, Duration>,
    max_body: u64,
    max_redirects: usize,
    user_agent: String,
    /// Requests sent (each try of each fetch) and body bytes received, since the start.
    requests: std::sync::atomic::AtomicU64,
    bytes: std::sync::atomic::AtomicU64,
}

/// What a fetcher has sent and received so far: the difference of two readings is a
/// stage's share (`check --timings`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    pub requests: u64,
    pub bytes: u64,
}

impl Fetcher {
    /// Requests sent and body bytes received since the fetcher was built.
    pub fn traffic(&self) -> Traffic {
        use std::sync::atomic::Ordering::Relaxed;
        Traffic {
            requests: self.inner.requests.load(Relaxed),
            bytes: self.inner.bytes.load(Relaxed),
        }
    }
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetcher")
            .field("user_agent", &self.inner.user_agent)
            .field("retry", &self.inner.retry)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Fetcher`] from `[fetch]` and the sites' overrides, with a few knobs the
/// settings file does not have (extra trusted roots, the retry pauses).
pub struct FetcherBuilder<'a> {
    settings: &'a FetchSettings,
    sites: &'a [Site],
    extra_roots: Vec<CertificateDer<'static>>,
    retry: RetryPolicy,
}

impl<'a> FetcherBuilder<'a> {
    /// Trusts this certificate authority too (tests; an office's own CA).
    pub fn add_root_certificate(mut self, der: CertificateDer<'static>) -> Self {
        self.extra_roots.push(der);
        self
    }

    /// Replaces the retry pauses; `retries` keeps coming from `[fetch] retries` unless
    /// set here.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn build(self) -> Result<Fetcher, FetchError> {
        let s = self.settings;
        let mut table = HashMap::new();
        for (name, addr) in &s.resolve {
            let ip: IpAddr = addr.parse().map_err(|_| FetchError::ResolveAddress {
                name: name.clone(),
                addr: addr.clone(),
            })?;
            table.insert(name.clone(), ip);
        }
        let resolver = Arc::new(dns::Resolver::new(s.dns, table));
        let user_agent = user_agent(s);

        let default_limits = Limits {
            concurrency: s.per_host_concurrency.max(1),
            interval: Duration::from_millis(s.per_host_interval_ms),
        };
        let mut host_limits: HashMap<String, Limits> = HashMap::new();
        let mut host_timeouts: HashMap<String, Duration> = HashMap::new();
        let mut lenient_hosts: Vec<String> = Vec::new();
        for site in self.sites {
            let Some(host) = host_key(&site.url) else {
                continue;
            };
            let f = &site.fetch;
            if f.per_host_concurrency.is_some() || f.per_host_interval_ms.is_some() {
                let limits = Limits {
                    concurrency: f
                        .per_host_concurrency
                        .unwrap_or(default_limits.concurrency)
                        .max(1),
                    interval: f
                        .per_host_interval_ms
                        .map(Duration::from_millis)
                        .unwrap_or(default_limits.interval),
                };
                host_limits
                    .entry(host.clone())
                    .and_modify(|l| *l = l.stricter(limits))
                    .or_insert(limits);
            }
            if let Some(t) = f.timeout_s {
                let t = Duration::from_secs(t);
                host_timeouts
                    .entry(host.clone())
                    .and_modify(|d| *d = (*d).max(t))
                    .or_insert(t);
            }
            if f.accept_invalid_certs && !lenient_hosts.contains(&host) {
                lenient_hosts.push(host);
            }
        }

        let mut allow_sets: Vec<Vec<Cidr>> = vec![Vec::new()];
        for site in self.sites {
            let set: Vec<Cidr> = site
                .fetch
                .allow_private
                .iter()
                .filter_map(|c| Cidr::parse(c))
                .collect();
            if !allow_sets.contains(&set) {
                allow_sets.push(set);
            }
        }
        let client_with = |tls: rustls::ClientConfig,
                           resolver: Arc<dyn reqwest::dns::Resolve>|
         -> Result<reqwest::Client, FetchError> {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT,
                HeaderValue::from_static(
                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                ),
            );
            headers.insert(
                header::ACCEPT_LANGUAGE,
                HeaderValue::from_static("zh-CN,zh;q=0.9,en;q=0.5"),
            );
            Ok(reqwest::Client::builder()
                .tls_backend_preconfigured(tls)
                .dns_resolver(resolver)
                .connect_timeout(Duration::from_secs(s.connect_timeout_s.max(1)))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(user_agent.clone())
                .default_headers(headers)
                .build()?)
        };
        let client_for = |tls: rustls::ClientConfig| client_with(tls, resolver.clone());
        let client = client_for(tls::client_config(&self.extra_roots, None)?)?;
        let mut guarded = HashMap::new();
        for allow in allow_sets {
            let guard = Arc::new(dns::GuardedResolver {
                inner: resolver.clone(),
                allow: allow.clone(),
            });
            let config = tls::client_config(&self.extra_roots, None)?;
            guarded.insert(allow, client_with(config, guard)?);
        }
        let mut lenient = HashMap::new();
        for host in lenient_hosts {
            let seen = tls::SeenProblems::default();
            let config = tls::client_config(&self.extra_roots, Some(seen.clone()))?;
            lenient.insert(host, (client_for(config)?, seen));
        }

        Ok(Fetcher {
            inner: Arc::new(Inner {
                client,
                lenient,
                guarded,
                politeness: politeness::Politeness::new(default_limits, host_limits),
                retry: self.retry,
                timeout: Duration::from_secs(s.timeout_s.max(1)),
                host_timeouts,
                max_body: s.max_body_mb.saturating_mul(1024 * 1024),
                max_redirects: s.max_redirects,
                user_agent,
                requests: Default::default(),
                bytes: Default::default(),
            }),
        })
    }
}

/// `govwatch/<version> (+<contact>)`, or `[fetch] user_agent` as written.
fn user_agent(settings: &FetchSettings) -> String {
    if let Some(ua) = settings
        .user_agent
        .as_deref()
        .filter(|u| !u.trim().is_empty())
    {
        return ua.to_string();
    }
    let version = env!("CARGO_PKG_VERSION");
    match settings.contact.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(contact) => {
            format!("govwatch/{version} (government website compliance monitor; +{contact})")
        }
        None => format!("govwatch/{version} (government website compliance monitor)"),
    }
}

/// The top-level label of a URL's host name (`cn` for `www.gov.cn`), for charset
/// detection; `None` for IP addresses.
fn tld(url: &Url) -> Option<&str> {
    url.domain()?.trim_end_matches('.').rsplit('.').next()
}

fn is_text(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.starts_with("text/")
        || ["html", "xml", "json", "javascript"]
            .iter()
            .any(|k| mime.contains(k))
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// What one request-response exchange gave.
enum Hop {
    Done(Result<Page, Failure>),
    Redirect(Url),
}

impl Fetcher {
    /// A fetcher from `[fetch]` and the catalog's sites (their politeness, timeout and
    /// TLS overrides).
    pub fn new(settings: &FetchSettings, sites: &[Site]) -> Result<Fetcher, FetchError> {
        Self::builder(settings, sites).build()
    }

    pub fn builder<'a>(settings: &'a FetchSettings, sites: &'a [Site]) -> FetcherBuilder<'a> {
        FetcherBuilder {
            settings,
            sites,
            extra_roots: Vec::new(),
            retry: RetryPolicy::new(settings.retries),
        }
    }

    /// The User-Agent sent with every request (tell site administrators to allow it).
    pub fn user_agent(&self) -> &str {
        &self.inner.user_agent
    }

    /// Fetches one URL: politely, with retries where the request allows them.
    pub async fn fetch(&self, request: Request) -> FetchResult {
        let url = request.redacted_url();
        if !matches!(url.scheme(), "http" | "https") || host_key(&url).is_none() {
            return FetchResult {
                outcome: Err(Failure::new(
                    FailureClass::Unsupported,
                    None,
                    format!("`{url}` is not an http or https URL"),
                )),
                url,
                attempts: Vec::new(),
            };
        }
        let tries = if request.retry {
            self.inner.retry.retries + 1
        } else {
            1
        };
        let mut attempts = Vec::new();
        for n in 0..tries {
            let (outcome, attempt) = self.try_once(&request).await;
            let last_host = host_key(&attempt.final_url);
            attempts.push(attempt);
            let mut failure = match outcome {
                Ok(page) => return self.done(url, Ok(page), attempts),
                Err(failure) => failure,
            };
            if n + 1 == tries || !retry::is_retryable(failure.class, failure.status) {
                return self.done(url, Err(failure), attempts);
            }
            match failure.retry_after {
                Some(wait) if wait > self.inner.retry.max_retry_after => {
                    failure.detail.push_str(&format!(
                        "; the server asks to retry after {} s, more than the {} s govwatch waits",
                        wait.as_secs(),
                        self.inner.retry.max_retry_after.as_secs()
                    ));
                    return self.done(url, Err(failure), attempts);
                }
                Some(wait) => {
                    if let Some(host) = last_host {
                        self.inner.politeness.defer(&host, Instant::now() + wait);
                    }
                }
                None => tokio::time::sleep(self.inner.retry.backoff(n)).await,
            }
            tracing::debug!(%url, try_ = n + 1, failure = %failure, "retrying");
        }
        unreachable!("the last try returns")
    }

    fn done(
        &self,
        url: Url,
        outcome: Result<Page, Failure>,
        attempts: Vec<Attempt>,
    ) -> FetchResult {
        if let Err(failure) = &outcome {
            tracing::debug!(%url, %failure, tries = attempts.len(), "fetch failed");
        }
        use std::sync::atomic::Ordering::Relaxed;
        self.inner
            .requests
            .fetch_add(attempts.len() as u64, Relaxed);
        let bytes: u64 = attempts.iter().filter_map(|a| a.bytes).sum();
        self.inner.bytes.fetch_add(bytes, Relaxed);
        FetchResult {
            url,
            outcome,
            attempts,
        }
    }

    /// One try: the request and the redirects it leads to, each hop waiting its turn.
    async fn try_once(&self, request: &Request) -> (Result<Page, Failure>, Attempt) {
        let mut url = request.url.clone();
        let mut chain: Vec<Url> = vec![url.clone()];
        let mut began: Option<(Instant, DateTime<Utc>)> = None;
        let mut outcome = loop {
            let host = host_key(&url).expect("http(s) URLs have a host");
            let turn = self.inner.politeness.turn(&host).await;
            began.get_or_insert_with(|| (Instant::now(), Utc::now()));
            let validators = if chain.len() == 1 {
                request.validators.as_ref()
            } else {
                None
            };
            let hop = self.hop(request, &url, &host, validators).await;
            drop(turn);
            match hop {
                Hop::Done(outcome) => break outcome,
                Hop::Redirect(mut next) => {
                    next.set_fragment(None);
                    let path = || {
                        chain
                            .iter()
                            .chain(std::iter::once(&next))
                            .map(Url::as_str)
                            .collect::<Vec<_>>()
                            .join(" → ")
                    };
                    if chain.contains(&next) {
                        break Err(Failure::new(
                            FailureClass::RedirectLoop,
                            None,
                            format!("redirect loop: {}", path()),
                        ));
                    }
                    if chain.len() > self.inner.max_redirects {
                        break Err(Failure::new(
                            FailureClass::RedirectLoop,
                            None,
                            format!(
                                "more than {} redirects: {}",
                                self.inner.max_redirects,
                                path()
                            ),
                        ));
                    }
                    if !matches!(next.scheme(), "http" | "https") {
                        break Err(Failure::new(
                            FailureClass::Unsupported,
                            None,
                            format!("redirected to `{next}`, not an http or https URL"),
                        ));
                    }
                    chain.push(next.clone());
                    url = next;
                }
            }
        };
        let (started, at) = began.expect("at least one hop ran");
        let final_url = chain.pop().expect("the chain holds the requested URL");
        if let Ok(page) = &mut outcome {
            page.redirects = chain.clone();
        }
        let attempt = Attempt::new(request, final_url, chain, at, started.elapsed(), &outcome);
        (outcome, attempt)
    }

    fn client(&self, host: &str) -> (&reqwest::Client, Option<&tls::SeenProblems>) {
        match self.inner.lenient.get(host) {
            Some((client, seen)) => (client, Some(seen)),
            None => (&self.inner.client, None),
        }
    }

    /// The client for a hop of an untrusted link to a host outside its site (`None`:
    /// the ordinary client). An IP literal never reaches a resolver, so it is checked
    /// here; a name is checked by the guarded client's resolver when it connects.
    /// Certificates of such hosts are checked strictly (no `accept_invalid_certs`).
    fn guarded_client(
        &self,
        request: &Request,
        url: &Url,
        host: &str,
    ) -> Result<Option<&reqwest::Client>, Failure> {
        let Some(guard) = &request.guard else {
            return Ok(None);
        };
        if guard.trusted_hosts.contains(host) {
            return Ok(None);
        }
        let literal = match url.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal
            && !dns::may_reach(ip, &guard.allow_private)
        {
            return Err(Failure::new(
                FailureClass::PrivateAddress,
                None,
                dns::PrivateAddress {
                    name: host.to_string(),
                    addr: ip,
                }
                .to_string(),
            ));
        }
        Ok(Some(
            self.inner
                .guarded
                .get(&guard.allow_private)
                .or_else(|| self.inner.guarded.get(&Vec::new()))
                .expect("the client that allows no private address exists"),
        ))
    }

    /// One exchange, bounded by the total timeout (headers and body).
    async fn hop(
        &self,
        request: &Request,
        url: &Url,
        host: &str,
        validators: Option<&Validators>,
    ) -> Hop {
        let (client, seen) = match self.guarded_client(request, url, host) {
            Ok(Some(client)) => (client, None),
            Ok(None) => self.client(host),
            Err(failure) => return Hop::Done(Err(failure)),
        };
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Head => reqwest::Method::HEAD,
        };
        let mut builder = client.request(method, url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.expose());
        }
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                builder = builder.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                builder = builder.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let timeout = request
            .timeout
            .or_else(|| self.inner.host_timeouts.get(host).copied())
            .unwrap_or(self.inner.timeout);
        match tokio::time::timeout(timeout, self.exchange(builder, request, url, seen)).await {
            Ok(hop) => hop,
            Err(_) => Hop::Done(Err(Failure::new(
                FailureClass::Timeout,
                None,
                format!("no complete answer within {:.1} s", timeout.as_secs_f64()),
            ))),
        }
    }

    async fn exchange(
        &self,
        builder: reqwest::RequestBuilder,
        request: &Request,
        url: &Url,
        seen: Option<&tls::SeenProblems>,
    ) -> Hop {
        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) => return Hop::Done(Err(classify::classify(&e))),
        };
        let status = response.status();
        let code = status.as_u16();
        let headers = response.headers();

        if status.is_redirection() && code != 304 {
            let location = header_text(headers, header::LOCATION);
            return match location.as_deref().map(|l| url.join(l)) {
                Some(Ok(next)) => Hop::Redirect(next),
                _ => Hop::Done(Err(Failure::new(
                    FailureClass::Http,
                    Some(code),
                    format!("redirect without a usable Location ({location:?})"),
                ))),
            };
        }

        let tls_problem = seen.and_then(|seen| {
            let name = url
                .host_str()?
                .trim_start_matches('[')
                .trim_end_matches(']');
            seen.lock().expect("tls problems lock").get(name).cloned()
        });
        let mut page = Page {
            final_url: url.clone(),
            redirects: Vec::new(),
            status: code,
            etag: header_text(headers, header::ETAG),
            last_modified: header_text(headers, header::LAST_MODIFIED),
            content_type: header_text(headers, header::CONTENT_TYPE),
            body: Bytes::new(),
            not_modified: code == 304,
            tls_problem,
            charset: None,
        };
        let retry_after = header_text(headers, header::RETRY_AFTER)
            .and_then(|v| retry::parse_retry_after(&v, SystemTime::now()));
        let http_failure = |detail: String| {
            let mut f = Failure::new(FailureClass::Http, Some(code), detail);
            f.retry_after = retry_after;
            f
        };
        let challenge = |status: u16| {
            Failure::new(
                FailureClass::Blocked,
                Some(status),
                format!(
                    "anti-bot challenge (HTTP {status}): the site is up but refuses govwatch; \
                     ask its administrators to let govwatch's address or User-Agent through"
                ),
            )
        };

        if code == 412 {
            return Hop::Done(Err(challenge(code)));
        }
        if code == 304 {
            return Hop::Done(Ok(page));
        }
        let may_be_challenge = matches!(code, 200 | 403 | 503 | 521);
        if !status.is_success() && (!may_be_challenge || request.method == Method::Head) {
            return Hop::Done(Err(http_failure(reason(status))));
        }
        if request.method == Method::Head {
            return Hop::Done(Ok(page));
        }

        let max_body = request.max_body.unwrap_or(self.inner.max_body);
        let limit = if status.is_success() {
            max_body
        } else {
            blocked::MAX_CHALLENGE_BYTES as u64
        };
        let too_large = |bytes: u64| {
            Failure::new(
                FailureClass::TooLarge,
                Some(code),
                format!(
                    "the body is larger than {} bytes ({bytes} read or announced); raise [fetch] max_body_mb (for attachments [content] max_attachment_mb) if the file is real",
                    max_body
                ),
            )
        };
        if let Some(len) = response.content_length().filter(|&len| len > limit) {
            return Hop::Done(Err(if status.is_success() {
                too_large(len)
            } else {
                http_failure(reason(status))
            }));
        }
        let mut body = BytesMut::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > limit {
                        let read = (body.len() + chunk.len()) as u64;
                        return Hop::Done(Err(if status.is_success() {
                            too_large(read)
                        } else {
                            http_failure(reason(status))
                        }));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    let mut failure = classify::classify(&e);
                    failure.status = Some(code);
                    return Hop::Done(Err(failure));
                }
            }
        }
        let body = body.freeze();
        if may_be_challenge && blocked::is_challenge(code, &body) {
            return Hop::Done(Err(challenge(code)));
        }
        if !status.is_success() {
            return Hop::Done(Err(http_failure(reason(status))));
        }
        if !body.is_empty() && is_text(page.content_type.as_deref()) {
            let decoded = charset::decode_with_tld(&body, page.content_type.as_deref(), tld(url));
            page.charset = Some((decoded.charset, decoded.source));
        }
        page.body = body;
        Hop::Done(Ok(page))
    }
}

fn reason(status: reqwest::StatusCode) -> String {
    format!(
        "HTTP {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_string()
}
