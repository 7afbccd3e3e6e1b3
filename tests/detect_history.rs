//! The detect stage reads history in bounded time: item dates per column and day from
//! the last completed quarter (or an older open shortfall quarter), the latest post per
//! account and the posts of the weeks judged. The rules must say exactly what they said
//! over every stored item and post: this replays a generated history (three years of
//! items and posts, undated and future-dated ones, old open episodes) day by day and
//! compares the findings of both reads, on SQLite and PostgreSQL.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, end_of_day, start_of_day};
use govwatch::config::Thresholds;
use govwatch::cycle::detect::{item_windows, post_windows};
use govwatch::detect::accounts::{AccountState, SourceCheck, judge_accounts, judge_weekly_minimum};
use govwatch::detect::columns::{ColumnState, CrawlResult, judge_columns, judge_units};
use govwatch::detect::period::Period;
use govwatch::detect::{Context, Finding, Kind};
use govwatch::store::{CatalogIds, NewItem, NewPost, Store};

on_both_databases!(bounded_reads_judge_as_the_whole_history_does);

const CATALOG: &str = r#"
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
name = "部门动态"
url = "http://127.0.0.1:9/bmdt/"
units = ["县公安局", "审计局"]
quota = 3
[[column]]
site = "某县人民政府"
name = "通知公告"
url = "http://127.0.0.1:9/tzgg/"
units = ["审计局"]
class = "notice"
quota = 2
[[column]]
site = "某县人民政府"
name = "政策文件"
url = "http://127.0.0.1:9/zcwj/"
units = ["审计局"]
class = "policy"
[[column]]
site = "某县人民政府"
name = "审计动态"
url = "http://127.0.0.1:9/sjdt/"
units = ["审计局"]
[[column]]
site = "某县人民政府"
name = "从未更新"
url = "http://127.0.0.1:9/cwgx/"
units = ["审计局"]
quota = 1
[[account]]
name = "平安某县"
unit = "县公安局"
platform = "weibo"
source = { kind = "weibo", uid = "42" }
[[account]]
name = "审计某县"
unit = "审计局"
platform = "weibo"
source = { kind = "weibo", uid = "43" }
[[account]]
name = "旧号"
unit = "审计局"
platform = "wechat"
status = "closed"
closed_on = 2019-06-30
source = { kind = "manual" }
[[account]]
name = "新号"
unit = "县公安局"
platform = "douyin"
opened_on = 2020-03-01
source = { kind = "manual" }
"#;

fn catalog() -> Catalog {
    let loaded = load_texts(&[(Path::new("county.toml"), CATALOG)]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    loaded.catalog
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) % n.max(1)
    }
}

/// Posts by account: publish instant and whether an original.
type Posts = HashMap<i64, Vec<(DateTime<Utc>, Option<bool>)>>;

const FIRST: (i32, u32, u32) = (2018, 1, 1);

/// Items and posts from 2018 to mid-2021, each column and account with its own rhythm and
/// gaps of months (so quarters fall short or publish nothing), some undated items and
/// some dated after the days judged.
async fn fill(store: &Store, ids: &CatalogIds, catalog: &Catalog) {
    let mut rng = Rng(19);
    let first = d(FIRST.0, FIRST.1, FIRST.2);
    let seen = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).unwrap();
    for (n, c) in catalog.columns.iter().enumerate() {
        if c.name == "从未更新" {
            continue;
        }
        let id = ids.columns[&c.key()];
        let every = [3, 9, 20, 40, 11][n % 5];
        let mut items = Vec::new();
        let mut day = first;
        let mut i = 0;
        while day < d(2021, 6, 30) {
            // A pause of a few months now and then.
            let gap = if rng.below(12) == 0 {
                90 + rng.below(120)
            } else {
                0
            };
            day = day + Days::new(1 + rng.below(every) + gap);
            for _ in 0..=rng.below(2) {
                i += 1;
                items.push(NewItem {
                    url: format!("http://127.0.0.1:9/{n}/{i}.html"),
                    title: format!("信息{i}"),
                    published_on: (rng.below(15) != 0).then_some(day),
                    date_source: Some("list".into()),
                });
            }
        }
        store.upsert_column_items(id, &items, seen).await.unwrap();
    }
    for (n, a) in catalog.accounts.iter().enumerate() {
        let id = ids.accounts[&a.key()];
        let every_hours = [7, 30, 200, 50][n % 4];
        let mut posts = Vec::new();
        let mut at = start_of_day(first, Shanghai);
        let mut i = 0;
        while at < Utc.with_ymd_and_hms(2021, 6, 30, 0, 0, 0).unwrap() {
            let gap = if rng.below(40) == 0 {
                24 * (10 + rng.below(60))
            } else {
                0
            };
            at += Duration::hours((1 + rng.below(every_hours) + gap) as i64);
            i += 1;
            posts.push(NewPost {
                post_key: format!("{n}-{i}"),
                title: None,
                url: None,
                published_at: at,
                original: match rng.below(5) {
                    0 => None,
                    1 | 2 => Some(false),
                    _ => Some(true),
                },
            });
        }
        store.upsert_account_posts(id, &posts, seen).await.unwrap();
    }
}

fn sorted(mut found: Vec<Finding>) -> Vec<String> {
    let mut out: Vec<String> = found.drain(..).map(|f| format!("{f:?}")).collect();
    out.sort();
    out
}

