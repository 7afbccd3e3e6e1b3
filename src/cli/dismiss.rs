//! `govwatch dismiss ID --reason …` and `govwatch undismiss ID`: an office's word that a
//! finding is a false alarm (误报), and taking it back. The store keeps who and when; a
//! dismissed finding leaves the notice, the email, the pass rate and the scores, and the
//! exports show it as 已核实为误报.

use crate::app::App;

#[derive(Debug, clap::Args)]
pub struct DismissArgs {
    /// The finding's ID (编号), as `govwatch findings` lists it.
    id: i64,
    /// Why it is a false alarm, in a sentence (kept with the dismissal).
    #[arg(long)]
    reason: String,
    /// Who says so; the login name by default.
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct UndismissArgs {
    /// The finding's ID (编号).
    id: i64,
    /// Who takes it back; the login name by default.
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
}

/// The login name: $USER, else $LOGNAME, else `whoami`.
fn login_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .map(|s| s.trim().to_string())
        .find(|s| !s.is_empty())
        .or_else(|| {
            std::process::Command::new("whoami")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

pub async fn dismiss(app: &App, args: DismissArgs) -> anyhow::Result<u8> {
    let store = app.open_store().await?;
    let by = args.by.unwrap_or_else(login_name);
    let d = store
        .dismiss_finding(args.id, &args.reason, &by, app.clock.now())
        .await?;
    println!(
        "finding {} dismissed as a false alarm (已核实为误报) by {} on {}: {}",
        args.id,
        d.by,
        app.clock.day_of(d.at),
        d.reason
    );
    Ok(super::EXIT_OK)
}

pub async fn undismiss(app: &App, args: UndismissArgs) -> anyhow::Result<u8> {
    let store = app.open_store().await?;
    let by = args.by.unwrap_or_else(login_name);
    let d = store
        .undismiss_finding(args.id, &by, app.clock.now())
        .await?;
    println!(
        "finding {} is a problem again: the dismissal by {} ({}) is taken back by {by}",
        args.id, d.by, d.reason
    );
    Ok(super::EXIT_OK)
}
