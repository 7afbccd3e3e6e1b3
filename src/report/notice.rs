//! The quarterly notice draft (通报) as the seeds print it: the totals, the units that
//! completed their columns and those that did not, the zero-publish sentences ("审计局、
//! 林业局新闻信息发布为0", "县公安局、县人行工作动态栏目更新为0"), broken column links,
//! the new-media part with its pass rate, and the attachments: the column table (seed 000
//! 附件2), the per-unit table, seed 000's 附件3 (工作动态 and 单位文件 side by side), the
//! problem-account list (seed 003 附件2), 政民互动 (seed 000 §四 and 附件4 for the
//! mailboxes, seed 004's 12345 sentence and 附件3/4 for imported records, 互动回应差
//! leading 主要问题 with the other single-veto items; see [`super::interaction`]) and,
//! when configured, the score table (seed 004). Per-unit tables put 乡镇 and the other units apart, as seeds 003 and 004 do. The
//! issuing office heads the draft and signs it. The office edits the draft; it does the
//! counting for them.
//!
//! Pure: catalog, the period's column, unit and broken-link rows and the stored episodes
//! in, a [`Notice`] out; [`Notice::html`], [`Notice::markdown`] and [`Notice::docx`]
//! write the same blocks. The problem-account
//! list is built here from the `account_*` findings; a caller holding the account export's
//! rows passes them as [`NoticeInput::accounts`] and they replace the built list.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};

use super::columns::{self, ColumnRow, Status, UnitRow, is_quarter, published_cell, quota_cell};
use super::findings::{counted, in_period, kind_zh};
use super::interaction::{self, Interaction};
use super::links::{LinkRow, notice_table as link_table};
use super::scoring::{Scoring, dense_ranks};
use super::wording;
use super::{Cell, ReportError, Table, docx, html, markdown};
use crate::catalog::{AccountStatus, Catalog, ColumnClass};
use crate::detect::Kind;
use crate::detect::accounts::account_key_of;
use crate::detect::period::Period;
use crate::observe::evidence::Evidence;
use crate::store::FindingRecord;

/// What the draft is made from.
pub struct NoticeInput<'a> {
    /// `[report] issuer` (else `[general] office_name`), e.g. 苍溪县人民政府办公室.
    pub issuer: &'a str,
    /// `[report] salutation`: 各乡镇人民政府，县级有关部门：
    pub salutation: &'a str,
    /// `[report] area`: 全县, 全区, 全市 …
    pub area: &'a str,
    /// The day units report their rectification by (`[report] rectify_days` working
    /// days after `today`).
    pub deadline: NaiveDate,
    pub period: Period,
    /// The run's day: the draft's date, and nothing after it counts.
    pub today: NaiveDate,
    pub catalog: &'a Catalog,
    pub columns: &'a [ColumnRow],
    pub units: &'a [UnitRow],
    /// The period's broken links, as `export links` lists them.
    pub links: &'a [LinkRow],
    /// Every stored episode; those open in the period are used.
    pub findings: &'a [FindingRecord],
    /// The problem-account list from `export accounts`, when the caller has it; `None`
    /// builds it from the period's `account_*` findings.
    pub accounts: Option<Table>,
    pub scoring: Option<&'a Scoring>,
    /// What was watched in the period.
    pub monitoring: &'a Monitoring,
    /// 政民互动: the period's letters and imported records (empty: no section).
    pub interaction: &'a Interaction,
}

/// What govwatch watched in a period: monitoring of a subject begins with its first
/// successful read in the store, so a report states only what was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Monitoring {
    /// The first and last day any column or account was read in the period.
    pub span: Option<(NaiveDate, NaiveDate)>,
    /// The keys of the accounts read in the period.
    pub accounts: HashSet<String>,
}

impl Monitoring {
    /// From each column's reads and each account's successful check days (by key).
    pub fn of(
        columns: &std::collections::HashMap<String, columns::ColumnReads>,
        accounts: &std::collections::HashMap<String, Vec<NaiveDate>>,
        period: Period,
        today: NaiveDate,
    ) -> Monitoring {
        let (from, to) = (period.start(), period.end().min(today));
        let mut days: Vec<NaiveDate> = columns
            .values()
            .filter_map(|r| r.read_between(from, to))
            .flat_map(|(a, b)| [a, b])
            .collect();
        let mut watched = HashSet::new();
        for (key, checks) in accounts {
            let within: Vec<NaiveDate> = checks
                .iter()
                .copied()
                .filter(|d| from <= *d && *d <= to)
                .collect();
            if !within.is_empty() {
                watched.insert(key.clone());
                days.extend(within);
            }
        }
        Monitoring {
            span: days
                .iter()
                .min()
                .zip(days.iter().max())
                .map(|(a, b)| (*a, *b)),
            accounts: watched,
        }
    }

    /// `监测时间为2020年1月1日至2020年3月31日` (seed 003's 备注), or 未监测.
    pub fn sentence(&self) -> String {
        match self.span {
            Some((a, b)) => format!("监测时间为{}至{}", date_zh(a), date_zh(b)),
            None => "期内未监测".into(),
        }
    }
}

/// `8月26日`, with its year when not `year`.
fn day_zh_in(d: NaiveDate, year: i32) -> String {
    wording::day_zh(d, year)
}

/// `2020年9月28日`.
pub fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// One piece of the draft, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading(String),
    /// A heading that starts an attachment (附件1): a new page on paper.
    Appendix(String),
    /// A body paragraph, its first line indented.
    Para(String),
    /// A line flush left: the issuer, the addressees.
    Line(String),
    /// A lead and items aligned under each other: `附件:1.…` then `2.…` under `1.`.
    List(String, Vec<String>),
    /// Lines aligned right: the signature and the date.
    Signature(Vec<String>),
    Table(Table),
}

/// The draft: the issuing office above its title (发文机关标志, as seeds 000, 003 and
/// 004 print it), the title and its blocks; the office signs again at the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub issuer: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// One attachment: its title in the 附件 list and its tables (two when its units are
/// split by level).
struct Attachment {
    title: String,
    tables: Vec<Table>,
}

impl Attachment {
    fn one(table: Table) -> Attachment {
        Attachment {
            title: table.title.clone(),
            tables: vec![table],
        }
    }
}

/// The 级别 that seeds 003 and 004 table apart from the others.
pub const TOWNSHIP: &str = "乡镇";

