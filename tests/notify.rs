//! The weekly email end to end: findings in a real database (SQLite and PostgreSQL), a
//! real SMTP server on a loopback port, the messages read back with a MIME parser and
//! their XLSX and CSV attachments opened with calamine and the csv crate.

mod support;

use support::smtp;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Reader, Xlsx, open_workbook_from_rs};
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, start_of_day};
use govwatch::config::{Settings, SmtpSecurity};
use govwatch::detect::Kind;
use govwatch::notify::{Notifier, Outcome};
use govwatch::observe::evidence::{AccountBase, AccountSilent, ColumnBase, ColumnPeriod, Evidence};
use govwatch::report::wording as sentence;
use govwatch::store::{AccountCheck, NewFinding, NotificationStatus, Scope, Store};
use mail_parser::{MessageParser, MimeHeaders};
use smtp::{Received, SmtpSink};

on_both_databases!(
    the_weekly_email_reaches_the_office_and_each_unit_once,
    smtp_down_then_up_delivers_each_message_exactly_once,
    without_smtp_messages_stay_in_the_outbox,
    accounts_the_operator_must_fix_are_in_the_office_digest_only,
);

const CATALOG: &str = r#"
[[unit]]
name = "县公安局"
level = "县级部门"
contacts = ["ga@example.gov.cn"]

[[unit]]
name = "高坡镇"
level = "乡镇"
contacts = ["gaopo@example.gov.cn", "gaopo-zhang@example.gov.cn"]

[[unit]]
name = "审计局"
level = "县级部门"

[[unit]]
name = "文旅局"
contacts = ["wl@example.gov.cn"]

[[site]]
name = "苍溪县人民政府"
url = "http://127.0.0.1:9/"

[[column]]
site = "苍溪县人民政府"
name = "工作动态"
url = "http://127.0.0.1:9/gzdt/"
units = ["县公安局"]
quota = 12

[[account]]
name = "苍溪县高坡镇"
unit = "高坡镇"
platform = "weibo"
source = { kind = "weibo", uid = "42" }

[[account]]
name = "审计之窗"
unit = "审计局"
platform = "wechat"
source = { kind = "manual" }
"#;

