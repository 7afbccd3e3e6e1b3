use chrono::NaiveDate;

use super::*;
use crate::catalog::{Origin, Source, SourceKind};
use crate::config::Thresholds;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn account(name: &str, platform: Platform, operator: Option<&str>) -> Account {
    Account {
        id: None,
        name: name.into(),
        unit: "高坡镇人民政府".into(),
        platform,
        operator: operator.map(Into::into),
        status: AccountStatus::Active,
        opened_on: None,
        closed_on: None,
        source: Source {
            kind: SourceKind::Manual,
            url: None,
            uid: None,
            fakeid: None,
            select: None,
        },
        url: None,
        origin: Origin {
            file: "c.toml".into(),
            line: 1,
        },
    }
}

fn judge(states: &[AccountState], today: NaiveDate) -> Vec<(Kind, String, String)> {
    let t = Thresholds::default();
    let ctx = Context {
        today,
        thresholds: &t,
    };
    judge_accounts(&ctx, states)
        .into_iter()
        .map(|f| {
            let sentence = f.sentence(today);
            (f.kind, f.subject_key, sentence)
        })
        .collect()
}

fn state<'a>(a: &'a Account, key: &str, posts: &[NaiveDate]) -> AccountState<'a> {
    AccountState {
        account: a,
        key: key.into(),
        post_originals: posts.iter().map(|d| (*d, None)).collect(),
        watched_since: posts.iter().min().copied(),
        check: SourceCheck::Read,
    }
}

#[test]
fn silent_from_day_15_with_the_seeds_sentence() {
    let a = account("苍溪县高坡镇", Platform::Weibo, None);
    let posts = [d(2019, 12, 20), d(2019, 12, 25)];
    assert!(
        judge(&[state(&a, "A", &posts)], d(2020, 1, 8)).is_empty(),
        "day 14"
    );
    assert_eq!(
        judge(&[state(&a, "A", &posts)], d(2020, 1, 9)),
        vec![(
            Kind::AccountSilent,
            "A".to_string(),
            "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日".to_string()
        )]
    );
    // Posts dated after the judged day are not seen.
    let later = [d(2019, 12, 25), d(2020, 1, 20)];
    assert_eq!(judge(&[state(&a, "A", &later)], d(2020, 1, 9)).len(), 1);
    assert!(judge(&[state(&a, "A", &later)], d(2020, 1, 21)).is_empty());
}

#[test]
fn a_zombie_is_only_a_zombie() {
    let a = account("神韵黄猫", Platform::Wechat, None);
    let found = judge(&[state(&a, "Z", &[d(2019, 2, 28)])], d(2020, 1, 6));
    assert_eq!(
        found,
        vec![(
            Kind::AccountZombie,
            "Z".to_string(),
            "1月6日监测到为“僵尸”账号，最新更新时间为2019年2月28日".to_string()
        )]
    );
    // 180 days exactly: still silent, not yet a zombie.
    let found = judge(&[state(&a, "Z", &[d(2019, 7, 10)])], d(2020, 1, 6));
    assert_eq!(found[0].0, Kind::AccountSilent);
    let found = judge(&[state(&a, "Z", &[d(2019, 7, 9)])], d(2020, 1, 6));
    assert_eq!(found[0].0, Kind::AccountZombie);
    // Never posted since opening 200 days ago.
    let mut never = account("新号", Platform::Douyin, None);
    never.opened_on = Some(d(2019, 6, 20));
    let found = judge(&[state(&never, "N", &[])], d(2020, 1, 6));
    assert_eq!(found[0].2, "1月6日监测到为“僵尸”账号，开设以来未更新内容");
    // Opened 20 days ago, nothing yet: silent.
    never.opened_on = Some(d(2019, 12, 17));
    let found = judge(&[state(&never, "N", &[])], d(2020, 1, 6));
    assert_eq!(found[0].0, Kind::AccountSilent);
}

#[test]
fn several_active_accounts_of_one_operator_on_one_platform_are_each_duplicates() {
    let a = account(
        "苍溪县高坡镇人民政府",
        Platform::Wechat,
        Some("高坡镇人民政府"),
    );
    let b = account("高坡发布", Platform::Wechat, Some("高坡镇人民政府"));
    let weibo = account("苍溪县高坡镇", Platform::Weibo, Some("高坡镇人民政府"));
    let zombie = account("高坡旧号", Platform::Weibo, Some("高坡镇人民政府"));
    let today = d(2020, 1, 6);
    let recent = [d(2020, 1, 2)];
    let found = judge(
        &[
            state(&a, "A", &recent),
            state(&b, "B", &recent),
            state(&weibo, "W", &recent),
            state(&zombie, "Z", &[d(2019, 1, 1)]),
        ],
        today,
    );
    let dups: Vec<&str> = found
        .iter()
        .filter(|(k, _, _)| *k == Kind::AccountDuplicate)
        .map(|(_, s, sentence)| {
            assert_eq!(sentence, "同一平台开设多个政务新媒体账号");
            s.as_str()
        })
        .collect();
    assert_eq!(dups, ["A", "B"], "the zombie is not an active account");
}

