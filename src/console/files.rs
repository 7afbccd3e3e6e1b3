//! The period's files: every export (`govwatch export …`) and the 通报 draft (`govwatch
//! report`), read from the store and written by `report`'s writers. The commands and the
//! console's 报表 call the same functions here, so a download is the file the command
//! writes for the same period and day.
//!
//! This is the one place that gathers what the files need from the store (item dates,
//! column and account reads, episodes, messages, link sources); the rows, tables and
//! writers stay pure in `report`. It lives beside the console rather than in `report`
//! because it reads the messages the way a cycle does (`cycle::detect`), and `cycle`
//! already words its findings with `report`.
//!
//! A unit's files (`unit: Some(..)`) hold that unit's rows only: the inputs are cut to
//! the unit before any row is built, so totals and pass rates are the unit's own.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::App;
use crate::catalog::Catalog;
use crate::clock::{Clock, end_of_day, start_of_day};
use crate::config::{Settings, working_days_after};
use crate::detect::period::Period;
use crate::observe::{CrawlOutcome, SourceOutcome};
use crate::report::accounts::{self, account_export};
use crate::report::columns::{self, ColumnReads, Observed, column_rows, reads_by_key, unit_rows};
use crate::report::csv::{self, LineEnd};
use crate::report::findings::{self, finding_rows};
use crate::report::interaction::Interaction;
use crate::report::links::{self, link_rows};
use crate::report::notice::{Monitoring, Notice, NoticeInput};
use crate::report::xlsx::{self, Layout};
use crate::report::{ReportError, Table};
use crate::store::{CatalogIds, FindingFilter, FindingRecord, Store, StoreError};

/// A file that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The exports, as `govwatch export` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Findings,
    Columns,
    Units,
    Accounts,
    Links,
    Messages,
    Content,
    External,
}

impl Export {
    pub const ALL: [Export; 8] = [
        Export::Findings,
        Export::Columns,
        Export::Units,
        Export::Accounts,
        Export::Links,
        Export::Messages,
        Export::Content,
        Export::External,
    ];

    /// The subcommand's name: `findings`, `columns` …
    pub fn code(self) -> &'static str {
        match self {
            Export::Findings => "findings",
            Export::Columns => "columns",
            Export::Units => "units",
            Export::Accounts => "accounts",
            Export::Links => "links",
            Export::Messages => "messages",
            Export::Content => "content",
            Export::External => "external",
        }
    }

    pub fn from_code(code: &str) -> Option<Export> {
        Export::ALL.into_iter().find(|e| e.code() == code)
    }

    /// What the file is, after the period's label: 问题清单 in `2020年三季度问题清单`.
    pub fn name_zh(self) -> &'static str {
        match self {
            Export::Findings => "问题清单",
            Export::Columns => "栏目更新情况",
            Export::Units => "单位栏目更新情况",
            Export::Accounts => "突出问题政务新媒体",
            Export::Links => "死链清单",
            Export::Messages => "网民留言办理情况统计表",
            Export::Content => "内容安全问题清单",
            Export::External => "外链清单",
        }
    }

    /// The file's title for `period` (its table's title, and the console's file name).
    pub fn title(self, period: Period) -> String {
        format!("{}{}", period.label_zh(), self.name_zh())
    }
}

/// The formats of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Xlsx, Format::Csv, Format::Json];

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }
}

/// What an export holds beyond its period.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cut<'a> {
    /// Only this unit's rows (a unit user's download); every unit when `None`.
    pub unit: Option<&'a str>,
    /// `export messages --channel`: only this channel (a mailbox's name or a 渠道).
    pub channel: Option<&'a str>,
}

/// Whether a `、`-joined unit field names `unit`.
fn names(field: Option<&str>, unit: &str) -> bool {
    field.is_some_and(|f| f.split('、').any(|u| u == unit))
}

/// Each item's publish date per column key, from the store (after syncing `catalog`
/// into it, as every command does).
pub async fn item_dates(
    app: &App,
    store: &Store,
    catalog: &Catalog,
) -> Result<HashMap<String, Vec<NaiveDate>>, FilesError> {
    store.sync_catalog(catalog, app.clock.now()).await?;
    let ids = store.catalog_ids().await?;
    Ok(stored_item_dates(store, &ids).await?)
}

/// Each item's publish date per column key, as stored (no sync: the console's pages
/// write nothing).
pub async fn stored_item_dates(
    store: &Store,
    ids: &CatalogIds,
) -> Result<HashMap<String, Vec<NaiveDate>>, StoreError> {
    Ok(by_column_key(ids, store.item_dates().await?))
}

/// Values the store gives by column id, by the catalog's column key (columns the catalog
/// no longer has left out).
pub fn by_column_key<T>(ids: &CatalogIds, by_id: HashMap<i64, T>) -> HashMap<String, T> {
    let key_of: HashMap<i64, &String> = ids.columns.iter().map(|(k, id)| (*id, k)).collect();
    by_id
        .into_iter()
        .filter_map(|(id, v)| key_of.get(&id).map(|k| ((*k).clone(), v)))
        .collect()
}

