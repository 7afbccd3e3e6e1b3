//! The detect stage of a cycle: reads what the store observed, runs the pure rules of
//! `detect` for the run's day, and reconciles their findings into episodes, one rule
//! family at a time, each with the scope of what it could judge.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Days, NaiveDate};

use crate::catalog::{Catalog, Platform, SourceKind};
use crate::clock::{Clock, start_of_day};
use crate::config::Settings;
use crate::detect::accounts::{
    AccountState, Listed, SourceCheck, WEEKLY_LOOKBACK_WEEKS, account_key_of, judge_accounts,
    judge_unregistered, judge_weekly_minimum,
};
use crate::detect::columns::{
    ColumnState, CrawlResult, judge_columns, judge_units, split_period_subject,
};
use crate::detect::links::{BrokenUrl, LinkPlace, PageRole, PagesRead, SiteLinks, judge_links};
use crate::detect::messages::{
    Calendar, MailboxState, MessageState, judge_mailboxes, judge_messages,
};
use crate::detect::period::Period;
use crate::detect::sites::{ProbeResult, SiteState, judge_sites};
use crate::detect::{Context, Evidence, Finding, Kind};
use crate::report::wording;
use crate::store::{CatalogIds, FindingFilter, NewFinding, Scope, Store, StoreError};

/// What reconciling changed, per finding code.
#[derive(Debug, Default, Clone)]
pub struct DetectReport {
    pub opened: usize,
    pub confirmed: usize,
    /// Closed as rectified (整改).
    pub resolved: usize,
    /// Closed as 不再监测: no longer watched, not rectified.
    pub unwatched: usize,
    /// Findings that hold now, by kind.
    pub holding: HashMap<Kind, usize>,
    /// Findings that hold now but were dismissed as false alarms (误报): left out of the
    /// counts above.
    pub dismissed: usize,
}

const COLUMN_KINDS: [Kind; 6] = [
    Kind::ColumnUnreachable,
    Kind::ColumnEmpty,
    Kind::ColumnStale,
    Kind::ColumnZeroPublish,
    Kind::ColumnQuotaShortfall,
    Kind::UnitZeroPublish,
];
const SITE_KINDS: [Kind; 3] = [
    Kind::SiteUnreachable,
    Kind::SiteBlocked,
    Kind::SiteHomeStale,
];
const ACCOUNT_KINDS: [Kind; 5] = [
    Kind::AccountSilent,
    Kind::AccountZombie,
    Kind::AccountDuplicate,
    Kind::AccountClosedActive,
    Kind::AccountUnreachable,
];

