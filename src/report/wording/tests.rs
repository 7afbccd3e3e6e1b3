use super::*;
use crate::observe::evidence::*;
use crate::observe::kind::Kind;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

#[test]
fn sentences_match_the_seeds_to_the_character() {
    assert_eq!(
        account_silent(d(2020, 1, 9), d(2019, 12, 25), None),
        "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日"
    );
    assert_eq!(
        account_silent(d(2020, 3, 6), d(2020, 2, 20), Some(2020)),
        "3月6日监测到超过两周未更新内容，最新更新时间为2月20日"
    );
    assert_eq!(
        account_zombie(d(2020, 1, 6), Some(d(2019, 2, 28)), None),
        "1月6日监测到为“僵尸”账号，最新更新时间为2019年2月28日"
    );
    assert_eq!(ACCOUNT_DUPLICATE, "同一平台开设多个政务新媒体账号");
    assert_eq!(
        column_zero_publish(&["县公安局", "县人行"], "工作动态"),
        "县公安局、县人行工作动态栏目更新为0"
    );
    assert_eq!(
        unit_zero_publish(&["审计局", "林业局", "乡村振兴局"]),
        "审计局、林业局、乡村振兴局新闻信息发布为0"
    );
    assert_eq!(
        column_unreachable(&["范家寨镇"], "工作动态"),
        "范家寨镇工作动态栏目链接无法正常访问"
    );
}

#[test]
fn a_detection_in_an_earlier_year_than_the_list_carries_its_year() {
    assert_eq!(
        account_silent(d(2019, 12, 30), d(2019, 12, 14), Some(2020)),
        "2019年12月30日监测到超过两周未更新内容，最新更新时间为12月14日"
    );
}

fn column() -> ColumnBase {
    ColumnBase {
        site: "苍溪县人民政府".into(),
        column: "工作动态".into(),
        url: "http://127.0.0.1:9/gzdt/".into(),
        units: vec!["县公安局".into(), "县人行".into()],
        last_update: Some(d(2019, 12, 25)),
    }
}

fn account() -> AccountBase {
    AccountBase {
        platform: "wechat".into(),
        account: "审计之窗".into(),
        unit: "审计局".into(),
        detected_on: d(2020, 1, 10),
        last_post: Some(d(2019, 12, 25)),
    }
}

