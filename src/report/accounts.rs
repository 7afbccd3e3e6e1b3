//! The problem-account list of a period (seed 003 附件2: 2020年一季度监测发现存在突出问题政务
//! 新媒体名单): one row per account with a finding open at any time in the period, its
//! problems as the notice prints them, whether all were rectified by the export's day,
//! and the pass rate over the accounts running normally (正常运行) at the end of the
//! period. Pure: findings and the catalog in, rows and tables out; report's writers turn
//! the tables into CSV and XLSX.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::wording;
use super::{Cell, Table};
use crate::catalog::{AccountStatus, Catalog, Platform};
use crate::detect::Kind;
use crate::detect::accounts::{account_key_of, unregistered_key};
use crate::detect::period::Period;
use crate::observe::evidence::Evidence;
use crate::store::{EpisodeDays, FindingRecord};

/// The CSV/XLSX headers, as seed 003 prints them.
pub const HEADERS: [&str; 6] = [
    "类别",
    "政务新媒体名称",
    "主办单位",
    "级别",
    "突出问题",
    "是否整改",
];

/// The XLSX column widths, in the order of [`HEADERS`].
pub const WIDTHS: [f64; 6] = [10.0, 24.0, 20.0, 10.0, 60.0, 10.0];

/// `export accounts`; the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountsExport {
    pub period: String,
    /// Accounts running normally at the end of the period (active, not zombie, not closed).
    pub running: usize,
    /// Those of them watched in the period: read successfully in it, or with a finding
    /// in it. The pass rate is over these only: an account never read passes nothing.
    pub watched: usize,
    /// Those of them without any finding in the period.
    pub passed: usize,
    /// passed / watched, to three decimals (0 when nothing is watched).
    pub pass_rate: f64,
    pub accounts: Vec<AccountRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountRow {
    /// `weibo`, `wechat` …
    pub platform: String,
    /// 类别: 政务微博, 政务微信 …
    #[serde(skip)]
    pub category: String,
    pub account: String,
    pub unit: String,
    pub level: Option<String>,
    /// The sentences, in order of detection.
    pub problems: Vec<String>,
    /// No finding of the account is still open on the export's day.
    pub rectified: bool,
}

impl AccountRow {
    /// One table row: 类别, 名称, 主办单位, 级别, 突出问题 (joined by `sep`), 是否整改.
    pub fn cells(&self, sep: &str) -> [String; 6] {
        [
            self.category.clone(),
            self.account.clone(),
            self.unit.clone(),
            self.level.clone().unwrap_or_default(),
            self.problems.join(sep),
            super::yes_no(self.rectified).to_string(),
        ]
    }
}

impl AccountsExport {
    /// The list as a table named `2020年一季度突出问题政务新媒体`: one row per account with its
    /// problems joined by `sep` (a space in CSV, a line break in a sheet), and the pass
    /// rate as a note under it.
    pub fn table(&self, sep: &str) -> Table {
        let label = self
            .period
            .parse::<Period>()
            .map_or_else(|_| self.period.clone(), Period::label_zh);
        let mut t = Table::new(format!("{label}突出问题政务新媒体"), HEADERS);
        for r in &self.accounts {
            t.push_row(r.cells(sep).into_iter().map(Cell::from).collect());
        }
        t.notes.push(self.pass_rate_note());
        t
    }

    /// `总体合格率为70.7%`; `正常运行的政务新媒体41个，期内监测30个，总体合格率为70.0%` when
    /// some were not read in the period; `期内未监测` when none was.
    pub fn pass_rate_note(&self) -> String {
        if self.watched == 0 {
            "期内未监测".to_string()
        } else if self.watched < self.running {
            format!(
                "正常运行的政务新媒体{}个，期内监测{}个，{}",
                self.running,
                self.watched,
                pass_rate_zh(self.pass_rate)
            )
        } else {
            pass_rate_zh(self.pass_rate)
        }
    }
}

/// `总体合格率为70.7%`.
pub fn pass_rate_zh(rate: f64) -> String {
    format!("总体合格率为{:.1}%", rate * 100.0)
}

/// The finding's sentence for a list of `list_year` (the year rule depends on the list,
/// not on the day it was found).
pub fn problem_sentence(f: &FindingRecord, list_year: i32) -> String {
    wording::list_sentence(f, list_year)
}