/// Runs every rule for the clock's day and records the episodes. With `only`, just
/// the findings about those subjects are opened, confirmed or resolved (a re-check).
pub async fn run(
    store: &Store,
    catalog: &Catalog,
    ids: &CatalogIds,
    settings: &Settings,
    clock: &Clock,
    only: Option<&HashSet<String>>,
) -> Result<DetectReport, StoreError> {
    let today = clock.today();
    let now = clock.now();
    let ctx = Context {
        today,
        thresholds: &settings.thresholds,
    };
    let open: HashSet<(Kind, String)> = store.open_finding_keys().await?;
    let mut report = DetectReport::default();

    // Columns and units.
    let needed = settings.thresholds.column_unreachable_failures.max(1) as usize + 1;
    let crawls = store.recent_column_crawls(needed, now).await?;
    let (from, earlier) = item_windows(&open, ids, today);
    let mut dates = store.item_dates_from(today, from, &earlier).await?;
    let columns: Vec<ColumnState> = catalog
        .columns
        .iter()
        .filter_map(|c| {
            let key = c.key();
            let id = *ids.columns.get(&key)?;
            Some(ColumnState {
                column: c,
                dates: dates.remove(&id).unwrap_or_default(),
                crawls: crawls
                    .get(&id)
                    .map(|list| {
                        list.iter()
                            .map(|r| CrawlResult::of(r.outcome, r.status, r.items_found))
                            .collect()
                    })
                    .unwrap_or_default(),
                key,
            })
        })
        .collect();
    let mut found = judge_columns(&ctx, &columns, &open);
    found.extend(judge_units(&ctx, &columns, &open));
    reconcile(store, &COLUMN_KINDS, None, found, only, clock, &mut report).await?;

    // Sites.
    let window = u64::from(settings.probe.window_days.max(1));
    let from = start_of_day(today - Days::new(window), clock.tz());
    let mut probes: HashMap<i64, Vec<(NaiveDate, ProbeResult)>> = HashMap::new();
    for (site, at, outcome) in store.probes_between(from, now).await? {
        probes
            .entry(site)
            .or_default()
            .push((clock.day_of(at), ProbeResult::from(outcome)));
    }
    let mut home = store.latest_home_dates(now).await?;
    let sites: Vec<SiteState> = catalog
        .sites
        .iter()
        .filter_map(|s| {
            let key = s.key();
            let id = *ids.sites.get(&key)?;
            Some(SiteState {
                site: s,
                probes: probes.remove(&id).unwrap_or_default(),
                home_dates: home.remove(&id),
                key,
            })
        })
        .collect();
    let found = judge_sites(&ctx, &settings.probe, &sites);
    reconcile(store, &SITE_KINDS, None, found, only, clock, &mut report).await?;

    // Links: only URLs checked in this cycle are judged (or resolved); those whose
    // pages were not read for long close as 不再监测.
    let full_every_days = settings.links.full_every_days;
    let (found, checked) = link_states(store, catalog, ids, clock).await?;
    let unwatched =
        unwatched_findings(store, &[Kind::LinkBroken], &checked, full_every_days, clock).await?;
    reconcile_closing(
        store,
        &[Kind::LinkBroken],
        (Some(checked), unwatched),
        found,
        only,
        clock,
        &mut report,
    )
    .await?;

    // Content: only pages read in this cycle are judged (or rectified).
    let kinds = [Kind::ContentError, Kind::PrivacyLeak, Kind::LinkHidden];
    let (found, read) = content_states(store, catalog, ids, clock).await?;
    let unwatched = unwatched_findings(store, &kinds, &read, full_every_days, clock).await?;
    reconcile_closing(
        store,
        &kinds,
        (Some(read), unwatched),
        found,
        only,
        clock,
        &mut report,
    )
    .await?;

    // Outside links: those whose outside page was read in this cycle.
    let (found, read) = outside_states(store, catalog, ids, clock).await?;
    let unwatched = unwatched_findings(
        store,
        &[Kind::LinkSuspicious],
        &read,
        full_every_days,
        clock,
    )
    .await?;
    reconcile_closing(
        store,
        &[Kind::LinkSuspicious],
        (Some(read), unwatched),
        found,
        only,
        clock,
        &mut report,
    )
    .await?;

    // Accounts: those whose source was never checked (and is not imported by hand) are
    // unknown, so neither judged nor resolved.
    let needed = settings.thresholds.account_unreachable_failures.max(1) as usize + 1;
    let checks = store.recent_account_checks(needed, now).await?;
    let weekly = settings.thresholds.account_weekly_minimum;
    let (from, earlier) = post_windows(&open, ids, today);
    let mut posts = store
        .posts_from(
            now,
            weekly.then(|| start_of_day(from, clock.tz())),
            &earlier
                .into_iter()
                .map(|(id, day)| (id, start_of_day(day, clock.tz())))
                .collect(),
            weekly,
        )
        .await?;
    let first_reads = store.first_account_reads(now).await?;
    let mut states = Vec::new();
    for a in &catalog.accounts {
        let key = a.key();
        let Some(id) = ids.accounts.get(&key).copied() else {
            continue;
        };
        let latest: Vec<_> = checks
            .get(&id)
            .into_iter()
            .flatten()
            .map(|c| (c.outcome, c.detail.as_deref()))
            .collect();
        // Expired credentials, missing settings, throttling: the account is unknown today.
        let Some(check) = SourceCheck::of(&latest, a.source.kind == SourceKind::Manual) else {
            continue;
        };
        let post_originals: Vec<(NaiveDate, Option<bool>)> = posts
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .filter(|(t, _)| clock.has_happened(*t))
            .map(|(t, original)| (clock.day_of(t), original))
            .collect();
        states.push(AccountState {
            account: a,
            key,
            post_originals,
            watched_since: first_reads.get(&id).map(|t| clock.day_of(*t)),
            check,
        });
    }
    let judged: HashSet<String> = states.iter().map(|s| s.key.clone()).collect();
    let readable: HashSet<String> = states
        .iter()
        .filter(|s| s.check == SourceCheck::Read)
        .map(|s| s.key.clone())
        .collect();
    // Weekly minimum: each week is its own subject (KEY#2020-W03); the open weeks of
    // the accounts read on this check may resolve (with the flag off, they all do, as
    // any rule's episodes do when its threshold changes).
    let weeks: HashSet<String> = open
        .iter()
        .filter(|(k, s)| *k == Kind::AccountWeeklyMinimum && readable.contains(account_key_of(s)))
        .map(|(_, s)| s.clone())
        .collect();
    let found = judge_accounts(&ctx, &states);
    let weekly = judge_weekly_minimum(&ctx, &states, &open);
    // Unreachable findings may resolve for every checked account; silence and the rest
    // only for accounts read on this check.
    let (unreachable, other): (Vec<Finding>, Vec<Finding>) = found
        .into_iter()
        .partition(|f| f.kind == Kind::AccountUnreachable);
    reconcile(
        store,
        &[Kind::AccountUnreachable],
        Some(judged),
        unreachable,
        only,
        clock,
        &mut report,
    )
    .await?;
    reconcile(
        store,
        &ACCOUNT_KINDS[..4],
        Some(readable),
        other,
        only,
        clock,
        &mut report,
    )
    .await?;
    reconcile(
        store,
        &[Kind::AccountWeeklyMinimum],
        Some(weeks),
        weekly,
        only,
        clock,
        &mut report,
    )
    .await?;

    // Accounts seen in imported listings that the catalog does not register: judged
    // from the listings and the catalog alone, so every check judges (and resolves) them.
    let listed: Vec<Listed> = store
        .listed_accounts()
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(Listed {
                platform: Platform::parse(&r.platform)?,
                seen_in: format!("{} {}", r.listing, r.row_ref),
                name: r.name,
                unit: r.unit,
                operator: r.operator,
                level: r.level,
            })
        })
        .collect();
    let found = judge_unregistered(&ctx, &catalog.accounts, &listed);
    reconcile(
        store,
        &[Kind::AccountUnregistered],
        None,
        found,
        only,
        clock,
        &mut report,
    )
    .await?;

    // 政民互动: every message and every mailbox is judged on every check.
    let messages = store.messages(now).await?;
    let calendar = message_calendar(settings);
    let states = message_states(catalog, settings, &messages);
    let found = judge_messages(&ctx, &calendar, &states);
    reconcile(
        store,
        &[Kind::MessageOverdue, Kind::InteractionUnanswered],
        None,
        found,
        only,
        clock,
        &mut report,
    )
    .await?;
    let needed = settings.thresholds.column_unreachable_failures.max(1) as usize;
    let mut reads = store.recent_mailbox_reads(needed, now).await?;
    let boxes: Vec<MailboxState> = catalog
        .mailboxes
        .iter()
        .filter_map(|m| {
            let key = m.key();
            let id = *ids.mailboxes.get(&key)?;
            Some(MailboxState {
                mailbox: m,
                reads: reads
                    .remove(&id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (r.outcome, r.status))
                    .collect(),
                key,
            })
        })
        .collect();
    let found = judge_mailboxes(&ctx, &boxes);
    reconcile(
        store,
        &[Kind::MailboxUnreachable],
        None,
        found,
        only,
        clock,
        &mut report,
    )
    .await?;
    // False alarms (误报) that detection holds are not problems to count.
    for f in store.dismissed_open_findings().await? {
        if f.last_confirmed < now {
            continue; // not judged in this check
        }
        if let Some(n) = report.holding.get_mut(&f.kind) {
            *n = n.saturating_sub(1);
        }
        if f.opened_at >= now {
            report.opened = report.opened.saturating_sub(1);
        } else {
            report.confirmed = report.confirmed.saturating_sub(1);
        }
        report.dismissed += 1;
    }
    report.holding.retain(|_, n| *n > 0);
    Ok(report)
}

