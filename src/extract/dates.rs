//! Dates as Chinese government sites print them, as their CMSs write them into URLs, and
//! post times as platforms, feed bridges and office sheets write them. The one date
//! parser of govwatch: list pages, item pages, new-media sources and sheet imports all
//! read dates here, by the same rules.
//!
//! Every freshness rule (stale column, home page not updated, zero publish, silent
//! account) stands on the date of an item or a post, so this module is strict: an
//! impossible day (2023-02-30) or an absurd year (before 1990, after today's year) is no
//! date at all, and a year-less date (`10-11`, `[10-11]`, `10月11日`) gets the latest year
//! that does not put it after `today`. Nothing here reads the clock: `today` (or the
//! run's [`Clock`]) is always an argument.
//!
//! Post times ([`parse_post_time`]) add to the date forms above what sources write:
//! RFC 3339 and RFC 2822 (also without a zone, as we-mp-rss emits them), Weibo's
//! `Tue Jan 07 10:31:00 +0800 2020`, `2020年1月7日 10时31分`, compact `20200107`, Unix
//! seconds, and the relative times of the Weibo timeline (`刚刚`, `5分钟前`, `昨天 10:31`).
//! A time without a zone is local to the clock's time zone (Asia/Shanghai by default),
//! and `CST` means China Standard Time (+08:00), as Chinese servers mean it.

use std::sync::LazyLock;

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use regex::{Captures, Regex};
use url::Url;

use crate::clock::Clock;

/// Dates before this year are taken for misreadings (a document number, a phone number).
pub const MIN_YEAR: i32 = 1990;

/// A date found in a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoundDate {
    pub date: NaiveDate,
    /// Whether the text wrote the year; `10-11` did not and the year was inferred.
    pub year_written: bool,
}

/// `2023-10-11`, `2023/10/11`, `2023.10.11`, `2023年10月11日`, `2023-9-5`. The two
/// separators are checked for agreement after the match (the regex crate has no
/// back-references).
static FULL_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*([-/.年])\s*(\d{1,2})\s*([-/.月])\s*(\d{1,2})(\s*日)?").unwrap()
});

/// `10-11`, `10/11`, `10.11`, `10月11日`, for cells that hold nothing but a date.
static MONTH_DAY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2})\s*([-/.月])\s*(\d{1,2})(\s*日)?").unwrap());

/// A time after a date: ` 10:31`, `T10:31:00+08:00`, ` 10:31:05.123Z`.
static TIME_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?").unwrap()
});

/// Labels that sites print before a date in a list cell or under an article title.
const LABELS: [&str; 9] = [
    "发布时间",
    "发布日期",
    "发表时间",
    "更新时间",
    "更新日期",
    "发文日期",
    "日期",
    "时间",
    "发布",
];

/// The first date with a written year anywhere in `text` (`发布时间：2020-09-15 10:31`,
/// `关于2023年10月11日停电的通知`). Year-less dates are never looked for here: in free
/// text `1-2` or `3.5` are rarely dates.
pub fn find_date(text: &str, today: NaiveDate) -> Option<FoundDate> {
    for caps in FULL_DATE.captures_iter(text) {
        let whole = caps.get(0).unwrap();
        if !digit_boundaries(text, whole.start(), whole.end()) {
            continue;
        }
        if let Some(date) = full_date_from(&caps, &text[whole.end()..], today) {
            return Some(FoundDate {
                date,
                year_written: true,
            });
        }
    }
    None
}

