//! `govwatch report`: the quarterly notice draft (通报) for a period, as HTML, Markdown or
//! Word (.docx), for the office to edit. The counting is done here; the wording stays theirs.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use anyhow::Context as _;
use serde::Deserialize;

use crate::app::App;
use crate::config::SETTINGS_FILE;
use crate::detect::period::Period;
use crate::observe::SourceOutcome;
use crate::report::columns::{Observed, column_rows, unit_rows};
use crate::report::links::link_rows;
use crate::report::notice::{Monitoring, Notice, NoticeInput};
use crate::report::scoring::Scoring;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// 2020Q1 (a quarter, as the notices), or 2020-07 / 2020-W05.
    #[arg(long, value_name = "PERIOD")]
    period: Period,
    #[arg(long, value_enum, default_value_t = Format::Html)]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Html,
    Md,
    Docx,
}

/// `[report.scoring]` in govwatch.toml (seed 004's 基准分 and points per finding code).
#[derive(Debug, Default, Deserialize)]
struct ReportFile {
    #[serde(default)]
    report: ReportSection,
}

#[derive(Debug, Default, Deserialize)]
struct ReportSection {
    scoring: Option<Scoring>,
}

fn scoring(app: &App) -> anyhow::Result<Option<Scoring>> {
    let path = app.config_dir().join(SETTINGS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let file: ReportFile = toml::from_str(&text)
        .with_context(|| format!("{}: [report.scoring] is not valid", path.display()))?;
    Ok(file.report.scoring)
}

/// The days each account's source was read, by account key (up to the run's day).
async fn account_reads(
    app: &App,
    store: &crate::store::Store,
) -> anyhow::Result<HashMap<String, Vec<NaiveDate>>> {
    let ids = store.catalog_ids().await?;
    let key_of: HashMap<i64, &String> = ids.accounts.iter().map(|(k, id)| (*id, k)).collect();
    let checks = store
        .recent_account_checks(usize::MAX, app.clock.now())
        .await?;
    Ok(checks
        .into_iter()
        .filter_map(|(id, list)| {
            let key = key_of.get(&id)?;
            let days = list
                .iter()
                .filter(|c| c.outcome == SourceOutcome::Ok)
                .map(|c| app.clock.day_of(c.at))
                .collect();
            Some(((*key).clone(), days))
        })
        .collect())
}

pub async fn run(app: &App, args: ReportArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let store = app.open_store().await?;
    let today = app.clock.today();
    let dates = super::export::item_dates(app, &store, &loaded).await?;
    let records = super::export::episodes(app, &store).await?;
    let reads = super::export::column_reads(app, &store, &dates).await?;
    let seen = Observed {
        dates: &dates,
        reads: &reads,
    };
    let monitoring = Monitoring::of(
        &reads,
        &account_reads(app, &store).await?,
        args.period,
        today,
    );
    let columns = column_rows(&loaded.catalog, seen, args.period, today);
    let units = unit_rows(&loaded.catalog, seen, args.period, today);
    let links = link_rows(&records, args.period, &app.clock);
    let scoring = scoring(app)?;
    let notice = Notice::build(NoticeInput {
        office_name: &app.settings.general.office_name,
        period: args.period,
        today,
        catalog: &loaded.catalog,
        columns: &columns,
        units: &units,
        links: &links,
        findings: &records,
        accounts: None,
        scoring: scoring.as_ref(),
        monitoring: &monitoring,
    });
    let bytes = match args.format {
        Format::Html => notice.html().into_bytes(),
        Format::Md => notice.markdown().into_bytes(),
        Format::Docx => notice.docx()?,
    };
    super::export::write_out(args.output.as_ref(), &bytes, false)?;
    Ok(super::EXIT_OK)
}