/// The item dates the column rules need on `today`: from the start of the last
/// completed quarter for every column, and from an older quarter for a column with a
/// quota-shortfall episode of that quarter still open (the rule counts every quarter
/// since). Older zero-publish quarters need only the newest date, which the store adds.
pub fn item_windows(
    open: &HashSet<(Kind, String)>,
    ids: &CatalogIds,
    today: NaiveDate,
) -> (NaiveDate, HashMap<i64, NaiveDate>) {
    let from = Period::last_completed_quarter(today).start();
    let mut earlier: HashMap<i64, NaiveDate> = HashMap::new();
    for (kind, subject) in open {
        if *kind != Kind::ColumnQuotaShortfall {
            continue;
        }
        if let Some((key, quarter)) = split_period_subject(subject)
            && quarter.start() < from
            && let Some(id) = ids.columns.get(key)
        {
            let start = earlier.entry(*id).or_insert(quarter.start());
            *start = (*start).min(quarter.start());
        }
    }
    (from, earlier)
}

/// The local days from which the account rules need every post (with
/// `account_weekly_minimum` on): the weeks it looks back over, and older weeks whose
/// episode is still open. Before that, the latest post and original are enough.
pub fn post_windows(
    open: &HashSet<(Kind, String)>,
    ids: &CatalogIds,
    today: NaiveDate,
) -> (NaiveDate, HashMap<i64, NaiveDate>) {
    let last_week = Period::week_of(today).previous();
    let from = std::iter::successors(Some(last_week), |w| Some(w.previous()))
        .take(WEEKLY_LOOKBACK_WEEKS)
        .last()
        .unwrap_or(last_week)
        .start();
    let mut earlier: HashMap<i64, NaiveDate> = HashMap::new();
    for (kind, subject) in open {
        if *kind != Kind::AccountWeeklyMinimum {
            continue;
        }
        if let Some((key, week)) = split_period_subject(subject)
            && week.start() < from
            && let Some(id) = ids.accounts.get(key)
        {
            let start = earlier.entry(*id).or_insert(week.start());
            *start = (*start).min(week.start());
        }
    }
    (from, earlier)
}

