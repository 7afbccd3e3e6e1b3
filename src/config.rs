//! Settings: `config/govwatch.toml`, then `GOVWATCH_*` environment variables, then
//! command-line flags, each layer overriding the one before; every key has a default, so
//! an empty or missing file is a valid configuration.
//!
//! This module only reads and validates settings. It never opens a database or a socket.
//! Secrets (the SMTP password, platform tokens) are [`SecretString`]s: they are never
//! printed by `Debug` and never logged.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use secrecy::SecretString;
use serde::Deserialize;

/// The file name of the settings file inside the config directory.
pub const SETTINGS_FILE: &str = "govwatch.toml";

/// The database used when neither `--database`, `GOVWATCH_DATABASE_URL` nor
/// `[database] url` names one.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://govwatch.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}\n  fix the value, or delete the key to use the default")]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{origin}: {message}")]
    Invalid { origin: String, message: String },
}

/// Everything in `govwatch.toml`. Sections mirror the pipeline.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct Settings {
    pub database: DatabaseSettings,
    pub general: GeneralSettings,
    pub fetch: FetchSettings,
    pub crawl: CrawlSettings,
    pub probe: ProbeSettings,
    pub links: LinkSettings,
    pub content: ContentSettings,
    pub thresholds: Thresholds,
    pub schedule: ScheduleSettings,
    pub smtp: SmtpSettings,
    pub notify: NotifySettings,
    pub sources: SourceSettings,
    pub serve: ServeSettings,
    pub report: ReportSettings,
}

/// `[report]`: the notice draft (通报) in the office's own style.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ReportSettings {
    /// Who issues the notice: its first line, signature and the office units report
    /// their rectification to; `[general] office_name` when unset.
    pub issuer: Option<String>,
    /// The addressees' line.
    pub salutation: String,
    /// The area the notice covers, as its sentences say it: 全县, 全区, 全市 …
    pub area: String,
    /// Working days units have to report their rectification, from the notice's day
    /// (seed 004: 8月19日 → 8月26日), counted with `[schedule] holidays` and `workdays`.
    pub rectify_days: u32,
    /// Seed 004's score table, when configured.
    pub scoring: Option<Scoring>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            salutation: "各乡镇人民政府，县级有关部门：".into(),
            area: "全县".into(),
            rectify_days: 5,
            scoring: None,
        }
    }
}

/// `[report.scoring]`: a base score (基准分 300) and points per finding code, e.g.
/// `points = { column_zero_publish = -8 }`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default)]
pub struct Scoring {
    pub base: i64,
    /// Points per episode of a finding code (negative to deduct).
    pub points: std::collections::BTreeMap<String, i64>,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            base: 300,
            points: std::collections::BTreeMap::new(),
        }
    }
}

impl Settings {
    /// The notice's issuer: `[report] issuer`, else `[general] office_name`.
    pub fn issuer(&self) -> &str {
        self.report
            .issuer
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or(&self.general.office_name)
    }
}