#[test]
fn an_unreadable_source_is_unknown_not_silent_and_unreachable_after_two_failures() {
    let a = account("梨乡禁毒", Platform::Weibo, None);
    let mut s = state(&a, "A", &[d(2019, 12, 1)]);
    s.check = SourceCheck::Failed {
        consecutive: 1,
        detail: "connect".into(),
    };
    assert!(judge(std::slice::from_ref(&s), d(2020, 1, 9)).is_empty());
    s.check = SourceCheck::Failed {
        consecutive: 2,
        detail: "connect".into(),
    };
    let found = judge(&[s], d(2020, 1, 9));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Kind::AccountUnreachable);
}

#[test]
fn a_closed_account_that_posts_after_closing_is_closed_but_active() {
    let mut a = account("示例城关", Platform::Douyin, None);
    a.status = AccountStatus::Closed;
    a.closed_on = Some(d(2024, 1, 1));
    assert!(judge(&[state(&a, "C", &[d(2023, 12, 1)])], d(2024, 3, 1)).is_empty());
    let found = judge(
        &[state(&a, "C", &[d(2023, 12, 1), d(2024, 2, 3)])],
        d(2024, 3, 1),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Kind::AccountClosedActive);
    assert_eq!(
        found[0].2,
        "已注销仍运行，注销时间为1月1日，最新更新时间为2月3日"
    );
}

#[test]
fn listed_accounts_not_in_the_catalog_are_unregistered() {
    let listed =
        |platform: Platform, name: &str, unit: Option<&str>, operator: Option<&str>| Listed {
            platform,
            name: name.into(),
            unit: unit.map(Into::into),
            operator: operator.map(Into::into),
            level: Some("乡镇".into()),
            seen_in: format!("listing row {name}"),
        };
    let registered = account("高坡发布", Platform::Wechat, None);
    let mut closed = account("高坡旧号", Platform::Weibo, None);
    closed.status = AccountStatus::Closed;
    let catalog = [registered, closed];
    let t = Thresholds::default();
    let ctx = Context {
        today: d(2022, 5, 6),
        thresholds: &t,
    };
    // (listed account, expected finding: subject and unit; None when registered)
    let rows: [(Listed, Option<(&str, &str)>); 6] = [
        (
            listed(
                Platform::Wechat,
                "高崖印象",
                Some("高崖镇"),
                Some("高崖镇人民政府"),
            ),
            Some(("unregistered:wechat:高崖印象", "高崖镇")),
        ),
        // Spaces and full-width letters do not make another name.
        (listed(Platform::Wechat, "高坡 发布", None, None), None),
        // A closed account is registered.
        (listed(Platform::Weibo, "高坡旧号", None, None), None),
        // Same name, another platform: not the registered one.
        (
            listed(Platform::Douyin, "高坡发布", None, Some("高坡镇人民政府")),
            Some(("unregistered:douyin:高坡发布", "高坡镇人民政府")),
        ),
        (
            listed(Platform::Weibo, "ＧＰ融媒", None, None),
            Some(("unregistered:weibo:gp融媒", "")),
        ),
        // The same account in a second listing is one finding.
        (
            listed(Platform::Wechat, "高崖 印象", None, None),
            Some(("unregistered:wechat:高崖印象", "高崖镇")),
        ),
    ];
    let input: Vec<Listed> = rows.iter().map(|(l, _)| l.clone()).collect();
    let found = judge_unregistered(&ctx, &catalog, &input);
    let mut expected: Vec<(String, String)> = rows
        .iter()
        .filter_map(|(_, e)| e.map(|(s, u)| (s.to_string(), u.to_string())))
        .collect();
    expected.sort();
    expected.dedup();
    let got: Vec<(String, String)> = found
        .iter()
        .map(|f| (f.subject_key.clone(), f.unit.clone().unwrap_or_default()))
        .collect();
    assert_eq!(got, expected);
    for f in &found {
        assert_eq!(f.kind, Kind::AccountUnregistered);
        assert_eq!(f.sentence(ctx.today), "5月6日监测到未经报备私自开设");
    }
    let twice = found
        .iter()
        .find(|f| f.subject_key == "unregistered:wechat:高崖印象")
        .unwrap();
    let evidence = twice.evidence.to_json();
    assert_eq!(evidence["seen_in"].as_array().unwrap().len(), 2);
    assert_eq!(evidence["account"], "高崖印象");
    assert_eq!(evidence["level"], "乡镇");
}