/// The working-day calendar of `[schedule]`.
pub fn message_calendar(settings: &Settings) -> Calendar {
    Calendar {
        holidays: settings.schedule.holidays.clone(),
        workdays: settings.schedule.workdays.clone(),
    }
}

/// Messages with their channel's name and reply days: a crawled letter's mailbox, else
/// the imported 渠道 with `[thresholds] reply_days`.
pub fn message_states<'a>(
    catalog: &Catalog,
    settings: &Settings,
    messages: &'a [crate::observe::Message],
) -> Vec<MessageState<'a>> {
    let boxes: HashMap<String, &crate::catalog::Mailbox> =
        catalog.mailboxes.iter().map(|m| (m.key(), m)).collect();
    messages
        .iter()
        .map(|m| match boxes.get(&m.channel) {
            Some(b) => MessageState {
                message: m,
                channel_name: b.name.clone(),
                site: Some(b.site.clone()),
                reply_days: b.reply_days.unwrap_or(settings.thresholds.reply_days),
            },
            None => MessageState {
                message: m,
                channel_name: m.channel.clone(),
                site: None,
                reply_days: settings.thresholds.reply_days,
            },
        })
        .collect()
}

/// The broken-link findings of this cycle, and the subjects (site|URL) it checked.
async fn link_states(
    store: &Store,
    catalog: &Catalog,
    ids: &CatalogIds,
    clock: &Clock,
) -> Result<(Vec<Finding>, HashSet<String>), StoreError> {
    let cycle = crate::cycle::links::cycle_id(clock);
    let results = store.link_results(&cycle).await?;
    let checks: HashMap<&str, &crate::store::LinkResult> =
        results.iter().map(|c| (c.url.as_str(), c)).collect();
    let mut subjects = HashSet::new();
    if checks.is_empty() {
        return Ok((Vec::new(), subjects));
    }
    let since = start_of_day(clock.today(), clock.tz());
    // Every link checked and seen today on each site, once: the subjects this cycle judged.
    let site_keys: HashMap<i64, String> = catalog
        .sites
        .iter()
        .filter_map(|s| Some((*ids.sites.get(&s.key())?, s.key())))
        .collect();
    for (site_id, url) in store.links_seen_by_site_since(since).await? {
        if let Some(key) = site_id.and_then(|id| site_keys.get(&id))
            && checks.contains_key(url.as_str())
        {
            subjects.insert(crate::detect::links::subject_key(key, &url));
        }
    }
    // Links not checked today whose findings are open: removed from their pages, or not.
    let open: Vec<_> = store
        .findings(&FindingFilter {
            open_only: true,
            kind: Some(Kind::LinkBroken),
            ..FindingFilter::default()
        })
        .await?
        .into_iter()
        .filter(|f| !subjects.contains(&f.subject_key))
        .collect();
    // Where the broken links and those of open findings are: read for these links only,
    // so the cost follows the broken links, not every link seen.
    let wanted: BTreeSet<&str> = results
        .iter()
        .filter(|c| c.outcome.is_broken())
        .map(|c| c.url.as_str())
        .chain(open.iter().filter_map(|f| match &f.evidence {
            Some(Evidence::LinkBroken(e)) => Some(e.url.as_str()),
            _ => None,
        }))
        .collect();
    let sources = store
        .pages_of_links_since(&wanted.into_iter().collect::<Vec<_>>(), since)
        .await?;
    let column_names: HashMap<i64, &str> = catalog
        .columns
        .iter()
        .filter_map(|c| Some((*ids.columns.get(&c.key())?, c.name.as_str())))
        .collect();
    // The column of an item page names the place of a broken link on it.
    let broken_pages: HashSet<&str> = sources
        .iter()
        .filter(|s| {
            checks
                .get(s.link_url.as_str())
                .is_some_and(|c| c.outcome.is_broken())
        })
        .map(|s| s.page_url.as_str())
        .collect();
    let item_pages = store
        .item_page_columns(&broken_pages.into_iter().collect::<Vec<_>>())
        .await?;
    let mut places_by_site: HashMap<i64, Vec<&crate::store::LinkSeen>> = HashMap::new();
    for s in &sources {
        if let Some(site) = s.site_id {
            places_by_site.entry(site).or_default().push(s);
        }
    }
    let mut states = Vec::new();
    for site in &catalog.sites {
        let key = site.key();
        let Some(site_id) = ids.sites.get(&key).copied() else {
            continue;
        };
        let mut broken: BTreeMap<&str, BrokenUrl> = BTreeMap::new();
        for s in places_by_site.get(&site_id).into_iter().flatten().copied() {
            let Some(check) = checks.get(s.link_url.as_str()) else {
                continue;
            };
            if !check.outcome.is_broken() {
                continue;
            }
            let item_of = item_pages
                .get(&s.page_url)
                .and_then(|id| column_names.get(id))
                .copied();
            let role = PageRole::of(&s.page_url, site, &catalog.columns, item_of);
            broken
                .entry(s.link_url.as_str())
                .or_insert_with(|| BrokenUrl {
                    url: s.link_url.clone(),
                    outcome: check.outcome.to_string(),
                    status: check.status,
                    detail: check.detail.clone(),
                    places: Vec::new(),
                })
                .places
                .push(LinkPlace {
                    page_url: s.page_url.clone(),
                    role,
                    anchor: s.anchor.clone().unwrap_or_default(),
                });
        }
        states.push(SiteLinks {
            site,
            key,
            columns: catalog
                .columns
                .iter()
                .filter(|c| c.site == site.name)
                .collect(),
            broken: broken.into_values().collect(),
        });
    }
    // Links removed from every page they were on are rectified too, and so are links
    // whose pages are gone (404 on two reads) or read today without any link. A page
    // read today is one the link stage recorded as read (`link_pages`).
    let pages: Vec<&str> = open
        .iter()
        .flat_map(|f| pages_of(f.evidence.as_ref()))
        .collect();
    let pages = store.link_page_states(&pages).await?;
    let read = PagesRead::new(
        sources
            .iter()
            .map(|s| (s.page_url.as_str(), s.link_url.as_str())),
    )
    .and_pages(
        pages
            .iter()
            .filter(|(_, p)| {
                (p.last_read >= since && p.missing_reads == 0)
                    || crate::detect::page_gone(p.missing_reads)
            })
            .map(|(page, _)| page.as_str()),
    );
    for f in &open {
        let Some(Evidence::LinkBroken(evidence)) = &f.evidence else {
            continue;
        };
        if read.removed(&evidence.url, &pages_of(f.evidence.as_ref())) {
            subjects.insert(f.subject_key.clone());
        }
    }
    Ok((judge_links(&states), subjects))
}

