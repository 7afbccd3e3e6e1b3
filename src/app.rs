//! The application context every command starts from: settings resolved by precedence
//! (flag, then environment, then `govwatch.toml`, then default), the run's clock, and
//! the ways to open the store and the catalog. Built by one function, [`App::new`], so
//! commands, the daemon and tests all start the same way.

use std::path::{Path, PathBuf};

use crate::catalog::{self, CatalogError, Loaded, Severity};
use crate::clock::Clock;
use crate::config::{self, ConfigError, Settings};
use crate::store::{Store, StoreError};

/// Options that every command takes (the global flags).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub config_dir: PathBuf,
    /// `--database`, or `GOVWATCH_DATABASE_URL` as clap read it.
    pub database: Option<String>,
    /// `--now`, as written.
    pub now: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Clock(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone)]
pub struct App {
    pub config_dir: PathBuf,
    pub settings: Settings,
    pub clock: Clock,
    pub database_url: String,
    /// Warnings about the settings (unknown keys), already logged.
    pub warnings: Vec<String>,
}

impl App {
    pub fn new(options: &Options) -> Result<App, AppError> {
        let (settings, warnings) = Settings::load(&options.config_dir)?;
        for w in &warnings {
            tracing::warn!("{w}");
        }
        let tz = settings
            .timezone()
            .map_err(|message| ConfigError::Invalid {
                origin: options
                    .config_dir
                    .join(config::SETTINGS_FILE)
                    .display()
                    .to_string(),
                message,
            })?;
        let clock = match &options.now {
            Some(text) => Clock::parse(text, tz).map_err(AppError::Clock)?,
            None => Clock::system(tz),
        };
        let database_url = options
            .database
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| settings.database.url.clone())
            .unwrap_or_else(|| config::DEFAULT_DATABASE_URL.to_string());
        Ok(App {
            config_dir: options.config_dir.clone(),
            settings,
            clock,
            database_url,
            warnings,
        })
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open_store(&self) -> Result<Store, AppError> {
        Ok(Store::open(&self.database_url).await?)
    }

    /// Loads the catalog for a command that runs with what is valid: each invalid
    /// entry is logged once as a warning pointing to `govwatch catalog check`.
    pub fn catalog(&self) -> Result<Loaded, AppError> {
        let loaded = catalog::load_dir(&self.config_dir)?;
        for issue in &loaded.issues {
            match issue.severity {
                Severity::Error => tracing::warn!(
                    "{}: skipped: {} (run `govwatch catalog check` for details)",
                    issue.origin,
                    issue.message
                ),
                Severity::Warning => tracing::warn!("{}: {}", issue.origin, issue.message),
            }
        }
        Ok(loaded)
    }

    /// The one HTTP client, with the catalog's per-site overrides.
    pub fn fetcher(
        &self,
        catalog: &crate::catalog::Catalog,
    ) -> Result<crate::fetch::Fetcher, crate::fetch::FetchError> {
        crate::fetch::Fetcher::new(&self.settings.fetch, &catalog.sites)
    }

    pub fn config_dir(&self) -> &Path {
        &self.config_dir
    }
}
