//! `govwatch catalog check` and `govwatch catalog show`.

use crate::app::App;
use crate::catalog::{self, Severity};

#[derive(Debug, clap::Subcommand)]
pub enum CatalogCommand {
    /// Validate every catalog file and print every problem with file:line and the fix.
    /// Exits 1 when there are errors.
    Check,
    /// Print the catalog as govwatch understands it.
    Show {
        /// table (for people) or json (for scripts).
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ShowFormat {
    Table,
    Json,
}

pub async fn run(app: &App, command: CatalogCommand) -> anyhow::Result<u8> {
    match command {
        CatalogCommand::Check => check(app),
        CatalogCommand::Show { format } => show(app, format),
    }
}

fn check(app: &App) -> anyhow::Result<u8> {
    let loaded = catalog::check_dir(app.config_dir())?;
    for issue in &loaded.issues {
        println!("{issue}");
    }
    let c = &loaded.catalog;
    let errors = loaded.errors().count();
    // The settings' own warnings (unknown keys in govwatch.toml) were logged above when
    // the app started: they count too.
    let warnings = loaded
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Warning)
        .count()
        + app.warnings.len();
    println!(
        "{}: {} units, {} sites, {} columns, {} accounts, {} mailboxes valid; {errors} error(s), {warnings} warning(s)",
        app.config_dir().join("catalog").display(),
        c.units.len(),
        c.sites.len(),
        c.columns.len(),
        c.accounts.len(),
        c.mailboxes.len(),
    );
    Ok(if errors > 0 {
        super::EXIT_PROBLEMS
    } else {
        super::EXIT_OK
    })
}

fn show(app: &App, format: ShowFormat) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let c = &loaded.catalog;
    match format {
        ShowFormat::Json => {
            println!("{}", serde_json::to_string_pretty(c)?);
        }
        ShowFormat::Table => {
            let mut units = super::table::new(&["单位", "级别", "联系人"]);
            for u in &c.units {
                units.add_row([
                    u.name.clone(),
                    u.level.clone().unwrap_or_default(),
                    u.contacts.join(", "),
                ]);
            }
            println!("{units}");
            let mut sites = super::table::new(&["网站", "主办单位", "首页"]);
            for s in &c.sites {
                sites.add_row([
                    s.name.clone(),
                    s.unit.clone().unwrap_or_default(),
                    s.url.to_string(),
                ]);
            }
            println!("{sites}");
            let mut columns =
                super::table::new(&["网站", "栏目名称", "保障单位", "类别", "应更新条数", "地址"]);
            for col in &c.columns {
                let class = if col.class_guessed {
                    format!("{}（按名称推断）", class_zh(col.class))
                } else {
                    class_zh(col.class).to_string()
                };
                columns.add_row([
                    col.site.clone(),
                    col.name.clone(),
                    col.units.join("、"),
                    class,
                    col.quota.map_or("及时更新".to_string(), |q| q.to_string()),
                    col.url.to_string(),
                ]);
            }
            println!("{columns}");
            let mut accounts =
                super::table::new(&["类别", "账号名称", "责任单位", "开设主体", "状态", "来源"]);
            for a in &c.accounts {
                accounts.add_row([
                    a.platform.category_zh().to_string(),
                    a.name.clone(),
                    a.unit.clone(),
                    a.operator_or_unit().to_string(),
                    match a.status {
                        catalog::AccountStatus::Active => "正常运行".to_string(),
                        catalog::AccountStatus::Closed => match a.closed_on {
                            Some(d) => format!("已注销 ({d})"),
                            None => "已注销".to_string(),
                        },
                    },
                    a.source.identity(&a.name),
                ]);
            }
            println!("{accounts}");
            if !c.mailboxes.is_empty() {
                let default_days = app.settings.thresholds.reply_days;
                let mut mailboxes =
                    super::table::new(&["网站", "信箱名称", "默认承办单位", "办理时限", "地址"]);
                for m in &c.mailboxes {
                    mailboxes.add_row([
                        m.site.clone(),
                        m.name.clone(),
                        m.units.join("、"),
                        format!("{}个工作日", m.reply_days.unwrap_or(default_days)),
                        m.url.to_string(),
                    ]);
                }
                println!("{mailboxes}");
            }
        }
    }
    Ok(super::EXIT_OK)
}

/// A column class as the office says it (the catalog's `class` keeps its code).
fn class_zh(class: catalog::ColumnClass) -> &'static str {
    match class {
        catalog::ColumnClass::News => "动态类",
        catalog::ColumnClass::Notice => "通知公告类",
        catalog::ColumnClass::Policy => "政策文件类",
        catalog::ColumnClass::Personnel => "人事类",
        catalog::ColumnClass::Plan => "规划计划类",
        catalog::ColumnClass::Other => "其他",
    }
}