/// The content findings of the pages read in this cycle, and the subjects (site|page)
/// judged: every page read, but one that answered 404 once (gone only after two).
async fn content_states(
    store: &Store,
    catalog: &Catalog,
    ids: &CatalogIds,
    clock: &Clock,
) -> Result<(Vec<Finding>, HashSet<String>), StoreError> {
    let since = start_of_day(clock.today(), clock.tz());
    let rows = store.pages_read_since(since).await?;
    let sites: HashMap<i64, &crate::catalog::Site> = catalog
        .sites
        .iter()
        .filter_map(|s| Some((*ids.sites.get(&s.key())?, s)))
        .collect();
    let columns = columns_by_name(catalog);
    let mut states = Vec::new();
    let mut subjects = HashSet::new();
    for row in rows {
        let Some(site) = row.site_id.and_then(|id| sites.get(&id)).copied() else {
            continue;
        };
        if row.missing_reads > 0 && !crate::detect::page_gone(row.missing_reads) {
            continue;
        }
        let scan: crate::extract::content::PageScan =
            serde_json::from_str(&row.hits).unwrap_or_default();
        // An attachment that could not be read says nothing: its findings stay as they
        // were until it is read or gone.
        if scan.unreadable.is_some() && row.missing_reads == 0 {
            continue;
        }
        let key = site.key();
        subjects.insert(crate::detect::content::subject_key(&key, &row.page_url));
        let column = row
            .column_name
            .as_deref()
            .and_then(|name| columns.get(&(site.name.as_str(), name)).copied());
        let unit = match column {
            Some(c) if !c.units.is_empty() => Some(crate::detect::join_names(&c.units)),
            _ => site.unit.clone(),
        };
        let role = match (row.role.as_str(), &row.column_name) {
            ("home", _) => PageRole::Home,
            ("column", Some(name)) => PageRole::Column(name.clone()),
            (_, Some(name)) => PageRole::Item(name.clone()),
            _ => PageRole::Other,
        };
        states.push(crate::detect::content::PageState {
            site,
            site_key: key,
            unit,
            place: role.zh(),
            title: row
                .title
                .filter(|_| role != PageRole::Home && !matches!(role, PageRole::Column(_))),
            page_url: row.page_url,
            published_on: row.published_on,
            scan,
            gone: crate::detect::page_gone(row.missing_reads),
        });
    }
    let ctx = Context {
        today: clock.today(),
        thresholds: &Default::default(),
    };
    Ok((
        crate::detect::content::judge_content(&ctx, &states),
        subjects,
    ))
}

