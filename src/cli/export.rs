//! `govwatch export …`: the tables auditors take away, for a period, as JSON (field
//! names are a contract), CSV (UTF-8 with BOM, Chinese headers as in the seeds) or XLSX
//! (frozen header, widths, dates as dates). The rows and tables come from `report`, and
//! so do the writers: this command only reads the store and picks the format.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::Serialize;

use crate::app::App;
use crate::clock::{end_of_day, start_of_day};
use crate::detect::period::Period;
use crate::report::Table;
use crate::report::accounts::{self, account_export};
use crate::report::columns::{self, ColumnReads, Observed, column_rows, reads_by_key, unit_rows};
use crate::report::csv::{self, LineEnd};
use crate::report::findings::{self, finding_rows};
use crate::report::links::{self, link_rows};
use crate::report::xlsx::{self, Layout};
use crate::store::FindingFilter;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Every episode open at any time in the period, with its sentence and evidence.
    Findings(Common),
    /// One row per column: 栏目名称, 保障单位, 应更新条数, 实际更新条数 (seed 000 附件2).
    Columns(Common),
    /// One row per unit and column it is responsible for, with 完成/未完成/零发布 (附件3).
    Units(Common),
    /// The problem-account list (seed 003 附件2): accounts with a finding in the period,
    /// their problems, 是否整改, and the pass rate of the accounts running normally.
    Accounts(Common),
    /// The broken-link list (死链清单): one row per broken link and page it is on, with
    /// its text, the error, and when it was found and fixed.
    Links(Common),
    /// 政民互动: per 承办单位, the messages received in the period (承办数量, 办结数量,
    /// 逾期数量, 按期办结件, 超时办结件, 返工件, 按期办结率; seed 000 附件4, seed 004 附件3/4).
    Messages(MessagesArgs),
    /// 内容安全: every 错敏词 hit and every piece of personal data (masked) on the pages,
    /// one row per hit: 单位, 网站, 页面, 标题, 附件, 类型, 原文, 建议, 类别, 位置, 发现日期,
    /// 是否整改.
    Content(Common),
    /// 外链清单: every domain off the sites that their pages link to in the period, with
    /// the pages linking to it (域名, 链接数, 页面数, 所在网站, 所在页面, 首次发现, 最近发现).
    External(Common),
}

#[derive(Debug, clap::Args)]
struct MessagesArgs {
    #[command(flatten)]
    common: Common,
    /// Only this channel: a mailbox's name (区长信箱) or an imported 渠道 (12345热线).
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// 2020Q3, 2020-07 or 2020-W05.
    #[arg(long, value_name = "PERIOD")]
    period: Period,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
    Csv,
    Xlsx,
}

/// Each item's publish date per column key, from the store.
pub(super) async fn item_dates(
    app: &App,
    store: &crate::store::Store,
    loaded: &crate::catalog::Loaded,
) -> anyhow::Result<HashMap<String, Vec<NaiveDate>>> {
    store.sync_catalog(&loaded.catalog, app.clock.now()).await?;
    let ids = store.catalog_ids().await?;
    let by_id = store.item_dates().await?;
    let key_of: HashMap<i64, &String> = ids.columns.iter().map(|(k, id)| (*id, k)).collect();
    Ok(by_id
        .into_iter()
        .filter_map(|(id, d)| key_of.get(&id).map(|k| ((*k).clone(), d)))
        .collect())
}

/// What the store knows of each column's reads, per column key (see [`reads_by_key`]).
pub(super) async fn column_reads(
    app: &App,
    store: &crate::store::Store,
    dates: &HashMap<String, Vec<NaiveDate>>,
) -> anyhow::Result<HashMap<String, ColumnReads>> {
    let ids = store.catalog_ids().await?;
    let crawls = store
        .recent_column_crawls(usize::MAX, app.clock.now())
        .await?;
    Ok(reads_by_key(
        &ids.columns,
        &crawls,
        dates,
        |t| app.clock.day_of(t),
        app.settings.crawl.max_pages,
        |day| crate::cycle::crawl::back_to(&app.settings, day),
    ))
}

/// Episodes up to the run's day (a replay with `--now` sees nothing later).
pub(super) async fn episodes(
    app: &App,
    store: &crate::store::Store,
) -> anyhow::Result<Vec<crate::store::FindingRecord>> {
    Ok(store
        .findings(&FindingFilter {
            until: Some(app.clock.today()),
            ..FindingFilter::default()
        })
        .await?)
}

