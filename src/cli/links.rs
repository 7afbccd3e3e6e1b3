//! `govwatch links`: checks the links of home, column and item pages now (or one
//! site's), stores the results like a cycle does and prints the broken links by page.

use super::stage::Stage;
use crate::app::App;
use crate::cycle::links::{self, LinkReport};

#[derive(Debug, clap::Args)]
pub struct LinksArgs {
    /// Only this site (its name in the catalog).
    #[arg(long, value_name = "SITE")]
    site: Option<String>,
}

pub async fn run(app: &App, args: LinksArgs) -> anyhow::Result<u8> {
    let stage = Stage::prepare(app, args.site.as_deref()).await?;
    let report = links::run(stage.env(), &stage.ids, args.site.as_deref()).await?;
    print_report(&report);
    Ok(super::EXIT_OK)
}

pub fn print_report(report: &LinkReport) {
    let mut table = super::table::new(&["网站", "所在页面", "链接文字", "死链地址", "原因"]);
    for b in &report.broken {
        let status = b.status.map(i64::from);
        let reason = crate::report::links::error_zh(&b.outcome.to_string(), status);
        let result = match status {
            Some(status) => format!("{reason}（{status}）"),
            None => reason,
        };
        table.add_row([
            b.site.clone(),
            b.page_url.clone(),
            b.anchor.clone(),
            b.url.clone(),
            result,
        ]);
    }
    if !report.broken.is_empty() {
        println!("{table}");
    }
    let broken = report
        .broken
        .iter()
        .map(|b| &b.url)
        .collect::<std::collections::HashSet<_>>()
        .len();
    println!(
        "{}：读取页面{}个（其中轮检旧文章页面{}个、全站爬取页面{}个，{}个无法读取），检查链接{}个，死链{}个，跳过{}个（内网地址未允许），排除{}个",
        report.cycle,
        report.pages,
        report.rotated,
        report.crawled,
        report.unreadable_pages,
        report.checked,
        broken,
        report.skipped,
        report.excluded
    );
}
