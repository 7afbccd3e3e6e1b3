use std::collections::HashSet;

use chrono::NaiveDate;

use super::*;
use crate::catalog::{Column, ColumnClass, Origin};
use crate::config::Thresholds;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn column(name: &str, class: ColumnClass, quota: Option<u32>) -> Column {
    Column {
        id: None,
        site: "某县人民政府".into(),
        name: name.into(),
        url: "http://127.0.0.1:9/gzdt/".parse().unwrap(),
        units: vec!["县公安局".into()],
        class,
        class_guessed: false,
        quota,
        select: None,
        aggregate: false,
        origin: Origin {
            file: "c.toml".into(),
            line: 1,
        },
    }
}

const OK: CrawlResult = CrawlResult::Listed { items: 20 };

fn failed() -> CrawlResult {
    CrawlResult::Failed {
        class: "http".into(),
        status: Some(404),
    }
}

/// (kind, subject) of what the rules find for one column on `today`.
fn judge(
    c: &Column,
    dates: &[NaiveDate],
    crawls: Vec<CrawlResult>,
    today: NaiveDate,
    open: &[(Kind, &str)],
) -> Vec<(Kind, String)> {
    let thresholds = Thresholds::default();
    let ctx = Context {
        today,
        thresholds: &thresholds,
    };
    let state = ColumnState {
        column: c,
        key: "K".into(),
        dates: dates.to_vec(),
        crawls,
    };
    let open: HashSet<(Kind, String)> = open.iter().map(|(k, s)| (*k, s.to_string())).collect();
    let mut found: Vec<(Kind, String)> = judge_columns(&ctx, std::slice::from_ref(&state), &open)
        .into_iter()
        .chain(judge_units(&ctx, &[state], &open))
        .map(|f| (f.kind, f.subject_key))
        .collect();
    found.sort();
    found
}

fn k(kind: Kind, subject: &str) -> (Kind, String) {
    (kind, subject.to_string())
}

#[test]
fn news_column_stale_on_day_15_not_on_day_14() {
    let news = column("工作动态", ColumnClass::News, None);
    let last = d(2020, 5, 1);
    // 14 days after: fine. 15 days after: stale.
    assert_eq!(judge(&news, &[last], vec![OK], d(2020, 5, 15), &[]), vec![]);
    assert_eq!(
        judge(&news, &[last], vec![OK], d(2020, 5, 16), &[]),
        vec![k(Kind::ColumnStale, "K")]
    );
    // Items dated after the judged day are ignored (a replay of an earlier day).
    assert_eq!(
        judge(
            &news,
            &[last, d(2020, 5, 20)],
            vec![OK],
            d(2020, 5, 16),
            &[]
        ),
        vec![k(Kind::ColumnStale, "K")]
    );
}

#[test]
fn stale_limits_follow_the_class() {
    let table = [
        (ColumnClass::Notice, d(2020, 1, 10), d(2020, 7, 10), false),
        (ColumnClass::Notice, d(2020, 1, 10), d(2020, 7, 11), true),
        (ColumnClass::Policy, d(2020, 1, 10), d(2020, 7, 11), true),
        (
            ColumnClass::Personnel,
            d(2020, 1, 10),
            d(2020, 12, 31),
            false,
        ),
        (ColumnClass::Personnel, d(2019, 1, 10), d(2020, 1, 11), true),
        (ColumnClass::Plan, d(2019, 1, 10), d(2020, 1, 11), true),
        (ColumnClass::Other, d(2010, 1, 1), d(2020, 5, 20), false),
    ];
    for (class, last, today, stale) in table {
        let c = column("x", class, None);
        let found = judge(&c, &[last], vec![OK], today, &[]);
        let is_stale = found.iter().any(|(kind, _)| *kind == Kind::ColumnStale);
        assert_eq!(
            is_stale, stale,
            "{class:?} last {last} on {today}: {found:?}"
        );
    }
}

