//! Dates as Chinese government sites print them, and as their CMSs write them into URLs.
//!
//! Every freshness rule (stale column, home page not updated, zero publish) stands on the
//! date of an item, so this module is strict: an impossible day (2023-02-30) or an absurd
//! year (before 1990, after today's year) is no date at all, and a year-less date
//! (`10-11`, `[10-11]`, `10月11日`) gets the latest year that does not put it after
//! `today`. Nothing here reads the clock: `today` is always an argument.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate};
use regex::{Captures, Regex};
use url::Url;

// TEMP: replaced by the dates helper's move
/// A post's time as a sheet or a source writes it; forwards to the sources' parser until
/// that parser moves here.
pub fn parse_post_time(
    text: &str,
    clock: &crate::clock::Clock,
) -> Option<chrono::DateTime<chrono::Utc>> {
    crate::sources::parse_post_time(text, clock)
}

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
    let (sep1, sep2) = (&caps[2], &caps[4]);
    let agree = if sep1 == "年" {
        sep2 == "月"
    } else {
        sep1 == sep2
    };
    if !agree || (caps.get(6).is_some() && sep1 != "年") {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(
        caps[1].parse().ok()?,
        caps[3].parse().ok()?,
        caps[5].parse().ok()?,
    )?;
    let date = shift_to_china(date, after).unwrap_or(date);
    is_plausible(date, today).then_some(date)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
