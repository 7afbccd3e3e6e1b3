//! Group-chat alerts (`[[notify.webhook]]`): after each cycle, every robot (企业微信,
//! 钉钉, or any receiver of JSON) is told that cycle's changes: problems found (新发现),
//! rectified (已整改), and past their 整改期限 (整改逾期, counted as the weekly email and
//! the notice count it, `[report] rectify_days` working days).
//!
//! - Pure: [`changes`] picks the changes of a robot since it last looked, [`compose`]
//!   words them as the robot's Markdown (the finding sentences of `report::wording`),
//!   split so that no message reaches [`MAX_BYTES`].
//! - Delivery mirrors the weekly email's: a message is recorded (`webhook_messages`,
//!   with the events it tells in `webhook_events`) before it is posted; a failure leaves
//!   it queued with its error and the next run retries it first; an event is never
//!   composed twice for a robot, a sent message never posted again. A robot's answer
//!   with `errcode` ≠ 0, or an HTTP status other than 2xx, is a failure.
//! - At most [`PER_MINUTE`] posts a minute per robot, booked in the database
//!   (`platform_pacing`) so that several workers keep it together.
//!
//! The URL holds the robot's key and DingTalk's `secret` signs requests: neither is
//! logged, stored, or put in an error (errors are scrubbed of them). Crawled text is
//! hostile: sentences are made inert Markdown, and only http(s) links are linked.

use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, SubsecRound, Utc};
use chrono_tz::Tz;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::NotifyError;
use super::compose::{Rectify, description};
use crate::clock::Clock;
use crate::config::{Settings, WebhookKind, WebhookSettings};
use crate::report::wording::day_zh;
use crate::store::{FindingFilter, FindingRecord, Store};

/// A robot message's Markdown stays under this many bytes (企业微信 takes 4,096).
pub const MAX_BYTES: usize = 4000;

/// Posts a minute per robot, at most (both robots' documented limit is 20).
pub const PER_MINUTE: u32 = 20;

/// Events in one `json` post.
pub const JSON_EVENTS: usize = 100;

/// How long one post may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// What changed about a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Event {
    Opened,
    Rectified,
    Overdue,
}

impl Event {
    /// The `event` of the `json` kind, and the first part of an event key.
    pub fn code(self) -> &'static str {
        match self {
            Event::Opened => "opened",
            Event::Rectified => "rectified",
            Event::Overdue => "overdue",
        }
    }

    fn heading(self) -> &'static str {
        match self {
            Event::Opened => "新发现问题",
            Event::Rectified => "已整改",
            Event::Overdue => "整改逾期",
        }
    }
}

/// One change of one finding, to tell a robot.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub event: Event,
    pub finding: &'a FindingRecord,
    /// 整改期限.
    pub deadline: NaiveDate,
}

impl Change<'_> {
    /// What the database records as told: `opened:42`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.event.code(), self.finding.id)
    }
}

/// The changes among `findings` since a robot last looked (`cursor`; a robot that never
/// looked sees only the changes of this instant, `now`): opened or rectified after the
/// cursor, or past their 整改期限 since the cursor's day. False alarms (误报) are never
/// told. `units`: only findings naming one of them, when not empty. Ordered by event,
/// then by finding.
pub fn changes<'a>(
    findings: &'a [FindingRecord],
    cursor: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: Tz,
    rectify: &Rectify,
    units: &[String],
) -> Vec<Change<'a>> {
    let today = now.with_timezone(&tz).date_naive();
    // PostgreSQL keeps microseconds: an episode opened at `now` reads back truncated.
    let now_stored = now.trunc_subsecs(6);
    let is_new = |t: DateTime<Utc>| {
        t <= now
            && match cursor {
                Some(c) => t > c,
                None => t >= now_stored,
            }
    };
    let since_day = cursor.map_or(today, |c| c.with_timezone(&tz).date_naive());
    let mut out = Vec::new();
    for f in findings {
        if f.is_dismissed() || !names_unit(f, units) {
            continue;
        }
        let deadline = rectify.deadline(f.opened_on);
        let change = |event| Change {
            event,
            finding: f,
            deadline,
        };
        if is_new(f.opened_at) {
            out.push(change(Event::Opened));
        }
        match f.resolved_at {
            Some(at) if is_new(at) => out.push(change(Event::Rectified)),
            Some(_) => {}
            None => {
                // Overdue from the day after the deadline.
                let overdue_from = deadline + Days::new(1);
                if today >= overdue_from && overdue_from >= since_day {
                    out.push(change(Event::Overdue));
                }
            }
        }
    }
    out.sort_by_key(|c| (c.event, c.finding.opened_on, c.finding.id));
    out
}