/// The link_suspicious findings of the outside pages read in this cycle (scanned for
/// 外链禁用词 by the link check), on every page of a site linking to them today, and the
/// subjects (site|page|URL) judged.
async fn outside_states(
    store: &Store,
    catalog: &Catalog,
    ids: &CatalogIds,
    clock: &Clock,
) -> Result<(Vec<Finding>, HashSet<String>), StoreError> {
    let since = start_of_day(clock.today(), clock.tz());
    let scans: HashMap<String, crate::extract::content::PageScan> = store
        .pages_of_role_read_since(crate::cycle::content::OUTSIDE_ROLE, since)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.page_url,
                serde_json::from_str(&r.hits).unwrap_or_default(),
            )
        })
        .collect();
    let open = store
        .findings(&FindingFilter {
            open_only: true,
            kind: Some(Kind::LinkSuspicious),
            ..FindingFilter::default()
        })
        .await?;
    let mut subjects = HashSet::new();
    // Nothing to judge and nothing to rectify: the link reads below are not needed.
    if scans.is_empty() && open.is_empty() {
        return Ok((Vec::new(), subjects));
    }
    // A link gone from a page read in this cycle is rectified there too.
    let read_today: HashSet<String> = store
        .link_page_reads()
        .await?
        .into_iter()
        .filter(|(_, at)| *at >= since)
        .map(|(page, _)| page)
        .collect();
    let sources = store.link_sources_since(since).await?;
    let seen: HashSet<(&str, &str)> = sources
        .iter()
        .map(|s| (s.page_url.as_str(), s.link_url.as_str()))
        .collect();
    for f in open {
        if let Some(Evidence::LinkSuspicious(e)) = &f.evidence
            && read_today.contains(&e.page.page)
            && !seen.contains(&(e.page.page.as_str(), e.url.as_str()))
        {
            subjects.insert(f.subject_key.clone());
        }
    }
    if scans.is_empty() {
        return Ok((Vec::new(), subjects));
    }
    let sites: HashMap<i64, &crate::catalog::Site> = catalog
        .sites
        .iter()
        .filter_map(|s| Some((*ids.sites.get(&s.key())?, s)))
        .collect();
    let column_names: HashMap<i64, &str> = catalog
        .columns
        .iter()
        .filter_map(|c| Some((*ids.columns.get(&c.key())?, c.name.as_str())))
        .collect();
    let linking: HashSet<&str> = sources
        .iter()
        .filter(|s| scans.contains_key(&s.link_url))
        .map(|s| s.page_url.as_str())
        .collect();
    let item_pages = store
        .item_page_columns(&linking.into_iter().collect::<Vec<_>>())
        .await?;
    let columns = columns_by_name(catalog);
    let mut links = Vec::new();
    for s in &sources {
        let (Some(scan), Some(site)) = (
            scans.get(&s.link_url),
            s.site_id.and_then(|id| sites.get(&id)).copied(),
        ) else {
            continue;
        };
        let key = site.key();
        subjects.insert(crate::detect::content::outside_subject_key(
            &key,
            &s.page_url,
            &s.link_url,
        ));
        let item_of = item_pages
            .get(&s.page_url)
            .and_then(|id| column_names.get(id))
            .copied();
        let role = PageRole::of(&s.page_url, site, &catalog.columns, item_of);
        let column = match &role {
            PageRole::Column(name) | PageRole::Item(name) => {
                columns.get(&(site.name.as_str(), name.as_str())).copied()
            }
            _ => None,
        };
        let unit = match column {
            Some(c) if !c.units.is_empty() => Some(crate::detect::join_names(&c.units)),
            _ => site.unit.clone(),
        };
        links.push(crate::detect::content::OutsideLink {
            site_key: key,
            page: crate::observe::evidence::PageBase {
                site: site.name.clone(),
                unit,
                page: s.page_url.clone(),
                title: None,
                place: role.zh(),
                published_on: None,
                detected_on: clock.today(),
                attachment: None,
            },
            url: s.link_url.clone(),
            anchor: s.anchor.clone().unwrap_or_default(),
            hits: scan.words.clone(),
        });
    }
    Ok((crate::detect::content::judge_outside(&links), subjects))
}

