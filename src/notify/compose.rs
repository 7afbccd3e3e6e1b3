//! Composing the weekly email: pure, from the week's episodes to messages. No store, no
//! clock, no network: the caller passes the week, the office and the units' contacts.
//!
//! The office (政务公开办) receives every open problem grouped by responsible unit, with
//! what was found and what was rectified in the last seven days; each unit with
//! `contacts` receives its own part only, and only when it has something to hear about.
//! Both come as plain text and HTML with the problem list attached as XLSX and CSV.
//! The office digest also lists the accounts that cannot be read for the office's own
//! reasons (expired platform credentials, a source not configured): no finding about
//! the account, but work for the operator (需运维人员处理).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::catalog::{Catalog, Platform};
use crate::detect::Kind;
use crate::detect::accounts::account_key_of;
use crate::detect::period::Period;
use crate::observe::SourceProblem;
use crate::observe::evidence::Evidence;
use crate::report::notice::date_zh;
use crate::report::wording::{self, day_zh};
use crate::report::{self, Cell, ReportError, Table};
use crate::store::{CredentialProblem, FindingRecord};

/// Days in the "since last week" window, today included.
pub const WINDOW_DAYS: u64 = 7;

/// One message, before it becomes MIME.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub audience: Audience,
    /// Addresses; each receives its own copy and is recorded on its own.
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachments: Vec<Attachment>,
}

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The office: everything.
    Office,
    /// These units' part only (usually one; several when one address is a contact of
    /// several units).
    Units(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub mime: String,
    pub bytes: Vec<u8>,
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_MIME: &str = "text/csv; charset=utf-8";

/// A unit and the addresses that receive its part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitContacts {
    pub unit: String,
    pub contacts: Vec<String>,
}

/// Who receives the weekly email.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipients {
    /// `[notify] office`.
    pub office: Vec<String>,
    /// Units with contacts, in catalog order.
    pub units: Vec<UnitContacts>,
    /// Every unit name in catalog order, to order the digest's groups.
    pub unit_order: Vec<String>,
    /// Each account's public page by account key, where the catalog tells it (its
    /// source's URL, a Weibo uid's page): what an account item links to.
    pub account_pages: BTreeMap<String, String>,
}

impl Recipients {
    pub fn new(office: &[String], catalog: &Catalog) -> Recipients {
        Recipients {
            office: clean_addresses(office),
            units: catalog
                .units
                .iter()
                .filter(|u| !u.contacts.is_empty())
                .map(|u| UnitContacts {
                    unit: u.name.clone(),
                    contacts: clean_addresses(&u.contacts),
                })
                .collect(),
            unit_order: catalog.units.iter().map(|u| u.name.clone()).collect(),
            account_pages: catalog
                .accounts
                .iter()
                .filter_map(|a| {
                    let page = match (&a.url, &a.source.url, &a.source.uid) {
                        (Some(url), _, _) => url.to_string(),
                        (None, Some(url), _) => url.to_string(),
                        (None, None, Some(uid)) if a.platform == Platform::Weibo => {
                            format!("https://weibo.com/u/{uid}")
                        }
                        _ => return None,
                    };
                    Some((a.key(), page))
                })
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.office.is_empty() && self.units.iter().all(|u| u.contacts.is_empty())
    }
}

fn clean_addresses(list: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    list.iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty() && seen.insert(a.to_lowercase()))
        .collect()
}

/// The week a digest reports on: what is open on `today`, and what was opened and
/// resolved in the seven days up to `today`.
#[derive(Debug, Clone, PartialEq)]
pub struct Week {
    /// The ISO week of `today`: the period key of the messages.
    pub period: Period,
    pub today: NaiveDate,
    /// The first day of the window (`today` is the last).
    pub since: NaiveDate,
    /// When the previous weekly email to the office was recorded, if any: a problem is
    /// new when it opened after this instant (the same day's earlier problems were in
    /// that email). `None`: new means opened on or after `since`.
    pub after: Option<DateTime<Utc>>,
    pub open: Vec<FindingRecord>,
    pub opened: Vec<FindingRecord>,
    pub resolved: Vec<FindingRecord>,
    /// Accounts the operator must fix the source of (`Store::credential_problems`),
    /// ordered by account; told in the office digest only.
    pub operator: Vec<CredentialProblem>,
    /// Columns whose list the operator must look at (unrecognized, 可能误取侧栏),
    /// ordered by site and column; told in the office digest only.
    pub columns: Vec<ColumnNote>,
    /// How 整改期限 is counted.
    pub rectify: Rectify,
    /// `[thresholds] empty_columns_veto`: a site with this many open 空白栏目 fails on
    /// its own (单项否决), as does one with five stale news or notice columns.
    pub empty_columns_veto: u32,
}

/// A column whose latest read needs the operator: no list recognized, or the same items
/// as another column of its site. Not a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnNote {
    pub site: String,
    pub column: String,
    pub url: String,
    /// `无法识别栏目列表（列表由脚本加载（URL））`, `可能误取侧栏（与“…”条目相同）`.
    pub note: String,
}

/// Stale news or notice columns that make a site fail on their own (国办秘函〔2019〕19号).
pub const STALE_COLUMNS_VETO: usize = 5;

/// 整改期限: `days` working days after a problem was found (`[report] rectify_days`,
/// with `[schedule] holidays` and `workdays`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectify {
    pub days: u32,
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
}

impl Default for Rectify {
    fn default() -> Self {
        Rectify {
            days: 5,
            holidays: Vec::new(),
            workdays: Vec::new(),
        }
    }
}

