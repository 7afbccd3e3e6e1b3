//! `govwatch import accounts|listing|posts|messages F.csv|F.xlsx`: the sheets offices
//! already keep, read by [`crate::catalog::import`] and [`crate::sources::manual`].
//!
//! `accounts` rewrites `catalog/imported.toml` (never a hand-written file); `listing`
//! stores the listing (replacing an earlier import under the same name) for the
//! account_unregistered rule and prints the listed accounts that are not registered;
//! `posts` stores posts of `manual` accounts; `messages` stores 12345 hotline work
//! orders and mailbox records keyed by (渠道, 编号): a later import of a key updates it,
//! records missing from it are kept. Rows that cannot be used are printed with their
//! row number and the reason; the command still exits 0 when the sheet itself could be
//! read.

use std::path::PathBuf;

use anyhow::Context;

use crate::app::App;
use crate::catalog::import::{self, RowProblem};
use crate::sources::manual;
use crate::store::ListedRow;

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// Import an account inventory (责任单位, 账号名称, 开设主体, 账号类型 / 类别,
    /// 政务新媒体名称, 主办单位, 级别) into catalog/imported.toml, rewriting it.
    Accounts {
        /// The sheet: .csv (UTF-8 or GBK) or .xlsx.
        file: PathBuf,
        /// Print the file that would be written instead of writing it.
        #[arg(long)]
        dry_run: bool,
    },
    /// Store a platform's listing of accounts seen in the wild (账号名称, 平台, 开设主体 …)
    /// and print those not in the registered inventory (未经报备); the next check
    /// records them as account_unregistered.
    Listing {
        file: PathBuf,
        /// The listing's name: importing again under the same name replaces it (an
        /// account no longer listed stops being unregistered). Default: the file's name
        /// without its extension.
        #[arg(long)]
        name: Option<String>,
        /// table (for people) or json (for scripts).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Store posts (账号名称, 平台, 发布时间, 标题, 链接) or last-post dates (最新更新时间)
    /// of catalog accounts.
    Posts { file: PathBuf },
    /// Store 政民互动 records from internal systems (12345 hotline work orders, a
    /// mailbox's back office): 编号 (工单号), 受理日期, and any of 渠道, 承办单位, 办结日期,
    /// 办理时限, 状态, 类别, 是否撤单, 是否返工. `govwatch export messages` counts them.
    Messages {
        file: PathBuf,
        /// The 渠道 of rows that name none (12345热线, 区长信箱 …); a 渠道 column wins.
        #[arg(long, value_name = "NAME")]
        channel: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub async fn run(app: &App, command: ImportCommand) -> anyhow::Result<u8> {
    match command {
        ImportCommand::Accounts { file, dry_run } => accounts(app, file, dry_run),
        ImportCommand::Listing { file, name, format } => listing(app, file, name, format).await,
        ImportCommand::Posts { file } => posts(app, file).await,
        ImportCommand::Messages { file, channel } => messages(app, file, channel).await,
    }
}

fn print_rows(title: &str, rows: &[RowProblem]) {
    if rows.is_empty() {
        return;
    }
    println!("{title}：");
    for r in rows {
        println!("  {r}");
    }
}

fn accounts(app: &App, file: PathBuf, dry_run: bool) -> anyhow::Result<u8> {
    let result = import::import_accounts(app.config_dir(), &file, &app.clock, !dry_run)?;
    if dry_run {
        print!("{}", result.text);
    }
    print_rows("未导入的行", &result.rejected);
    print_rows("已导入但需核对的行", &result.notes);
    print_rows(
        "手工编写的目录文件中已有的账号（未导入）",
        &result.hand_written,
    );
    for issue in &result.issues {
        println!("{issue}");
    }
    if dry_run {
        println!(
            "{}：将写入{}个账号、{}个单位到{}（试运行，未写入任何内容）",
            file.display(),
            result.accounts_written,
            result.units_written,
            result.file.display()
        );
    } else {
        println!(
            "{}：已写入{}个账号、{}个单位到{}；{}行未导入；目录现有账号{}个",
            file.display(),
            result.accounts_written,
            result.units_written,
            result.file.display(),
            result.rejected.len(),
            result.catalog_accounts
        );
    }
    Ok(super::EXIT_OK)
}

async fn listing(
    app: &App,
    file: PathBuf,
    name: Option<String>,
    format: Format,
) -> anyhow::Result<u8> {
    let sheets = import::read_sheets(&file)?;
    let (listed, problems) = import::parse_listing(&file, &sheets)?;
    let name = match name {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        Some(_) => anyhow::bail!("--name is empty: give the listing a name, or leave it out"),
        None => file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .with_context(|| {
                format!(
                    "{}: no file name to name the listing by; pass --name",
                    file.display()
                )
            })?,
    };
    let loaded = app.catalog()?;
    let unregistered = crate::detect::listings::unregistered(&listed, &loaded.catalog);
    let now = app.clock.now();
    let rows: Vec<ListedRow> = listed
        .iter()
        .map(|l| ListedRow {
            listing: name.clone(),
            platform: l.platform.as_str().to_string(),
            name: l.name.clone(),
            name_key: crate::catalog::names::normalize_name(&l.name),
            unit: l.unit.clone(),
            operator: l.operator.clone(),
            level: l.level.clone(),
            row_ref: l.at.to_string(),
            imported_at: now,
        })
        .collect();
    let store = app.open_store().await?;
    let replaced = store.replace_listing(&name, &rows, now).await?;
    store.close().await;
    match format {
        Format::Json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({
                    "listing": name,
                    "listed": listed.len(),
                    "stored": replaced.stored,
                    "replaced": replaced.before,
                    "unregistered": unregistered,
                    "problems": problems,
                }))?
            );
        }
        Format::Table => {
            print_rows("未能读取的行", &problems);
            if !unregistered.is_empty() {
                let mut table = super::table::new(&["类别", "账号名称", "单位", "开设主体", "行"]);
                for l in &unregistered {
                    table.add_row([
                        l.platform.category_zh().to_string(),
                        l.name.clone(),
                        l.unit.clone().unwrap_or_default(),
                        l.operator.clone().unwrap_or_default(),
                        l.at.to_string(),
                    ]);
                }
                println!("{table}");
            }
            println!(
                "{}：清单列出账号{}个，其中未经报备（不在已登记账号中）{}个",
                file.display(),
                listed.len(),
                unregistered.len()
            );
            let replacing = if replaced.before > 0 {
                format!("，替换原有的{}个账号", replaced.before)
            } else {
                String::new()
            };
            println!(
                "已保存为清单“{name}”（{}个账号{replacing}）；下次检查（govwatch check）将把未经报备的账号记为问题",
                replaced.stored
            );
        }
    }
    Ok(super::EXIT_OK)
}

