//! `html` sources: any page listing an account's posts (a Toutiao profile rendered by a
//! bridge, a unit's own page, a provincial platform's listing), read with the CSS
//! selectors in the account's `source.select`: `item` (required) finds each post,
//! `title`, `link` and `date` are looked up inside it. Without a `date` selector the
//! item's text is searched for a date. A page where the item selector matches nothing,
//! or where no item has a readable date, is malformed: a layout change must not look
//! like silence.

use scraper::{ElementRef, Selector};
use url::Url;

use super::{Parsed, PostSource, Skipped, SourceError, SourceRequest};
use crate::catalog::{Account, SourceKind};
use crate::clock::Clock;
use crate::config::SourceSettings;
use crate::extract::Selectors;
use crate::extract::dates::find_post_time;
use crate::observe::NewPost;

pub struct HtmlSource;

impl PostSource for HtmlSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Html
    }

    fn request(
        &self,
        account: &Account,
        _settings: &SourceSettings,
    ) -> Result<Option<SourceRequest>, SourceError> {
        let url = account.source.url.clone().ok_or_else(|| {
            SourceError::NotConfigured(format!(
                "account \"{}\" has an html source without a url: write source = {{ kind = \"html\", url = \"https://…\", select = {{ item = \"…\", date = \"…\" }} }}",
                account.name
            ))
        })?;
        Ok(Some(SourceRequest::get(url).header(
            "Accept",
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
        )))
    }

    fn parse(&self, account: &Account, body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
        let select = account.source.select.as_ref().ok_or_else(|| {
            SourceError::NotConfigured(format!(
                "account \"{}\" has an html source without selectors: add select = {{ item = \"ul.list li\", date = \"span.date\" }} to its source",
                account.name
            ))
        })?;
        parse_page(&decode(body), account.source.url.as_ref(), select, clock)
    }
}

/// Reads a page with the given selectors; links resolve against `base`.
pub fn parse_page(
    page: &str,
    base: Option<&Url>,
    select: &Selectors,
    clock: &Clock,
) -> Result<Parsed, SourceError> {
    let compile = |name: &str, css: &Option<String>| -> Result<Option<Selector>, SourceError> {
        css.as_deref()
            .map(|css| {
                Selector::parse(css).map_err(|e| {
                    SourceError::NotConfigured(format!(
                        "select.{name} = \"{css}\" is not a CSS selector: {e}"
                    ))
                })
            })
            .transpose()
    };
    let item = compile("item", &select.item)?.ok_or_else(|| {
        SourceError::NotConfigured(
            "an html source needs select.item, the selector of one post (e.g. \"ul.list li\")"
                .into(),
        )
    })?;
    let title = compile("title", &select.title)?;
    let link = compile("link", &select.link)?;
    let date = compile("date", &select.date)?;
    let any_link = Selector::parse("a[href]").expect("a valid selector");

    let doc = crate::extract::parse_document(page);
    let mut parsed = Parsed::default();
    let mut matched = 0;
    for el in doc.select(&item) {
        matched += 1;
        let link_el = match &link {
            Some(s) => el.select(s).next(),
            None => el.select(&any_link).next(),
        };
        let href = link_el
            .and_then(|a| a.attr("href"))
            .map(str::trim)
            .filter(|h| !h.is_empty() && !h.starts_with("javascript:"));
        let url = href.map(|h| match base {
            Some(b) => b.join(h).map(|u| u.to_string()).unwrap_or(h.to_string()),
            None => h.to_string(),
        });
        let title_text = match &title {
            Some(s) => el.select(s).next().map(text),
            None => link_el.map(text),
        }
        .filter(|t| !t.is_empty())
        .or_else(|| link_el.and_then(|a| a.attr("title")).map(str::to_string));
        let date_text = match &date {
            Some(s) => el.select(s).next().map(|d| {
                d.attr("datetime")
                    .map(str::to_string)
                    .unwrap_or_else(|| text(d))
            }),
            None => Some(text(el)),
        };
        let published = date_text.as_deref().and_then(|t| find_post_time(t, clock));
        let what = title_text
            .clone()
            .or_else(|| url.clone())
            .unwrap_or_else(|| format!("item {matched}"));
        let Some(published_at) = published else {
            parsed.skipped.push(Skipped {
                entry: what,
                reason: match date_text {
                    Some(t) if !t.is_empty() => {
                        format!("no date govwatch can read in \"{}\"", shorten(&t))
                    }
                    _ => "the date selector matches nothing in this item".into(),
                },
            });
            continue;
        };
        parsed.posts.push(NewPost {
            post_key: url
                .clone()
                .unwrap_or_else(|| format!("{}|{what}", published_at.to_rfc3339())),
            title: title_text,
            url,
            published_at,
            original: None,
        });
    }
    if matched == 0 {
        return Err(SourceError::Malformed(format!(
            "select.item = \"{}\" matches nothing on the page: the page changed or the selector is wrong",
            select.item.as_deref().unwrap_or_default()
        )));
    }
    if parsed.posts.is_empty() {
        return Err(SourceError::Malformed(format!(
            "none of the {matched} items on the page has a date govwatch can read ({})",
            parsed.skipped[0].reason
        )));
    }
    Ok(parsed)
}

/// An element's text with whitespace collapsed.
fn text(el: ElementRef) -> String {
    el.text()
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ")
}

fn shorten(t: &str) -> String {
    if t.chars().count() > 60 {
        let mut s: String = t.chars().take(60).collect();
        s.push('…');
        s
    } else {
        t.to_string()
    }
}

/// Page bytes as text: UTF-8 when they are, else the charset the page declares, else
/// GB18030 (a superset of the GBK and GB2312 that many government pages use).
pub fn decode(body: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(body) {
        return text.trim_start_matches('\u{feff}').to_string();
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_ascii_lowercase();
    let declared = head.find("charset=").and_then(|at| {
        let rest = head[at + 8..].trim_start_matches(['"', '\'']);
        let label: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        encoding_rs::Encoding::for_label(label.as_bytes())
    });
    let encoding = declared.unwrap_or(encoding_rs::GB18030);
    encoding.decode(body).0.into_owned()
}