/// One row of the weekly-minimum table: what differs from a Weibo account watched since
/// Monday 2020-01-06, judged on Monday 2020-01-13 with the flag on.
struct Weekly {
    why: &'static str,
    flag: bool,
    source: SourceKind,
    /// (day, original?) of its posts.
    posts: Vec<(NaiveDate, Option<bool>)>,
    watched_since: Option<NaiveDate>,
    opened_on: Option<NaiveDate>,
    status: AccountStatus,
    check: SourceCheck,
    today: NaiveDate,
    /// Subjects of open weekly episodes (older weeks are judged while open).
    open: Vec<&'static str>,
    /// (subject, sentence) expected, in order.
    expect: Vec<(&'static str, &'static str)>,
}

impl Default for Weekly {
    fn default() -> Self {
        Weekly {
            why: "",
            flag: true,
            source: SourceKind::Weibo,
            posts: Vec::new(),
            watched_since: Some(d(2020, 1, 6)),
            opened_on: None,
            status: AccountStatus::Active,
            check: SourceCheck::Read,
            today: d(2020, 1, 13),
            open: Vec::new(),
            expect: Vec::new(),
        }
    }
}

const W02: (&str, &str) = (
    "W#2020-W02",
    "1月13日监测到1月6日至1月12日一周未发布原创内容",
);