#[test]
fn zero_publish_opens_on_the_first_check_after_the_quarter_and_never_during_it() {
    let c = column("工作动态", ColumnClass::Policy, Some(12));
    let dates = [d(2020, 6, 20)];
    // During Q3: nothing opens, however empty Q3 is so far.
    let during = judge(&c, &dates, vec![OK], d(2020, 9, 30), &[]);
    assert!(
        !during
            .iter()
            .any(|(kind, _)| *kind == Kind::ColumnZeroPublish),
        "{during:?}"
    );
    // The first day of Q4: Q3 published nothing.
    let after = judge(&c, &dates, vec![OK], d(2020, 10, 1), &[]);
    assert!(
        after.contains(&k(Kind::ColumnZeroPublish, "K#2020Q3")),
        "{after:?}"
    );
    assert!(
        !after
            .iter()
            .any(|(kind, _)| *kind == Kind::ColumnQuotaShortfall),
        "zero is not also a shortfall"
    );
}

#[test]
fn zero_publish_stays_open_until_the_column_publishes_again() {
    let c = column("工作动态", ColumnClass::Policy, None);
    let open = [(Kind::ColumnZeroPublish, "K#2020Q3")];
    // Still nothing in November: the Q3 episode holds.
    let still = judge(&c, &[d(2020, 6, 20)], vec![OK], d(2020, 11, 2), &open);
    assert!(still.contains(&k(Kind::ColumnZeroPublish, "K#2020Q3")));
    // Published on Nov 5: mended (rectified), nothing holds.
    let mended = judge(
        &c,
        &[d(2020, 6, 20), d(2020, 11, 5)],
        vec![OK],
        d(2020, 11, 6),
        &open,
    );
    assert!(
        !mended
            .iter()
            .any(|(kind, _)| *kind == Kind::ColumnZeroPublish),
        "{mended:?}"
    );
    // Nothing in Q3 nor Q4: on Jan 1 both quarters hold, as two episodes.
    let both = judge(&c, &[d(2020, 6, 20)], vec![OK], d(2021, 1, 1), &open);
    assert!(both.contains(&k(Kind::ColumnZeroPublish, "K#2020Q3")));
    assert!(both.contains(&k(Kind::ColumnZeroPublish, "K#2020Q4")));
}

#[test]
fn a_column_without_quota_reports_zero_but_never_shortfall() {
    let c = column("征地拆迁", ColumnClass::Other, None);
    assert_eq!(
        judge(&c, &[d(2020, 8, 1)], vec![OK], d(2020, 10, 1), &[]),
        vec![]
    );
    assert_eq!(
        judge(&c, &[], vec![OK], d(2020, 10, 1), &[]),
        vec![k(Kind::ColumnZeroPublish, "K#2020Q3")]
    );
}

#[test]
fn quota_shortfall_counts_the_quarter_and_is_mended_by_a_later_full_quarter() {
    let c = column("单位文件", ColumnClass::Policy, Some(3));
    let q3 = [d(2020, 7, 3), d(2020, 8, 3)];
    assert_eq!(
        judge(&c, &q3, vec![OK], d(2020, 10, 1), &[]),
        vec![k(Kind::ColumnQuotaShortfall, "K#2020Q3")]
    );
    let full = [d(2020, 7, 3), d(2020, 8, 3), d(2020, 9, 3)];
    assert_eq!(judge(&c, &full, vec![OK], d(2020, 10, 1), &[]), vec![]);
    // Q4 met its quota: the Q3 episode is mended on Jan 1.
    let open = [(Kind::ColumnQuotaShortfall, "K#2020Q3")];
    let later = [&q3[..], &[d(2020, 10, 3), d(2020, 11, 3), d(2020, 12, 3)]].concat();
    assert_eq!(judge(&c, &later, vec![OK], d(2021, 1, 1), &open), vec![]);
    // Q4 fell short too: both quarters hold.
    let short = [&q3[..], &[d(2020, 10, 3)]].concat();
    assert_eq!(
        judge(&c, &short, vec![OK], d(2021, 1, 1), &open),
        vec![
            k(Kind::ColumnQuotaShortfall, "K#2020Q3"),
            k(Kind::ColumnQuotaShortfall, "K#2020Q4")
        ]
    );
}

