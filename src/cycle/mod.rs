//! One cycle: sync the catalog, read what the catalog names (columns, home pages,
//! probes, links, accounts), then detect and record findings. `govwatch check` runs one
//! cycle now; `govwatch serve` splits it into jobs (the sync, [`site`] for each site,
//! account batches, then detect) that its workers lease. A failing site or a bad catalog
//! entry is reported and the rest still runs.

pub mod accounts;
pub mod content;
pub mod crawl;
pub mod detect;
pub mod links;
pub mod mailboxes;
pub mod probe;
pub mod site_crawl;
pub mod timings;

use std::collections::HashSet;

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::Settings;
use crate::fetch::Fetcher;
use crate::store::{Store, StoreError, SyncReport};

/// What every stage of a cycle works with.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub store: &'a Store,
    pub fetcher: &'a Fetcher,
    pub catalog: &'a Catalog,
    pub settings: &'a Settings,
    pub clock: &'a Clock,
}

/// What one cycle did.
#[derive(Debug, Default)]
pub struct CycleReport {
    pub sync: SyncReport,
    pub crawl: crawl::CrawlReport,
    pub probe: probe::ProbeReport,
    pub links: links::LinkReport,
    pub accounts: accounts::AccountsReport,
    pub mailboxes: Vec<mailboxes::MailboxOutcome>,
    pub detect: detect::DetectReport,
    /// Where the time went, stage by stage.
    pub timings: timings::Timings,
}

/// Options of one cycle.
#[derive(Debug, Clone, Default)]
pub struct CycleOptions {
    /// 二次检查: re-examine only what is open now.
    pub recheck: bool,
    pub filter: crawl::CrawlFilter,
}

/// Runs one whole cycle for the clock's day: sync the catalog, crawl, probe the home
/// pages, check links, detect.
pub async fn run(
    env: Env<'_>,
    options: &CycleOptions,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<CycleReport, StoreError> {
    let Env {
        store,
        fetcher,
        catalog,
        settings,
        clock,
    } = env;
    let mut watch = timings::Stopwatch::start(fetcher);
    let sync = store.sync_catalog(catalog, clock.now()).await?;
    let ids = store.catalog_ids().await?;
    let mut filter = options.filter.clone();
    let only: Option<HashSet<String>> = if options.recheck {
        let open: HashSet<String> = store
            .open_finding_keys()
            .await?
            .into_iter()
            .map(|(_, subject)| subject)
            .collect();
        // A quarter finding's subject is KEY#2020Q3: its column is KEY.
        filter.keys = Some(
            open.iter()
                .map(|s| {
                    s.rsplit_once('#')
                        .map_or(s.as_str(), |(k, _)| k)
                        .to_string()
                })
                .collect(),
        );
        Some(open)
    } else {
        None
    };
    watch.lap("sync");
    let crawl = crawl::run(env, &ids, &filter, progress).await?;
    watch.lap("crawl");
    // A re-check, or a crawl of one column, is not a probe or link cycle.
    let whole_sites = filter.column.is_none() && filter.keys.is_none();
    let (probe, links) = if whole_sites {
        progress("probes");
        let probe = probe::run(env, &ids, filter.site.as_deref()).await?;
        watch.lap("probes");
        progress("links");
        let links = links::run(env, &ids, filter.site.as_deref()).await?;
        watch.lap("links");
        (probe, links)
    } else {
        Default::default()
    };
    let accounts = if filter.site.is_none() && filter.column.is_none() {
        accounts::run(env, &ids, filter.keys.as_ref(), progress).await?
    } else {
        accounts::AccountsReport::default()
    };
    watch.lap("accounts");
    let mailboxes = if filter.column.is_none() && filter.keys.is_none() {
        progress("mailboxes");
        mailboxes::run(env, &ids, filter.site.as_deref()).await?
    } else {
        Vec::new()
    };
    watch.lap("mailboxes");
    let detect = detect::run(store, catalog, &ids, settings, clock, only.as_ref()).await?;
    watch.lap("detect");
    Ok(CycleReport {
        sync,
        crawl,
        probe,
        links,
        accounts,
        mailboxes,
        detect,
        timings: watch.finish(),
    })
}

/// What the stages did for one site.
#[derive(Debug, Default)]
pub struct SiteReport {
    pub crawl: crawl::CrawlReport,
    pub probe: probe::ProbeReport,
    pub links: links::LinkReport,
    pub mailboxes: Vec<mailboxes::MailboxOutcome>,
}

/// One site's share of a cycle (a job of `govwatch serve`): crawl its columns and home
/// page, probe it, check its links; the same stage functions `run` calls for all sites.
pub async fn site(
    env: Env<'_>,
    ids: &crate::store::CatalogIds,
    name: &str,
) -> Result<SiteReport, StoreError> {
    let filter = crawl::CrawlFilter {
        site: Some(name.to_string()),
        ..Default::default()
    };
    let crawl = crawl::run(env, ids, &filter, &|_| {}).await?;
    let probe = probe::run(env, ids, Some(name)).await?;
    let links = links::run(env, ids, Some(name)).await?;
    let mailboxes = mailboxes::run(env, ids, Some(name)).await?;
    Ok(SiteReport {
        crawl,
        probe,
        links,
        mailboxes,
    })
}
