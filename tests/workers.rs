//! Several workers (`govwatch serve`, the built binary) on one PostgreSQL share a
//! cycle's jobs: three workers, a county with five sites, one of them slow. The worker
//! inside the slow site's job is killed with SIGKILL; its lease expires, another worker
//! takes the job over, and the run ends with every job done once, no observation stored
//! twice, and the findings a single `govwatch check` of the same county finds.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::routing::get;
use govwatch::app::{App, Options};
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::store::{Enqueued, Store};
use support::{FixtureServer, county, wait_for};

const SLOW_SITE: &str = "慢镇人民政府";
/// How long the slow site's slow column takes to answer: longer than a lease.
const SLOW: Duration = Duration::from_secs(8);

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn list(items: &[(&str, &str, &str)]) -> String {
    let mut html = String::from("<html><body><ul class=\"list\">");
    for (href, title, date) in items {
        html.push_str(&format!(
            "<li><a href=\"{href}\">{title}</a><span>{date}</span></li>"
        ));
    }
    html.push_str("</ul></body></html>");
    html
}

/// The fixture county plus three towns and the slow town, on one server.
fn router() -> axum::Router {
    let mut router = county::router();
    for town in ["town1", "town2", "town3"] {
        router = router
            .route(
                &format!("/{town}/"),
                get(move || async move {
                    axum::response::Html(list(&[(
                        &format!("/{town}/1.html"),
                        "镇政府召开工作会议",
                        "2020-07-02",
                    )]))
                }),
            )
            .route(
                &format!("/{town}/list.html"),
                get(move || async move {
                    axum::response::Html(list(&[
                        (
                            &format!("/{town}/1.html"),
                            "镇政府召开工作会议",
                            "2020-07-02",
                        ),
                        (
                            &format!("/{town}/2.html"),
                            "关于做好防汛工作的通知",
                            "2020-06-15",
                        ),
                    ]))
                }),
            );
    }
    router
        .route(
            "/slow/",
            get(|| async {
                axum::response::Html(list(&[("/slow/a1.html", "慢镇要闻", "2020-07-01")]))
            }),
        )
        .route(
            "/slow/fast.html",
            get(|| async {
                axum::response::Html(list(&[
                    ("/slow/a1.html", "慢镇要闻", "2020-07-01"),
                    ("/slow/a2.html", "慢镇通知", "2020-06-20"),
                ]))
            }),
        )
        .route(
            "/slow/slow.html",
            get(|| async {
                tokio::time::sleep(SLOW).await;
                axum::response::Html(list(&[("/slow/b1.html", "慢栏目的文章", "2020-07-03")]))
            }),
        )
}

fn catalog(base: &str) -> String {
    let mut text = county::catalog(base);
    for (i, town) in ["town1", "town2", "town3"].iter().enumerate() {
        let n = i + 1;
        text.push_str(&format!(
            "[[unit]]\nname = \"镇{n}\"\n\n[[site]]\nname = \"镇{n}人民政府\"\nurl = \"{base}/{town}/\"\nunit = \"镇{n}\"\n\n\
             [[column]]\nsite = \"镇{n}人民政府\"\nname = \"镇{n}动态\"\nurl = \"{base}/{town}/list.html\"\nclass = \"news\"\n\n"
        ));
    }
    text.push_str(&format!(
        "[[unit]]\nname = \"慢镇\"\n\n[[site]]\nname = \"{SLOW_SITE}\"\nurl = \"{base}/slow/\"\nunit = \"慢镇\"\n\n\
         [[column]]\nsite = \"{SLOW_SITE}\"\nname = \"慢镇动态\"\nurl = \"{base}/slow/fast.html\"\nclass = \"news\"\n\n\
         [[column]]\nsite = \"{SLOW_SITE}\"\nname = \"慢镇公告\"\nurl = \"{base}/slow/slow.html\"\nclass = \"notice\"\n\n"
    ));
    text
}