/// What the pass rate needs of an account episode (误报 already left out).
#[derive(Debug, Clone, Copy)]
pub struct Span<'a> {
    pub kind: Kind,
    pub subject_key: &'a str,
    pub opened_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
}

impl<'a> From<&'a FindingRecord> for Span<'a> {
    fn from(f: &'a FindingRecord) -> Span<'a> {
        Span {
            kind: f.kind,
            subject_key: &f.subject_key,
            opened_on: f.opened_on,
            resolved_on: f.resolved_on,
        }
    }
}

impl<'a> From<&'a EpisodeDays> for Span<'a> {
    fn from(f: &'a EpisodeDays) -> Span<'a> {
        Span {
            kind: f.kind,
            subject_key: &f.subject_key,
            opened_on: f.opened_on,
            resolved_on: f.resolved_on,
        }
    }
}

impl Span<'_> {
    /// An account's episode open at some time in `period` up to `end`.
    fn in_period(&self, period: Period, end: NaiveDate) -> bool {
        self.kind.is_account()
            && self.opened_on <= end
            && self.resolved_on.is_none_or(|r| r > period.start())
    }

    fn open_on(&self, day: NaiveDate) -> bool {
        self.opened_on <= day && self.resolved_on.is_none_or(|r| r > day)
    }
}

/// The account an episode is about: an account registered after it was found
/// unregistered carries that finding too; a weekly finding (KEY#2020-W03) is its
/// account's.
struct Owners(HashMap<String, String>);

impl Owners {
    fn of(catalog: &Catalog) -> Owners {
        Owners(
            catalog
                .accounts
                .iter()
                .map(|a| (unregistered_key(a.platform, &a.name), a.key()))
                .collect(),
        )
    }

    fn owner(&self, subject_key: &str) -> String {
        self.0
            .get(subject_key)
            .cloned()
            .unwrap_or_else(|| account_key_of(subject_key).to_string())
    }

    fn registered(&self, subject_key: &str) -> bool {
        self.0.contains_key(subject_key)
    }
}

/// The subjects of the findings that count against the catalog's accounts in
/// [`account_tally`]: each account's key and the key it had when found unregistered
/// (besides the period subjects `KEY#2020-W03`, which name the key first).
pub fn tally_subjects(catalog: &Catalog) -> Vec<String> {
    catalog
        .accounts
        .iter()
        .flat_map(|a| [a.key(), unregistered_key(a.platform, &a.name)])
        .collect()
}

/// The pass rate's counts of `period` on `today`: accounts 正常运行 (active, open in the
/// period, not a zombie at its end), of those 期内监测 (read in the period or with a
/// finding) and 合格 (watched, without a finding).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountTally {
    pub running: usize,
    pub watched: usize,
    pub passed: usize,
}

/// [`AccountTally`] of the catalog's accounts from their episodes' days (`spans`, 误报
/// left out; other kinds are ignored), `read` as for [`account_export`], which counts
/// by this.
pub fn account_tally<'a>(
    catalog: &Catalog,
    spans: impl IntoIterator<Item = Span<'a>>,
    period: Period,
    today: NaiveDate,
    read: &HashSet<String>,
) -> AccountTally {
    let end = period.end().min(today);
    let owners = Owners::of(catalog);
    let mut zombie_at_end: HashSet<&str> = HashSet::new();
    let mut with_finding: HashSet<String> = HashSet::new();
    for span in spans {
        if span.kind == Kind::AccountZombie && span.open_on(end) {
            zombie_at_end.insert(span.subject_key);
        }
        if span.in_period(period, end) {
            with_finding.insert(owners.owner(span.subject_key));
        }
    }
    let mut tally = AccountTally::default();
    for a in &catalog.accounts {
        let key = a.key();
        let running = a.status == AccountStatus::Active
            && a.closed_on.is_none_or(|c| c > end)
            && a.opened_on.is_none_or(|o| o <= end)
            && !zombie_at_end.contains(key.as_str());
        if !running {
            continue;
        }
        tally.running += 1;
        let found = with_finding.contains(&key);
        if read.contains(&key) || found {
            tally.watched += 1;
            tally.passed += usize::from(!found);
        }
    }
    tally
}

