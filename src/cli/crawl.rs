//! `govwatch crawl`: reads the catalog's columns and home pages now and prints what it
//! found: items, new items, last update per column, failures.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use super::stage::Stage;
use crate::app::App;
use crate::cycle::crawl::{self, CrawlFilter, CrawlReport};

#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Only this site (its name in the catalog).
    #[arg(long, value_name = "SITE")]
    site: Option<String>,
    /// Only this column (its name, URL or id).
    #[arg(long, value_name = "COLUMN")]
    column: Option<String>,
}

pub async fn run(app: &App, args: CrawlArgs) -> anyhow::Result<u8> {
    let stage = Stage::prepare(app, args.site.as_deref()).await?;
    let catalog = &stage.loaded.catalog;
    let filter = CrawlFilter {
        site: args.site,
        column: args.column,
        keys: None,
    };
    let bar = progress_bar(catalog.columns.len() + catalog.sites.len());
    let report = crawl::run(stage.env(), &stage.ids, &filter, &|what| {
        bar.set_message(what.to_string());
        bar.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    print_report(&report);
    Ok(super::EXIT_OK)
}

pub fn progress_bar(len: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

pub fn print_report(report: &CrawlReport) {
    let mut table =
        super::table::new(&["网站", "栏目", "页数", "条目", "新增", "最新更新", "状态"]);
    for c in &report.columns {
        table.add_row([
            c.site.clone(),
            c.column.clone(),
            c.pages.to_string(),
            c.items_found.to_string(),
            c.new_items.to_string(),
            c.last_update
                .map(|d| d.to_string())
                .unwrap_or_else(|| "-".into()),
            c.status(),
        ]);
    }
    println!("{table}");
    let failed = report
        .columns
        .iter()
        .filter(|c| c.failure.is_some())
        .count();
    let new: usize = report.columns.iter().map(|c| c.new_items).sum();
    let homes_failed = report.homes.iter().filter(|h| h.failure.is_some()).count();
    let homes_read = report.homes.len() - homes_failed;
    println!(
        "共读取栏目{}个，新增信息{new}条，{failed}个读取失败；读取首页{homes_read}个，{homes_failed}个失败",
        report.columns.len(),
    );
    for home in report.homes.iter().filter(|h| h.failure.is_some()) {
        println!(
            "{}首页读取失败：{}",
            home.site,
            home.failure.as_deref().unwrap_or("")
        );
    }
    let unrecognized = report
        .columns
        .iter()
        .filter(|c| c.unrecognized.is_some())
        .count();
    if unrecognized > 0 {
        println!(
            "{unrecognized}个栏目无法识别栏目列表（不计为空白栏目）：用 govwatch extract 栏目地址 --explain 查看原因，再在目录中为该栏目写 [column.select]"
        );
    }
    if report.columns.iter().any(|c| !c.same_items_as.is_empty()) {
        println!(
            "标为“可能误取侧栏”的栏目与本网站另一栏目列出的条目完全相同：用 govwatch extract 栏目地址 --explain 核查；本就汇总其他栏目信息的栏目（如最新信息）在目录中写 aggregate = true"
        );
    }
    if !report.blocked_hosts.is_empty() {
        println!(
            "以下网站启用了反爬虫防护（并非无法访问）：{}。请联系网站管理员放行 govwatch 的地址或 User-Agent。",
            report.blocked_hosts.join(", ")
        );
    }
}
