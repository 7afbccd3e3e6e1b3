//! govwatch watches government websites (政府网站) and government new-media accounts
//! (政务新媒体) for the problems that open-government offices (政务公开办) inspect every
//! quarter, and keeps every finding as an episode with its evidence.
//!
//! The library owns all behaviour; the `govwatch` binary only parses flags and calls
//! [`cli::run`]. Data flows one way through the pipeline:
//!
//! ```text
//! catalog ─> schedule ─> fetch ─> extract ─> store ─> detect ─> notify / report
//! ```
//!
//! - [`catalog`]: what to watch, read from `config/catalog/*.toml`
//! - [`config`]: `config/govwatch.toml` and `GOVWATCH_*` overrides
//! - [`observe`]: the shared vocabulary of reads (outcomes) and records
//! - [`fetch`]: the one HTTP client (politeness, retries, charsets, failure classes)
//! - [`clock`]: the run's "now" (`--now` replays any day)
//! - [`store`]: SQLite or PostgreSQL behind one API
//! - [`cli`]: the commands

pub mod app;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod config;
pub mod console;
pub mod cycle;
pub mod demo;
pub mod detect;
pub mod extract;
pub mod fetch;
pub mod notify;
pub mod observe;
pub mod report;
pub mod serve;
pub mod sources;
pub mod store;
pub mod telemetry;