/// The date in a cell that holds nothing else: `2023-10-11`, `[10-11]`, `(10-11)`,
/// `【2023.10.11】`, `发布日期：2023年10月11日`, `2023-10-11 10:31`. Text around the date
/// (a title, a view count) makes it no date cell: use [`find_date`] for that.
///
/// A year-less date takes `year_hint` (a year the page or the item URL tells) or else
/// today's year, moved back one year if that would put it after `today`.
pub fn parse_date_cell(text: &str, today: NaiveDate, year_hint: Option<i32>) -> Option<FoundDate> {
    let cell = strip_decoration(text);
    if cell.is_empty() || cell.len() > 40 {
        return None;
    }
    if let Some(caps) = FULL_DATE.captures(cell) {
        let whole = caps.get(0).unwrap();
        if whole.start() != 0 {
            return None;
        }
        let rest = &cell[whole.end()..];
        let time_len = TIME_SUFFIX.find(rest).map_or(0, |m| m.end());
        if !rest[time_len..].trim().is_empty() {
            return None;
        }
        return full_date_from(&caps, rest, today).map(|date| FoundDate {
            date,
            year_written: true,
        });
    }
    let caps = MONTH_DAY.captures(cell)?;
    let whole = caps.get(0).unwrap();
    let rest = &cell[whole.end()..];
    let time_len = TIME_SUFFIX.find(rest).map_or(0, |m| m.end());
    if !rest[time_len..].trim().is_empty() {
        return None;
    }
    let sep = &caps[2];
    if sep == "月" && caps.get(4).is_none() && !rest.is_empty() {
        return None;
    }
    let month: u32 = caps[1].parse().ok()?;
    let day: u32 = caps[3].parse().ok()?;
    infer_year(month, day, today, year_hint).map(|date| FoundDate {
        date,
        year_written: false,
    })
}

/// The year of a month and day printed without one: `year_hint` (or today's year) unless
/// that puts the date after `today`, then the year before. `None` for an impossible day.
pub fn infer_year(
    month: u32,
    day: u32,
    today: NaiveDate,
    year_hint: Option<i32>,
) -> Option<NaiveDate> {
    let year = year_hint.unwrap_or(today.year()).min(today.year());
    // Feb 29 is checked against the year it lands in, not the hint's.
    let date = match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) if d <= today => Some(d),
        _ => NaiveDate::from_ymd_opt(year - 1, month, day),
    }?;
    is_plausible(date, today).then_some(date)
}

/// Whether a date can be a publication date seen on `today`: a real calendar day, a year
/// from [`MIN_YEAR`] to today's year.
pub fn is_plausible(date: NaiveDate, today: NaiveDate) -> bool {
    (MIN_YEAR..=today.year()).contains(&date.year())
}