/// Kills the workers still running when the test ends, however it ends.
struct Workers(Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_share_a_cycle_and_take_over_a_killed_workers_job() {
    let Some(db) = support::db::postgres().await else {
        return;
    };
    let server = FixtureServer::with_router("127.0.0.1", router()).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    // The cycle runs daily at 03:00; the last run was two days ago, so exactly one run is
    // owed on start (missed runs make one) and none follows during the test.
    write(
        &config.join("govwatch.toml"),
        "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 30\ndns = \"static\"\n\n\
         [probe]\ninterval_min = 1440\n\n\
         [schedule]\ncrawl = \"0 3 * * *\"\n\n\
         [serve]\nlease_s = 2\njobs = 2\n",
    );
    write(&config.join("catalog/county.toml"), &catalog(&base));
    let store = Store::open(&db.url).await.unwrap();
    let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
    let before = chrono::Utc::now() - chrono::Duration::days(2);
    // A run without jobs ends `ok` as it is created.
    let Enqueued::Created(seeded) = store
        .enqueue_run("cycle", before, before, before, &[])
        .await
        .unwrap()
    else {
        panic!("the seeded run was not created");
    };

    let mut workers = Workers(Vec::new());
    for i in 0..3 {
        let log = std::fs::File::create(tmp.path().join(format!("worker{i}.log"))).unwrap();
        workers.0.push(
            Command::new(env!("CARGO_BIN_EXE_govwatch"))
                .current_dir(tmp.path())
                .args(["--config", "config", "--database", &db.url])
                .args(["serve", "--listen", "127.0.0.1:0"])
                .env_remove("GOVWATCH_DATABASE_URL")
                .env_remove("GOVWATCH_CONFIG")
                .env_remove("GOVWATCH_WORKER_ID")
                .env("RUST_LOG", "info")
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        );
    }
    let logs = || {
        (0..3)
            .map(|i| {
                std::fs::read_to_string(tmp.path().join(format!("worker{i}.log")))
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join("\n----\n")
    };

    // The one run owed, created once however many workers asked.
    let (run_id, run_at) = wait_for("the run", 30, async || {
        let runs = store.runs_of("cycle").await.unwrap();
        runs.iter()
            .find(|r| r.0 != seeded)
            .map(|r| (r.0, r.2))
            .ok_or_else(|| format!("cycle runs {runs:?}"))
    })
    .await;

    // A worker is inside the slow site's job: its fast column is stored, its slow one
    // is being read.
    let fast_url = format!("{base}/slow/fast.html");
    let holder: String = wait_for("a worker inside the slow site's job", 30, async || {
        let leased: Option<String> = sqlx::query_scalar(
            "SELECT leased_by FROM work_jobs WHERE run_id = $1 AND kind = 'site' AND subject = $2 AND state = 'leased'",
        )
        .bind(run_id)
        .bind(SLOW_SITE)
        .fetch_optional(&pool)
        .await
        .unwrap()
        .flatten();
        let crawled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM column_crawls cc JOIN columns c ON c.id = cc.column_id WHERE c.url = $1",
        )
        .bind(&fast_url)
        .fetch_one(&pool)
        .await
        .unwrap();
        leased
            .clone()
            .filter(|_| crawled == 1)
            .ok_or_else(|| format!("leased by {leased:?}, fast column read {crawled} time(s)"))
    })
    .await;
    let pid: u32 = holder.rsplit(':').next().unwrap().parse().unwrap();
    let victim = workers
        .0
        .iter()
        .position(|c| c.id() == pid)
        .unwrap_or_else(|| panic!("the lease holder {holder} is none of the workers"));
    workers.0[victim].kill().unwrap(); // SIGKILL: no goodbye, the lease just expires
    workers.0[victim].wait().unwrap();

    let outcome = wait_for("the run to end", 90, async || {
        let runs = store.runs_of("cycle").await.unwrap();
        runs.iter()
            .find(|r| r.0 == run_id && r.3 != "running")
            .map(|r| r.3.clone())
            .ok_or_else(|| format!("cycle runs {runs:?}"))
    })
    .await;
    let all_logs = logs();
    assert_eq!(outcome, "ok", "{all_logs}");

    // Every job of the run done once; the slow site's job taken over by another worker.
    let jobs = store.work_jobs(run_id).await.unwrap();
    let kinds: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j.kind.as_str(), j.subject.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sync", ""),
            ("site", "示例县人民政府"),
            ("site", "镇1人民政府"),
            ("site", "镇2人民政府"),
            ("site", "镇3人民政府"),
            ("site", SLOW_SITE),
            ("detect", ""),
        ],
        "one set of jobs although three workers created the run"
    );
    for j in &jobs {
        assert_eq!(j.state, "done", "{j:?}");
        assert_eq!(j.outcome.as_deref(), Some("ok"), "{j:?}\n{all_logs}");
    }
    let slow = jobs.iter().find(|j| j.subject == SLOW_SITE).unwrap();
    assert_eq!(
        slow.attempts, 2,
        "leased by the victim, then by its successor: {slow:?}"
    );
    assert_ne!(slow.done_by.as_deref(), Some(holder.as_str()), "{slow:?}");
    let detect = jobs.iter().find(|j| j.kind == "detect").unwrap();
    assert_eq!(
        detect.attempts, 1,
        "detect ran once, after the rest: {detect:?}"
    );
    let detect_started_after_all: bool = sqlx::query_scalar(
        "SELECT MAX(finished_at) FILTER (WHERE kind <> 'detect') <= MAX(finished_at) FILTER (WHERE kind = 'detect') FROM work_jobs WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(detect_started_after_all);

    // The fast column was read twice (by the victim, then again) and stored once.
    assert!(
        server.hits_to("/slow/fast.html").len() >= 2,
        "the job was redone: {:?}",
        server.hits_to("/slow/fast.html").len()
    );
    let (crawls, items): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM column_crawls cc WHERE cc.column_id = c.id), \
         (SELECT COUNT(*) FROM column_items ci WHERE ci.column_id = c.id) FROM columns c WHERE c.url = $1",
    )
    .bind(&fast_url)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((crawls, items), (1, 2), "one read of the run, two items");
    let probes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM probes p JOIN sites s ON s.id = p.site_id WHERE s.key = $1 AND p.at = $2",
    )
    .bind(SLOW_SITE)
    .bind(run_at)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(probes, 1);

    // The findings are those one `govwatch check` of the same county finds.
    let found = store.open_finding_keys().await.unwrap();
    let expected = single_process_findings(&config).await;
    assert!(!expected.is_empty());
    assert_eq!(
        found.into_iter().collect::<BTreeSet<_>>(),
        expected,
        "{all_logs}"
    );

    // The other two stop cleanly.
    for (i, c) in workers.0.iter_mut().enumerate() {
        if i == victim {
            continue;
        }
        let ok = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let status = c.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{}", logs());
    }
    store.close().await;
}