/// Units by level as seeds 003 and 004 table them: 乡镇 first, then all others under
/// their common level (县级部门), else the area's (全区 → 区级部门); each group in the
/// order given. `None` unless both groups have units.
pub fn level_groups<'u>(
    catalog: &Catalog,
    units: &[&'u str],
    area: &str,
) -> Option<[(String, Vec<&'u str>); 2]> {
    let level = |u: &str| catalog.unit(u).and_then(|u| u.level.as_deref());
    let (towns, others): (Vec<&str>, Vec<&str>) =
        units.iter().partition(|u| level(u) == Some(TOWNSHIP));
    if towns.is_empty() || others.is_empty() {
        return None;
    }
    let first = level(others[0]);
    let name = match first {
        Some(l) if others.iter().all(|u| level(u) == first) => l.to_string(),
        _ => format!("{}级部门", area.trim_start_matches('全')),
    };
    Some([(TOWNSHIP.to_string(), towns), (name, others)])
}

/// A table whose first column names units, split as [`level_groups`] says: each group
/// its own table, the group's name heading the first column (seed 003's 乡镇 and
/// 县级部门); the title above the first.
fn split_by_level(t: Table, catalog: &Catalog, area: &str) -> Vec<Table> {
    let mut units: Vec<&str> = Vec::new();
    for r in &t.rows {
        if let Some(Cell::Text(u)) = r.first()
            && !units.contains(&u.as_str())
        {
            units.push(u);
        }
    }
    let Some(groups) = level_groups(catalog, &units, area) else {
        return vec![t];
    };
    groups
        .iter()
        .enumerate()
        .map(|(i, (name, members))| {
            let mut part = Table {
                title: if i == 0 { t.title.clone() } else { String::new() },
                rows: t
                    .rows
                    .iter()
                    .filter(|r| matches!(r.first(), Some(Cell::Text(u)) if members.contains(&u.as_str())))
                    .cloned()
                    .collect(),
                notes: if i == 1 { t.notes.clone() } else { Vec::new() },
                ..t.clone()
            };
            part.headers[0] = name.clone();
            part
        })
        .collect()
}

/// The title the seeds use: 关于2020年一季度全县政务公开和政务新媒体监测情况的通报.
pub fn title(period: Period, area: &str) -> String {
    format!(
        "关于{}{area}政务公开和政务新媒体监测情况的通报",
        period.label_zh()
    )
}

fn is_account(kind: Kind) -> bool {
    kind.is_account()
}

/// 一 … 十, then 11 …: the numbers of （一）-style items.
fn number_zh(n: usize) -> String {
    const ZH: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    ZH.get(n.wrapping_sub(1))
        .map_or_else(|| n.to_string(), |z| z.to_string())
}

fn ends(text: String) -> String {
    if text.is_empty() { text } else { text + "。" }
}

/// The period's findings of `kind`, in the order given.
fn of_kind<'f>(found: &[&'f FindingRecord], kind: Kind) -> Vec<&'f FindingRecord> {
    found.iter().copied().filter(|f| f.kind == kind).collect()
}

/// Whether a finding is one of the period's column-count findings (零发布, 未达标, 单位新闻
/// 零发布): what makes a unit 未完成.
fn is_count_finding(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::ColumnZeroPublish | Kind::ColumnQuotaShortfall | Kind::UnitZeroPublish
    )
}

/// Units that completed their columns (every column counted and 完成, no count finding)
/// and units with a count finding in the period, in the order of the unit rows.
pub fn units_by_completion(
    rows: &[UnitRow],
    found: &[&FindingRecord],
) -> (Vec<String>, Vec<String>) {
    let mut short: Vec<&str> = Vec::new();
    for f in found.iter().filter(|f| is_count_finding(f.kind)) {
        for u in f.unit.iter().flat_map(|u| u.split('、')) {
            if !short.contains(&u) {
                short.push(u);
            }
        }
    }
    let mut order: Vec<&str> = Vec::new();
    let mut not_done: HashSet<&str> = HashSet::new();
    for r in rows {
        if !order.contains(&r.unit.as_str()) {
            order.push(&r.unit);
        }
        if r.status != Some(Status::Done) {
            not_done.insert(&r.unit);
        }
    }
    let done = order
        .iter()
        .filter(|u| !not_done.contains(*u) && !short.contains(*u))
        .map(|u| u.to_string())
        .collect();
    // Units of the findings in the order of the rows, then any the rows do not have.
    let mut bad: Vec<String> = order
        .iter()
        .filter(|u| short.contains(*u))
        .map(|u| u.to_string())
        .collect();
    for u in short {
        if !bad.iter().any(|b| b == u) {
            bad.push(u.to_string());
        }
    }
    (done, bad)
}

/// Units none of whose news columns published in the period, from its unit_zero_publish
/// findings: `审计局、林业局新闻信息发布为0`.
pub fn unit_zero_sentence(found: &[&FindingRecord]) -> Option<String> {
    let mut units: Vec<&str> = Vec::new();
    for f in of_kind(found, Kind::UnitZeroPublish) {
        if let Some(Evidence::UnitZeroPublish(e)) = &f.evidence
            && !units.contains(&e.unit.as_str())
        {
            units.push(&e.unit);
        }
    }
    (!units.is_empty()).then(|| wording::unit_zero_publish(&units))
}

/// Columns that published nothing in the period, from its column_zero_publish findings,
/// their units grouped per column name as seed 004 writes them: `县公安局、县人行工作动态
/// 栏目更新为0` (a draft joins them with ；).
pub fn column_zero_sentences(found: &[&FindingRecord]) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in of_kind(found, Kind::ColumnZeroPublish) {
        let Some(Evidence::ColumnZeroPublish(e)) = &f.evidence else {
            continue;
        };
        let column = e.column.column.as_str();
        let units = match groups.iter_mut().find(|(c, _)| *c == column) {
            Some((_, units)) => units,
            None => {
                groups.push((column, Vec::new()));
                &mut groups.last_mut().expect("just pushed").1
            }
        };
        for u in &e.column.units {
            if !units.contains(&u.as_str()) {
                units.push(u);
            }
        }
    }
    groups
        .into_iter()
        .map(|(column, units)| wording::column_zero_publish(&units, column))
        .collect()
}

