//! Group-chat alerts end to end: findings in a real database (SQLite and PostgreSQL),
//! robots as local HTTP servers shaped like the 企业微信 group robot
//! (`/cgi-bin/webhook/send?key=…`) and the 钉钉 custom robot
//! (`/robot/send?access_token=…&timestamp=…&sign=…`, the signature and the timestamp
//! checked as DingTalk checks them), answering `errcode` 0 or an error.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::routing::post;
use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use govwatch::clock::Clock;
use govwatch::config::{Settings, WebhookKind, WebhookSettings};
use govwatch::detect::Kind;
use govwatch::notify::{WebhookOutcome, WebhookReport, Webhooks};
use govwatch::observe::evidence::{AccountBase, AccountSilent, ColumnBase, ColumnPeriod, Evidence};
use govwatch::report::wording as sentence;
use govwatch::store::{NewFinding, NotificationStatus, Scope, Store};
use serde_json::{Value, json};
use support::FixtureServer;

on_both_databases!(
    a_cycle_tells_each_robot_its_changes_once,
    a_refused_message_is_retried_next_cycle_and_delivered_once,
    many_changes_are_split_under_4000_bytes_and_paced,
    a_robot_with_units_hears_only_of_them,
    secrets_stay_out_of_logs_errors_and_the_database,
);

