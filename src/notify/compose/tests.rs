use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use serde_json::json;

use super::*;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

/// 07:30 in Shanghai on 2020-m-day.
fn at(m: u32, day: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(2020, m, day, 7, 30, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn record(
    id: i64,
    kind: Kind,
    unit: &str,
    opened: NaiveDate,
    resolved: Option<NaiveDate>,
    sentence: &str,
    evidence: serde_json::Value,
) -> FindingRecord {
    FindingRecord::from_stored(
        id,
        kind,
        format!("subject-{id}"),
        Some(unit.into()),
        (at(opened.month(), opened.day()), opened),
        resolved.map_or(at(1, 9), |r| at(r.month(), r.day() - 1)),
        (resolved.map(|r| at(r.month(), r.day())), resolved),
        sentence.into(),
        &evidence.to_string(),
    )
}

/// The seed's 高坡镇 silence, a zero-publish column of two units, a zombie already
/// known before the window, and a resolved quota shortfall.
fn episodes() -> Vec<FindingRecord> {
    vec![
        record(
            1,
            Kind::AccountZombie,
            "运山镇",
            d(1, 2),
            None,
            "1月2日监测到为“僵尸”账号，最新更新时间为2019年2月28日",
            json!({"platform": "wechat", "account": "醉美运山"}),
        ),
        record(
            2,
            Kind::AccountSilent,
            "高坡镇",
            d(1, 9),
            None,
            "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日",
            json!({"platform": "weibo", "account": "苍溪县高坡镇"}),
        ),
        record(
            3,
            Kind::ColumnZeroPublish,
            "县公安局、县人行",
            d(1, 6),
            None,
            "县公安局、县人行工作动态栏目更新为0",
            json!({"site": "某县人民政府", "column": "工作动态", "url": "http://127.0.0.1:9/gzdt/"}),
        ),
        record(
            4,
            Kind::ColumnQuotaShortfall,
            "审计局",
            d(1, 2),
            Some(d(1, 8)),
            "审计局单位文件栏目应更新3条，实际更新2条",
            json!({"site": "某县人民政府", "column": "单位文件", "url": "http://127.0.0.1:9/dwwj/"}),
        ),
        // Resolved before the window: in no list.
        record(
            5,
            Kind::AccountSilent,
            "审计局",
            d(1, 1),
            Some(d(1, 2)),
            "1月1日监测到超过两周未更新内容，最新更新时间为2019年12月16日",
            json!({"platform": "weibo", "account": "审计之窗"}),
        ),
    ]
}

fn recipients() -> Recipients {
    let unit = |name: &str, contacts: &[&str]| UnitContacts {
        unit: name.into(),
        contacts: contacts.iter().map(|c| c.to_string()).collect(),
    };
    Recipients {
        office: vec!["gkb@example.gov.cn".into()],
        units: vec![
            unit("县公安局", &["ga@example.gov.cn"]),
            unit("县人行", &["rh@example.gov.cn"]),
            unit("审计局", &["sj@example.gov.cn", "gkb@example.gov.cn"]),
            unit("运山镇", &["town@example.gov.cn"]),
            unit("高坡镇", &["town@example.gov.cn"]),
            unit("文旅局", &["wl@example.gov.cn"]),
        ],
        unit_order: ["县公安局", "县人行", "审计局", "运山镇", "高坡镇", "文旅局"]
            .map(String::from)
            .to_vec(),
        account_pages: BTreeMap::from([(
            "subject-2".to_string(),
            "https://weibo.com/u/gaopo".to_string(),
        )]),
    }
}

fn ids(list: &[FindingRecord]) -> Vec<i64> {
    list.iter().map(|f| f.id).collect()
}

#[test]
fn the_week_sorts_episodes_into_open_new_and_rectified() {
    let week = Week::from_episodes(d(1, 9), &episodes());
    assert_eq!(week.period.to_string(), "2020-W02");
    assert_eq!(week.since, d(1, 3));
    assert_eq!(ids(&week.open), [1, 3, 2]);
    assert_eq!(ids(&week.opened), [3, 2]);
    assert_eq!(ids(&week.resolved), [4]);
    assert_eq!(week.label(), "2020年第2周");
}

#[test]
fn a_replayed_day_does_not_see_later_resolutions() {
    let week = Week::from_episodes(d(1, 7), &episodes());
    assert_eq!(ids(&week.open), [1, 4, 3], "4 was resolved only on 1月8日");
    assert_eq!(
        ids(&week.resolved),
        [5],
        "resolved on 1月2日, inside 1月1日 to 1月7日"
    );
}

#[test]
fn the_office_gets_everything_grouped_by_unit() {
    let week = Week::from_episodes(d(1, 9), &episodes());
    let messages = compose(&week, "某县政务公开办", Shanghai, &recipients()).unwrap();
    let office = &messages[0];
    assert_eq!(office.audience, Audience::Office);
    assert_eq!(office.to, ["gkb@example.gov.cn"]);
    assert_eq!(office.subject, "政务公开监测问题清单（1月3日至1月9日）");
    let text = &office.text;
    assert!(
        text.starts_with(
            "某县政务公开办：\n\n现将2020年第2周政府网站和政务新媒体监测情况报告如下。"
        ),
        "{text}"
    );
    assert!(
        text.contains("截至1月9日，监测发现未整改问题3个，涉及3个单位。近一周（1月3日至1月9日）新发现问题2个，已整改问题1个。"),
        "{text}"
    );
    assert!(
        text.contains("一、近一周（1月3日至1月9日）新发现问题（2个）"),
        "{text}"
    );
    assert!(
        text.contains("二、近一周（1月3日至1月9日）已整改问题（1个）"),
        "{text}"
    );
    // New problems once in full; older open ones compact, one line, with days open.
    assert!(
        text.contains("三、此前发现仍未整改问题（1个，按责任单位列示）"),
        "{text}"
    );
    assert!(!text.contains("全部未整改问题"), "{text}");
    // Units in catalog order; an account is named, a column sentence names itself.
    let new = &text[text.find("一、").unwrap()..text.find("二、").unwrap()];
    let police = new.find("（一）县公安局、县人行（1个）").expect(new);
    let gaopo = new.find("（二）高坡镇（1个）").expect(new);
    assert!(police < gaopo);
    assert!(new.contains(
        "1. 【超过两周未更新】苍溪县高坡镇（政务微博）：1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日（整改期限1月16日）"
    ), "{new}");
    assert!(
        new.contains("账号主页：https://weibo.com/u/gaopo"),
        "an account item links to its public page: {new}"
    );
    assert!(
        new.contains("1. 【栏目零发布】县公安局、县人行工作动态栏目更新为0（整改期限1月13日）"),
        "{new}"
    );
    assert!(new.contains("证据链接：http://127.0.0.1:9/gzdt/"));
    let open = &text[text.find("三、").unwrap()..];
    assert!(
        open.contains("（一）运山镇（1个）\n  1. 【僵尸账号】醉美运山（政务微信）：1月2日监测到为“僵尸”账号，最新更新时间为2019年2月28日（1月2日发现，已7天，整改期限1月9日）\n"),
        "{open}"
    );
    assert!(
        text.contains("审计局单位文件栏目应更新3条，实际更新2条（1月2日发现，1月8日已整改）"),
        "{text}"
    );
    assert!(!text.contains("审计之窗"), "resolved before the window");
    assert!(
        text.contains("附件：1.问题清单-2020年第2周.xlsx  2.问题清单-2020年第2周.csv"),
        "{text}"
    );
    assert!(text.contains("政务公开监测系统\n2020年1月9日\n"), "{text}");

    let html = &office.html;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("按责任单位汇总"));
    assert!(html.contains("（一）县公安局、县人行（1个）"));
    assert!(html.contains(
        "苍溪县高坡镇（政务微博）：1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日"
    ));
    assert!(html.contains("href=\"http://127.0.0.1:9/gzdt/\""));

    let names: Vec<&str> = office
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    assert_eq!(
        names,
        ["问题清单-2020年第2周.xlsx", "问题清单-2020年第2周.csv"]
    );
    let csv = String::from_utf8(office.attachments[1].bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "序号,责任单位,问题类型,监测对象,问题描述,发现日期,最近确认,是否整改,整改日期,证据链接"
    );
    assert_eq!(lines.len(), 5, "three open and one rectified: {csv}");
    assert_eq!(
        lines[2],
        "2,审计局,栏目更新未达标,某县人民政府单位文件栏目,审计局单位文件栏目应更新3条，实际更新2条,2020-01-02,2020-01-07,是,2020-01-08,http://127.0.0.1:9/dwwj/"
    );
}

#[test]
fn each_unit_with_contacts_gets_its_own_part_once() {
    let week = Week::from_episodes(d(1, 9), &episodes());
    let messages = compose(&week, "某县政务公开办", Shanghai, &recipients()).unwrap();
    let audiences: Vec<(&Audience, &[String])> = messages
        .iter()
        .map(|m| (&m.audience, m.to.as_slice()))
        .collect();
    let units = |names: &[&str]| Audience::Units(names.iter().map(|s| s.to_string()).collect());
    assert_eq!(
        audiences,
        [
            (&Audience::Office, &["gkb@example.gov.cn".to_string()][..]),
            (
                &units(&["县公安局"]),
                &["ga@example.gov.cn".to_string()][..]
            ),
            (&units(&["县人行"]), &["rh@example.gov.cn".to_string()][..]),
            (&units(&["审计局"]), &["sj@example.gov.cn".to_string()][..]),
            (
                &units(&["运山镇", "高坡镇"]),
                &["town@example.gov.cn".to_string()][..]
            ),
        ],
        "文旅局 has nothing to hear; the office's own address is not sent 审计局's part"
    );
    let police = &messages[1];
    assert_eq!(
        police.subject,
        "县公安局政务公开监测问题清单（1月3日至1月9日）"
    );
    assert!(police.text.starts_with("县公安局：\n\n现将2020年第2周政府网站和政务新媒体监测发现的贵单位问题通报如下，请及时整改。"));
    assert!(police.text.contains("县公安局、县人行工作动态栏目更新为0"));
    assert!(!police.text.contains("高坡镇"), "{}", police.text);
    assert!(police.text.contains("如有疑问，请与某县政务公开办联系。"));

    let audit = &messages[3];
    assert!(
        audit
            .text
            .contains("截至1月9日，贵单位已无未整改问题；近一周（1月3日至1月9日）已整改问题1个。"),
        "{}",
        audit.text
    );
    assert!(!audit.text.contains("请对照问题清单"));

    let towns = &messages[4];
    assert!(towns.subject.contains("运山镇、高坡镇政务公开监测问题清单"));
    assert!(towns.text.contains("醉美运山（政务微信）"));
    assert!(towns.text.contains("苍溪县高坡镇（政务微博）"));
    assert_eq!(
        towns.attachments[0].filename,
        "问题清单-运山镇、高坡镇-2020年第2周.xlsx"
    );
}

#[test]
fn a_quiet_week_still_tells_the_office() {
    let week = Week::from_episodes(d(1, 9), &[]);
    let messages = compose(&week, "某县政务公开办", Shanghai, &recipients()).unwrap();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert!(
        m.text.contains(
            "截至1月9日，未发现未整改问题。近一周（1月3日至1月9日）新发现问题0个，已整改问题0个。"
        ),
        "{}",
        m.text
    );
    assert!(m.attachments.is_empty());
    assert!(!m.text.contains("附件"));
}

#[test]
fn a_week_across_new_year_names_the_other_year() {
    // 2019-12-30 is in ISO week 2020-W01.
    let day = NaiveDate::from_ymd_opt(2019, 12, 30).unwrap();
    let week = Week::from_episodes(day, &[]);
    let m = compose(&week, "办", Shanghai, &recipients())
        .unwrap()
        .remove(0);
    assert_eq!(m.subject, "政务公开监测问题清单（12月24日至12月30日）");
    assert!(m.text.contains("2020年第1周"), "{}", m.text);
}

#[test]
fn chinese_numbers_for_sections() {
    let got: Vec<String> = [1, 9, 10, 11, 20, 23, 99, 100].map(zh_number).to_vec();
    assert_eq!(
        got,
        ["一", "九", "十", "十一", "二十", "二十三", "九十九", "100"]
    );
}

#[test]
fn single_veto_items_lead_and_every_open_item_has_its_deadline() {
    let mut list = episodes();
    list.push(record(
        6,
        Kind::SiteHomeStale,
        "运山镇",
        d(1, 9),
        None,
        "某县人民政府首页超过两周未更新，最新更新时间为2019年12月20日",
        json!({"url": "http://127.0.0.1:9/", "last_update": "2019-12-20", "days_since": 20}),
    ));
    // Spring Festival 2020: Jan 24-30 off, Sunday Jan 19 worked.
    let holidays: Vec<NaiveDate> = (24..=30).map(|day| d(1, day)).collect();
    let week = Week::from_episodes(d(1, 21), &list).with_rectify(Rectify {
        days: 5,
        holidays,
        workdays: vec![d(1, 19)],
    });
    let office = compose(&week, "某县政务公开办", Shanghai, &recipients())
        .unwrap()
        .remove(0);
    let text = &office.text;
    let open = &text[text.find("此前发现仍未整改问题").unwrap()..];
    let town = &open[open.find("运山镇（2个）").expect(open)..];
    // The single-veto item first in its unit, flagged; then the zombie.
    let veto = town.find("1. 【单项否决】【首页不更新】").expect(town);
    let zombie = town.find("2. 【僵尸账号】").expect(town);
    assert!(veto < zombie);
    // Found Thursday 1月2日: five working days is 1月9日, overdue on 1月21日.
    assert!(
        town.contains("（1月2日发现，已19天，整改期限1月9日，已逾期12天）"),
        "{town}"
    );
    // Found Thursday 1月9日: 10, 13, 14, 15, 16 → 1月16日, overdue by 5 days.
    assert!(town.contains("整改期限1月16日，已逾期5天"), "{town}");
    assert!(
        office.html.contains("1. 【单项否决】【首页不更新】"),
        "{}",
        office.html
    );
}

#[test]
fn a_site_with_enough_blank_or_stale_columns_is_one_single_veto_line() {
    let column = |id: i64, kind: Kind, name: &str, class: &str| {
        let evidence = match kind {
            Kind::ColumnEmpty => json!({"site": "某县人民政府", "column": name,
                "url": format!("http://127.0.0.1:9/{id}/"), "units": ["县政府办"], "last_update": null}),
            _ => json!({"site": "某县人民政府", "column": name,
                "url": format!("http://127.0.0.1:9/{id}/"), "units": ["县政府办"],
                "last_update": "2019-12-01", "class": class, "days_since": 39, "limit_days": 14}),
        };
        record(id, kind, "县政府办", d(1, 6), None, "", evidence)
    };
    let mut list: Vec<FindingRecord> = (1..=2)
        .map(|i| column(i, Kind::ColumnEmpty, &format!("空白{i}"), ""))
        .collect();
    list.extend((10..15).map(|i| column(i, Kind::ColumnStale, &format!("动态{i}"), "news")));
    let week = Week::from_episodes(d(1, 9), &list).with_empty_columns_veto(2);
    assert_eq!(
        week.site_vetoes(),
        [
            "【单项否决】某县人民政府空白栏目2个，达到单项否决标准（2个）",
            "【单项否决】某县人民政府动态、通知公告类栏目超期未更新5个，达到单项否决标准（5个）",
        ]
    );
    let office = compose(&week, "某县政务公开办", Shanghai, &recipients())
        .unwrap()
        .remove(0);
    assert!(
        office.text.contains("【单项否决】某县人民政府空白栏目2个"),
        "{}",
        office.text
    );
    // Four stale columns are not enough.
    let week = Week::from_episodes(d(1, 9), &list[..6]);
    assert!(week.site_vetoes().is_empty(), "{:?}", week.site_vetoes());
}

#[test]
fn one_item_per_column_where_its_rules_overlap() {
    let base = json!({"site": "某县人民政府", "column": "新闻信息",
        "url": "http://127.0.0.1:9/xwxx/", "units": ["审计局"], "last_update": "2019-09-20"});
    let with = |extra: serde_json::Value| {
        let mut e = base.clone();
        e.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        e
    };
    let list = vec![
        record(
            1,
            Kind::ColumnStale,
            "审计局",
            d(1, 6),
            None,
            "",
            with(json!({"class": "news", "days_since": 108, "limit_days": 14})),
        ),
        record(
            2,
            Kind::ColumnZeroPublish,
            "审计局",
            d(1, 6),
            None,
            "",
            with(json!({"period": "2019Q4", "quota": null, "published": 0})),
        ),
        FindingRecord::from_stored(
            3,
            Kind::UnitZeroPublish,
            "审计局#2019Q4".into(),
            Some("审计局".into()),
            (at(1, 6), d(1, 6)),
            at(1, 9),
            (None, None),
            String::new(),
            &json!({"period": "2019Q4", "unit": "审计局", "columns": ["新闻信息"]}).to_string(),
        ),
    ];
    let week = Week::from_episodes(d(1, 9), &list);
    let office = compose(&week, "某县政务公开办", Shanghai, &recipients())
        .unwrap()
        .remove(0);
    let text = &office.text;
    assert!(
        text.contains("（一）审计局（1个）\n  1. 【栏目更新不及时、栏目零发布、单位新闻零发布】审计局新闻信息栏目超过两周未更新，最新更新时间为2019年9月20日；审计局新闻信息栏目更新为0；审计局2019年四季度新闻信息发布为0（整改期限1月13日）\n     证据链接：http://127.0.0.1:9/xwxx/\n"),
        "{text}"
    );
    assert!(!text.contains("  2. "), "{text}");
    // Counts count the items as listed, not the findings merged into them.
    assert!(
        text.contains("监测发现未整改问题1个，涉及1个单位。"),
        "{text}"
    );
    assert!(text.contains("新发现问题（1个）"), "{text}");
    assert!(
        text.contains("  审计局：未整改1个，近一周新发现1个，近一周已整改0个\n"),
        "{text}"
    );
    // The html links the evidence without spelling the address out.
    assert!(
        office.html.contains("<a href=\"http://127.0.0.1:9/xwxx/\" title=\"http://127.0.0.1:9/xwxx/\" style=\"color:#1a5fb4;word-break:break-all\">查看</a>"),
        "{}",
        office.html
    );
}

/// After a weekly email, "new" is what opened after the instant it was recorded: a
/// problem found earlier the same day was in it.
#[test]
fn new_since_the_previous_email_is_counted_by_the_instant() {
    let sent = Shanghai
        .with_ymd_and_hms(2020, 1, 2, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let mut list = Vec::new();
    for (id, hour) in [(1, 8), (2, 10)] {
        let opened = Shanghai
            .with_ymd_and_hms(2020, 1, 2, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        list.push(FindingRecord::from_stored(
            id,
            Kind::SiteUnreachable,
            format!("site{id}"),
            Some("县政府办".into()),
            (opened, d(1, 2)),
            at(1, 9),
            (None, None),
            String::new(),
            &json!({"url": format!("http://127.0.0.1:9/{id}/"), "error": "timeout", "failures": 2})
                .to_string(),
        ));
    }
    let week = Week::from_episodes_after(d(1, 9), sent, d(1, 2), &list);
    assert_eq!(ids(&week.opened), [2]);
    assert_eq!(ids(&week.open), [1, 2]);
    let office = compose(&week, "某县政务公开办", Shanghai, &recipients())
        .unwrap()
        .remove(0);
    let text = &office.text;
    assert!(
        text.contains("上次周报以来（1月2日至1月9日）新发现问题1个"),
        "{text}"
    );
    // The older one is one compact line, in the html too: no table.
    let older = &office.html[office
        .html
        .find("此前发现仍未整改问题")
        .expect(&office.html)..];
    assert!(older.contains("1. 【单项否决】【网站无法访问】"), "{older}");
    assert!(
        !older[..older.find("</p>\n<p").unwrap_or(older.len())].contains("<table"),
        "{older}"
    );
}

/// An account item links the catalog's `url` (its public page) before its source's
/// address; a Weibo uid without either gives the uid's page.
#[test]
fn account_pages_prefer_the_catalogs_url() {
    let text = r#"
[[unit]]
name = "县公安局"
[[account]]
name = "平安示例"
unit = "县公安局"
platform = "wechat"
url = "https://mp.weixin.qq.com/profile?id=pingan"
source = { kind = "feed", url = "https://rss.example.org/pingan.xml" }
[[account]]
name = "示例发布"
unit = "县公安局"
platform = "weibo"
source = { kind = "weibo", uid = "12345" }
[[account]]
name = "示例旧号"
unit = "县公安局"
platform = "douyin"
source = { kind = "feed", url = "https://rss.example.org/old.xml" }
"#;
    let loaded =
        crate::catalog::load_texts(&[(std::path::Path::new("c.toml"), text)]).expect("catalog");
    assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
    let pages = Recipients::new(&[], &loaded.catalog).account_pages;
    let page_of = |name: &str| {
        let a = loaded
            .catalog
            .accounts
            .iter()
            .find(|a| a.name == name)
            .unwrap();
        pages.get(&a.key()).cloned()
    };
    assert_eq!(
        page_of("平安示例").as_deref(),
        Some("https://mp.weixin.qq.com/profile?id=pingan")
    );
    assert_eq!(
        page_of("示例发布").as_deref(),
        Some("https://weibo.com/u/12345")
    );
    assert_eq!(
        page_of("示例旧号").as_deref(),
        Some("https://rss.example.org/old.xml")
    );
}

/// Overdue letters per unit: a letter also unanswered for months is one item, flagged
/// 【单项否决】 and first, worded once; each names its mailbox and links the letter.
#[test]
fn overdue_letters_are_listed_per_unit_and_a_long_unanswered_one_leads() {
    let letter = |id: i64, kind: Kind, unit: &str, n: u32, received: &str| {
        let url = format!("http://127.0.0.1:9/xzxx/{n}.html");
        let mut e = json!({"channel": "县长信箱", "site": "某县人民政府", "number": url,
            "title": format!("关于第{n}件事的咨询"), "url": url, "unit": unit,
            "received_on": received, "received_known": true});
        let extra = match kind {
            Kind::InteractionUnanswered => json!({"days_unanswered": 100, "limit_days": 90}),
            _ => json!({"deadline_on": "2020-01-03", "reply_days": 5}),
        };
        e.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        FindingRecord::from_stored(
            id,
            kind,
            format!("msg:http://127.0.0.1:9/xzxx/|{url}"),
            Some(unit.into()),
            (at(1, 6), d(1, 6)),
            at(1, 9),
            (None, None),
            String::new(),
            &e.to_string(),
        )
    };
    let list = vec![
        letter(1, Kind::MessageOverdue, "审计局", 1, "2019-10-01"),
        letter(2, Kind::MessageOverdue, "审计局", 2, "2019-12-20"),
        letter(3, Kind::InteractionUnanswered, "审计局", 1, "2019-10-01"),
        letter(4, Kind::MessageOverdue, "高坡镇", 3, "2019-12-23"),
    ];
    let week = Week::from_episodes(d(1, 9), &list);
    let office = compose(&week, "某县政务公开办", Shanghai, &recipients())
        .unwrap()
        .remove(0);
    let text = &office.text;
    assert!(
        text.contains("（一）审计局（2个）\n  1. 【单项否决】【互动回应差、留言办理超期】审计局县长信箱2019年10月1日来信《关于第1件事的咨询》超过3个月未回复（整改期限1月13日）\n     证据链接：http://127.0.0.1:9/xzxx/1.html\n  2. 【留言办理超期】审计局县长信箱2019年12月20日来信《关于第2件事的咨询》超过5个工作日未办结"),
        "{text}"
    );
    assert!(
        text.contains("（二）高坡镇（1个）\n  1. 【留言办理超期】高坡镇县长信箱2019年12月23日来信"),
        "{text}"
    );
    assert!(!text.contains("msg:"), "{text}");
    assert!(
        text.contains("  审计局：未整改2个，近一周新发现2个"),
        "{text}"
    );
    // The attachment's 监测对象 names the mailbox, not the key.
    let csv = String::from_utf8(office.attachments[1].bytes.clone()).unwrap();
    assert!(csv.contains("某县人民政府县长信箱"), "{csv}");
    assert!(!csv.contains("msg:"), "{csv}");
}