/// The period's quota shortfalls: `城区统一建设局单位文件栏目应更新3条,实际更新2条`.
pub fn shortfall_sentences(found: &[&FindingRecord]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in of_kind(found, Kind::ColumnQuotaShortfall) {
        if let Some(Evidence::ColumnQuotaShortfall(e)) = &f.evidence {
            let s = wording::column_quota_shortfall(
                &e.column.units,
                &e.column.column,
                e.quota,
                e.published,
            );
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The sentences of the period's episodes of `kind`, each once.
fn sentences_of(found: &[&FindingRecord], kind: Kind, period: Period) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in of_kind(found, kind) {
        let s = wording::list_sentence(f, period.year());
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The period's overdue messages that are not 互动回应差 already: the mailboxes' letters
/// (网民留言办理不及时), then each imported channel's records (12345热线工单办理不及时),
/// the sentences of each once.
fn overdue_sections(found: &[&FindingRecord], period: Period) -> Vec<(String, Vec<String>)> {
    let vetoed: HashSet<&str> = of_kind(found, Kind::InteractionUnanswered)
        .iter()
        .map(|f| f.subject_key.as_str())
        .collect();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for f in of_kind(found, Kind::MessageOverdue) {
        if vetoed.contains(f.subject_key.as_str()) {
            continue;
        }
        let title = match &f.evidence {
            Some(Evidence::MessageOverdue(e)) if e.message.site.is_none() => {
                format!("{}工单办理不及时。", e.message.channel)
            }
            _ => "网民留言办理不及时。".to_string(),
        };
        let s = wording::list_sentence(f, period.year());
        match out.iter_mut().find(|(t, _)| *t == title) {
            Some((_, list)) if list.contains(&s) => {}
            Some((_, list)) => list.push(s),
            None => out.push((title, vec![s])),
        }
    }
    // The mailboxes' letters first.
    out.sort_by_key(|(t, _)| !t.starts_with("网民留言"));
    out
}

impl Notice {
    pub fn build(input: NoticeInput<'_>) -> Notice {
        let NoticeInput {
            issuer,
            salutation,
            area,
            deadline,
            period,
            today,
            catalog,
            columns,
            units,
            links,
            findings,
            accounts,
            scoring,
            monitoring,
            interaction,
        } = input;
        let label = period.label_zh();
        // False alarms (误报) the office dismissed are no problems of the period.
        let found = counted(in_period(findings, period, today));
        let links: Vec<LinkRow> = links.iter().filter(|r| !r.dismissed).cloned().collect();
        let links = links.as_slice();
        let mut blocks = Vec::new();
        blocks.push(Block::Line(salutation.to_string()));
        let counted: Vec<&ColumnRow> = columns
            .iter()
            .filter(|c| c.status.is_none_or(Status::is_counted))
            .collect();
        let how = match (monitoring.span, counted.is_empty()) {
            (Some(_), _) => monitoring.sentence(),
            // Lists read later reach back into the period: their counts stand.
            (None, false) => "期内未监测，栏目更新情况据期后读取的栏目列表统计".to_string(),
            (None, true) => "期内未监测".to_string(),
        };
        blocks.push(Block::Para(format!(
            "现将{label}{area}政务公开与政务新媒体监测情况通报如下（{how}）。"
        )));

        // The attachments come first: the sentences point at them by number.
        let mut attachments: Vec<Attachment> = Vec::new();
        attachments.push(Attachment::one(column_table(&label, period, columns)));
        let by_unit = unit_table(&label, period, units);
        attachments.push(Attachment {
            title: by_unit.title.clone(),
            tables: split_by_level(by_unit, catalog, area),
        });
        if let Some(t) = unit_class_table(&label, period, units) {
            attachments.push(Attachment {
                title: t.title.clone(),
                tables: split_by_level(t, catalog, area),
            });
        }
        let mut account_list =
            accounts.unwrap_or_else(|| account_table(catalog, &found, period, today));
        if account_list.is_empty() && monitoring.span.is_some() {
            account_list
                .notes
                .push("期内未监测发现存在突出问题的政务新媒体。".into());
        }
        account_list.notes.push(monitoring.sentence() + "。");
        attachments.push(Attachment::one(Table {
            title: format!("{label}监测发现存在突出问题政务新媒体名单"),
            ..account_list
        }));
        let accounts_no = attachments.len();
        let links_no = (!links.is_empty()).then(|| {
            attachments.push(Attachment::one(link_table(
                &format!("{label}网站死链清单"),
                links,
            )));
            attachments.len()
        });
        // 错情 per unit, as seed 003 附件1 counts them, with the leaks beside.
        let content_no = content_table(&label, catalog, &found).map(|t| {
            attachments.push(Attachment {
                title: t.title.clone(),
                tables: split_by_level(t, catalog, area),
            });
            attachments.len()
        });
        // 政民互动: seed 000 附件4, then seed 004 附件3/4 for each imported channel.
        let letters_no = interaction::letters_table(&label, interaction).map(|t| {
            attachments.push(Attachment {
                title: t.title.clone(),
                tables: split_by_level(t, catalog, area),
            });
            attachments.len()
        });
        let mut hotlines_no = Vec::new();
        for (channel, export) in &interaction.hotlines {
            let title = format!("{label}{channel}工单办理情况统计表");
            let mut t = interaction::hotline_table(&title, export);
            if let Some(day) = interaction.as_of {
                t.title = format!("{title}（截至{}）", date_zh(day));
            }
            // Each level its own table and numbers, as seed 004's 各镇 and 各部门.
            let tables = split_by_level(t, catalog, area)
                .into_iter()
                .map(interaction::numbered)
                .collect();
            attachments.push(Attachment { title, tables });
            hotlines_no.push(attachments.len());
        }
        if let Some(s) = scoring {
            let title = format!("{label}各单位政务公开工作考核结果");
            let tables = score_tables(&title, catalog, &found, s, area);
            attachments.push(Attachment { title, tables });
        }

        // 一、总体情况
        blocks.push(Block::Heading("一、总体情况".into()));
        let published: usize = counted.iter().map(|c| c.published).sum();
        let mut text = if counted.is_empty() && !columns.is_empty() {
            format!(
                "（一）政务公开情况。{label}，监测政府网站栏目{}个，均未能统计期内更新情况（见附件1）。",
                columns.len()
            )
        } else if counted.len() == columns.len() {
            format!(
                "（一）政务公开情况。{label}，监测政府网站栏目{}个，期内更新信息{published}条。",
                columns.len()
            )
        } else {
            format!(
                "（一）政务公开情况。{label}，监测政府网站栏目{}个，其中{}个栏目期内更新信息{published}条，{}个栏目未能统计（见附件1）。",
                columns.len(),
                counted.len(),
                columns.len() - counted.len()
            )
        };
        if is_quarter(period) {
            let (done, short) = units_by_completion(units, &found);
            if !done.is_empty() {
                text += &format!("{}等单位按要求完成栏目更新任务。", wording::join(&done));
            }
            if !short.is_empty() {
                text += &format!("{}等单位未完成栏目更新任务。", wording::join(&short));
            }
        }
        blocks.push(Block::Para(text));
        blocks.push(Block::Para(new_media_summary(
            catalog, &found, period, today, monitoring, area,
        )));
        // （三）政民互动情况 and （四）12345热线办理情况, where there is something to say.
        let mut item = 2;
        if let Some(text) = interaction.mailbox_paragraph(&label, letters_no) {
            item += 1;
            blocks.push(Block::Para(format!(
                "（{}）政民互动情况。{text}",
                number_zh(item)
            )));
        }
        for ((channel, export), no) in interaction.hotlines.iter().zip(&hotlines_no) {
            item += 1;
            blocks.push(Block::Para(format!(
                "（{}）{channel}办理情况。{}",
                number_zh(item),
                Interaction::hotline_paragraph(&label, area, channel, export, *no)
            )));
        }
        let mut by_kind: BTreeMap<usize, (Kind, usize)> = BTreeMap::new();
        for f in &found {
            let k = f.kind;
            let i = Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
            by_kind.entry(i).or_insert((k, 0)).1 += 1;
        }
        let mut kinds = Table::new("监测发现问题统计", ["问题类型", "条数"]);
        for (k, n) in by_kind.values() {
            kinds.push_row(vec![k.name_zh().into(), Cell::Int(*n as i64)]);
        }
        kinds.notes.push(format!("合计{}条", found.len()));
        // No finding: 二、主要问题 says so (期内未监测 where nothing was read), not an
        // empty table.
        if !found.is_empty() {
            blocks.push(Block::Table(kinds));
        }

        // 二、主要问题: the period's findings, single-veto items (网站无法访问, 首页不更新)
        // first.
        blocks.push(Block::Heading("二、主要问题".into()));
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut add = |title: &'static str, sentences: Vec<String>| {
            if !sentences.is_empty() {
                sections.push((title.to_string(), ends(sentences.join("；"))));
            }
        };
        add(
            "网站无法正常访问。",
            sentences_of(&found, Kind::SiteUnreachable, period),
        );
        add(
            "首页更新不及时。",
            sentences_of(&found, Kind::SiteHomeStale, period),
        );
        add(
            "互动回应差。",
            sentences_of(&found, Kind::InteractionUnanswered, period),
        );
        // 严重表述错误 is a single-veto item too; a leak of personal data is as serious
        // (seed 004 通报 both across the county).
        let see = |s: Vec<String>| match (s.is_empty(), content_no) {
            (false, Some(no)) => {
                let mut s = s;
                if let Some(last) = s.last_mut() {
                    last.push_str(&format!("，详见附件{no}"));
                }
                s
            }
            _ => s,
        };
        add(
            "信息内容存在错误表述。",
            see(sentences_of(&found, Kind::ContentError, period)),
        );
        add(
            "泄露个人信息。",
            see(sentences_of(&found, Kind::PrivacyLeak, period)),
        );
        // Planted by intruders, or an outside domain that changed hands: site security.
        add(
            "网站存在暗链。",
            sentences_of(&found, Kind::LinkHidden, period),
        );
        add(
            "外链内容违规。",
            sentences_of(&found, Kind::LinkSuspicious, period),
        );
        let mut zero: Vec<String> = unit_zero_sentence(&found).into_iter().collect();
        zero.extend(column_zero_sentences(&found));
        add("网站栏目维护不及时，信息发布数量不足。", zero);
        add("栏目更新未达标。", shortfall_sentences(&found));
        add(
            "栏目更新不及时。",
            sentences_of(&found, Kind::ColumnStale, period),
        );
        add(
            "存在空白栏目。",
            sentences_of(&found, Kind::ColumnEmpty, period),
        );
        add(
            "栏目链接无法访问。",
            sentences_of(&found, Kind::ColumnUnreachable, period),
        );
        if let Some(no) = links_no {
            sections.push(("网站存在死链。".into(), broken_links_sentence(links, no)));
        }
        for (title, sentences) in overdue_sections(&found, period) {
            sections.push((title, ends(sentences.join("；"))));
        }
        let unreachable = sentences_of(&found, Kind::MailboxUnreachable, period);
        if !unreachable.is_empty() {
            sections.push((
                "互动渠道无法正常使用。".into(),
                ends(unreachable.join("；")),
            ));
        }
        let account_found: Vec<&&FindingRecord> =
            found.iter().filter(|f| is_account(f.kind)).collect();
        if !account_found.is_empty() {
            let mut names: Vec<String> = Vec::new();
            for f in &account_found {
                if let Some(u) = &f.unit
                    && !names.contains(u)
                {
                    names.push(u.clone());
                }
            }
            sections.push((
                "政务新媒体运维保障不力。".into(),
                format!(
                    "{}等单位政务新媒体存在突出问题{}个，详见附件{accounts_no}。",
                    wording::join(&names),
                    account_found.len()
                ),
            ));
        }
        if sections.is_empty() {
            blocks.push(Block::Para(match monitoring.span {
                Some(_) => "期内未监测发现突出问题。".into(),
                None => "期内未监测。".into(),
            }));
        }
        for (i, (title, body)) in sections.into_iter().enumerate() {
            blocks.push(Block::Para(format!(
                "（{}）{title}{body}",
                number_zh(i + 1)
            )));
        }

        // 三、下一步工作要求, with the deadline as seed 004 words it.
        blocks.push(Block::Heading("三、下一步工作要求".into()));
        blocks.push(Block::Para(
            "（一）切实加大工作力度。各单位要严格执行信息审核发布制度，及时、准确、规范更新政府网站栏目和政务新媒体内容，确保信息真实、完整、准确。".into(),
        ));
        let mut next = 2;
        let about_messages = found.iter().any(|f| {
            matches!(
                f.kind,
                Kind::MessageOverdue | Kind::InteractionUnanswered | Kind::MailboxUnreachable
            )
        });
        if interaction.has_messages() || about_messages {
            // Seed 000's third requirement, as seed 004 words its 12345 one.
            blocks.push(Block::Para(
                "（二）切实提升网民留言办理质效。各单位要进一步增强网民留言办理工作的责任感、紧迫感和使命感，做到一把手批办，分管领导主抓，明确责任科室，限期办理落实，确保群众合理诉求实实在在得到解决。".into(),
            ));
            next += 1;
        }
        let about_content = found
            .iter()
            .any(|f| matches!(f.kind, Kind::ContentError | Kind::PrivacyLeak));
        if about_content {
            // Seed 004's words on content errors and leaks.
            blocks.push(Block::Para(format!(
                "（{}）严格信息内容审核。各单位要严格落实信息发布审核制度，发布前逐字核校，涉及个人信息的公示名单须对身份证号、手机号等作遮盖处理，对监测发现的错误表述和个人信息立即更正或删除。对出现信息内容错误及泄露个人信息等情况的乡镇和部门，将在{area}范围内通报。",
                number_zh(next)
            )));
            next += 1;
        }
        let about_links = found
            .iter()
            .any(|f| matches!(f.kind, Kind::LinkHidden | Kind::LinkSuspicious));
        if about_links {
            blocks.push(Block::Para(format!(
                "（{}）加强网站安全防护。各单位要定期检查网站页面和外部链接，对监测发现的暗链和指向违规内容的外链立即清除，排查网站安全漏洞，防止网站被篡改或挂马。",
                number_zh(next)
            )));
            next += 1;
        }
        blocks.push(Block::Para(format!(
            "（{}）限期整改到位。通报中存在问题的单位要立即采取有效措施，全面自查，积极整改，请于{}前将整改情况书面报{issuer}。",
            number_zh(next),
            day_zh_in(deadline, today.year())
        )));

        // 附件
        let list: Vec<String> = attachments
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}.{}", i + 1, t.title))
            .collect();
        blocks.push(Block::List("附件：".into(), list));
        blocks.push(Block::Signature(vec![
            issuer.to_string(),
            format!("{}年{}月{}日", today.year(), today.month(), today.day()),
        ]));
        for (i, a) in attachments.into_iter().enumerate() {
            blocks.push(Block::Appendix(format!("附件{}", i + 1)));
            blocks.extend(a.tables.into_iter().map(Block::Table));
        }
        Notice {
            issuer: issuer.to_string(),
            title: title(period, area),
            blocks,
        }
    }

    /// The tables of the draft, in order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
    }

    /// A self-contained HTML document (inline styles, as the email).
    pub fn html(&self) -> String {
        let mut body = format!(
            "<p style=\"font-size:26px;text-align:center;color:#c00000;letter-spacing:2px;margin:8px 0 12px 0\">{}</p>\n\
             <h2 style=\"font-size:20px;text-align:center;margin:8px 0 16px 0\">{}</h2>\n",
            html::escape(&self.issuer),
            html::escape(&self.title)
        );
        let lines = |text: &str| html::escape(text).replace('\n', "<br>");
        for b in &self.blocks {
            match b {
                Block::Heading(h) | Block::Appendix(h) => body.push_str(&format!(
                    "<h3 style=\"font-size:16px;margin:16px 0 6px 0\">{}</h3>\n",
                    html::escape(h)
                )),
                Block::Para(p) => body.push_str(&format!(
                    "<p style=\"margin:6px 0;text-indent:2em\">{}</p>\n",
                    lines(p)
                )),
                Block::Line(l) => {
                    body.push_str(&format!("<p style=\"margin:6px 0\">{}</p>\n", lines(l)))
                }
                Block::List(lead, items) => {
                    // A hanging indent: the items after the first start under the first.
                    let w = super::table::display_width(lead) as f64 / 2.0;
                    body.push_str(&format!(
                        "<p style=\"margin:6px 0 6px 2em;padding-left:{w}em;text-indent:-{w}em\">{}{}</p>\n",
                        html::escape(lead),
                        lines(&items.join("\n"))
                    ))
                }
                Block::Signature(ls) => body.push_str(&format!(
                    "<p style=\"margin:16px 4em 6px 0;text-align:right\">{}</p>\n",
                    lines(&ls.join("\n"))
                )),
                Block::Table(t) => body.push_str(&html::table(t)),
            }
        }
        html::document(&self.title, &body)
    }

    /// Markdown for editing in a text editor.
    pub fn markdown(&self) -> String {
        let mut out = format!("{}\n\n# {}\n\n", self.issuer, self.title);
        let lines = |text: &str| text.replace('\n', "  \n");
        for b in &self.blocks {
            match b {
                Block::Heading(h) | Block::Appendix(h) => out.push_str(&format!("## {h}\n\n")),
                Block::Para(p) | Block::Line(p) => out.push_str(&format!("{}\n\n", lines(p))),
                Block::List(lead, items) => {
                    out.push_str(&format!("{lead}{}\n\n", lines(&items.join("\n"))))
                }
                Block::Signature(ls) => out.push_str(&format!("{}\n\n", lines(&ls.join("\n")))),
                Block::Table(t) => {
                    out.push_str(&markdown::table(t));
                    out.push('\n');
                }
            }
        }
        out
    }

    /// A Word document (.docx) for the office to edit.
    pub fn docx(&self) -> Result<Vec<u8>, ReportError> {
        let mut doc = docx::Document::new()
            .masthead(&self.issuer)
            .title(&self.title);
        for b in &self.blocks {
            doc = match b {
                Block::Heading(h) => doc.heading(h),
                Block::Appendix(h) => doc.page_heading(h),
                Block::Para(p) => doc.para(p),
                Block::Line(l) => doc.line(l),
                Block::List(lead, items) => doc.hanging(lead, items),
                Block::Signature(ls) => doc.right(&ls.join("\n")),
                Block::Table(t) => doc.table(t),
            };
        }
        doc.to_bytes()
    }
}

/// The broken-link paragraph: how many links, on how many pages and where, and the
/// attachment that lists them.
pub fn broken_links_sentence(rows: &[LinkRow], attachment: usize) -> String {
    let mut urls: Vec<(&str, &str)> = Vec::new();
    let mut pages: Vec<&str> = Vec::new();
    let mut places: Vec<&str> = Vec::new();
    for r in rows {
        if !urls.contains(&(r.site.as_str(), r.url.as_str())) {
            urls.push((&r.site, &r.url));
        }
        if !pages.contains(&r.page.as_str()) {
            pages.push(&r.page);
        }
        if !places.contains(&r.place.as_str()) {
            places.push(&r.place);
        }
    }
    let fixed = urls
        .iter()
        .filter(|(site, url)| {
            rows.iter()
                .filter(|r| r.site == *site && r.url == *url)
                .all(|r| r.rectified)
        })
        .count();
    // The first few places are enough to say where to look; the attachment lists all.
    places.truncate(3);
    let mut text = format!(
        "期内监测发现死链、错链问题{}处，分布在{}",
        urls.len(),
        places.join("、")
    );
    if pages.len() > 1 {
        text += &format!("等{}个页面", pages.len());
    }
    if fixed > 0 {
        text += &format!("，已整改{fixed}处");
    }
    text + &format!("，详见附件{attachment}。")
}

/// 附件: the column table of seed 000 附件2; a month or week has no quota.
pub fn column_table(label: &str, period: Period, rows: &[ColumnRow]) -> Table {
    let title = format!("{label}政府网站栏目信息更新情况统计表");
    if !is_quarter(period) {
        let mut t = Table::new(
            title,
            ["栏目名称", "保障单位", "实际更新条数", "最新更新日期"],
        );
        for r in rows {
            t.push_row(vec![
                r.column.as_str().into(),
                wording::join(&r.units).into(),
                published_cell(r.quota, r.published, r.status),
                Cell::from(r.last_update),
            ]);
        }
        return t;
    }
    let mut t = Table::new(
        title,
        ["栏目名称", "保障单位", "应更新条数", "实际更新条数"],
    );
    for r in rows {
        t.push_row(vec![
            r.column.as_str().into(),
            wording::join(&r.units).into(),
            quota_cell(r.quota),
            published_cell(r.quota, r.published, r.status),
        ]);
    }
    t
}

/// 附件: 错情（处） per unit, as seed 003 附件1 counts them: the wrong or banned
/// expressions found on the unit's pages in the period, and beside them the numbers of
/// personal data its pages published (泄露个人信息（处）, when any page did). Each page's
/// latest evidence counts once. `None` when no content finding is in `found` (dismissed
/// ones are not: the caller leaves them out).
pub fn content_table(label: &str, catalog: &Catalog, found: &[&FindingRecord]) -> Option<Table> {
    // unit → (错情, 泄露); pages counted once, by their latest episode in the period.
    let mut latest: BTreeMap<(Kind, &str), &FindingRecord> = BTreeMap::new();
    for f in found
        .iter()
        .copied()
        .filter(|f| matches!(f.kind, Kind::ContentError | Kind::PrivacyLeak))
    {
        let e = latest.entry((f.kind, f.subject_key.as_str())).or_insert(f);
        if (f.opened_at, f.id) > (e.opened_at, e.id) {
            *e = f;
        }
    }
    if latest.is_empty() {
        return None;
    }
    let known = |u: &str| catalog.units.iter().any(|c| c.name == u);
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    for f in latest.values() {
        let (errors, leaks) = match &f.evidence {
            Some(Evidence::ContentError(e)) => (e.hits.len(), 0),
            Some(Evidence::PrivacyLeak(e)) => (0, e.id_numbers + e.mobiles + e.bank_cards),
            _ => (0, 0),
        };
        let named = f.unit.clone().unwrap_or_default();
        // A page of several units' column names them joined with 、: each counts it.
        let parts: Vec<&str> = named.split('、').collect();
        let units: Vec<String> = if parts.len() > 1 && parts.iter().all(|u| known(u)) {
            parts.iter().map(|u| u.to_string()).collect()
        } else {
            vec![named.clone()]
        };
        for u in units {
            match counts.iter_mut().find(|(n, _, _)| *n == u) {
                Some(c) => {
                    c.1 += errors;
                    c.2 += leaks;
                }
                None => counts.push((u, errors, leaks)),
            }
        }
    }
    // The catalog's order of units, then any it does not have.
    let rank = |u: &str| {
        catalog
            .units
            .iter()
            .position(|c| c.name == u)
            .unwrap_or(usize::MAX)
    };
    counts.sort_by(|a, b| rank(&a.0).cmp(&rank(&b.0)).then(a.0.cmp(&b.0)));
    let with_leaks = counts.iter().any(|c| c.2 > 0);
    let title = format!("{label}信息内容错情统计表");
    let mut t = if with_leaks {
        Table::new(title, ["单位", "错情（处）", "泄露个人信息（处）"])
    } else {
        Table::new(title, ["单位", "错情（处）"])
    };
    for (unit, errors, leaks) in counts {
        let mut row = vec![Cell::from(unit), Cell::Int(errors as i64)];
        if with_leaks {
            row.push(Cell::Int(leaks as i64));
        }
        t.push_row(row);
    }
    Some(t)
}

/// 附件: the per-unit table of seed 000 附件3, with 完成情况.
pub fn unit_table(label: &str, period: Period, rows: &[UnitRow]) -> Table {
    columns::unit_table(
        &format!("{label}单位栏目信息更新情况统计表"),
        ["单位", "栏目", "应公开数", "实公开数", "完成情况"],
        period,
        rows,
    )
}

/// 附件: seed 000's 附件3 side by side: per unit, its news columns as 工作动态 and its
/// policy columns as 单位文件, each 应公开数 and 实公开数 (a month or week: 实公开数
/// only); `None` when no unit has either. A unit's columns of a class add up; a count
/// that one of them cannot back gives that column's reason (无法访问, 不完整, 未监测),
/// never a number.
pub fn unit_class_table(label: &str, period: Period, rows: &[UnitRow]) -> Option<Table> {
    const CLASSES: [(ColumnClass, &str); 2] = [
        (ColumnClass::News, "工作动态"),
        (ColumnClass::Policy, "单位文件"),
    ];
    let quarter = is_quarter(period);
    let mut units: Vec<&str> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| CLASSES.iter().any(|(c, _)| *c == r.class))
    {
        if !units.contains(&r.unit.as_str()) {
            units.push(&r.unit);
        }
    }
    if units.is_empty() {
        return None;
    }
    let per_class: &[&str] = if quarter {
        &["应公开数", "实公开数"]
    } else {
        &["实公开数"]
    };
    let mut headers = vec!["单位"];
    let mut groups = vec![(String::new(), 1)];
    for (_, name) in CLASSES {
        headers.extend(per_class);
        groups.push((name.to_string(), per_class.len()));
    }
    let mut t = Table::new(
        format!("{label}单位工作动态和单位文件更新情况统计表"),
        headers,
    );
    t.groups = groups;
    for unit in units {
        let mut row: Vec<Cell> = vec![unit.into()];
        for (class, _) in CLASSES {
            let of: Vec<&UnitRow> = rows
                .iter()
                .filter(|r| r.unit == unit && r.class == class)
                .collect();
            if of.is_empty() {
                row.extend(per_class.iter().map(|_| Cell::Empty));
                continue;
            }
            let quotas: Vec<u32> = of.iter().filter_map(|r| r.quota).collect();
            let quota = (!quotas.is_empty()).then(|| quotas.iter().sum::<u32>());
            if quarter {
                row.push(quota_cell(quota));
            }
            let uncounted = [Status::Unreadable, Status::Incomplete, Status::Unwatched]
                .into_iter()
                .find(|s| of.iter().any(|r| r.status == Some(*s)));
            let published = of.iter().map(|r| r.published).sum();
            row.push(published_cell(quota, published, uncounted));
        }
        t.push_row(row);
    }
    Some(t)
}

