//! Every source against the fixtures in tests/fixtures/feeds, replayed on 2020-01-09
//! 12:00 in Shanghai.

use chrono::DateTime;
use chrono_tz::Asia::Shanghai;

use super::*;
use crate::catalog::{AccountStatus, Origin, Platform, Selectors, Source};
use crate::config::SourceSettings;

fn clock() -> Clock {
    Clock::parse("2020-01-09T12:00:00+08:00", Shanghai).unwrap()
}

fn account(kind: SourceKind) -> Account {
    Account {
        id: None,
        name: "渭滨城管".into(),
        unit: "城市管理执法局".into(),
        platform: Platform::Wechat,
        operator: None,
        status: AccountStatus::Active,
        opened_on: None,
        closed_on: None,
        source: Source {
            kind,
            url: None,
            uid: None,
            fakeid: None,
            select: None,
        },
        url: None,
        origin: Origin {
            file: "county.toml".into(),
            line: 1,
        },
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/feeds")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn local(t: DateTime<chrono::Utc>) -> String {
    t.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn days(parsed: &Parsed) -> Vec<String> {
    parsed.posts.iter().map(|p| local(p.published_at)).collect()
}

fn parse(kind: SourceKind, file: &str) -> Result<Parsed, SourceError> {
    source_for(kind).parse(&account(kind), &fixture(file), &clock())
}

#[test]
fn rsshub_rss_reads_gmt_offsets_and_cst_as_china_time() {
    let parsed = parse(SourceKind::Feed, "rsshub.xml").unwrap();
    assert_eq!(
        days(&parsed),
        ["2020-01-07 10:31", "2019-12-25 09:00", "2019-12-20 16:45"]
    );
    let first = &parsed.posts[0];
    assert_eq!(first.title.as_deref(), Some("城区环境卫生整治工作持续推进"));
    assert_eq!(
        first.url.as_deref(),
        Some("https://mp.weixin.qq.com/s/AAAA0001")
    );
    assert_eq!(first.post_key, "https://mp.weixin.qq.com/s/AAAA0001");
    assert!(parsed.skipped.is_empty());
}

#[test]
fn atom_uses_published_else_updated() {
    let parsed = parse(SourceKind::Feed, "atom.xml").unwrap();
    assert_eq!(days(&parsed), ["2020-01-06 17:30", "2019-12-30 17:15"]);
    assert_eq!(
        parsed.posts[1].url.as_deref(),
        Some("https://example.gov.cn/finance/1000.html")
    );
}

#[test]
fn json_feed_with_a_naive_date_is_shanghai_time() {
    let parsed = parse(SourceKind::Feed, "feed.json").unwrap();
    assert_eq!(days(&parsed), ["2020-01-16 10:00", "2019-12-23 15:20"]);
    assert_eq!(parsed.posts[0].post_key, "touzicangxi-88");
}

#[test]
fn we_mp_rss_dates_without_zone_are_read_and_an_unreadable_one_is_reported() {
    let parsed = parse(SourceKind::Feed, "we-mp-rss.xml").unwrap();
    assert_eq!(days(&parsed), ["2019-12-20 10:31", "2019-12-18 09:05"]);
    assert_eq!(parsed.skipped.len(), 1, "{:?}", parsed.skipped);
    assert_eq!(parsed.skipped[0].entry, "运山镇2019年工作回顾");
    assert!(
        parsed.skipped[0].reason.contains("\"None\""),
        "{}",
        parsed.skipped[0].reason
    );
}

#[test]
fn a_broken_feed_and_an_error_page_are_malformed() {
    for file in ["malformed.xml", "bridge-error.html"] {
        let e = parse(SourceKind::Feed, file).unwrap_err();
        assert_eq!(e.class().as_str(), "malformed", "{file}: {e}");
    }
    let e = parse(SourceKind::Feed, "bridge-error.html").unwrap_err();
    assert!(e.to_string().contains("HTML page"), "{e}");
}

#[test]
fn a_feed_whose_entries_all_lack_dates_is_malformed_not_silent() {
    let body = br#"<rss version="2.0"><channel><title>t</title>
        <item><title>a</title><link>https://x.example/a</link><pubDate>unknown</pubDate></item>
        <item><title>b</title><link>https://x.example/b</link></item>
        </channel></rss>"#;
    let e = feed::parse_feed(body, &clock()).unwrap_err();
    assert_eq!(e.class().as_str(), "malformed");
    assert!(e.to_string().contains("2 entries"), "{e}");
}

#[test]
fn weibo_timeline_resolves_relative_times_and_marks_reposts() {
    let parsed = parse(SourceKind::Weibo, "weibo-getindex.json").unwrap();
    assert_eq!(
        days(&parsed),
        [
            "2019-12-25 09:00", // pinned
            "2020-01-09 12:00", // 刚刚
            "2020-01-09 11:55", // 5分钟前
            "2020-01-08 10:31", // 昨天 10:31, inside a card_group
            "2020-01-05 00:00", // 01-05
            "2020-01-07 10:31",
        ]
    );
    let originals: Vec<Option<bool>> = parsed.posts.iter().map(|p| p.original).collect();
    assert_eq!(
        originals,
        [
            Some(true),
            Some(true),
            Some(false),
            Some(true),
            Some(true),
            Some(true)
        ]
    );
    // A numeric id is a key like a textual one; the link is the public post page.
    assert_eq!(parsed.posts[2].post_key, "4458000000000004");
    assert_eq!(
        parsed.posts[2].url.as_deref(),
        Some("https://m.weibo.cn/status/IqMin04")
    );
    // HTML in the text does not reach the title.
    assert_eq!(
        parsed.posts[0].title.as_deref(),
        Some("【公告】#高坡镇#政务微博开通啦！欢迎关注。")
    );
    assert_eq!(parsed.skipped.len(), 1);
    assert!(parsed.skipped[0].reason.contains("很久以前"));
}

#[test]
fn weibo_errors_are_classified() {
    let e = parse(SourceKind::Weibo, "weibo-login.json").unwrap_err();
    assert_eq!(e.class().as_str(), "expired_credentials");
    assert!(e.to_string().contains("GOVWATCH_WEIBO_COOKIE"), "{e}");
    let e = parse(SourceKind::Weibo, "weibo-empty.json").unwrap_err();
    assert_eq!(e.class().as_str(), "not_found");
    assert!(e.to_string().contains("这里还没有内容"), "{e}");
    let e =
        weibo::parse_timeline(r#"{"ok":0,"msg":"请求过于频繁"}"#.as_bytes(), &clock()).unwrap_err();
    assert_eq!(e.class().as_str(), "rate_limited");
    let e = weibo::parse_timeline(b"not json", &clock()).unwrap_err();
    assert_eq!(e.class().as_str(), "malformed");
    assert_eq!(
        WeiboSource.classify_status(418).map(|e| e.class().as_str()),
        Some("rate_limited")
    );
}

#[test]
fn wechat_list_reads_update_times_and_keys() {
    let parsed = parse(SourceKind::WechatMp, "wechat-list_ex.json").unwrap();
    assert_eq!(
        days(&parsed),
        ["2020-01-07 10:31", "2020-01-07 10:31", "2019-12-25 14:00"]
    );
    assert_eq!(parsed.posts[1].post_key, "2650000201_2");
    assert_eq!(
        parsed.posts[0].title.as_deref(),
        Some("渭滨区开展冬季大气污染防治专项检查")
    );
}

#[test]
fn wechat_errors_are_classified_and_expired_tokens_say_how_to_renew() {
    let e = parse(SourceKind::WechatMp, "wechat-expired.json").unwrap_err();
    assert_eq!(e.class().as_str(), "expired_credentials");
    assert!(e.is_operator_problem());
    assert!(e.to_string().contains("200003"), "{e}");
    assert!(e.to_string().contains("GOVWATCH_WECHAT_MP_TOKEN"), "{e}");
    let e = parse(SourceKind::WechatMp, "wechat-freq-control.json").unwrap_err();
    assert_eq!(e.class().as_str(), "rate_limited");
    for (body, class) in [
        (
            &br#"{"base_resp":{"ret":200040,"err_msg":"invalid token"}}"#[..],
            "expired_credentials",
        ),
        (
            br#"{"base_resp":{"ret":200002,"err_msg":"invalid args"}}"#,
            "not_found",
        ),
        (
            br#"{"base_resp":{"ret":-1,"err_msg":"system error"}}"#,
            "rejected",
        ),
        (br#"{"base_resp":{"ret":0}}"#, "malformed"),
        (
            b"<!DOCTYPE html><html><title>login</title></html>",
            "expired_credentials",
        ),
    ] {
        let e = wechat_mp::parse_list(body, &clock()).unwrap_err();
        assert_eq!(
            e.class().as_str(),
            class,
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

fn settings(text: &str) -> SourceSettings {
    let mut w = Vec::new();
    crate::config::Settings::parse(text, std::path::Path::new("govwatch.toml"), &mut w)
        .unwrap()
        .sources
}

#[test]
fn weibo_request_uses_the_configured_base_and_hides_the_cookie() {
    let mut a = account(SourceKind::Weibo);
    a.source.uid = Some("1234567890".into());
    let s = settings(
        "[sources.weibo]\nbase_url = \"http://127.0.0.1:8080/weibo\"\ncookie = \"SUB=secret-cookie\"\n",
    );
    let r = WeiboSource.request(&a, &s).unwrap().unwrap();
    assert_eq!(
        r.url().as_str(),
        "http://127.0.0.1:8080/weibo/api/container/getIndex?type=uid&value=1234567890&containerid=1076031234567890"
    );
    assert!(
        r.headers()
            .any(|(n, v)| n == "Cookie" && v == "SUB=secret-cookie")
    );
    assert!(!format!("{r:?}").contains("secret-cookie"));

    let default = WeiboSource
        .request(&a, &SourceSettings::default())
        .unwrap()
        .unwrap();
    assert!(
        default
            .url()
            .as_str()
            .starts_with("https://m.weibo.cn/api/container/getIndex?")
    );
    assert!(!default.headers().any(|(n, _)| n == "Cookie"));

    a.source.uid = None;
    let e = WeiboSource.request(&a, &s).unwrap_err();
    assert_eq!(e.class().as_str(), "not_configured");
}

#[test]
fn wechat_request_carries_the_token_but_never_shows_it() {
    let mut a = account(SourceKind::WechatMp);
    a.source.fakeid = Some("MzA5MDAwMDAwMA==".into());
    let e = WechatMpSource
        .request(&a, &SourceSettings::default())
        .unwrap_err();
    assert_eq!(e.class().as_str(), "not_configured");

    let s = settings(
        "[sources.wechat_mp]\nbase_url = \"http://127.0.0.1:9000\"\ntoken = \"1234567\"\ncookie = \"slave_sid=abc\"\n",
    );
    let r = WechatMpSource.request(&a, &s).unwrap().unwrap();
    let pairs: Vec<(String, String)> = r.url().query_pairs().into_owned().collect();
    assert!(pairs.contains(&("action".into(), "list_ex".into())));
    assert!(pairs.contains(&("fakeid".into(), "MzA5MDAwMDAwMA==".into())));
    assert!(pairs.contains(&("token".into(), "1234567".into())));
    assert!(
        r.url()
            .as_str()
            .starts_with("http://127.0.0.1:9000/cgi-bin/appmsg?")
    );
    assert!(r.redacted_url().contains("token=***"));
    assert!(!r.redacted_url().contains("1234567"));
    let debug = format!("{r:?}");
    assert!(
        !debug.contains("1234567") && !debug.contains("slave_sid"),
        "{debug}"
    );
}

#[test]
fn politeness_defaults_and_overrides() {
    let d = SourceSettings::default();
    assert_eq!(
        min_interval(SourceKind::Weibo, &d),
        Some(Duration::from_secs(10))
    );
    assert_eq!(
        min_interval(SourceKind::WechatMp, &d),
        Some(Duration::from_secs(30))
    );
    assert_eq!(min_interval(SourceKind::Feed, &d), None);
    assert_eq!(min_interval(SourceKind::Html, &d), None);
    let s = settings("[sources.weibo]\nmin_interval_s = 60\n");
    assert_eq!(
        min_interval(SourceKind::Weibo, &s),
        Some(Duration::from_secs(60))
    );
}

#[test]
fn html_selectors_read_posts_and_report_undated_items() {
    let mut a = account(SourceKind::Html);
    a.source.url = Some("https://www.toutiao.com/c/user/token/abc/".parse().unwrap());
    a.source.select = Some(Selectors {
        item: Some("div.feed-card".into()),
        title: Some("a.title".into()),
        link: None,
        date: Some("span.time".into()),
        next: None,
        ..Selectors::default()
    });
    let parsed = HtmlSource
        .parse(&a, &fixture("toutiao.html"), &clock())
        .unwrap();
    assert_eq!(days(&parsed), ["2020-01-08 16:20", "2020-01-03 00:00"]);
    assert_eq!(
        parsed.posts[0].url.as_deref(),
        Some("https://www.toutiao.com/article/7000000000000000003/")
    );
    assert_eq!(
        parsed.posts[0].title.as_deref(),
        Some("渭滨区召开经济工作会议")
    );
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].entry, "一篇没有时间的文章");

    // Without a date selector, the item's text is searched.
    a.source.select.as_mut().unwrap().date = None;
    let parsed = HtmlSource
        .parse(&a, &fixture("toutiao.html"), &clock())
        .unwrap();
    assert_eq!(parsed.posts.len(), 2);

    // A selector that matches nothing is a changed page, not a silent account.
    a.source.select.as_mut().unwrap().item = Some("li.nothing".into());
    let e = HtmlSource
        .parse(&a, &fixture("toutiao.html"), &clock())
        .unwrap_err();
    assert_eq!(e.class().as_str(), "malformed");
    a.source.select = None;
    let e = HtmlSource
        .parse(&a, &fixture("toutiao.html"), &clock())
        .unwrap_err();
    assert_eq!(e.class().as_str(), "not_configured");
}

#[test]
fn html_in_gbk_is_decoded() {
    let page = "<html><head><meta charset=\"gbk\"></head><body><ul><li><a href=\"/a/1.html\">县财政局工作动态</a><span>2020-01-06</span></li></ul></body></html>";
    let (bytes, _, _) = encoding_rs::GBK.encode(page);
    let text = html::decode(&bytes);
    assert!(text.contains("县财政局工作动态"));
    let parsed = html::parse_page(
        &text,
        Some(&"http://www.example.gov.cn/col/".parse().unwrap()),
        &Selectors {
            item: Some("li".into()),
            ..Default::default()
        },
        &clock(),
    )
    .unwrap();
    assert_eq!(
        parsed.posts[0].url.as_deref(),
        Some("http://www.example.gov.cn/a/1.html")
    );
}

#[test]
fn manual_sources_request_nothing_and_read_their_rows_from_a_sheet() {
    let a = account(SourceKind::Manual);
    assert!(
        ManualSource
            .request(&a, &SourceSettings::default())
            .unwrap()
            .is_none()
    );
    let sheet = "账号名称,平台,发布时间,标题\n渭滨城管,微信订阅号,2020-01-07 10:31,一\n渭滨城管,新浪微博,2020-01-08,别的平台\n渭滨城管,微信,不详,二\n别的号,微信,2020-01-08,三\n";
    let parsed = ManualSource.parse(&a, sheet.as_bytes(), &clock()).unwrap();
    assert_eq!(days(&parsed), ["2020-01-07 10:31"]);
    assert_eq!(parsed.skipped.len(), 1);
    assert_eq!(parsed.skipped[0].entry, "row 4");
}

#[test]
fn every_kind_has_its_source() {
    for kind in [
        SourceKind::Feed,
        SourceKind::Weibo,
        SourceKind::WechatMp,
        SourceKind::Html,
        SourceKind::Manual,
    ] {
        assert_eq!(source_for(kind).kind(), kind);
    }
}
