//! Where a cycle's time goes (`check --timings`): per stage, the requests it sent, the
//! body bytes it received, its seconds and its share of the cycle's wall time, read
//! from the fetcher's counters around each stage. Logged at info after every cycle.

use std::time::Instant;

use crate::fetch::{Fetcher, Traffic};

/// One stage's share of a cycle.
#[derive(Debug, Clone, PartialEq)]
pub struct StageTiming {
    /// `sync`, `crawl`, `probes`, `links`, `accounts`, `mailboxes`, `detect`.
    pub stage: &'static str,
    pub requests: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// Every stage of a cycle, in order, and the cycle's wall time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Timings {
    pub stages: Vec<StageTiming>,
    pub wall_seconds: f64,
}

/// Times the stages of one cycle: `lap` after each.
pub struct Stopwatch<'a> {
    fetcher: &'a Fetcher,
    started: Instant,
    lap_started: Instant,
    traffic: Traffic,
    stages: Vec<StageTiming>,
}

impl<'a> Stopwatch<'a> {
    pub fn start(fetcher: &'a Fetcher) -> Stopwatch<'a> {
        let now = Instant::now();
        Stopwatch {
            fetcher,
            started: now,
            lap_started: now,
            traffic: fetcher.traffic(),
            stages: Vec::new(),
        }
    }

    /// Closes `stage`: what was sent and received since the last lap, and how long.
    pub fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        let traffic = self.fetcher.traffic();
        self.stages.push(StageTiming {
            stage,
            requests: traffic.requests - self.traffic.requests,
            bytes: traffic.bytes - self.traffic.bytes,
            seconds: (now - self.lap_started).as_secs_f64(),
        });
        self.lap_started = now;
        self.traffic = traffic;
    }

    pub fn finish(self) -> Timings {
        let timings = Timings {
            stages: self.stages,
            wall_seconds: self.started.elapsed().as_secs_f64(),
        };
        timings.log();
        timings
    }
}

impl Timings {
    /// A stage's share of the wall time, in percent.
    fn share(&self, s: &StageTiming) -> f64 {
        if self.wall_seconds > 0.0 {
            s.seconds * 100.0 / self.wall_seconds
        } else {
            0.0
        }
    }

    /// The figures at info, one line per stage.
    pub fn log(&self) {
        for s in &self.stages {
            tracing::info!(
                stage = s.stage,
                requests = s.requests,
                bytes = s.bytes,
                seconds = format!("{:.3}", s.seconds),
                share = format!("{:.1}%", self.share(s)),
                "cycle timing"
            );
        }
        tracing::info!(
            seconds = format!("{:.3}", self.wall_seconds),
            "cycle wall time"
        );
    }

    /// A plain-text table for stderr.
    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<10} {:>9} {:>12} {:>9} {:>7}\n",
            "stage", "requests", "bytes", "seconds", "share"
        );
        for s in &self.stages {
            out.push_str(&format!(
                "{:<10} {:>9} {:>12} {:>9.3} {:>6.1}%\n",
                s.stage,
                s.requests,
                s.bytes,
                s.seconds,
                self.share(s)
            ));
        }
        let requests: u64 = self.stages.iter().map(|s| s.requests).sum();
        let bytes: u64 = self.stages.iter().map(|s| s.bytes).sum();
        out.push_str(&format!(
            "{:<10} {:>9} {:>12} {:>9.3} {:>6.1}%\n",
            "total", requests, bytes, self.wall_seconds, 100.0
        ));
        out
    }
}
