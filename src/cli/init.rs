//! `govwatch init`: writes a commented example configuration for a fictional county,
//! the starting point an office edits into its own catalog.

use std::path::Path;

use anyhow::{Context, bail};

use crate::app::Options;
use crate::config::SETTINGS_FILE;
use crate::extract::content::words::{ALLOW_FILE, WORDS_FILE};

/// The example settings, the same file as the repository's `config/govwatch.toml`.
pub const EXAMPLE_SETTINGS: &str = crate::config::EXAMPLE_SETTINGS;
/// The example catalog, the same file as the repository's `config/catalog/county.toml`.
pub const EXAMPLE_CATALOG: &str = include_str!("../../config/catalog/county.toml");
/// The example word lists, the repository's `config/words/` (commented examples).
pub const EXAMPLE_WORDS: &str = include_str!("../../config/words/错敏词.txt");
pub const EXAMPLE_ALLOW: &str = include_str!("../../config/words/allow.txt");

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Overwrite files that already exist.
    #[arg(long)]
    force: bool,
}

pub fn run(options: &Options, args: InitArgs) -> anyhow::Result<u8> {
    let dir = &options.config_dir;
    let files = [
        (dir.join(SETTINGS_FILE), EXAMPLE_SETTINGS),
        (dir.join("catalog").join("county.toml"), EXAMPLE_CATALOG),
        (dir.join("words").join(WORDS_FILE), EXAMPLE_WORDS),
        (dir.join("words").join(ALLOW_FILE), EXAMPLE_ALLOW),
    ];
    if !args.force {
        let existing: Vec<String> = files
            .iter()
            .filter(|(p, _)| p.exists())
            .map(|(p, _)| p.display().to_string())
            .collect();
        if !existing.is_empty() {
            let verb = if existing.len() == 1 {
                "already exists"
            } else {
                "already exist"
            };
            bail!(
                "{} {verb}; nothing was written (use --force to overwrite, or --config DIR for another place)",
                existing.join(" and ")
            );
        }
    }
    for (path, text) in &files {
        write(path, text)?;
        println!("wrote {}", path.display());
    }
    println!(
        "next: edit {} to list your units, sites, columns and accounts, then run `govwatch{} catalog check`",
        dir.join("catalog").display(),
        if dir == Path::new("config") {
            String::new()
        } else {
            format!(" --config {}", dir.display())
        }
    );
    Ok(super::EXIT_OK)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}
