//! `feed` sources: RSS 2.0, Atom and JSON Feed from any bridge (RSSHub, wechat2rss,
//! we-mp-rss …), read with feed-rs and this crate's date parser, because bridges emit
//! dates feed-rs alone does not read (RFC 822 without a zone, `CST`, naive and Chinese
//! forms). An entry without a readable date is reported in [`Parsed::skipped`]; a feed
//! whose entries all lack one is malformed, never "no posts".

use std::sync::{Arc, Mutex};

use super::{Parsed, PostSource, Skipped, SourceError, SourceRequest, looks_like_html};
use crate::catalog::{Account, SourceKind};
use crate::clock::Clock;
use crate::config::SourceSettings;
use crate::extract::dates::parse_post_time;
use crate::observe::NewPost;

pub struct FeedSource;

impl PostSource for FeedSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Feed
    }

    fn request(
        &self,
        account: &Account,
        _settings: &SourceSettings,
    ) -> Result<Option<SourceRequest>, SourceError> {
        let url = account.source.url.clone().ok_or_else(|| {
            SourceError::NotConfigured(format!(
                "account \"{}\" has a feed source without a url: write source = {{ kind = \"feed\", url = \"https://…\" }}",
                account.name
            ))
        })?;
        Ok(Some(SourceRequest::get(url).header(
            "Accept",
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.8",
        )))
    }

    fn parse(&self, _account: &Account, body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
        parse_feed(body, clock)
    }
}

/// Reads an RSS, Atom or JSON feed.
pub fn parse_feed(body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
    if looks_like_html(body) {
        return Err(SourceError::Malformed(
            "the feed URL answered an HTML page, not a feed: the bridge may be down or the route wrong; open the URL in a browser".into(),
        ));
    }
    let unreadable: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&unreadable);
    let clock = *clock;
    let parser = feed_rs::parser::Builder::new()
        .sanitize_content(false)
        .timestamp_parser(move |text| {
            let parsed = parse_post_time(text, &clock);
            if parsed.is_none()
                && let Ok(mut seen) = seen.lock()
            {
                seen.push(text.trim().to_string());
            }
            parsed
        })
        .build();
    let feed = parser.parse(body).map_err(|e| {
        SourceError::Malformed(format!(
            "not an RSS, Atom or JSON feed: {e}; check the source url in the catalog"
        ))
    })?;
    // The distinct unreadable date texts, a few of them, for the message.
    let mut unreadable = unreadable.lock().map(|v| v.clone()).unwrap_or_default();
    unreadable.sort();
    unreadable.dedup();
    unreadable.truncate(3);
    let mut parsed = Parsed::default();
    for entry in feed.entries {
        let title = entry
            .title
            .as_ref()
            .map(|t| t.content.trim().to_string())
            .filter(|t| !t.is_empty());
        let url = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .map(|l| l.href.trim().to_string());
        let Some(published_at) = entry.published.or(entry.updated) else {
            let what = title
                .clone()
                .or_else(|| url.clone())
                .unwrap_or_else(|| entry.id.clone());
            parsed.skipped.push(Skipped {
                entry: what,
                reason: match unreadable.first() {
                    Some(_) => format!(
                        "no date govwatch can read (the feed writes dates like \"{}\")",
                        unreadable.join("\", \"")
                    ),
                    None => "the entry has no date".into(),
                },
            });
            continue;
        };
        parsed.posts.push(NewPost {
            post_key: if entry.id.is_empty() {
                url.clone().unwrap_or_default()
            } else {
                entry.id.clone()
            },
            title,
            url,
            published_at,
            original: None,
        });
    }
    if parsed.posts.is_empty() && !parsed.skipped.is_empty() {
        return Err(SourceError::Malformed(format!(
            "none of the feed's {} entries has a date govwatch can read ({}); without dates the account's silence cannot be judged",
            parsed.skipped.len(),
            parsed.skipped[0].reason
        )));
    }
    Ok(parsed)
}