/// URL shapes that carry the publication date:
/// - TRS WCM: `/202009/t20200915_123456.html` (the `t` file name)
/// - Hanweb JCMS: `/art/2020/9/15/art_1234_5678.html`
/// - others: `/2020-09/15/content_1.htm`, `/20200915/abc.html`, `/2020/0915/x.html`,
///   `/2020/09/15/x.html`
static URL_DATES: LazyLock<[Regex; 6]> = LazyLock::new(|| {
    [
        Regex::new(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+[^/]*$").unwrap(),
        Regex::new(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/").unwrap(),
        Regex::new(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/").unwrap(),
        Regex::new(r"/((?:19|20)\d{2})(\d{2})(\d{2})/").unwrap(),
        Regex::new(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/").unwrap(),
        Regex::new(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/").unwrap(),
    ]
});

/// The publication date a CMS wrote into an article URL, if its shape is known.
pub fn date_from_url(url: &Url, today: NaiveDate) -> Option<NaiveDate> {
    let path = url.path();
    URL_DATES.iter().find_map(|re| {
        let caps = re.captures(path)?;
        let date = NaiveDate::from_ymd_opt(
            caps[1].parse().ok()?,
            caps[2].parse().ok()?,
            caps[3].parse().ok()?,
        )?;
        is_plausible(date, today).then_some(date)
    })
}

/// Builds the date of a `FULL_DATE` match; `after` is the text after the match, read for
/// a time with an offset (`T20:00:00Z` is the next day in China).
fn full_date_from(caps: &Captures<'_>, after: &str, today: NaiveDate) -> Option<NaiveDate> {
    let date = calendar_date(caps)?;
    let date = shift_to_china(date, after).unwrap_or(date);
    is_plausible(date, today).then_some(date)
}

/// The day a `FULL_DATE` match writes, if its separators agree (`2023-10-11`,
/// `2023年10月11日`, not `2023-10/11` or `2023-10-11日`) and the day exists.
fn calendar_date(caps: &Captures<'_>) -> Option<NaiveDate> {
    let (sep1, sep2) = (&caps[2], &caps[4]);
    let agree = if sep1 == "年" {
        sep2 == "月"
    } else {
        sep1 == sep2
    };
    if !agree || (caps.get(6).is_some() && sep1 != "年") {
        return None;
    }
    NaiveDate::from_ymd_opt(
        caps[1].parse().ok()?,
        caps[3].parse().ok()?,
        caps[5].parse().ok()?,
    )
}

/// A date with a time and an explicit offset, seen from UTC+8.
fn shift_to_china(date: NaiveDate, after: &str) -> Option<NaiveDate> {
    let time = TIME_SUFFIX.captures(after)?;
    time.get(1)?;
    let text = format!(
        "{}{}",
        date.format("%Y-%m-%d"),
        time.get(0)?.as_str().trim()
    );
    let text = text.replacen(' ', "T", 1);
    let parsed = DateTime::parse_from_rfc3339(&normalise_offset(&text)).ok()?;
    let china = FixedOffset::east_opt(8 * 3600)?;
    let local = parsed.with_timezone(&china).date_naive();
    // Guard against a nonsense offset moving the day by more than one.
    ((local - date).abs() <= Duration::days(1)).then_some(local)
}

/// RFC 3339 wants seconds and `+08:00`; sites write `T10:31+0800`.
fn normalise_offset(text: &str) -> String {
    let (main, offset) = match text.rfind(['+', '-', 'Z']) {
        Some(i) if i > 10 => text.split_at(i),
        _ => (text, ""),
    };
    let main = if main.len() == 16 {
        format!("{main}:00")
    } else {
        main.to_string()
    };
    let offset = if offset.len() == 5 {
        format!("{}:{}", &offset[..3], &offset[3..])
    } else {
        offset.to_string()
    };
    format!("{main}{offset}")
}

/// Strips what surrounds a date in a cell: whitespace (also U+3000 and NBSP), brackets
/// `[] () 【】 （） 〔〕 ［］`, and a leading label with its colon.
fn strip_decoration(text: &str) -> &str {
    let mut s = trim(text);
    loop {
        let before = s;
        for (open, close) in [
            ('[', ']'),
            ('(', ')'),
            ('【', '】'),
            ('（', '）'),
            ('〔', '〕'),
            ('［', '］'),
        ] {
            if let Some(inner) = s.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
                s = trim(inner);
            }
        }
        for label in LABELS {
            if let Some(rest) = s.strip_prefix(label) {
                s = trim(rest.trim_start_matches([':', '：', ' ']));
            }
        }
        if s == before {
            return s;
        }
    }
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}')
}

/// No digit right before or after a match: `12023-10-11` and `2023-10-111` are not dates.
fn digit_boundaries(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(|c| c.is_ascii_digit()) && !after.is_some_and(|c| c.is_ascii_digit())
}

/// Reads a post time (a feed's `pubDate`, Weibo's `created_at`, a sheet's 发布时间, the
/// date text of an html source); `None` when the text is no time this module knows or
/// its day (in the clock's zone) is not [plausible](is_plausible).
///
/// The date in a numeric time is read as [`parse_date_cell`] reads it: its separators
/// agree, and a year-less `01-07` or `1月7日` gets the latest year that does not put it
/// after today. Relative and year-less times are resolved against `clock`.
pub fn parse_post_time(text: &str, clock: &Clock) -> Option<DateTime<Utc>> {
    read_post_time(text, clock).filter(|t| is_plausible(clock.day_of(*t), clock.today()))
}

/// A post time in a text that may hold more (an html source's item): the whole text,
/// else the first date-like run in it (`发布时间：2020-01-07 10:31`, `[2020-01-07]`,
/// `2020年1月7日`). A run starts after a character that cannot be part of a date, so
/// the `12-31` of an implausible `1989-12-31` is not read on its own, and a run that is
/// a time but not a plausible one is skipped whole. In a longer text a year-less run
/// written with `/` or `.` is no date: there `3.5` or `1/2` rarely are.
pub fn find_post_time(text: &str, clock: &Clock) -> Option<DateTime<Utc>> {
    let plausible = |t: &DateTime<Utc>| is_plausible(clock.day_of(*t), clock.today());
    let text = text.trim();
    if let Some(t) = read_post_time(text, clock) {
        return Some(t).filter(plausible);
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let allowed = |c: char| c.is_ascii_digit() || "-/.:年月日号时分 ".contains(c);
    let mut skip_to = 0;
    for (i, &(start, c)) in chars.iter().enumerate() {
        let starts_run =
            c.is_ascii_digit() && (i == 0 || !(allowed(chars[i - 1].1) && chars[i - 1].1 != ' '));
        if start < skip_to || !starts_run {
            continue;
        }
        let end = chars[i..]
            .iter()
            .find(|(_, c)| !allowed(*c))
            .map_or(text.len(), |(at, _)| *at);
        // Try the longest run first, then shorter ones (a trailing space or colon).
        let mut candidate = text[start..end].trim_end_matches([' ', ':', '-', '/', '.']);
        while candidate.len() >= 4 {
            let loose = MONTH_DAY
                .captures(candidate)
                .is_some_and(|c| matches!(&c[2], "/" | "."));
            if !loose && let Some(t) = read_post_time(candidate, clock) {
                if plausible(&t) {
                    return Some(t);
                }
                skip_to = end;
                break;
            }
            match candidate.rfind([' ', ':']) {
                Some(cut) => candidate = candidate[..cut].trim_end(),
                None => break,
            }
        }
    }
    None
}

/// A post time in any of the forms this module knows, plausible or not.
fn read_post_time(text: &str, clock: &Clock) -> Option<DateTime<Utc>> {
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
            let local = english(rest).or_else(|| numeric(rest, clock.today()))?;
            Some(match offset {
                Some(offset) => offset.from_local_datetime(&local).single()?.to_utc(),
                None => local_to_utc(local, clock),
            })
        })
}

/// The instant of a local wall-clock time in the clock's time zone.
fn local_to_utc(local: NaiveDateTime, clock: &Clock) -> DateTime<Utc> {
    let tz = clock.tz();
    tz.from_local_datetime(&local)
        .earliest()
        .unwrap_or_else(|| tz.from_utc_datetime(&local))
        .with_timezone(&Utc)
}

/// Unix seconds (9 or 10 digits) or milliseconds (13 digits).
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

/// A numeric date and the time after it: `2020-01-07 10:31:00`, `2020年1月7日 10时31分`,
/// `2020-01-07T10:31`, compact `20200107`, year-less `01-07 10:31` / `1月7日`. The date
/// is read by the rules of [`parse_date_cell`] (plausibility is the caller's).
fn numeric(t: &str, today: NaiveDate) -> Option<NaiveDateTime> {
    let (date, rest) = if let Some(caps) = FULL_DATE.captures(t)
        && caps.get(0).unwrap().start() == 0
    {
        let end = caps.get(0).unwrap().end();
        if caps.get(6).is_none() && !digit_boundaries(t, 0, end) {
            return None;
        }
        (calendar_date(&caps)?, &t[end..])
    } else if t.len() >= 8
        && t.as_bytes()[..8].iter().all(u8::is_ascii_digit)
        && digit_boundaries(t, 0, 8)
    {
        (NaiveDate::parse_from_str(&t[..8], "%Y%m%d").ok()?, &t[8..])
    } else {
        let caps = MONTH_DAY.captures(t)?;
        let end = caps.get(0).unwrap().end();
        let rest = &t[end..];
        if (caps.get(4).is_none() && !digit_boundaries(t, 0, end))
            || (&caps[2] == "月" && caps.get(4).is_none() && !rest.is_empty())
        {
            return None;
        }
        let month: u32 = caps[1].parse().ok()?;
        let day: u32 = caps[3].parse().ok()?;
        (infer_year(month, day, today, None)?, rest)
    };
    Some(date.and_time(time_of_day(rest)?))
}

/// The time of day after a date: nothing (midnight), `10:31`, ` 10:31:05.123`, `T10:31`,
/// `10时31分`, `10点`.
fn time_of_day(rest: &str) -> Option<NaiveTime> {
    const SEPARATORS: &str = ".:时点分秒T ";
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || SEPARATORS.contains(c))
    {
        return None;
    }
    let nums: Vec<u32> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .map(|g| g.parse().ok())
        .collect::<Option<_>>()?;
    match nums[..] {
        [] => Some(NaiveTime::MIN),
        [h] => NaiveTime::from_hms_opt(h, 0, 0),
        [h, m] => NaiveTime::from_hms_opt(h, m, 0),
        // With or without fractions of a second.
        [h, m, s] | [h, m, s, _] => NaiveTime::from_hms_opt(h, m, s),
        _ => None,
    }
}

/// Relative Chinese times of the Weibo timeline, against the clock.
fn relative(t: &str, clock: &Clock) -> Option<DateTime<Utc>> {
    let now = clock.now();
    if t == "刚刚" {
        return Some(now);
    }
    let ago = |suffix: &str, unit: fn(i64) -> Option<Duration>| {
        let n: i64 = t.strip_suffix(suffix)?.trim().parse().ok()?;
        now.checked_sub_signed(unit(n)?)
    };
    if let Some(d) = ago("秒前", Duration::try_seconds)
        .or_else(|| ago("分钟前", Duration::try_minutes))
        .or_else(|| ago("小时前", Duration::try_hours))
        .or_else(|| ago("天前", Duration::try_days))
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

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2023-10-20";

    #[test]
    fn date_cells() {
        let today = d(TODAY);
        let cases: &[(&str, Option<&str>, bool)] = &[
            ("2023-10-11", Some("2023-10-11"), true),
            ("2023/10/11", Some("2023-10-11"), true),
            ("2023.10.11", Some("2023-10-11"), true),
            ("2023年10月11日", Some("2023-10-11"), true),
            ("2023 年 10 月 11 日", Some("2023-10-11"), true),
            ("2023-9-5", Some("2023-09-05"), true),
            ("  2023-10-11\u{3000}", Some("2023-10-11"), true),
            ("[2023-10-11]", Some("2023-10-11"), true),
            ("2023-10-11 10:31", Some("2023-10-11"), true),
            ("2023-10-11 10:31:05", Some("2023-10-11"), true),
            ("2023-10-11T10:31:00+08:00", Some("2023-10-11"), true),
            ("2023-10-10T20:00:00Z", Some("2023-10-11"), true),
            ("2023-10-11T01:00:00+0800", Some("2023-10-11"), true),
            ("发布日期：2023-10-11", Some("2023-10-11"), true),
            ("发布时间: 2023-10-11 10:31", Some("2023-10-11"), true),
            ("10-11", Some("2023-10-11"), false),
            ("[10-11]", Some("2023-10-11"), false),
            ("(10-11)", Some("2023-10-11"), false),
            ("（10-11）", Some("2023-10-11"), false),
            ("【10-11】", Some("2023-10-11"), false),
            ("10月11日", Some("2023-10-11"), false),
            // After today: last year's.
            ("10-21", Some("2022-10-21"), false),
            ("12-31", Some("2022-12-31"), false),
            ("10-20", Some("2023-10-20"), false),
            // Impossible or absurd.
            ("2023-02-30", None, true),
            ("2023-13-01", None, true),
            ("1989-12-31", None, true),
            ("2024-01-01", None, true),
            ("2023-10/11", None, true),
            ("2023年10-11", None, true),
            ("02-30", None, false),
            ("00-10", None, false),
            // Not a cell: a title that holds a date.
            ("关于2023年10月11日停电的通知", None, true),
            ("2023-10-11 浏览次数：12", None, true),
            ("工作动态", None, true),
            ("", None, true),
        ];
        for (text, want, written) in cases {
            let got = parse_date_cell(text, today, None);
            assert_eq!(got.map(|f| f.date), want.map(d), "cell {text:?}");
            if let Some(f) = got {
                assert_eq!(f.year_written, *written, "year_written for {text:?}");
            }
        }
    }

    #[test]
    fn year_hint_and_new_year() {
        let cases: &[(&str, &str, Option<i32>, Option<&str>)] = &[
            ("2024-01-10", "12-28", None, Some("2023-12-28")),
            ("2024-01-10", "01-05", None, Some("2024-01-05")),
            ("2024-01-10", "01-10", None, Some("2024-01-10")),
            ("2024-01-10", "01-11", None, Some("2023-01-11")),
            ("2024-01-10", "10-11", Some(2020), Some("2020-10-11")),
            // A hint in the future is capped by today.
            ("2024-01-10", "01-05", Some(2030), Some("2024-01-05")),
            // Feb 29 only in leap years.
            ("2024-03-01", "02-29", None, Some("2024-02-29")),
            ("2023-03-01", "02-29", None, None),
        ];
        for (today, cell, hint, want) in cases {
            let got = parse_date_cell(cell, d(today), *hint).map(|f| f.date);
            assert_eq!(got, want.map(d), "{cell} seen {today} hint {hint:?}");
        }
    }

    #[test]
    fn dates_in_text() {
        let today = d(TODAY);
        let cases: &[(&str, Option<&str>)] = &[
            (
                "发布时间:2020-09-15 10:31 来源：县政府办",
                Some("2020-09-15"),
            ),
            (
                "发布日期：2023年10月11日 字号：大 中 小",
                Some("2023-10-11"),
            ),
            ("文号 12023-10-11 无", None),
            ("电话 0917-1234567", None),
            ("版本 2023.10.11.5", Some("2023-10-11")),
            ("2023-02-30 和 2023-03-01", Some("2023-03-01")),
            ("10-11", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                find_date(text, today).map(|f| f.date),
                want.map(d),
                "{text:?}"
            );
        }
    }

    #[test]
    fn dates_in_urls() {
        let today = d(TODAY);
        let cases: &[(&str, Option<&str>)] = &[
            (
                "http://www.a.gov.cn/xxgk/gzdt/202009/t20200915_123456.html",
                Some("2020-09-15"),
            ),
            (
                "http://www.a.gov.cn/art/2020/9/15/art_1234_5678.html",
                Some("2020-09-15"),
            ),
            (
                "http://www.a.gov.cn/zwgk/2020-09/15/content_88.htm",
                Some("2020-09-15"),
            ),
            (
                "http://www.a.gov.cn/news/20200915/123.html",
                Some("2020-09-15"),
            ),
            (
                "http://www.a.gov.cn/news/2020/0915/123.html",
                Some("2020-09-15"),
            ),
            (
                "http://www.a.gov.cn/news/2020/09/15/123.html",
                Some("2020-09-15"),
            ),
            ("http://www.a.gov.cn/202302/t20230230_1.html", None),
            ("http://www.a.gov.cn/203002/t20300201_1.html", None),
            ("http://www.a.gov.cn/content/12345.html", None),
            ("http://www.a.gov.cn/202009/", None),
            // A t-name anywhere but the file is not the TRS shape.
            ("http://www.a.gov.cn/t20200915_1/x.html", None),
        ];
        for (url, want) in cases {
            let url = Url::parse(url).unwrap();
            assert_eq!(date_from_url(&url, today), want.map(d), "{url}");
        }
    }

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

    /// Strings the two old parsers (extract's date cells, sources' post times) read
    /// differently; each is now read as extract's date rules read it. The comment gives
    /// the old post-time reading (clock 2020-01-09 12:00 Asia/Shanghai).
    #[test]
    fn where_the_old_parsers_disagreed_extract_wins() {
        let c = clock();
        let table: &[(&str, Option<&str>)] = &[
            // Years outside 1990..=this year (was: read as written).
            ("1989-12-31", None),
            ("1900-01-01", None),
            ("0001-01-01", None),
            ("2021-01-01", None),
            ("2030-06-01", None),
            ("9999-12-31", None),
            ("2023-10-11 10:31:05", None),
            ("2020-12-31T20:00:00Z", None), // 2021-01-01 in China
            ("Wed, 07 Jan 2099 10:31:00 GMT", None),
            ("100000天前", None), // was 1746-03-26
            ("123456789", None),  // Unix time in 1973
            ("0000000001", None), // Unix time in 1970
            ("202001071", None),  // Unix time in 1976
            // Separators that do not agree, or no separator (was: 2020-01-07).
            ("2020-01/07", None),
            ("2020/01-07", None),
            ("2020年1-7", None),
            ("2020.1/7", None),
            ("2020 01 07", None),
            ("2020:01:07", None),
            ("2020-01-07日", None),
            // 号 is no day mark, 月 without 日 takes no time (was: read).
            ("2020年1月7号", None),
            ("1月7号", None),
            ("1月7 10:31", None),
            ("2020-01-07 号", None),
            ("2020-01-07-10-31", None), // was 10:31
            // Year-less with / or . (was: None).
            ("01/07", Some("2020-01-07 00:00:00")),
            ("1/7", Some("2020-01-07 00:00:00")),
            ("01.07", Some("2020-01-07 00:00:00")),
            ("1.7", Some("2020-01-07 00:00:00")),
            ("10.5", Some("2019-10-05 00:00:00")),
            ("12/31", Some("2019-12-31 00:00:00")),
            // Too far back to compute (was: a panic).
            ("99999999999天前", None),
            // Agreed, for the boundaries.
            ("1990-01-01", Some("1990-01-01 00:00:00")),
            ("2020-12-31", Some("2020-12-31 00:00:00")),
            ("1月7日10:31", Some("2020-01-07 10:31:00")),
            ("2019-12-31T20:00:00+08:00", Some("2019-12-31 20:00:00")),
        ];
        for (text, want) in table {
            assert_eq!(
                shanghai(parse_post_time(text, &c)).as_deref(),
                *want,
                "{text:?}"
            );
        }
    }

    /// A post time in an html source's item text.
    #[test]
    fn post_times_in_text() {
        let c = clock();
        let table: &[(&str, Option<&str>)] = &[
            ("发布时间：2020-01-07 10:31", Some("2020-01-07 10:31:00")),
            ("[2020-01-07]", Some("2020-01-07 00:00:00")),
            ("县财政局工作动态 2020-01-06", Some("2020-01-06 00:00:00")),
            (
                "县政府 2020年1月7日 10:31 来源",
                Some("2020-01-07 10:31:00"),
            ),
            ("标题 01-07 10:31", Some("2020-01-07 10:31:00")),
            ("浏览 12.3 2020-01-07", Some("2020-01-07 00:00:00")),
            // An impossible date leaves the time after it, as before.
            ("标题 2020-02-30 10:31", Some("2020-01-09 10:31:00")),
            // A year-less / or . in text is no date.
            ("标题 01/07", None),
            ("阅读 12.3万", None),
            // An implausible date is skipped whole, not read from its tail
            // (was: the date as written).
            ("发布 1989-12-31 10:31", None),
            ("标题 2099-01-07 10:31 更多", None),
            ("12020-01-07", None),
            ("20-01-07", None),
        ];
        for (text, want) in table {
            assert_eq!(
                shanghai(find_post_time(text, &c)).as_deref(),
                *want,
                "{text:?}"
            );
        }
    }
}
