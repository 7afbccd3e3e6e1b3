//! `govwatch report`: the quarterly notice draft (通报) for a period, as HTML, Markdown or
//! Word (.docx), for the office to edit. The counting is done here; the wording stays theirs.

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::app::App;
use crate::config::working_days_after;
use crate::detect::period::Period;
use crate::observe::SourceOutcome;
use crate::report::columns::{Observed, column_rows, unit_rows};
use crate::report::interaction::Interaction;
use crate::report::links::link_rows;
use crate::report::notice::{Monitoring, Notice, NoticeInput};

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

/// The days each mailbox's list was read, by mailbox key (up to the run's day).
async fn mailbox_reads(
    app: &App,
    store: &crate::store::Store,
) -> anyhow::Result<HashMap<String, Vec<NaiveDate>>> {
    let ids = store.catalog_ids().await?;
    let key_of: HashMap<i64, &String> = ids.mailboxes.iter().map(|(k, id)| (*id, k)).collect();
    let reads = store
        .recent_mailbox_reads(usize::MAX, app.clock.now())
        .await?;
    Ok(reads
        .into_iter()
        .filter_map(|(id, list)| {
            let key = key_of.get(&id)?;
            let days = list
                .iter()
                .filter(|r| r.outcome == crate::observe::CrawlOutcome::Ok)
                .map(|r| app.clock.day_of(r.at))
                .collect();
            Some(((*key).clone(), days))
        })
        .collect())
}

/// 政民互动 for the period: the stored messages, counted as `export messages` counts them.
async fn interaction(
    app: &App,
    store: &crate::store::Store,
    catalog: &crate::catalog::Catalog,
    period: Period,
) -> anyhow::Result<Interaction> {
    let messages = store.messages(app.clock.now()).await?;
    let states = crate::cycle::detect::message_states(catalog, &app.settings, &messages);
    let calendar = crate::cycle::detect::message_calendar(&app.settings);
    let reads = mailbox_reads(app, store).await?;
    Ok(Interaction::gather(
        catalog,
        &states,
        &calendar,
        period,
        app.clock.today(),
        &reads,
        &|day| crate::cycle::crawl::back_to(&app.settings, day),
    ))
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
    let mut monitoring = Monitoring::of(
        &reads,
        &account_reads(app, &store).await?,
        args.period,
        today,
    );
    // A mailbox read in the period is monitoring too.
    let (from, to) = (args.period.start(), args.period.end().min(today));
    for day in mailbox_reads(app, &store)
        .await?
        .into_values()
        .flatten()
        .filter(|d| from <= *d && *d <= to)
    {
        monitoring.span = Some(match monitoring.span {
            Some((a, b)) => (a.min(day), b.max(day)),
            None => (day, day),
        });
    }
    let columns = column_rows(&loaded.catalog, seen, args.period, today);
    let units = unit_rows(&loaded.catalog, seen, args.period, today);
    let links = link_rows(&records, args.period, &app.clock);
    let interaction = interaction(app, &store, &loaded.catalog, args.period).await?;
    let notice = Notice::build(NoticeInput {
        issuer: app.settings.issuer(),
        salutation: &app.settings.report.salutation,
        area: &app.settings.report.area,
        deadline: working_days_after(
            today,
            app.settings.report.rectify_days,
            &app.settings.schedule.holidays,
            &app.settings.schedule.workdays,
        ),
        period: args.period,
        today,
        catalog: &loaded.catalog,
        columns: &columns,
        units: &units,
        links: &links,
        findings: &records,
        accounts: None,
        scoring: app.settings.report.scoring.as_ref(),
        monitoring: &monitoring,
        interaction: &interaction,
    });
    let bytes = match args.format {
        Format::Html => notice.html().into_bytes(),
        Format::Md => notice.markdown().into_bytes(),
        Format::Docx => notice.docx()?,
    };
    super::export::write_out(args.output.as_ref(), &bytes, false)?;
    Ok(super::EXIT_OK)
}