/// One in-process cycle of the same configuration on SQLite.
async fn single_process_findings(config: &Path) -> BTreeSet<(govwatch::detect::Kind, String)> {
    let db = support::db::sqlite();
    let app = App::new(&Options {
        config_dir: config.to_path_buf(),
        database: Some(db.url.clone()),
        now: None,
    })
    .unwrap();
    let loaded = app.catalog().unwrap();
    let store = app.open_store().await.unwrap();
    let fetcher = app.fetcher(&loaded.catalog).unwrap();
    cycle::run(
        Env {
            store: &store,
            fetcher: &fetcher,
            catalog: &loaded.catalog,
            settings: &app.settings,
            clock: &app.clock,
        },
        &CycleOptions::default(),
        &|_| {},
    )
    .await
    .unwrap();
    let found = store.open_finding_keys().await.unwrap();
    store.close().await;
    found.into_iter().collect()
}

/// The job table's API on both databases: a run is created once, stages wait for the
/// stages before them, an expired lease is taken over and the old holder's result is
/// refused, a job given back is leased again at once, the last job ends the run.
async fn leases_on_the_job_table(store: Store) {
    use govwatch::store::{Finished, NewWork};
    let t0 = chrono::Utc::now();
    let s = chrono::Duration::seconds;
    let work = |kind: &str, subject: &str, stage: i32| NewWork {
        kind: kind.into(),
        subject: subject.into(),
        stage,
        payload: None,
    };
    let jobs = [
        work("site", "a", 1),
        work("site", "b", 1),
        work("detect", "", 2),
    ];
    let Enqueued::Created(run) = store.enqueue_run("cycle", t0, t0, t0, &jobs).await.unwrap()
    else {
        panic!("the first call creates the run")
    };
    assert_eq!(
        store.enqueue_run("cycle", t0, t0, t0, &jobs).await.unwrap(),
        Enqueued::Present
    );
    assert_eq!(
        store
            .enqueue_run("cycle", t0 + s(60), t0, t0, &jobs)
            .await
            .unwrap(),
        Enqueued::Busy,
        "runs of a job never overlap"
    );
    assert_eq!(
        store
            .enqueue_run("probe", t0 - s(60), t0, t0, &[])
            .await
            .unwrap(),
        Enqueued::NotDue,
        "a job that never ran owes nothing from before the worker started"
    );

    let lease = s(10);
    let a = store.claim_job("w1", t0, lease).await.unwrap().unwrap();
    let b = store.claim_job("w2", t0, lease).await.unwrap().unwrap();
    assert_eq!((a.subject.as_str(), b.subject.as_str()), ("a", "b"));
    assert_eq!(a.run_at, store.runs_of("cycle").await.unwrap()[0].2);
    assert!(
        store.claim_job("w3", t0, lease).await.unwrap().is_none(),
        "detect waits for the sites"
    );
    // w1 keeps its lease alive; w2 dies: after its lease, w3 takes b over.
    assert!(store.extend_lease(&a, t0 + s(20)).await.unwrap());
    let later = t0 + s(15);
    let b2 = store.claim_job("w3", later, lease).await.unwrap().unwrap();
    assert_eq!((b2.subject.as_str(), b2.attempt), ("b", 2));
    assert!(!store.extend_lease(&b, later + s(10)).await.unwrap());
    assert_eq!(
        store.finish_job(&b, "w2", later, "ok", None).await.unwrap(),
        Finished::LeaseLost
    );
    // w1 is stopped: it gives a back, and w3 takes it at once.
    store.release_job(&a).await.unwrap();
    let a2 = store.claim_job("w3", later, lease).await.unwrap().unwrap();
    assert_eq!((a2.subject.as_str(), a2.attempt), ("a", 1));
    for l in [&a2, &b2] {
        assert_eq!(
            store.finish_job(l, "w3", later, "ok", None).await.unwrap(),
            Finished::Done { run_finished: None }
        );
    }
    let detect = store.claim_job("w1", later, lease).await.unwrap().unwrap();
    assert_eq!(detect.kind, "detect");
    assert_eq!(
        store
            .finish_job(&detect, "w1", later, "ok", None)
            .await
            .unwrap(),
        Finished::Done {
            run_finished: Some("ok".into())
        }
    );
    let rows = store.work_jobs(run).await.unwrap();
    assert!(rows.iter().all(|j| j.state == "done"), "{rows:?}");
    let done_by: Vec<_> = rows.iter().map(|j| j.done_by.as_deref()).collect();
    assert_eq!(done_by, [Some("w3"), Some("w3"), Some("w1")]);
    // The run is over: the next due time makes a new one.
    assert!(matches!(
        store
            .enqueue_run("cycle", t0 + s(60), later, t0, &jobs)
            .await
            .unwrap(),
        Enqueued::Created(_)
    ));
}

on_both_databases!(leases_on_the_job_table);
