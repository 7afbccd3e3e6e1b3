//! The weekly alert email (周报): the office (政务公开办) receives every open problem
//! grouped by responsible unit, with what was found and rectified in the last seven days;
//! each unit with `contacts` receives its own part.
//!
//! - [`compose`]: pure, from the week's episodes to messages (text, HTML, XLSX and CSV).
//! - [`outbox`]: every message is an .eml file before anything is sent.
//! - [`send`]: SMTP (lettre, rustls), sending the .eml bytes.
//! - [`webhook`]: group-chat robots (企业微信, 钉钉, JSON), told each cycle's changes,
//!   recorded and retried the same way.
//!
//! Delivery is exactly-once per ISO week and address. A run first retries what is still
//! queued from earlier weeks, then composes this week's messages: for an address not yet
//! recorded this week, the .eml is written, a `notifications` row is recorded (`queued`,
//! or `outbox` without SMTP), and the message is sent; `sent` or left `queued` with the
//! error. A recorded (week, address) is never composed again, a sent one never sent
//! again. The one window for a duplicate is a crash between the server's "250 OK" and
//! the `sent` mark: then the next run sends it again (a message is never lost instead).
//!
//! Notify reads findings; it never changes them and never runs detection.

pub mod compose;
pub mod outbox;
pub mod send;
pub mod webhook;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate, Utc};
use lettre::message::Mailbox;

pub use compose::{
    Attachment, Audience, ColumnNote, Message, Recipients, Rectify, UnitContacts, Week, compose,
};
pub use send::{Mailer, SendError};
pub use webhook::{WebhookOutcome, WebhookReport, Webhooks};

use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::Settings;
use crate::detect::period::Period;
use crate::observe::CrawlOutcome;
use crate::report::ReportError;
use crate::store::{FindingFilter, NewNotification, NotificationStatus, Store, StoreError};

/// Errors that stop a notify run (a failed delivery does not: it stays queued).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(
        "cannot write or read the outbox file {path}: {source}\n  check that the directory ([notify] outbox or --outbox) is writable"
    )]
    Outbox {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "`{address}` is not an email address ({reason})\n  fix it in [notify] office, a unit's contacts or [smtp] from"
    )]
    Address { address: String, reason: String },
    #[error("cannot build the message {what}: {reason}")]
    Mime { what: String, reason: String },
    #[error("{0}")]
    Smtp(String),
    #[error("group-chat alerts: {0}")]
    Webhook(String),
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the SMTP server in this run.
    Sent,
    /// Recorded, not delivered: the reason. The next run retries it.
    Queued(String),
    /// Recorded and left in the outbox: no SMTP server is configured.
    Outbox,
    /// Dry run: written, not recorded.
    Written,
    /// Recorded by an earlier run; not composed again. Sent already, or still waiting.
    AlreadyRecorded(NotificationStatus),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub period: String,
    pub recipient: String,
    pub subject: String,
    pub eml_path: Option<PathBuf>,
    pub outcome: Outcome,
}

/// What a run did: retries of earlier messages, then this week's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    /// The ISO week, e.g. `2020-W02`.
    pub period: String,
    pub today: NaiveDate,
    /// `host:port (security)`, or `None` for outbox only.
    pub server: Option<String>,
    pub retried: Vec<Delivery>,
    pub this_week: Vec<Delivery>,
}

impl RunReport {
    pub fn all(&self) -> impl Iterator<Item = &Delivery> {
        self.retried.iter().chain(&self.this_week)
    }

    pub fn count(&self, pred: impl Fn(&Outcome) -> bool) -> usize {
        self.all().filter(|d| pred(&d.outcome)).count()
    }
}

/// The weekly email of one configuration: who receives it, from whom, through which
/// server, and where the outbox is.
#[derive(Debug, Clone)]
pub struct Notifier {
    office_name: String,
    rectify: Rectify,
    empty_columns_veto: u32,
    recipients: Recipients,
    from: Mailbox,
    mailer: Option<Mailer>,
    outbox: PathBuf,
}

