//! `govwatch report`: the quarterly notice draft (通报) for a period, as HTML, Markdown or
//! Word (.docx), for the office to edit. The counting is done by `console::files::notice`
//! (the console's 报表 serves the same draft); the wording stays theirs.

use std::path::PathBuf;

use crate::app::App;
use crate::console::files;
use crate::detect::period::Period;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// 2020Q1 (a quarter, as the notices), or 2020-07 / 2020-W05.
    #[arg(long, value_name = "PERIOD")]
    period: Period,
    #[arg(long, value_enum, default_value_t = Format::Html)]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Html,
    Md,
    Docx,
}

pub async fn run(app: &App, args: ReportArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let store = app.open_store().await?;
    let notice = files::notice(app, &store, &loaded.catalog, args.period).await?;
    let bytes = match args.format {
        Format::Html => notice.html().into_bytes(),
        Format::Md => notice.markdown().into_bytes(),
        Format::Docx => notice.docx()?,
    };
    super::export::write_out(args.output.as_ref(), &bytes, false)?;
    Ok(super::EXIT_OK)
}
