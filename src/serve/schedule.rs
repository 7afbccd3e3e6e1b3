//! Job schedules: crontab expressions as operators write them, read with the `cron`
//! crate, in the configured time zone, with the office's working-day calendar.
//!
//! The `cron` crate reads Quartz-style weekday numbers (1 = Sunday); crontab's are
//! 0/7 = Sunday, 1 = Monday. Weekday numbers are therefore always read the crontab way
//! (in 5-, 6- and 7-field expressions alike) and handed to the crate as names. A
//! schedule that runs every working day (weekday field Monday to Friday) skips the
//! public holidays listed in the config and also runs on the listed make-up working
//! days (调休), at the times it runs on a Friday.

use std::collections::HashSet;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Weekday};
use chrono_tz::Tz;

const NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Public holidays and make-up working days (调休).
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub holidays: HashSet<NaiveDate>,
    pub workdays: HashSet<NaiveDate>,
}

#[derive(Debug, Clone)]
pub struct JobSchedule {
    pub expression: String,
    rule: Rule,
}

#[derive(Debug, Clone)]
enum Rule {
    Cron {
        schedule: Box<cron::Schedule>,
        every_working_day: bool,
    },
    /// Every so long, at multiples of the interval since the Unix epoch (so every worker
    /// computes the same due times).
    Every(chrono::Duration),
}

/// A schedule that runs every `interval` (`[probe] interval_min`), whatever the calendar.
pub fn every(interval: std::time::Duration) -> JobSchedule {
    let interval = chrono::Duration::from_std(interval)
        .unwrap_or(chrono::Duration::MAX)
        .max(chrono::Duration::milliseconds(1));
    JobSchedule {
        expression: format!("every {}s", interval.num_milliseconds() as f64 / 1000.0),
        rule: Rule::Every(interval),
    }
}

/// Parses a schedule: crontab's 5 fields (`30 8 * * 1`), 6 with seconds first, or 7 with
/// a year; `@hourly`, `@daily`, `@weekly`, `@monthly` too.
pub fn parse(expression: &str) -> Result<JobSchedule, String> {
    let bad = |why: String| {
        format!(
            "schedule `{expression}`: {why} (write crontab fields, e.g. \"30 8 * * 1\" for Monday 08:30)"
        )
    };
    let expanded = match expression.trim() {
        "@hourly" => "0 * * * *",
        "@daily" | "@midnight" => "0 0 * * *",
        "@weekly" => "0 0 * * 0",
        "@monthly" => "0 0 1 * *",
        other => other,
    };
    let mut fields: Vec<String> = expanded.split_whitespace().map(str::to_string).collect();
    match fields.len() {
        5 => fields.insert(0, "0".into()),
        6 | 7 => {}
        n => {
            return Err(bad(format!(
                "{n} fields, expected 5 (or 6/7 with seconds and year)"
            )));
        }
    }
    let days = weekday_set(&fields[5]).map_err(bad)?;
    let every_working_day = days.len() == 5 && (1..=5).all(|d| days.contains(&d));
    fields[5] = if days.len() == 7 && fields[5] == "*" {
        "*".into()
    } else {
        let mut sorted: Vec<usize> = days.into_iter().collect();
        sorted.sort();
        sorted
            .iter()
            .map(|d| NAMES[*d])
            .collect::<Vec<_>>()
            .join(",")
    };
    // Quartz wants "?" in one of the two day fields when the other is restricted; the
    // cron crate accepts "*" in both, so nothing to do there.
    let schedule = cron::Schedule::from_str(&fields.join(" ")).map_err(|e| bad(e.to_string()))?;
    Ok(JobSchedule {
        expression: expression.to_string(),
        rule: Rule::Cron {
            schedule: Box::new(schedule),
            every_working_day,
        },
    })
}

