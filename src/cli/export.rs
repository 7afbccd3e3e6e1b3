//! `govwatch export …`: the tables auditors take away, for a period, as JSON (field
//! names are a contract), CSV (UTF-8 with BOM, Chinese headers as in the seeds) or XLSX
//! (frozen header, widths, dates as dates).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::NaiveDate;

use crate::app::App;
use crate::detect::period::Period;
use crate::report::accounts::{self, AccountsExport, account_export, pass_rate_zh};
use crate::report::columns::{ColumnRow, UnitRow, column_rows, published_zh, quota_zh, unit_rows};
use crate::report::findings::finding_rows;
use crate::report::links::link_rows;
use crate::report::{Cell, Table, csv, findings, links, xlsx};
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
        What::Findings(c) => {
            let records = episodes(app, &store).await?;
            let rows = finding_rows(&records, c.period, &app.clock);
            let bytes = match c.format {
                Format::Json => serde_json::to_vec_pretty(&rows)?,
                f => table_bytes(
                    f,
                    findings::table(&format!("{}问题清单", c.period.label_zh()), &rows),
                )?,
            };
            (c, bytes)
        }
        What::Links(c) => {
            let records = episodes(app, &store).await?;
            let rows = link_rows(&records, c.period, &app.clock);
            let bytes = match c.format {
                Format::Json => serde_json::to_vec_pretty(&rows)?,
                f => table_bytes(
                    f,
                    links::table(&format!("{}死链清单", c.period.label_zh()), &rows),
                )?,
            };
            (c, bytes)
        }
        What::Columns(c) => {
            let dates = item_dates(app, &store, &loaded).await?;
            let rows = column_rows(&loaded.catalog, &dates, c.period, today);
            let bytes = match c.format {
                Format::Json => serde_json::to_vec_pretty(&rows)?,
                f => table_bytes(f, column_table(c.period, &rows))?,
            };
            (c, bytes)
        }
        What::Units(c) => {
            let dates = item_dates(app, &store, &loaded).await?;
            let rows = unit_rows(&loaded.catalog, &dates, c.period, today);
            let bytes = match c.format {
                Format::Json => serde_json::to_vec_pretty(&rows)?,
                f => table_bytes(f, unit_table(c.period, &rows))?,
            };
            (c, bytes)
        }
        What::Accounts(c) => {
            let findings = store.findings(&FindingFilter::default()).await?;
            let export = account_export(&loaded.catalog, &findings, c.period, today);
            let bytes = match c.format {
                Format::Json => serde_json::to_vec_pretty(&export)?,
                Format::Csv => csv_bytes(
                    &accounts::HEADERS,
                    export.accounts.iter().map(|r| r.cells(" ").to_vec()),
                )?,
                Format::Xlsx => accounts_xlsx(&export)?,
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

fn table_bytes(format: Format, table: Table) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Csv => csv::to_bytes(&table),
        Format::Xlsx => xlsx::to_bytes(&[table])?,
        Format::Json => unreachable!("JSON is written from the rows"),
    })
}

fn column_table(period: Period, rows: &[ColumnRow]) -> Table {
    let mut t = Table::new(
        format!("{}栏目更新情况", period.label_zh()),
        [
            "网站",
            "栏目名称",
            "保障单位",
            "应更新条数",
            "实际更新条数",
            "最新更新日期",
        ],
    );
    for r in rows {
        t.push_row(vec![
            r.site.as_str().into(),
            r.column.as_str().into(),
            r.units.join("、").into(),
            quota_zh(r.quota).into(),
            published_zh(r.quota, r.published).into(),
            Cell::from(r.last_update),
        ]);
    }
    t
}

fn unit_table(period: Period, rows: &[UnitRow]) -> Table {
    let mut t = Table::new(
        format!("{}单位栏目更新情况", period.label_zh()),
        ["单位", "栏目名称", "应公开数", "实公开数", "完成情况"],
    );
    for r in rows {
        t.push_row(vec![
            r.unit.as_str().into(),
            r.column.as_str().into(),
            quota_zh(r.quota).into(),
            published_zh(r.quota, r.published).into(),
            r.status.zh().into(),
        ]);
    }
    t
}

/// CSV with a UTF-8 BOM so Excel and WPS read the Chinese headers.
fn csv_bytes(headers: &[&str], rows: impl Iterator<Item = Vec<String>>) -> anyhow::Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(headers)?;
    for row in rows {
        w.write_record(row)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The problem-account list as a workbook: the seed's headers (frozen), one row per
/// account with its problems on separate lines, and the pass rate under the table.
fn accounts_xlsx(export: &AccountsExport) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{Format as Cell, FormatAlign, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(format!("{}突出问题政务新媒体", export.period))?;
    let head = Cell::new().set_bold().set_align(FormatAlign::Center);
    let wrap = Cell::new()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    for (col, (name, width)) in accounts::HEADERS
        .iter()
        .zip([10.0, 24.0, 20.0, 10.0, 60.0, 10.0])
        .enumerate()
    {
        let col = col as u16;
        sheet.write_string_with_format(0, col, *name, &head)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut row = 1u32;
    for r in &export.accounts {
        for (col, text) in r.cells("\n").iter().enumerate() {
            sheet.write_string_with_format(row, col as u16, text, &wrap)?;
        }
        row += 1;
    }
    sheet.write_string(row + 1, 0, pass_rate_zh(export.pass_rate))?;
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use calamine::{Reader, Xlsx};

    use super::*;
    use crate::report::accounts::AccountRow;

    #[test]
    fn the_accounts_workbook_has_the_seed_headers_rows_and_the_pass_rate() {
        let export = AccountsExport {
            period: "2020Q1".into(),
            watched: 41,
            passed: 29,
            pass_rate: 0.707,
            accounts: vec![AccountRow {
                platform: "weibo".into(),
                category: "政务微博".into(),
                account: "苍溪县高坡镇".into(),
                unit: "高坡镇人民政府".into(),
                level: Some("乡镇".into()),
                problems: vec!["a".into(), "b".into()],
                rectified: true,
            }],
        };
        let bytes = accounts_xlsx(&export).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let cell = |r: u32, c: u32| {
            sheet
                .get_value((r, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        let headers: Vec<String> = (0..6).map(|c| cell(0, c)).collect();
        assert_eq!(headers, accounts::HEADERS);
        assert_eq!(cell(1, 1), "苍溪县高坡镇");
        assert_eq!(cell(1, 4), "a\nb");
        assert_eq!(cell(1, 5), "是");
        assert_eq!(cell(3, 0), "总体合格率为70.7%");
        let csv = csv_bytes(
            &accounts::HEADERS,
            export.accounts.iter().map(|r| r.cells(" ").to_vec()),
        )
        .unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with("\u{feff}类别,政务新媒体名称,主办单位,级别,突出问题,是否整改\n"));
        assert!(text.contains("政务微博,苍溪县高坡镇,高坡镇人民政府,乡镇,a b,是"));
    }
}
