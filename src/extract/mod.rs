//! Extraction: what a fetched page says, as facts the rules can count.
//!
//! Between fetch and store: the fetcher hands over decoded text and the URL it came from,
//! and this layer returns list items with their dates ([`list`]), an item page's date
//! ([`item`]), every link to check ([`links`]) and the dated items of a home page
//! ([`homepage`]). Dates in the forms Chinese government sites print them, in the URLs
//! their CMSs write, and the post times of new-media sources and sheets, are read in
//! [`dates`], the one date parser.
//!
//! It must stay pure: no I/O, no real clock (`today` or the run's `Clock` is an
//! argument), no call into fetch or store. That keeps every rule replayable with `--now`
//! and every template testable from a fixture file.

pub mod attachment;
pub mod content;
pub mod dates;
mod dom;
mod hanweb;
pub mod homepage;
pub mod item;
pub mod links;
pub mod list;
mod list_choice;
mod list_empty;
pub mod list_source;
pub mod mailbox;
pub mod notfound;
mod pager;
mod publish_date;
mod trs;

#[cfg(test)]
mod tests;

pub use dates::{date_from_url, find_date, parse_date_cell};
pub use dom::{MAX_DEPTH, Parsed, parse_document};
pub use homepage::home_items;
pub use item::{ItemDateSource, column_name, item_date, item_title};
pub use links::{
    LinkKind, LinkProblem, MalformedLink, PageLink, PageLinks, extract_links, malformed_links,
    page_links, page_links_in,
};
pub use list::{
    DateSource, ListItem, ListOutcome, ListPage, Selectors, check_selectors, explain_list,
    extract_list,
};
pub use list_choice::CandidateReport;
pub use list_empty::ScriptList;
pub use mailbox::{
    Letter, LetterPage, LetterState, MailboxPage, MailboxSelectors, extract_mailbox, letter_page,
};

/// What extraction can refuse: only a column's own selectors, as nothing else in a page
/// is an error (an unreadable page is an empty list, and the column rules report that).
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error(
        "the column's `select.{part}` selector {selector:?} is not valid CSS ({reason}); \
         correct it in the catalog's [column.select] table"
    )]
    BadSelector {
        part: &'static str,
        selector: String,
        reason: String,
    },
}