/// What the store knows of each column's reads up to `clock`'s now, per column key (see
/// [`reads_by_key`]).
pub async fn column_reads(
    store: &Store,
    settings: &Settings,
    clock: &Clock,
    dates: &HashMap<String, Vec<NaiveDate>>,
) -> Result<HashMap<String, ColumnReads>, StoreError> {
    let ids = store.catalog_ids().await?;
    let crawls = store.recent_column_crawls(usize::MAX, clock.now()).await?;
    Ok(reads_by_key(
        &ids.columns,
        &crawls,
        dates,
        |t| clock.day_of(t),
        settings.crawl.max_pages,
        |day| crate::cycle::crawl::back_to(settings, day),
    ))
}

/// Episodes up to the run's day (a replay with `--now` sees nothing later).
pub async fn episodes(app: &App, store: &Store) -> Result<Vec<FindingRecord>, FilesError> {
    Ok(store
        .findings(&FindingFilter {
            until: Some(app.clock.today()),
            ..FindingFilter::default()
        })
        .await?)
}

/// The episodes that name `unit` (all when `None`).
fn episodes_of(mut records: Vec<FindingRecord>, unit: Option<&str>) -> Vec<FindingRecord> {
    if let Some(u) = unit {
        records.retain(|f| names(f.unit.as_deref(), u));
    }
    records
}

/// The export `what` for `period` as `format`, as of the app's clock.
pub async fn export(
    app: &App,
    store: &Store,
    catalog: &Catalog,
    what: Export,
    period: Period,
    format: Format,
    cut: Cut<'_>,
) -> Result<Vec<u8>, FilesError> {
    let today = app.clock.today();
    let title = what.title(period);
    let unit = cut.unit;
    Ok(match what {
        Export::Messages => {
            let messages = store.messages(app.clock.now()).await?;
            let states: Vec<_> =
                crate::cycle::detect::message_states(catalog, &app.settings, &messages)
                    .into_iter()
                    .filter(|s| {
                        cut.channel
                            .is_none_or(|ch| s.channel_name == ch || s.message.channel == ch)
                    })
                    .filter(|s| unit.is_none_or(|u| s.message.unit.as_deref() == Some(u)))
                    .collect();
            let calendar = crate::cycle::detect::message_calendar(&app.settings);
            let order: Vec<String> = catalog.units.iter().map(|u| u.name.clone()).collect();
            let export =
                crate::report::messages::message_export(&states, &calendar, period, today, &order);
            rows_bytes(format, &export, || {
                crate::report::messages::table(&title, &export)
            })?
        }
        Export::Findings => {
            let records = episodes_of(episodes(app, store).await?, unit);
            let rows = finding_rows(&records, period, &app.clock);
            rows_bytes(format, &rows, || findings::table(&title, &rows))?
        }
        Export::Content => {
            let records = episodes_of(episodes(app, store).await?, unit);
            let export = crate::report::content::content_export(&records, period, today);
            rows_bytes(format, &export, || {
                crate::report::content::table(&title, &export)
            })?
        }
        Export::External => {
            store.sync_catalog(catalog, app.clock.now()).await?;
            let ids = store.catalog_ids().await?;
            let key_of: HashMap<i64, &String> = ids.sites.iter().map(|(k, id)| (*id, k)).collect();
            let since = start_of_day(period.start(), app.clock.tz());
            let rows = store.link_sources_since(since).await?;
            let mine = |site_key: Option<&str>| {
                unit.is_none_or(|u| {
                    site_key.is_some_and(|k| {
                        catalog
                            .sites
                            .iter()
                            .any(|s| s.key() == k && s.unit.as_deref() == Some(u))
                    })
                })
            };
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
                .filter(|s| mine(s.site_key))
                .collect();
            let export = crate::report::external::external_export(catalog, &sources, period);
            rows_bytes(format, &export, || {
                crate::report::external::table(&title, &export)
            })?
        }
        Export::Links => {
            let records = episodes_of(episodes(app, store).await?, unit);
            let rows = link_rows(&records, period, &app.clock);
            rows_bytes(format, &rows, || links::table(&title, &rows))?
        }
        Export::Columns => {
            let dates = item_dates(app, store, catalog).await?;
            let reads = column_reads(store, &app.settings, &app.clock, &dates).await?;
            let seen = Observed {
                dates: &dates,
                reads: &reads,
            };
            let mut rows = column_rows(catalog, seen, period, today);
            if let Some(u) = unit {
                rows.retain(|r| r.units.iter().any(|x| x == u));
            }
            let table = || columns::column_table(&title, period, &rows);
            rows_bytes(format, &rows, table)?
        }
        Export::Units => {
            let dates = item_dates(app, store, catalog).await?;
            let reads = column_reads(store, &app.settings, &app.clock, &dates).await?;
            let seen = Observed {
                dates: &dates,
                reads: &reads,
            };
            let mut rows = unit_rows(catalog, seen, period, today);
            if let Some(u) = unit {
                rows.retain(|r| r.unit == u);
            }
            let table = || columns::unit_table(&title, columns::UNIT_HEADERS, period, &rows);
            rows_bytes(format, &rows, table)?
        }
        Export::Accounts => {
            let findings = episodes_of(store.findings(&FindingFilter::default()).await?, unit);
            let tz = app.clock.tz();
            let read = store
                .accounts_read_between(
                    start_of_day(period.start(), tz),
                    end_of_day(period.end(), tz).min(app.clock.now()),
                )
                .await?;
            // A unit's list: its own accounts, so that the pass rate is its own too.
            let own;
            let catalog = match unit {
                Some(u) => {
                    own = Catalog {
                        accounts: catalog
                            .accounts
                            .iter()
                            .filter(|a| a.unit == u)
                            .cloned()
                            .collect(),
                        ..catalog.clone()
                    };
                    &own
                }
                None => catalog,
            };
            let mut export = account_export(catalog, &findings, period, today, &read);
            if let Some(u) = unit {
                export.accounts.retain(|r| names(Some(&r.unit), u));
            }
            match format {
                Format::Json => serde_json::to_vec_pretty(&export)?,
                // Problems on one line in CSV, a line each in the sheet.
                Format::Csv => csv::to_bytes_with(&export.table(" "), LineEnd::Lf),
                Format::Xlsx => {
                    xlsx::to_bytes_with(&[export.table("\n")], Layout::Fixed(&accounts::WIDTHS))?
                }
            }
        }
    })
}