/// The account sentence for a list covering `period`: the detecting day carries its
/// year when it is not the list's year (a silence found on 2019-12-30 in a 2020 list).
fn account_sentence(f: &FindingRecord, period: Period) -> String {
    wording::list_sentence(f, period.year())
}

/// 附件: the problem-account list of seed 003 附件2, one row per account with its
/// episodes' sentences one a line; 是否整改 是 when every episode was rectified.
pub fn account_table(
    catalog: &Catalog,
    found: &[&FindingRecord],
    period: Period,
    today: NaiveDate,
) -> Table {
    let mut t = Table::new("存在突出问题政务新媒体名单", super::accounts::HEADERS);
    let mut order: Vec<&str> = Vec::new();
    // A weekly finding (KEY#2020-W03) is its account's.
    let key_of = |f: &FindingRecord| account_key_of(&f.subject_key).to_string();
    for f in found.iter().filter(|f| is_account(f.kind)) {
        let key = account_key_of(&f.subject_key);
        if !order.contains(&key) {
            order.push(key);
        }
    }
    for key in order {
        let episodes: Vec<&&FindingRecord> = found
            .iter()
            .filter(|f| key_of(f) == key && is_account(f.kind))
            .collect();
        let first = episodes[0];
        let e = first.evidence.as_ref();
        let account = catalog.accounts.iter().find(|a| a.key() == key);
        let category = match account {
            Some(a) => a.platform.category_zh().to_string(),
            None => e
                .and_then(|e| e.platform())
                .and_then(crate::catalog::Platform::parse)
                .map_or_else(String::new, |p| p.category_zh().to_string()),
        };
        let name = account.map(|a| a.name.clone()).or_else(|| {
            e.and_then(|e| e.account())
                .map(|(account, _)| account.to_string())
        });
        let unit = account
            .map(|a| a.unit.clone())
            .or_else(|| first.unit.clone());
        let level = unit
            .as_deref()
            .and_then(|u| catalog.unit(u))
            .and_then(|u| u.level.clone());
        let sentences: Vec<String> = episodes
            .iter()
            .map(|f| account_sentence(f, period))
            .collect();
        let rectified = episodes
            .iter()
            .all(|f| f.rectified_on().is_some_and(|d| d <= today));
        t.push_row(vec![
            category.into(),
            Cell::from(name.unwrap_or_else(|| key.to_string())),
            Cell::from(unit),
            Cell::from(level),
            sentences.join("\n").into(),
            super::yes_no(rectified).into(),
        ]);
    }
    t
}