impl Rectify {
    /// The day a problem found on `opened_on` is to be rectified by.
    pub fn deadline(&self, opened_on: NaiveDate) -> NaiveDate {
        crate::config::working_days_after(opened_on, self.days, &self.holidays, &self.workdays)
    }
}

/// Whether `f` opened after the previous weekly email (`after`), or on or after `since`
/// when there was none.
fn is_new_after(f: &FindingRecord, since: NaiveDate, after: Option<DateTime<Utc>>) -> bool {
    match after {
        Some(after) => f.opened_at > after,
        None => f.opened_on >= since,
    }
}

/// Single-veto items (单项否决, 《政府网站与政务新媒体检查指标》): they lead the email.
pub fn is_single_veto(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::SiteUnreachable | Kind::SiteHomeStale | Kind::InteractionUnanswered
    )
}

impl Week {
    /// The first day of the window that ends on `today`.
    pub fn window_start(today: NaiveDate) -> NaiveDate {
        today - Days::new(WINDOW_DAYS - 1)
    }

    /// Sorts episodes into open, opened and resolved. `episodes` must hold at least every
    /// episode open at some time in the window (more does no harm).
    pub fn from_episodes(today: NaiveDate, episodes: &[FindingRecord]) -> Week {
        Week::from_episodes_since(today, Week::window_start(today), episodes)
    }

    /// As [`Week::from_episodes`], with "new" meaning opened on or after `since`.
    pub fn from_episodes_since(
        today: NaiveDate,
        since: NaiveDate,
        episodes: &[FindingRecord],
    ) -> Week {
        Week::sorted(today, since, None, episodes)
    }

    /// As [`Week::from_episodes`], with "new" meaning opened (and "rectified" meaning
    /// resolved) after `after`, the instant the previous weekly email was recorded;
    /// `since` is that instant's day, the first day the window names.
    pub fn from_episodes_after(
        today: NaiveDate,
        after: DateTime<Utc>,
        since: NaiveDate,
        episodes: &[FindingRecord],
    ) -> Week {
        Week::sorted(today, since, Some(after), episodes)
    }

    fn sorted(
        today: NaiveDate,
        since: NaiveDate,
        after: Option<DateTime<Utc>>,
        episodes: &[FindingRecord],
    ) -> Week {
        // False alarms (误报) the office dismissed are not problems to mail.
        let visible = episodes
            .iter()
            .filter(|f| f.opened_on <= today && !f.is_dismissed());
        let pick = |keep: &dyn Fn(&FindingRecord) -> bool| -> Vec<FindingRecord> {
            let mut v: Vec<FindingRecord> = visible.clone().filter(|f| keep(f)).cloned().collect();
            v.sort_by_key(|f| (f.opened_on, f.id));
            v
        };
        // Rectified (整改) only: one closed as 不再监测 is neither open nor rectified.
        let resolved_in_window = |f: &FindingRecord| match (after, f.resolved_at) {
            _ if f.is_unwatched() => false,
            (Some(after), Some(at)) => at > after && f.resolved_on.is_some_and(|r| r <= today),
            _ => f.resolved_on.is_some_and(|r| r >= since && r <= today),
        };
        Week {
            period: Period::week_of(today),
            today,
            since,
            after,
            open: pick(&|f| f.resolved_on.is_none_or(|r| r > today)),
            opened: pick(&|f| is_new_after(f, since, after)),
            resolved: pick(&resolved_in_window),
            operator: Vec::new(),
            columns: Vec::new(),
            rectify: Rectify::default(),
            empty_columns_veto: 5,
        }
    }

    /// The week with the columns whose list the operator must look at.
    pub fn with_column_notes(mut self, notes: Vec<ColumnNote>) -> Week {
        self.columns = notes;
        self
    }

    /// The week with the number of 空白栏目 that fails a site on its own.
    pub fn with_empty_columns_veto(mut self, n: u32) -> Week {
        self.empty_columns_veto = n;
        self
    }