/// The problem-account list for `period`, exported on `today`. `findings` are all
/// episodes (any order of opening is kept); accounts are matched by key; `read` holds
/// the keys of the accounts read successfully in the period
/// (`Store::accounts_read_between`).
pub fn account_export(
    catalog: &Catalog,
    findings: &[FindingRecord],
    period: Period,
    today: NaiveDate,
    read: &HashSet<String>,
) -> AccountsExport {
    let end = period.end().min(today);
    // False alarms (误报) the office dismissed are no problems: they leave the list and
    // the pass rate (`export findings` shows them as 已核实为误报).
    let findings: Vec<&FindingRecord> = findings.iter().filter(|f| !f.is_dismissed()).collect();
    let tally = account_tally(
        catalog,
        findings.iter().map(|f| Span::from(*f)),
        period,
        today,
        read,
    );
    let in_period: Vec<&FindingRecord> = findings
        .iter()
        .copied()
        .filter(|f| Span::from(*f).in_period(period, end))
        .collect();
    let owners = Owners::of(catalog);
    // Each account's episodes, found once (not a pass over every episode per account).
    let mut by_owner: HashMap<String, Vec<&FindingRecord>> = HashMap::new();
    for f in &in_period {
        by_owner
            .entry(owners.owner(&f.subject_key))
            .or_default()
            .push(f);
    }

    let row = |mine: &mut Vec<&FindingRecord>| {
        mine.sort_by_key(|f| (f.opened_at, f.id));
        let problems = mine
            .iter()
            .map(|f| problem_sentence(f, period.year()))
            .collect();
        let rectified = !mine
            .iter()
            .any(|f| f.opened_on <= today && f.rectified_on().is_none_or(|r| r > today));
        (problems, rectified)
    };
    let mut rows = Vec::new();
    for a in &catalog.accounts {
        let Some(mine) = by_owner.get(&a.key()) else {
            continue;
        };
        let mut mine = mine.clone();
        let (problems, rectified) = row(&mut mine);
        rows.push(AccountRow {
            platform: a.platform.as_str().to_string(),
            category: a.platform.category_zh().to_string(),
            account: a.name.clone(),
            unit: a.unit.clone(),
            level: catalog.unit(&a.unit).and_then(|u| u.level.clone()),
            problems,
            rectified,
        });
    }
    // Accounts known only from a listing (未经报备, never registered): their platform,
    // name, unit (else 开设主体) and level as the listing gives them. They are not in the
    // registered inventory, so not among the watched accounts of the pass rate.
    let mut unlisted: Vec<&FindingRecord> = in_period
        .iter()
        .copied()
        .filter(|f| f.kind == Kind::AccountUnregistered && !owners.registered(&f.subject_key))
        .collect();
    unlisted.sort_by(|a, b| {
        a.subject_key
            .cmp(&b.subject_key)
            .then(a.opened_at.cmp(&b.opened_at))
    });
    for group in unlisted.chunk_by(|a, b| a.subject_key == b.subject_key) {
        let mut mine: Vec<&FindingRecord> = group.to_vec();
        let (problems, rectified) = row(&mut mine);
        // As the latest episode's evidence shows the account (none for one an older
        // version wrote differently: its subject names it).
        let latest = mine.last().and_then(|f| match &f.evidence {
            Some(Evidence::AccountUnregistered(e)) => Some(e),
            _ => None,
        });
        let platform = latest
            .and_then(|e| Platform::parse(&e.platform))
            .unwrap_or(Platform::Other);
        rows.push(AccountRow {
            platform: platform.as_str().to_string(),
            category: platform.category_zh().to_string(),
            account: latest.map_or_else(|| group[0].subject_key.clone(), |e| e.account.clone()),
            unit: latest
                .and_then(|e| e.unit.clone().or_else(|| e.operator.clone()))
                .unwrap_or_default(),
            level: latest.and_then(|e| e.level.clone()),
            problems,
            rectified,
        });
    }
    // Grouped by category in the order categories first appear, catalog order within.
    let mut order: Vec<String> = Vec::new();
    for r in &rows {
        if !order.contains(&r.category) {
            order.push(r.category.clone());
        }
    }
    rows.sort_by_key(|r| order.iter().position(|c| *c == r.category));
    AccountsExport {
        period: period.to_string(),
        running: tally.running,
        watched: tally.watched,
        passed: tally.passed,
        // Three decimals, as a share the notices print with one decimal in percent.
        pass_rate: if tally.watched == 0 {
            0.0
        } else {
            (tally.passed as f64 * 1000.0 / tally.watched as f64).round() / 1000.0
        },
        accounts: rows,
    }
}

