//! Shared by every integration test (`mod support;`): fixture servers on loopback ports
//! chosen by the OS, the routes they serve, test certificates, and settings that keep
//! tests fast and on 127.0.0.0/8.
//!
//! - [`FixtureServer`]: an HTTP or HTTPS server on `127.0.0.x:0` serving
//!   [`fixture_routes`] (or any axum `Router`), logging every request (path, arrival
//!   instant, peer, headers) and the most requests it had in flight at once.
//! - [`fixture_routes`]: pages, charsets, slow and endless bodies, challenges, retries,
//!   redirects, conditional requests, soft 404s; see `routes.rs` for the list.
//! - [`spawn_reset_server`]: a raw TCP server that resets every connection.
//! - [`TestPki`]: a test certificate authority and server certificates (valid, expired,
//!   wrong name) and a self-signed certificate.
//! - [`fetch_settings`], [`fast_retries`], [`site`]: settings for tests (static DNS).
#![allow(dead_code, unused_imports)]

mod certs;
pub mod county;
pub mod db;
pub mod gate;
pub mod http;
mod routes;
mod server;
pub mod smtp;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use govwatch::catalog::{Origin, Site, SiteFetch};
use govwatch::config::{DnsMode, FetchSettings};
use govwatch::fetch::RetryPolicy;
use url::Url;

pub use certs::{ServerCert, TestPki};
pub use routes::{NEWS_ZH, fixture_routes};
pub use server::{FixtureServer, Hit, RequestLog, spawn_reset_server};

/// Where page fixtures live (`tests/fixtures/pages/`), served under `/pages/`.
pub fn pages_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

/// `[fetch]` for tests: static DNS (nothing leaves loopback, unknown names fail), no
/// politeness interval, short timeouts, a 1 MB body limit, 2 retries.
pub fn fetch_settings() -> FetchSettings {
    FetchSettings {
        per_host_concurrency: 4,
        per_host_interval_ms: 0,
        connect_timeout_s: 2,
        timeout_s: 5,
        max_body_mb: 1,
        max_redirects: 5,
        retries: 2,
        dns: DnsMode::Static,
        resolve: BTreeMap::new(),
        user_agent: None,
        contact: Some("gongkai@example.gov.cn".into()),
    }
}

/// Retry pauses short enough for tests; `Retry-After` up to 3 s is honoured.
pub fn fast_retries(retries: u32) -> RetryPolicy {
    RetryPolicy {
        retries,
        base: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(3),
    }
}

/// A catalog site at `url` with the given fetch overrides.
pub fn site(name: &str, url: &Url, fetch: SiteFetch) -> Site {
    Site {
        name: name.into(),
        url: url.clone(),
        unit: None,
        fetch,
        crawl_site: None,
        origin: Origin {
            file: PathBuf::from("catalog/test.toml"),
            line: 1,
        },
    }
}

/// Polls `probe` every 100 ms until it answers `Ok`, for at most `secs` seconds. `Err`
/// says what the probe saw instead; on time-out the panic names what was awaited and
/// the last thing seen, so a failure in CI tells its own story.
pub async fn wait_for<T>(
    what: &str,
    secs: u64,
    mut probe: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    let mut seen = String::from("(no answer yet)");
    for _ in 0..secs * 10 {
        match probe().await {
            Ok(t) => return t,
            Err(s) => seen = s,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out after {secs} s waiting for {what}; last seen: {seen}");
}
