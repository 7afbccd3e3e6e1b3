//! Per-host politeness: at most `concurrency` requests in flight to one host and at least
//! `interval` between the starts of two successive requests to it. Hosts are independent,
//! so a batch over many hosts takes about as long as its busiest host needs.
//!
//! A host is `host:port` (`127.0.0.2:8080` and `127.0.0.3:8080` are two hosts). Each has
//! a tokio semaphore for concurrency and the instant its next request may start; a
//! request first takes a permit, then reserves the next start slot, so slots are handed
//! out in order and never wasted on a request still waiting for a permit. A server's
//! `Retry-After` pushes the host's next start back for every request to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// The politeness limits of one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Minimum time between the starts of two successive requests.
    pub interval: Duration,
}

impl Limits {
    /// The stricter of two limits: for a host that several catalog sites share (the
    /// intensive platforms 集约化平台 serve many units' sub-sites from one host).
    pub fn stricter(self, other: Limits) -> Limits {
        Limits {
            concurrency: self.concurrency.min(other.concurrency),
            interval: self.interval.max(other.interval),
        }
    }
}

/// `host:port` of a URL, with the scheme's default port when none is written.
pub fn host_key(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let port = url.port_or_known_default()?;
    Some(format!("{host}:{port}"))
}

struct HostGate {
    permits: Arc<Semaphore>,
    next_start: Mutex<Instant>,
    interval: Duration,
}

/// The limits of every host, handed out as [`Turn`]s.
pub(crate) struct Politeness {
    default: Limits,
    overrides: HashMap<String, Limits>,
    gates: Mutex<HashMap<String, Arc<HostGate>>>,
}

/// The right to send one request to a host; dropping it frees the host's slot.
#[must_use = "the request holds the host's slot while it runs"]
pub(crate) struct Turn {
    _permit: OwnedSemaphorePermit,
}

impl Politeness {
    pub(crate) fn new(default: Limits, overrides: HashMap<String, Limits>) -> Self {
        Self {
            default,
            overrides,
            gates: Mutex::new(HashMap::new()),
        }
    }

    fn gate(&self, host: &str) -> Arc<HostGate> {
        let mut gates = self.gates.lock().expect("politeness lock");
        gates
            .entry(host.to_string())
            .or_insert_with(|| {
                let limits = self.overrides.get(host).copied().unwrap_or(self.default);
                Arc::new(HostGate {
                    permits: Arc::new(Semaphore::new(limits.concurrency.max(1))),
                    next_start: Mutex::new(Instant::now()),
                    interval: limits.interval,
                })
            })
            .clone()
    }

    /// Waits until a request to `host` may start.
    pub(crate) async fn turn(&self, host: &str) -> Turn {
        let gate = self.gate(host);
        let permit = gate
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        let start = {
            let mut next = gate.next_start.lock().expect("politeness lock");
            let start = (*next).max(Instant::now());
            *next = start + gate.interval;
            start
        };
        tokio::time::sleep_until(start).await;
        Turn { _permit: permit }
    }

    /// No request to `host` starts before `until` (the server asked for a pause).
    pub(crate) fn defer(&self, host: &str, until: Instant) {
        let gate = self.gate(host);
        let mut next = gate.next_start.lock().expect("politeness lock");
        *next = (*next).max(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_carry_the_port() {
        let key = |u: &str| host_key(&Url::parse(u).unwrap());
        assert_eq!(key("http://www.gov.cn/a").as_deref(), Some("www.gov.cn:80"));
        assert_eq!(
            key("https://www.gov.cn/a").as_deref(),
            Some("www.gov.cn:443")
        );
        assert_eq!(
            key("http://127.0.0.2:8080/").as_deref(),
            Some("127.0.0.2:8080")
        );
        assert_eq!(key("http://[::1]:81/").as_deref(), Some("[::1]:81"));
    }

    #[tokio::test(start_paused = true)]
    async fn starts_are_spaced_and_hosts_are_independent() {
        let p = Arc::new(Politeness::new(
            Limits {
                concurrency: 4,
                interval: Duration::from_millis(100),
            },
            HashMap::new(),
        ));
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for host in ["a:80", "a:80", "a:80", "b:80"] {
            let p = p.clone();
            tasks.push(tokio::spawn(async move {
                let _turn = p.turn(host).await;
                Instant::now() - t0
            }));
        }
        let mut starts = Vec::new();
        for t in tasks {
            starts.push(t.await.unwrap());
        }
        let mut a: Vec<_> = starts[..3].to_vec();
        a.sort();
        assert_eq!(a, [0, 100, 200].map(Duration::from_millis));
        assert_eq!(starts[3], Duration::ZERO);
    }
}
