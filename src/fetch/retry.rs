//! When a failed request is tried again, and after how long.
//!
//! Only failures that a later try may not see are retried: connection errors, 429 Too
//! Many Requests and 5xx answers. A server's `Retry-After` (seconds or an HTTP date) is
//! honoured up to a cap; one that asks for more than the cap ends the retries (waiting
//! less than asked would be impolite, waiting longer would stall the cycle). Otherwise
//! the pause doubles from a base: 1 s, 2 s, 4 s … by default.

use std::time::{Duration, SystemTime};

use super::FailureClass;

/// How often and how patiently the fetcher retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries after the first.
    pub retries: u32,
    /// The pause before the first retry; each further one doubles it.
    pub base: Duration,
    /// No backoff pause is longer than this.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    pub fn new(retries: u32) -> Self {
        Self {
            retries,
            base: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }

    /// The pause before retry number `retry` (0 for the first).
    pub fn backoff(&self, retry: u32) -> Duration {
        self.base
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_backoff)
    }
}

/// Whether a failure of this class and status may pass on a later try.
pub fn is_retryable(class: FailureClass, status: Option<u16>) -> bool {
    match class {
        FailureClass::Connect => true,
        FailureClass::Http => matches!(status, Some(429) | Some(500..=599)),
        _ => false,
    }
}

/// The pause a `Retry-After` value asks for: delay-seconds or an HTTP date (a date in
/// the past asks for none).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::new(5);
        let pauses: Vec<_> = (0..6).map(|r| p.backoff(r).as_secs()).collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30]);
        assert_eq!(p.backoff(60), p.max_backoff);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = httpdate::parse_http_date("Tue, 15 Sep 2020 02:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Tue, 15 Sep 2020 02:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_retry_after("Tue, 15 Sep 2020 01:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn only_transient_failures_are_retried() {
        assert!(is_retryable(FailureClass::Connect, None));
        assert!(is_retryable(FailureClass::Http, Some(429)));
        assert!(is_retryable(FailureClass::Http, Some(503)));
        assert!(!is_retryable(FailureClass::Http, Some(404)));
        assert!(!is_retryable(FailureClass::Blocked, Some(412)));
        assert!(!is_retryable(FailureClass::Timeout, None));
        assert!(!is_retryable(FailureClass::Dns, None));
    }
}
