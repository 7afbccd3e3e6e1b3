//! `govwatch user …`: the console's accounts. Passwords come from a prompt on a terminal
//! (asked twice) or, for scripts, from standard input with `--password-stdin`; they are
//! stored hashed (argon2id) and never printed.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};

use crate::app::App;
use crate::console::auth;
use crate::store::Role;

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Add a console user (admin, office or unit); asks for the password.
    Add(AddArgs),
    /// Set a user's password; ends their sessions.
    Passwd(PasswdArgs),
    /// List the users with their role, unit and state.
    List,
    /// Disable a user: no login, sessions ended (the history keeps their name).
    Disable(NameArgs),
    /// Enable a disabled user again.
    Enable(NameArgs),
}

#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The login name.
    name: String,
    /// admin (everything), office (政务公开办: every unit) or unit (one unit's clerk).
    #[arg(long, value_parser = ["admin", "office", "unit"])]
    role: String,
    /// The unit of a `unit` user, as the catalog names it.
    #[arg(long, value_name = "UNIT")]
    unit: Option<String>,
    /// Read the password from standard input (its first line) instead of a prompt.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, clap::Args)]
pub struct PasswdArgs {
    /// The login name.
    name: String,
    /// Read the password from standard input (its first line) instead of a prompt.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, clap::Args)]
pub struct NameArgs {
    /// The login name.
    name: String,
}

/// The new password: stdin's first line, or a prompt on the terminal (twice).
fn read_password(from_stdin: bool) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        if !std::io::stdin().is_terminal() {
            bail!("no terminal to ask for the password on: pipe it in with --password-stdin");
        }
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let again = rpassword::prompt_password("Again: ").context("reading the password")?;
        if first != again {
            bail!("the two passwords differ; nothing was changed");
        }
        first
    };
    auth::check_new_password(&password).map_err(anyhow::Error::msg)?;
    Ok(password)
}

fn hash(password: String) -> anyhow::Result<String> {
    auth::hash_password(&password).map_err(|e| anyhow::anyhow!("hashing the password: {e}"))
}

pub async fn run(app: &App, command: UserCommand) -> anyhow::Result<u8> {
    let store = app.open_store().await?;
    let now = app.clock.now();
    match command {
        UserCommand::Add(a) => {
            let role: Role = a
                .role
                .parse()
                .map_err(|_| anyhow::anyhow!("unknown role"))?;
            let unit = match (role, a.unit) {
                (Role::Unit, None) => {
                    bail!("a unit user needs --unit UNIT (the catalog's name of the unit)")
                }
                (Role::Unit, Some(u)) => {
                    check_unit(app, &u)?;
                    Some(u)
                }
                (_, Some(_)) => bail!("--unit is for unit users; {} users see every unit", role),
                (_, None) => None,
            };
            if store.user(&a.name).await?.is_some() {
                bail!(crate::store::UserError::Exists(a.name));
            }
            let password = read_password(a.password_stdin)?;
            let user = store
                .add_user(&a.name, role, unit.as_deref(), &hash(password)?, now)
                .await?;
            println!(
                "user {} added: {} ({}){}",
                user.name,
                user.role,
                user.role.zh(),
                user.unit.map(|u| format!(", unit {u}")).unwrap_or_default()
            );
        }
        UserCommand::Passwd(a) => {
            if store.user(&a.name).await?.is_none() {
                bail!(crate::store::UserError::Unknown(a.name));
            }
            let password = read_password(a.password_stdin)?;
            store.set_password(&a.name, &hash(password)?, now).await?;
            println!("password of {} set; their sessions are ended", a.name);
        }
        UserCommand::List => {
            let users = store.users().await?;
            if users.is_empty() {
                println!("no users yet: `govwatch user add NAME --role office` adds one");
                return Ok(super::EXIT_OK);
            }
            let mut table = super::table::new(&["用户名", "角色", "单位", "状态", "创建时间"]);
            for u in users {
                table.add_row(vec![
                    u.name,
                    format!("{} ({})", u.role, u.role.zh()),
                    u.unit.unwrap_or_default(),
                    match u.disabled_at {
                        Some(at) => format!("已停用 {}", app.clock.day_of(at)),
                        None => "正常".to_string(),
                    },
                    app.clock.day_of(u.created_at).to_string(),
                ]);
            }
            println!("{table}");
        }
        UserCommand::Disable(a) => {
            store.set_disabled(&a.name, Some(now)).await?;
            println!("user {} disabled; their sessions are ended", a.name);
        }
        UserCommand::Enable(a) => {
            store.set_disabled(&a.name, None).await?;
            println!("user {} enabled", a.name);
        }
    }
    Ok(super::EXIT_OK)
}

/// A unit user's unit must be one of the catalog's units (else they would see nothing).
fn check_unit(app: &App, unit: &str) -> anyhow::Result<()> {
    let loaded = app.catalog()?;
    let units: Vec<&str> = loaded
        .catalog
        .units
        .iter()
        .map(|u| u.name.as_str())
        .collect();
    if units.contains(&unit) {
        return Ok(());
    }
    match crate::config::did_you_mean(unit, &units) {
        Some(near) => bail!("the catalog has no unit {unit:?}: did you mean {near:?}?"),
        None => bail!("the catalog has no unit {unit:?}: `govwatch catalog show` lists the units"),
    }
}