/// One line of `govwatch accounts`; the JSON field names are a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountStatusRow {
    pub platform: String,
    pub account: String,
    pub unit: String,
    /// The newest post on or before the day.
    pub last_post: Option<NaiveDate>,
    /// Days from the last post to the day.
    pub days_silent: Option<i64>,
    /// 正常运行 / 僵尸 / 已注销 / 无法访问
    pub status: &'static str,
}

/// Each account's state on `today`: `post_days` maps an account key to its posts' local
/// days, `open` holds the (kind, subject key) of the episodes open on `today`.
pub fn account_status_rows(
    catalog: &Catalog,
    post_days: &std::collections::HashMap<String, Vec<NaiveDate>>,
    open: &HashSet<(Kind, String)>,
    today: NaiveDate,
) -> Vec<AccountStatusRow> {
    catalog
        .accounts
        .iter()
        .map(|a| {
            let key = a.key();
            let holds = |kind: Kind| open.contains(&(kind, key.clone()));
            let last_post = post_days
                .get(&key)
                .and_then(|days| days.iter().filter(|d| **d <= today).max().copied());
            let status =
                if a.status == AccountStatus::Closed || a.closed_on.is_some_and(|c| c <= today) {
                    "已注销"
                } else if holds(Kind::AccountZombie) {
                    "僵尸"
                } else if holds(Kind::AccountUnreachable) {
                    "无法访问"
                } else {
                    "正常运行"
                };
            AccountStatusRow {
                platform: a.platform.category_zh().to_string(),
                account: a.name.clone(),
                unit: a.unit.clone(),
                last_post,
                days_silent: last_post.map(|d| (today - d).num_days()),
                status,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pass_rate_reads_as_the_seed() {
        assert_eq!(pass_rate_zh(29.0 / 41.0), "总体合格率为70.7%");
    }

    #[test]
    fn the_accounts_workbook_has_the_seed_headers_rows_and_the_pass_rate() {
        use calamine::{Reader, Xlsx};

        use crate::report::csv::{self, LineEnd};
        use crate::report::xlsx::{self, Layout};

        let export = AccountsExport {
            period: "2020Q1".into(),
            running: 41,
            watched: 41,
            passed: 29,
            pass_rate: 0.707,
            accounts: vec![AccountRow {
                platform: "weibo".into(),
                category: "政务微博".into(),
                account: "苍溪县高坡镇".into(),
                unit: "高坡镇人民政府".into(),
                level: Some("乡镇".into()),
                problems: vec!["a".into(), "b".into()],
                rectified: true,
            }],
        };
        let bytes = xlsx::to_bytes_with(&[export.table("\n")], Layout::Fixed(&WIDTHS)).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        let cell = |r: u32, c: u32| {
            sheet
                .get_value((r, c))
                .map(|v| v.to_string())
                .unwrap_or_default()
        };
        // The title row with the period, then the seed's headers.
        assert_eq!(cell(0, 0), "2020年一季度突出问题政务新媒体");
        let headers: Vec<String> = (0..6).map(|c| cell(1, c)).collect();
        assert_eq!(headers, HEADERS);
        assert_eq!(cell(2, 1), "苍溪县高坡镇");
        assert_eq!(cell(2, 4), "a\nb");
        assert_eq!(cell(2, 5), "是");
        assert_eq!(cell(4, 0), "总体合格率为70.7%");
        let csv = csv::to_bytes_with(&export.table(" "), LineEnd::Lf);
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with("\u{feff}类别,政务新媒体名称,主办单位,级别,突出问题,是否整改\n"));
        assert!(text.contains("政务微博,苍溪县高坡镇,高坡镇人民政府,乡镇,a b,是"));
    }
}
