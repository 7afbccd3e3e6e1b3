//! The mailbox stage: every mailbox's list pages (followed back to the start of the
//! previous quarter), then the pages of letters whose list row lacks a date, within
//! `[crawl] max_item_pages` per mailbox and cycle and never again once a letter is
//! answered. What a letter says is merged with what the store knew ([`merge_letter`]):
//! "answered" is the reply date where shown, else the day an answered status was first
//! seen (估计); a letter with no visible received date counts from the day it was first
//! seen (日期不详).

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use url::Url;

use crate::catalog::{Catalog, Mailbox, names};
use crate::extract::{self, Letter, LetterState};
use crate::fetch::{Purpose, Request};
use crate::observe::{CrawlOutcome, Message};
use crate::store::{CatalogIds, MailboxRead, StoreError};

/// How one mailbox's read ended.
#[derive(Debug, Clone)]
pub struct MailboxOutcome {
    pub key: String,
    pub site: String,
    pub mailbox: String,
    pub url: String,
    pub pages: usize,
    pub letters_found: usize,
    pub new_letters: usize,
    pub letter_pages: usize,
    /// `None` when the list was read; else the failure class.
    pub failure: Option<String>,
}

/// Reads the mailboxes of `site` (all when `None`).
pub async fn run(
    env: super::Env<'_>,
    ids: &CatalogIds,
    site: Option<&str>,
) -> Result<Vec<MailboxOutcome>, StoreError> {
    let mut out = Vec::new();
    for m in &env.catalog.mailboxes {
        if site.is_some_and(|s| s != m.site) {
            continue;
        }
        let Some(id) = ids.mailboxes.get(&m.key()).copied() else {
            continue;
        };
        out.push(read_mailbox(env, m, id).await?);
    }
    Ok(out)
}

