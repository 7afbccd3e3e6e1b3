//! Post times in the forms that platforms, bridges and office sheets really write:
//! RFC 3339 and RFC 2822 (also without a zone, as we-mp-rss emits them), Weibo's
//! `Tue Jan 07 10:31:00 +0800 2020`, naive `2020-01-07 10:31:00`, Chinese
//! `2020年1月7日 10时31分`, year-less `01-07`, Unix seconds, and the relative Chinese
//! times of the Weibo timeline (`刚刚`, `5分钟前`, `昨天 10:31`).
//!
//! A time without a zone is local to the configured time zone (Asia/Shanghai by
//! default), and `CST` means China Standard Time (+08:00), as Chinese servers mean it.
//! Relative and year-less times are resolved against the run's clock, never the system
//! clock. Pure: no I/O.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};

use crate::clock::Clock;

/// Reads a post time; `None` when the text is no time this module knows.
pub fn parse_post_time(text: &str, clock: &Clock) -> Option<DateTime<Utc>> {
    let cleaned: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '\u{a0}' | '\u{3000}' => ' ',
            '：' => ':',
            c => c,
        })
        .collect();
    let t = cleaned.trim();
    if t.is_empty() {
        return None;
    }
    epoch(t)
        .or_else(|| relative(t, clock))
        .or_else(|| zoned(t))
        .or_else(|| {
            let (rest, offset) = split_zone(t);
            let local = english(rest).or_else(|| numeric(rest, clock))?;
            Some(match offset {
                Some(offset) => offset.from_local_datetime(&local).single()?.to_utc(),
                None => local_to_utc(local, clock),
            })
        })
}

/// The instant of a local wall-clock time in the clock's time zone.
pub fn local_to_utc(local: NaiveDateTime, clock: &Clock) -> DateTime<Utc> {
    let tz = clock.tz();
    tz.from_local_datetime(&local)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&local))
        .with_timezone(&Utc)
}

/// Unix seconds (10 digits) or milliseconds (13 digits).
fn epoch(t: &str) -> Option<DateTime<Utc>> {
    if !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = t.parse().ok()?;
    match t.len() {
        9 | 10 => DateTime::from_timestamp(n, 0),
        13 => DateTime::from_timestamp_millis(n),
        _ => None,
    }
}