impl Notifier {
    /// From the settings (`[general] office_name`, `[notify] office`, `[smtp]`) and the
    /// units' contacts in the catalog; messages are written under `outbox`.
    pub fn new(
        settings: &Settings,
        catalog: &Catalog,
        outbox: &Path,
    ) -> Result<Notifier, NotifyError> {
        let office_name = settings.general.office_name.clone();
        let from = sender(settings, &office_name)?;
        let recipients = Recipients::new(&settings.notify.office, catalog);
        for a in recipients
            .office
            .iter()
            .chain(recipients.units.iter().flat_map(|u| &u.contacts))
        {
            a.parse::<lettre::Address>()
                .map_err(|e| NotifyError::Address {
                    address: a.clone(),
                    reason: e.to_string(),
                })?;
        }
        Ok(Notifier {
            office_name,
            empty_columns_veto: settings.thresholds.empty_columns_veto,
            rectify: Rectify {
                days: settings.report.rectify_days,
                holidays: settings.schedule.holidays.clone(),
                workdays: settings.schedule.workdays.clone(),
            },
            recipients,
            from,
            mailer: Mailer::from_settings(&settings.smtp)?,
            outbox: outbox.to_path_buf(),
        })
    }

    pub fn recipients(&self) -> &Recipients {
        &self.recipients
    }

    pub fn outbox(&self) -> &Path {
        &self.outbox
    }

    /// When the last weekly email to the office before this week's was recorded (in an
    /// earlier week), if any: problems opened after that instant are new.
    async fn previous_email(
        &self,
        store: &Store,
        clock: &Clock,
    ) -> Result<Option<DateTime<Utc>>, NotifyError> {
        let this_week = Period::week_of(clock.today()).to_string();
        let office: Vec<String> = self
            .recipients
            .office
            .iter()
            .map(|a| a.to_lowercase())
            .collect();
        Ok(store
            .notifications(None)
            .await?
            .into_iter()
            .filter(|n| n.period != this_week && n.created_at <= clock.now())
            .filter(|n| office.contains(&n.recipient.to_lowercase()))
            .map(|n| n.created_at)
            .max())
    }

    /// The messages of the week of `clock.today()`, from the store's findings.
    pub async fn compose_week(
        &self,
        store: &Store,
        clock: &Clock,
    ) -> Result<(Week, Vec<Message>), NotifyError> {
        let today = clock.today();
        let after = self.previous_email(store, clock).await?;
        let since = after
            .map(|at| clock.day_of(at))
            .filter(|d| *d <= today)
            .unwrap_or_else(|| Week::window_start(today));
        let episodes = store
            .findings(&FindingFilter {
                since: Some(since - Days::new(1)),
                until: Some(today),
                ..FindingFilter::default()
            })
            .await?;
        let operator = store
            .credential_problems()
            .await?
            .into_iter()
            .filter(|p| p.at <= clock.now())
            .collect();
        let columns = column_notes(store, clock).await?;
        let week = match after {
            Some(after) => Week::from_episodes_after(today, after, since, &episodes),
            None => Week::from_episodes_since(today, since, &episodes),
        }
        .with_operator_problems(operator)
        .with_column_notes(columns)
        .with_rectify(self.rectify.clone())
        .with_empty_columns_veto(self.empty_columns_veto);
        let messages = compose(&week, &self.office_name, clock.tz(), &self.recipients)?;
        Ok((week, messages))
    }

