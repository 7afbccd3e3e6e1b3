//! `govwatch probe`: probes every site's home page now (or one site's), stores the
//! probes like a cycle does and prints a table of the outcomes.

use super::stage::Stage;
use crate::app::App;
use crate::cycle::probe::{self, ProbeReport};

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// Only this site (its name in the catalog).
    #[arg(long, value_name = "SITE")]
    site: Option<String>,
}

pub async fn run(app: &App, args: ProbeArgs) -> anyhow::Result<u8> {
    let stage = Stage::prepare(app, args.site.as_deref()).await?;
    let report = probe::run(stage.env(), &stage.ids, args.site.as_deref()).await?;
    print_report(&report);
    Ok(super::EXIT_OK)
}

pub fn print_report(report: &ProbeReport) {
    let mut table = super::table::new(&["网站", "地址", "结果", "状态码", "耗时(ms)", "说明"]);
    for p in &report.probes {
        table.add_row([
            p.site.clone(),
            p.url.clone(),
            p.outcome.to_string(),
            p.status.map(|s| s.to_string()).unwrap_or_default(),
            p.latency_ms.to_string(),
            p.detail.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
    println!(
        "{} probes, {} failed (blocked ones count neither way)",
        report.probes.len(),
        report.failed()
    );
}