/// Times with an explicit zone that chrono reads as they are.
fn zoned(t: &str) -> Option<DateTime<Utc>> {
    let t = t.replace(" CST", " +0800");
    if let Ok(d) = DateTime::parse_from_rfc3339(&t) {
        return Some(d.to_utc());
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(&t) {
        return Some(d.to_utc());
    }
    const FORMATS: &[&str] = &[
        // Weibo, and Java's Date::toString once CST is read as +0800.
        "%a %b %d %H:%M:%S %z %Y",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M %z",
        "%a, %d %b %Y %H:%M %z",
        "%d %b %Y %H:%M:%S %z",
    ];
    FORMATS
        .iter()
        .find_map(|f| DateTime::parse_from_str(&t, f).ok())
        .map(|d| d.to_utc())
}

/// Splits a trailing zone (`Z`, `+0800`, `+08:00`, `GMT`, `UTC`, `CST`, `GMT+8`) off a
/// time whose zone chrono's formats did not read.
fn split_zone(t: &str) -> (&str, Option<FixedOffset>) {
    let hours = |h: i32| FixedOffset::east_opt(h * 3600);
    for (suffix, offset) in [
        (" GMT+8", hours(8)),
        (" UTC+8", hours(8)),
        (" GMT+08:00", hours(8)),
        (" GMT+0800", hours(8)),
        (" CST", hours(8)),
        (" GMT", hours(0)),
        (" UTC", hours(0)),
    ] {
        if let Some(rest) = t.strip_suffix(suffix) {
            return (rest.trim_end(), offset);
        }
    }
    if let Some(rest) = t.strip_suffix('Z')
        && rest.ends_with(|c: char| c.is_ascii_digit())
    {
        return (rest, hours(0));
    }
    // +0800 / +08:00 / -0500 at the end, after a space or right after the time.
    let bytes = t.as_bytes();
    for len in [6, 5] {
        if t.len() <= len || !t.is_char_boundary(t.len() - len) {
            continue;
        }
        let (rest, zone) = t.split_at(t.len() - len);
        let sign = match zone.as_bytes()[0] {
            b'+' => 1,
            b'-' => -1,
            _ => continue,
        };
        let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if len == 6 && zone.as_bytes()[3] != b':' {
            continue;
        }
        // A date like 2020-01-07 ends in -07: only a zone after a time counts.
        let after_time = bytes[t.len() - len - 1].is_ascii_digit() || rest.ends_with(' ');
        if !rest.contains(':') || !after_time {
            continue;
        }
        let (Ok(h), Ok(m)) = (digits[..2].parse::<i32>(), digits[2..].parse::<i32>()) else {
            continue;
        };
        return (
            rest.trim_end(),
            FixedOffset::east_opt(sign * (h * 3600 + m * 60)),
        );
    }
    (t, None)
}

/// English month names without a zone (`Tue, 07 Jan 2020 10:31:00`, as we-mp-rss writes
/// RFC 822 from a naive time).
fn english(t: &str) -> Option<NaiveDateTime> {
    const FORMATS: &[&str] = &[
        "%a, %d %b %Y %H:%M:%S",
        "%a, %d %b %Y %H:%M",
        "%d %b %Y %H:%M:%S",
        "%a %b %d %H:%M:%S %Y",
        "%b %d, %Y %H:%M:%S",
        "%b %d, %Y",
    ];
    if !t.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(t, "%a, %d %b %Y")
                .or_else(|_| NaiveDate::parse_from_str(t, "%d %b %Y"))
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

/// Numbers with separators only: `2020-01-07 10:31:00`, `2020/1/7`, `2020.01.07`,
/// `2020年1月7日 10时31分`, `2020-01-07T10:31`, and year-less `01-07 10:31` / `1月7日`
/// (this year, or last year when that day is still to come).
fn numeric(t: &str, clock: &Clock) -> Option<NaiveDateTime> {
    const SEPARATORS: &str = "-/.:年月日号时点分秒T ";
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || SEPARATORS.contains(c))
    {
        return None;
    }
    let groups: Vec<&str> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let nums: Vec<u32> = groups
        .iter()
        .map(|g| g.parse().ok())
        .collect::<Option<_>>()?;
    let today = clock.today();
    let (date, time) = match groups.first().map(|g| g.len()) {
        Some(4) if nums.len() >= 3 => (
            NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2])?,
            &nums[3..],
        ),
        // 20200107 or 20200107 1031
        Some(8) => {
            let d = NaiveDate::parse_from_str(groups[0], "%Y%m%d").ok()?;
            (d, &nums[1..])
        }
        Some(1 | 2) if nums.len() >= 2 && (t.contains('-') || t.contains('月')) => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), nums[0], nums[1]);
            let date = match this_year {
                Some(d) if d <= today => d,
                _ => NaiveDate::from_ymd_opt(today.year() - 1, nums[0], nums[1])?,
            };
            (date, &nums[2..])
        }
        _ => return None,
    };
    let time = match time {
        [] => NaiveTime::MIN,
        [h] => NaiveTime::from_hms_opt(*h, 0, 0)?,
        [h, m] => NaiveTime::from_hms_opt(*h, *m, 0)?,
        [h, m, s] => NaiveTime::from_hms_opt(*h, *m, *s)?,
        // Fractions of a second.
        [h, m, s, _] => NaiveTime::from_hms_opt(*h, *m, *s)?,
        _ => return None,
    };
    Some(date.and_time(time))
}

