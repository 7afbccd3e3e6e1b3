//! `govwatch notify`: the weekly email now (the daemon sends it on `[schedule]
//! weekly_email`). Retries what is queued, then sends this ISO week's messages once per
//! address; `--dry-run` only writes the .eml files.

use std::path::PathBuf;

use crate::app::App;
use crate::notify::{Notifier, Outcome};
use crate::report::notice::date_zh;
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

    println!(
        "{}（截至{}）",
        report
            .period
            .parse::<crate::detect::period::Period>()
            .map_or_else(|_| report.period.clone(), |p| p.label_zh()),
        date_zh(report.today)
    );
    if args.dry_run {
        for d in report.all() {
            println!(
                "已写入 {}（{}）",
                d.eml_path
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string()),
                d.subject
            );
        }
        println!(
            "试运行：已写入{}封邮件（未发送，未记录）",
            report.all().count()
        );
        return Ok(super::EXIT_OK);
    }
    match &report.server {
        Some(server) => println!("SMTP服务器 {server}"),
        None => println!(
            "未配置SMTP服务器（[smtp] host）：邮件保存在 {}",
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
    println!("已发送{sent}封");
    for d in report.all().filter(|d| d.outcome == Outcome::Sent) {
        println!("  {} {}: {}", d.period, d.recipient, d.subject);
    }
    println!("待重发{}封", queued.len());
    for d in &queued {
        if let Outcome::Queued(reason) = &d.outcome {
            println!("  {} {}: {reason}", d.period, d.recipient);
        }
    }
    if !queued.is_empty() {
        println!("  待重发的邮件由下一次 `govwatch notify` 重新发送");
    }
    if report.server.is_none() || in_outbox > 0 {
        println!("已写入发件箱{in_outbox}封（未发送）");
        for d in report.all().filter(|d| d.outcome == Outcome::Outbox) {
            println!(
                "  {}",
                d.eml_path
                    .as_ref()
                    .map_or(String::new(), |p| p.display().to_string())
            );
        }
    }
    println!("跳过{already_sent}封（本周已发送）");
    if waiting > 0 {
        println!("跳过{waiting}封（本周已记录，尚未发送：在发件箱或待重发）");
    }
    Ok(super::EXIT_OK)
}
