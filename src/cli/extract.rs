//! `govwatch extract`: what govwatch reads on one list page (items, next page,
//! charset) as JSON — the tool for tuning a column's selectors.

use std::path::PathBuf;

use serde_json::json;
use url::Url;

use crate::app::App;
use crate::catalog::Selectors;
use crate::extract;
use crate::fetch::{Fetcher, Purpose, Request, charset};

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// The page to fetch and read.
    #[arg(value_name = "URL", required_unless_present = "file")]
    target: Option<Url>,
    /// Read a saved page instead of fetching (give its address with --url).
    #[arg(long, value_name = "FILE", requires = "url")]
    file: Option<PathBuf>,
    /// The address of the saved page (to resolve its links).
    #[arg(long, value_name = "URL")]
    url: Option<Url>,
    /// CSS selector overrides, as in [column.select].
    #[arg(long)]
    item: Option<String>,
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    link: Option<String>,
    #[arg(long)]
    date: Option<String>,
    #[arg(long)]
    next: Option<String>,
}

pub async fn run(app: &App, args: ExtractArgs) -> anyhow::Result<u8> {
    let (url, decoded) = match (&args.file, &args.target) {
        (Some(file), _) => {
            let bytes = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let url = args.url.clone().expect("clap requires --url with --file");
            (url, charset::decode(&bytes, None))
        }
        (None, Some(url)) => {
            let fetcher = Fetcher::new(&app.settings.fetch, &[])?;
            let result = fetcher
                .fetch(Request::get(url.clone(), Purpose::Column))
                .await;
            match result.outcome {
                Ok(page) => (page.final_url.clone(), page.text()),
                Err(failure) => anyhow::bail!("{url}: {failure}"),
            }
        }
        (None, None) => unreachable!("clap requires a URL or --file"),
    };
    let select = Selectors {
        item: args.item,
        title: args.title,
        link: args.link,
        date: args.date,
        next: args.next,
    };
    let overrides = [
        &select.item,
        &select.title,
        &select.link,
        &select.date,
        &select.next,
    ]
    .iter()
    .any(|s| s.is_some());
    let list = extract::extract_list(
        &decoded.text,
        &url,
        overrides.then_some(&select),
        app.clock.today(),
    )?;
    let items: Vec<_> = list
        .items
        .iter()
        .map(|i| json!({"title": i.title, "url": i.url.as_str(), "date": i.date}))
        .collect();
    let out = json!({
        "url": url.as_str(),
        "charset": decoded.charset_name(),
        "charset_source": decoded.source.as_str(),
        "items": items,
        "next": list.next.as_ref().map(Url::as_str),
        "pages_total": list.pages_total,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(super::EXIT_OK)
}