/// Relative Chinese times of the Weibo timeline, against the clock.
fn relative(t: &str, clock: &Clock) -> Option<DateTime<Utc>> {
    let now = clock.now();
    if t == "刚刚" {
        return Some(now);
    }
    let ago = |suffix: &str, unit: fn(i64) -> Duration| {
        let n: i64 = t.strip_suffix(suffix)?.trim().parse().ok()?;
        Some(now - unit(n))
    };
    if let Some(d) = ago("秒前", Duration::seconds)
        .or_else(|| ago("分钟前", Duration::minutes))
        .or_else(|| ago("小时前", Duration::hours))
        .or_else(|| ago("天前", Duration::days))
    {
        return Some(d);
    }
    let today = clock.today();
    for (word, back) in [("今天", 0), ("昨天", 1), ("前天", 2)] {
        if let Some(rest) = t.strip_prefix(word) {
            let day = today - Duration::days(back);
            let rest = rest.trim();
            let time = if rest.is_empty() {
                NaiveTime::MIN
            } else {
                NaiveTime::parse_from_str(rest, "%H:%M")
                    .or_else(|_| NaiveTime::parse_from_str(rest, "%H:%M:%S"))
                    .ok()?
            };
            return Some(local_to_utc(day.and_time(time), clock));
        }
    }
    // A bare time of day is today's.
    if let Ok(time) = NaiveTime::parse_from_str(t, "%H:%M") {
        return Some(local_to_utc(today.and_time(time), clock));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn clock() -> Clock {
        // 2020-01-09 12:00 in Shanghai.
        Clock::parse("2020-01-09T12:00:00+08:00", Shanghai).unwrap()
    }

    fn shanghai(text: Option<DateTime<Utc>>) -> Option<String> {
        text.map(|t| {
            t.with_timezone(&Shanghai)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
    }

    #[test]
    fn the_forms_bridges_platforms_and_sheets_write() {
        let c = clock();
        let table: &[(&str, &str)] = &[
            // RFC 2822, as RSSHub writes it.
            ("Tue, 07 Jan 2020 02:31:00 GMT", "2020-01-07 10:31:00"),
            ("Tue, 07 Jan 2020 10:31:00 +0800", "2020-01-07 10:31:00"),
            ("07 Jan 2020 10:31:00 +0800", "2020-01-07 10:31:00"),
            // we-mp-rss formats a naive time with %z: no zone at all.
            ("Tue, 07 Jan 2020 10:31:00 ", "2020-01-07 10:31:00"),
            ("Tue, 07 Jan 2020 10:31", "2020-01-07 10:31:00"),
            // CST from a Chinese server is China Standard Time.
            ("Tue, 07 Jan 2020 10:31:00 CST", "2020-01-07 10:31:00"),
            ("Tue Jan 07 10:31:00 CST 2020", "2020-01-07 10:31:00"),
            ("2020-01-07 10:31:00 GMT+8", "2020-01-07 10:31:00"),
            // RFC 3339 / ISO 8601.
            ("2020-01-07T10:31:00+08:00", "2020-01-07 10:31:00"),
            ("2020-01-07T02:31:00Z", "2020-01-07 10:31:00"),
            ("2020-01-07T02:31:00.123Z", "2020-01-07 10:31:00"),
            ("2020-01-07T10:31:00.000+0800", "2020-01-07 10:31:00"),
            ("2020-01-07T10:31:00", "2020-01-07 10:31:00"),
            ("2020-01-07 10:31:00+08:00", "2020-01-07 10:31:00"),
            ("2020-01-07 02:31:00 +0000", "2020-01-07 10:31:00"),
            // Weibo's created_at.
            ("Tue Jan 07 10:31:00 +0800 2020", "2020-01-07 10:31:00"),
            // Naive: Asia/Shanghai.
            ("2020-01-07 10:31:00", "2020-01-07 10:31:00"),
            ("2020-01-07 10:31", "2020-01-07 10:31:00"),
            ("2020-01-07", "2020-01-07 00:00:00"),
            ("2020/01/07 10:31", "2020-01-07 10:31:00"),
            ("2020/1/7", "2020-01-07 00:00:00"),
            ("2020.01.07", "2020-01-07 00:00:00"),
            ("20200107", "2020-01-07 00:00:00"),
            // Chinese.
            ("2020年01月07日 10:31", "2020-01-07 10:31:00"),
            ("2020年1月7日", "2020-01-07 00:00:00"),
            ("2020年1月7日10时31分", "2020-01-07 10:31:00"),
            ("2020年1月7日 10点31分", "2020-01-07 10:31:00"),
            ("2020-01-07　10：31", "2020-01-07 10:31:00"),
            // Unix time (WeChat's create_time as text).
            ("1578364260", "2020-01-07 10:31:00"),
            ("1578364260000", "2020-01-07 10:31:00"),
            // Relative, against 2020-01-09 12:00.
            ("刚刚", "2020-01-09 12:00:00"),
            ("5分钟前", "2020-01-09 11:55:00"),
            ("3小时前", "2020-01-09 09:00:00"),
            ("30秒前", "2020-01-09 11:59:30"),
            ("2天前", "2020-01-07 12:00:00"),
            ("昨天 10:31", "2020-01-08 10:31:00"),
            ("前天 08:00", "2020-01-07 08:00:00"),
            ("今天 09:15", "2020-01-09 09:15:00"),
            ("09:15", "2020-01-09 09:15:00"),
            // Year-less: this year, or the last one when the day is still to come.
            ("01-07", "2020-01-07 00:00:00"),
            ("01-07 10:31", "2020-01-07 10:31:00"),
            ("12-25", "2019-12-25 00:00:00"),
            ("1月7日", "2020-01-07 00:00:00"),
        ];
        for (text, want) in table {
            assert_eq!(
                shanghai(parse_post_time(text, &c)).as_deref(),
                Some(*want),
                "{text:?}"
            );
        }
    }

    #[test]
    fn what_is_not_a_time_is_none() {
        let c = clock();
        for text in [
            "",
            "   ",
            "yesterday",
            "第3期",
            "2020-13-01",
            "2020-02-30",
            "Tue, 32 Jan 2020",
            "12345",
            "很久以前",
            "约 2020 年",
        ] {
            assert_eq!(parse_post_time(text, &c), None, "{text:?}");
        }
    }
}