/// The new-media paragraph: accounts running normally (active, not zombie), by category,
/// and the pass rate: running accounts with no finding in the period, as seed 003 counts
/// (41 running, 12 with findings: 70.7%), over those watched in the period (read, or
/// with a finding in it); none watched: 未监测, not 100%.
fn new_media_summary(
    catalog: &Catalog,
    found: &[&FindingRecord],
    period: Period,
    today: NaiveDate,
    monitoring: &Monitoring,
    area: &str,
) -> String {
    let zombies = subjects(found, |k| k == Kind::AccountZombie);
    let problems = subjects(found, is_account);
    let running: Vec<_> = catalog
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active && !zombies.contains(a.key().as_str()))
        .filter(|a| a.opened_on.is_none_or(|d| d <= period.end()))
        .collect();
    let end = period.end().min(today);
    if running.is_empty() {
        let n = found.iter().filter(|f| is_account(f.kind)).count();
        return format!(
            "（二）政务新媒体情况。截至{}月{}日，未登记正常运行的政务新媒体；期内监测发现政务新媒体突出问题{n}个。",
            end.month(),
            end.day()
        );
    }
    let mut by_category: Vec<(&str, usize)> = Vec::new();
    for a in &running {
        let c = a.platform.category_zh();
        match by_category.iter_mut().find(|(x, _)| *x == c) {
            Some((_, n)) => *n += 1,
            None => by_category.push((c, 1)),
        }
    }
    let parts: Vec<String> = by_category
        .iter()
        .map(|(c, n)| format!("{c}{n}个"))
        .collect();
    let watched: Vec<_> = running
        .iter()
        .filter(|a| {
            let key = a.key();
            monitoring.accounts.contains(&key) || problems.contains(key.as_str())
        })
        .collect();
    let passed = watched
        .iter()
        .filter(|a| !problems.contains(a.key().as_str()))
        .count();
    let head = format!(
        "（二）政务新媒体情况。截至{}月{}日，{area}正常运行的政务新媒体共{}个，其中{}",
        end.month(),
        end.day(),
        running.len(),
        parts.join("、"),
    );
    if watched.is_empty() {
        format!("{head}，期内未监测。")
    } else if watched.len() < running.len() {
        format!(
            "{head}；期内监测{}个，总体合格率为{}。",
            watched.len(),
            pass_rate(passed, watched.len())
        )
    } else {
        format!("{head}，总体合格率为{}。", pass_rate(passed, watched.len()))
    }
}