#[test]
fn weekly_minimum_table() {
    let repost = |day| (day, Some(false));
    let original = |day| (day, Some(true));
    let rows = [
        Weekly {
            why: "flag off: nothing",
            flag: false,
            posts: vec![repost(d(2020, 1, 8))],
            ..Default::default()
        },
        Weekly {
            why: "an original post in the week",
            posts: vec![repost(d(2020, 1, 7)), original(d(2020, 1, 12))],
            ..Default::default()
        },
        Weekly {
            why: "only reposts in the week",
            posts: vec![repost(d(2020, 1, 7)), repost(d(2020, 1, 10))],
            expect: vec![W02],
            ..Default::default()
        },
        Weekly {
            why: "nothing posted at all in the week",
            posts: vec![original(d(2020, 1, 3))],
            expect: vec![W02],
            ..Default::default()
        },
        Weekly {
            why: "a source that does not tell originals (a feed)",
            source: SourceKind::Feed,
            posts: vec![(d(2020, 1, 3), None)],
            ..Default::default()
        },
        Weekly {
            why: "a post not told original or repost may be an original",
            posts: vec![repost(d(2020, 1, 7)), (d(2020, 1, 9), None)],
            ..Default::default()
        },
        Weekly {
            why: "the week is not over on Sunday",
            today: d(2020, 1, 12),
            ..Default::default()
        },
        Weekly {
            why: "watching began after the week's Monday",
            watched_since: Some(d(2020, 1, 7)),
            ..Default::default()
        },
        Weekly {
            why: "never read",
            watched_since: None,
            ..Default::default()
        },
        Weekly {
            why: "opened after the week's Monday",
            opened_on: Some(d(2020, 1, 8)),
            ..Default::default()
        },
        Weekly {
            why: "judged later in the next week: still the same week",
            posts: vec![repost(d(2020, 1, 14))],
            today: d(2020, 1, 16),
            expect: vec![(
                "W#2020-W02",
                "1月16日监测到1月6日至1月12日一周未发布原创内容",
            )],
            ..Default::default()
        },
        Weekly {
            why: "an original in the next week does not mend it before that week ends",
            posts: vec![repost(d(2020, 1, 8)), original(d(2020, 1, 13))],
            today: d(2020, 1, 19),
            open: vec!["W#2020-W02"],
            expect: vec![(
                "W#2020-W02",
                "1月19日监测到1月6日至1月12日一周未发布原创内容",
            )],
            ..Default::default()
        },
        Weekly {
            why: "a later completed week with an original resolves it",
            posts: vec![repost(d(2020, 1, 8)), original(d(2020, 1, 14))],
            today: d(2020, 1, 20),
            open: vec!["W#2020-W02"],
            ..Default::default()
        },
        Weekly {
            why: "not even an original on Monday morning hides the week before",
            posts: vec![repost(d(2020, 1, 8)), original(d(2020, 1, 13))],
            expect: vec![W02],
            ..Default::default()
        },
        Weekly {
            why: "a closed account",
            status: AccountStatus::Closed,
            ..Default::default()
        },
        Weekly {
            why: "a zombie is a zombie only",
            posts: vec![original(d(2019, 6, 3))],
            watched_since: Some(d(2019, 12, 30)),
            ..Default::default()
        },
        Weekly {
            why: "a source not read today is unknown",
            check: SourceCheck::Failed {
                consecutive: 3,
                detail: "connect".into(),
            },
            ..Default::default()
        },
        Weekly {
            why: "a week across the new year carries the old year",
            posts: vec![original(d(2019, 12, 28))],
            watched_since: Some(d(2019, 12, 30)),
            today: d(2020, 1, 6),
            expect: vec![(
                "W#2020-W01",
                "1月6日监测到2019年12月30日至1月5日一周未发布原创内容",
            )],
            ..Default::default()
        },
        Weekly {
            why: "look back four weeks, and at older weeks only while open",
            watched_since: Some(d(2019, 11, 4)),
            posts: vec![repost(d(2019, 11, 5))],
            open: vec!["W#2019-W45", "W#2019-W46-not-a-week", "X#2019-W47"],
            expect: vec![
                (
                    "W#2019-W45",
                    "1月13日监测到2019年11月4日至2019年11月10日一周未发布原创内容",
                ),
                (
                    "W#2019-W51",
                    "1月13日监测到2019年12月16日至2019年12月22日一周未发布原创内容",
                ),
                (
                    "W#2019-W52",
                    "1月13日监测到2019年12月23日至2019年12月29日一周未发布原创内容",
                ),
                (
                    "W#2020-W01",
                    "1月13日监测到2019年12月30日至1月5日一周未发布原创内容",
                ),
                W02,
            ],
            ..Default::default()
        },
    ];
    for row in rows {
        let mut a = account("苍溪县高坡镇", Platform::Weibo, None);
        a.source.kind = row.source;
        a.opened_on = row.opened_on;
        a.status = row.status;
        let state = AccountState {
            account: &a,
            key: "W".into(),
            post_originals: row.posts.clone(),
            watched_since: row.watched_since,
            check: row.check.clone(),
        };
        let t = Thresholds {
            account_weekly_minimum: row.flag,
            ..Thresholds::default()
        };
        let ctx = Context {
            today: row.today,
            thresholds: &t,
        };
        let open: HashSet<(Kind, String)> = row
            .open
            .iter()
            .map(|s| (Kind::AccountWeeklyMinimum, s.to_string()))
            .collect();
        let found = judge_weekly_minimum(&ctx, &[state], &open);
        let got: Vec<(String, String)> = found
            .iter()
            .map(|f| {
                assert_eq!(f.kind, Kind::AccountWeeklyMinimum);
                (f.subject_key.clone(), f.sentence(ctx.today))
            })
            .collect();
        let expect: Vec<(String, String)> = row
            .expect
            .iter()
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, expect, "{}", row.why);
        for f in &found {
            assert_eq!(f.evidence.to_json()["originals"], 0, "{}", row.why);
            assert_eq!(account_key_of(&f.subject_key), "W");
        }
    }
}

#[test]
fn stored_checks_say_read_failed_or_unknown() {
    let ok = SourceOutcome::Ok;
    let code = |c: &str| c.parse::<SourceOutcome>().unwrap();
    let failed = |n: u32, detail: &str| {
        Some(SourceCheck::Failed {
            consecutive: n,
            detail: detail.into(),
        })
    };
    // Newest first.
    assert_eq!(
        SourceCheck::of(&[(ok, None)], false),
        Some(SourceCheck::Read)
    );
    assert_eq!(SourceCheck::of(&[], true), Some(SourceCheck::Read));
    assert_eq!(SourceCheck::of(&[], false), None);
    assert_eq!(
        SourceCheck::of(
            &[(code("expired_credentials"), Some("登录失效")), (ok, None)],
            false
        ),
        None,
        "the operator's problem says nothing about the account"
    );
    assert_eq!(
        SourceCheck::of(
            &[
                (code("http"), Some("HTTP 500")),
                (code("rate_limited"), None),
                (code("dns"), None),
                (ok, None),
                (code("http"), None),
            ],
            false
        ),
        failed(2, "HTTP 500"),
        "throttled checks are not counted"
    );
    assert_eq!(
        SourceCheck::of(&[(code("malformed"), None)], false),
        failed(1, "malformed"),
        "without a detail, the outcome"
    );
}
