//! `govwatch db …`: database maintenance.

use crate::app::App;

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Create or update the schema (also done on every start).
    Migrate,
}

pub async fn run(app: &App, command: DbCommand) -> anyhow::Result<u8> {
    match command {
        DbCommand::Migrate => {
            let store = app.open_store().await?;
            println!("database {} is up to date", store.url());
            store.close().await;
            Ok(super::EXIT_OK)
        }
    }
}