    /// Sites whose open column problems reach a single-veto line, one line each:
    /// `【单项否决】某县人民政府空白栏目5个，达到单项否决标准（5个）`.
    pub fn site_vetoes(&self) -> Vec<String> {
        let mut empty: BTreeMap<&str, usize> = BTreeMap::new();
        let mut stale: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.open {
            match &f.evidence {
                Some(Evidence::ColumnEmpty(e)) => *empty.entry(&e.column.site).or_default() += 1,
                Some(Evidence::ColumnStale(e)) if e.class == "news" || e.class == "notice" => {
                    *stale.entry(&e.column.site).or_default() += 1
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        let veto = self.empty_columns_veto.max(1) as usize;
        for (site, n) in empty.into_iter().filter(|(_, n)| *n >= veto) {
            out.push(format!(
                "【单项否决】{site}空白栏目{n}个，达到单项否决标准（{veto}个）"
            ));
        }
        for (site, n) in stale.into_iter().filter(|(_, n)| *n >= STALE_COLUMNS_VETO) {
            out.push(format!(
                "【单项否决】{site}动态、通知公告类栏目超期未更新{n}个，达到单项否决标准（{STALE_COLUMNS_VETO}个）"
            ));
        }
        out
    }

    /// The week with how 整改期限 is counted.
    pub fn with_rectify(mut self, rectify: Rectify) -> Week {
        self.rectify = rectify;
        self
    }

    /// `（11月25日至12月1日）`: the window a subject names.
    fn range(&self) -> String {
        let year = self.today.year();
        format!(
            "（{}至{}）",
            day_zh(self.since, year),
            day_zh(self.today, year)
        )
    }

    /// The week with the accounts whose sources the operator must fix.
    pub fn with_operator_problems(mut self, problems: Vec<CredentialProblem>) -> Week {
        self.operator = problems;
        self
    }

    fn is_new(&self, f: &FindingRecord) -> bool {
        is_new_after(f, self.since, self.after)
    }

    /// `2020年第2周`.
    pub fn label(&self) -> String {
        match self.period {
            Period::Week { year, week } => format!("{year}年第{week}周"),
            other => other.to_string(),
        }
    }

    fn year(&self) -> i32 {
        match self.period {
            Period::Week { year, .. } => year,
            _ => self.today.year(),
        }
    }

    fn day(&self, d: NaiveDate) -> String {
        day_zh(d, self.year())
    }
}

/// Composes the office digest (when the office has addresses) and one message per unit
/// audience that has something to report.
pub fn compose(
    week: &Week,
    office_name: &str,
    tz: Tz,
    recipients: &Recipients,
) -> Result<Vec<Message>, ReportError> {
    let w = Writer {
        week,
        office_name,
        tz,
        order: &recipients.unit_order,
        pages: &recipients.account_pages,
    };
    let mut out = Vec::new();
    if !recipients.office.is_empty() {
        out.push(w.office(recipients.office.clone())?);
    }
    // An address hears about every unit it is a contact of, in one message; the office's
    // addresses already hear about everything.
    let office: BTreeSet<String> = recipients.office.iter().map(|a| a.to_lowercase()).collect();
    let mut by_address: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for u in &recipients.units {
        for a in &u.contacts {
            if office.contains(&a.to_lowercase()) {
                continue;
            }
            let entry = by_address
                .entry(a.to_lowercase())
                .or_insert_with(|| (a.clone(), Vec::new()));
            if !entry.1.contains(&u.unit) {
                entry.1.push(u.unit.clone());
            }
        }
    }
    let mut audiences: Vec<(Vec<String>, Vec<String>)> = Vec::new();
    for (_, (address, units)) in by_address {
        match audiences.iter_mut().find(|(u, _)| *u == units) {
            Some((_, to)) => to.push(address),
            None => audiences.push((units, vec![address])),
        }
    }
    let position = |units: &Vec<String>| {
        recipients
            .units
            .iter()
            .position(|u| units.first() == Some(&u.unit))
    };
    audiences.sort_by_key(|(units, _)| position(units));
    for (units, to) in audiences {
        if let Some(m) = w.units(&units, to)? {
            out.push(m);
        }
    }
    Ok(out)
}

/// Whether a finding belongs to `unit` (a finding's unit may join several with 、).
fn belongs_to(f: &FindingRecord, unit: &str) -> bool {
    f.unit
        .as_deref()
        .is_some_and(|u| u == unit || u.split('、').any(|part| part.trim() == unit))
}

const NO_UNIT: &str = "未明确责任单位";

struct Writer<'a> {
    week: &'a Week,
    office_name: &'a str,
    tz: Tz,
    order: &'a [String],
    pages: &'a BTreeMap<String, String>,
}

/// Findings of one unit label, in order of detection.
struct Group<'a> {
    unit: String,
    items: Vec<&'a FindingRecord>,
}

impl Writer<'_> {
    fn groups<'f>(&self, findings: impl IntoIterator<Item = &'f FindingRecord>) -> Vec<Group<'f>> {
        let mut map: BTreeMap<(usize, String), Vec<&FindingRecord>> = BTreeMap::new();
        for f in findings {
            let unit = f.unit.clone().filter(|u| !u.trim().is_empty());
            let rank = match &unit {
                None => usize::MAX,
                Some(u) => {
                    let first = u.split('、').next().unwrap_or(u).trim();
                    self.order
                        .iter()
                        .position(|n| n == first)
                        .unwrap_or(usize::MAX - 1)
                }
            };
            map.entry((rank, unit.unwrap_or_else(|| NO_UNIT.to_string())))
                .or_default()
                .push(f);
        }
        map.into_iter()
            .map(|((_, unit), mut items)| {
                // Single-veto items first, each part in order of detection.
                items.sort_by_key(|f| !is_single_veto(f.kind));
                Group { unit, items }
            })
            .collect()
    }

    /// How many items `findings` make in the email: one per column where its rules
    /// overlap (as listed), one per finding otherwise.
    fn count<'f>(&self, findings: impl IntoIterator<Item = &'f FindingRecord>) -> usize {
        self.groups(findings)
            .iter()
            .map(|g| by_column(&g.items).len())
            .sum()
    }

    fn office(&self, to: Vec<String>) -> Result<Message, ReportError> {
        let week = self.week;
        let subject = format!("政务公开监测问题清单{}", week.range());
        let open_groups = self.groups(&week.open);
        let summary = if week.open.is_empty() {
            format!("截至{}，未发现未整改问题。", week.day(week.today))
        } else {
            format!(
                "截至{}，监测发现未整改问题{}个，涉及{}个单位。",
                week.day(week.today),
                self.count(&week.open),
                open_groups.len()
            )
        };
        let summary = format!(
            "{summary}{}新发现问题{}个，已整改问题{}个。",
            self.window(),
            self.count(&week.opened),
            week.resolved.len()
        );
        let mut doc = Doc::new(&subject);
        doc.para(&format!("{}：", self.office_name));
        doc.para(&format!(
            "现将{}政府网站和政务新媒体监测情况报告如下。",
            week.label()
        ));
        doc.para(&summary);
        for line in week.site_vetoes() {
            doc.para(&line);
        }
        if !week.open.is_empty() || !week.resolved.is_empty() {
            doc.table(&self.unit_summary());
        }
        let mut n = 0;
        if !week.opened.is_empty() {
            n += 1;
            doc.heading(&format!(
                "{}、{}新发现问题（{}个）",
                zh_number(n),
                self.window(),
                self.count(&week.opened)
            ));
            self.grouped(&mut doc, &self.groups(&week.opened), Detail::New);
        }
        if !week.resolved.is_empty() {
            n += 1;
            doc.heading(&format!(
                "{}、{}已整改问题（{}个）",
                zh_number(n),
                self.window(),
                week.resolved.len()
            ));
            self.grouped(&mut doc, &self.groups(&week.resolved), Detail::Resolved);
        }
        // Older open problems once, compact: the new ones are listed in full above.
        let older: Vec<&FindingRecord> = week.open.iter().filter(|f| !week.is_new(f)).collect();
        if !older.is_empty() {
            n += 1;
            doc.heading(&format!(
                "{}、此前发现仍未整改问题（{}个，按责任单位列示）",
                zh_number(n),
                self.count(older.iter().copied())
            ));
            self.grouped(&mut doc, &self.groups(older), Detail::Open);
        }
        if !week.operator.is_empty() {
            n += 1;
            self.operator_section(&mut doc, n);
        }
        if !week.columns.is_empty() {
            n += 1;
            self.column_section(&mut doc, n);
        }
        let rows: Vec<&FindingRecord> = week.open.iter().chain(&week.resolved).collect();
        let attachments = self.attachments(&rows, None, true)?;
        if !week.open.is_empty() {
            doc.para("请督促各责任单位对照问题清单及时整改。整改完成后，监测系统将在下次检查时自动确认。");
        }
        self.close(&mut doc, &attachments, "政务公开监测系统");
        Ok(doc.finish(Audience::Office, to, subject, attachments))
    }

    fn units(&self, units: &[String], to: Vec<String>) -> Result<Option<Message>, ReportError> {
        let week = self.week;
        let mine = |f: &&FindingRecord| units.iter().any(|u| belongs_to(f, u));
        let open: Vec<&FindingRecord> = week.open.iter().filter(mine).collect();
        let resolved: Vec<&FindingRecord> = week.resolved.iter().filter(mine).collect();
        if open.is_empty() && resolved.is_empty() {
            return Ok(None);
        }
        let name = units.join("、");
        let subject = format!("{name}政务公开监测问题清单{}", week.range());
        let new = self.count(open.iter().copied().filter(|f| week.is_new(f)));
        let mut doc = Doc::new(&subject);
        doc.para(&format!("{name}："));
        let ask = if open.is_empty() {
            "。"
        } else {
            "，请及时整改。"
        };
        doc.para(&format!(
            "现将{}政府网站和政务新媒体监测发现的贵单位问题通报如下{ask}",
            week.label()
        ));
        let state = if open.is_empty() {
            format!("截至{}，贵单位已无未整改问题", week.day(week.today))
        } else {
            format!(
                "截至{}，贵单位未整改问题{}个，其中{}新发现{}个",
                week.day(week.today),
                self.count(open.iter().copied()),
                self.window(),
                new
            )
        };
        doc.para(&format!(
            "{state}；{}已整改问题{}个。",
            self.window(),
            resolved.len()
        ));
        fn single<'f>(mut items: Vec<&'f FindingRecord>) -> Vec<Group<'f>> {
            items.sort_by_key(|f| !is_single_veto(f.kind));
            vec![Group {
                unit: String::new(),
                items,
            }]
        }
        let mut n = 0;
        let (fresh, older): (Vec<&FindingRecord>, Vec<&FindingRecord>) =
            open.iter().partition(|f| week.is_new(f));
        if !fresh.is_empty() {
            n += 1;
            doc.heading(&format!(
                "{}、{}新发现问题（{}个）",
                zh_number(n),
                self.window(),
                self.count(fresh.iter().copied())
            ));
            self.grouped(&mut doc, &single(fresh), Detail::New);
        }
        if !older.is_empty() {
            n += 1;
            doc.heading(&format!(
                "{}、此前发现仍未整改问题（{}个）",
                zh_number(n),
                self.count(older.iter().copied())
            ));
            self.grouped(&mut doc, &single(older), Detail::Open);
        }
        if !resolved.is_empty() {
            n += 1;
            doc.heading(&format!(
                "{}、{}已整改问题（{}个）",
                zh_number(n),
                self.window(),
                resolved.len()
            ));
            self.grouped(&mut doc, &single(resolved.clone()), Detail::Resolved);
        }
        let rows: Vec<&FindingRecord> = open.iter().chain(&resolved).copied().collect();
        let attachments = self.attachments(&rows, Some(&name), false)?;
        if !open.is_empty() {
            doc.para(&format!(
                "请对照问题清单逐项整改。整改完成后，监测系统将在下次检查时自动确认；如有疑问，请与{}联系。",
                self.office_name
            ));
        }
        self.close(&mut doc, &attachments, self.office_name);
        Ok(Some(doc.finish(
            Audience::Units(units.to_vec()),
            to,
            subject,
            attachments,
        )))
    }

    /// 需运维人员处理: accounts not read because of the office's credentials or settings,
    /// one line per cause (same outcome and message), the accounts joined with 、.
    fn operator_section(&self, doc: &mut Doc, n: usize) {
        let week = self.week;
        let mut causes: Vec<(SourceProblem, &str, Vec<&str>, NaiveDate)> = Vec::new();
        for p in &week.operator {
            let detail = p.detail.as_deref().unwrap_or("");
            let day = p.at.with_timezone(&self.tz).date_naive();
            match causes
                .iter_mut()
                .find(|(o, d, _, _)| *o == p.outcome && *d == detail)
            {
                Some((_, _, accounts, last)) => {
                    accounts.push(&p.account);
                    *last = (*last).max(day);
                }
                None => causes.push((p.outcome, detail, vec![&p.account], day)),
            }
        }
        doc.heading(&format!(
            "{}、需运维人员处理（{}个账号）",
            zh_number(n),
            week.operator.len()
        ));
        doc.para("以下政务新媒体账号因监测凭证或配置问题暂时无法读取，不作为账号问题统计，请运维人员处理：");
        for (i, (outcome, detail, accounts, last)) in causes.iter().enumerate() {
            let what = match *outcome {
                SourceProblem::ExpiredCredentials => "平台登录凭证已过期，请更新 token/cookie",
                SourceProblem::NotConfigured => "数据源未配置，请补充配置",
                _ => "数据源暂时无法读取",
            };
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!("（{detail}）")
            };
            doc.para(&format!(
                "{}. {}：{what}，最近检查{}{detail}",
                i + 1,
                wording::join(accounts),
                week.day(*last)
            ));
        }
    }

    /// 需运维人员核查的栏目: columns whose list was not recognized or looks like a
    /// sidebar, one line each with its address.
    fn column_section(&self, doc: &mut Doc, n: usize) {
        let week = self.week;
        doc.heading(&format!(
            "{}、需运维人员核查的栏目（{}个）",
            zh_number(n),
            week.columns.len()
        ));
        doc.para("以下栏目最近一次读取未能确认栏目自身的信息列表，不作为栏目问题统计，请运维人员核查栏目地址或为其配置列表选择器：");
        for (i, c) in week.columns.iter().enumerate() {
            doc.para(&format!(
                "{}. {}{}：{}（{}）",
                i + 1,
                c.site,
                c.column,
                c.note,
                c.url
            ));
        }
    }

    /// 近一周 with no earlier weekly email, else 上次周报以来.
    fn window_name(&self) -> &'static str {
        if self.week.after.is_some() {
            "上次周报以来"
        } else {
            "近一周"
        }
    }

    /// `近一周（1月3日至1月9日）`, or `上次周报以来（1月2日至1月9日）`.
    fn window(&self) -> String {
        format!(
            "{}（{}至{}）",
            self.window_name(),
            self.week.day(self.week.since),
            self.week.day(self.week.today)
        )
    }

    fn unit_summary(&self) -> Table {
        let week = self.week;
        let all = week.open.iter().chain(&week.opened).chain(&week.resolved);
        let name = self.window_name();
        let mut t = Table::new(
            format!("按责任单位汇总（截至{}）", date_zh(week.today)),
            [
                "责任单位".to_string(),
                "未整改".to_string(),
                format!("{name}新发现"),
                format!("{name}已整改"),
            ],
        );
        for g in self.groups(all) {
            let mut seen = BTreeSet::new();
            let items: Vec<&FindingRecord> =
                g.items.into_iter().filter(|f| seen.insert(f.id)).collect();
            let mine = |list: &'_ [FindingRecord]| -> Vec<&FindingRecord> {
                items
                    .iter()
                    .copied()
                    .filter(|i| list.iter().any(|f| i.id == f.id))
                    .collect()
            };
            t.push_row(vec![
                g.unit.into(),
                Cell::Int(by_column(&mine(&week.open)).len() as i64),
                Cell::Int(by_column(&mine(&week.opened)).len() as i64),
                Cell::Int(mine(&week.resolved).len() as i64),
            ]);
        }
        t
    }

    fn grouped(&self, doc: &mut Doc, groups: &[Group<'_>], detail: Detail) {
        let numbered = groups.len() > 1 || groups.iter().any(|g| !g.unit.is_empty());
        for (i, g) in groups.iter().enumerate() {
            let items: Vec<Vec<&FindingRecord>> = match detail {
                Detail::Resolved => g.items.iter().map(|f| vec![*f]).collect(),
                Detail::New | Detail::Open => by_column(&g.items),
            };
            let title = if numbered {
                format!("（{}）{}（{}个）", zh_number(i + 1), g.unit, items.len())
            } else {
                String::new()
            };
            if !title.is_empty() {
                doc.text.push_str(&format!("{title}\n"));
            }
            let mut t = Table::new(title.clone(), detail.headers());
            // Older open problems are compact in both parts: one line each, no table.
            let mut compact = Vec::new();
            let mut pages = BTreeSet::new();
            for (n, cluster) in items.iter().enumerate() {
                let f = cluster[0];
                // One item per column: its rules' sentences, one after the other. A
                // letter unanswered for months says so; its overdue sentence adds nothing.
                let vetoed = cluster
                    .iter()
                    .any(|f| f.kind == Kind::InteractionUnanswered);
                let description = cluster
                    .iter()
                    .filter(|f| !(vetoed && f.kind == Kind::MessageOverdue))
                    .map(|f| self.description(f))
                    .collect::<Vec<_>>()
                    .join("；");
                let names = cluster
                    .iter()
                    .map(|f| kind_zh(f))
                    .collect::<Vec<_>>()
                    .join("、");
                // 【单项否决】 flags what fails an inspection on its own.
                let kind = if is_single_veto(f.kind) {
                    format!("单项否决】【{names}")
                } else {
                    names.clone()
                };
                let kind_cell = if is_single_veto(f.kind) {
                    format!("【单项否决】{names}")
                } else {
                    names
                };
                let deadline = self.deadline(f);
                let line = match detail {
                    Detail::New => format!("{}. 【{kind}】{description}（{deadline}）", n + 1),
                    Detail::Resolved => format!(
                        "{}. 【{kind}】{description}（{}发现，{}已整改）",
                        n + 1,
                        self.week.day(f.opened_on),
                        f.resolved_on.map(|d| self.week.day(d)).unwrap_or_default()
                    ),
                    // Compact, one line: how long it has been open.
                    Detail::Open => format!(
                        "{}. 【{kind}】{description}（{}发现，已{}天，{deadline}）",
                        n + 1,
                        self.week.day(f.opened_on),
                        (self.week.today - f.opened_on).num_days()
                    ),
                };
                doc.text.push_str(&format!("  {line}\n"));
                if matches!(detail, Detail::Open) {
                    compact.push(line);
                    continue;
                }
                // The link once: not again when the description already shows it. An
                // account item links to the account's public page.
                let page = f
                    .kind
                    .is_account()
                    .then(|| self.pages.get(account_key_of(&f.subject_key)).cloned())
                    .flatten();
                let link = evidence_link(f)
                    .or(page.clone())
                    .filter(|l| !description.contains(l.as_str()));
                if let Some(link) = link.as_ref().filter(|_| !matches!(detail, Detail::Open)) {
                    let label = if page.as_ref() == Some(link) {
                        pages.insert(link.clone());
                        "账号主页"
                    } else {
                        "证据链接"
                    };
                    doc.text.push_str(&format!("     {label}：{link}\n"));
                }
                let mut row = vec![
                    Cell::Int(n as i64 + 1),
                    kind_cell.into(),
                    description.into(),
                ];
                row.push(f.opened_on.into());
                match detail {
                    Detail::New => row.push(self.due(f).into()),
                    Detail::Resolved => row.push(f.resolved_on.into()),
                    Detail::Open => unreachable!("open problems are listed compact"),
                }
                row.push(link.into());
                t.push_row(row);
            }
            if matches!(detail, Detail::Open) {
                doc.lines(&title, &compact);
            } else {
                // A whole address would break across the narrow column: the link shows
                // what it opens, the address is its target and tooltip.
                doc.html.push_str(&report::html::table_linking(&t, |url| {
                    if pages.contains(url) {
                        "账号主页".to_string()
                    } else {
                        "查看".to_string()
                    }
                }));
            }
            doc.text.push('\n');
        }
    }

    /// `整改期限1月16日`, and `，已逾期3天` once it has passed.
    fn deadline(&self, f: &FindingRecord) -> String {
        let due = self.week.rectify.deadline(f.opened_on);
        let late = (self.week.today - due).num_days();
        if late > 0 {
            format!("整改期限{}，已逾期{late}天", self.week.day(due))
        } else {
            format!("整改期限{}", self.week.day(due))
        }
    }

    /// The 整改期限 cell of the HTML tables: `2020年1月16日`, `2020年1月16日（已逾期3天）`.
    fn due(&self, f: &FindingRecord) -> String {
        let due = self.week.rectify.deadline(f.opened_on);
        let late = (self.week.today - due).num_days();
        if late > 0 {
            format!("{}（已逾期{late}天）", date_zh(due))
        } else {
            date_zh(due)
        }
    }

    fn confirmed_on(&self, f: &FindingRecord) -> NaiveDate {
        f.last_confirmed.with_timezone(&self.tz).date_naive()
    }

    fn description(&self, f: &FindingRecord) -> String {
        description(f)
    }

    /// The problem list as a table: what the XLSX and CSV attachments hold.
    fn problem_list(&self, rows: &[&FindingRecord]) -> Table {
        let mut t = Table::new(
            format!("问题清单（截至{}）", date_zh(self.week.today)),
            [
                "序号",
                "责任单位",
                "问题类型",
                "监测对象",
                "问题描述",
                "发现日期",
                "最近确认",
                "是否整改",
                "整改日期",
                "证据链接",
            ],
        );
        let groups = self.groups(rows.iter().copied());
        let mut n = 0;
        for g in groups {
            for f in g.items {
                n += 1;
                t.push_row(vec![
                    Cell::Int(n),
                    f.unit.clone().into(),
                    kind_zh(f).into(),
                    subject_label(f).0.into(),
                    wording::sentence(f).into(),
                    f.opened_on.into(),
                    self.confirmed_on(f).into(),
                    crate::report::findings::rectified_cell(
                        false,
                        f.rectified_on().is_some_and(|r| r <= self.week.today),
                        f.is_unwatched() && f.resolved_on.is_some_and(|r| r <= self.week.today),
                    )
                    .into(),
                    f.rectified_on().filter(|r| *r <= self.week.today).into(),
                    evidence_link(f).into(),
                ]);
            }
        }
        let open = rows
            .iter()
            .filter(|f| f.resolved_on.is_none_or(|r| r > self.week.today))
            .count();
        t.notes.push(format!(
            "截至{}：未整改{}个，{}已整改{}个。",
            self.week.day(self.week.today),
            open,
            self.window(),
            rows.len() - open
        ));
        t
    }

    fn attachments(
        &self,
        rows: &[&FindingRecord],
        unit: Option<&str>,
        with_summary: bool,
    ) -> Result<Vec<Attachment>, ReportError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let list = self.problem_list(rows);
        let mut sheets = Vec::new();
        if with_summary {
            sheets.push(self.unit_summary());
        }
        sheets.push(list.clone());
        let base = match unit {
            Some(u) => format!("问题清单-{u}-{}", self.week.label()),
            None => format!("问题清单-{}", self.week.label()),
        };
        Ok(vec![
            Attachment {
                filename: format!("{base}.xlsx"),
                mime: XLSX_MIME.to_string(),
                bytes: report::xlsx::to_bytes(&sheets)?,
            },
            Attachment {
                filename: format!("{base}.csv"),
                mime: CSV_MIME.to_string(),
                bytes: report::csv::to_bytes(&list),
            },
        ])
    }

    fn close(&self, doc: &mut Doc, attachments: &[Attachment], signature: &str) {
        if !attachments.is_empty() {
            let names: Vec<String> = attachments
                .iter()
                .enumerate()
                .map(|(i, a)| format!("{}.{}", i + 1, a.filename))
                .collect();
            doc.para(&format!("附件：{}", names.join("  ")));
        }
        doc.signature(
            signature,
            !attachments.is_empty(),
            &format!(
                "{}年{}月{}日",
                self.week.today.year(),
                self.week.today.month(),
                self.week.today.day()
            ),
        );
    }
}