/// Whether `f` is one of `units`' (every finding when `units` is empty). A finding of a
/// column with several units names them joined with 、.
fn names_unit(f: &FindingRecord, units: &[String]) -> bool {
    if units.is_empty() {
        return true;
    }
    let Some(unit) = &f.unit else { return false };
    unit.split(['、', ',', '，'])
        .map(str::trim)
        .any(|u| units.iter().any(|w| w.trim() == u))
}

/// One message for a robot: the JSON to post and the events it tells.
#[derive(Debug, Clone, PartialEq)]
pub struct Composed {
    /// A title for logs and the database (DingTalk shows it in notifications).
    pub subject: String,
    pub body: serde_json::Value,
    /// The keys of the events told ([`Change::key`]).
    pub events: Vec<String>,
}

/// The messages telling `changes` to a robot of `kind`: Markdown for 企业微信 and 钉钉,
/// each under [`MAX_BYTES`], or `{"events": […]}` for `json`. None without changes.
pub fn compose(kind: WebhookKind, changes: &[Change<'_>], today: NaiveDate) -> Vec<Composed> {
    if changes.is_empty() {
        return Vec::new();
    }
    let year = chrono::Datelike::year(&today);
    if kind == WebhookKind::Json {
        return changes
            .chunks(JSON_EVENTS)
            .map(|chunk| Composed {
                subject: format!("{}检查：{}项变化", day_zh(today, year), chunk.len()),
                body: json!({ "events": chunk.iter().map(json_event).collect::<Vec<_>>() }),
                events: chunk.iter().map(Change::key).collect(),
            })
            .collect();
    }
    let count = |e: Event| changes.iter().filter(|c| c.event == e).count();
    let mut tally = Vec::new();
    for e in [Event::Opened, Event::Rectified, Event::Overdue] {
        let n = count(e);
        if n > 0 {
            tally.push(format!("{}**{n}**个", e.heading()));
        }
    }
    let title = format!("【政务公开监测】{}检查", day_zh(today, year));
    let summary = tally.join("，");
    // The lines, numbered within each event.
    let mut lines: Vec<(Event, String, String)> = Vec::new();
    let mut number = 0;
    let mut last = None;
    for c in changes {
        if last != Some(c.event) {
            number = 0;
            last = Some(c.event);
        }
        number += 1;
        lines.push((c.event, line(c, number, today), c.key()));
    }
    let sep = if kind == WebhookKind::Dingtalk {
        "\n\n"
    } else {
        "\n"
    };
    // Room for the title and part number ("（12/12）"), the summary and separators.
    let head_room = title.len() + summary.len() + 64;
    let budget = MAX_BYTES.saturating_sub(head_room);
    let mut parts: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    let mut text: Vec<String> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut used = 0;
    let mut section: Option<Event> = None;
    for (event, l, key) in lines {
        let heading = format!("#### {}", event.heading());
        let l = fit(&l, budget.saturating_sub(heading.len() + 2 * sep.len()));
        let heading_cost = |section: Option<Event>| {
            if section == Some(event) {
                0
            } else {
                heading.len() + sep.len()
            }
        };
        if used + heading_cost(section) + l.len() + sep.len() > budget && !text.is_empty() {
            parts.push((std::mem::take(&mut text), std::mem::take(&mut keys)));
            used = 0;
            section = None;
        }
        if section != Some(event) {
            used += heading_cost(section);
            text.push(heading.clone());
            section = Some(event);
        }
        used += l.len() + sep.len();
        text.push(l);
        keys.push(key);
    }
    if !text.is_empty() {
        parts.push((text, keys));
    }
    let total = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, (text, events))| {
            let subject = if total > 1 {
                format!("{title}（{}/{total}）", i + 1)
            } else {
                title.clone()
            };
            let markdown = format!("### {subject}{sep}{summary}{sep}{}", text.join(sep));
            debug_assert!(markdown.len() < MAX_BYTES, "{}", markdown.len());
            let body = match kind {
                WebhookKind::Wecom => {
                    json!({"msgtype": "markdown", "markdown": {"content": markdown}})
                }
                _ => {
                    json!({"msgtype": "markdown", "markdown": {"title": subject, "text": markdown}})
                }
            };
            Composed {
                subject,
                body,
                events,
            }
        })
        .collect()
}

