//! What `/metrics` says, in the Prometheus text format: pages fetched, failures by
//! class, open findings by kind, cycles and the last cycle's time. Counters are this
//! worker's: pages and failures of the site jobs it ran, the cycles whose last job it
//! finished; open findings are read from the store after each detect job.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use crate::cycle::crawl::CrawlReport;

#[derive(Debug, Default)]
struct State {
    pages_fetched: u64,
    failures: BTreeMap<String, u64>,
    open_findings: BTreeMap<String, u64>,
    cycles: BTreeMap<String, u64>,
    last_cycle_seconds: Option<i64>,
    last_cycle_duration_seconds: f64,
    reloads: BTreeMap<&'static str, u64>,
}

/// The daemon's metrics, shared by the jobs and the HTTP server.
#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<State>,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut state)
    }

    /// Counts the pages and failures of a crawl (a site's job).
    pub fn crawl_done(&self, report: &CrawlReport) {
        self.with(|s| {
            for c in &report.columns {
                s.pages_fetched += c.pages as u64;
                if let Some(f) = &c.failure {
                    *s.failures.entry(failure_class(f)).or_default() += 1;
                }
            }
            for h in &report.homes {
                match &h.failure {
                    None => s.pages_fetched += 1,
                    Some(f) => *s.failures.entry(failure_class(f)).or_default() += 1,
                }
            }
        });
    }

    /// Counts a cycle this worker ended (`ok` or `failed`), when and how long it took.
    pub fn cycle_ended(&self, outcome: &str, at_unix: i64, duration_seconds: f64) {
        self.with(|s| {
            *s.cycles.entry(outcome.to_string()).or_default() += 1;
            s.last_cycle_seconds = Some(at_unix);
            s.last_cycle_duration_seconds = duration_seconds;
        });
    }

    /// Replaces the open findings by kind.
    pub fn set_open_findings(&self, by_kind: BTreeMap<String, u64>) {
        self.with(|s| s.open_findings = by_kind);
    }

    /// Counts a catalog reload (`ok` or `rejected`).
    pub fn reloaded(&self, outcome: &'static str) {
        self.with(|s| *s.reloads.entry(outcome).or_default() += 1);
    }

    /// The last finished cycle, as Unix seconds.
    pub fn last_cycle(&self) -> Option<i64> {
        self.with(|s| s.last_cycle_seconds)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.with(|s| {
            let mut text = String::new();
            head(
                &mut text,
                "govwatch_pages_fetched_total",
                "counter",
                "List and home pages read.",
            );
            let _ = writeln!(text, "govwatch_pages_fetched_total {}", s.pages_fetched);
            head(
                &mut text,
                "govwatch_fetch_failures_total",
                "counter",
                "Column and home page reads that failed, by failure class.",
            );
            for (class, n) in &s.failures {
                let _ = writeln!(
                    text,
                    "govwatch_fetch_failures_total{{class=\"{class}\"}} {n}"
                );
            }
            head(
                &mut text,
                "govwatch_open_findings",
                "gauge",
                "Findings open now, by kind (false alarms dismissed with `govwatch dismiss` left out).",
            );
            for (kind, n) in &s.open_findings {
                let _ = writeln!(text, "govwatch_open_findings{{kind=\"{kind}\"}} {n}");
            }
            head(
                &mut text,
                "govwatch_cycles_total",
                "counter",
                "Cycles run, by outcome.",
            );
            for (outcome, n) in &s.cycles {
                let _ = writeln!(text, "govwatch_cycles_total{{outcome=\"{outcome}\"}} {n}");
            }
            head(
                &mut text,
                "govwatch_last_cycle_timestamp_seconds",
                "gauge",
                "When the last cycle finished (Unix time); 0 before the first.",
            );
            let _ = writeln!(
                text,
                "govwatch_last_cycle_timestamp_seconds {}",
                s.last_cycle_seconds.unwrap_or(0)
            );
            head(
                &mut text,
                "govwatch_last_cycle_duration_seconds",
                "gauge",
                "How long the last cycle took.",
            );
            let _ = writeln!(
                text,
                "govwatch_last_cycle_duration_seconds {}",
                s.last_cycle_duration_seconds
            );
            head(
                &mut text,
                "govwatch_catalog_reloads_total",
                "counter",
                "Catalog reloads, by outcome.",
            );
            for (outcome, n) in &s.reloads {
                let _ = writeln!(
                    text,
                    "govwatch_catalog_reloads_total{{outcome=\"{outcome}\"}} {n}"
                );
            }
            text
        })
    }
}

/// The class of a failure as the crawl reports it (`http 404: …` → `http`).
fn failure_class(failure: &str) -> String {
    failure
        .split([' ', ':'])
        .next()
        .unwrap_or("other")
        .to_string()
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}