/// An export's bytes: JSON from its rows, CSV or XLSX from their table.
fn rows_bytes(
    format: Format,
    rows: &impl Serialize,
    table: impl FnOnce() -> Table,
) -> Result<Vec<u8>, FilesError> {
    Ok(match format {
        Format::Json => serde_json::to_vec_pretty(rows)?,
        Format::Csv => csv::to_bytes(&table()),
        Format::Xlsx => xlsx::to_bytes(&[table()])?,
    })
}

/// The days each account's source was read, by account key (up to the run's day).
async fn account_reads(
    app: &App,
    store: &Store,
) -> Result<HashMap<String, Vec<NaiveDate>>, FilesError> {
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
    store: &Store,
) -> Result<HashMap<String, Vec<NaiveDate>>, FilesError> {
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
                .filter(|r| r.outcome == CrawlOutcome::Ok)
                .map(|r| app.clock.day_of(r.at))
                .collect();
            Some(((*key).clone(), days))
        })
        .collect())
}

/// 政民互动 for the period: the stored messages, counted as `export messages` counts them.
async fn interaction(
    app: &App,
    store: &Store,
    catalog: &Catalog,
    period: Period,
) -> Result<Interaction, FilesError> {
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

/// The 通报 draft for `period`, as of the app's clock: the whole area's, never a unit's.
pub async fn notice(
    app: &App,
    store: &Store,
    catalog: &Catalog,
    period: Period,
) -> Result<Notice, FilesError> {
    let today = app.clock.today();
    let dates = item_dates(app, store, catalog).await?;
    let records = episodes(app, store).await?;
    let reads = column_reads(store, &app.settings, &app.clock, &dates).await?;
    let seen = Observed {
        dates: &dates,
        reads: &reads,
    };
    let mut monitoring = Monitoring::of(&reads, &account_reads(app, store).await?, period, today);
    // A mailbox read in the period is monitoring too.
    let (from, to) = (period.start(), period.end().min(today));
    for day in mailbox_reads(app, store)
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
    let columns = column_rows(catalog, seen, period, today);
    let units = unit_rows(catalog, seen, period, today);
    let links = link_rows(&records, period, &app.clock);
    let interaction = interaction(app, store, catalog, period).await?;
    Ok(Notice::build(NoticeInput {
        issuer: app.settings.issuer(),
        salutation: &app.settings.report.salutation,
        area: &app.settings.report.area,
        deadline: working_days_after(
            today,
            app.settings.report.rectify_days,
            &app.settings.schedule.holidays,
            &app.settings.schedule.workdays,
        ),
        period,
        today,
        catalog,
        columns: &columns,
        units: &units,
        links: &links,
        findings: &records,
        accounts: None,
        scoring: app.settings.report.scoring.as_ref(),
        monitoring: &monitoring,
        interaction: &interaction,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_codes_round_trip_and_titles_read_like_the_seeds() {
        for e in Export::ALL {
            assert_eq!(Export::from_code(e.code()), Some(e));
        }
        assert_eq!(Export::from_code("notice"), None);
        let q: Period = "2020Q1".parse().unwrap();
        assert_eq!(Export::Findings.title(q), "2020年一季度问题清单");
        assert_eq!(Format::from_extension("xlsx"), Some(Format::Xlsx));
        assert_eq!(Format::from_extension("docx"), None);
    }

    #[test]
    fn a_unit_field_names_each_of_its_units() {
        assert!(names(Some("县公安局、审计局"), "审计局"));
        assert!(!names(Some("县公安局审计局"), "审计局"));
        assert!(!names(None, "审计局"));
    }
}
