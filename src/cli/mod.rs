//! The command line: one file per command group. Each command builds the [`App`] from
//! the global flags, does its work through the library, and prints for people (tables)
//! or scripts (`--format json`).
//!
//! Exit codes: 0 the command ran (findings are not failures), 1 it ran and found
//! problems where asked to say so (`catalog check`), 2 it could not run.

mod accounts;
mod catalog;
mod check;
mod crawl;
mod db;
mod demo;
mod dismiss;
mod export;
mod extract;
mod findings;
mod import;
mod init;
mod links;
mod notify;
mod probe;
mod report;
mod serve;
mod stage;
mod table;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{App, Options};
use crate::telemetry::{self, LogFormat};

/// Exit code: the command ran.
pub const EXIT_OK: u8 = 0;
/// Exit code: the command ran and found problems it was asked to report.
pub const EXIT_PROBLEMS: u8 = 1;
/// Exit code: the command could not run.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "govwatch",
    version,
    about = "Watches government websites (政府网站) and new-media accounts (政务新媒体) for the problems open-government offices inspect",
    long_about = None,
)]
pub struct Cli {
    /// Configuration directory with govwatch.toml and catalog/*.toml.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = "GOVWATCH_CONFIG",
        hide_env_values = true,
        default_value = "config"
    )]
    pub config: PathBuf,

    /// Database URL: sqlite://govwatch.db (created if missing) or postgres://user@host/db.
    /// Its value may hold a password: `--help` never shows it.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "GOVWATCH_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// The clock for the whole run: YYYY-MM-DD (the end of that day) or an RFC 3339 time.
    /// Whatever is dated after it is ignored.
    #[arg(long, global = true, value_name = "WHEN")]
    pub now: Option<String>,

    /// Log format on standard error (filter with RUST_LOG).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a commented example configuration for a fictional county into --config.
    Init(init::InitArgs),
    /// Watch a simulated county on loopback and show what govwatch finds (start here).
    Demo(demo::DemoArgs),
    /// Each new-media account: last post, days silent, status.
    Accounts(accounts::AccountsArgs),
    /// Check or show the catalog (units, sites, columns, accounts).
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
    /// Database maintenance.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Run one whole cycle now: crawl, detect, record findings.
    Check(check::CheckArgs),
    /// Crawl the catalog's columns and home pages now.
    Crawl(crawl::CrawlArgs),
    /// Show what govwatch reads on one list page, as JSON (for tuning selectors).
    Extract(Box<extract::ExtractArgs>),
    /// List findings (episodes: opened, confirmed, rectified).
    Findings(findings::FindingsArgs),
    /// Mark a finding as a false alarm (误报), with a reason; it leaves the notice and the email.
    Dismiss(dismiss::DismissArgs),
    /// Take back a false-alarm mark: the finding is a problem again.
    Undismiss(dismiss::UndismissArgs),
    /// Export a period's tables for auditors (JSON, CSV, XLSX).
    Export(export::ExportArgs),
    /// Import the sheets offices keep: account inventories, platform listings, posts.
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Send the weekly email now: retry what is queued, then this week's messages, once each.
    Notify(notify::NotifyArgs),
    /// Run as a daemon: scheduled cycles, /healthz and /metrics, SIGHUP reloads the catalog.
    Serve(serve::ServeArgs),
    /// Probe every site's home page now (availability) and store the probes.
    Probe(probe::ProbeArgs),
    /// Check the links of home, column and item pages now; print the broken ones.
    Links(links::LinksArgs),
    /// Draft the period's notice (通报) as HTML, Markdown or Word (docx), for the office to edit.
    Report(report::ReportArgs),
    /// The console's users: add, passwd, list, disable, enable.
    #[command(subcommand)]
    User(user::UserCommand),
}

/// Parses the process's arguments and runs the command.
pub fn run() -> ExitCode {
    // `govwatch internal extract-text --kind KIND [--cpu-seconds N]`: the content stage's
    // child that reads one attachment (stdin) and prints its text, under its own limits,
    // before any runtime or logging starts. Not a command for people: not in --help.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("internal")
        && args.get(2).map(String::as_str) == Some("extract-text")
    {
        let value = |flag: &str| {
            args.iter()
                .position(|a| a == flag)
                .and_then(|i| args.get(i + 1))
        };
        let kind = value("--kind").map_or("", String::as_str);
        let cpu = value("--cpu-seconds")
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        return ExitCode::from(crate::extract::attachment::run_child(kind, cpu));
    }
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    ExitCode::from(run_cli(cli))
}

/// Runs a parsed command line; returns the exit code.
pub fn run_cli(cli: Cli) -> u8 {
    let options = Options {
        config_dir: cli.config.clone(),
        database: cli.database.clone(),
        now: cli.now.clone(),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return EXIT_ERROR;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Init(args) => init::run(&options, args),
            Command::Demo(args) => demo::run(args, options.now.as_deref()).await,
            command => {
                let app = App::new(&options)?;
                match command {
                    Command::Accounts(a) => accounts::run(&app, a).await,
                    Command::Catalog(c) => catalog::run(&app, c).await,
                    Command::Db(c) => db::run(&app, c).await,
                    Command::Check(a) => check::run(&app, a).await,
                    Command::Crawl(a) => crawl::run(&app, a).await,
                    Command::Export(a) => export::run(&app, a).await,
                    Command::Extract(a) => extract::run(&app, *a).await,
                    Command::Findings(a) => findings::run(&app, a).await,
                    Command::Dismiss(a) => dismiss::dismiss(&app, a).await,
                    Command::Undismiss(a) => dismiss::undismiss(&app, a).await,
                    Command::Import(c) => import::run(&app, c).await,
                    Command::Notify(args) => notify::run(&app, args).await,
                    Command::Serve(a) => serve::run(app, a).await,
                    Command::Probe(a) => probe::run(&app, a).await,
                    Command::Links(a) => links::run(&app, a).await,
                    Command::Report(a) => report::run(&app, a).await,
                    Command::User(c) => user::run(&app, c).await,
                    Command::Init(_) | Command::Demo(_) => unreachable!("handled above"),
                }
            }
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_ERROR
        }
    }
}