#[test]
fn an_empty_column_is_blank_and_nothing_is_judged_without_a_successful_read() {
    let c = column("工作动态", ColumnClass::News, Some(12));
    assert_eq!(
        judge(
            &c,
            &[],
            vec![CrawlResult::Listed { items: 0 }],
            d(2020, 10, 1),
            &[]
        ),
        vec![
            k(Kind::ColumnEmpty, "K"),
            k(Kind::ColumnZeroPublish, "K#2020Q3"),
            k(Kind::UnitZeroPublish, "县公安局#2020Q3"),
        ]
    );
    // Never read: unknown, not zero.
    assert_eq!(judge(&c, &[], vec![failed()], d(2020, 10, 1), &[]), vec![]);
}

#[test]
fn unreachable_needs_two_consecutive_failures_and_recovers() {
    let c = column("工作动态", ColumnClass::Other, None);
    let dates = [d(2020, 5, 1)];
    assert_eq!(
        judge(&c, &dates, vec![failed(), OK], d(2020, 5, 2), &[]),
        vec![]
    );
    assert_eq!(
        judge(&c, &dates, vec![failed(), failed(), OK], d(2020, 5, 3), &[]),
        vec![k(Kind::ColumnUnreachable, "K")]
    );
    assert_eq!(
        judge(&c, &dates, vec![OK, failed(), failed()], d(2020, 5, 4), &[]),
        vec![]
    );
    // Fails again later: the rule holds again (a new episode once reconciled).
    assert_eq!(
        judge(
            &c,
            &dates,
            vec![failed(), failed(), OK, failed(), failed()],
            d(2020, 5, 6),
            &[]
        ),
        vec![k(Kind::ColumnUnreachable, "K")]
    );
    // Blocked is not down.
    assert_eq!(
        judge(
            &c,
            &dates,
            vec![CrawlResult::Blocked, CrawlResult::Blocked],
            d(2020, 5, 3),
            &[]
        ),
        vec![]
    );
}

#[test]
fn unit_zero_publish_reads_all_of_the_units_news_columns() {
    let thresholds = Thresholds::default();
    let ctx = Context {
        today: d(2020, 10, 1),
        thresholds: &thresholds,
    };
    let a = column("工作动态", ColumnClass::News, None);
    let mut b = column("乡镇动态", ColumnClass::News, None);
    b.units = vec!["县公安局".into(), "审计局".into()];
    let states = [
        ColumnState {
            column: &a,
            key: "A".into(),
            dates: vec![],
            crawls: vec![OK],
        },
        ColumnState {
            column: &b,
            key: "B".into(),
            dates: vec![d(2020, 8, 1)],
            crawls: vec![OK],
        },
    ];
    let found = judge_units(&ctx, &states, &HashSet::new());
    assert!(
        found.is_empty(),
        "both units published through column B: {found:?}"
    );
    let states = [states[0].clone()];
    let found = judge_units(&ctx, &states, &HashSet::new());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].sentence(ctx.today), "县公安局新闻信息发布为0");
}

#[test]
fn stored_crawls_read_as_listed_blocked_or_failed() {
    let code = |c: &str| c.parse::<CrawlOutcome>().unwrap();
    assert_eq!(
        CrawlResult::of(code("ok"), Some(200), 12),
        CrawlResult::Listed { items: 12 }
    );
    assert_eq!(
        CrawlResult::of(code("not_modified"), None, -1),
        CrawlResult::Listed { items: 0 }
    );
    assert_eq!(
        CrawlResult::of(code("blocked"), Some(412), 0),
        CrawlResult::Blocked
    );
    assert_eq!(
        CrawlResult::of(code("http"), Some(404), 0),
        CrawlResult::Failed {
            class: "http".into(),
            status: Some(404)
        }
    );
    assert_eq!(
        CrawlResult::of(code("extract"), None, 0),
        CrawlResult::Failed {
            class: "extract".into(),
            status: None
        }
    );
}