/// The pages a page-bound finding (a broken link, a content hit, an outside link) is
/// about: where govwatch reads it.
fn pages_of(evidence: Option<&Evidence>) -> Vec<&str> {
    match evidence {
        Some(Evidence::LinkBroken(e)) => e.pages.iter().map(|p| p.page.as_str()).collect(),
        Some(Evidence::ContentError(e)) => vec![e.page.page.as_str()],
        Some(Evidence::PrivacyLeak(e)) => vec![e.page.page.as_str()],
        Some(Evidence::LinkHidden(e)) => vec![e.page.page.as_str()],
        Some(Evidence::LinkSuspicious(e)) => vec![e.page.page.as_str()],
        _ => Vec::new(),
    }
}

/// The open page-bound findings of `kinds` not judged in this cycle (`judged`) that
/// govwatch no longer watches: neither confirmed nor any of their pages read for twice
/// `full_every_days` days (the site crawl no longer reaches them, their column left the
/// catalog). They close as 不再监测, not counted as 整改.
async fn unwatched_findings(
    store: &Store,
    kinds: &[Kind],
    judged: &HashSet<String>,
    full_every_days: u32,
    clock: &Clock,
) -> Result<HashSet<String>, StoreError> {
    let today = clock.today();
    let mut candidates = Vec::new();
    for kind in kinds {
        let open = store
            .findings(&FindingFilter {
                open_only: true,
                kind: Some(*kind),
                ..FindingFilter::default()
            })
            .await?;
        candidates.extend(open.into_iter().filter(|f| {
            !judged.contains(&f.subject_key)
                && crate::detect::unwatched(
                    clock.day_of(f.last_confirmed),
                    None,
                    today,
                    full_every_days,
                )
        }));
    }
    if candidates.is_empty() {
        return Ok(HashSet::new());
    }
    let pages: Vec<&str> = candidates
        .iter()
        .flat_map(|f| pages_of(f.evidence.as_ref()))
        .collect();
    let reads = store.link_page_states(&pages).await?;
    Ok(candidates
        .iter()
        .filter(|f| {
            let last_read = pages_of(f.evidence.as_ref())
                .iter()
                .filter_map(|p| reads.get(*p))
                .map(|r| clock.day_of(r.last_read))
                .max();
            crate::detect::unwatched(
                clock.day_of(f.last_confirmed),
                last_read,
                today,
                full_every_days,
            )
        })
        .map(|f| f.subject_key.clone())
        .collect())
}

