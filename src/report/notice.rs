//! The quarterly notice draft (通报) as the seeds print it: the totals, the units that
//! completed their columns and those that did not, the zero-publish sentences ("审计局、
//! 林业局新闻信息发布为0", "县公安局、县人行工作动态栏目更新为0"), broken column links,
//! the new-media part with its pass rate, and the attachments: the column table (seed 000
//! 附件2), the per-unit table (附件3), the problem-account list (seed 003 附件2) and,
//! when configured, the score table (seed 004). The office edits the draft; it does the
//! counting for them.
//!
//! Pure: catalog, the period's column, unit and broken-link rows and the stored episodes
//! in, a [`Notice`] out; [`Notice::html`], [`Notice::markdown`] and [`Notice::docx`]
//! write the same blocks. The problem-account
//! list is built here from the `account_*` findings; a caller holding the account export's
//! rows passes them as [`NoticeInput::accounts`] and they replace the built list.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, NaiveDate};

use super::columns::{self, ColumnRow, Status, UnitRow, published_zh, quota_zh};
use super::findings::{in_period, kind_zh};
use super::links::{LinkRow, notice_table as link_table};
use super::scoring::{Scoring, dense_ranks};
use super::wording;
use super::{Cell, ReportError, Table, docx, html, markdown};
use crate::catalog::{AccountStatus, Catalog};
use crate::detect::Kind;
use crate::detect::accounts::account_key_of;
use crate::detect::period::Period;
use crate::store::FindingRecord;

/// What the draft is made from.
pub struct NoticeInput<'a> {
    /// `[general] office_name`, e.g. 苍溪县人民政府办公室.
    pub office_name: &'a str,
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

/// The draft: a title and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// The title the seeds use: 关于2020年一季度全县政务公开和政务新媒体监测情况的通报.
pub fn title(period: Period) -> String {
    format!(
        "关于{}全县政务公开和政务新媒体监测情况的通报",
        period.label_zh()
    )
}

fn is_account(kind: Kind) -> bool {
    kind.is_account()
}

fn ends(text: String) -> String {
    if text.is_empty() { text } else { text + "。" }
}

/// Units whose every column is 完成, and those with a column 未完成 or 零发布, in the
/// order of the unit rows.
pub fn units_by_completion(rows: &[UnitRow]) -> (Vec<String>, Vec<String>) {
    let mut order: Vec<&str> = Vec::new();
    let mut short: HashSet<&str> = HashSet::new();
    for r in rows {
        if !order.contains(&r.unit.as_str()) {
            order.push(&r.unit);
        }
        if r.status != Status::Done {
            short.insert(&r.unit);
        }
    }
    let (bad, good): (Vec<&str>, Vec<&str>) = order.into_iter().partition(|u| short.contains(u));
    (
        good.into_iter().map(String::from).collect(),
        bad.into_iter().map(String::from).collect(),
    )
}

/// Units all of whose columns published nothing: `审计局、林业局新闻信息发布为0`.
pub fn unit_zero_sentence(rows: &[UnitRow]) -> Option<String> {
    let mut order: Vec<&str> = Vec::new();
    let mut any: HashSet<&str> = HashSet::new();
    for r in rows {
        if !order.contains(&r.unit.as_str()) {
            order.push(&r.unit);
        }
        if r.published > 0 {
            any.insert(&r.unit);
        }
    }
    let zero: Vec<&str> = order.into_iter().filter(|u| !any.contains(u)).collect();
    (!zero.is_empty()).then(|| wording::unit_zero_publish(&zero))
}

/// Columns that published nothing, their units grouped per column name as seed 004
/// writes them: `县公安局、县人行工作动态栏目更新为0` (a draft joins them with ；).
pub fn column_zero_sentences(rows: &[UnitRow]) -> Vec<String> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for r in rows.iter().filter(|r| r.status == Status::Zero) {
        match groups.iter_mut().find(|(c, _)| *c == r.column) {
            Some((_, units)) => {
                if !units.contains(&r.unit.as_str()) {
                    units.push(&r.unit)
                }
            }
            None => groups.push((r.column.as_str(), vec![r.unit.as_str()])),
        }
    }
    groups
        .into_iter()
        .map(|(column, units)| wording::column_zero_publish(&units, column))
        .collect()
}

