//! What a run of a scheduled job is made of, and how a worker does one of its jobs.
//!
//! - `cycle` (`[schedule] crawl`): `sync` (the catalog into the store; stage 0), one
//!   `site` job per site (its columns, home page, probe and links; stage 1), one
//!   `accounts` job per batch of [`ACCOUNT_BATCH`] accounts (stage 1), then `detect`
//!   (stage 2), which starts once every other job of the run is done; with
//!   `[[notify.webhook]]` robots, `webhooks` (stage 3) tells them what the run changed.
//! - `probe` (every `[probe] interval_min`): one `probe` job, every site's home page.
//! - `weekly_email` (`[schedule] weekly_email`): one `notify` job, what `govwatch notify`
//!   does.
//!
//! Every job of a run reads the clock of its run (the instant the run was created), so
//! a job redone by another worker after a crash writes the rows the first attempt
//! wrote, keyed the same (items by URL, reads and probes by subject and instant), and
//! the store's upserts keep one of each.

use std::collections::HashSet;

use crate::catalog::{Catalog, SourceKind};
use crate::clock::Clock;
use crate::cycle::{self, Env};
use crate::notify::{Notifier, Webhooks};
use crate::store::{Lease, NewWork, StoreError};

use super::Daemon;

/// Accounts per `accounts` job.
pub const ACCOUNT_BATCH: usize = 50;

/// The jobs of one run of `job`, from the catalog in use; `webhooks`: robots are
/// configured (`[[notify.webhook]]`).
pub fn lay_out(job: &str, catalog: &Catalog, webhooks: bool) -> Vec<NewWork> {
    let one = |kind: &str, subject: &str, stage: i32| NewWork {
        kind: kind.into(),
        subject: subject.into(),
        stage,
        payload: None,
    };
    match job {
        "cycle" => {
            let mut work = vec![one("sync", "", 0)];
            work.extend(catalog.sites.iter().map(|s| one("site", &s.name, 1)));
            let mut keys: Vec<String> = catalog
                .accounts
                .iter()
                .filter(|a| a.source.kind != SourceKind::Manual)
                .map(|a| a.key())
                .collect();
            keys.sort();
            for (i, batch) in keys.chunks(ACCOUNT_BATCH).enumerate() {
                work.push(NewWork {
                    payload: Some(serde_json::to_string(batch).unwrap_or_default()),
                    ..one("accounts", &i.to_string(), 1)
                });
            }
            work.push(one("detect", "", 2));
            if webhooks {
                work.push(one("webhooks", "", 3));
            }
            work
        }
        "probe" => vec![one("probe", "", 0)],
        "weekly_email" => vec![one("notify", "", 0)],
        _ => Vec::new(),
    }
}

/// How a job ended: `ok` or `skipped`, with a line saying what it did.
pub struct Done {
    pub outcome: &'static str,
    pub detail: String,
}

fn ok(detail: String) -> Result<Done, String> {
    Ok(Done {
        outcome: "ok",
        detail,
    })
}

fn skipped(detail: String) -> Result<Done, String> {
    Ok(Done {
        outcome: "skipped",
        detail,
    })
}

fn store_error(e: StoreError) -> String {
    e.to_string()
}

/// Does one leased job with the catalog in use; `Err` is the job's failure.
pub(crate) async fn perform(daemon: &Daemon, lease: &Lease) -> Result<Done, String> {
    let watched = daemon
        .watched
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let store = &daemon.store;
    let catalog = &watched.catalog;
    let settings = &daemon.app.settings;
    let clock = Clock::new(lease.run_at, daemon.app.clock.tz());
    let env = Env {
        store,
        fetcher: &watched.fetcher,
        catalog,
        settings,
        clock: &clock,
    };
    match lease.kind.as_str() {
        "sync" => {
            let r = store
                .sync_catalog(catalog, clock.now())
                .await
                .map_err(store_error)?;
            ok(format!(
                "{} added, {} changed, {} removed, {} restored",
                r.added.len(),
                r.changed.len(),
                r.removed.len(),
                r.restored.len()
            ))
        }
        "site" => {
            if catalog.site(&lease.subject).is_none() {
                return skipped("no such site in the catalog in use".into());
            }
            let ids = store.catalog_ids().await.map_err(store_error)?;
            let r = cycle::site(env, &ids, &lease.subject)
                .await
                .map_err(store_error)?;
            daemon.metrics.crawl_done(&r.crawl);
            ok(format!(
                "{} column(s), {} failed; probe {}; {} broken link(s)",
                r.crawl.columns.len(),
                r.crawl
                    .columns
                    .iter()
                    .filter(|c| c.failure.is_some())
                    .count(),
                r.probe
                    .probes
                    .first()
                    .map_or("none", |p| p.outcome.as_str()),
                r.links.broken.len()
            ))
        }
        "accounts" => {
            let keys: HashSet<String> = lease
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_str::<Vec<String>>(p).ok())
                .unwrap_or_default()
                .into_iter()
                .collect();
            let ids = store.catalog_ids().await.map_err(store_error)?;
            let r = cycle::accounts::run(env, &ids, Some(&keys), &|_| {})
                .await
                .map_err(store_error)?;
            ok(format!(
                "{} account(s), {} unread",
                r.accounts.len(),
                r.accounts.iter().filter(|a| a.failure.is_some()).count()
            ))
        }
        "detect" => {
            let ids = store.catalog_ids().await.map_err(store_error)?;
            let r = cycle::detect::run(store, catalog, &ids, settings, &clock, None)
                .await
                .map_err(store_error)?;
            daemon.refresh_open_findings().await;
            ok(format!(
                "{} opened, {} still open, {} rectified",
                r.opened, r.confirmed, r.resolved
            ))
        }
        "probe" => {
            let mut ids = store.catalog_ids().await.map_err(store_error)?;
            if catalog
                .sites
                .iter()
                .any(|s| !ids.sites.contains_key(&s.key()))
            {
                // Sites no cycle has recorded yet (a first start, a new site).
                store
                    .sync_catalog(catalog, clock.now())
                    .await
                    .map_err(store_error)?;
                ids = store.catalog_ids().await.map_err(store_error)?;
            }
            let r = cycle::probe::run(env, &ids, None)
                .await
                .map_err(store_error)?;
            ok(format!(
                "{} site(s) probed, {} failed",
                r.probes.len(),
                r.failed()
            ))
        }
        "notify" => {
            let notifier = Notifier::new(settings, catalog, &settings.notify.outbox)
                .map_err(|e| e.to_string())?;
            if notifier.recipients().is_empty() {
                return skipped("no recipients ([notify] office, or contacts on units)".into());
            }
            let r = notifier
                .run(store, &clock)
                .await
                .map_err(|e| e.to_string())?;
            ok(format!(
                "week {}: {} message(s) handled",
                r.period,
                r.all().count()
            ))
        }
        "webhooks" => {
            let webhooks = Webhooks::new(settings).map_err(|e| e.to_string())?;
            if webhooks.is_empty() {
                return skipped("no robots ([[notify.webhook]])".into());
            }
            let r = webhooks
                .run(store, &clock)
                .await
                .map_err(|e| e.to_string())?;
            ok(format!(
                "{} message(s) sent, {} queued",
                r.sent(),
                r.queued()
            ))
        }
        other => skipped(format!(
            "unknown job kind `{other}` (a newer govwatch laid it out)"
        )),
    }
}
