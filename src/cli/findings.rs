//! `govwatch findings`: the episodes in the store, filtered.

use std::io::Write;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde_json::json;

use crate::app::App;
use crate::detect::Kind;
use crate::report::csv::{self, LineEnd};
use crate::report::wording;
use crate::report::{self, Cell, Table};
use crate::store::FindingFilter;

#[derive(Debug, clap::Args)]
pub struct FindingsArgs {
    /// Only episodes still open.
    #[arg(long)]
    open: bool,
    /// Only this kind: its code (column_zero_publish) or Chinese name (栏目零发布).
    #[arg(long, value_name = "KIND")]
    kind: Option<String>,
    /// Only this unit (单位), as the catalog names it.
    #[arg(long, value_name = "UNIT")]
    unit: Option<String>,
    /// Only episodes open at some time on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DAY")]
    since: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub async fn run(app: &App, args: FindingsArgs) -> anyhow::Result<u8> {
    let kind = match &args.kind {
        Some(kind) => match kind.parse::<Kind>().ok().or_else(|| {
            Kind::ALL
                .iter()
                .copied()
                .find(|k| k.name_zh() == kind.trim())
        }) {
            Some(k) => Some(k),
            None => {
                let names: Vec<String> = Kind::ALL
                    .iter()
                    .map(|k| format!("{}（{}）", k.name_zh(), k.code()))
                    .collect();
                anyhow::bail!(
                    "unknown finding kind `{kind}`; use one of: {}",
                    names.join(", ")
                );
            }
        },
        None => None,
    };
    let store = app.open_store().await?;
    let records = store
        .findings(&FindingFilter {
            open_only: args.open,
            kind,
            unit: args.unit.clone(),
            since: args.since,
            until: Some(app.clock.today()),
        })
        .await?;
    let today = app.clock.today();
    let status = |f: &crate::store::FindingRecord| match f.resolved_on {
        _ if f.is_dismissed() => report::DISMISSED,
        Some(day) if day <= today && f.is_unwatched() => report::UNWATCHED,
        Some(day) if day <= today => "已整改",
        _ => "未整改",
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let rows: Vec<_> = records
                .iter()
                .map(|f| {
                    json!({
                        "id": f.id,
                        "kind": f.kind,
                        "subject": f.subject_key,
                        "unit": f.unit,
                        "sentence": wording::sentence(f),
                        "opened_on": f.opened_on,
                        "last_confirmed": f.last_confirmed,
                        "resolved_on": f.resolved_on.filter(|d| *d <= today),
                        "rectified": f.rectified_on().is_some_and(|d| d <= today),
                        "resolution": f.resolution
                            .filter(|_| f.resolved_on.is_some_and(|d| d <= today))
                            .map(|r| r.code()),
                        "evidence": f.evidence_json(),
                        "dismissed": f.is_dismissed(),
                        "dismissal": f.dismissal.as_ref().map(|d| json!({
                            "reason": d.reason,
                            "by": d.by,
                            "at": d.at,
                        })),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            // The findings export's columns but its last, 证据.
            let headers = &report::findings::HEADERS[..8];
            let mut table = Table::new("问题", headers.iter().copied());
            for f in &records {
                let (resolved, unwatched) = report::findings::rectified_by(f, today);
                table.push_row(vec![
                    Cell::Int(f.id),
                    Cell::from(f.unit.clone()),
                    f.kind.name_zh().into(),
                    wording::sentence(f).into(),
                    f.opened_on.into(),
                    app.clock.day_of(f.last_confirmed).into(),
                    resolved.into(),
                    report::findings::rectified_cell(
                        f.is_dismissed(),
                        resolved.is_some(),
                        unwatched,
                    )
                    .into(),
                ]);
            }
            out.write_all(&csv::to_bytes_with(&table, LineEnd::Lf))
                .context("writing CSV")?;
        }
        Format::Table => {
            let mut table = super::table::new(&[
                "编号",
                "责任单位",
                "问题类型",
                "问题描述",
                "发现日期",
                "状态",
            ]);
            for f in &records {
                table.add_row([
                    f.id.to_string(),
                    f.unit.clone().unwrap_or_default(),
                    f.kind.name_zh().to_string(),
                    crate::notify::compose::description(f),
                    f.opened_on.to_string(),
                    status(f).to_string(),
                ]);
            }
            writeln!(out, "{table}")?;
            writeln!(out, "共{}条问题", records.len())?;
        }
    }
    Ok(super::EXIT_OK)
}
