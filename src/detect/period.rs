//! Periods: quarters (2020Q3), months (2020-07) and ISO weeks (2020-W05), as local
//! calendar days in the configured time zone. Quotas and period rules are per quarter;
//! exports take any period.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, NaiveDate, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Quarter { year: i32, quarter: u32 },
    Month { year: i32, month: u32 },
    Week { year: i32, week: u32 },
}

impl Period {
    pub fn quarter_of(day: NaiveDate) -> Period {
        Period::Quarter {
            year: day.year(),
            quarter: (day.month() - 1) / 3 + 1,
        }
    }

    pub fn month_of(day: NaiveDate) -> Period {
        Period::Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn week_of(day: NaiveDate) -> Period {
        let w = day.iso_week();
        Period::Week {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The last quarter that ended before `day` (the one period rules judge).
    pub fn last_completed_quarter(day: NaiveDate) -> Period {
        Period::quarter_of(day).previous()
    }

    /// The first day.
    pub fn start(self) -> NaiveDate {
        match self {
            Period::Quarter { year, quarter } => {
                NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1).expect("valid quarter")
            }
            Period::Month { year, month } => {
                NaiveDate::from_ymd_opt(year, month, 1).expect("valid month")
            }
            Period::Week { year, week } => {
                NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).expect("valid week")
            }
        }
    }

    /// The last day (inclusive).
    pub fn end(self) -> NaiveDate {
        self.next().start() - Days::new(1)
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        self.start() <= day && day <= self.end()
    }

    pub fn next(self) -> Period {
        match self {
            Period::Quarter { year, quarter: 4 } => Period::Quarter {
                year: year + 1,
                quarter: 1,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter + 1,
            },
            Period::Month { year, month: 12 } => Period::Month {
                year: year + 1,
                month: 1,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month + 1,
            },
            Period::Week { .. } => Period::week_of(self.start() + Days::new(7)),
        }
    }

    pub fn previous(self) -> Period {
        match self {
            Period::Quarter { year, quarter: 1 } => Period::Quarter {
                year: year - 1,
                quarter: 4,
            },
            Period::Quarter { year, quarter } => Period::Quarter {
                year,
                quarter: quarter - 1,
            },
            Period::Month { year, month: 1 } => Period::Month {
                year: year - 1,
                month: 12,
            },
            Period::Month { year, month } => Period::Month {
                year,
                month: month - 1,
            },
            Period::Week { .. } => Period::week_of(self.start() - Days::new(7)),
        }
    }

    /// Whether the period is over on `day`.
    pub fn is_complete_on(self, day: NaiveDate) -> bool {
        self.end() < day
    }

    pub fn year(self) -> i32 {
        match self {
            Period::Quarter { year, .. }
            | Period::Month { year, .. }
            | Period::Week { year, .. } => year,
        }
    }

    /// As the notices write it: 2020年三季度, 2020年7月, 2020年第5周.
    pub fn label_zh(self) -> String {
        match self {
            Period::Quarter { year, quarter } => {
                let q = ["一", "二", "三", "四"][(quarter - 1) as usize];
                format!("{year}年{q}季度")
            }
            Period::Month { year, month } => format!("{year}年{month}月"),
            Period::Week { year, week } => format!("{year}年第{week}周"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Period::Quarter { year, quarter } => write!(f, "{year}Q{quarter}"),
            Period::Month { year, month } => write!(f, "{year}-{month:02}"),
            Period::Week { year, week } => write!(f, "{year}-W{week:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = String;

    /// `2020Q3` (or `2020q3`), `2020-07`, `2020-W05`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "period `{s}`: expected a quarter like 2020Q3, a month like 2020-07 or an ISO week like 2020-W05"
            )
        };
        let s = s.trim();
        let upper = s.to_ascii_uppercase();
        if let Some((y, q)) = upper.split_once('Q') {
            let year: i32 = y.parse().map_err(|_| bad())?;
            let quarter: u32 = q.parse().map_err(|_| bad())?;
            if !(1..=4).contains(&quarter) {
                return Err(bad());
            }
            return Ok(Period::Quarter { year, quarter });
        }
        if let Some((y, w)) = upper.split_once("-W") {
            let year: i32 = y.parse().map_err(|_| bad())?;
            let week: u32 = w.parse().map_err(|_| bad())?;
            NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).ok_or_else(bad)?;
            return Ok(Period::Week { year, week });
        }
        if let Some((y, m)) = upper.split_once('-') {
            let year: i32 = y.parse().map_err(|_| bad())?;
            let month: u32 = m.parse().map_err(|_| bad())?;
            if !(1..=12).contains(&month) {
                return Err(bad());
            }
            return Ok(Period::Month { year, month });
        }
        Err(bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_parse_print_and_bound() {
        for (text, start, end) in [
            ("2020Q1", d(2020, 1, 1), d(2020, 3, 31)),
            ("2020Q3", d(2020, 7, 1), d(2020, 9, 30)),
            ("2020q4", d(2020, 10, 1), d(2020, 12, 31)),
            ("2020-02", d(2020, 2, 1), d(2020, 2, 29)),
            ("2020-12", d(2020, 12, 1), d(2020, 12, 31)),
            ("2020-W01", d(2019, 12, 30), d(2020, 1, 5)),
            ("2020-W53", d(2020, 12, 28), d(2021, 1, 3)),
        ] {
            let p: Period = text.parse().unwrap();
            assert_eq!((p.start(), p.end()), (start, end), "{text}");
            assert_eq!(
                p.to_string().to_ascii_uppercase(),
                text.to_ascii_uppercase()
            );
        }
        assert!("2020Q5".parse::<Period>().is_err());
        assert!("2020-13".parse::<Period>().is_err());
        assert!("2019-W53".parse::<Period>().is_err());
        assert!("Q3".parse::<Period>().unwrap_err().contains("2020Q3"));
    }

    #[test]
    fn the_last_completed_quarter_turns_on_the_first_day_of_the_next() {
        let q3: Period = "2020Q3".parse().unwrap();
        assert_eq!(
            Period::last_completed_quarter(d(2020, 9, 30)),
            "2020Q2".parse().unwrap()
        );
        assert_eq!(Period::last_completed_quarter(d(2020, 10, 1)), q3);
        assert_eq!(
            Period::last_completed_quarter(d(2021, 1, 1)),
            "2020Q4".parse().unwrap()
        );
        assert_eq!(
            Period::last_completed_quarter(d(2020, 2, 1)),
            "2019Q4".parse().unwrap()
        );
        assert!(q3.is_complete_on(d(2020, 10, 1)));
        assert!(!q3.is_complete_on(d(2020, 9, 30)));
        assert_eq!(q3.label_zh(), "2020年三季度");
        assert_eq!(q3.previous().next(), q3);
        assert_eq!(
            Period::week_of(d(2020, 1, 6)).previous(),
            "2020-W01".parse().unwrap()
        );
    }
}
