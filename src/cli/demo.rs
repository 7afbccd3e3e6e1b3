//! `govwatch demo`: runs the built-in simulated county (see [`crate::demo`]) and shows
//! the findings govwatch records for it, then the commands to look further.

use std::path::PathBuf;

use clap::Parser;

use crate::demo::{self, DemoDir};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Directory for the demo's config, database and outbox.
    #[arg(long, value_name = "DIR", default_value = "govwatch-demo")]
    dir: PathBuf,
}

/// The `findings` command's flags, parsed as if typed, so the demo prints its table.
#[derive(Parser)]
struct FindingsFlags {
    #[command(flatten)]
    args: super::findings::FindingsArgs,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<u8> {
    let dir = DemoDir::new(&args.dir);
    println!("starting the simulated county of 示例县 on 127.0.0.1 …");
    let run = demo::run(&dir, &|_| {}).await?;
    println!(
        "county at {}; catalog written to {}",
        run.county.base(),
        dir.config().display()
    );
    for (day, report) in &run.cycles {
        let failed = report
            .crawl
            .columns
            .iter()
            .filter(|c| c.failure.is_some())
            .count();
        println!(
            "cycle for {day}: {} column(s) read ({failed} failed), {} new finding(s), {} still open",
            report.crawl.columns.len(),
            report.detect.opened,
            report.detect.confirmed
        );
    }
    println!();
    let flags = FindingsFlags::try_parse_from(["findings", "--open"])?;
    super::findings::run(&run.app, flags.args).await?;
    let config = dir.config();
    let db = dir.database_url();
    println!();
    for delivery in run.email.all() {
        if let Some(path) = &delivery.eml_path {
            println!("weekly email to {}: {}", delivery.recipient, path.display());
        }
    }
    println!("database: {}", dir.database().display());
    println!("try next:");
    println!(
        "  govwatch --config {} --database {db} findings --open",
        config.display()
    );
    let quarter = crate::detect::period::Period::last_completed_quarter(run.app.clock.today());
    println!(
        "  govwatch --config {} --database {db} export columns --period {quarter}",
        config.display()
    );
    println!("  govwatch --config {} catalog show", config.display());
    Ok(super::EXIT_OK)
}