    /// Writes this week's messages as .eml files under `<outbox>/<week>-dry-run/`, and
    /// records and sends nothing.
    pub async fn dry_run(&self, store: &Store, clock: &Clock) -> Result<RunReport, NotifyError> {
        let (week, messages) = self.compose_week(store, clock).await?;
        let period = week.period.to_string();
        let dir = format!("{period}-dry-run");
        let mut this_week = Vec::new();
        for m in &messages {
            for to in &m.to {
                let eml = self.format(m, &period, to, clock)?;
                let path = outbox::path(&self.outbox, &dir, to);
                outbox::write(&path, &eml)?;
                this_week.push(Delivery {
                    period: period.clone(),
                    recipient: to.clone(),
                    subject: m.subject.clone(),
                    eml_path: Some(path),
                    outcome: Outcome::Written,
                });
            }
        }
        Ok(RunReport {
            period,
            today: week.today,
            server: None,
            retried: Vec::new(),
            this_week,
        })
    }

    /// Retries queued messages of any week, then composes, records and sends this
    /// week's, once per address.
    pub async fn run(&self, store: &Store, clock: &Clock) -> Result<RunReport, NotifyError> {
        let mut down: Option<String> = None;
        let mut retried = Vec::new();
        if let Some(mailer) = &self.mailer {
            for rec in store.queued_notifications().await? {
                let path = rec.eml_path.as_ref().map(PathBuf::from);
                let outcome = match &down {
                    Some(reason) => Outcome::Queued(format!("not tried: {reason}")),
                    None => match path.as_deref().map(outbox::read) {
                        None | Some(Err(_)) => {
                            let error = match &path {
                                Some(p) => format!("the outbox file {} is missing", p.display()),
                                None => "no outbox file was recorded".to_string(),
                            };
                            store.notification_failed(rec.id, &error).await?;
                            Outcome::Queued(error)
                        }
                        Some(Ok(eml)) => {
                            self.deliver(
                                store,
                                mailer,
                                rec.id,
                                &rec.recipient,
                                &eml,
                                clock,
                                &mut down,
                            )
                            .await?
                        }
                    },
                };
                retried.push(Delivery {
                    period: rec.period,
                    recipient: rec.recipient,
                    subject: rec.subject,
                    eml_path: path,
                    outcome,
                });
            }
        }

        let (week, messages) = self.compose_week(store, clock).await?;
        let period = week.period.to_string();
        let mut this_week = Vec::new();
        for m in &messages {
            for to in &m.to {
                let delivery = |eml_path: Option<PathBuf>, outcome: Outcome| Delivery {
                    period: period.clone(),
                    recipient: to.clone(),
                    subject: m.subject.clone(),
                    eml_path,
                    outcome,
                };
                if let Some(rec) = store.notification(&period, to).await? {
                    this_week.push(delivery(
                        rec.eml_path.map(PathBuf::from),
                        Outcome::AlreadyRecorded(rec.status),
                    ));
                    continue;
                }
                let eml = self.format(m, &period, to, clock)?;
                let path = outbox::path(&self.outbox, &period, to);
                outbox::write(&path, &eml)?;
                let status = if self.mailer.is_some() {
                    NotificationStatus::Queued
                } else {
                    NotificationStatus::Outbox
                };
                let recorded = store
                    .record_notification(
                        &NewNotification {
                            period: period.clone(),
                            recipient: to.clone(),
                            subject: m.subject.clone(),
                            status,
                            eml_path: Some(path.display().to_string()),
                        },
                        clock.now(),
                    )
                    .await?;
                let Some(id) = recorded else {
                    // Another run recorded it in the meantime.
                    this_week.push(delivery(Some(path), Outcome::AlreadyRecorded(status)));
                    continue;
                };
                let outcome = match (&self.mailer, &down) {
                    (None, _) => Outcome::Outbox,
                    (Some(_), Some(reason)) => Outcome::Queued(format!("not tried: {reason}")),
                    (Some(mailer), None) => {
                        self.deliver(store, mailer, id, to, &eml, clock, &mut down)
                            .await?
                    }
                };
                this_week.push(delivery(Some(path), outcome));
            }
        }
        Ok(RunReport {
            period,
            today: week.today,
            server: self.mailer.as_ref().map(|m| m.server().to_string()),
            retried,
            this_week,
        })
    }