/// The day `n` working days after `day`: Monday to Friday except `holidays`, and the
/// make-up `workdays` (调休). Seed 004: Friday 2022-08-19 plus 5 is 2022-08-26.
pub fn working_days_after(
    day: chrono::NaiveDate,
    n: u32,
    holidays: &[chrono::NaiveDate],
    workdays: &[chrono::NaiveDate],
) -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut d = day;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().unwrap_or(d);
        let weekday = d.weekday().number_from_monday() <= 5;
        if workdays.contains(&d) || (weekday && !holidays.contains(&d)) {
            left -= 1;
        }
    }
    d
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct DatabaseSettings {
    /// `sqlite://path.db` or `postgres://user@host/db`.
    pub url: Option<String>,
    /// Connections in the pool (PostgreSQL); SQLite uses what it needs.
    pub max_connections: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct GeneralSettings {
    /// IANA time zone for days, quarters and schedules.
    pub timezone: String,
    /// Shown in reports and emails: the office that runs govwatch, e.g. "某某县政务公开办".
    pub office_name: String,
}

impl Default for GeneralSettings {
    fn default() -> Self {
        Self {
            timezone: "Asia/Shanghai".into(),
            office_name: "政务公开办".into(),
        }
    }
}

/// The one HTTP client's behaviour; a site may override the politeness keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct FetchSettings {
    pub per_host_concurrency: usize,
    pub per_host_interval_ms: u64,
    pub connect_timeout_s: u64,
    pub timeout_s: u64,
    pub max_body_mb: u64,
    pub max_redirects: usize,
    pub retries: u32,
    /// `system` or `static` (only names in `[fetch.resolve]` resolve).
    pub dns: DnsMode,
    /// Host name → IP address, like curl's `--resolve`.
    pub resolve: BTreeMap<String, String>,
    /// Overrides the whole User-Agent header.
    pub user_agent: Option<String>,
    /// A contact (email or URL) put in the User-Agent so site administrators can reach
    /// the office.
    pub contact: Option<String>,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            per_host_concurrency: 2,
            per_host_interval_ms: 1000,
            connect_timeout_s: 10,
            timeout_s: 30,
            max_body_mb: 10,
            max_redirects: 10,
            retries: 3,
            dns: DnsMode::System,
            resolve: BTreeMap::new(),
            user_agent: None,
            contact: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum DnsMode {
    #[default]
    System,
    Static,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CrawlSettings {
    /// Pages followed per column at most.
    pub max_pages: u32,
    /// How far back a crawl pages: `previous_quarter` (the default) or a date.
    pub back_to: String,
    /// Item pages fetched per column per crawl to find dates the list does not show.
    pub max_item_pages: u32,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        Self {
            max_pages: 30,
            back_to: "previous_quarter".into(),
            max_item_pages: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ProbeSettings {
    /// Minutes between two probes of every site (fractions allowed).
    pub interval_min: f64,
    pub timeout_s: u64,
    pub window_days: u32,
    pub fail_share: f64,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        Self {
            interval_min: 30.0,
            timeout_s: 15,
            window_days: 7,
            fail_share: 0.05,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LinkSettings {
    /// URL prefixes or globs never checked.
    pub exclude: Vec<String>,
    /// URL prefixes known to be good (checked never, reported never).
    pub known_good: Vec<String>,
    /// Every known item page has its links checked at least this often (days): each
    /// cycle reads the least recently read ones beside the newest.
    pub full_every_days: u32,
    /// Crawl every site's pages from its home page (a `[[site]] crawl_site` decides
    /// for its site), so pages outside watched columns are checked too.
    pub crawl_site: bool,
    /// Pages a site crawl reads at most per site and cycle.
    pub max_pages_per_site: usize,
    /// Links followed from the home page at most.
    pub max_depth: u32,
    /// Pages read at most under one prefix (the first two path segments): calendars and
    /// endless listings stop there.
    pub max_pages_per_prefix: usize,
    /// Query parameters dropped before two URLs are compared (session ids, cache busters).
    pub ignore_query: Vec<String>,
    /// Whether the site crawl obeys robots.txt (catalog entries are always read).
    pub robots: RobotsPolicy,
}

/// `[links] robots`: `obey` (default) or `ignore` (an office checking its own sites).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RobotsPolicy {
    #[default]
    Obey,
    Ignore,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            exclude: Vec::new(),
            known_good: Vec::new(),
            full_every_days: 7,
            crawl_site: false,
            max_pages_per_site: 5000,
            max_depth: 6,
            max_pages_per_prefix: 1000,
            ignore_query: ["jsessionid", "sid", "timestamp", "t", "_"]
                .map(String::from)
                .to_vec(),
            robots: RobotsPolicy::Obey,
        }
    }
}

/// `[content]`: what the text of the pages the cycle reads is checked for (错敏词,
/// personal data, hidden links) and how attachments are read.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ContentSettings {
    /// The whole content stage.
    pub enabled: bool,
    /// 错敏词 (content_error).
    pub errors: bool,
    /// Personal data (privacy_leak).
    pub privacy: bool,
    /// 暗链 (link_hidden).
    pub hidden_links: bool,
    /// The list shipped with govwatch, besides `config/words/错敏词.txt`.
    pub builtin_words: bool,
    /// Largest attachment read for its text (replaces `[fetch] max_body_mb` for them).
    pub max_attachment_mb: u64,
    /// Time one attachment's text extraction may take.
    pub attachment_timeout_s: u64,
    /// The program that extracts an attachment's text (`govwatch internal
    /// extract-text`); none: this executable. Not a setting: tests point it at the built
    /// binary.
    #[serde(skip)]
    pub extractor: Option<std::path::PathBuf>,
}

impl Default for ContentSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            errors: true,
            privacy: true,
            hidden_links: true,
            builtin_words: true,
            max_attachment_mb: 20,
            attachment_timeout_s: 20,
            extractor: None,
        }
    }
}