async fn bounded_reads_judge_as_the_whole_history_does(store: Store) {
    let catalog = catalog();
    store
        .sync_catalog(&catalog, Utc.with_ymd_and_hms(2018, 1, 1, 0, 0, 0).unwrap())
        .await
        .unwrap();
    let ids = store.catalog_ids().await.unwrap();
    fill(&store, &ids, &catalog).await;
    let all_dates = store.item_dates().await.unwrap();
    let all_posts = store.post_originals().await.unwrap();
    let thresholds = Thresholds {
        account_weekly_minimum: true,
        ..Thresholds::default()
    };

    // Old open episodes: quarters and weeks long past, which the rules judge again.
    let mut open: HashSet<(Kind, String)> = HashSet::new();
    for c in &catalog.columns {
        for q in ["2018Q2", "2019Q3", "2020Q1"] {
            open.insert((Kind::ColumnQuotaShortfall, format!("{}#{q}", c.key())));
            open.insert((Kind::ColumnZeroPublish, format!("{}#{q}", c.key())));
        }
    }
    open.insert((Kind::UnitZeroPublish, "审计局#2018Q4".into()));
    for a in &catalog.accounts {
        for w in ["2018-W40", "2020-W02"] {
            open.insert((Kind::AccountWeeklyMinimum, format!("{}#{w}", a.key())));
        }
    }

    // Every fifth day, and the first two days of each quarter (when quarter rules turn).
    let mut days: std::collections::BTreeSet<NaiveDate> =
        std::iter::successors(Some(d(2019, 12, 20)), |day| Some(*day + Days::new(5)))
            .take_while(|day| *day <= d(2021, 7, 10))
            .collect();
    let mut q = Period::quarter_of(d(2020, 1, 1));
    while q.start() <= d(2021, 7, 10) {
        days.extend([q.start(), q.start() + Days::new(1)]);
        q = q.next();
    }
    let mut kinds = HashSet::new();
    for &day in &days {
        let clock = Clock::new(end_of_day(day, Shanghai) - Duration::hours(3), Shanghai);
        let ctx = Context {
            today: day,
            thresholds: &thresholds,
        };
        // Columns: every stored date against the bounded read.
        let (from, earlier) = item_windows(&open, &ids, day);
        let bounded = store.item_dates_from(day, from, &earlier).await.unwrap();
        let states = |dates: &HashMap<i64, Vec<NaiveDate>>| -> Vec<ColumnState> {
            catalog
                .columns
                .iter()
                .map(|c| ColumnState {
                    column: c,
                    key: c.key(),
                    dates: dates
                        .get(&ids.columns[&c.key()])
                        .cloned()
                        .unwrap_or_default(),
                    crawls: vec![CrawlResult::Listed { items: 10 }],
                })
                .collect()
        };
        let (whole, bounded) = (states(&all_dates), states(&bounded));
        let judge = |s: &[ColumnState]| {
            let mut f = judge_columns(&ctx, s, &open);
            f.extend(judge_units(&ctx, s, &open));
            sorted(f)
        };
        assert_eq!(judge(&whole), judge(&bounded), "columns on {day}");
        kinds.extend(judge_columns(&ctx, &whole, &open).iter().map(|f| f.kind));
        kinds.extend(judge_units(&ctx, &whole, &open).iter().map(|f| f.kind));

        // Accounts: every stored post against the latest ones and the weeks judged.
        let (from, earlier) = post_windows(&open, &ids, day);
        let bounded = store
            .posts_from(
                clock.now(),
                Some(start_of_day(from, Shanghai)),
                &earlier
                    .into_iter()
                    .map(|(id, day)| (id, start_of_day(day, Shanghai)))
                    .collect(),
                true,
            )
            .await
            .unwrap();
        let latest_only = store
            .posts_from(clock.now(), None, &HashMap::new(), false)
            .await
            .unwrap();
        let states = |posts: &Posts| {
            catalog
                .accounts
                .iter()
                .map(|a| AccountState {
                    account: a,
                    key: a.key(),
                    post_originals: posts
                        .get(&ids.accounts[&a.key()])
                        .into_iter()
                        .flatten()
                        .filter(|(t, _)| clock.has_happened(*t))
                        .map(|(t, o)| (clock.day_of(*t), *o))
                        .collect(),
                    watched_since: Some(d(2018, 3, 1)),
                    check: SourceCheck::Read,
                })
                .collect::<Vec<_>>()
        };
        let (whole, bounded, latest_only) =
            (states(&all_posts), states(&bounded), states(&latest_only));
        assert_eq!(
            sorted(judge_accounts(&ctx, &whole)),
            sorted(judge_accounts(&ctx, &bounded)),
            "accounts on {day}"
        );
        assert_eq!(
            sorted(judge_accounts(&ctx, &whole)),
            sorted(judge_accounts(&ctx, &latest_only)),
            "accounts on {day}, the latest posts alone"
        );
        assert_eq!(
            sorted(judge_weekly_minimum(&ctx, &whole, &open)),
            sorted(judge_weekly_minimum(&ctx, &bounded, &open)),
            "weekly minimum on {day}"
        );
        kinds.extend(judge_accounts(&ctx, &whole).iter().map(|f| f.kind));
        kinds.extend(
            judge_weekly_minimum(&ctx, &whole, &open)
                .iter()
                .map(|f| f.kind),
        );
    }
    // The history gives every rule compared something to find.
    for kind in [
        Kind::ColumnStale,
        Kind::ColumnZeroPublish,
        Kind::ColumnQuotaShortfall,
        Kind::UnitZeroPublish,
        Kind::AccountSilent,
        Kind::AccountClosedActive,
        Kind::AccountWeeklyMinimum,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} in {kinds:?}");
    }
}