    /// One SMTP attempt for a recorded message, recorded. A server that cannot be
    /// reached sets `down`, so the rest of the run does not wait on it again.
    #[allow(clippy::too_many_arguments)]
    async fn deliver(
        &self,
        store: &Store,
        mailer: &Mailer,
        id: i64,
        to: &str,
        eml: &[u8],
        clock: &Clock,
        down: &mut Option<String>,
    ) -> Result<Outcome, NotifyError> {
        match mailer.send(&self.from, to, eml).await {
            Ok(()) => {
                store.notification_sent(id, clock.now()).await?;
                tracing::info!(recipient = to, "weekly email sent");
                Ok(Outcome::Sent)
            }
            Err(e) => {
                store.notification_failed(id, &e.message).await?;
                tracing::warn!(recipient = to, error = %e.message, "weekly email queued");
                if e.server_down {
                    *down = Some(e.message.clone());
                }
                Ok(Outcome::Queued(e.message))
            }
        }
    }

    fn format(
        &self,
        m: &Message,
        period: &str,
        to: &str,
        clock: &Clock,
    ) -> Result<Vec<u8>, NotifyError> {
        let id = outbox::message_id(period, to, &self.from);
        outbox::format(m, &self.from, to, clock.now().into(), &id)
    }
}

/// The From mailbox: `[smtp] from` (with the office's name when it has none), else the
/// SMTP username when it is an address, else `govwatch@localhost` for outbox-only use.
fn sender(settings: &Settings, office_name: &str) -> Result<Mailbox, NotifyError> {
    let smtp = &settings.smtp;
    let configured = smtp
        .from
        .clone()
        .filter(|f| !f.trim().is_empty())
        .or_else(|| smtp.username.clone().filter(|u| u.contains('@')));
    let text = match configured {
        Some(t) => t,
        None if smtp.host.is_some() => {
            return Err(NotifyError::Smtp(
                "[smtp] from is not set: set it (or GOVWATCH_SMTP_FROM) to the address the weekly email comes from".into(),
            ));
        }
        None => "govwatch@localhost".to_string(),
    };
    let mut mailbox: Mailbox =
        text.trim()
            .parse()
            .map_err(|e: lettre::address::AddressError| NotifyError::Address {
                address: text.clone(),
                reason: e.to_string(),
            })?;
    if mailbox.name.is_none() {
        mailbox.name = Some(office_name.to_string());
    }
    Ok(mailbox)
}

/// The ISO week key of a day, as the notifications table stores it (`2020-W02`).
pub fn period_of(day: NaiveDate) -> String {
    Period::week_of(day).to_string()
}

/// The columns whose latest read needs the operator: no list recognized (a script-loaded
/// list, an unknown layout), or the same items as another column of the site.
async fn column_notes(store: &Store, clock: &Clock) -> Result<Vec<ColumnNote>, NotifyError> {
    let stored = store.stored_columns().await?;
    let latest = store.recent_column_crawls(1, clock.now()).await?;
    let same = crate::cycle::crawl::same_items_among(&stored, &latest);
    let mut notes = Vec::new();
    for c in &stored {
        let read = latest.get(&c.id).and_then(|v| v.first());
        let note = match read {
            // The reason when there is one beyond "no list": not 无法识别栏目列表（未识别出栏目列表）.
            Some(r) if r.outcome == CrawlOutcome::Unrecognized => match r.detail.as_deref() {
                Some(why) if why != crate::extract::list::NO_LIST => {
                    format!("无法识别栏目列表（{why}）")
                }
                _ => "无法识别栏目列表".to_string(),
            },
            _ => match same.get(&c.key) {
                Some(others) => crate::cycle::crawl::same_items_note(others),
                None => continue,
            },
        };
        notes.push(ColumnNote {
            site: c.site.clone(),
            column: c.name.clone(),
            url: c.url.clone(),
            note,
        });
    }
    notes.sort_by(|a, b| (&a.site, &a.column).cmp(&(&b.site, &b.column)));
    Ok(notes)
}
