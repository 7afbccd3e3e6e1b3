//! `govwatch check`: one whole cycle now — crawl columns and home pages, detect, record
//! findings, then tell the group-chat robots (`[[notify.webhook]]`) what changed. Exit 0
//! when the cycle ran, findings or not; 2 only when it could not run.

use chrono::NaiveDate;

use crate::app::App;
use crate::cycle::accounts::AccountsReport;
use crate::cycle::{self, CycleOptions, Env, crawl::CrawlFilter};
use crate::detect::{Kind, more_than_days};
use crate::notify::Webhooks;
use crate::observe::{SourceOutcome, SourceProblem};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// 二次检查: re-examine only what is open now.
    #[arg(long)]
    recheck: bool,
    /// Only this site (its name in the catalog).
    #[arg(long, value_name = "SITE")]
    site: Option<String>,
    /// After the run, print to stderr where the time went: each stage's requests, bytes,
    /// seconds and share of the wall time (also logged at info).
    #[arg(long)]
    timings: bool,
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
    if args.timings {
        eprint!("{}", report.timings.table());
    }
    print_accounts(
        &report.accounts,
        app.clock.today(),
        app.settings.thresholds.account_silent_days,
    );
    let d = &report.detect;
    let unwatched = if d.unwatched > 0 {
        format!("，不再监测{}个", d.unwatched)
    } else {
        String::new()
    };
    println!(
        "{}：新发现问题{}个，仍未整改{}个，已整改{}个{unwatched}",
        app.clock.today(),
        d.opened,
        d.confirmed,
        d.resolved
    );
    let mut kinds: Vec<(&Kind, &usize)> = d.holding.iter().collect();
    kinds.sort();
    for (kind, n) in kinds {
        println!("  {}：{n}", kind.name_zh());
    }
    if !d.holding.is_empty() {
        println!("问题清单：govwatch findings --open");
    }
    let webhooks = Webhooks::new(&app.settings)?;
    if !webhooks.is_empty() {
        let r = webhooks.run(&store, &app.clock).await?;
        println!("群机器人：发送消息{}条，待重试{}条", r.sent(), r.queued());
    }
    Ok(super::EXIT_OK)
}

/// The accounts read on this check, as counts, and a table of only the accounts with a
/// problem (a source that failed, credentials the operator must renew, no post for more
/// than `silent_days`), so a county with hundreds of accounts gets a short answer.
fn print_accounts(report: &AccountsReport, today: NaiveDate, silent_days: i64) {
    if report.accounts.is_empty() {
        return;
    }
    let (mut read, mut failed, mut operator, mut silent) = (0, 0, 0, 0);
    let mut table = super::table::new(&["账号名称", "单位", "状态", "最新更新", "未更新天数"]);
    let mut rows = 0;
    let mut operator_details: Vec<&str> = Vec::new();
    for o in &report.accounts {
        let days = o.last_post.map(|d| (today - d).num_days());
        let state = match o.failure {
            Some(class) if class.needs_operator() => {
                operator += 1;
                if let Some(detail) = o.detail.as_deref()
                    && !operator_details.contains(&detail)
                {
                    operator_details.push(detail);
                }
                match class {
                    SourceOutcome::Source(SourceProblem::ExpiredCredentials) => {
                        "凭证过期(需运维处理)".to_string()
                    }
                    SourceOutcome::Source(SourceProblem::NotConfigured) => {
                        "未配置(需运维处理)".to_string()
                    }
                    _ => format!("读取受限: {class}"),
                }
            }
            Some(class) => {
                failed += 1;
                format!("读取失败: {class}")
            }
            None => {
                read += 1;
                match o.last_post {
                    Some(last) if more_than_days(last, today, silent_days) => {
                        silent += 1;
                        format!("超过{silent_days}天未更新")
                    }
                    None => {
                        silent += 1;
                        "未发现内容".to_string()
                    }
                    Some(_) => continue,
                }
            }
        };
        rows += 1;
        table.add_row([
            o.account.clone(),
            o.unit.clone(),
            state,
            o.last_post.map_or_else(|| "-".into(), |d| d.to_string()),
            days.map_or_else(|| "-".into(), |d| d.to_string()),
        ]);
    }
    if rows > 0 {
        println!("{table}");
    }
    println!(
        "共检查账号{}个：读取{read}个（其中{silent}个超过{silent_days}天未更新），{failed}个读取失败，{operator}个需运维人员处理（凭证、配置或限流）",
        report.accounts.len()
    );
    for detail in operator_details {
        println!("  需运维人员处理：{detail}");
    }
}