/// `1. 【栏目更新不及时】…（整改期限1月16日）[查看](URL)`.
fn line(c: &Change<'_>, number: usize, today: NaiveDate) -> String {
    let f = c.finding;
    let year = chrono::Datelike::year(&today);
    let due = day_zh(c.deadline, year);
    let tail = match c.event {
        Event::Opened => format!("（整改期限{due}）"),
        Event::Rectified => format!(
            "（{}发现，{}已整改）",
            day_zh(f.opened_on, year),
            day_zh(f.resolved_on.unwrap_or(today), year)
        ),
        Event::Overdue => format!(
            "（整改期限{due}，已逾期{}天）",
            (today - c.deadline).num_days()
        ),
    };
    let link = url_of(f)
        .and_then(link_target)
        .map(|u| format!(" [查看]({u})"))
        .unwrap_or_default();
    format!(
        "{number}. 【{}】{}{tail}{link}",
        f.kind.name_zh(),
        inert(&description(f))
    )
}

/// `line` cut to `max` bytes at a character boundary, with … when cut.
fn fit(line: &str, max: usize) -> String {
    if line.len() <= max {
        return line.to_string();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &line[..end])
}

/// Crawled text as Markdown that shows it and does nothing: no links, emphasis, code,
/// HTML or headings of its own, on one line.
fn inert(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            '[' => '［',
            ']' => '］',
            '<' => '＜',
            '>' => '＞',
            '*' => '＊',
            '`' => '｀',
            '#' => '＃',
            '|' => '｜',
            '~' => '～',
            c => c,
        })
        .collect()
}

/// An http(s) URL made safe inside `(…)` of a Markdown link; anything else (a
/// `javascript:` URL from a hostile page) is not linked.
fn link_target(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    Some(
        parsed
            .as_str()
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('<', "%3C")
            .replace('>', "%3E")
            .replace(' ', "%20"),
    )
}

fn url_of(f: &FindingRecord) -> Option<&str> {
    f.evidence.as_ref().and_then(|e| e.url())
}

fn json_event(c: &Change<'_>) -> serde_json::Value {
    let f = c.finding;
    json!({
        "event": c.event.code(),
        "kind": f.kind.code(),
        "unit": f.unit,
        "sentence": description(f),
        "opened_on": f.opened_on.to_string(),
        "url": url_of(f),
    })
}

/// One configured robot.
pub struct Robot {
    /// Its name in logs and the database: `[[notify.webhook]] name`, else its kind and a
    /// digest of its URL.
    pub name: String,
    pub kind: WebhookKind,
    url: SecretString,
    secret: Option<SecretString>,
    units: Vec<String>,
}

impl std::fmt::Debug for Robot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Robot")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &"[REDACTED]")
            .field("units", &self.units)
            .finish()
    }
}