async fn read_mailbox(
    env: super::Env<'_>,
    mailbox: &Mailbox,
    mailbox_id: i64,
) -> Result<MailboxOutcome, StoreError> {
    let super::Env {
        store,
        fetcher,
        catalog,
        settings,
        clock,
    } = env;
    let today = clock.today();
    let oldest = super::crawl::back_to(settings, today);
    let key = mailbox.key();
    let mut outcome = MailboxOutcome {
        key: key.clone(),
        site: mailbox.site.clone(),
        mailbox: mailbox.name.clone(),
        url: mailbox.url.to_string(),
        pages: 0,
        letters_found: 0,
        new_letters: 0,
        letter_pages: 0,
        failure: None,
    };
    let mut seen: Vec<(String, Letter)> = Vec::new();
    let mut visited: HashSet<Url> = HashSet::new();
    let mut next = Some(mailbox.url.clone());
    let mut failure: Option<(CrawlOutcome, Option<i64>, String)> = None;
    while let Some(url) = next.take() {
        if outcome.pages >= settings.crawl.max_pages.max(1) as usize || !visited.insert(url.clone())
        {
            break;
        }
        let result = fetcher
            .fetch(Request::get(url.clone(), Purpose::Column).subject(key.clone()))
            .await;
        for attempt in &result.attempts {
            store.record_fetch_attempt(&attempt.into()).await?;
        }
        let page = match &result.outcome {
            Ok(page) => page,
            Err(f) => {
                tracing::warn!(mailbox = %mailbox.name, site = %mailbox.site, url = %url, "mailbox list: {f}");
                if outcome.pages == 0 {
                    failure = Some((
                        CrawlOutcome::Failed(f.class),
                        f.status.map(i64::from),
                        f.detail.clone(),
                    ));
                }
                break;
            }
        };
        outcome.pages += 1;
        let read = match extract::extract_mailbox(
            &page.text().text,
            &page.final_url,
            mailbox.select.as_ref(),
            today,
        ) {
            Ok(read) => read,
            Err(e) => {
                failure.get_or_insert((CrawlOutcome::Extract, None, e.to_string()));
                break;
            }
        };
        let keys = extract::mailbox::letter_keys(&read.letters);
        let page_oldest = read.letters.iter().filter_map(|l| l.received).min();
        let empty = read.letters.is_empty();
        for (k, l) in keys.into_iter().zip(read.letters) {
            if !seen.iter().any(|(s, _)| *s == k) {
                seen.push((k, l));
            }
        }
        if empty || page_oldest.is_some_and(|d| d < oldest) {
            break;
        }
        next = read.next;
    }
    outcome.letters_found = seen.len();
    if outcome.pages > 0
        && failure
            .as_ref()
            .is_none_or(|f| f.0 != CrawlOutcome::Extract)
    {
        let stored = store.messages_of(&key).await?;
        let mut budget = settings.crawl.max_item_pages as usize;
        let mut messages = Vec::new();
        let mut warned: HashSet<String> = HashSet::new();
        for (number, mut letter) in seen {
            let known = stored.get(&number);
            let answered_before = known.is_some_and(Message::is_answered);
            let mut page_read = false;
            if letter.needs_page() && !answered_before && budget > 0 {
                budget -= 1;
                if let Some(url) = letter.url.clone() {
                    let result = fetcher
                        .fetch(Request::get(url, Purpose::Item).subject(key.clone()))
                        .await;
                    for attempt in &result.attempts {
                        store.record_fetch_attempt(&attempt.into()).await?;
                    }
                    if let Some(page) = result.page() {
                        outcome.letter_pages += 1;
                        page_read = true;
                        add_letter_page(&mut letter, &page.text().text, today);
                    }
                }
            }
            let unit = letter.unit.as_deref().map(|written| {
                map_unit(catalog, written).unwrap_or_else(|| {
                    if warned.insert(written.to_string()) {
                        tracing::warn!(mailbox = %mailbox.name, unit = %written, "承办单位 not in the catalog: kept as written; add a [[unit]] with this name to count it under a catalog unit");
                    }
                    written.to_string()
                })
            });
            if known.is_none() {
                outcome.new_letters += 1;
            }
            let mut message = merge_letter(
                known,
                &key,
                &number,
                mailbox_id,
                &letter,
                unit.or_else(|| known.and_then(|k| k.unit.clone()))
                    .or_else(|| mailbox.units.first().cloned()),
                today,
            );
            message.page_read |= page_read;
            messages.push(message);
        }
        store.upsert_messages(&messages, clock.now()).await?;
    }
    let (outcome_code, status, detail) = match &failure {
        Some((class, status, detail)) if outcome.pages == 0 || *class == CrawlOutcome::Extract => {
            outcome.failure = Some(class.to_string());
            (*class, *status, Some(detail.clone()))
        }
        _ => (CrawlOutcome::Ok, None, None),
    };
    store
        .record_mailbox_read(&MailboxRead {
            mailbox_id,
            at: clock.now(),
            outcome: outcome_code,
            status,
            detail,
            letters_found: outcome.letters_found as i64,
            pages: outcome.pages as i64,
        })
        .await?;
    Ok(outcome)
}

fn map_unit(catalog: &Catalog, written: &str) -> Option<String> {
    names::unit_named(written, catalog.units.iter().map(|u| u.name.as_str())).map(str::to_string)
}

/// Fills what the list row lacks from the letter's own page.
pub fn add_letter_page(letter: &mut Letter, html: &str, today: NaiveDate) {
    let page = extract::letter_page(html, today);
    letter.received = letter.received.or(page.received);
    letter.replied = letter.replied.or(page.replied);
    if letter.status.is_none()
        && let Some(status) = page.status
    {
        letter.state = LetterState::of_status(&status);
        letter.status = Some(status);
    }
    letter.unit = letter.unit.take().or(page.unit);
    letter.category = letter.category.take().or(page.category);
}