/// Every number a rule reads. Defaults are the national inspection values (DOMAIN.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    pub home_stale_days: i64,
    pub news_stale_days: i64,
    pub notice_stale_months: u32,
    pub policy_stale_months: u32,
    pub personnel_stale_months: u32,
    pub plan_stale_months: u32,
    pub column_unreachable_failures: u32,
    pub site_blocked_days: i64,
    pub empty_columns_veto: u32,
    pub account_silent_days: i64,
    pub account_zombie_days: i64,
    pub account_unreachable_failures: u32,
    pub account_weekly_minimum: bool,
    /// Working days to answer a citizen's letter (message_overdue), unless a mailbox
    /// says otherwise.
    pub reply_days: u32,
    /// 互动回应差: days a letter may stay unanswered (interaction_unanswered).
    pub interaction_unanswered_days: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            home_stale_days: 14,
            news_stale_days: 14,
            notice_stale_months: 6,
            policy_stale_months: 6,
            personnel_stale_months: 12,
            plan_stale_months: 12,
            column_unreachable_failures: 2,
            site_blocked_days: 1,
            empty_columns_veto: 5,
            account_silent_days: 14,
            account_zombie_days: 180,
            account_unreachable_failures: 2,
            account_weekly_minimum: false,
            reply_days: 5,
            interaction_unanswered_days: 90,
        }
    }
}

/// Cron expressions (crontab's 5 fields, or 6/7 with seconds), in `general.timezone`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ScheduleSettings {
    /// The cycle: sync, crawl, probe and link checks per site, account reads, detect.
    pub crawl: String,
    pub weekly_email: String,
    /// Public holidays on which working-day schedules do not run.
    #[serde(deserialize_with = "dates")]
    pub holidays: Vec<chrono::NaiveDate>,
    /// Weekend days that are working days (调休).
    #[serde(deserialize_with = "dates")]
    pub workdays: Vec<chrono::NaiveDate>,
}

/// The example `govwatch.toml` that `govwatch init` writes: it names every key, the
/// optional ones commented out.
pub const EXAMPLE_SETTINGS: &str = include_str!("../config/govwatch.toml");

/// The keys the example settings name in `[section]` ("" for the top level, or a
/// section's name for its sub-tables), commented or not: what a typo is compared with.
fn example_keys(section: &str) -> Vec<&'static str> {
    let mut current = "";
    let mut keys = Vec::new();
    for line in EXAMPLE_SETTINGS.lines() {
        let line = line.trim_start_matches('#').trim();
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.trim_start_matches('[').split(']').next().unwrap_or("");
            if !name.contains(' ') {
                current = name;
                if let Some((parent, child)) = name.rsplit_once('.')
                    && parent == section
                {
                    keys.push(child);
                }
                if !name.contains('.') && section.is_empty() {
                    keys.push(name);
                }
            }
        } else if current == section
            && let Some((key, _)) = line.split_once('=')
        {
            let key = key.trim();
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                keys.push(key);
            }
        }
    }
    keys
}