impl Robot {
    pub fn new(w: &WebhookSettings) -> Robot {
        let name = match w.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => {
                use sha2::{Digest, Sha256};
                let digest = Sha256::digest(w.url.expose_secret().trim().as_bytes());
                let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
                format!("{}-{hex}", kind_name(w.kind))
            }
        };
        Robot {
            name,
            kind: w.kind,
            url: w.url.clone(),
            secret: w.secret.clone(),
            units: w.units.clone(),
        }
    }

    /// The address to post to now: with DingTalk's `timestamp` and `sign` when signed.
    fn address(&self, now_ms: i64) -> Result<url::Url, String> {
        let mut url = url::Url::parse(self.url.expose_secret().trim())
            .map_err(|_| "the url is not an address".to_string())?;
        if let (WebhookKind::Dingtalk, Some(secret)) = (self.kind, &self.secret) {
            let sign = dingtalk_sign(now_ms, secret.expose_secret());
            url.query_pairs_mut()
                .append_pair("timestamp", &now_ms.to_string())
                .append_pair("sign", &sign);
        }
        Ok(url)
    }

    /// `text` without the URL, its query values or the secret.
    fn scrub(&self, text: &str) -> String {
        let mut secrets: Vec<String> = vec![self.url.expose_secret().trim().to_string()];
        if let Ok(u) = url::Url::parse(self.url.expose_secret().trim()) {
            secrets.extend(u.query_pairs().map(|(_, v)| v.into_owned()));
            secrets.push(u.path().to_string());
        }
        if let Some(s) = &self.secret {
            secrets.push(s.expose_secret().to_string());
        }
        let mut out = text.to_string();
        for s in secrets.iter().filter(|s| s.len() >= 6) {
            out = out.replace(s.as_str(), "[REDACTED]");
        }
        out
    }
}

fn kind_name(kind: WebhookKind) -> &'static str {
    match kind {
        WebhookKind::Wecom => "wecom",
        WebhookKind::Dingtalk => "dingtalk",
        WebhookKind::Json => "json",
    }
}

/// DingTalk's 加签: Base64 of HMAC-SHA256 over `timestamp\nsecret` keyed by the secret
/// (the caller URL-encodes it into the query).
pub fn dingtalk_sign(timestamp_ms: i64, secret: &str) -> String {
    use base64::Engine;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{timestamp_ms}\n{secret}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The robot took it (`errcode` 0).
    Sent,
    /// Recorded, not delivered: why. The next run retries it.
    Queued(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub robot: String,
    pub subject: String,
    /// A message queued by an earlier run.
    pub retried: bool,
    pub events: usize,
    pub outcome: WebhookOutcome,
}

/// What a run did, robot by robot, message by message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookReport {
    pub deliveries: Vec<WebhookDelivery>,
}

impl WebhookReport {
    pub fn sent(&self) -> usize {
        self.deliveries
            .iter()
            .filter(|d| d.outcome == WebhookOutcome::Sent)
            .count()
    }

    pub fn queued(&self) -> usize {
        self.deliveries.len() - self.sent()
    }
}

/// Why a post failed.
struct PostError {
    message: String,
    /// The robot could not be reached or answered with an HTTP error: the rest of this
    /// run's messages to it would fail the same way and wait for the next run.
    robot_down: bool,
}

/// The robots of one configuration and the client that posts to them.
pub struct Webhooks {
    robots: Vec<Robot>,
    rectify: Rectify,
    client: reqwest::Client,
    /// Between two posts to one robot.
    interval: Duration,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("robots", &self.robots)
            .finish()
    }
}