pub async fn run(app: &App, args: ExportArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let store = app.open_store().await?;
    let today = app.clock.today();
    let (common, bytes) = match args.what {
        What::Messages(a) => {
            let c = a.common;
            let messages = store.messages(app.clock.now()).await?;
            let states: Vec<_> =
                crate::cycle::detect::message_states(&loaded.catalog, &app.settings, &messages)
                    .into_iter()
                    .filter(|s| {
                        a.channel
                            .as_deref()
                            .is_none_or(|ch| s.channel_name == ch || s.message.channel == ch)
                    })
                    .collect();
            let calendar = crate::cycle::detect::message_calendar(&app.settings);
            let order: Vec<String> = loaded
                .catalog
                .units
                .iter()
                .map(|u| u.name.clone())
                .collect();
            let export = crate::report::messages::message_export(
                &states, &calendar, c.period, today, &order,
            );
            let title = format!("{}网民留言办理情况统计表", c.period.label_zh());
            let bytes = rows_bytes(c.format, &export, || {
                crate::report::messages::table(&title, &export)
            })?;
            (c, bytes)
        }
        What::Findings(c) => {
            let records = episodes(app, &store).await?;
            let rows = finding_rows(&records, c.period, &app.clock);
            let title = format!("{}问题清单", c.period.label_zh());
            let bytes = rows_bytes(c.format, &rows, || findings::table(&title, &rows))?;
            (c, bytes)
        }
        What::Content(c) => {
            let records = episodes(app, &store).await?;
            let export = crate::report::content::content_export(&records, c.period, today);
            let title = format!("{}内容安全问题清单", c.period.label_zh());
            let bytes = rows_bytes(c.format, &export, || {
                crate::report::content::table(&title, &export)
            })?;
            (c, bytes)
        }
        What::External(c) => {
            store.sync_catalog(&loaded.catalog, app.clock.now()).await?;
            let ids = store.catalog_ids().await?;
            let key_of: HashMap<i64, &String> = ids.sites.iter().map(|(k, id)| (*id, k)).collect();
            let since = start_of_day(c.period.start(), app.clock.tz());
            let rows = store.link_sources_since(since).await?;
            let sources: Vec<crate::report::external::SourceSeen> = rows
                .iter()
                .map(|s| crate::report::external::SourceSeen {
                    link_url: &s.link_url,
                    page_url: &s.page_url,
                    site_key: s.site_id.and_then(|id| key_of.get(&id)).map(|k| k.as_str()),
                    anchor: s.anchor.as_deref(),
                    first_seen: app.clock.day_of(s.first_seen),
                    last_seen: app.clock.day_of(s.last_seen),
                })
                .collect();
            let export =
                crate::report::external::external_export(&loaded.catalog, &sources, c.period);
            let title = format!("{}外链清单", c.period.label_zh());
            let bytes = rows_bytes(c.format, &export, || {
                crate::report::external::table(&title, &export)
            })?;
            (c, bytes)
        }
        What::Links(c) => {
            let records = episodes(app, &store).await?;
            let rows = link_rows(&records, c.period, &app.clock);
            let title = format!("{}死链清单", c.period.label_zh());
            let bytes = rows_bytes(c.format, &rows, || links::table(&title, &rows))?;
            (c, bytes)
        }
        What::Columns(c) => {
            let dates = item_dates(app, &store, &loaded).await?;
            let reads = column_reads(app, &store, &dates).await?;
            let seen = Observed {
                dates: &dates,
                reads: &reads,
            };
            let rows = column_rows(&loaded.catalog, seen, c.period, today);
            let title = format!("{}栏目更新情况", c.period.label_zh());
            let table = || columns::column_table(&title, c.period, &rows);
            let bytes = rows_bytes(c.format, &rows, table)?;
            (c, bytes)
        }
        What::Units(c) => {
            let dates = item_dates(app, &store, &loaded).await?;
            let reads = column_reads(app, &store, &dates).await?;
            let seen = Observed {
                dates: &dates,
                reads: &reads,
            };
            let rows = unit_rows(&loaded.catalog, seen, c.period, today);
            let title = format!("{}单位栏目更新情况", c.period.label_zh());
            let table = || columns::unit_table(&title, columns::UNIT_HEADERS, c.period, &rows);
            let bytes = rows_bytes(c.format, &rows, table)?;
            (c, bytes)
        }
        What::Accounts(c) => {
            let findings = store.findings(&FindingFilter::default()).await?;
            let tz = app.clock.tz();
            let read = store
                .accounts_read_between(
                    start_of_day(c.period.start(), tz),
                    end_of_day(c.period.end(), tz).min(app.clock.now()),
                )
                .await?;
            let export = account_export(&loaded.catalog, &findings, c.period, today, &read);
            let bytes = match c.format {
                Format::Json => serde_json::to_vec_pretty(&export)?,
                // Problems on one line in CSV, a line each in the sheet.
                Format::Csv => csv::to_bytes_with(&export.table(" "), LineEnd::Lf),
                Format::Xlsx => {
                    xlsx::to_bytes_with(&[export.table("\n")], Layout::Fixed(&accounts::WIDTHS))?
                }
            };
            (c, bytes)
        }
    };
    write_out(
        common.output.as_ref(),
        &bytes,
        matches!(common.format, Format::Json),
    )?;
    Ok(super::EXIT_OK)
}

/// Writes to `output`, or to standard output (with a final newline for text).
pub(super) fn write_out(
    output: Option<&PathBuf>,
    bytes: &[u8],
    newline: bool,
) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            if newline {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}

/// An export's bytes: JSON from its rows, CSV or XLSX from their table.
fn rows_bytes(
    format: Format,
    rows: &impl Serialize,
    table: impl FnOnce() -> Table,
) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(rows)?,
        Format::Csv => csv::to_bytes(&table()),
        Format::Xlsx => xlsx::to_bytes(&[table()])?,
    })
}