/// The known word a typo most likely meant: within two edits (one for short words),
/// the nearest first.
pub(crate) fn did_you_mean<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let allowed = if typed.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(typed, k), *k))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// A list of days, written as TOML dates (`[2026-10-01]`) or quoted (`["2026-10-01"]`).
fn dates<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<chrono::NaiveDate>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Day {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let bad = |shown: String| {
        serde::de::Error::custom(format!(
            "`{shown}` is not a day: write it as 2026-10-01 (a TOML date) or \"2026-10-01\""
        ))
    };
    Vec::<Day>::deserialize(de)?
        .into_iter()
        .map(|day| match day {
            Day::Toml(dt) => match (dt.date, dt.time) {
                (Some(d), None) => {
                    chrono::NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                        .ok_or_else(|| bad(dt.to_string()))
                }
                _ => Err(bad(dt.to_string())),
            },
            Day::Text(text) => {
                chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| bad(text))
            }
        })
        .collect()
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            crawl: "0 6 * * *".into(),
            weekly_email: "30 8 * * 1".into(),
            holidays: Vec::new(),
            workdays: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct SmtpSettings {
    /// No host: messages are written to the outbox only.
    pub host: Option<String>,
    pub port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// Better given as `GOVWATCH_SMTP_PASSWORD`.
    pub password: Option<SecretString>,
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    #[default]
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    /// The office's addresses (政务公开办): they receive the whole digest.
    pub office: Vec<String>,
    /// Where messages wait when SMTP is not configured or is down.
    pub outbox: PathBuf,
    /// `[[notify.webhook]]`: group-chat robots told each cycle's changes.
    pub webhook: Vec<WebhookSettings>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            office: Vec::new(),
            outbox: PathBuf::from("outbox"),
            webhook: Vec::new(),
        }
    }
}

/// One `[[notify.webhook]]`: a 企业微信 or 钉钉 group robot, or any receiver of JSON.
/// `url` holds the robot's key and `secret` signs DingTalk requests: both are secrets,
/// never printed (`Debug` shows `[REDACTED]`), logged or stored.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookSettings {
    pub kind: WebhookKind,
    /// The robot's address, with its key (`…/webhook/send?key=…`, `…/robot/send?access_token=…`).
    pub url: SecretString,
    /// DingTalk's 加签 secret (`SEC…`): requests carry `timestamp` and `sign`.
    pub secret: Option<SecretString>,
    /// Only the events of these units (a finding of a column with several units is each
    /// one's); every unit when empty.
    #[serde(default)]
    pub units: Vec<String>,
    /// What logs and the database call this robot; else its kind and a digest of its URL.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum WebhookKind {
    /// 企业微信 group robot: `{"msgtype":"markdown","markdown":{"content":…}}`.
    Wecom,
    /// 钉钉 custom robot: `{"msgtype":"markdown","markdown":{"title":…,"text":…}}`.
    Dingtalk,
    /// `{"events":[{"event","kind","unit","sentence","opened_on","url"}]}`.
    Json,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct SourceSettings {
    pub weibo: PlatformSourceSettings,
    pub wechat_mp: PlatformSourceSettings,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct PlatformSourceSettings {
    pub base_url: Option<String>,
    pub min_interval_s: Option<u64>,
    pub token: Option<SecretString>,
    pub cookie: Option<SecretString>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServeSettings {
    /// Address of `/healthz` and `/metrics`.
    pub listen: String,
    /// How long a job is leased to a worker; the worker extends it while it works, and
    /// another worker takes the job over once it expires (its worker died).
    pub lease_s: u64,
    /// This worker's name in the job table (default `hostname:pid`).
    pub worker_id: Option<String>,
    /// Jobs (sites, account batches …) one worker runs at once.
    pub jobs: usize,
    /// The console's address as people reach it (e.g. `https://govwatch.example.gov.cn/`,
    /// behind nginx): when it is https, the session cookie is `Secure`.
    pub public_url: Option<String>,
    /// Proxies (CIDRs, e.g. `["127.0.0.1/32"]`) whose `X-Forwarded-For` is believed for
    /// the client's address (login rate limits); none by default.
    pub trusted_proxies: Vec<String>,
    /// Hours a console session lasts after logging in.
    pub session_hours: u32,
}

impl Default for ServeSettings {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:9187".into(),
            lease_s: 60,
            worker_id: None,
            jobs: 4,
            public_url: None,
            trusted_proxies: Vec::new(),
            session_hours: 12,
        }
    }
}

/// Keys govwatch once read and no longer does, with why: a file that still sets one is
/// warned about like an unknown key, with the reason instead of "a typo?".
const RETIRED_KEYS: &[(&str, &str)] = &[
    (
        "schedule.links",
        "link checks run inside the cycle of `[schedule] crawl`",
    ),
    (
        "schedule.accounts",
        "account reads run inside the cycle of `[schedule] crawl`",
    ),
    (
        "schedule.detect",
        "detection runs at the end of the cycle of `[schedule] crawl`",
    ),
];