impl Webhooks {
    /// From `[[notify.webhook]]` and `[report] rectify_days` (with the calendar of
    /// `[schedule]`).
    pub fn new(settings: &Settings) -> Result<Webhooks, NotifyError> {
        let tls = crate::fetch::tls::client_config(&[], None)
            .map_err(|e| NotifyError::Webhook(format!("cannot set up TLS: {e}")))?;
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(Duration::from_secs(10))
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("govwatch/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                NotifyError::Webhook(format!("cannot build the HTTP client: {}", e.without_url()))
            })?;
        Ok(Webhooks {
            robots: settings.notify.webhook.iter().map(Robot::new).collect(),
            rectify: Rectify {
                days: settings.report.rectify_days,
                holidays: settings.schedule.holidays.clone(),
                workdays: settings.schedule.workdays.clone(),
            },
            client,
            interval: Duration::from_secs(60) / PER_MINUTE,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.robots.is_empty()
    }

    pub fn robots(&self) -> &[Robot] {
        &self.robots
    }

    /// For each robot: retries what is queued, then composes, records and posts the
    /// changes since it last looked, up to `clock.now()`.
    pub async fn run(&self, store: &Store, clock: &Clock) -> Result<WebhookReport, NotifyError> {
        let mut report = WebhookReport::default();
        for robot in &self.robots {
            self.run_robot(store, clock, robot, &mut report).await?;
        }
        Ok(report)
    }

    async fn run_robot(
        &self,
        store: &Store,
        clock: &Clock,
        robot: &Robot,
        report: &mut WebhookReport,
    ) -> Result<(), NotifyError> {
        let mut down: Option<String> = None;
        for m in store.queued_webhook_messages(&robot.name).await? {
            let events = store.webhook_message_events(m.id).await?.len();
            let outcome = self
                .deliver(store, robot, m.id, &m.body, clock, &mut down)
                .await?;
            report.deliveries.push(WebhookDelivery {
                robot: robot.name.clone(),
                subject: m.subject,
                retried: true,
                events,
                outcome,
            });
        }

        let now = clock.now();
        let cursor = store.webhook_cursor(&robot.name).await?;
        let from_day = cursor.map_or(clock.today(), |c| clock.day_of(c).min(clock.today()));
        // Every episode open at some time since the day before: those opened or
        // resolved since the cursor, and the open ones (which may be overdue).
        let findings = store
            .findings(&FindingFilter {
                since: Some(from_day - Days::new(1)),
                until: Some(clock.today()),
                ..FindingFilter::default()
            })
            .await?;
        let all = changes(
            &findings,
            cursor,
            now,
            clock.tz(),
            &self.rectify,
            &robot.units,
        );
        let keys: Vec<String> = all.iter().map(Change::key).collect();
        let told = store.webhook_events_told(&robot.name, &keys).await?;
        let fresh: Vec<Change<'_>> = all
            .into_iter()
            .filter(|c| !told.contains(&c.key()))
            .collect();
        for m in compose(robot.kind, &fresh, clock.today()) {
            let body = m.body.to_string();
            let Some(id) = store
                .record_webhook_message(&robot.name, &m.subject, &body, &m.events, now)
                .await?
            else {
                // Another run told these events in the meantime.
                continue;
            };
            let outcome = self
                .deliver(store, robot, id, &body, clock, &mut down)
                .await?;
            report.deliveries.push(WebhookDelivery {
                robot: robot.name.clone(),
                subject: m.subject,
                retried: false,
                events: m.events.len(),
                outcome,
            });
        }
        store.advance_webhook_cursor(&robot.name, now).await?;
        Ok(())
    }

    /// One paced post of a recorded message, recorded.
    async fn deliver(
        &self,
        store: &Store,
        robot: &Robot,
        id: i64,
        body: &str,
        clock: &Clock,
        down: &mut Option<String>,
    ) -> Result<WebhookOutcome, NotifyError> {
        if let Some(reason) = down {
            let reason = format!("not tried: {reason}");
            store.webhook_message_failed(id, &reason, false).await?;
            return Ok(WebhookOutcome::Queued(reason));
        }
        // The real clock: pacing and DingTalk's timestamp are about now, not `--now`.
        let slot = store
            .reserve_platform_slot(
                &format!("webhook:{}", robot.name),
                self.interval,
                Utc::now(),
            )
            .await?;
        if let Ok(wait) = (slot - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        match self.post(robot, body).await {
            Ok(()) => {
                store.webhook_message_sent(id, clock.now()).await?;
                tracing::info!(robot = %robot.name, message = id, "group-chat alert sent");
                Ok(WebhookOutcome::Sent)
            }
            Err(e) => {
                store.webhook_message_failed(id, &e.message, true).await?;
                tracing::warn!(robot = %robot.name, message = id, error = %e.message, "group-chat alert queued");
                if e.robot_down {
                    *down = Some(e.message.clone());
                }
                Ok(WebhookOutcome::Queued(e.message))
            }
        }
    }

    async fn post(&self, robot: &Robot, body: &str) -> Result<(), PostError> {
        let fail = |message: String, robot_down: bool| PostError {
            message: robot.scrub(&message),
            robot_down,
        };
        let url = robot
            .address(Utc::now().timestamp_millis())
            .map_err(|m| fail(m, true))?;
        let response = self
            .client
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| {
                let e = e.without_url();
                let mut message = format!("cannot reach the robot: {e}");
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    message.push_str(&format!(": {s}"));
                    source = s.source();
                }
                fail(message, true)
            })?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if !status.is_success() {
            return Err(fail(
                format!("the robot answered HTTP {status}: {}", excerpt(&text)),
                true,
            ));
        }
        let answer: Option<serde_json::Value> = serde_json::from_str(&text).ok();
        let errcode = answer
            .as_ref()
            .and_then(|a| a.get("errcode"))
            .and_then(serde_json::Value::as_i64);
        match (robot.kind, errcode) {
            (_, Some(0)) | (WebhookKind::Json, None) => Ok(()),
            (_, Some(code)) => {
                let errmsg = answer
                    .as_ref()
                    .and_then(|a| a.get("errmsg"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                Err(fail(
                    format!("the robot answered errcode {code}: {}", excerpt(errmsg)),
                    false,
                ))
            }
            (_, None) => Err(fail(
                format!("the robot's answer has no errcode: {}", excerpt(&text)),
                false,
            )),
        }
    }
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_signature_matches_the_documented_example() {
        // HMAC-SHA256 over "1577808000000\nSECabc" keyed by "SECabc", Base64: computed
        // independently (Python's hmac and base64).
        let sign = dingtalk_sign(1_577_808_000_000, "SECabc");
        assert_eq!(sign, "d8MiemiW5bT/XT2zgWrhyRQdANlJ4zkTa39rkwaldRU=");
        let robot = Robot::new(&WebhookSettings {
            kind: WebhookKind::Dingtalk,
            url: "https://oapi.dingtalk.com/robot/send?access_token=abcdef123".into(),
            secret: Some("SECabc".into()),
            units: Vec::new(),
            name: None,
        });
        let url = robot.address(1_577_808_000_000).unwrap();
        assert!(
            url.as_str().ends_with(
                "access_token=abcdef123&timestamp=1577808000000&sign=d8MiemiW5bT%2FXT2zgWrhyRQdANlJ4zkTa39rkwaldRU%3D"
            ),
            "{url}"
        );
        assert!(robot.name.starts_with("dingtalk-"), "{}", robot.name);
        assert!(!format!("{robot:?}").contains("abcdef123"));
        assert_eq!(
            robot.scrub("error sending request for url (https://oapi.dingtalk.com/robot/send?access_token=abcdef123)"),
            "error sending request for url ([REDACTED])"
        );
    }

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            inert("[点我](javascript:alert(1)) <script>*x*</script>\n# h"),
            "［点我］(javascript:alert(1)) ＜script＞＊x＊＜/script＞ ＃ h"
        );
        assert_eq!(link_target("javascript:alert(1)"), None);
        assert_eq!(
            link_target("http://a.gov.cn/x (1).html").as_deref(),
            Some("http://a.gov.cn/x%20%281%29.html")
        );
    }

    #[test]
    fn long_lines_are_cut_at_a_character() {
        let s = "政务公开".repeat(10);
        let cut = fit(&s, 10);
        assert!(cut.len() <= 10, "{cut}");
        assert!(cut.ends_with('…'));
        assert_eq!(fit("短", 10), "短");
    }
}
