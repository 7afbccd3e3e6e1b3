//! The `govwatch` command: parses the command line and hands it to the library.

fn main() -> std::process::ExitCode {
    govwatch::cli::run()
}