impl Notice {
    pub fn build(input: NoticeInput<'_>) -> Notice {
        let NoticeInput {
            office_name,
            period,
            today,
            catalog,
            columns,
            units,
            links,
            findings,
            accounts,
            scoring,
        } = input;
        let label = period.label_zh();
        let found = in_period(findings, period, today);
        let mut blocks = Vec::new();
        blocks.push(Block::Line(office_name.to_string()));
        blocks.push(Block::Line("各乡镇人民政府,县级有关部门:".into()));
        blocks.push(Block::Para(format!(
            "现将{label}全县政务公开与政务新媒体监测情况通报如下。"
        )));

        // The attachments come first: the sentences point at them by number.
        let mut attachments: Vec<Table> = Vec::new();
        attachments.push(column_table(&label, columns));
        attachments.push(unit_table(&label, units));
        let mut account_list =
            accounts.unwrap_or_else(|| account_table(catalog, &found, period, today));
        if account_list.is_empty() {
            account_list
                .notes
                .push("期内未监测发现存在突出问题的政务新媒体。".into());
        }
        attachments.push(Table {
            title: format!("{label}监测发现存在突出问题政务新媒体名单"),
            ..account_list
        });
        let accounts_no = attachments.len();
        let links_no = (!links.is_empty()).then(|| {
            attachments.push(link_table(&format!("{label}网站死链清单"), links));
            attachments.len()
        });
        if let Some(s) = scoring {
            attachments.push(score_table(&label, catalog, &found, s));
        }

        // 一、总体情况
        blocks.push(Block::Heading("一、总体情况".into()));
        let published: usize = columns.iter().map(|c| c.published).sum();
        let (done, short) = units_by_completion(units);
        let mut text = format!(
            "(一)政务公开情况。{label},监测政府网站栏目{}个,期内更新信息{published}条。",
            columns.len()
        );
        if !done.is_empty() {
            text += &format!("{}等单位按要求完成栏目更新任务。", wording::join(&done));
        }
        if !short.is_empty() {
            text += &format!("{}等单位未完成栏目更新任务。", wording::join(&short));
        }
        blocks.push(Block::Para(text));
        blocks.push(Block::Para(new_media_summary(
            catalog, &found, period, today,
        )));
        let mut by_kind: BTreeMap<usize, (Kind, usize)> = BTreeMap::new();
        for f in &found {
            let k = f.kind;
            let i = Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
            by_kind.entry(i).or_insert((k, 0)).1 += 1;
        }
        let mut kinds = Table::new("监测发现问题统计", ["问题类型", "问题代码", "条数"]);
        for (k, n) in by_kind.values() {
            kinds.push_row(vec![
                k.name_zh().into(),
                k.code().into(),
                Cell::Int(*n as i64),
            ]);
        }
        kinds.notes.push(format!("合计 {} 条", found.len()));
        blocks.push(Block::Table(kinds));

        // 二、主要问题
        blocks.push(Block::Heading("二、主要问题".into()));
        let mut problems: Vec<String> = Vec::new();
        if let Some(s) = unit_zero_sentence(units) {
            problems.push(s);
        }
        problems.extend(column_zero_sentences(units));
        let mut n = 0;
        let mut numbered = |title: &str, body: String| {
            n += 1;
            let num = ["一", "二", "三", "四", "五", "六"][(n - 1).min(5)];
            Block::Para(format!("({num}){title}{body}"))
        };
        if !problems.is_empty() {
            blocks.push(numbered(
                "网站栏目维护不及时,信息发布数量不足。",
                ends(problems.join("；")),
            ));
        }
        let shortfalls: Vec<String> = units
            .iter()
            .filter(|r| r.status == Status::Short)
            .filter_map(|r| {
                r.quota
                    .map(|q| wording::column_quota_shortfall(&[&r.unit], &r.column, q, r.published))
            })
            .collect();
        if !shortfalls.is_empty() {
            blocks.push(numbered("栏目更新未达标。", ends(shortfalls.join("；"))));
        }
        let mut unreachable: Vec<String> = Vec::new();
        for f in found.iter().filter(|f| f.kind == Kind::ColumnUnreachable) {
            for u in f.unit.iter().flat_map(|u| u.split('、')) {
                if !unreachable.iter().any(|x| x == u) {
                    unreachable.push(u.to_string());
                }
            }
        }
        if !unreachable.is_empty() {
            blocks.push(numbered(
                "栏目链接无法访问。",
                format!("{}栏目链接无法正常访问。", wording::join(&unreachable)),
            ));
        }
        if let Some(no) = links_no {
            blocks.push(numbered("网站存在死链。", broken_links_sentence(links, no)));
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
            blocks.push(numbered(
                "政务新媒体运维保障不力。",
                format!(
                    "{}等单位政务新媒体存在突出问题{}个,详见附件{accounts_no}。",
                    wording::join(&names),
                    account_found.len()
                ),
            ));
        }
        if n == 0 {
            blocks.push(Block::Para("期内未监测发现突出问题。".into()));
        }

        // 附件
        let list: Vec<String> = attachments
            .iter()
            .enumerate()
            .map(|(i, t)| format!("{}.{}", i + 1, t.title))
            .collect();
        blocks.push(Block::List("附件:".into(), list));
        blocks.push(Block::Signature(vec![
            office_name.to_string(),
            format!("{}年{}月{}日", today.year(), today.month(), today.day()),
        ]));
        for (i, t) in attachments.into_iter().enumerate() {
            blocks.push(Block::Appendix(format!("附件{}", i + 1)));
            blocks.push(Block::Table(t));
        }
        Notice {
            title: title(period),
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
            "<h2 style=\"font-size:20px;text-align:center;margin:8px 0 16px 0\">{}</h2>\n",
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
        let mut out = format!("# {}\n\n", self.title);
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
        let mut doc = docx::Document::new().title(&self.title);
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
        "期内监测发现死链、错链问题{}处,分布在{}",
        urls.len(),
        places.join("、")
    );
    if pages.len() > 1 {
        text += &format!("等{}个页面", pages.len());
    }
    if fixed > 0 {
        text += &format!(",已整改{fixed}处");
    }
    text + &format!(",详见附件{attachment}。")
}

/// 附件: the column table of seed 000 附件2.
pub fn column_table(label: &str, rows: &[ColumnRow]) -> Table {
    let mut t = Table::new(
        format!("{label}政府网站栏目信息更新情况统计表"),
        ["栏目名称", "保障单位", "应更新条数", "实际更新条数"],
    );
    for r in rows {
        t.push_row(vec![
            r.column.as_str().into(),
            wording::join(&r.units).into(),
            quota_zh(r.quota).into(),
            published_zh(r.quota, r.published).into(),
        ]);
    }
    t
}

/// 附件: the per-unit table of seed 000 附件3, with 完成情况.
pub fn unit_table(label: &str, rows: &[UnitRow]) -> Table {
    columns::unit_table(
        &format!("{label}单位栏目信息更新情况统计表"),
        ["单位", "栏目", "应公开数", "实公开数", "完成情况"],
        rows,
    )
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
            .all(|f| f.resolved_on.is_some_and(|d| d <= today));
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
/// (41 running, 12 with findings: 70.7%).
fn new_media_summary(
    catalog: &Catalog,
    found: &[&FindingRecord],
    period: Period,
    today: NaiveDate,
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
            "(二)政务新媒体情况。截至{}月{}日,未登记正常运行的政务新媒体;期内监测发现政务新媒体突出问题{n}个。",
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
    let passed = running
        .iter()
        .filter(|a| !problems.contains(a.key().as_str()))
        .count();
    format!(
        "(二)政务新媒体情况。截至{}月{}日,全县正常运行的政务新媒体共{}个,其中{},总体合格率为{}。",
        end.month(),
        end.day(),
        running.len(),
        parts.join("、"),
        pass_rate(passed, running.len())
    )
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

/// The score table of seed 004: per unit, 基准分, points per finding kind, 小计, 名次.
pub fn score_table(label: &str, catalog: &Catalog, found: &[&FindingRecord], s: &Scoring) -> Table {
    // Configured codes, in their order; a code of no kind scores nothing.
    let kinds: Vec<(&String, Option<Kind>)> = s
        .points
        .keys()
        .map(|k| (k, k.parse::<Kind>().ok()))
        .collect();
    let mut headers = vec!["单位".to_string(), "基准分".to_string()];
    headers.extend(kinds.iter().map(|(k, _)| kind_zh(k).to_string()));
    headers.extend(["小计".to_string(), "名次".to_string()]);
    let mut rows: Vec<(String, Vec<i64>, i64)> = Vec::new();
    for unit in &catalog.units {
        let mut parts = Vec::new();
        for (code, kind) in &kinds {
            let n = found
                .iter()
                .filter(|f| Some(f.kind) == *kind)
                .filter(|f| {
                    f.unit
                        .as_deref()
                        .is_some_and(|u| u.split('、').any(|x| x == unit.name))
                })
                .count() as i64;
            parts.push(n * s.points_for(code));
        }
        let total = s.base + parts.iter().sum::<i64>();
        rows.push((unit.name.clone(), parts, total));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.2));
    let ranks = dense_ranks(&rows.iter().map(|r| r.2).collect::<Vec<_>>());
    let mut t = Table::new(format!("{label}各单位政务公开工作考核结果"), headers);
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

    fn row(unit: &str, column: &str, quota: Option<u32>, published: usize) -> UnitRow {
        UnitRow {
            unit: unit.into(),
            column: column.into(),
            quota,
            published,
            status: Status::of(quota, published),
        }
    }

    #[test]
    fn zero_publish_sentences_read_like_the_seeds() {
        let rows = [
            row("县公安局", "工作动态", Some(12), 0),
            row("县人行", "工作动态", Some(12), 0),
            row("县人社局", "人事信息", None, 0),
            row("县人社局", "工作动态", Some(12), 3),
            row("审计局", "新闻信息", Some(12), 0),
            row("林业局", "新闻信息", None, 0),
            row("财政局", "减税降费", Some(3), 3),
        ];
        assert_eq!(
            column_zero_sentences(&rows),
            [
                "县公安局、县人行工作动态栏目更新为0",
                "县人社局人事信息栏目更新为0",
                "审计局、林业局新闻信息栏目更新为0",
            ]
        );
        assert_eq!(
            unit_zero_sentence(&rows).unwrap(),
            "县公安局、县人行、审计局、林业局新闻信息发布为0"
        );
        let (done, short) = units_by_completion(&rows);
        assert_eq!(done, ["财政局"]);
        assert_eq!(
            short,
            ["县公安局", "县人行", "县人社局", "审计局", "林业局"]
        );
        assert_eq!(pass_rate(29, 41), "70.7%");
    }
}