/// The subjects of the episodes whose code passes `keep` (a weekly finding's is its
/// account's key).
fn subjects<'f>(found: &[&'f FindingRecord], keep: impl Fn(Kind) -> bool) -> HashSet<&'f str> {
    found
        .iter()
        .filter(|f| keep(f.kind))
        .map(|f| account_key_of(&f.subject_key))
        .collect()
}

/// `70.7%` (one decimal, as seed 003).
pub fn pass_rate(passed: usize, total: usize) -> String {
    if total == 0 {
        return "/".into();
    }
    format!("{:.1}%", passed as f64 * 100.0 / total as f64)
}

/// The scores of every unit of the catalog (seed 004's 考核结果): each level its own
/// table and ranks, as seed 004's 各镇 and 各部门 (see [`level_groups`]), else one table;
/// `title` above the first. `found` are the period's counted episodes.
pub fn score_tables(
    title: &str,
    catalog: &Catalog,
    found: &[&FindingRecord],
    s: &Scoring,
    area: &str,
) -> Vec<Table> {
    let names: Vec<&str> = catalog.units.iter().map(|u| u.name.as_str()).collect();
    match level_groups(catalog, &names, area) {
        Some(groups) => groups
            .iter()
            .enumerate()
            .map(|(i, (name, members))| {
                let t = if i == 0 { title } else { "" };
                score_table(t.to_string(), name, members, found, s)
            })
            .collect(),
        None => vec![score_table(title.to_string(), "单位", &names, found, s)],
    }
}