/// One evidence of each kind, with the subject it is about and its sentence for an
/// episode opened on 2020-01-09. A new kind does not compile until it is written here.
fn example(kind: Kind) -> (Evidence, &'static str, &'static str) {
    match kind {
        Kind::SiteUnreachable => (
            Evidence::SiteUnreachable(SiteUnreachable {
                url: "http://127.0.0.1:9/".into(),
                window_days: 7,
                probes: 8,
                failed: 3,
                fail_share: 0.375,
            }),
            "苍溪县人民政府",
            "苍溪县人民政府网站无法正常访问，近7天监测8次，失败3次，失败率37.5%",
        ),
        Kind::SiteBlocked => (
            Evidence::SiteBlocked(SiteBlocked {
                url: "http://127.0.0.1:9/".into(),
                host: Some("127.0.0.1".into()),
                blocked_probes: 4,
            }),
            "苍溪县人民政府",
            "苍溪县人民政府网站拦截监测访问（反爬虫验证），需网站管理单位放行",
        ),
        Kind::SiteHomeStale => (
            Evidence::SiteHomeStale(SiteHomeStale {
                url: "http://127.0.0.1:9/".into(),
                last_update: d(2019, 12, 20),
                days_since: 20,
            }),
            "苍溪县人民政府",
            "苍溪县人民政府首页超过两周未更新，最新更新时间为2019年12月20日",
        ),
        Kind::ColumnUnreachable => (
            Evidence::ColumnUnreachable(ColumnUnreachable {
                column: column(),
                failure: "http".into(),
                status: Some(404),
                consecutive_failures: 2,
            }),
            "id:gzdt",
            "县公安局、县人行工作动态栏目链接无法正常访问",
        ),
        Kind::ColumnEmpty => (
            Evidence::ColumnEmpty(ColumnEmpty { column: column() }),
            "id:gzdt",
            "县公安局、县人行工作动态栏目为空白栏目",
        ),
        Kind::ColumnStale => (
            Evidence::ColumnStale(ColumnStale {
                column: column(),
                class: "news".into(),
                days_since: 15,
                limit_days: Some(14),
                limit_months: None,
            }),
            "id:gzdt",
            "县公安局、县人行工作动态栏目超过两周未更新，最新更新时间为2019年12月25日",
        ),
        Kind::ColumnZeroPublish => (
            Evidence::ColumnZeroPublish(ColumnPeriod {
                column: column(),
                period: "2019Q4".into(),
                quota: None,
                published: 0,
            }),
            "id:gzdt#2019Q4",
            "县公安局、县人行工作动态栏目更新为0",
        ),
        Kind::ColumnQuotaShortfall => (
            Evidence::ColumnQuotaShortfall(ColumnQuotaShortfall {
                column: column(),
                period: "2019Q4".into(),
                quota: 3,
                published: 2,
            }),
            "id:gzdt#2019Q4",
            "县公安局、县人行工作动态栏目应更新3条，实际更新2条",
        ),
        Kind::UnitZeroPublish => (
            Evidence::UnitZeroPublish(UnitZeroPublish {
                period: "2019Q4".into(),
                unit: "审计局".into(),
                columns: vec!["工作动态".into()],
            }),
            "审计局#2019Q4",
            "审计局新闻信息发布为0",
        ),
        Kind::LinkBroken => (
            Evidence::LinkBroken(LinkBroken {
                url: "http://127.0.0.1:9/a|b".into(),
                outcome: "http".into(),
                status: Some(404),
                detail: None,
                on_home_page: true,
                pages: vec![LinkPage {
                    page: "http://127.0.0.1:9/".into(),
                    anchor: " 政策文件 ".into(),
                    place: "首页".into(),
                }],
            }),
            "苍溪县人民政府|http://127.0.0.1:9/a|b",
            "苍溪县人民政府首页存在死链：政策文件 http://127.0.0.1:9/a|b",
        ),
        Kind::AccountSilent => (
            Evidence::AccountSilent(AccountSilent {
                account: account(),
                days_silent: Some(15),
                opened_on: None,
            }),
            "id:sjzc",
            "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日",
        ),
        Kind::AccountZombie => (
            Evidence::AccountZombie(AccountZombie {
                account: account(),
                opened_on: None,
            }),
            "id:sjzc",
            "1月9日监测到为“僵尸”账号，最新更新时间为2019年12月25日",
        ),
        Kind::AccountDuplicate => (
            Evidence::AccountDuplicate(AccountDuplicate {
                platform: "wechat".into(),
                operator: "审计局".into(),
                accounts: vec!["审计之窗".into(), "审计在线".into()],
                detected_on: d(2020, 1, 9),
            }),
            "id:sjzc",
            "同一平台开设多个政务新媒体账号",
        ),
        Kind::AccountWeeklyMinimum => (
            Evidence::AccountWeeklyMinimum(AccountWeeklyMinimum {
                account: account(),
                period: "2019-W53".into(),
                week_start: d(2019, 12, 30),
                week_end: d(2020, 1, 5),
                posts: 2,
                originals: 0,
                reposts: 2,
                last_original: None,
            }),
            "id:sjzc#2019-W53",
            "1月9日监测到2019年12月30日至1月5日一周未发布原创内容",
        ),
        Kind::AccountUnregistered => (
            Evidence::AccountUnregistered(AccountUnregistered {
                platform: "wechat".into(),
                account: "高崖印象".into(),
                unit: None,
                operator: Some("高崖镇".into()),
                level: None,
                seen_in: vec!["listing-2020q1 row 7".into()],
                detected_on: d(2020, 1, 9),
            }),
            "unregistered:wechat:高崖印象",
            "1月9日监测到未经报备私自开设",
        ),
        Kind::AccountClosedActive => (
            Evidence::AccountClosedActive(AccountClosedActive {
                account: account(),
                closed_on: Some(d(2019, 6, 30)),
            }),
            "id:sjzc",
            "已注销仍运行，注销时间为6月30日，最新更新时间为12月25日",
        ),
        Kind::AccountUnreachable => (
            Evidence::AccountUnreachable(AccountUnreachable {
                account: account(),
                consecutive_failures: 2,
                detail: "http 404".into(),
            }),
            "id:sjzc",
            "1月9日监测到账号无法访问",
        ),
        Kind::MessageOverdue => (
            Evidence::MessageOverdue(MessageOverdue {
                message: message(),
                deadline_on: d(2020, 9, 8),
                reply_days: Some(5),
            }),
            "msg:http://127.0.0.1:9/hdjl/|http://127.0.0.1:9/hdjl/1.html",
            "县自然资源局区长信箱9月1日来信《关于宅基地审批的咨询》超过5个工作日未办结",
        ),
        Kind::InteractionUnanswered => (
            Evidence::InteractionUnanswered(InteractionUnanswered {
                message: message(),
                days_unanswered: 91,
                limit_days: 90,
            }),
            "msg:http://127.0.0.1:9/hdjl/|http://127.0.0.1:9/hdjl/1.html",
            "县自然资源局区长信箱9月1日来信《关于宅基地审批的咨询》超过3个月未回复",
        ),
        Kind::MailboxUnreachable => (
            Evidence::MailboxUnreachable(MailboxUnreachable {
                site: "渭滨区人民政府".into(),
                mailbox: "区长信箱".into(),
                url: "http://127.0.0.1:9/hdjl/".into(),
                units: vec!["政府办".into()],
                failure: "http".into(),
                status: Some(500),
                consecutive_failures: 2,
            }),
            "http://127.0.0.1:9/hdjl/",
            "政府办区长信箱无法正常访问",
        ),
        Kind::ContentError => (
            Evidence::ContentError(ContentError {
                page: page(),
                hits: vec![ContentHit {
                    text: "中华人民共合国".into(),
                    wrong: "中华人民共合国".into(),
                    right: Some("中华人民共和国".into()),
                    category: "国名".into(),
                    position: 12,
                    context: "热烈庆祝中华人民共合国成立".into(),
                }],
            }),
            "苍溪县人民政府|http://127.0.0.1:9/czj/1.html",
            "县财政局网站《关于开展财政资金检查的通知》存在错误表述“中华人民共合国”，应为“中华人民共和国”",
        ),
        Kind::PrivacyLeak => (
            Evidence::PrivacyLeak(PrivacyLeak {
                page: PageBase {
                    unit: Some("县卫健局".into()),
                    title: Some("城乡居民救助名单公示".into()),
                    attachment: Some("名单.xlsx".into()),
                    ..page()
                },
                id_numbers: 12,
                mobiles: 3,
                bank_cards: 0,
                hits: vec![LeakHit {
                    data: "id_number".into(),
                    masked: "110105********1234".into(),
                    position: 30,
                    context: "张三 110105********1234".into(),
                }],
            }),
            "苍溪县人民政府|http://127.0.0.1:9/czj/1.html",
            "县卫健局网站《城乡居民救助名单公示》附件《名单.xlsx》泄露个人信息（身份证号12处、手机号3处）",
        ),
        Kind::LinkHidden => (
            Evidence::LinkHidden(LinkHidden {
                page: PageBase {
                    title: None,
                    place: "首页".into(),
                    page: "http://127.0.0.1:9/".into(),
                    ..page()
                },
                links: vec![
                    HiddenLink {
                        url: "http://bet.example/".into(),
                        text: "娱乐城".into(),
                        how: "display:none".into(),
                    },
                    HiddenLink {
                        url: "http://bet.example/vip".into(),
                        text: "注册".into(),
                        how: "字号为0".into(),
                    },
                    HiddenLink {
                        url: "http://casino.example/".into(),
                        text: "真人".into(),
                        how: "定位至屏幕外".into(),
                    },
                ],
            }),
            "苍溪县人民政府|http://127.0.0.1:9/",
            "县财政局网站首页存在暗链：bet.example、casino.example（3处）",
        ),
        Kind::LinkSuspicious => (
            Evidence::LinkSuspicious(LinkSuspicious {
                page: PageBase {
                    title: None,
                    place: "首页".into(),
                    page: "http://127.0.0.1:9/".into(),
                    ..page()
                },
                url: "http://old-partner.example/".into(),
                anchor: "某某网".into(),
                category: "赌博".into(),
                words: vec!["网上赌场".into()],
            }),
            "苍溪县人民政府|http://127.0.0.1:9/|http://old-partner.example/",
            "县财政局网站首页外链“某某网”指向的页面含赌博类内容",
        ),
    }
}

