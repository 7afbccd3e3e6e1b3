//! `govwatch serve`: the daemon (see [`crate::serve`]). Stops on SIGTERM or SIGINT,
//! reloads the catalog on SIGHUP.

use anyhow::Context as _;

use crate::app::App;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address for /healthz and /metrics (default: `[serve] listen`).
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
}

pub async fn run(app: App, args: ServeArgs) -> anyhow::Result<u8> {
    let listen = args
        .listen
        .unwrap_or_else(|| app.settings.serve.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (set [serve] listen or --listen)"))?;
    crate::serve::run(app, listener, crate::serve::signals()).await?;
    Ok(super::EXIT_OK)
}
