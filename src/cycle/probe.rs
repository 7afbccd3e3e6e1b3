//! The probe stage: one availability probe of every site's home page (a GET, no
//! retries: a probe is a measurement), each stored with the run's time, its outcome
//! (`ok`, `blocked` or the failure class), status and latency. The site-unreachable rule
//! reads the share of failed probes over `[probe] window_days`; a blocked probe counts
//! neither as failed nor as passed.
//!
//! The time stored is the run's clock (`--now`), so a replayed day stores its probe on
//! that day and a rerun of the same instant stores nothing new (the probe is keyed by site
//! and time). `govwatch serve` runs this stage every `[probe] interval_min`.

use std::time::Duration;

use futures::StreamExt;

use crate::catalog::Site;
use crate::fetch::{Purpose, Request};
use crate::observe::{ProbeRecord, ReadOutcome};
use crate::store::{CatalogIds, StoreError};

/// How many sites are probed at once (the fetcher still limits each host).
const PARALLEL_SITES: usize = 64;

/// How one probe ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeOutcome {
    pub site: String,
    pub url: String,
    /// `ok`, `blocked` or another failure class.
    pub outcome: ReadOutcome,
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ProbeReport {
    pub probes: Vec<ProbeOutcome>,
}

impl ProbeReport {
    pub fn failed(&self) -> usize {
        self.probes.iter().filter(|p| p.outcome.is_failed()).count()
    }
}

/// Probes the home page of every site (or only `site`) once and stores each probe.
pub async fn run(
    env: super::Env<'_>,
    ids: &CatalogIds,
    site: Option<&str>,
) -> Result<ProbeReport, StoreError> {
    let sites: Vec<(&Site, i64)> = env
        .catalog
        .sites
        .iter()
        .filter(|s| site.is_none_or(|want| want == s.name))
        .filter_map(|s| ids.sites.get(&s.key()).map(|id| (s, *id)))
        .collect();
    let mut probes = futures::stream::iter(sites)
        .map(|(s, id)| probe_site(env, s, id))
        .buffer_unordered(PARALLEL_SITES);
    let mut report = ProbeReport::default();
    while let Some(outcome) = probes.next().await {
        report.probes.push(outcome?);
    }
    report.probes.sort_by(|a, b| a.site.cmp(&b.site));
    Ok(report)
}

async fn probe_site(
    env: super::Env<'_>,
    site: &Site,
    site_id: i64,
) -> Result<ProbeOutcome, StoreError> {
    let timeout = Duration::from_secs(env.settings.probe.timeout_s.max(1));
    let result = env
        .fetcher
        .fetch(
            Request::get(site.url.clone(), Purpose::Probe)
                .subject(site.key())
                .no_retry()
                .timeout(timeout),
        )
        .await;
    for attempt in &result.attempts {
        env.store.record_fetch_attempt(&attempt.into()).await?;
    }
    let latency_ms = result
        .attempts
        .last()
        .map_or(0, |a| a.duration.as_millis() as i64);
    let (outcome, status, detail) = match &result.outcome {
        Ok(page) => (ReadOutcome::Ok, Some(page.status), None),
        Err(f) => (
            ReadOutcome::Failed(f.class),
            f.status,
            Some(f.detail.clone()),
        ),
    };
    env.store
        .record_probe(&ProbeRecord {
            site_id,
            at: env.clock.now(),
            outcome,
            status: status.map(i64::from),
            latency_ms: Some(latency_ms),
            detail: detail.clone(),
        })
        .await?;
    Ok(ProbeOutcome {
        site: site.name.clone(),
        url: site.url.to_string(),
        outcome,
        status,
        latency_ms,
        detail,
    })
}
