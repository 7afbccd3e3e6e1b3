//! The store's behaviour, the same on SQLite and PostgreSQL: idempotent writes, catalog
//! sync that keeps history through renames and removals, and findings as episodes.
//! Workers on one database booking a platform's request starts get them an interval apart.

mod support;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use govwatch::catalog::{Catalog, load_texts};
use govwatch::detect::Kind;
use govwatch::observe::evidence::{self, Evidence};
use govwatch::observe::{Purpose, ReadOutcome};
use govwatch::store::{
    FetchAttempt, FindingFilter, FindingQuery, ListOrder, NewFinding, NewItem, NewPost,
    ProbeRecord, Scope, Standing, Store, Visibility,
};

on_both_databases!(
    migrations_run_twice_without_harm,
    writes_are_idempotent,
    catalog_sync_keeps_history_through_rename_and_removal,
    a_finding_lives_as_episodes,
    a_partial_check_resolves_only_what_it_looked_at,
    a_finding_belongs_to_each_of_its_units,
    finding_pages_count_filter_and_page_in_sql,
    the_trend_and_unit_counts_are_counted_in_sql,
);

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 1, day, hour, 0, 0).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 1, d).unwrap()
}

fn catalog(text: &str) -> Catalog {
    let loaded = load_texts(&[(Path::new("county.toml"), text)]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

const V1: &str = r#"
[[unit]]
name = "县公安局"
[[unit]]
name = "审计局"
[[site]]
name = "某县人民政府"
url = "http://127.0.0.1:9/"
[[column]]
site = "某县人民政府"
name = "工作动态"
url = "http://127.0.0.1:9/gzdt/"
units = ["县公安局"]
quota = 12
[[column]]
site = "某县人民政府"
name = "审计公告"
url = "http://127.0.0.1:9/sjgg/"
units = ["审计局"]
[[account]]
name = "平安某县"
unit = "县公安局"
platform = "weibo"
source = { kind = "weibo", uid = "42" }
"#;

async fn migrations_run_twice_without_harm(store: Store) {
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
}

async fn writes_are_idempotent(store: Store) {
    store.sync_catalog(&catalog(V1), at(1, 0)).await.unwrap();
    let ids = store.catalog_ids().await.unwrap();
    let column = ids.columns["http://127.0.0.1:9/gzdt/"];
    let items = vec![
        NewItem {
            url: "http://127.0.0.1:9/gzdt/1.html".into(),
            title: "县公安局召开会议".into(),
            published_on: Some(day(2)),
            date_source: Some("list".into()),
        },
        NewItem {
            url: "http://127.0.0.1:9/gzdt/2.html".into(),
            title: "无日期".into(),
            published_on: None,
            date_source: None,
        },
    ];
    assert_eq!(
        store
            .upsert_column_items(column, &items, at(3, 1))
            .await
            .unwrap(),
        2
    );
    // The same page seen again, the undated item now with a date from its page.
    let mut again = items.clone();
    again[1].published_on = Some(day(1));
    again[1].date_source = Some("page".into());
    assert_eq!(
        store
            .upsert_column_items(column, &again, at(4, 1))
            .await
            .unwrap(),
        0
    );
    let stored = store.column_items(column).await.unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].published_on, Some(day(2)));
    assert_eq!(stored[1].published_on, Some(day(1)));
    assert_eq!(stored[0].first_seen, at(3, 1), "first seen is kept");

    let site = ids.sites["某县人民政府"];
    let probe = ProbeRecord {
        site_id: site,
        at: at(3, 2),
        outcome: ReadOutcome::Ok,
        status: Some(200),
        latency_ms: Some(120),
        detail: None,
    };
    store.record_probe(&probe).await.unwrap();
    store.record_probe(&probe).await.unwrap();
    assert_eq!(
        store.probes(site, at(1, 0), at(9, 0)).await.unwrap(),
        vec![probe]
    );

    let attempt = FetchAttempt {
        url: "http://127.0.0.1:9/gzdt/".into(),
        host: "127.0.0.1:9".into(),
        purpose: Purpose::Column,
        subject_key: Some("http://127.0.0.1:9/gzdt/".into()),
        at: at(3, 1),
        duration_ms: 35,
        outcome: ReadOutcome::Ok,
        status: Some(200),
        detail: None,
        charset: Some("GBK".into()),
        charset_source: Some("meta".into()),
        bytes: Some(2048),
    };
    store.record_fetch_attempt(&attempt).await.unwrap();
    store.record_fetch_attempt(&attempt).await.unwrap();
    let attempts = store
        .recent_attempts("http://127.0.0.1:9/gzdt/", 10)
        .await
        .unwrap();
    assert_eq!(attempts, vec![attempt]);

    let account = ids.accounts["weibo:uid:42"];
    let post = NewPost {
        post_key: "4871".into(),
        title: Some("平安提示".into()),
        url: None,
        published_at: at(2, 9),
        original: Some(true),
    };
    assert_eq!(
        store
            .upsert_account_posts(account, std::slice::from_ref(&post), at(3, 0))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .upsert_account_posts(account, &[post], at(4, 0))
            .await
            .unwrap(),
        0
    );

    // A whole sync rerun changes nothing.
    let report = store.sync_catalog(&catalog(V1), at(5, 0)).await.unwrap();
    assert!(report.is_empty(), "{report:?}");
}

