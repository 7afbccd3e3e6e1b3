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
        .map(|f| (f.kind, f.subject_key, f.sentence))
        .collect()
}

fn state<'a>(a: &'a Account, key: &str, posts: &[NaiveDate]) -> AccountState<'a> {
    AccountState {
        account: a,
        key: key.into(),
        post_days: posts.to_vec(),
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
            "1月9日监测到超过两周未更新内容,最新更新时间为2019年12月25日".to_string()
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
            "1月6日监测到为“僵尸”账号,最新更新时间为2019年2月28日".to_string()
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
    assert_eq!(found[0].2, "1月6日监测到为“僵尸”账号,开设以来未更新内容");
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
        "已注销仍运行,注销时间为1月1日,最新更新时间为2月3日"
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
        assert_eq!(f.sentence, "5月6日监测到未经报备私自开设");
    }
    let twice = found
        .iter()
        .find(|f| f.subject_key == "unregistered:wechat:高崖印象")
        .unwrap();
    assert_eq!(twice.evidence["seen_in"].as_array().unwrap().len(), 2);
    assert_eq!(twice.evidence["account"], "高崖印象");
    assert_eq!(twice.evidence["level"], "乡镇");
}