const OFFICE: &str = "gkb@example.gov.cn";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn catalog() -> Catalog {
    let loaded = load_texts(&[(Path::new("county.toml"), CATALOG)]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn clock(day: NaiveDate) -> Clock {
    // The Monday-morning schedule: 08:30 in Shanghai.
    let t = Shanghai
        .from_local_datetime(&day.and_hms_opt(8, 30, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    Clock::new(t, Shanghai)
}

fn settings(smtp_port: Option<u16>) -> Settings {
    let mut s = Settings::default();
    s.general.office_name = "苍溪县政务公开办".into();
    s.notify.office = vec![OFFICE.into()];
    if let Some(port) = smtp_port {
        s.smtp.host = Some("127.0.0.1".into());
        s.smtp.port = Some(port);
        s.smtp.security = SmtpSecurity::None;
        s.smtp.from = Some("govwatch@example.gov.cn".into());
    }
    s
}

/// Checks as the seed's office made them: 审计之窗 silent from 1月2日, rectified on
/// 1月8日; 高坡镇's weibo silent on 1月9日 (last post 2019-12-25); 县公安局's 工作动态
/// with nothing published in 2019Q4, found on 1月6日.
async fn checks(store: &Store) {
    let catalog = catalog();
    store
        .sync_catalog(&catalog, start_of_day(d(2020, 1, 1), Shanghai))
        .await
        .unwrap();
    let scope = Scope::kinds([Kind::AccountSilent, Kind::ColumnZeroPublish]);
    let at = |day: NaiveDate| start_of_day(day, Shanghai) + chrono::Duration::hours(7);
    let silent = |platform: &str, account: &str, unit: &str, found: NaiveDate, last: NaiveDate| {
        Evidence::AccountSilent(AccountSilent {
            account: AccountBase {
                platform: platform.into(),
                account: account.into(),
                unit: unit.into(),
                detected_on: found,
                last_post: Some(last),
            },
            days_silent: Some((found - last).num_days()),
            opened_on: None,
        })
    };
    let audit = NewFinding {
        subject_key: "wechat:name:审计之窗".into(),
        unit: Some("审计局".into()),
        sentence: sentence::account_silent(d(2020, 1, 2), d(2019, 12, 16), None),
        evidence: silent(
            "wechat",
            "审计之窗",
            "审计局",
            d(2020, 1, 2),
            d(2019, 12, 16),
        ),
    };
    let police = NewFinding {
        subject_key: "http://127.0.0.1:9/gzdt/#2019Q4".into(),
        unit: Some("县公安局".into()),
        sentence: sentence::column_zero_publish(&["县公安局"], "工作动态"),
        evidence: Evidence::ColumnZeroPublish(ColumnPeriod {
            column: ColumnBase {
                site: "苍溪县人民政府".into(),
                column: "工作动态".into(),
                url: "http://127.0.0.1:9/gzdt/".into(),
                units: vec!["县公安局".into()],
                last_update: None,
            },
            period: "2019Q4".into(),
            quota: None,
            published: 0,
        }),
    };
    let gaopo = NewFinding {
        subject_key: "weibo:uid:42".into(),
        unit: Some("高坡镇".into()),
        sentence: sentence::account_silent(d(2020, 1, 9), d(2019, 12, 25), None),
        evidence: silent(
            "weibo",
            "苍溪县高坡镇",
            "高坡镇",
            d(2020, 1, 9),
            d(2019, 12, 25),
        ),
    };
    for (day, found) in [
        (d(2020, 1, 2), vec![audit.clone()]),
        (d(2020, 1, 6), vec![audit.clone(), police.clone()]),
        (d(2020, 1, 8), vec![police.clone()]),
        (d(2020, 1, 9), vec![police.clone(), gaopo.clone()]),
    ] {
        store
            .reconcile_findings(&scope, &found, at(day), day)
            .await
            .unwrap();
    }
}

struct Mail {
    from: String,
    to: String,
    subject: String,
    text: String,
    html: String,
    attachments: Vec<(String, Vec<u8>)>,
}

fn read(r: &Received) -> Mail {
    assert_eq!(r.rcpt_to.len(), 1, "one address per message");
    mail(&r.data, &r.mail_from, &r.rcpt_to[0])
}

fn mail(data: &[u8], from: &str, to: &str) -> Mail {
    let m = MessageParser::default()
        .parse(data)
        .expect("a MIME message");
    assert_eq!(
        m.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some(to)
    );
    Mail {
        from: from.to_string(),
        to: to.to_string(),
        subject: m.subject().unwrap_or_default().to_string(),
        // Mail travels with CRLF line ends.
        text: m.body_text(0).unwrap_or_default().replace("\r\n", "\n"),
        html: m.body_html(0).unwrap_or_default().to_string(),
        attachments: m
            .attachments()
            .map(|a| {
                (
                    a.attachment_name().unwrap_or_default().to_string(),
                    a.contents().to_vec(),
                )
            })
            .collect(),
    }
}

fn by_recipient(received: &[Received]) -> Vec<Mail> {
    let mut mails: Vec<Mail> = received.iter().map(read).collect();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    mails
}

fn xlsx_rows(bytes: &[u8], sheet: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let range = book.worksheet_range(sheet).expect("the sheet");
    let mut rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    // The title row, with the day, above the header.
    let title = rows.remove(0);
    assert!(
        matches!(&title[0], Data::String(t) if t.starts_with(sheet) && t.contains("截至")),
        "{title:?}"
    );
    rows
}

fn outbox() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("outbox");
    (dir, path)
}

async fn the_weekly_email_reaches_the_office_and_each_unit_once(store: Store) {
    checks(&store).await;
    let sink = SmtpSink::start().await;
    let (_tmp, outbox) = outbox();
    let notifier = Notifier::new(&settings(Some(sink.port())), &catalog(), &outbox).unwrap();
    let report = notifier.run(&store, &clock(d(2020, 1, 9))).await.unwrap();
    assert_eq!(report.period, "2020-W02");
    assert_eq!(report.count(|o| *o == Outcome::Sent), 4, "{report:#?}");

    let mails = by_recipient(&sink.received());
    let to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    assert_eq!(
        to,
        [
            "ga@example.gov.cn",
            "gaopo-zhang@example.gov.cn",
            "gaopo@example.gov.cn",
            "gkb@example.gov.cn"
        ],
        "the office, 县公安局 and both of 高坡镇's contacts; 文旅局 has nothing to hear and 审计局 no contacts"
    );
    assert!(mails.iter().all(|m| m.from == "govwatch@example.gov.cn"));

    let office = &mails[3];
    assert_eq!(office.subject, "政务公开监测问题清单（1月3日至1月9日）");
    assert!(office.text.contains("截至1月9日，监测发现未整改问题2个，涉及2个单位。近一周（1月3日至1月9日）新发现问题2个，已整改问题1个。"), "{}", office.text);
    assert!(
        office.text.contains(
            "苍溪县高坡镇（政务微博）：1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日"
        ),
        "{}",
        office.text
    );
    assert!(
        office
            .text
            .contains("县公安局工作动态栏目2019年四季度更新为0")
    );
    assert!(office.text.contains("审计之窗（政务微信）：1月2日监测到超过两周未更新内容，最新更新时间为2019年12月16日（1月2日发现，1月8日已整改）"), "{}", office.text);
    assert!(office.html.contains("<table"), "{}", office.html);
    assert!(office.html.contains("按责任单位汇总"));
    assert!(
        office
            .html
            .contains("苍溪县高坡镇（政务微博）：1月9日监测到超过两周未更新内容")
    );

    let names: Vec<&str> = office.attachments.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["问题清单-2020年第2周.xlsx", "问题清单-2020年第2周.csv"]
    );
    let rows = xlsx_rows(&office.attachments[0].1, "问题清单");
    let header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
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
            "证据链接"
        ]
    );
    assert_eq!(rows[1][1].to_string(), "县公安局");
    assert_eq!(
        rows[1][4].to_string(),
        "县公安局工作动态栏目2019年四季度更新为0"
    );
    assert_eq!(
        rows[1][5].as_date(),
        Some(d(2020, 1, 6)),
        "a real date: {:?}",
        rows[1][5]
    );
    assert_eq!(rows[1][6].as_date(), Some(d(2020, 1, 9)));
    assert_eq!(rows[1][7].to_string(), "否");
    assert_eq!(rows[1][9].to_string(), "http://127.0.0.1:9/gzdt/");
    assert_eq!(rows[2][3].to_string(), "苍溪县高坡镇（政务微博）");
    assert_eq!(rows[3][1].to_string(), "审计局");
    assert_eq!(rows[3][7].to_string(), "是");
    assert_eq!(rows[3][8].as_date(), Some(d(2020, 1, 8)));
    assert!(
        rows.iter()
            .any(|r| r[0].to_string().starts_with("截至1月9日：未整改2个")),
        "the note under the table"
    );
    let summary = xlsx_rows(&office.attachments[0].1, "按责任单位汇总");
    assert_eq!(summary[1][0].to_string(), "县公安局");
    assert_eq!(summary[1][1], Data::Float(1.0));

    let csv_bytes = &office.attachments[1].1;
    assert!(
        csv_bytes.starts_with(b"\xEF\xBB\xBF"),
        "a BOM for Excel and WPS"
    );
    let mut csv = csv::Reader::from_reader(&csv_bytes[3..]);
    assert_eq!(&csv.headers().unwrap()[4], "问题描述");
    let records: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    assert_eq!(
        &records[1][4],
        "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日"
    );
    assert_eq!(&records[1][5], "2020-01-09");

    let police = &mails[0];
    assert_eq!(
        police.subject,
        "县公安局政务公开监测问题清单（1月3日至1月9日）"
    );
    assert!(police.text.starts_with("县公安局：\n\n现将2020年第2周政府网站和政务新媒体监测发现的贵单位问题通报如下，请及时整改。"), "{}", police.text);
    assert!(
        police
            .text
            .contains("县公安局工作动态栏目2019年四季度更新为0")
    );
    assert!(
        !police.text.contains("高坡镇") && !police.html.contains("高坡镇"),
        "only its own part"
    );
    assert!(
        police
            .html
            .contains("县公安局工作动态栏目2019年四季度更新为0")
    );
    let rows = xlsx_rows(&police.attachments[0].1, "问题清单");
    assert_eq!(
        rows.iter()
            .filter(|r| matches!(r[0], Data::Float(_) | Data::Int(_)))
            .count(),
        1
    );

    let gaopo = &mails[2];
    assert_eq!(
        gaopo.subject,
        "高坡镇政务公开监测问题清单（1月3日至1月9日）"
    );
    assert_eq!(gaopo.text, mails[1].text, "both contacts get the same part");

    // Recorded, with the file that was sent.
    let recorded = store.notifications(Some("2020-W02")).await.unwrap();
    assert_eq!(recorded.len(), 4);
    for n in &recorded {
        assert_eq!(n.status, NotificationStatus::Sent, "{n:?}");
        assert_eq!(n.attempts, 1);
        assert!(n.sent_at.is_some());
        let path = n.eml_path.as_deref().unwrap();
        assert!(
            path.ends_with(&format!("2020-W02/{}.eml", n.recipient)),
            "{path}"
        );
        assert!(Path::new(path).exists());
    }

    // The same week again, even a day later: nothing new is composed or sent.
    let again = notifier.run(&store, &clock(d(2020, 1, 10))).await.unwrap();
    assert_eq!(again.count(|o| *o == Outcome::Sent), 0);
    assert_eq!(
        again.count(|o| *o == Outcome::AlreadyRecorded(NotificationStatus::Sent)),
        4
    );
    assert_eq!(sink.received().len(), 4);
}