const WECOM_KEY: &str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";
const DING_TOKEN: &str = "d1ngt0kenf00dcafe1234567890";
const DING_SECRET: &str = "SEC0123456789abcdefsecretsecret";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The cycle of `day`: 08:30 in Shanghai.
fn clock(day: NaiveDate) -> Clock {
    let t = Shanghai
        .from_local_datetime(&day.and_hms_opt(8, 30, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    Clock::new(t, Shanghai)
}

/// What a fixture robot received and how it answers.
#[derive(Clone, Default)]
struct Robot {
    /// Bodies it accepted (answered errcode 0).
    accepted: Arc<Mutex<Vec<Value>>>,
    /// Every request: (arrival, answered errcode).
    requests: Arc<Mutex<Vec<(Instant, i64)>>>,
    /// The errcode to answer to a well-formed request (0: accept).
    answer: Arc<AtomicI64>,
}

impl Robot {
    fn accepted(&self) -> Vec<Value> {
        self.accepted.lock().unwrap().clone()
    }

    fn requests(&self) -> Vec<(Instant, i64)> {
        self.requests.lock().unwrap().clone()
    }

    fn answer(&self, errcode: i64) {
        self.answer.store(errcode, Ordering::SeqCst);
    }

    /// Records the request and answers `errcode` (the forced one when the request was
    /// right).
    fn reply(&self, body: Value, errcode: i64, errmsg: &str) -> String {
        let errcode = if errcode == 0 {
            self.answer.load(Ordering::SeqCst)
        } else {
            errcode
        };
        self.requests
            .lock()
            .unwrap()
            .push((Instant::now(), errcode));
        if errcode == 0 {
            self.accepted.lock().unwrap().push(body);
            json!({"errcode": 0, "errmsg": "ok"}).to_string()
        } else {
            json!({"errcode": errcode, "errmsg": errmsg}).to_string()
        }
    }
}

fn query(q: Option<String>) -> HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// 企业微信: `POST /cgi-bin/webhook/send?key=KEY`, `{"msgtype":"markdown","markdown":
/// {"content":…}}`, content at most 4,096 bytes.
async fn wecom_send(State(robot): State<Robot>, RawQuery(q): RawQuery, body: String) -> String {
    let q = query(q);
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return robot.reply(Value::Null, 40001, "invalid json");
    };
    if q.get("key").map(String::as_str) != Some(WECOM_KEY) {
        return robot.reply(v, 93000, "invalid webhook url");
    }
    let content = v["markdown"]["content"].as_str();
    if v["msgtype"] != "markdown" || content.is_none() {
        return robot.reply(v, 40008, "invalid message type");
    }
    if content.unwrap().len() > 4096 {
        return robot.reply(v, 40058, "markdown.content exceed max length 4096");
    }
    robot.reply(v, 0, "ok")
}

/// 钉钉: `POST /robot/send?access_token=T&timestamp=MS&sign=S`, where S is Base64 of
/// HMAC-SHA256 over `MS\nSECRET` keyed by SECRET, and MS within an hour of now.
async fn dingtalk_send(State(robot): State<Robot>, RawQuery(q): RawQuery, body: String) -> String {
    use base64::Engine;
    let q = query(q);
    let Ok(v) = serde_json::from_str::<Value>(&body) else {
        return robot.reply(Value::Null, 40035, "缺少参数 json");
    };
    if q.get("access_token").map(String::as_str) != Some(DING_TOKEN) {
        return robot.reply(v, 300001, "token is not exist");
    }
    let Some(ts) = q.get("timestamp").and_then(|t| t.parse::<i64>().ok()) else {
        return robot.reply(v, 310000, "sign not match, timestamp missing");
    };
    if (Utc::now().timestamp_millis() - ts).abs() > 3_600_000 {
        return robot.reply(v, 310000, "sign not match, timestamp out of range");
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, DING_SECRET.as_bytes());
    let tag = ring::hmac::sign(&key, format!("{ts}\n{DING_SECRET}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(tag.as_ref());
    if q.get("sign") != Some(&expected) {
        return robot.reply(v, 310000, "sign not match");
    }
    if v["msgtype"] != "markdown"
        || v["markdown"]["title"].as_str().is_none_or(str::is_empty)
        || v["markdown"]["text"].as_str().is_none()
    {
        return robot.reply(v, 40035, "缺少参数 markdown");
    }
    robot.reply(v, 0, "ok")
}

/// Any JSON receiver: 200 with `{}`, or 500 when told to refuse.
async fn json_hook(State(robot): State<Robot>, body: String) -> (axum::http::StatusCode, String) {
    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let refuse = robot.answer.load(Ordering::SeqCst);
    robot
        .requests
        .lock()
        .unwrap()
        .push((Instant::now(), refuse));
    if refuse != 0 {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "busy".into());
    }
    robot.accepted.lock().unwrap().push(v);
    (axum::http::StatusCode::OK, "{}".into())
}

/// The three robots on one loopback server.
async fn robots() -> (FixtureServer, Robot, Robot, Robot) {
    let (wecom, ding, hook) = (Robot::default(), Robot::default(), Robot::default());
    let router = Router::new()
        .route(
            "/cgi-bin/webhook/send",
            post(wecom_send).with_state(wecom.clone()),
        )
        .route("/robot/send", post(dingtalk_send).with_state(ding.clone()))
        .route("/hook", post(json_hook).with_state(hook.clone()));
    let server = FixtureServer::with_router("127.0.0.1", router).await;
    (server, wecom, ding, hook)
}

fn wecom_robot(server: &FixtureServer) -> WebhookSettings {
    WebhookSettings {
        kind: WebhookKind::Wecom,
        url: server
            .url(&format!("/cgi-bin/webhook/send?key={WECOM_KEY}"))
            .to_string()
            .into(),
        secret: None,
        units: Vec::new(),
        name: None,
    }
}

fn ding_robot(server: &FixtureServer, secret: &str) -> WebhookSettings {
    WebhookSettings {
        kind: WebhookKind::Dingtalk,
        url: server
            .url(&format!("/robot/send?access_token={DING_TOKEN}"))
            .to_string()
            .into(),
        secret: Some(secret.into()),
        units: Vec::new(),
        name: Some("政务公开办钉钉群".into()),
    }
}

fn json_robot(server: &FixtureServer) -> WebhookSettings {
    WebhookSettings {
        kind: WebhookKind::Json,
        url: server.url("/hook").to_string().into(),
        secret: None,
        units: Vec::new(),
        name: None,
    }
}

fn settings(robots: Vec<WebhookSettings>) -> Settings {
    let mut s = Settings::default();
    s.general.office_name = "苍溪县政务公开办".into();
    s.notify.webhook = robots;
    s
}

/// A run after the cycle of `day`, as a fresh process would do it (nothing kept in
/// memory between runs).
async fn alert(store: &Store, s: &Settings, day: NaiveDate) -> WebhookReport {
    Webhooks::new(s)
        .unwrap()
        .run(store, &clock(day))
        .await
        .unwrap()
}

fn silent(key: &str, account: &str, unit: &str, found: NaiveDate, last: NaiveDate) -> NewFinding {
    NewFinding {
        subject_key: key.into(),
        unit: Some(unit.into()),
        sentence: sentence::account_silent(found, last, None),
        evidence: Evidence::AccountSilent(AccountSilent {
            account: AccountBase {
                platform: "weibo".into(),
                account: account.into(),
                unit: unit.into(),
                detected_on: found,
                last_post: Some(last),
            },
            days_silent: Some((found - last).num_days()),
            opened_on: None,
        }),
    }
}

fn zero_publish(units: &[&str]) -> NewFinding {
    NewFinding {
        subject_key: "http://127.0.0.1:9/gzdt/#2019Q4".into(),
        unit: Some(units.join("、")),
        sentence: sentence::column_zero_publish(units, "工作动态"),
        evidence: Evidence::ColumnZeroPublish(ColumnPeriod {
            column: ColumnBase {
                site: "苍溪县人民政府".into(),
                column: "工作动态".into(),
                url: "http://127.0.0.1:9/gzdt/".into(),
                units: units.iter().map(|u| u.to_string()).collect(),
                last_update: None,
            },
            period: "2019Q4".into(),
            quota: None,
            published: 0,
        }),
    }
}

/// The detect stage of the cycle of `day`: these findings hold, every other one of
/// these kinds is rectified.
async fn cycle(store: &Store, day: NaiveDate, found: &[NewFinding]) {
    let scope = Scope::kinds([Kind::AccountSilent, Kind::ColumnZeroPublish]);
    store
        .reconcile_findings(&scope, found, clock(day).now(), day)
        .await
        .unwrap();
}

fn markdown_of(body: &Value) -> String {
    body["markdown"]["content"]
        .as_str()
        .or(body["markdown"]["text"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// 1月9日: 高坡镇's weibo silent (last post 2019-12-25) and 县公安局's 工作动态 with
/// nothing in 2019Q4. 1月10日: nothing changes. 1月17日: both past their 整改期限 (5
/// working days: 1月16日). 1月20日: 工作动态 rectified.
async fn a_cycle_tells_each_robot_its_changes_once(store: Store) {
    let (server, wecom, ding, hook) = robots().await;
    let s = settings(vec![
        wecom_robot(&server),
        ding_robot(&server, DING_SECRET),
        json_robot(&server),
    ]);
    let gaopo = silent(
        "weibo:uid:42",
        "苍溪县高坡镇",
        "高坡镇",
        d(2020, 1, 9),
        d(2019, 12, 25),
    );
    let police = zero_publish(&["县公安局"]);

    cycle(&store, d(2020, 1, 9), &[gaopo.clone(), police.clone()]).await;
    let r = alert(&store, &s, d(2020, 1, 9)).await;
    assert_eq!(r.sent(), 3, "{r:#?}");
    assert_eq!(r.queued(), 0, "{r:#?}");
    for robot in [&wecom, &ding] {
        let got = robot.accepted();
        assert_eq!(got.len(), 1, "one message per robot: {got:#?}");
        let text = markdown_of(&got[0]);
        assert!(text.contains("【政务公开监测】1月9日检查"), "{text}");
        assert!(text.contains("新发现问题**2**个"), "{text}");
        assert!(
            text.contains("1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日"),
            "the seed's sentence: {text}"
        );
        assert!(
            text.contains("县公安局工作动态栏目2019年四季度更新为0"),
            "{text}"
        );
        assert!(text.contains("（整改期限1月16日）"), "{text}");
        assert!(
            text.contains("[查看](http://127.0.0.1:9/gzdt/)"),
            "the column linked: {text}"
        );
    }
    assert_eq!(
        ding.accepted()[0]["markdown"]["title"],
        "【政务公开监测】1月9日检查"
    );
    let got = hook.accepted();
    assert_eq!(got.len(), 1);
    let events = got[0]["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{got:#?}");
    for e in events {
        let fields: BTreeSet<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            BTreeSet::from(["event", "kind", "unit", "sentence", "opened_on", "url"])
        );
        assert_eq!(e["event"], "opened");
        assert_eq!(e["opened_on"], "2020-01-09");
    }
    let police_event = events
        .iter()
        .find(|e| e["kind"] == "column_zero_publish")
        .unwrap();
    assert_eq!(police_event["unit"], "县公安局");
    assert_eq!(police_event["url"], "http://127.0.0.1:9/gzdt/");
    assert_eq!(
        police_event["sentence"],
        "县公安局工作动态栏目2019年四季度更新为0"
    );
    let gaopo_event = events
        .iter()
        .find(|e| e["kind"] == "account_silent")
        .unwrap();
    assert_eq!(gaopo_event["url"], Value::Null);

    // The next cycle changes nothing: nothing is posted.
    cycle(&store, d(2020, 1, 10), &[gaopo.clone(), police.clone()]).await;
    let r = alert(&store, &s, d(2020, 1, 10)).await;
    assert!(r.deliveries.is_empty(), "{r:#?}");
    for robot in [&wecom, &ding, &hook] {
        assert_eq!(robot.requests().len(), 1);
    }

    // Past the deadline: one message each, once.
    cycle(&store, d(2020, 1, 17), &[gaopo.clone(), police.clone()]).await;
    let r = alert(&store, &s, d(2020, 1, 17)).await;
    assert_eq!(r.sent(), 3, "{r:#?}");
    let text = markdown_of(&wecom.accepted()[1]);
    assert!(text.contains("#### 整改逾期"), "{text}");
    assert!(text.contains("（整改期限1月16日，已逾期1天）"), "{text}");
    assert!(!text.contains("新发现问题"), "{text}");
    let events = hook.accepted()[1]["events"].as_array().unwrap().clone();
    assert!(
        events.iter().all(|e| e["event"] == "overdue"),
        "{events:#?}"
    );
    assert_eq!(events.len(), 2);
    let r = alert(&store, &s, d(2020, 1, 17)).await;
    assert!(
        r.deliveries.is_empty(),
        "a rerun tells nothing again: {r:#?}"
    );

    // 工作动态 publishes again: rectified; 高坡镇 stays overdue, not told again.
    cycle(&store, d(2020, 1, 20), std::slice::from_ref(&gaopo)).await;
    let r = alert(&store, &s, d(2020, 1, 20)).await;
    assert_eq!(r.sent(), 3, "{r:#?}");
    let text = markdown_of(&ding.accepted()[2]);
    assert!(text.contains("已整改**1**个"), "{text}");
    assert!(
        text.contains("县公安局工作动态栏目2019年四季度更新为0（1月9日发现，1月20日已整改）"),
        "{text}"
    );
    assert!(!text.contains("高坡镇"), "{text}");
    let events = hook.accepted()[2]["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["event"], "rectified");
    for robot in [&wecom, &ding, &hook] {
        assert_eq!(
            robot.requests().len(),
            3,
            "three messages, each posted once"
        );
    }
    let stored = store.webhook_messages(None).await.unwrap();
    assert_eq!(stored.len(), 9);
    assert!(
        stored
            .iter()
            .all(|m| m.status == NotificationStatus::Sent && m.attempts == 1),
        "{stored:#?}"
    );
}

/// A robot answering errcode ≠ 0 (企业微信's 45009, too many requests), a DingTalk robot
/// configured with the wrong secret (310000, sign not match) and a JSON receiver
/// answering 500: each message stays queued with the robot's answer, and goes out once
/// at the next cycle's run when the robot takes it.
async fn a_refused_message_is_retried_next_cycle_and_delivered_once(store: Store) {
    let (server, wecom, ding, hook) = robots().await;
    let wrong = settings(vec![
        wecom_robot(&server),
        ding_robot(&server, "SECnot-the-robots-secret"),
        json_robot(&server),
    ]);
    let right = settings(vec![
        wecom_robot(&server),
        ding_robot(&server, DING_SECRET),
        json_robot(&server),
    ]);
    let police = zero_publish(&["县公安局"]);
    wecom.answer(45009);
    hook.answer(1);

    cycle(&store, d(2020, 1, 9), std::slice::from_ref(&police)).await;
    let r = alert(&store, &wrong, d(2020, 1, 9)).await;
    assert_eq!(r.sent(), 0, "{r:#?}");
    assert_eq!(r.queued(), 3, "{r:#?}");
    let reasons: Vec<String> = r
        .deliveries
        .iter()
        .map(|d| match &d.outcome {
            WebhookOutcome::Queued(why) => why.clone(),
            WebhookOutcome::Sent => panic!("{d:?}"),
        })
        .collect();
    assert!(reasons[0].contains("errcode 45009"), "{reasons:?}");
    assert!(
        reasons[1].contains("errcode 310000: sign not match"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("HTTP 500"), "{reasons:?}");
    assert_eq!(
        ding.requests()[0].1,
        310000,
        "the fixture checked the signature"
    );
    let queued = store.webhook_messages(None).await.unwrap();
    assert!(
        queued
            .iter()
            .all(|m| m.status == NotificationStatus::Queued && m.attempts == 1),
        "{queued:#?}"
    );

    // Still refusing at the next cycle: queued again, nothing composed twice.
    cycle(&store, d(2020, 1, 10), std::slice::from_ref(&police)).await;
    let r = alert(&store, &wrong, d(2020, 1, 10)).await;
    assert_eq!(r.queued(), 3, "{r:#?}");
    assert!(r.deliveries.iter().all(|d| d.retried), "{r:#?}");

    // The robots take messages again and the secret is fixed: each delivered, once.
    wecom.answer(0);
    hook.answer(0);
    cycle(&store, d(2020, 1, 13), std::slice::from_ref(&police)).await;
    let r = alert(&store, &right, d(2020, 1, 13)).await;
    assert_eq!(r.sent(), 3, "{r:#?}");
    assert!(
        r.deliveries.iter().all(|d| d.retried && d.events == 1),
        "{r:#?}"
    );
    cycle(&store, d(2020, 1, 14), std::slice::from_ref(&police)).await;
    let r = alert(&store, &right, d(2020, 1, 14)).await;
    assert!(r.deliveries.is_empty(), "{r:#?}");
    for robot in [&wecom, &ding, &hook] {
        let got = robot.accepted();
        assert_eq!(got.len(), 1, "delivered once: {got:#?}");
        assert_eq!(robot.requests().len(), 3, "refused twice, then taken");
    }
    assert!(markdown_of(&wecom.accepted()[0]).contains("县公安局工作动态栏目2019年四季度更新为0"));
    let stored = store.webhook_messages(None).await.unwrap();
    assert_eq!(stored.len(), 3);
    assert!(
        stored
            .iter()
            .all(|m| m.status == NotificationStatus::Sent && m.attempts == 3),
        "{stored:#?}"
    );
}

/// 150 accounts found silent in one cycle: several messages per robot, each under 4,000
/// bytes, every account told exactly once, at most 20 posts a minute (3 s apart).
async fn many_changes_are_split_under_4000_bytes_and_paced(store: Store) {
    let (server, wecom, ding, _) = robots().await;
    let s = settings(vec![wecom_robot(&server), ding_robot(&server, DING_SECRET)]);
    let found: Vec<NewFinding> = (1..=150)
        .map(|i| {
            silent(
                &format!("weibo:uid:{i}"),
                &format!("苍溪县第{i}号政务微博账号"),
                "高坡镇",
                d(2020, 1, 9),
                d(2019, 12, 25),
            )
        })
        .collect();
    cycle(&store, d(2020, 1, 9), &found).await;
    let r = alert(&store, &s, d(2020, 1, 9)).await;
    assert_eq!(r.queued(), 0, "{r:#?}");
    for robot in [&wecom, &ding] {
        let got = robot.accepted();
        assert!(got.len() >= 3, "split: {} message(s)", got.len());
        let texts: Vec<String> = got.iter().map(markdown_of).collect();
        for (i, t) in texts.iter().enumerate() {
            assert!(t.len() < 4000, "message {i} is {} bytes", t.len());
            assert!(
                t.contains(&format!("（{}/{}）", i + 1, got.len())),
                "numbered parts: {t}"
            );
        }
        for i in 1..=150 {
            let name = format!("苍溪县第{i}号政务微博账号（");
            let times: usize = texts.iter().map(|t| t.matches(&name).count()).sum();
            assert_eq!(times, 1, "{name} told once");
        }
        let arrivals: Vec<Instant> = robot.requests().iter().map(|r| r.0).collect();
        for pair in arrivals.windows(2) {
            let gap = pair[1] - pair[0];
            assert!(gap.as_millis() >= 2900, "20 a minute: posts {gap:?} apart");
        }
    }
}

/// A robot with `units` hears only of findings that name one of them; a column of
/// several units is each one's.
async fn a_robot_with_units_hears_only_of_them(store: Store) {
    let (server, wecom, _, hook) = robots().await;
    let mut police_robot = wecom_robot(&server);
    police_robot.units = vec!["县公安局".into()];
    let mut culture_robot = json_robot(&server);
    culture_robot.units = vec!["文旅局".into()];
    let s = settings(vec![police_robot, culture_robot]);
    let gaopo = silent(
        "weibo:uid:42",
        "苍溪县高坡镇",
        "高坡镇",
        d(2020, 1, 9),
        d(2019, 12, 25),
    );
    let shared = zero_publish(&["县公安局", "文旅局"]);
    cycle(&store, d(2020, 1, 9), &[gaopo, shared]).await;
    let r = alert(&store, &s, d(2020, 1, 9)).await;
    assert_eq!(r.sent(), 2, "{r:#?}");
    let text = markdown_of(&wecom.accepted()[0]);
    assert!(
        text.contains("县公安局、文旅局工作动态栏目2019年四季度更新为0"),
        "{text}"
    );
    assert!(!text.contains("高坡镇"), "{text}");
    assert!(text.contains("新发现问题**1**个"), "{text}");
    let events = hook.accepted()[0]["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:#?}");
    assert_eq!(events[0]["unit"], "县公安局、文旅局");

    // Nothing for a robot whose units have no change.
    let mut other = json_robot(&server);
    other.units = vec!["审计局".into()];
    other.name = Some("审计局".into());
    let r = alert(&store, &settings(vec![other]), d(2020, 1, 9)).await;
    assert!(r.deliveries.is_empty(), "{r:#?}");
}

/// Everything the library logs while robots take, refuse and cannot be reached, the
/// errors it keeps, the database, and `Debug` of the settings: no robot key, token or
/// secret anywhere.
async fn secrets_stay_out_of_logs_errors_and_the_database(store: Store) {
    let (server, wecom, _ding, _) = robots().await;
    // A port nobody listens on: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let unreachable = WebhookSettings {
        kind: WebhookKind::Wecom,
        url: format!("http://127.0.0.1:{closed_port}/cgi-bin/webhook/send?key={WECOM_KEY}-2")
            .into(),
        secret: None,
        units: Vec::new(),
        name: None,
    };
    let s = settings(vec![
        wecom_robot(&server),
        ding_robot(&server, DING_SECRET),
        unreachable,
    ]);
    wecom.answer(93000);

    let logs = captured_logs();
    cycle(&store, d(2020, 1, 9), &[zero_publish(&["县公安局"])]).await;
    let r = alert(&store, &s, d(2020, 1, 9)).await;
    assert_eq!(r.sent(), 1, "{r:#?}");
    assert_eq!(r.queued(), 2, "{r:#?}");
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(logs.contains("group-chat alert sent"), "{logs}");
    assert!(logs.contains("errcode 93000"), "{logs}");
    assert!(logs.contains("cannot reach the robot"), "{logs}");
    let errors: Vec<String> = store
        .webhook_messages(None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.last_error)
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let mut places = vec![
        ("logs", logs),
        ("errors", errors.join("\n")),
        ("report", format!("{r:?}")),
        ("settings", format!("{s:?}")),
        ("robots", format!("{:?}", Webhooks::new(&s).unwrap())),
    ];
    places.push(("database", support::db::database_text(store.url()).await));
    for (place, text) in places {
        for secret in [WECOM_KEY, DING_TOKEN, DING_SECRET] {
            assert!(!text.contains(secret), "{secret} in the {place}:\n{text}");
        }
    }
}

/// Every log line of this test binary from the first call on, at TRACE: one global
/// subscriber. A scoped one (`set_default`) missed lines now and then while the other
/// database's run of the same test set and dropped its own on another thread (tracing
/// caches each callsite's interest process-wide), so the check of what is logged
/// failed by chance. Lines of other tests are read too: none may hold a secret either.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Writer(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        logs
    })
    .clone()
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `--help` of every command that reads the settings shows no robot secret, even with
/// the settings (and so the robots) in the environment's config directory.
#[test]
fn secrets_stay_out_of_help() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        format!(
            "[[notify.webhook]]\nkind = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token={DING_TOKEN}\"\nsecret = \"{DING_SECRET}\"\n\n[[notify.webhook]]\nkind = \"wecom\"\nurl = \"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}\"\n"
        ),
    )
    .unwrap();
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["serve", "--help"],
        &["notify", "--help"],
        &["help", "check"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .current_dir(dir.path())
            .args(args)
            .env("GOVWATCH_CONFIG", &config)
            .env_remove("GOVWATCH_DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.is_empty());
        for secret in [WECOM_KEY, DING_TOKEN, DING_SECRET] {
            assert!(!text.contains(secret), "{args:?} shows {secret}:\n{text}");
        }
    }
}

/// Through `govwatch serve` (its own module: the macro names `sqlite` and `postgres`).
mod served {
    use super::*;

    on_both_databases_with_url!(
        serve_tells_the_robot_after_each_cycle_once,
        check_tells_the_robots_and_logs_no_secret,
    );

    /// `govwatch check` (the binary, logging at debug level) on the fixture county with
    /// a 企业微信 and a signed 钉钉 robot: both told, the run says so, and neither its
    /// output nor its log holds a key, token or secret.
    async fn check_tells_the_robots_and_logs_no_secret(url: String) {
        let county_server =
            FixtureServer::with_router("127.0.0.1", support::county::router()).await;
        let base = format!("http://{}", county_server.addr);
        let (server, wecom, ding, _) = robots().await;
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config");
        std::fs::create_dir_all(config.join("catalog")).unwrap();
        std::fs::write(
            config.join("govwatch.toml"),
            format!(
                "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
                 [[notify.webhook]]\nkind = \"wecom\"\nurl = \"{}\"\n\n\
                 [[notify.webhook]]\nkind = \"dingtalk\"\nurl = \"{}\"\nsecret = \"{DING_SECRET}\"\n",
                server.url(&format!("/cgi-bin/webhook/send?key={WECOM_KEY}")),
                server.url(&format!("/robot/send?access_token={DING_TOKEN}")),
            ),
        )
        .unwrap();
        std::fs::write(
            config.join("catalog/county.toml"),
            support::county::catalog(&base),
        )
        .unwrap();
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
                .current_dir(tmp.path())
                .args(["--database", &url, "check"])
                .env("GOVWATCH_CONFIG", &config)
                .env_remove("GOVWATCH_DATABASE_URL")
                .env("RUST_LOG", "debug")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
        let (w, d) = (wecom.accepted().len(), ding.accepted().len());
        assert!(w >= 1 && w == d, "{w} {d}");
        assert!(
            stdout.contains(&format!("群机器人：发送消息{}条，待重试0条", w + d)),
            "{stdout}"
        );
        assert!(stderr.contains("group-chat alert sent"), "{stderr}");
        for secret in [WECOM_KEY, DING_TOKEN, DING_SECRET] {
            assert!(!stdout.contains(secret), "{secret} in\n{stdout}");
            assert!(!stderr.contains(secret), "{secret} in the log");
        }
    }

    /// `govwatch serve` on the fixture county with a cycle every second: the first cycle's
    /// findings reach the robot in one message, from a `webhooks` job after `detect`; the
    /// cycles after it, which change nothing, post nothing.
    async fn serve_tells_the_robot_after_each_cycle_once(url: String) {
        use govwatch::app::{App, Options};
        let county_server =
            FixtureServer::with_router("127.0.0.1", support::county::router()).await;
        let base = format!("http://{}", county_server.addr);
        let (server, wecom, _, _) = robots().await;
        let tmp = tempfile::tempdir().unwrap();
        let config = tmp.path().join("config");
        std::fs::create_dir_all(config.join("catalog")).unwrap();
        std::fs::write(
            config.join("govwatch.toml"),
            format!(
                "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
                 [schedule]\ncrawl = \"*/1 * * * * *\"\n\n\
                 [[notify.webhook]]\nkind = \"wecom\"\nurl = \"{}\"\n",
                server.url(&format!("/cgi-bin/webhook/send?key={WECOM_KEY}"))
            ),
        )
        .unwrap();
        std::fs::write(
            config.join("catalog/county.toml"),
            support::county::catalog(&base),
        )
        .unwrap();
        // The schema first: the daemon and this test do not race to migrate one file.
        let store = Store::open(&url).await.unwrap();
        let app = App::new(&Options {
            config_dir: config,
            database: Some(url.clone()),
            now: None,
        })
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let daemon = tokio::spawn(govwatch::serve::run(app, listener, async move {
            let _ = stopped.await;
        }));
        // Three whole cycles.
        support::wait_for("three finished cycles", 120, async || {
            assert!(!daemon.is_finished(), "serve stopped by itself");
            let runs = store.runs_of("cycle").await.unwrap();
            let done = runs.iter().filter(|r| r.3 == "ok").count();
            if done >= 3 {
                Ok(())
            } else {
                Err(format!("{done} cycle(s) done: {runs:?}"))
            }
        })
        .await;
        stop.send(()).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(30), daemon)
            .await
            .expect("serve stops")
            .unwrap()
            .expect("serve returns Ok");

        let runs = store.runs_of("cycle").await.unwrap();
        let (first, ..) = runs[0];
        let jobs = store.work_jobs(first).await.unwrap();
        let last = jobs.last().unwrap();
        assert_eq!(
            (last.kind.as_str(), last.stage, last.outcome.as_deref()),
            ("webhooks", 3, Some("ok")),
            "{jobs:#?}"
        );
        // Each change told once, in the run of the cycle that made it (a column that
        // fails twice opens at the second cycle); the cycles after, which change
        // nothing, post nothing.
        let messages = store.webhook_messages(None).await.unwrap();
        assert_eq!(wecom.accepted().len(), messages.len());
        assert_eq!(wecom.requests().len(), messages.len(), "each posted once");
        let done: Vec<_> = runs.iter().filter(|r| r.3 == "ok").collect();
        assert!(done.len() >= 3);
        let quiet = done[2].2;
        assert!(
            messages.iter().all(|m| m.created_at < quiet),
            "the third cycle and later changed nothing and posted nothing: {messages:#?}"
        );
        let mut told = Vec::new();
        for m in &messages {
            assert_eq!(m.status, NotificationStatus::Sent);
            told.extend(store.webhook_message_events(m.id).await.unwrap());
        }
        let texts: Vec<String> = wecom.accepted().iter().map(markdown_of).collect();
        assert!(texts[0].contains("#### 新发现问题"), "{}", texts[0]);
        let open = store
            .findings(&govwatch::store::FindingFilter {
                open_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(!open.is_empty());
        for f in &open {
            let key = format!("opened:{}", f.id);
            assert_eq!(
                told.iter().filter(|k| **k == key).count(),
                1,
                "{} told once: {told:?}",
                f.kind.code()
            );
        }
    }
}
