//! `govwatch extract`: what govwatch reads on one list page (items, next page,
//! charset, whether the column is empty or its list unrecognized) as JSON — the tool for
//! tuning a column's selectors. `--explain` adds every block that could be the list,
//! with its score and reasons.

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
    #[arg(value_name = "URL", required_unless_present_any = ["file", "source", "mailbox"])]
    target: Option<Url>,
    /// Read this mailbox (信箱, 留言板) list page and print its letters (title, URL,
    /// received, replied, status, unit, category): the tool for `[mailbox.select]`.
    /// With --file, the saved page's address.
    #[arg(long, value_name = "URL")]
    mailbox: Option<Url>,
    /// With --mailbox: `[mailbox.select]` overrides of a letter's received date, reply
    /// date, status, unit and category (item/title/link/next as above).
    #[arg(long)]
    received: Option<String>,
    #[arg(long)]
    replied: Option<String>,
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    unit: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// Read a saved page instead of fetching (give its address with --url).
    #[arg(long, value_name = "FILE")]
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
    /// Read the list from this endpoint (a script's JSON or HTML), as
    /// `[column.select] source`; with --file, the file is its saved answer.
    #[arg(long, value_name = "URL")]
    source: Option<Url>,
    /// With --source answering JSON: the path to the items array (`data.list`).
    #[arg(long, value_name = "PATH")]
    items: Option<String>,
    /// Add `candidates`: every block that could be the list, its score, the reasons
    /// for the score, and which one was chosen.
    #[arg(long)]
    explain: bool,
}

pub async fn run(app: &App, args: ExtractArgs) -> anyhow::Result<u8> {
    if args.mailbox.is_some() {
        return mailbox(app, args).await;
    }
    let (url, decoded) = match (&args.file, &args.source, &args.target) {
        (Some(file), source, _) => {
            let bytes = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            let url = match (source, &args.url) {
                (Some(s), _) => s.clone(),
                (None, Some(u)) => u.clone(),
                (None, None) => anyhow::bail!(
                    "{}: give the saved page's address with --url (or --source for an endpoint's answer)",
                    file.display()
                ),
            };
            (url, charset::decode(&bytes, None))
        }
        (None, source, target) => {
            let Some(url) = source.as_ref().or(target.as_ref()) else {
                anyhow::bail!("give the page's URL, or --file with --url");
            };
            let fetcher = Fetcher::new(&app.settings.fetch, &[])?;
            let result = fetcher
                .fetch(Request::get(url.clone(), Purpose::Column))
                .await;
            match result.outcome {
                Ok(page) => (page.final_url.clone(), page.text()),
                Err(failure) => anyhow::bail!("{url}: {failure}"),
            }
        }
    };
    let select = Selectors {
        item: args.item,
        title: args.title,
        link: args.link,
        date: args.date,
        next: args.next,
        source: args.source.as_ref().map(Url::to_string),
        items: args.items,
    };
    let overrides = [
        &select.item,
        &select.title,
        &select.link,
        &select.date,
        &select.next,
        &select.source,
        &select.items,
    ]
    .iter()
    .any(|s| s.is_some());
    let today = app.clock.today();
    let (list, candidates) = if select.source.is_some() {
        (
            extract::list_source::extract_source(&decoded.text, &url, &select, today)?,
            Vec::new(),
        )
    } else {
        extract::explain_list(&decoded.text, &url, overrides.then_some(&select), today)?
    };
    let items: Vec<_> = list
        .items
        .iter()
        .map(|i| json!({"title": i.title, "url": i.url.as_str(), "date": i.date, "date_source": i.date_source}))
        .collect();
    let mut out = json!({
        "url": url.as_str(),
        "charset": decoded.charset_name(),
        "charset_source": decoded.source.as_str(),
        "outcome": list.outcome.as_str(),
        "empty_reason": list.empty_reason,
        "unrecognized_reason": list.unrecognized_reason,
        "endpoint": list.endpoint.as_ref().map(Url::as_str),
        "items": items,
        "next": list.next.as_ref().map(Url::as_str),
        "pages_total": list.pages_total,
    });
    if args.explain {
        out["candidates"] = serde_json::to_value(&candidates)?;
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(super::EXIT_OK)
}

/// `govwatch extract --mailbox URL [--file F]`: the letters of one mailbox list page.
async fn mailbox(app: &App, args: ExtractArgs) -> anyhow::Result<u8> {
    let address = args.mailbox.clone().expect("--mailbox given");
    let (url, decoded) = match &args.file {
        Some(file) => {
            let bytes = std::fs::read(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
            (address, charset::decode(&bytes, None))
        }
        None => {
            let fetcher = Fetcher::new(&app.settings.fetch, &[])?;
            let result = fetcher
                .fetch(Request::get(address.clone(), Purpose::Column))
                .await;
            match result.outcome {
                Ok(page) => (page.final_url.clone(), page.text()),
                Err(failure) => anyhow::bail!("{address}: {failure}"),
            }
        }
    };
    let select = extract::MailboxSelectors {
        item: args.item,
        title: args.title,
        link: args.link,
        received: args.received,
        replied: args.replied,
        status: args.status,
        unit: args.unit,
        category: args.category,
        next: args.next,
    };
    let page = extract::extract_mailbox(&decoded.text, &url, Some(&select), app.clock.today())?;
    let keys = extract::mailbox::letter_keys(&page.letters);
    let letters: Vec<_> = page
        .letters
        .iter()
        .zip(&keys)
        .map(|(l, key)| {
            json!({
                "key": key,
                "title": l.title,
                "url": l.url.as_ref().map(Url::as_str),
                "received": l.received,
                "replied": l.replied,
                "status": l.status,
                "state": l.state,
                "answered": l.answered(),
                "unit": l.unit,
                "category": l.category,
            })
        })
        .collect();
    let out = json!({
        "url": url.as_str(),
        "charset": decoded.charset_name(),
        "letters": letters,
        "next": page.next.as_ref().map(Url::as_str),
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(super::EXIT_OK)
}