async fn catalog_sync_keeps_history_through_rename_and_removal(store: Store) {
    let first = store.sync_catalog(&catalog(V1), at(1, 0)).await.unwrap();
    assert_eq!(first.added.len(), 6, "{first:?}");
    let before = store.catalog_ids().await.unwrap();
    let gzdt = before.columns["http://127.0.0.1:9/gzdt/"];
    store
        .upsert_column_items(
            gzdt,
            &[NewItem {
                url: "http://127.0.0.1:9/gzdt/1.html".into(),
                title: "旧闻".into(),
                published_on: Some(day(1)),
                date_source: None,
            }],
            at(1, 1),
        )
        .await
        .unwrap();

    // 工作动态 renamed (same URL), 审计公告 removed, the account renamed (same uid).
    let v2 = V1
        .replace("name = \"工作动态\"", "name = \"公安动态\"")
        .replace("name = \"平安某县\"", "name = \"平安某县发布\"");
    let v2 = v2.replace(
        "[[column]]\nsite = \"某县人民政府\"\nname = \"审计公告\"\nurl = \"http://127.0.0.1:9/sjgg/\"\nunits = [\"审计局\"]\n",
        "",
    );
    let second = store.sync_catalog(&catalog(&v2), at(2, 0)).await.unwrap();
    assert_eq!(
        second.changed,
        vec!["columns http://127.0.0.1:9/gzdt/", "accounts weibo:uid:42"]
    );
    assert_eq!(second.removed, vec!["columns http://127.0.0.1:9/sjgg/"]);
    assert!(second.added.is_empty());

    let after = store.catalog_ids().await.unwrap();
    assert_eq!(
        after.columns["http://127.0.0.1:9/gzdt/"], gzdt,
        "a rename keeps the id"
    );
    assert!(!after.columns.contains_key("http://127.0.0.1:9/sjgg/"));
    assert_eq!(
        store.column_items(gzdt).await.unwrap().len(),
        1,
        "history kept"
    );
    assert_eq!(
        store
            .stored_name("columns", "http://127.0.0.1:9/gzdt/")
            .await
            .unwrap(),
        Some(("公安动态".to_string(), false))
    );
    assert_eq!(
        store
            .stored_name("columns", "http://127.0.0.1:9/sjgg/")
            .await
            .unwrap(),
        Some(("审计公告".to_string(), true)),
        "a removed entry is kept, marked removed"
    );

    // Re-added: the same row comes back.
    let third = store.sync_catalog(&catalog(V1), at(3, 0)).await.unwrap();
    assert_eq!(third.restored, vec!["columns http://127.0.0.1:9/sjgg/"]);
    let again = store.catalog_ids().await.unwrap();
    assert_eq!(
        again.columns["http://127.0.0.1:9/sjgg/"],
        before.columns["http://127.0.0.1:9/sjgg/"]
    );
    let history: Vec<String> = store
        .catalog_history("columns", "http://127.0.0.1:9/sjgg/")
        .await
        .unwrap()
        .into_iter()
        .map(|(change, _)| change)
        .collect();
    assert_eq!(history, ["added", "removed", "restored"]);
}