#[derive(Clone, Copy)]
enum Detail {
    New,
    Resolved,
    Open,
}

impl Detail {
    fn headers(self) -> Vec<&'static str> {
        match self {
            Detail::New => vec![
                "序号",
                "问题类型",
                "问题描述",
                "发现日期",
                "整改期限",
                "证据链接",
            ],
            Detail::Resolved => vec![
                "序号",
                "问题类型",
                "问题描述",
                "发现日期",
                "整改日期",
                "证据链接",
            ],
            Detail::Open => Vec::new(),
        }
    }
}

/// The text and HTML bodies, written side by side.
struct Doc {
    text: String,
    html: String,
    title: String,
}

impl Doc {
    fn new(subject: &str) -> Doc {
        let title = subject.trim_start_matches("【政务公开监测】").to_string();
        let html = format!(
            "<h2 style=\"font-size:18px;margin:0 0 12px 0\">{}</h2>\n",
            report::html::escape(&title)
        );
        Doc {
            text: String::new(),
            html,
            title,
        }
    }

    fn para(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html.push_str(&format!(
            "<p style=\"margin:6px 0\">{}</p>\n",
            report::html::escape(text)
        ));
    }

    fn heading(&mut self, text: &str) {
        self.text.push_str(text);
        self.text.push('\n');
        self.html.push_str(&format!(
            "<p style=\"font-size:16px;font-weight:bold;margin:18px 0 6px 0\">{}</p>\n",
            report::html::escape(text)
        ));
    }