/// The weekdays (0 = Sunday … 6 = Saturday) a crontab weekday field names.
fn weekday_set(field: &str) -> Result<HashSet<usize>, String> {
    let number = |s: &str| -> Result<usize, String> {
        if let Some(i) = NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(&s[..s.len().min(3)]))
            && s.len() >= 3
        {
            return Ok(i);
        }
        match s.parse::<usize>() {
            Ok(7) => Ok(0),
            Ok(n) if n < 7 => Ok(n),
            _ => Err(format!("weekday `{s}` is not 0-7 or a name like MON")),
        }
    };
    let mut days = HashSet::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<usize>().map_err(|_| format!("step `{s}`"))?),
            None => (part, 1),
        };
        let (from, to) = match range {
            "*" | "?" => (0, 6),
            r => match r.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (number(a)?, number(b)?);
                    // 5-7 (Friday to Sunday): 7 is Sunday at the end of the week.
                    (a, if b == 0 && a > 0 { 7 } else { b })
                }
                None if step > 1 => (number(r)?, 6),
                None => {
                    let n = number(r)?;
                    (n, n)
                }
            },
        };
        if from > to {
            return Err(format!("weekday range `{range}` runs backwards"));
        }
        days.extend((from..=to).step_by(step.max(1)).map(|d| d % 7));
    }
    Ok(days)
}