async fn posts(app: &App, file: PathBuf) -> anyhow::Result<u8> {
    let sheets = import::read_sheets(&file)?;
    let sheet = manual::parse_posts(&sheets, &app.clock).with_context(|| {
        format!(
            "{}: no header row with 账号名称 and 发布时间 (or 最新更新时间) in its first {} rows",
            file.display(),
            import::HEADER_SEARCH_ROWS
        )
    })?;
    let loaded = app.catalog()?;
    let assigned = manual::assign_posts(&sheet, &loaded.catalog);
    let store = app.open_store().await?;
    let now = app.clock.now();
    store.sync_catalog(&loaded.catalog, now).await?;
    let ids = store.catalog_ids().await?;
    let mut table = super::table::new(&["类别", "账号名称", "行数", "新增"]);
    let mut stored = 0;
    let mut new = 0;
    for (key, account) in &assigned.by_account {
        let Some(id) = ids.accounts.get(key) else {
            continue;
        };
        let added = store.upsert_account_posts(*id, &account.posts, now).await?;
        stored += account.posts.len();
        new += added;
        table.add_row([
            account
                .platform
                .map(|p| p.category_zh().to_string())
                .unwrap_or_default(),
            account.name.clone(),
            account.posts.len().to_string(),
            added.to_string(),
        ]);
    }
    store.close().await;
    print_rows("未保存的行", &assigned.problems);
    if !assigned.by_account.is_empty() {
        println!("{table}");
    }
    println!(
        "{}：读取{}个账号的发布记录{stored}条，其中新增{new}条；{}行未保存",
        file.display(),
        assigned.by_account.len(),
        assigned.problems.len()
    );
    Ok(super::EXIT_OK)
}

async fn messages(app: &App, file: PathBuf, channel: Option<String>) -> anyhow::Result<u8> {
    let channel = match channel {
        Some(c) if c.trim().is_empty() => {
            anyhow::bail!("--channel is empty: name the channel (12345热线 …), or leave it out")
        }
        c => c.map(|c| c.trim().to_string()),
    };
    let loaded = app.catalog()?;
    let units: Vec<String> = loaded
        .catalog
        .units
        .iter()
        .map(|u| u.name.clone())
        .collect();
    let schedule = &app.settings.schedule;
    let cx = import::MessageContext {
        channel: channel.as_deref(),
        units: &units,
        holidays: &schedule.holidays,
        workdays: &schedule.workdays,
        today: app.clock.today(),
    };
    let mut sheet = import::read_messages(&file, &cx)?;
    let store = app.open_store().await?;
    let mut channels: Vec<(String, usize)> = Vec::new();
    for record in &sheet.records {
        match channels.iter_mut().find(|(c, _)| *c == record.channel) {
            Some((_, n)) => *n += 1,
            None => channels.push((record.channel.clone(), 1)),
        }
    }
    for (channel, _) in &channels {
        let known = store.messages_of(channel).await?;
        for record in sheet.records.iter_mut().filter(|r| r.channel == *channel) {
            import::keep_known(record, known.get(&record.number));
        }
    }
    let written = store
        .upsert_messages(&sheet.records, app.clock.now())
        .await?;
    store.close().await;
    print_rows("未导入的行", &sheet.rejected);
    print_rows("已导入但需核对的行", &sheet.notes);
    if !sheet.unknown_units.is_empty() {
        println!(
            "目录中没有的承办单位（按原文保存；在目录中添加同名单位即可归入）：{}",
            sheet.unknown_units.join("、")
        );
    }
    if channels.len() > 1 {
        let per: Vec<String> = channels.iter().map(|(c, n)| format!("{c}{n}条")).collect();
        println!("按渠道：{}", per.join("，"));
    }
    println!(
        "{}：读取{}条，新增{}条，更新{}条；{}行未导入",
        file.display(),
        sheet.records.len(),
        written.added,
        written.updated,
        sheet.rejected.len()
    );
    Ok(super::EXIT_OK)
}