    /// A titled list of one-line items (HTML only: the text part has them already).
    fn lines(&mut self, title: &str, lines: &[String]) {
        if !title.is_empty() {
            self.html.push_str(&format!(
                "<p style=\"font-size:15px;font-weight:bold;margin:14px 0 4px 0\">{}</p>\n",
                report::html::escape(title)
            ));
        }
        for line in lines {
            self.html.push_str(&format!(
                "<p style=\"margin:2px 0 2px 1em\">{}</p>\n",
                report::html::escape(line)
            ));
        }
    }

    fn table(&mut self, t: &Table) {
        for row in &t.rows {
            let cells: Vec<String> = row.iter().map(Cell::text).collect();
            // `县公安局：未整改2个，近一周新发现1个，近一周已整改0个`.
            let counts: Vec<String> = t.headers[1..]
                .iter()
                .zip(&cells[1..])
                .map(|(h, c)| format!("{h}{c}个"))
                .collect();
            self.text
                .push_str(&format!("  {}：{}\n", cells[0], counts.join("，")));
        }
        self.text.push('\n');
        self.html.push_str(&report::html::table(t));
    }

    fn signature(&mut self, name: &str, attached: bool, date: &str) {
        self.text.push_str(&format!("{name}\n{date}\n"));
        self.html.push_str(&format!(
            "<p style=\"margin:24px 0 0 0;text-align:right\">{}<br>{}</p>\n",
            report::html::escape(name),
            report::html::escape(date)
        ));
        let note = if attached {
            "本邮件由政务公开监测系统自动发送，问题清单见附件。"
        } else {
            "本邮件由政务公开监测系统自动发送。"
        };
        self.text.push_str(&format!("\n（{note}）\n"));
        self.html.push_str(&format!(
            "<p style=\"margin:16px 0 0 0;font-size:12px;color:#888\">{note}</p>\n"
        ));
    }

