//! `govwatch export …`: the tables auditors take away, for a period, as JSON (field
//! names are a contract), CSV (UTF-8 with BOM, Chinese headers as in the seeds) or XLSX
//! (frozen header, widths, dates as dates). The files are made by `console::files`, the
//! same functions the console's 报表 downloads call: this command picks the export and
//! the format and writes the bytes.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::app::App;
use crate::console::files::{self, Cut, Export};
use crate::detect::period::Period;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, clap::Subcommand)]
enum What {
    /// Every episode open at any time in the period, with its sentence and evidence.
    Findings(Common),
    /// One row per column: 栏目名称, 保障单位, 应更新条数, 实际更新条数 (seed 000 附件2).
    Columns(Common),
    /// One row per unit and column it is responsible for, with 完成/未完成/零发布 (附件3).
    Units(Common),
    /// The problem-account list (seed 003 附件2): accounts with a finding in the period,
    /// their problems, 是否整改, and the pass rate of the accounts running normally.
    Accounts(Common),
    /// The broken-link list (死链清单): one row per broken link and page it is on, with
    /// its text, the error, and when it was found and fixed.
    Links(Common),
    /// 政民互动: per 承办单位, the messages received in the period (承办数量, 办结数量,
    /// 逾期数量, 按期办结件, 超时办结件, 返工件, 按期办结率; seed 000 附件4, seed 004 附件3/4).
    Messages(MessagesArgs),
    /// 内容安全: every 错敏词 hit and every piece of personal data (masked) on the pages,
    /// one row per hit: 单位, 网站, 页面, 标题, 附件, 类型, 原文, 建议, 类别, 位置, 发现日期,
    /// 是否整改.
    Content(Common),
    /// 外链清单: every domain off the sites that their pages link to in the period, with
    /// the pages linking to it (域名, 链接数, 页面数, 所在网站, 所在页面, 首次发现, 最近发现).
    External(Common),
}

#[derive(Debug, clap::Args)]
struct MessagesArgs {
    #[command(flatten)]
    common: Common,
    /// Only this channel: a mailbox's name (区长信箱) or an imported 渠道 (12345热线).
    #[arg(long, value_name = "NAME")]
    channel: Option<String>,
}

#[derive(Debug, clap::Args)]
struct Common {
    /// 2020Q3, 2020-07 or 2020-W05.
    #[arg(long, value_name = "PERIOD")]
    period: Period,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
    Csv,
    Xlsx,
}

impl What {
    /// The export and its options.
    fn parts(self) -> (Export, Common, Option<String>) {
        match self {
            What::Findings(c) => (Export::Findings, c, None),
            What::Columns(c) => (Export::Columns, c, None),
            What::Units(c) => (Export::Units, c, None),
            What::Accounts(c) => (Export::Accounts, c, None),
            What::Links(c) => (Export::Links, c, None),
            What::Messages(a) => (Export::Messages, a.common, a.channel),
            What::Content(c) => (Export::Content, c, None),
            What::External(c) => (Export::External, c, None),
        }
    }
}

pub async fn run(app: &App, args: ExportArgs) -> anyhow::Result<u8> {
    let loaded = app.catalog()?;
    let store = app.open_store().await?;
    let (what, common, channel) = args.what.parts();
    let format = match common.format {
        Format::Json => files::Format::Json,
        Format::Csv => files::Format::Csv,
        Format::Xlsx => files::Format::Xlsx,
    };
    let cut = Cut {
        unit: None,
        channel: channel.as_deref(),
    };
    let bytes = files::export(
        app,
        &store,
        &loaded.catalog,
        what,
        common.period,
        format,
        cut,
    )
    .await?;
    write_out(
        common.output.as_ref(),
        &bytes,
        matches!(common.format, Format::Json),
    )?;
    Ok(super::EXIT_OK)
}

/// Writes to `output`, or to standard output (with a final newline for text).
pub(super) fn write_out(
    output: Option<&PathBuf>,
    bytes: &[u8],
    newline: bool,
) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            if newline {
                writeln!(out)?;
            }
        }
    }
    Ok(())
}
