//! `govwatch accounts`: every new-media account (政务新媒体) with its platform, unit, last
//! post, days silent and status (正常运行 / 僵尸 / 已注销 / 无法访问), from what the store
//! observed up to `--now`. Accounts whose source needs the operator (expired login, a
//! missing setting) are listed under the table.

use std::collections::{HashMap, HashSet};

use crate::app::App;
use crate::report::accounts::account_status_rows;

#[derive(Debug, clap::Args)]
pub struct AccountsArgs {
    /// Only this unit (单位), as the catalog names it.
    #[arg(long, value_name = "UNIT")]
    unit: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

pub async fn run(app: &App, args: AccountsArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let catalog = &loaded.catalog;
    if let Some(unit) = &args.unit
        && !catalog.accounts.iter().any(|a| &a.unit == unit)
    {
        anyhow::bail!("no account in the catalog belongs to the unit `{unit}`");
    }
    let store = app.open_store().await?;
    store.sync_catalog(catalog, app.clock.now()).await?;
    let ids = store.catalog_ids().await?;
    let key_of: HashMap<i64, &String> = ids.accounts.iter().map(|(k, id)| (*id, k)).collect();
    let clock = &app.clock;
    let post_days: HashMap<String, Vec<chrono::NaiveDate>> = store
        .post_times()
        .await?
        .into_iter()
        .filter_map(|(id, times)| {
            let days = times
                .into_iter()
                .filter(|t| clock.has_happened(*t))
                .map(|t| clock.day_of(t))
                .collect();
            key_of.get(&id).map(|k| ((*k).clone(), days))
        })
        .collect();
    let today = clock.today();
    let open: HashSet<(crate::detect::Kind, String)> = store
        .findings_open_on(today)
        .await?
        .into_iter()
        .filter(|f| !f.is_dismissed())
        .map(|f| (f.kind, f.subject_key))
        .collect();
    let rows: Vec<_> = account_status_rows(catalog, &post_days, &open, today)
        .into_iter()
        .filter(|r| args.unit.as_ref().is_none_or(|u| *u == r.unit))
        .collect();
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Table => {
            let mut table =
                super::table::new(&["类别", "账号", "单位", "最新更新", "未更新天数", "状态"]);
            for r in &rows {
                table.add_row(vec![
                    r.platform.clone(),
                    r.account.clone(),
                    r.unit.clone(),
                    r.last_post
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.days_silent
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.status.to_string(),
                ]);
            }
            println!("{table}");
            for p in store.credential_problems().await? {
                println!(
                    "source needs the operator: {} ({}, {}): {}",
                    p.account,
                    p.outcome,
                    clock.day_of(p.at),
                    p.detail.unwrap_or_default()
                );
            }
        }
    }
    Ok(super::EXIT_OK)
}