    fn finish(
        self,
        audience: Audience,
        to: Vec<String>,
        subject: String,
        attachments: Vec<Attachment>,
    ) -> Message {
        Message {
            audience,
            to,
            subject,
            html: report::html::document(&self.title, &self.html),
            text: self.text,
            attachments,
        }
    }
}

fn kind_zh(f: &FindingRecord) -> String {
    f.kind.name_zh().to_string()
}

/// What the problem is about, then the seed sentence: the subject is named only when
/// the sentence does not name it already ("示例审计（政务微信）：12月1日监测到…").
pub fn description(f: &FindingRecord) -> String {
    let (label, core) = subject_label(f);
    let sentence = wording::sentence(f);
    if core.is_empty() || sentence.contains(&core) {
        sentence
    } else {
        format!("{label}：{sentence}")
    }
}

/// What a finding is about, as a label, and the name in it that a sentence may already
/// contain: an account with its platform, a column with its site, a unit, a broken
/// link's URL (its subject is `site|url`), else the subject key.
fn subject_label(f: &FindingRecord) -> (String, String) {
    // Typed evidence, or for evidence an older version wrote differently, its keys.
    let json = f.evidence_json();
    let text = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let (account, column) = match &f.evidence {
        Some(e) => (
            e.account()
                .map(|(a, p)| (a.to_string(), Some(p.to_string()))),
            e.column().map(|c| (c.column.clone(), Some(c.site.clone()))),
        ),
        None => (
            text("account").map(|a| (a, text("platform"))),
            text("column").map(|c| (c, text("site"))),
        ),
    };
    if let Some((account, platform)) = account {
        return match platform.as_deref().and_then(Platform::parse) {
            Some(p) => (format!("{account}（{}）", p.category_zh()), account),
            None => (account.clone(), account),
        };
    }
    if let Some((column, site)) = column {
        let site = site.unwrap_or_default();
        return (format!("{site}{column}栏目"), column);
    }
    match &f.evidence {
        // A letter by its mailbox (the sentence names it), a mailbox by its site.
        Some(Evidence::MessageOverdue(e)) => return message_label(&e.message),
        Some(Evidence::InteractionUnanswered(e)) => return message_label(&e.message),
        Some(Evidence::MailboxUnreachable(e)) => {
            return (format!("{}{}", e.site, e.mailbox), e.mailbox.clone());
        }
        // A page by its site and title (《…》) or place (首页): the sentence names it.
        Some(Evidence::ContentError(e)) => {
            let page = wording::page_named(&e.page);
            return (page.clone(), page);
        }
        Some(Evidence::PrivacyLeak(e)) => {
            let page = wording::page_named(&e.page);
            return (page.clone(), page);
        }
        _ => {}
    }
    match f.kind {
        Kind::UnitZeroPublish => {
            let unit = f.unit.clone().unwrap_or_default();
            (unit.clone(), unit)
        }
        Kind::LinkBroken if evidence_link(f).is_some() => {
            let site = f.subject_key.split('|').next().unwrap_or_default();
            (site.to_string(), evidence_link(f).unwrap_or_default())
        }
        _ => (f.subject_key.clone(), f.subject_key.clone()),
    }
}