impl Settings {
    /// Reads `<dir>/govwatch.toml` if present (a missing file means all defaults), then
    /// applies environment overrides. Unknown keys are returned as warnings (likely typos).
    pub fn load(dir: &Path) -> Result<(Settings, Vec<String>), ConfigError> {
        let path = dir.join(SETTINGS_FILE);
        let mut warnings = Vec::new();
        let mut settings = match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path, &mut warnings)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        settings.apply_env(|k| std::env::var(k).ok())?;
        settings.validate(&path)?;
        Ok((settings, warnings))
    }

    /// Parses settings text; unknown keys are pushed to `warnings` with the file name.
    pub fn parse(
        text: &str,
        path: &Path,
        warnings: &mut Vec<String>,
    ) -> Result<Settings, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| parse_error(path, text, &e))?;
        let settings = serde_ignored::deserialize(de, |ignored| {
            let key = ignored.to_string();
            let retired = RETIRED_KEYS.iter().find(|(k, _)| *k == key);
            let guess = match key.rsplit_once('.') {
                Some((section, name)) => did_you_mean(name, &example_keys(section)),
                None => did_you_mean(&key, &example_keys("")),
            };
            warnings.push(match (retired, guess) {
                (Some((_, why)), _) => {
                    let (table, name) = key.split_once('.').unwrap_or(("", &key));
                    format!(
                        "{}: `[{table}] {name}` is no longer read ({why}); remove it",
                        path.display()
                    )
                }
                (None, Some(near)) => format!(
                    "{}: unknown key `{key}` is ignored: did you mean `{near}`?",
                    path.display()
                ),
                (None, None) => format!(
                    "{}: unknown key `{key}` is ignored (a typo?)",
                    path.display()
                ),
            })
        })
        .map_err(|e| parse_error(path, text, &e))?;
        Ok(settings)
    }

    /// Environment overrides for containers: `GOVWATCH_DATABASE_URL`, `GOVWATCH_TIMEZONE`,
    /// `GOVWATCH_SMTP_HOST`, `GOVWATCH_SMTP_PORT`, `GOVWATCH_SMTP_USERNAME`,
    /// `GOVWATCH_SMTP_PASSWORD`, `GOVWATCH_SMTP_FROM`, `GOVWATCH_NOTIFY_OFFICE`
    /// (comma-separated), `GOVWATCH_WEIBO_COOKIE`, `GOVWATCH_WECHAT_MP_TOKEN`,
    /// `GOVWATCH_WECHAT_MP_COOKIE`, `GOVWATCH_SERVE_LISTEN`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let nonempty = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        if let Some(v) = nonempty("GOVWATCH_DATABASE_URL") {
            self.database.url = Some(v);
        }
        if let Some(v) = nonempty("GOVWATCH_TIMEZONE") {
            self.general.timezone = v;
        }
        if let Some(v) = nonempty("GOVWATCH_SMTP_HOST") {
            self.smtp.host = Some(v);
        }
        if let Some(v) = nonempty("GOVWATCH_SMTP_PORT") {
            let port = v.parse().map_err(|_| ConfigError::Invalid {
                origin: "GOVWATCH_SMTP_PORT".into(),
                message: format!("`{v}` is not a port number"),
            })?;
            self.smtp.port = Some(port);
        }
        if let Some(v) = nonempty("GOVWATCH_SMTP_USERNAME") {
            self.smtp.username = Some(v);
        }
        if let Some(v) = nonempty("GOVWATCH_SMTP_PASSWORD") {
            self.smtp.password = Some(v.into());
        }
        if let Some(v) = nonempty("GOVWATCH_SMTP_FROM") {
            self.smtp.from = Some(v);
        }
        if let Some(v) = nonempty("GOVWATCH_NOTIFY_OFFICE") {
            self.notify.office = v.split(',').map(|s| s.trim().to_string()).collect();
        }
        if let Some(v) = nonempty("GOVWATCH_WEIBO_COOKIE") {
            self.sources.weibo.cookie = Some(v.into());
        }
        if let Some(v) = nonempty("GOVWATCH_WECHAT_MP_TOKEN") {
            self.sources.wechat_mp.token = Some(v.into());
        }
        if let Some(v) = nonempty("GOVWATCH_WECHAT_MP_COOKIE") {
            self.sources.wechat_mp.cookie = Some(v.into());
        }
        if let Some(v) = nonempty("GOVWATCH_SERVE_LISTEN") {
            self.serve.listen = v;
        }
        if let Some(v) = nonempty("GOVWATCH_WORKER_ID") {
            self.serve.worker_id = Some(v);
        }
        Ok(())
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            origin: path.display().to_string(),
            message,
        };
        self.timezone().map_err(invalid)?;
        if self.fetch.per_host_concurrency == 0 {
            return Err(invalid(
                "[fetch] per_host_concurrency must be at least 1".into(),
            ));
        }
        if !self.probe.interval_min.is_finite() || self.probe.interval_min <= 0.0 {
            return Err(invalid(format!(
                "[probe] interval_min = {} must be more than 0 (minutes between probes)",
                self.probe.interval_min
            )));
        }
        if self.serve.lease_s == 0 || self.serve.jobs == 0 {
            return Err(invalid(
                "[serve] lease_s and jobs must be at least 1".into(),
            ));
        }
        for cidr in &self.serve.trusted_proxies {
            cidr.parse::<ipnet::IpNet>()
                .or_else(|_| cidr.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(format!(
                        "[serve] trusted_proxies: \"{cidr}\" is not a CIDR (write e.g. \"127.0.0.1/32\" or \"10.0.0.0/8\")"
                    ))
                })?;
        }
        if let Some(url) = &self.serve.public_url
            && !matches!(
                url::Url::parse(url)
                    .map(|u| u.scheme().to_string())
                    .as_deref(),
                Ok("http" | "https")
            )
        {
            return Err(invalid(format!(
                "[serve] public_url = \"{url}\" is not an http(s) URL (write e.g. \"https://govwatch.example.gov.cn/\")"
            )));
        }
        if self.serve.session_hours == 0 {
            return Err(invalid("[serve] session_hours must be at least 1".into()));
        }
        if !(0.0..=1.0).contains(&self.probe.fail_share) {
            return Err(invalid(format!(
                "[probe] fail_share = {} is not a share between 0 and 1 (0.05 means 5%)",
                self.probe.fail_share
            )));
        }
        for (i, w) in self.notify.webhook.iter().enumerate() {
            use secrecy::ExposeSecret;
            let which = match &w.name {
                Some(name) => format!("[[notify.webhook]] \"{name}\""),
                None => format!("[[notify.webhook]] number {}", i + 1),
            };
            // The URL holds the robot's key: say what is wrong with it, never what it is.
            match url::Url::parse(w.url.expose_secret().trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    return Err(invalid(format!(
                        "{which}: url is not an http(s) address (write the robot's whole webhook address, with its key)"
                    )));
                }
            }
            if w.secret.is_some() && w.kind != WebhookKind::Dingtalk {
                return Err(invalid(format!(
                    "{which}: secret signs DingTalk requests only; remove it or set kind = \"dingtalk\""
                )));
            }
        }
        let mut names: Vec<&str> = self
            .notify
            .webhook
            .iter()
            .filter_map(|w| w.name.as_deref())
            .collect();
        names.sort();
        if let Some(pair) = names.windows(2).find(|p| p[0] == p[1]) {
            return Err(invalid(format!(
                "[[notify.webhook]]: two robots are named \"{}\"; give each its own name",
                pair[0]
            )));
        }
        for (name, addr) in &self.fetch.resolve {
            addr.parse::<std::net::IpAddr>().map_err(|_| {
                invalid(format!(
                    "[fetch.resolve] \"{name}\" = \"{addr}\": not an IP address (write e.g. \"127.0.0.1\")"
                ))
            })?;
        }
        Ok(())
    }

    /// The configured time zone.
    pub fn timezone(&self) -> Result<Tz, String> {
        self.general.timezone.parse::<Tz>().map_err(|_| {
            format!(
                "[general] timezone = \"{}\" is not an IANA time zone (e.g. \"Asia/Shanghai\")",
                self.general.timezone
            )
        })
    }
}