fn page() -> PageBase {
    PageBase {
        site: "苍溪县人民政府".into(),
        unit: Some("县财政局".into()),
        page: "http://127.0.0.1:9/czj/1.html".into(),
        title: Some("关于开展财政资金检查的通知".into()),
        place: "通知公告栏目文章页面".into(),
        published_on: Some(d(2020, 1, 2)),
        detected_on: d(2020, 1, 9),
        attachment: None,
    }
}

fn message() -> MessageBase {
    MessageBase {
        channel: "区长信箱".into(),
        site: Some("渭滨区人民政府".into()),
        number: "http://127.0.0.1:9/hdjl/1.html".into(),
        title: Some("关于宅基地审批的咨询".into()),
        url: Some("http://127.0.0.1:9/hdjl/1.html".into()),
        unit: Some("县自然资源局".into()),
        received_on: d(2020, 9, 1),
        received_known: true,
    }
}

#[test]
fn every_kind_has_a_name_a_sentence_and_evidence_that_round_trips() {
    for &kind in Kind::ALL {
        let (evidence, subject, sentence) = example(kind);
        assert_eq!(evidence.kind(), kind);
        assert!(!kind.name_zh().is_empty(), "{kind}");
        assert_eq!(
            render(&evidence, subject, d(2020, 1, 9), None).as_deref(),
            Some(sentence),
            "{kind}"
        );
        // Stored as the evidence object alone, read back by the row's kind.
        let stored = evidence.to_json().to_string();
        assert!(
            stored.starts_with('{') && !stored.contains("\"kind\""),
            "{stored}"
        );
        let back = serde_json::from_str(&stored).unwrap();
        assert_eq!(Evidence::from_json(kind, back).unwrap(), evidence, "{kind}");
    }
}