async fn smtp_down_then_up_delivers_each_message_exactly_once(store: Store) {
    checks(&store).await;
    let sink = SmtpSink::down().await;
    let (_tmp, outbox) = outbox();
    let notifier = Notifier::new(&settings(Some(sink.port())), &catalog(), &outbox).unwrap();

    // Thursday of week 2: the server is down.
    let first = notifier.run(&store, &clock(d(2020, 1, 9))).await.unwrap();
    assert_eq!(
        first.count(|o| matches!(o, Outcome::Queued(_))),
        4,
        "{first:#?}"
    );
    let reasons: Vec<&str> = first
        .all()
        .filter_map(|d| match &d.outcome {
            Outcome::Queued(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        reasons[0].contains(&format!("127.0.0.1:{}", sink.port())),
        "{reasons:?}"
    );
    assert!(
        reasons[1..].iter().all(|r| r.starts_with("not tried: ")),
        "one refused connection is enough: {reasons:?}"
    );
    let queued = store.queued_notifications().await.unwrap();
    assert_eq!(queued.len(), 4);
    assert_eq!(queued[0].attempts, 1);
    assert!(queued[0].last_error.is_some());
    for q in &queued {
        assert!(
            Path::new(q.eml_path.as_deref().unwrap()).exists(),
            "waiting in the outbox"
        );
    }
    assert!(sink.received().is_empty());

    // Monday of week 3: the server is back. Week 2's messages go first, from their files,
    // then week 3's.
    sink.up().await;
    let second = notifier.run(&store, &clock(d(2020, 1, 13))).await.unwrap();
    assert_eq!(second.period, "2020-W03");
    assert_eq!(second.retried.len(), 4);
    assert!(
        second
            .retried
            .iter()
            .all(|d| d.outcome == Outcome::Sent && d.period == "2020-W02")
    );
    assert!(
        second.this_week.iter().all(|d| d.outcome == Outcome::Sent),
        "{second:#?}"
    );
    let received = sink.received();
    let week2: Vec<Mail> = received
        .iter()
        .map(read)
        .filter(|m| m.subject.contains("（1月3日至1月9日）"))
        .collect();
    assert_eq!(week2.len(), 4);
    let office = week2.iter().find(|m| m.to == OFFICE).unwrap();
    assert_eq!(
        office.subject, "政务公开监测问题清单（1月3日至1月9日）",
        "as written on 1月9日"
    );
    // Week 3's digest counts as new what opened after week 2's email was recorded (on
    // 1月9日, the first day its window names).
    let week3 = received
        .iter()
        .map(read)
        .find(|m| m.to == OFFICE && !m.subject.contains("（1月3日至1月9日）"))
        .unwrap();
    assert_eq!(week3.subject, "政务公开监测问题清单（1月9日至1月13日）");
    assert!(
        week3.text.contains("上次周报以来（1月9日至1月13日）"),
        "{}",
        week3.text
    );

    // And again: nothing is sent twice.
    let third = notifier.run(&store, &clock(d(2020, 1, 14))).await.unwrap();
    assert_eq!(third.count(|o| *o == Outcome::Sent), 0, "{third:#?}");
    let received = sink.received();
    let mut pairs: Vec<(String, String)> = received
        .iter()
        .map(read)
        .map(|m| {
            (
                m.subject
                    .chars()
                    .filter(|c| c.is_ascii_digit())
                    .take(5)
                    .collect(),
                m.to,
            )
        })
        .collect();
    let total = pairs.len();
    pairs.sort();
    pairs.dedup();
    assert_eq!(pairs.len(), total, "each week and address once");
    for n in store.notifications(None).await.unwrap() {
        assert_eq!(n.status, NotificationStatus::Sent, "{n:?}");
    }
}

async fn without_smtp_messages_stay_in_the_outbox(store: Store) {
    checks(&store).await;
    let (_tmp, outbox) = outbox();
    let notifier = Notifier::new(&settings(None), &catalog(), &outbox).unwrap();
    let report = notifier.run(&store, &clock(d(2020, 1, 9))).await.unwrap();
    assert_eq!(report.server, None);
    assert_eq!(report.count(|o| *o == Outcome::Outbox), 4);
    let file = outbox.join("2020-W02").join(format!("{OFFICE}.eml"));
    let m = mail(&std::fs::read(&file).unwrap(), "", OFFICE);
    assert_eq!(m.subject, "政务公开监测问题清单（1月3日至1月9日）");
    assert_eq!(m.attachments.len(), 2);
    let rec = store
        .notification("2020-W02", OFFICE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.status, NotificationStatus::Outbox);
    assert_eq!(rec.attempts, 0);

    let again = notifier.run(&store, &clock(d(2020, 1, 10))).await.unwrap();
    assert_eq!(
        again.count(|o| *o == Outcome::AlreadyRecorded(NotificationStatus::Outbox)),
        4
    );
    assert_eq!(store.notifications(None).await.unwrap().len(), 4);
}

/// An expired platform login is no finding about the account: the office digest tells
/// the operator (需运维人员处理), the unit's part does not; an account whose source
/// works again by the latest check is not listed.
async fn accounts_the_operator_must_fix_are_in_the_office_digest_only(store: Store) {
    checks(&store).await;
    let ids = store.catalog_ids().await.unwrap();
    let at = |day: NaiveDate| start_of_day(day, Shanghai) + chrono::Duration::hours(7);
    let check = |key: &str, day: NaiveDate, outcome: &str, detail: Option<&str>| AccountCheck {
        account_id: ids.accounts[key],
        at: at(day),
        outcome: outcome.parse().unwrap(),
        detail: detail.map(Into::into),
        posts_found: 0,
    };
    let expired = "微博 cookie 已失效：请在 [sources.weibo] cookie 或 GOVWATCH_WEIBO_COOKIE 中更新";
    for c in [
        check(
            "weibo:uid:42",
            d(2020, 1, 7),
            "expired_credentials",
            Some(expired),
        ),
        check(
            "weibo:uid:42",
            d(2020, 1, 8),
            "expired_credentials",
            Some(expired),
        ),
        check(
            "wechat:name:审计之窗",
            d(2020, 1, 7),
            "not_configured",
            Some("no token"),
        ),
        check("wechat:name:审计之窗", d(2020, 1, 8), "ok", None),
    ] {
        store.record_account_check(&c).await.unwrap();
    }
    let sink = SmtpSink::start().await;
    let (_tmp, outbox) = outbox();
    let notifier = Notifier::new(&settings(Some(sink.port())), &catalog(), &outbox).unwrap();
    let report = notifier.run(&store, &clock(d(2020, 1, 9))).await.unwrap();
    assert_eq!(report.count(|o| *o == Outcome::Sent), 4, "{report:#?}");
    let mails = by_recipient(&sink.received());
    let office = mails.iter().find(|m| m.to == OFFICE).unwrap();
    assert!(
        office.text.contains("三、需运维人员处理（1个账号）"),
        "{}",
        office.text
    );
    let line = format!(
        "1. 苍溪县高坡镇：平台登录凭证已过期，请更新 token/cookie，最近检查1月8日（{expired}）"
    );
    assert!(office.text.contains(&line), "{}", office.text);
    assert!(office.html.contains("需运维人员处理"), "{}", office.html);
    assert!(
        !office.text.contains("审计之窗：数据源未配置"),
        "{}",
        office.text
    );
    let gaopo = mails
        .iter()
        .find(|m| m.to == "gaopo@example.gov.cn")
        .unwrap();
    assert!(!gaopo.text.contains("需运维"), "{}", gaopo.text);
}

fn govwatch(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env_remove("GOVWATCH_SMTP_HOST")
        .env_remove("GOVWATCH_NOTIFY_OFFICE")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run govwatch")
}

/// `govwatch notify` as an operator runs it: a dry run first, then for real. (Two
/// worker threads: the SMTP sink must answer while the test waits for the process.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_dry_run_records_nothing_then_sends() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(config.join("catalog/county.toml"), CATALOG).unwrap();
    let sink = SmtpSink::start().await;
    std::fs::write(
        config.join("govwatch.toml"),
        format!(
            "[general]\noffice_name = \"苍溪县政务公开办\"\n\n[notify]\noffice = [\"{OFFICE}\"]\noutbox = \"spool\"\n\n\
             [smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"govwatch@example.gov.cn\"\n",
            sink.port()
        ),
    )
    .unwrap();
    let url = format!("sqlite://{}", dir.path().join("govwatch.db").display());
    let store = Store::open(&url).await.unwrap();
    checks(&store).await;

    let dry = govwatch(
        dir.path(),
        &[
            "--database",
            &url,
            "--now",
            "2020-01-09",
            "notify",
            "--dry-run",
        ],
    );
    let out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(out.contains("2020年第2周（截至2020年1月9日）"), "{out}");
    assert!(
        out.contains("试运行：已写入4封邮件（未发送，未记录）"),
        "{out}"
    );
    assert!(
        dir.path()
            .join(format!("outbox/2020-W02-dry-run/{OFFICE}.eml"))
            .exists(),
        "{out}"
    );
    assert!(store.notifications(None).await.unwrap().is_empty());
    assert!(sink.received().is_empty());

    let real = govwatch(
        dir.path(),
        &["--database", &url, "--now", "2020-01-09", "notify"],
    );
    let out = String::from_utf8_lossy(&real.stdout);
    assert!(
        real.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&real.stderr)
    );
    assert!(out.contains("已发送4封\n"), "{out}");
    assert!(out.contains("待重发0封\n"), "{out}");
    assert!(out.contains("跳过0封（本周已发送）"), "{out}");
    assert!(
        dir.path()
            .join(format!("spool/2020-W02/{OFFICE}.eml"))
            .exists()
    );
    assert_eq!(sink.received().len(), 4);

    let again = govwatch(
        dir.path(),
        &["--database", &url, "--now", "2020-01-10", "notify"],
    );
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(
        out.contains("已发送0封\n") && out.contains("跳过4封（本周已发送）"),
        "{out}"
    );
    assert_eq!(sink.received().len(), 4);
    store.close().await;
}
