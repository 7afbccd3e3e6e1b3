//! The one clock of a run. Every rule, period and "today" reads it, never the system
//! clock, so that `--now 2020-01-09` replays that day exactly.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant a run takes as "now", with the time zone that turns it into days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    now: DateTime<Utc>,
    tz: Tz,
}

impl Clock {
    pub fn new(now: DateTime<Utc>, tz: Tz) -> Self {
        Self { now, tz }
    }

    /// The real clock.
    pub fn system(tz: Tz) -> Self {
        Self::new(Utc::now(), tz)
    }

    /// Parses `--now`: `YYYY-MM-DD` is the end of that day in `tz` (so that everything
    /// published that day counts), anything else must be RFC 3339.
    pub fn parse(text: &str, tz: Tz) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Ok(Self::new(end_of_day(day, tz), tz));
        }
        DateTime::parse_from_rfc3339(text)
            .map(|t| Self::new(t.with_timezone(&Utc), tz))
            .map_err(|_| {
                format!(
                    "--now `{text}`: expected a date like 2020-01-09 or an RFC 3339 time like 2020-01-09T08:30:00+08:00"
                )
            })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The calendar day of `now` in the configured time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz).date_naive()
    }

    /// The day of any instant in the configured time zone.
    pub fn day_of(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Whether something dated `t` is visible to this run (not after `now`).
    pub fn has_happened(&self, t: DateTime<Utc>) -> bool {
        t <= self.now
    }
}

/// The first instant of `day` in `tz`.
pub fn start_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let local = day.and_time(NaiveTime::MIN);
    tz.from_local_datetime(&local)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&local))
        .with_timezone(&Utc)
}

/// The last instant of `day` in `tz` (one microsecond before the next day starts).
pub fn end_of_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    start_of_day(next, tz) - Duration::microseconds(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    #[test]
    fn a_bare_date_is_the_end_of_that_day_in_shanghai() {
        let c = Clock::parse("2020-01-09", Shanghai).unwrap();
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2020, 1, 9).unwrap());
        assert_eq!(c.now().to_rfc3339(), "2020-01-09T15:59:59.999999+00:00");
    }

    #[test]
    fn rfc3339_is_taken_as_given() {
        let c = Clock::parse("2020-01-09T00:30:00+08:00", Shanghai).unwrap();
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2020, 1, 9).unwrap());
        assert_eq!(c.now().to_rfc3339(), "2020-01-08T16:30:00+00:00");
    }

    #[test]
    fn garbage_says_what_is_expected() {
        let e = Clock::parse("yesterday", Shanghai).unwrap_err();
        assert!(e.contains("2020-01-09"), "{e}");
    }
}