/// The catalog's columns by site and name (the first of a name, as a search would find).
fn columns_by_name(catalog: &Catalog) -> HashMap<(&str, &str), &crate::catalog::Column> {
    let mut map = HashMap::new();
    for c in &catalog.columns {
        map.entry((c.site.as_str(), c.name.as_str())).or_insert(c);
    }
    map
}

async fn reconcile(
    store: &Store,
    kinds: &[Kind],
    subjects: Option<HashSet<String>>,
    found: Vec<Finding>,
    only: Option<&HashSet<String>>,
    clock: &Clock,
    report: &mut DetectReport,
) -> Result<(), StoreError> {
    let scope = (subjects, HashSet::new());
    reconcile_closing(store, kinds, scope, found, only, clock, report).await
}

/// As [`reconcile`], with the subjects whose open findings close as 不再监测.
async fn reconcile_closing(
    store: &Store,
    kinds: &[Kind],
    (subjects, mut unwatched): (Option<HashSet<String>>, HashSet<String>),
    mut found: Vec<Finding>,
    only: Option<&HashSet<String>>,
    clock: &Clock,
    report: &mut DetectReport,
) -> Result<(), StoreError> {
    let subjects = match (subjects, only) {
        (Some(s), Some(o)) => Some(s.intersection(o).cloned().collect()),
        (s, o) => s.or_else(|| o.cloned()),
    };
    if let Some(o) = only {
        found.retain(|f| o.contains(&f.subject_key));
        unwatched.retain(|s| o.contains(s));
    }
    let scope = Scope {
        kinds: kinds.to_vec(),
        subjects,
        unwatched,
    };
    for f in &found {
        *report.holding.entry(f.kind).or_default() += 1;
    }
    let detected: Vec<NewFinding> = found
        .into_iter()
        .map(|f| NewFinding {
            // Kept in the store's `sentence` column for readers of the database; the
            // application renders sentences from the evidence when it reads them.
            sentence: wording::detected_sentence(&f, clock.today()),
            subject_key: f.subject_key,
            unit: f.unit,
            evidence: f.evidence,
        })
        .collect();
    let done = store
        .reconcile_findings(&scope, &detected, clock.now(), clock.today())
        .await?;
    report.opened += done.opened.len();
    report.confirmed += done.confirmed.len();
    report.resolved += done.resolved.len() - done.unwatched.len();
    report.unwatched += done.unwatched.len();
    Ok(())
}
