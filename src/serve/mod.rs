//! The daemon's parts. So far: schedules (crontab expressions and the office calendar).

pub mod schedule;
