//! Logging, set up once per process: `RUST_LOG` filters (default `info` for govwatch,
//! `warn` for libraries), `--log-format text|json` chooses the shape. Logs go to
//! standard error so that standard output stays clean for tables, JSON and CSV. Text
//! logs are coloured only on a terminal, and never when `NO_COLOR` is set: a log file or
//! the systemd journal gets plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Libraries kept at `info` even when `RUST_LOG` asks for debug: their debug logs hold
/// the text they read.
const QUIET: [&str; 4] = [
    "html5ever=info",
    "markup5ever=info",
    "xml5ever=info",
    "lettre=info",
];

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(format: LogFormat) {
    let mut filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn,govwatch=info"));
    // Whatever RUST_LOG asks for: these libraries log what they read (the HTML parser
    // every token of a page's text, the mailer the lines it writes) at debug, and a page
    // or an email may carry an ID number. govwatch never prints a full number.
    for quiet in QUIET {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let colour = use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Whether to colour logs: on a terminal, unless `NO_COLOR` is set to anything but the
/// empty string (<https://no-color.org>).
pub fn use_colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::use_colour;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(use_colour(true, None));
        assert!(use_colour(true, Some(OsStr::new(""))));
        assert!(!use_colour(true, Some(OsStr::new("1"))));
        assert!(!use_colour(false, None));
        assert!(!use_colour(false, Some(OsStr::new("1"))));
    }
}