/// A letter's mailbox with its site (`某县人民政府区长信箱`), or an imported record's 渠道.
fn message_label(m: &crate::observe::evidence::MessageBase) -> (String, String) {
    let label = match &m.site {
        Some(site) => format!("{site}{}", m.channel),
        None => m.channel.clone(),
    };
    (label, m.channel.clone())
}

/// The URL that shows the problem, when the evidence has one (for evidence an older
/// version wrote differently, its `url`, `page_url` or `link`), else a URL subject.
fn evidence_link(f: &FindingRecord) -> Option<String> {
    let url = match &f.evidence {
        Some(e) => e.url().map(str::to_string),
        None => {
            let e = f.evidence_json();
            ["url", "page_url", "link"]
                .iter()
                .find_map(|k| e.get(*k).and_then(|v| v.as_str()).map(str::to_string))
        }
    };
    url.or_else(|| {
        (f.subject_key.starts_with("http://") || f.subject_key.starts_with("https://"))
            .then(|| f.subject_key.clone())
    })
}

/// The items of one list, one per column where its rules overlap (栏目更新不及时, 零发布 and
/// the unit's 新闻零发布 about that column are one item) and one per letter (留言办理超期
/// and 互动回应差 about it are one item), in order of their first item.
fn by_column<'f>(items: &[&'f FindingRecord]) -> Vec<Vec<&'f FindingRecord>> {
    let column_of = |f: &FindingRecord| match f.kind {
        Kind::MessageOverdue | Kind::InteractionUnanswered => {
            Some((f.subject_key.clone(), String::new()))
        }
        _ => f
            .evidence
            .as_ref()
            .and_then(|e| e.column())
            .map(|c| (c.url.clone(), c.column.clone())),
    };
    // (the column's URL and name, or none), the items about it.
    type Column = Option<(String, String)>;
    let mut out: Vec<(Column, Vec<&FindingRecord>)> = Vec::new();
    for f in items {
        match column_of(f) {
            Some(key) => match out.iter_mut().find(|(k, _)| k.as_ref() == Some(&key)) {
                Some((_, list)) => list.push(f),
                None => out.push((Some(key), vec![f])),
            },
            None => out.push((None, vec![f])),
        }
    }
    // A unit's 新闻零发布 joins the item of a column it names, when there is one.
    let mut i = 0;
    while i < out.len() {
        let target = match out[i].1[0].evidence.as_ref() {
            Some(Evidence::UnitZeroPublish(e)) if out[i].1.len() == 1 => out
                .iter()
                .position(|(k, _)| k.as_ref().is_some_and(|(_, name)| e.columns.contains(name))),
            _ => None,
        };
        match target {
            Some(t) => {
                let (_, moved) = out.remove(i);
                let t = if t > i { t - 1 } else { t };
                out[t].1.extend(moved);
            }
            None => i += 1,
        }
    }
    out.into_iter().map(|(_, list)| list).collect()
}

/// 一, 二 … 十, 十一 … 九十九 (then digits).
pub fn zh_number(n: usize) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", D[n % 10]),
        20..=99 if n.is_multiple_of(10) => format!("{}十", D[n / 10]),
        20..=99 => format!("{}十{}", D[n / 10], D[n % 10]),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests;