/// The score table of seed 004 for `units`: per unit, 基准分, points per finding kind,
/// 小计, 名次 among them; `first` heads the unit column (单位, or seed 004's level).
pub fn score_table(
    title: String,
    first: &str,
    units: &[&str],
    found: &[&FindingRecord],
    s: &Scoring,
) -> Table {
    // Configured codes, in their order; a code of no kind scores nothing.
    let kinds: Vec<(&String, Option<Kind>)> = s
        .points
        .keys()
        .map(|k| (k, k.parse::<Kind>().ok()))
        .collect();
    let mut headers = vec![first.to_string(), "基准分".to_string()];
    headers.extend(kinds.iter().map(|(k, _)| kind_zh(k).to_string()));
    headers.extend(["小计".to_string(), "名次".to_string()]);
    let mut rows: Vec<(String, Vec<i64>, i64)> = Vec::new();
    for unit in units {
        let mut parts = Vec::new();
        for (code, kind) in &kinds {
            let n = found
                .iter()
                .filter(|f| Some(f.kind) == *kind)
                .filter(|f| {
                    f.unit
                        .as_deref()
                        .is_some_and(|u| u.split('、').any(|x| x == *unit))
                })
                .count() as i64;
            parts.push(n * s.points_for(code));
        }
        let total = s.base + parts.iter().sum::<i64>();
        rows.push((unit.to_string(), parts, total));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.2));
    let ranks = dense_ranks(&rows.iter().map(|r| r.2).collect::<Vec<_>>());
    let mut t = Table::new(title, headers);
    for ((unit, parts, total), rank) in rows.into_iter().zip(ranks) {
        let mut row: Vec<Cell> = vec![unit.into(), Cell::Int(s.base)];
        row.extend(
            parts
                .into_iter()
                .map(|p| if p == 0 { Cell::Empty } else { Cell::Int(p) }),
        );
        row.push(Cell::Int(total));
        row.push(Cell::Int(rank as i64));
        t.push_row(row);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::evidence::{ColumnBase, ColumnPeriod, UnitZeroPublish};
    use chrono::{TimeZone, Utc};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    fn episode(subject: &str, unit: &str, evidence: Evidence) -> FindingRecord {
        let at = Utc.with_ymd_and_hms(2020, 10, 1, 1, 0, 0).unwrap();
        FindingRecord {
            id: 1,
            kind: evidence.kind(),
            subject_key: subject.into(),
            unit: Some(unit.into()),
            opened_at: at,
            opened_on: d(10, 1),
            last_confirmed: at,
            resolved_at: None,
            resolved_on: None,
            resolution: None,
            stored_sentence: String::new(),
            raw_evidence: evidence.to_json(),
            evidence: Some(evidence),
            dismissal: None,
        }
    }

    fn zero(unit: &str, column: &str) -> FindingRecord {
        episode(
            &format!("{unit}{column}#2020Q3"),
            unit,
            Evidence::ColumnZeroPublish(ColumnPeriod {
                column: ColumnBase {
                    site: "县政府".into(),
                    column: column.into(),
                    url: "http://127.0.0.1:9/".into(),
                    units: vec![unit.into()],
                    last_update: None,
                },
                period: "2020Q3".into(),
                quota: None,
                published: 0,
            }),
        )
    }

    fn unit_zero(unit: &str) -> FindingRecord {
        episode(
            &format!("{unit}#2020Q3"),
            unit,
            Evidence::UnitZeroPublish(UnitZeroPublish {
                period: "2020Q3".into(),
                unit: unit.into(),
                columns: vec!["新闻信息".into()],
            }),
        )
    }

    fn row(unit: &str, column: &str, quota: Option<u32>, published: usize) -> UnitRow {
        UnitRow {
            unit: unit.into(),
            column: column.into(),
            class: ColumnClass::guess(column),
            quota,
            published,
            status: Some(Status::of(quota, published)),
            last_update: None,
        }
    }

    #[test]
    fn zero_publish_sentences_come_from_the_findings_and_read_like_the_seeds() {
        let records = [
            zero("县公安局", "工作动态"),
            zero("县人行", "工作动态"),
            zero("县人社局", "人事信息"),
            unit_zero("审计局"),
            unit_zero("林业局"),
        ];
        let found: Vec<&FindingRecord> = records.iter().collect();
        assert_eq!(
            column_zero_sentences(&found),
            [
                "县公安局、县人行工作动态栏目更新为0",
                "县人社局人事信息栏目更新为0"
            ]
        );
        assert_eq!(
            unit_zero_sentence(&found).unwrap(),
            "审计局、林业局新闻信息发布为0"
        );
        // A row that says 零发布 without a finding (a column never read) names no one.
        let rows = [
            row("县公安局", "工作动态", Some(12), 0),
            row("县公安局", "警务公开", None, 0),
            row("财政局", "减税降费", Some(3), 3),
            row("旧改办", "征地拆迁", None, 0),
        ];
        let (done, short) = units_by_completion(&rows, &found[..1]);
        assert_eq!(done, ["财政局"]);
        assert_eq!(short, ["县公安局"]);
        assert_eq!(pass_rate(29, 41), "70.7%");
    }

    fn classed(unit: &str, class: ColumnClass, quota: Option<u32>, published: usize) -> UnitRow {
        UnitRow {
            class,
            ..row(unit, "栏目", quota, published)
        }
    }

    fn quarter() -> Period {
        "2020Q3".parse().unwrap()
    }

    fn mark(s: &str) -> Cell {
        Cell::Mark(s.into())
    }

    #[test]
    fn units_side_by_side_show_news_and_policy_as_seed_000() {
        let mut unread = classed("县公安局", ColumnClass::News, None, 0);
        unread.status = Some(Status::Unreadable);
        let rows = [
            classed("城区统一建设局", ColumnClass::News, Some(12), 9),
            classed("城区统一建设局", ColumnClass::Policy, Some(3), 2),
            classed("城区统一建设局", ColumnClass::Notice, Some(3), 0),
            // Two news columns add up; one that could not be read leaves no number.
            classed("县公安局", ColumnClass::News, Some(12), 4),
            unread,
            classed("审计局", ColumnClass::News, None, 0),
            classed("旧改办", ColumnClass::Other, None, 1),
        ];
        let t = unit_class_table("2020年三季度", quarter(), &rows).unwrap();
        assert_eq!(
            t.groups,
            [
                (String::new(), 1),
                ("工作动态".to_string(), 2),
                ("单位文件".to_string(), 2)
            ]
        );
        assert_eq!(
            t.headers,
            ["单位", "应公开数", "实公开数", "应公开数", "实公开数"]
        );
        assert_eq!(
            t.rows,
            [
                vec![
                    "城区统一建设局".into(),
                    Cell::Int(12),
                    Cell::Int(9),
                    Cell::Int(3),
                    Cell::Int(2)
                ],
                vec![
                    "县公安局".into(),
                    Cell::Int(12),
                    mark("无法访问"),
                    Cell::Empty,
                    Cell::Empty
                ],
                // A 及时更新 column with nothing: "/" as seed 000 prints it.
                vec![
                    "审计局".into(),
                    mark("及时更新"),
                    mark("/"),
                    Cell::Empty,
                    Cell::Empty
                ],
            ]
        );
        // A month has no quota: 实公开数 only.
        let month: Period = "2020-08".parse().unwrap();
        let t = unit_class_table("2020年8月", month, &rows).unwrap();
        assert_eq!(t.headers, ["单位", "实公开数", "实公开数"]);
        assert_eq!(
            t.flat_headers(),
            ["单位", "工作动态实公开数", "单位文件实公开数"]
        );
        // No news or policy column: no such table.
        assert!(unit_class_table("2020年三季度", quarter(), &rows[6..]).is_none());
    }

    fn catalog(units: &[(&str, Option<&str>)]) -> Catalog {
        let text: String = units
            .iter()
            .map(|(name, level)| match level {
                Some(l) => format!("[[unit]]\nname = \"{name}\"\nlevel = \"{l}\"\n\n"),
                None => format!("[[unit]]\nname = \"{name}\"\n\n"),
            })
            .collect();
        crate::catalog::load_texts(&[(std::path::Path::new("c.toml"), text.as_str())])
            .unwrap()
            .catalog
    }

    fn content_found(unit: &str, page: &str, wrong: &[&str], ids: usize) -> FindingRecord {
        use crate::observe::evidence::{ContentError, ContentHit, PageBase, PrivacyLeak};
        let base = PageBase {
            site: "县政府".into(),
            unit: Some(unit.into()),
            page: page.into(),
            title: Some("通知".into()),
            place: "工作动态栏目文章页面".into(),
            published_on: None,
            detected_on: d(10, 1),
            attachment: None,
        };
        let evidence = if ids > 0 {
            Evidence::PrivacyLeak(PrivacyLeak {
                page: base,
                id_numbers: ids,
                mobiles: 0,
                bank_cards: 0,
                hits: Vec::new(),
            })
        } else {
            Evidence::ContentError(ContentError {
                page: base,
                hits: wrong
                    .iter()
                    .map(|w| ContentHit {
                        text: w.to_string(),
                        wrong: w.to_string(),
                        right: None,
                        category: "国名".into(),
                        position: 0,
                        context: String::new(),
                    })
                    .collect(),
            })
        };
        episode(page, unit, evidence)
    }

    #[test]
    fn content_errors_are_counted_per_unit_as_seed_003_and_townships_apart() {
        let c = catalog(&[("高坡镇", Some("乡镇")), ("审计局", Some("县级部门"))]);
        let records = [
            content_found("审计局", "http://a/1", &["攻府", "共合国"], 0),
            content_found("高坡镇", "http://a/2", &["攻府"], 0),
            content_found("审计局", "http://a/3", &["攻府"], 0),
            content_found("审计局", "http://a/4", &[], 12),
        ];
        let found: Vec<&FindingRecord> = records.iter().collect();
        let t = content_table("2020年四季度", &c, &found).unwrap();
        assert_eq!(t.title, "2020年四季度信息内容错情统计表");
        assert_eq!(t.headers, ["单位", "错情（处）", "泄露个人信息（处）"]);
        let parts = split_by_level(t, &c, "全县");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].headers[0], "乡镇");
        assert_eq!(
            parts[0].rows,
            [vec!["高坡镇".into(), Cell::Int(1), Cell::Int(0)]]
        );
        assert_eq!(
            parts[1].rows,
            [vec!["审计局".into(), Cell::Int(3), Cell::Int(12)]]
        );
        // No leak: no leak column; nothing found: no table.
        let t = content_table("2020年四季度", &c, &found[..1]).unwrap();
        assert_eq!(t.headers, ["单位", "错情（处）"]);
        assert!(content_table("2020年四季度", &c, &[]).is_none());
    }

    #[test]
    fn townships_and_departments_are_tabled_apart_as_seeds_003_and_004() {
        let c = catalog(&[
            ("县公安局", Some("县级部门")),
            ("高坡镇", Some("乡镇")),
            ("审计局", Some("县级部门")),
            ("白桥镇", Some("乡镇")),
        ]);
        let rows = [
            row("县公安局", "工作动态", Some(12), 4),
            row("高坡镇", "乡镇动态", Some(12), 12),
            row("审计局", "通知公告", Some(3), 0),
            row("白桥镇", "乡镇动态", Some(12), 1),
        ];
        let t = unit_table("2020年三季度", quarter(), &rows);
        let parts = split_by_level(t, &c, "全县");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].title, "2020年三季度单位栏目信息更新情况统计表");
        assert_eq!(parts[0].headers[0], "乡镇");
        assert_eq!(parts[1].headers[0], "县级部门");
        let units = |t: &Table| -> Vec<String> { t.rows.iter().map(|r| r[0].text()).collect() };
        assert_eq!(units(&parts[0]), ["高坡镇", "白桥镇"]);
        assert_eq!(units(&parts[1]), ["县公安局", "审计局"]);
        // Departments without a common level take the area's: 全区 → 区级部门.
        let c2 = catalog(&[("高坡镇", Some("乡镇")), ("审计局", None)]);
        let groups = level_groups(&c2, &["高坡镇", "审计局"], "全区").unwrap();
        assert_eq!(groups[1].0, "区级部门");
        // One group only: one table, as before.
        let parts = split_by_level(
            unit_table("2020年三季度", quarter(), &rows[..1]),
            &c,
            "全县",
        );
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].headers[0], "单位");
        // Scores rank within each level, as seed 004's 各镇 and 各部门.
        let scoring = Scoring {
            base: 300,
            points: [("column_zero_publish".to_string(), -8)]
                .into_iter()
                .collect(),
        };
        let records = [zero("白桥镇", "乡镇动态")];
        let found: Vec<&FindingRecord> = records.iter().collect();
        let t = score_table(
            String::new(),
            "乡镇",
            &["高坡镇", "白桥镇"],
            &found,
            &scoring,
        );
        assert_eq!(t.headers[0], "乡镇");
        assert_eq!(
            t.rows[1],
            vec![
                "白桥镇".into(),
                Cell::Int(300),
                Cell::Int(-8),
                Cell::Int(292),
                Cell::Int(2)
            ]
        );
    }
}