fn silent(sentence: &str) -> NewFinding {
    NewFinding {
        subject_key: "weibo:uid:42".into(),
        unit: Some("县公安局".into()),
        sentence: sentence.into(),
        evidence: Evidence::AccountSilent(evidence::AccountSilent {
            account: evidence::AccountBase {
                platform: "weibo".into(),
                account: "苍溪县公安".into(),
                unit: "县公安局".into(),
                detected_on: day(9),
                last_post: Some(NaiveDate::from_ymd_opt(2019, 12, 25).unwrap()),
            },
            days_silent: Some(15),
            opened_on: None,
        }),
    }
}

async fn a_finding_lives_as_episodes(store: Store) {
    let scope = Scope::kinds([Kind::AccountSilent]);
    let s1 = "1月9日监测到超过两周未更新内容，最新更新时间为2019年12月25日";
    let opened = store
        .reconcile_findings(&scope, &[silent(s1)], at(9, 2), day(9))
        .await
        .unwrap();
    assert_eq!(opened.opened.len(), 1);
    let id = opened.opened[0];

    let confirmed = store
        .reconcile_findings(&scope, &[silent(s1)], at(10, 2), day(10))
        .await
        .unwrap();
    assert_eq!(confirmed.confirmed, vec![id]);
    assert!(confirmed.opened.is_empty());

    // The account posts again: resolved on the 13th (是否整改: 是).
    let resolved = store
        .reconcile_findings(&scope, &[], at(13, 2), day(13))
        .await
        .unwrap();
    assert_eq!(resolved.resolved, vec![id]);

    // Silent again later: a new episode, a new line.
    let s2 = "3月6日监测到超过两周未更新内容，最新更新时间为2月20日";
    let reopened = store
        .reconcile_findings(&scope, &[silent(s2)], at(20, 2), day(20))
        .await
        .unwrap();
    assert_eq!(reopened.opened.len(), 1);
    assert_ne!(reopened.opened[0], id);

    let all = store.findings(&FindingFilter::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    let first = &all[0];
    assert_eq!(first.opened_on, day(9));
    assert_eq!(first.opened_at, at(9, 2));
    assert_eq!(first.last_confirmed, at(10, 2));
    assert_eq!(first.resolved_on, Some(day(13)));
    assert_eq!(first.resolved_at, Some(at(13, 2)));
    // The sentence written when it opened is kept for readers of the database.
    assert_eq!(first.stored_sentence, s1);
    assert_eq!(first.evidence_json()["last_post"], "2019-12-25");
    assert!(all[1].is_open());
    assert_eq!(all[1].stored_sentence, s2);

    let open = store
        .findings(&FindingFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(store.findings_open_on(day(12)).await.unwrap()[0].id, id);
    assert!(store.findings_open_on(day(15)).await.unwrap().is_empty());
    assert_eq!(store.findings_open_on(day(21)).await.unwrap().len(), 1);
    let by_unit = store
        .findings(&FindingFilter {
            unit: Some("县公安局".into()),
            kind: Some(Kind::AccountSilent),
            since: Some(day(14)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        by_unit.len(),
        1,
        "only the second episode is open on or after the 14th"
    );

    // A rerun of the same check changes nothing.
    let rerun = store
        .reconcile_findings(&scope, &[silent(s2)], at(20, 2), day(20))
        .await
        .unwrap();
    assert_eq!(rerun.confirmed.len(), 1);
    assert_eq!(
        store
            .findings(&FindingFilter::default())
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn a_partial_check_resolves_only_what_it_looked_at(store: Store) {
    let finding = |subject: &str| NewFinding {
        subject_key: subject.into(),
        unit: None,
        sentence: "栏目更新不及时".into(),
        evidence: Evidence::ColumnStale(evidence::ColumnStale {
            column: evidence::ColumnBase {
                site: "某县人民政府".into(),
                column: subject.into(),
                url: format!("http://127.0.0.1:9/{subject}/"),
                units: vec!["县公安局".into()],
                last_update: Some(day(1)),
            },
            class: "news".into(),
            days_since: 15,
            limit_days: Some(14),
            limit_months: None,
        }),
    };
    let all = Scope::kinds([Kind::ColumnStale]);
    store
        .reconcile_findings(&all, &[finding("a"), finding("b")], at(1, 0), day(1))
        .await
        .unwrap();
    // A check of column "a" only, which is fine now: "b" stays open.
    let only_a = Scope {
        kinds: vec![Kind::ColumnStale],
        subjects: Some(["a".to_string()].into()),
        unwatched: Default::default(),
    };
    let r = store
        .reconcile_findings(&only_a, &[], at(2, 0), day(2))
        .await
        .unwrap();
    assert_eq!(r.resolved.len(), 1);
    let open = store
        .findings(&FindingFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].subject_key, "b");
    // Other kinds are never touched by a column_stale scope.
    let other = Scope::kinds([Kind::LinkBroken]);
    let r = store
        .reconcile_findings(&other, &[], at(3, 0), day(3))
        .await
        .unwrap();
    assert!(r.resolved.is_empty());
}

/// Two workers (two store handles on one database) book starts for Weibo at once, each
/// as a platform read would: however their bookings interleave, the starts are
/// one interval apart and none is handed out twice.
async fn two_workers_book_platform_starts_an_interval_apart(db: &support::db::TestDb) {
    let workers = [db.store().await, db.store().await];
    let interval = Duration::from_secs(5);
    let now = at(1, 0);
    let secs = |s: i64| chrono::Duration::seconds(s);
    let booking = workers.map(|store| {
        tokio::spawn(async move {
            let mut starts = Vec::new();
            for _ in 0..5 {
                starts.push(
                    store
                        .reserve_platform_slot("weibo", interval, now)
                        .await
                        .unwrap(),
                );
            }
            starts
        })
    });
    let mut starts = Vec::new();
    for worker in booking {
        starts.extend(worker.await.unwrap());
    }
    starts.sort();
    let expected: Vec<_> = (0..10).map(|i| now + secs(5 * i)).collect();
    assert_eq!(starts, expected);

    let store = db.store().await;
    // Booked while the queue still runs: after its end.
    let start = store.reserve_platform_slot("weibo", interval, now + secs(12));
    assert_eq!(start.await.unwrap(), now + secs(50));
    // Another platform has its own book; a booking after the queue ran out is at once.
    let start = store.reserve_platform_slot("wechat_mp", interval, now);
    assert_eq!(start.await.unwrap(), now);
    let start = store.reserve_platform_slot("weibo", interval, now + secs(3600));
    assert_eq!(start.await.unwrap(), now + secs(3600));
}

mod platform_pacing {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let db = crate::support::db::sqlite();
        super::two_workers_book_platform_starts_an_interval_apart(&db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(db) = crate::support::db::postgres().await else {
            return;
        };
        super::two_workers_book_platform_starts_an_interval_apart(&db).await;
    }
}

/// A silent account finding about `subject`, for `unit` (several joined with 、).
fn silent_of(subject: &str, unit: &str) -> NewFinding {
    NewFinding {
        subject_key: subject.into(),
        unit: Some(unit.into()),
        ..silent("planted")
    }
}

fn query(visibility: Visibility) -> FindingQuery {
    FindingQuery {
        visibility,
        unit: None,
        kind: None,
        standing: None,
        since: None,
        today: day(20),
        overdue_before: day(5),
        order: ListOrder::Opened,
    }
}

fn ids(findings: &[govwatch::store::FindingRecord]) -> Vec<i64> {
    findings.iter().map(|f| f.id).collect()
}

/// A column with two 保障单位 (县公安局、县人行) is each one's: both see its finding, a
/// third unit does not, the unit filter finds it under either name; a confirmation that
/// names other units moves it.
async fn a_finding_belongs_to_each_of_its_units(store: Store) {
    let scope = Scope::kinds([Kind::AccountSilent]);
    let detected = [
        silent_of("shared", "县公安局、县人行"),
        silent_of("police", "县公安局"),
        silent_of("audit", "审计局"),
    ];
    let opened = store
        .reconcile_findings(&scope, &detected, at(9, 2), day(9))
        .await
        .unwrap()
        .opened;
    let [shared, police, audit] = opened[..] else {
        panic!("three opened: {opened:?}")
    };
    let sees = async |unit: &str| {
        let page = store
            .finding_page(&query(Visibility::Unit(unit.into())), 1, 50)
            .await
            .unwrap();
        let mut seen = ids(&page.findings);
        seen.sort();
        assert_eq!(page.total, seen.len() as u64);
        seen
    };
    assert_eq!(sees("县公安局").await, vec![shared, police]);
    assert_eq!(sees("县人行").await, vec![shared]);
    assert_eq!(sees("审计局").await, vec![audit]);
    assert_eq!(sees("林业局").await, Vec::<i64>::new());
    assert_eq!(sees("").await, Vec::<i64>::new());
    assert!(store.finding_names_unit(shared, "县人行").await.unwrap());
    assert!(!store.finding_names_unit(shared, "审计局").await.unwrap());

    let by_unit = store
        .findings(&FindingFilter {
            unit: Some("县人行".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(ids(&by_unit), vec![shared]);
    let mut q = query(Visibility::All);
    q.unit = Some("县公安局".into());
    let page = store.finding_page(&q, 1, 50).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(
        store.finding_unit_names(&Visibility::All).await.unwrap(),
        vec!["县人行", "县公安局", "审计局"]
    );
    assert_eq!(
        store
            .finding_unit_names(&Visibility::Unit("县人行".into()))
            .await
            .unwrap(),
        vec!["县人行", "县公安局"]
    );

    // The catalog changes the column's units: the next confirmation moves the finding.
    let moved = [
        silent_of("shared", "县人行、审计局"),
        silent_of("police", "县公安局"),
        silent_of("audit", "审计局"),
    ];
    store
        .reconcile_findings(&scope, &moved, at(10, 2), day(10))
        .await
        .unwrap();
    assert_eq!(sees("县公安局").await, vec![police]);
    assert_eq!(sees("审计局").await, vec![shared, audit]);
    assert_eq!(sees("县人行").await, vec![shared]);
}

/// 问题列表's reads: the count is right on every page and across page boundaries, a
/// page past the last shows the last, 整改超期 is what opened before the cut-off and is
/// still open, 误报 is only itself, and 总览's counts are grouped in SQL.
async fn finding_pages_count_filter_and_page_in_sql(store: Store) {
    let scope = Scope::kinds([Kind::AccountSilent]);
    // Seven findings of 县人行, one a day from the 1st; one of 审计局 too.
    let mut opened = Vec::new();
    let mut audit = 0;
    for d in 1..=7u32 {
        let mut detected = vec![silent_of(&format!("p{d}"), "县人行")];
        if d == 1 {
            detected.push(silent_of("audit", "审计局"));
        }
        let mut scope = scope.clone();
        scope.subjects = Some(Default::default());
        let done = store
            .reconcile_findings(&scope, &detected, at(d, 2), day(d))
            .await
            .unwrap();
        opened.push(done.opened[0]);
        audit = done.opened.get(1).copied().unwrap_or(audit);
    }
    // p2 is rectified on the 8th, p3 closes as 不再监测; p4 is a 误报.
    let mut closing = scope.clone();
    closing.subjects = Some(["p2".to_string(), "p3".to_string()].into_iter().collect());
    closing.unwatched = ["p3".to_string()].into_iter().collect();
    store
        .reconcile_findings(&closing, &[], at(8, 2), day(8))
        .await
        .unwrap();
    store
        .dismiss_finding(opened[3], "核实为误报", "office1", at(8, 3))
        .await
        .unwrap();

    let mut q = query(Visibility::Unit("县人行".into()));
    let mut pages = Vec::new();
    for page in 1..=3 {
        let p = store.finding_page(&q, page, 3).await.unwrap();
        assert_eq!((p.total, p.pages, p.page), (7, 3, page));
        pages.push(ids(&p.findings));
    }
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![3, 3, 1]
    );
    // Overdue first (open, not 误报, opened before the 5th: p1), then newest first.
    let order: Vec<i64> = pages.concat();
    let expected: Vec<i64> = [0, 6, 5, 4, 3, 2, 1].iter().map(|i| opened[*i]).collect();
    assert_eq!(order, expected);
    let past = store.finding_page(&q, 99, 3).await.unwrap();
    assert_eq!(past.page, 3);
    assert_eq!(ids(&past.findings), pages[2]);

    let standing = async |q: &mut FindingQuery, s: Standing| {
        q.standing = Some(s);
        let p = store.finding_page(q, 1, 50).await.unwrap();
        assert_eq!(p.total, p.findings.len() as u64);
        let mut found = ids(&p.findings);
        found.sort();
        found
    };
    let o = |i: usize| opened[i];
    assert_eq!(standing(&mut q, Standing::Overdue).await, vec![o(0)]);
    assert_eq!(
        standing(&mut q, Standing::Open).await,
        vec![o(0), o(4), o(5), o(6)]
    );
    assert_eq!(standing(&mut q, Standing::Rectified).await, vec![o(1)]);
    assert_eq!(standing(&mut q, Standing::Unwatched).await, vec![o(2)]);
    assert_eq!(standing(&mut q, Standing::Dismissed).await, vec![o(3)]);
    let dismissed = store
        .finding_page(&q, 1, 50)
        .await
        .unwrap()
        .findings
        .remove(0);
    assert!(dismissed.dismissal.is_some());

    // Longest open first: p1 (overdue) leads; then by days open to the 20th or to the
    // day closed.
    q.standing = None;
    q.order = ListOrder::DaysOpen;
    let by_days = ids(&store.finding_page(&q, 1, 50).await.unwrap().findings);
    assert_eq!(by_days, vec![o(0), o(3), o(4), o(5), o(6), o(1), o(2)]);

    let counts = store
        .open_counts(
            &store.dismissed().await.unwrap(),
            &Visibility::All,
            &[Kind::AccountSilent],
            50,
        )
        .await
        .unwrap();
    // Open: p1, p5, p6, p7 and 审计局's (p4 is a 误报).
    assert_eq!(counts.by_kind, vec![(Kind::AccountSilent, 5)]);
    let by_unit = store
        .open_per_unit(
            &store.dismissed().await.unwrap(),
            &Visibility::All,
            &[Kind::AccountSilent],
        )
        .await
        .unwrap();
    assert_eq!(
        by_unit,
        vec![("县人行".to_string(), 4, 4), ("审计局".to_string(), 1, 1)]
    );
    assert_eq!(
        store
            .open_per_unit(
                &store.dismissed().await.unwrap(),
                &Visibility::Unit("审计局".into()),
                &[]
            )
            .await
            .unwrap(),
        vec![("审计局".to_string(), 1, 0)]
    );
    let veto = store
        .open_counts(
            &store.dismissed().await.unwrap(),
            &Visibility::Unit("审计局".into()),
            &[Kind::AccountSilent],
            50,
        )
        .await
        .unwrap()
        .flagged;
    assert_eq!(veto.len(), 1);
    assert_eq!(veto[0].unit.as_deref(), Some("审计局"));
    // 总览 lists the earliest opened of many: p1 and 审计局's (both of the 1st).
    let first_two = store
        .open_counts(
            &store.dismissed().await.unwrap(),
            &Visibility::All,
            &[Kind::AccountSilent],
            2,
        )
        .await
        .unwrap();
    assert_eq!(first_two.by_kind, vec![(Kind::AccountSilent, 5)]);
    let mut listed = ids(&first_two.flagged);
    listed.sort();
    let mut earliest = vec![o(0), audit];
    earliest.sort();
    assert_eq!(listed, earliest);
}

/// 总览's trend and 单位's counts: a finding is open at the end of a day it was opened
/// on or before and not resolved by; 误报 never count; a finding of two units counts
/// for each unit and once in the whole; a unit user's whole is their unit's.
async fn the_trend_and_unit_counts_are_counted_in_sql(store: Store) {
    let scope = Scope::kinds([Kind::AccountSilent]);
    let apply = async |d: u32, hour: u32, detected: &[NewFinding], closing: &[&str]| {
        let mut scope = scope.clone();
        scope.subjects = Some(closing.iter().map(|s| s.to_string()).collect());
        store
            .reconcile_findings(&scope, detected, at(d, hour), day(d))
            .await
            .unwrap()
            .opened
    };
    // The 1st: one opened and rectified the same day (never open at a day's end).
    apply(1, 2, &[silent_of("g", "林业局")], &[]).await;
    apply(1, 3, &[], &["g"]).await;
    let opened = apply(
        2,
        2,
        &[
            silent_of("a", "县公安局、县人行"),
            silent_of("b", "县人行"),
            silent_of("c", "审计局"),
            silent_of("d", "县人行"),
        ],
        &[],
    )
    .await;
    store
        .dismiss_finding(opened[3], "核实为误报", "office1", at(2, 5))
        .await
        .unwrap();
    apply(4, 2, &[], &["b"]).await;
    apply(
        5,
        2,
        &[silent_of("e", "县人行"), silent_of("f", "县人行")],
        &[],
    )
    .await;
    apply(5, 3, &[], &["f"]).await;

    let days = [day(1), day(3), day(4), day(5), day(6)];
    assert_eq!(
        store
            .county_open_trend(&store.dismissed().await.unwrap(), &days)
            .await
            .unwrap(),
        vec![0, 3, 2, 3, 3]
    );
    let units: Vec<String> = ["审计局", "县人行", "林业局", "县公安局", "审计局"]
        .map(String::from)
        .into();
    // In the order asked, each once; 林业局 was never open at a day's end.
    assert_eq!(
        store
            .units_open_trend(&store.dismissed().await.unwrap(), &days, &units)
            .await
            .unwrap(),
        vec![
            ("审计局".to_string(), vec![0, 1, 1, 1, 1]),
            ("县人行".to_string(), vec![0, 2, 1, 2, 2]),
            ("林业局".to_string(), vec![0, 0, 0, 0, 0]),
            ("县公安局".to_string(), vec![0, 1, 1, 1, 1]),
        ]
    );
    assert!(
        store
            .county_open_trend(&store.dismissed().await.unwrap(), &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .units_open_trend(&store.dismissed().await.unwrap(), &days, &[])
            .await
            .unwrap()
            .is_empty()
    );
    // Undoing the 误报 counts it again from the day it opened.
    store
        .undismiss_finding(opened[3], "office1", at(6, 1))
        .await
        .unwrap();
    assert_eq!(
        store
            .county_open_trend(&store.dismissed().await.unwrap(), &days)
            .await
            .unwrap(),
        vec![0, 4, 3, 4, 4]
    );

    let per_unit = store
        .open_per_unit(&store.dismissed().await.unwrap(), &Visibility::All, &[])
        .await
        .unwrap();
    let mut expected = vec![
        ("县人行".to_string(), 3, 0),
        ("县公安局".to_string(), 1, 0),
        ("审计局".to_string(), 1, 0),
    ];
    expected.sort();
    assert_eq!(per_unit, expected);
    let flagged = store
        .open_per_unit(
            &store.dismissed().await.unwrap(),
            &Visibility::All,
            &[Kind::AccountSilent],
        )
        .await
        .unwrap();
    assert!(flagged.iter().all(|(_, n, v)| n == v), "{flagged:?}");

    // A 误报 of two units leaves both units' counts, its kind's count and the list of
    // the flagged kinds, which still lists as many as asked for.
    store
        .dismiss_finding(opened[0], "核实为误报", "office1", at(6, 2))
        .await
        .unwrap();
    let dismissed = store.dismissed().await.unwrap();
    let silent = [Kind::AccountSilent];
    assert_eq!(
        store
            .open_per_unit(&dismissed, &Visibility::All, &silent)
            .await
            .unwrap(),
        vec![("县人行".to_string(), 2, 2), ("审计局".to_string(), 1, 1)]
    );
    let counts = store
        .open_counts(&dismissed, &Visibility::All, &silent, 1)
        .await
        .unwrap();
    assert_eq!(counts.by_kind, vec![(Kind::AccountSilent, 3)]);
    let listed: Vec<&str> = counts
        .flagged
        .iter()
        .map(|f| f.subject_key.as_str())
        .collect();
    assert_eq!(listed, ["c"]);
    // A unit user's counts: the 误报 was the only finding of 县公安局.
    let police = Visibility::Unit("县公安局".into());
    let counts = store
        .open_counts(&dismissed, &police, &silent, 50)
        .await
        .unwrap();
    assert!(counts.by_kind.is_empty() && counts.flagged.is_empty());
    assert!(
        store
            .open_per_unit(&dismissed, &police, &silent)
            .await
            .unwrap()
            .is_empty()
    );
    let bank = Visibility::Unit("县人行".into());
    assert_eq!(
        store
            .open_per_unit(&dismissed, &bank, &silent)
            .await
            .unwrap(),
        vec![("县人行".to_string(), 2, 2)]
    );
    assert_eq!(
        store
            .units_open_trend(&dismissed, &days, &["县公安局".to_string()])
            .await
            .unwrap(),
        vec![("县公安局".to_string(), vec![0, 0, 0, 0, 0])]
    );
    // Findings naming no unit (none given, or blanks and 、 alone) count under "".
    let unitless = NewFinding {
        unit: None,
        ..silent_of("h", "")
    };
    apply(6, 3, &[unitless, silent_of("i", " 、 ")], &[]).await;
    let per_unit = store
        .open_per_unit(&dismissed, &Visibility::All, &silent)
        .await
        .unwrap();
    assert_eq!(per_unit[0], (String::new(), 2, 2), "{per_unit:?}");
    assert_eq!(per_unit.len(), 3, "{per_unit:?}");
}