/// The 1-based line of a byte offset in `text`, for `file:line` messages about a TOML
/// file (this one, and the catalog's).
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn parse_error(path: &Path, text: &str, e: &toml::de::Error) -> ConfigError {
    let line = e.span().map(|span| line_of(text, span.start)).unwrap_or(0);
    ConfigError::Parse {
        path: path.to_path_buf(),
        line,
        message: e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn empty_text_gives_national_defaults() {
        let mut w = Vec::new();
        let s = Settings::parse("", Path::new("govwatch.toml"), &mut w).unwrap();
        assert_eq!(s.fetch.per_host_concurrency, 2);
        assert_eq!(s.probe.fail_share, 0.05);
        assert_eq!(s.thresholds.account_silent_days, 14);
        assert_eq!(s.timezone().unwrap(), chrono_tz::Asia::Shanghai);
        assert!(w.is_empty());
    }

    #[test]
    fn rectification_counts_working_days() {
        let d = |m, day| chrono::NaiveDate::from_ymd_opt(2022, m, day).unwrap();
        // Seed 004: issued Friday 8月19日, due 8月26日.
        assert_eq!(working_days_after(d(8, 19), 5, &[], &[]), d(8, 26));
        // National Day 2022: Oct 1-7 off, Saturday Oct 8 and Sunday Oct 9 worked: from
        // Thursday 9月29日, 9月30日, 10月8日, 10月9日.
        let holidays: Vec<_> = (1..=7).map(|day| d(10, day)).collect();
        assert_eq!(
            working_days_after(d(9, 29), 3, &holidays, &[d(10, 8), d(10, 9)]),
            d(10, 9)
        );
        let s = Settings::default();
        assert_eq!(s.issuer(), "政务公开办");
        assert_eq!(s.report.rectify_days, 5);
        let mut w = Vec::new();
        let s = Settings::parse(
            "[report]\nissuer = \"某区人民政府办公室\"\narea = \"全区\"\nrectfy_days = 3\n\n[report.scoring]\nbase = 100\n",
            Path::new("govwatch.toml"),
            &mut w,
        )
        .unwrap();
        assert_eq!(
            (s.issuer(), s.report.area.as_str()),
            ("某区人民政府办公室", "全区")
        );
        assert_eq!(s.report.scoring.unwrap().base, 100);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("rectfy_days") && w[0].contains("rectify_days"),
            "{w:?}"
        );
    }

    #[test]
    fn holidays_are_toml_dates_or_quoted_days() {
        let mut w = Vec::new();
        let s = Settings::parse(
            "[schedule]\nholidays = [2026-10-01, \"2026-10-02\"]\nworkdays = [2026-09-27]\n",
            Path::new("govwatch.toml"),
            &mut w,
        )
        .unwrap();
        let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        assert_eq!(s.schedule.holidays, [day(10, 1), day(10, 2)]);
        assert_eq!(s.schedule.workdays, [day(9, 27)]);
        for bad in ["[2026-10-01T08:00:00]", "[\"10/01\"]", "[2026-02-30]"] {
            let text = format!("[schedule]\nholidays = {bad}\n");
            assert!(
                Settings::parse(&text, Path::new("govwatch.toml"), &mut w).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_typo_is_told_what_it_likely_meant() {
        assert_eq!(
            did_you_mean("quata", &["site", "quota", "units"]),
            Some("quota")
        );
        assert_eq!(did_you_mean("levle", &["name", "level"]), Some("level"));
        assert_eq!(did_you_mean("colour", &["name", "level"]), None);
        assert!(example_keys("probe").contains(&"interval_min"));
        assert!(example_keys("schedule").contains(&"holidays"));
        assert!(example_keys("").contains(&"thresholds"));
        let mut w = Vec::new();
        Settings::parse("[fetch]\ntimeot_s = 3\n", Path::new("g.toml"), &mut w).unwrap();
        assert!(w[0].contains("did you mean `timeout_s`?"), "{w:?}");
    }

    #[test]
    fn unknown_keys_are_warnings_with_the_file() {
        let mut w = Vec::new();
        let s = Settings::parse(
            "[fetch]\nretries = 5\nretires = 1\n",
            Path::new("c/govwatch.toml"),
            &mut w,
        )
        .unwrap();
        assert_eq!(s.fetch.retries, 5);
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("fetch.retires"), "{w:?}");
    }

    #[test]
    fn the_example_settings_set_no_unknown_or_retired_key() {
        let mut w = Vec::new();
        Settings::parse(
            include_str!("../config/govwatch.toml"),
            Path::new("config/govwatch.toml"),
            &mut w,
        )
        .unwrap();
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn retired_schedule_keys_are_warnings_naming_the_cycle() {
        let mut w = Vec::new();
        let s = Settings::parse(
            "[schedule]\ncrawl = \"0 5 * * *\"\nlinks = \"0 2 * * 6\"\n\
             accounts = \"0 7 * * *\"\ndetect = \"30 7 * * *\"\n",
            Path::new("c/govwatch.toml"),
            &mut w,
        )
        .unwrap();
        assert_eq!(s.schedule.crawl, "0 5 * * *");
        // In the order of the keys (TOML tables are read sorted).
        assert_eq!(
            w,
            [
                "c/govwatch.toml: `[schedule] accounts` is no longer read (account reads run \
                 inside the cycle of `[schedule] crawl`); remove it",
                "c/govwatch.toml: `[schedule] detect` is no longer read (detection runs at the \
                 end of the cycle of `[schedule] crawl`); remove it",
                "c/govwatch.toml: `[schedule] links` is no longer read (link checks run \
                 inside the cycle of `[schedule] crawl`); remove it",
            ]
        );
    }

    #[test]
    fn type_errors_name_the_line() {
        let mut w = Vec::new();
        let e = Settings::parse(
            "[fetch]\n\ntimeout_s = \"slow\"\n",
            Path::new("govwatch.toml"),
            &mut w,
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("govwatch.toml:3:"), "{text}");
    }

    #[test]
    fn environment_overrides_the_file_and_hides_the_password() {
        let mut w = Vec::new();
        let mut s = Settings::parse(
            "[database]\nurl = \"sqlite://a.db\"\n[smtp]\npassword = \"file\"\n",
            Path::new("g.toml"),
            &mut w,
        )
        .unwrap();
        s.apply_env(|k| match k {
            "GOVWATCH_DATABASE_URL" => Some("postgres://x@127.0.0.1/db".into()),
            "GOVWATCH_SMTP_PASSWORD" => Some("hunter2".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.database.url.as_deref(), Some("postgres://x@127.0.0.1/db"));
        assert_eq!(s.smtp.password.as_ref().unwrap().expose_secret(), "hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn webhooks_are_read_and_their_secrets_never_printed() {
        let text = r#"
[[notify.webhook]]
kind = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=t0ken123456"
secret = "SECs3cret123456"
units = ["县公安局"]

[[notify.webhook]]
name = "办公室群"
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k3y123456"
"#;
        let mut w = Vec::new();
        let s = Settings::parse(text, Path::new("govwatch.toml"), &mut w).unwrap();
        assert!(w.is_empty(), "{w:?}");
        s.validate(Path::new("govwatch.toml")).unwrap();
        assert_eq!(s.notify.webhook.len(), 2);
        assert_eq!(s.notify.webhook[0].kind, WebhookKind::Dingtalk);
        assert_eq!(s.notify.webhook[0].units, ["县公安局"]);
        assert_eq!(
            s.notify.webhook[0].secret.as_ref().unwrap().expose_secret(),
            "SECs3cret123456"
        );
        let shown = format!("{s:?}");
        for secret in ["t0ken123456", "SECs3cret123456", "k3y123456"] {
            assert!(!shown.contains(secret), "{shown}");
        }

        let bad = text.replace("https://oapi", "oapi");
        let s = Settings::parse(&bad, Path::new("govwatch.toml"), &mut w).unwrap();
        let e = s
            .validate(Path::new("govwatch.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("number 1: url is not an http(s) address"), "{e}");
        assert!(!e.contains("t0ken123456"), "{e}");

        let misplaced = format!("{text}secret = \"SECx\"\n");
        let s = Settings::parse(&misplaced, Path::new("govwatch.toml"), &mut w).unwrap();
        let e = s
            .validate(Path::new("govwatch.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"办公室群\": secret signs DingTalk requests only"),
            "{e}"
        );
    }
}
