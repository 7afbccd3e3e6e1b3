//! `govwatch notify`: the weekly email now (the daemon sends it on `[schedule]
//! weekly_email`). Retries what is queued, then sends this ISO week's messages once per
//! address; `--dry-run` only writes the .eml files.

use std::path::PathBuf;

use crate::app::App;
use crate::notify::{Notifier, Outcome};
use crate::store::NotificationStatus;

#[derive(Debug, clap::Args)]
pub struct NotifyArgs {
    /// Write the .eml files only (under --outbox, default ./outbox); record and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where .eml files go (default: [notify] outbox, or ./outbox for --dry-run).
    #[arg(long, value_name = "DIR")]
    pub outbox: Option<PathBuf>,
}

pub async fn run(app: &App, args: NotifyArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let outbox = match (&args.outbox, args.dry_run) {
        (Some(dir), _) => dir.clone(),
        (None, true) => PathBuf::from("outbox"),
        (None, false) => app.settings.notify.outbox.clone(),
    };
    let notifier = Notifier::new(&app.settings, &loaded.catalog, &outbox)?;
    if notifier.recipients().is_empty() {
        println!(
            "no recipients: set [notify] office = [\"…\"] in {} (or GOVWATCH_NOTIFY_OFFICE), or contacts on units in the catalog",
            app.config_dir()
                .join(crate::config::SETTINGS_FILE)
                .display()
        );
        return Ok(super::EXIT_OK);
    }
    let store = app.open_store().await?;
    let result = if args.dry_run {
        notifier.dry_run(&store, &app.clock).await
    } else {
        notifier.run(&store, &app.clock).await
    };
    store.close().await;
    let report = result?;

    println!("week {} (as of {})", report.period, report.today);
    if args.dry_run {
        for d in report.all() {
            println!(
                "wrote {} ({})",
                d.eml_path
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string()),
                d.subject
            );
        }
        println!(
            "dry run: {} message(s) written, nothing recorded or sent",
            report.all().count()
        );
        return Ok(super::EXIT_OK);
    }
    match &report.server {
        Some(server) => println!("SMTP server {server}"),
        None => println!(
            "no SMTP server configured ([smtp] host): messages stay in {}",
            outbox.display()
        ),
    }
    let sent = report.count(|o| *o == Outcome::Sent);
    let queued: Vec<_> = report
        .all()
        .filter(|d| matches!(d.outcome, Outcome::Queued(_)))
        .collect();
    let in_outbox = report.count(|o| *o == Outcome::Outbox);
    let already_sent = report.count(|o| *o == Outcome::AlreadyRecorded(NotificationStatus::Sent));
    let waiting = report
        .count(|o| matches!(o, Outcome::AlreadyRecorded(s) if *s != NotificationStatus::Sent));
    println!("sent {sent}");
    for d in report.all().filter(|d| d.outcome == Outcome::Sent) {
        println!("  {} {}: {}", d.period, d.recipient, d.subject);
    }
    println!("queued {}", queued.len());
    for d in &queued {
        if let Outcome::Queued(reason) = &d.outcome {
            println!("  {} {}: {reason}", d.period, d.recipient);
        }
    }
    if !queued.is_empty() {
        println!("  queued messages are retried by the next `govwatch notify`");
    }
    if report.server.is_none() || in_outbox > 0 {
        println!("outbox {in_outbox}");
        for d in report.all().filter(|d| d.outcome == Outcome::Outbox) {
            println!(
                "  {}",
                d.eml_path
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            );
        }
    }
    println!("skipped {already_sent} already sent");
    if waiting > 0 {
        println!(
            "skipped {waiting} already recorded this week and not sent (in the outbox or queued)"
        );
    }
    Ok(super::EXIT_OK)
}