#[test]
fn evidence_is_stored_as_detect_wrote_it_before_it_was_typed() {
    // Keys in alphabetical order, absent dates as null, as `json!` wrote them.
    let (evidence, _, _) = example(Kind::ColumnZeroPublish);
    assert_eq!(
        evidence.to_json().to_string(),
        r#"{"column":"工作动态","last_update":"2019-12-25","period":"2019Q4","published":0,"quota":null,"site":"苍溪县人民政府","units":["县公安局","县人行"],"url":"http://127.0.0.1:9/gzdt/"}"#
    );
    let (evidence, _, _) = example(Kind::LinkBroken);
    assert_eq!(
        evidence.to_json().to_string(),
        r#"{"detail":null,"on_home_page":true,"outcome":"http","pages":[{"anchor":" 政策文件 ","page":"http://127.0.0.1:9/","where":"首页"}],"status":404,"url":"http://127.0.0.1:9/a|b"}"#
    );
    let (evidence, _, _) = example(Kind::AccountSilent);
    assert_eq!(
        evidence.to_json().to_string(),
        r#"{"account":"审计之窗","days_silent":15,"detected_on":"2020-01-10","last_post":"2019-12-25","platform":"wechat","unit":"审计局"}"#
    );
}

#[test]
fn evidence_an_older_version_wrote_differently_falls_back_to_the_stored_sentence() {
    let partial = serde_json::json!({"platform": "wechat", "account": "审计之窗"});
    assert!(Evidence::from_json(Kind::AccountSilent, partial).is_err());
    // A column_stale row from before its limit was kept: no sentence from evidence.
    let (Evidence::ColumnStale(mut e), subject, _) = example(Kind::ColumnStale) else {
        unreachable!()
    };
    e.limit_days = None;
    assert_eq!(
        render(&Evidence::ColumnStale(e), subject, d(2020, 1, 9), None),
        None
    );
}
