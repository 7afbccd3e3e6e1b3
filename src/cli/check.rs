//! `govwatch check`: one whole cycle now — crawl columns and home pages, detect, record
//! findings. Exit 0 when the cycle ran, findings or not; 2 only when it could not run.

use crate::app::App;
use crate::cycle::{self, CycleOptions, Env, crawl::CrawlFilter};
use crate::detect::Kind;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// 二次检查: re-examine only what is open now.
    #[arg(long)]
    recheck: bool,
    /// Only this site (its name in the catalog).
    #[arg(long, value_name = "SITE")]
    site: Option<String>,
}

pub async fn run(app: &App, args: CheckArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let catalog = &loaded.catalog;
    let store = app.open_store().await?;
    let fetcher = app.fetcher(catalog)?;
    let bar = super::crawl::progress_bar(catalog.columns.len() + catalog.sites.len());
    let options = CycleOptions {
        recheck: args.recheck,
        filter: CrawlFilter {
            site: args.site,
            ..Default::default()
        },
    };
    let report = cycle::run(
        Env {
            store: &store,
            fetcher: &fetcher,
            catalog,
            settings: &app.settings,
            clock: &app.clock,
        },
        &options,
        &|what| {
            bar.set_message(what.to_string());
            bar.inc(1);
        },
    )
    .await?;
    bar.finish_and_clear();
    super::crawl::print_report(&report.crawl);
    let d = &report.detect;
    println!(
        "{}: {} new finding(s), {} still open, {} rectified",
        app.clock.today(),
        d.opened,
        d.confirmed,
        d.resolved
    );
    let mut kinds: Vec<(&Kind, &usize)> = d.holding.iter().collect();
    kinds.sort();
    for (kind, n) in kinds {
        println!("  {} ({}): {n}", kind.name_zh(), kind.code());
    }
    if !d.holding.is_empty() {
        println!("see `govwatch findings --open` for the list");
    }
    Ok(super::EXIT_OK)
}