/// A letter as seen today, merged with what the store knew of it: the message to keep.
pub fn merge_letter(
    known: Option<&Message>,
    channel: &str,
    number: &str,
    mailbox_id: i64,
    letter: &Letter,
    unit: Option<String>,
    today: NaiveDate,
) -> Message {
    let (received_on, received_known) = match (letter.received, known) {
        (Some(d), _) => (d, true),
        (None, Some(k)) => (k.received_on, k.received_known),
        (None, None) => (today, false),
    };
    // A row that shows no status and no reply date says nothing new: what was learnt
    // (from the letter's page, or an earlier list) stays.
    let silent = letter.state == LetterState::Unknown && letter.replied.is_none();
    let withdrawn = match known {
        Some(k) if silent => k.withdrawn,
        _ => letter.state == LetterState::Withdrawn,
    };
    let (answered_on, answered_estimated) = match (letter.replied, known) {
        _ if withdrawn => (None, false),
        (None, Some(k)) if silent => (k.answered_on, k.answered_estimated),
        (Some(d), _) => (Some(d), false),
        (None, Some(k)) if letter.answered() && k.answered_on.is_some() => {
            (k.answered_on, k.answered_estimated)
        }
        (None, _) if letter.answered() => (Some(today), true),
        (None, _) => (None, false),
    };
    Message {
        channel: channel.to_string(),
        number: number.to_string(),
        mailbox_id: Some(mailbox_id),
        title: Some(letter.title.clone()),
        url: letter.url.as_ref().map(Url::to_string),
        unit: unit.or_else(|| known.and_then(|k| k.unit.clone())),
        category: letter
            .category
            .clone()
            .or_else(|| known.and_then(|k| k.category.clone())),
        status: letter
            .status
            .clone()
            .or_else(|| known.and_then(|k| k.status.clone())),
        withdrawn,
        received_on,
        received_known,
        answered_on,
        answered_estimated,
        deadline_on: None,
        reworked: known.is_some_and(|k| k.reworked),
        page_read: known.is_some_and(|k| k.page_read),
        row_ref: None,
    }
}

/// Mailboxes by id, for reports (channel key → (site, name)).
pub fn mailbox_names(catalog: &Catalog) -> HashMap<String, (String, String)> {
    catalog
        .mailboxes
        .iter()
        .map(|m| (m.key(), (m.site.clone(), m.name.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    fn letter(received: Option<NaiveDate>, replied: Option<NaiveDate>, status: &str) -> Letter {
        Letter {
            title: "关于路灯的咨询".into(),
            url: None,
            received,
            replied,
            status: (!status.is_empty()).then(|| status.to_string()),
            state: LetterState::of_status(status),
            unit: None,
            category: None,
        }
    }

    #[test]
    fn answered_is_the_reply_date_else_the_first_day_seen_answered() {
        let open = merge_letter(
            None,
            "mb",
            "1",
            1,
            &letter(Some(d(9, 1)), None, "办理中"),
            None,
            d(9, 2),
        );
        assert_eq!((open.answered_on, open.received_known), (None, true));
        let seen = merge_letter(
            Some(&open),
            "mb",
            "1",
            1,
            &letter(Some(d(9, 1)), None, "已回复"),
            None,
            d(9, 9),
        );
        assert_eq!(
            (seen.answered_on, seen.answered_estimated),
            (Some(d(9, 9)), true)
        );
        let later = merge_letter(
            Some(&seen),
            "mb",
            "1",
            1,
            &letter(Some(d(9, 1)), None, "已回复"),
            None,
            d(9, 20),
        );
        assert_eq!(
            later.answered_on,
            Some(d(9, 9)),
            "the first day seen answered stays"
        );
        let dated = merge_letter(
            Some(&later),
            "mb",
            "1",
            1,
            &letter(Some(d(9, 1)), Some(d(9, 4)), "已回复"),
            None,
            d(9, 21),
        );
        assert_eq!(
            (dated.answered_on, dated.answered_estimated),
            (Some(d(9, 4)), false)
        );
    }

    #[test]
    fn a_letter_without_a_received_date_counts_from_the_day_first_seen() {
        let first = merge_letter(
            None,
            "mb",
            "title:不公开",
            1,
            &letter(None, None, "办理中"),
            None,
            d(9, 3),
        );
        assert_eq!((first.received_on, first.received_known), (d(9, 3), false));
        let again = merge_letter(
            Some(&first),
            "mb",
            "title:不公开",
            1,
            &letter(None, None, "办理中"),
            None,
            d(9, 10),
        );
        assert_eq!((again.received_on, again.received_known), (d(9, 3), false));
    }
}
