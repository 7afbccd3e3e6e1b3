//! Per-host politeness: at most `concurrency` requests in flight to one host and at least
//! `interval` between the starts of two successive requests to it. Hosts are independent,
//! so a batch over many hosts takes about as long as its busiest host needs.
//!
//! A host is `host:port` (`127.0.0.2:8080` and `127.0.0.3:8080` are two hosts). Each has
//! a tokio semaphore for concurrency and the instant its next request may start; a
//! request first takes a permit, then reserves the next start slot, so slots are handed
//! out in order and never wasted on a request still waiting for a permit. A server's
//! `Retry-After` pushes the host's next start back for every request to it.
//!
//! Platform sources (Weibo, the WeChat backend) ban clients that poll hard, whichever
//! worker polls: their requests start at least the platform's interval apart across every
//! worker of a deployment. The starts are booked in a [`SlotBook`] (the store's, which
//! every worker on one database shares; [`LocalSlots`] within one process) and
//! [`platform_turn`] waits for the booked start.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
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

/// Where the starts of a platform's requests are booked.
pub trait SlotBook {
    type Error;

    /// Books the first start of a request to `platform` at or after `now` that is at
    /// least `interval` after the start booked before it, and returns it.
    fn reserve(
        &self,
        platform: &str,
        interval: Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<DateTime<Utc>, Self::Error>> + Send;
}

/// A [`SlotBook`] kept in this process: it paces only the requests made through it.
#[derive(Debug, Default)]
pub struct LocalSlots {
    next: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl SlotBook for LocalSlots {
    type Error = Infallible;

    fn reserve(
        &self,
        platform: &str,
        interval: Duration,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<DateTime<Utc>, Infallible>> + Send {
        let mut next = self.next.lock().expect("platform slots lock");
        let booked = next.entry(platform.to_string()).or_insert(now);
        let start = (*booked).max(now);
        *booked = start + interval;
        std::future::ready(Ok(start))
    }
}

/// Waits until a request to `platform` may start: books the start in `book` and sleeps
/// until it comes, so requests to one platform start at least `interval` apart among
/// everyone booking there. A zero interval books nothing.
pub async fn platform_turn<B: SlotBook>(
    book: &B,
    platform: &str,
    interval: Duration,
) -> Result<(), B::Error> {
    if interval.is_zero() {
        return Ok(());
    }
    let start = book.reserve(platform, interval, Utc::now()).await?;
    if let Ok(wait) = (start - Utc::now()).to_std() {
        tokio::time::sleep(wait).await;
    }
    Ok(())
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

    #[test]
    fn platform_starts_are_booked_an_interval_apart() {
        let book = LocalSlots::default();
        let t0 = DateTime::from_timestamp(1_600_000_000, 0).unwrap();
        let second = Duration::from_secs(1);
        let reserve = |platform: &str, now: DateTime<Utc>| {
            futures::executor::block_on(book.reserve(platform, second, now)).unwrap()
        };
        // Two at once: the second waits its turn; another platform does not.
        assert_eq!(reserve("weibo", t0), t0);
        assert_eq!(reserve("weibo", t0), t0 + second);
        assert_eq!(reserve("wechat_mp", t0), t0);
        // Long after the last booked start: at once.
        let later = t0 + chrono::Duration::seconds(60);
        assert_eq!(reserve("weibo", later), later);
    }

    /// A book whose every start is an hour away.
    struct AnHourAway;

    impl SlotBook for AnHourAway {
        type Error = Infallible;

        async fn reserve(
            &self,
            _platform: &str,
            _interval: Duration,
            now: DateTime<Utc>,
        ) -> Result<DateTime<Utc>, Infallible> {
            Ok(now + chrono::Duration::hours(1))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_platform_turn_waits_for_its_booked_start() {
        let t0 = Instant::now();
        platform_turn(&AnHourAway, "weibo", Duration::from_secs(1))
            .await
            .unwrap();
        // The paused clock jumps to the start; the wall clock moved only microseconds.
        assert!(Instant::now() - t0 > Duration::from_secs(59 * 60));
        let t1 = Instant::now();
        platform_turn(&AnHourAway, "weibo", Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(Instant::now(), t1, "a zero interval books nothing");
    }
}