impl JobSchedule {
    /// The next run strictly after `after`, honouring the calendar.
    pub fn next_after(&self, after: &DateTime<Tz>, calendar: &Calendar) -> Option<DateTime<Tz>> {
        let (schedule, every_working_day) = match &self.rule {
            Rule::Every(step) => {
                let ms = step.num_milliseconds();
                let next = (after.timestamp_millis().div_euclid(ms) + 1) * ms;
                return DateTime::from_timestamp_millis(next)
                    .map(|t| t.with_timezone(&after.timezone()));
            }
            Rule::Cron {
                schedule,
                every_working_day,
            } => (schedule, *every_working_day),
        };
        let regular = schedule
            .after(after)
            .take(2000)
            .find(|t| !(every_working_day && calendar.holidays.contains(&t.date_naive())));
        if !every_working_day {
            return regular;
        }
        let makeup = calendar
            .workdays
            .iter()
            .filter(|d| **d >= after.date_naive())
            .filter_map(|day| makeup_times(schedule, *day, after.timezone()).find(|t| t > after))
            .min();
        match (regular, makeup) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The latest due time at or before `at`, honouring the calendar: the run a worker
    /// owes when it looks at the schedule at `at` (several missed runs make one).
    pub fn latest_at_or_before(
        &self,
        at: &DateTime<Tz>,
        calendar: &Calendar,
    ) -> Option<DateTime<Tz>> {
        let (schedule, every_working_day) = match &self.rule {
            Rule::Every(step) => {
                let ms = step.num_milliseconds();
                let due = at.timestamp_millis().div_euclid(ms) * ms;
                return DateTime::from_timestamp_millis(due)
                    .map(|t| t.with_timezone(&at.timezone()));
            }
            Rule::Cron {
                schedule,
                every_working_day,
            } => (schedule, *every_working_day),
        };
        let regular = schedule
            .after(&(*at + chrono::Duration::seconds(1)))
            .rev()
            .take(2000)
            .find(|t| {
                t <= at && !(every_working_day && calendar.holidays.contains(&t.date_naive()))
            });
        if !every_working_day {
            return regular;
        }
        let makeup = calendar
            .workdays
            .iter()
            .filter(|d| **d <= at.date_naive())
            .filter_map(|day| {
                makeup_times(schedule, *day, at.timezone())
                    .filter(|t| t <= at)
                    .last()
            })
            .max();
        match (regular, makeup) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The times a working-day schedule runs on make-up day `day`: those of the Friday
/// before, moved to `day`.
fn makeup_times(
    schedule: &cron::Schedule,
    day: NaiveDate,
    tz: Tz,
) -> impl Iterator<Item = DateTime<Tz>> + '_ {
    let back = (day.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    let friday = day - Days::new(u64::from(if back == 0 { 7 } else { back }));
    let start = friday
        .and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest());
    let shift = day - friday;
    start
        .into_iter()
        .flat_map(move |start| schedule.after_owned(start - chrono::Duration::seconds(1)))
        .take_while(move |t| t.date_naive() == friday)
        .map(move |t| t + shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Tz> {
        Shanghai.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn next(expr: &str, after: DateTime<Tz>, cal: &Calendar) -> DateTime<Tz> {
        parse(expr).unwrap().next_after(&after, cal).unwrap()
    }

    #[test]
    fn crontab_weekdays_mean_what_operators_mean() {
        let none = Calendar::default();
        // 2020-01-04 is a Saturday.
        let sat = at(2020, 1, 4, 12, 0);
        let table = [
            ("30 8 * * 1", at(2020, 1, 6, 8, 30)), // Monday 08:30
            ("30 8 * * MON", at(2020, 1, 6, 8, 30)),
            ("0 9 * * 1-5", at(2020, 1, 6, 9, 0)), // weekdays
            ("0 9 * * 0", at(2020, 1, 5, 9, 0)),   // 0 is Sunday
            ("0 9 * * 7", at(2020, 1, 5, 9, 0)),   // and so is 7
            (
                "0 9 * * 5-7",
                at(2020, 1, 4, 9, 0) + chrono::Duration::days(1),
            ), // Fri-Sun: Sunday next
            ("0 9 * * */2", at(2020, 1, 5, 9, 0)), // Sun, Tue, Thu, Sat: Sunday next
            ("0 0 6 * * 1", at(2020, 1, 6, 6, 0)), // 6 fields, seconds first
            ("0 30 8 * * 1 2020", at(2020, 1, 6, 8, 30)), // 7 fields with a year
            ("@daily", at(2020, 1, 5, 0, 0)),
            ("*/30 * * * *", at(2020, 1, 4, 12, 30)),
        ];
        for (expr, expected) in table {
            assert_eq!(next(expr, sat, &none), expected, "{expr}");
        }
        let monday = next("30 8 * * 1", sat, &none);
        assert_eq!(monday.weekday(), Weekday::Mon);
        assert!(parse("30 8 * *").unwrap_err().contains("4 fields"));
        assert!(parse("30 8 * * 8").unwrap_err().contains("weekday `8`"));
    }

    #[test]
    fn the_latest_due_time_makes_several_missed_runs_one() {
        let none = Calendar::default();
        let table = [
            ("0 6 * * *", at(2020, 1, 9, 12, 0), at(2020, 1, 9, 6, 0)),
            ("0 6 * * *", at(2020, 1, 9, 6, 0), at(2020, 1, 9, 6, 0)), // at the due time
            ("0 6 * * *", at(2020, 1, 9, 5, 59), at(2020, 1, 8, 6, 0)),
            ("30 8 * * 1", at(2020, 1, 9, 12, 0), at(2020, 1, 6, 8, 30)), // last Monday
        ];
        for (expr, now, expected) in table {
            let s = parse(expr).unwrap();
            assert_eq!(
                s.latest_at_or_before(&now, &none),
                Some(expected),
                "{expr} at {now}"
            );
        }
        // Make-up Sunday Jan 19 2020 runs a working-day schedule; the holidays do not.
        let cal = Calendar {
            holidays: [NaiveDate::from_ymd_opt(2020, 1, 20).unwrap()].into(),
            workdays: [NaiveDate::from_ymd_opt(2020, 1, 19).unwrap()].into(),
        };
        let s = parse("0 9 * * 1-5").unwrap();
        assert_eq!(
            s.latest_at_or_before(&at(2020, 1, 20, 12, 0), &cal),
            Some(at(2020, 1, 19, 9, 0))
        );
        // Every 30 minutes, on the half hours of the epoch.
        let half = every(std::time::Duration::from_secs(1800));
        assert_eq!(
            half.latest_at_or_before(&at(2020, 1, 9, 12, 47), &none),
            Some(at(2020, 1, 9, 12, 30))
        );
        assert_eq!(
            half.next_after(&at(2020, 1, 9, 12, 30), &none),
            Some(at(2020, 1, 9, 13, 0))
        );
    }

    #[test]
    fn working_day_schedules_skip_holidays_and_run_on_make_up_days() {
        // Spring Festival 2020: holidays Jan 24-30 (Fri-Thu, extended), make-up Sunday Jan 19.
        let cal = Calendar {
            holidays: (24..=31)
                .map(|d| NaiveDate::from_ymd_opt(2020, 1, d).unwrap())
                .collect(),
            workdays: [NaiveDate::from_ymd_opt(2020, 1, 19).unwrap()].into(),
        };
        // Friday evening Jan 17: the next weekday run is the make-up Sunday.
        assert_eq!(
            next("0 9 * * 1-5", at(2020, 1, 17, 18, 0), &cal),
            at(2020, 1, 19, 9, 0)
        );
        // Thursday Jan 23 evening: holidays until the 31st, next run Monday Feb 3.
        assert_eq!(
            next("0 9 * * 1-5", at(2020, 1, 23, 18, 0), &cal),
            at(2020, 2, 3, 9, 0)
        );
        // A daily schedule ignores the office calendar.
        assert_eq!(
            next("0 9 * * *", at(2020, 1, 23, 18, 0), &cal),
            at(2020, 1, 24, 9, 0)
        );
    }
}
