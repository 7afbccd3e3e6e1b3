//! Seed 000's 政民互动 figures from a simulated mailbox, as an office gets them: the real
//! binary reads a 区长信箱 of three list pages (a Hanweb-style table, 41 letters received
//! in 2020's third quarter, three of them answered after their 5 working days) with
//! `check`, and `export messages --period 2020Q3` gives seed 000's "共计 41 条，办结 41 条，
//! 逾期办理信件 3 条" and its 附件4 rows. Both databases.

mod support;

use std::path::Path;
use std::process::Command;

use axum::Router;
use axum::extract::Path as UrlPath;
use axum::response::Html;
use axum::routing::get;
use chrono::{Datelike, Days, NaiveDate, Weekday};
use support::FixtureServer;

on_both_databases_with_url!(seed_000_figures_from_a_crawled_mailbox);

const UNITS: [&str; 3] = ["县住建局", "县交通局", "县生态环境分局"];
/// The letters answered late (by index).
const LATE: [usize; 3] = [5, 17, 30];

fn next_working_day(mut d: NaiveDate) -> NaiveDate {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d + Days::new(1);
    }
    d
}

/// (received, replied, unit) of the 41 letters, oldest first.
fn letters() -> Vec<(NaiveDate, NaiveDate, &'static str)> {
    let start = NaiveDate::from_ymd_opt(2020, 7, 1).unwrap();
    (0..41)
        .map(|i| {
            let received = next_working_day(start + Days::new(i as u64 * 2));
            let replied = if LATE.contains(&i) {
                received + Days::new(14)
            } else {
                next_working_day(received + Days::new(1))
            };
            (received, replied, UNITS[i % 3])
        })
        .collect()
}

/// Page `n` (1-based) of the list: 20 letters a page, newest first.
fn list_page(n: usize) -> String {
    let mut all = letters();
    all.reverse();
    let rows: String = all
        .iter()
        .enumerate()
        .skip((n - 1) * 20)
        .take(20)
        .map(|(i, (received, replied, unit))| {
            let id = 41 - i;
            format!(
                "<tr><td>2020{id:04}</td><td><a href=\"/hdjl/letter.jsp?id={id}\">关于第{id}件事项的咨询</a></td>\
                 <td>咨询</td><td>{received}</td><td>{replied}</td><td>已办结</td><td>{unit}</td></tr>\n"
            )
        })
        .collect();
    let next = if n * 20 < 41 {
        format!(
            "<div class=\"pages\"><a href=\"index_{}.html\">下一页</a></div>",
            n + 1
        )
    } else {
        String::new()
    };
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>区长信箱</title></head><body>\
         <div class=\"main\"><h2>区长信箱 信件列表</h2><table class=\"xjlb\">\
         <tr><th>信件编号</th><th>信件标题</th><th>信件类型</th><th>来信时间</th><th>回复时间</th><th>办理状态</th><th>答复单位</th></tr>\n\
         {rows}</table>{next}</div></body></html>"
    )
}

fn router() -> Router {
    Router::new()
        .route(
            "/",
            get(|| async {
                Html("<html><body><a href=\"/hdjl/index.html\">区长信箱</a><p>2020-10-08 工作动态</p></body></html>")
            }),
        )
        .route("/hdjl/index.html", get(|| async { Html(list_page(1)) }))
        .route(
            "/hdjl/{page}",
            get(|UrlPath(page): UrlPath<String>| async move {
                let n = page
                    .trim_start_matches("index_")
                    .trim_end_matches(".html")
                    .parse()
                    .unwrap_or(1);
                Html(list_page(n))
            }),
        )
}

fn govwatch(dir: &Path, database: &str, args: &[&str]) -> String {
    run(dir, database, args).0
}

/// stdout and stderr of a run that succeeded.
fn run(dir: &Path, database: &str, args: &[&str]) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .arg("--database")
        .arg(database)
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("run govwatch");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "govwatch {args:?}\n{stdout}\n{stderr}"
    );
    (stdout, stderr)
}

async fn seed_000_figures_from_a_crawled_mailbox(database: String) {
    let server = FixtureServer::with_router("127.0.0.1", router()).await;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    govwatch(dir, &database, &["init"]);
    let units: String = std::iter::once("县政府办")
        .chain(UNITS)
        .map(|u| format!("[[unit]]\nname = \"{u}\"\n\n"))
        .collect();
    let catalog = format!(
        "{units}[[site]]\nname = \"渭滨区人民政府\"\nurl = \"{home}\"\nunit = \"县政府办\"\n\n\
         [[mailbox]]\nsite = \"渭滨区人民政府\"\nname = \"区长信箱\"\nurl = \"{list}\"\n",
        home = server.url("/"),
        list = server.url("/hdjl/index.html"),
    );
    for entry in std::fs::read_dir(dir.join("config/catalog")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    std::fs::write(dir.join("config/catalog/county.toml"), catalog).unwrap();

    let tool = |args: &[&str]| {
        let mut all = vec!["--now", "2020-10-09"];
        all.extend_from_slice(args);
        let (dir, database) = (dir.to_path_buf(), database.clone());
        let all: Vec<String> = all.into_iter().map(String::from).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let all: Vec<&str> = all.iter().map(String::as_str).collect();
                govwatch(&dir, &database, &all)
            })
            .await
            .unwrap()
        }
    };
    // `--timings`: where the cycle's time went, on stderr; the mailbox stage read the
    // three list pages.
    let (dir2, database2) = (dir.to_path_buf(), database.clone());
    let (_, timings) = tokio::task::spawn_blocking(move || {
        run(
            &dir2,
            &database2,
            &["--now", "2020-10-09", "check", "--timings"],
        )
    })
    .await
    .unwrap();
    let row = |stage: &str| -> Vec<String> {
        timings
            .lines()
            .find(|l| l.starts_with(&format!("{stage} ")))
            .unwrap_or_else(|| panic!("no {stage} in:\n{timings}"))
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    for stage in [
        "sync", "crawl", "probes", "links", "accounts", "detect", "total",
    ] {
        row(stage);
    }
    assert!(
        row("mailboxes")[1].parse::<u64>().unwrap() >= 3,
        "{timings}"
    );
    assert!(row("mailboxes")[2].parse::<u64>().unwrap() > 0, "{timings}");
    let json: serde_json::Value = serde_json::from_str(
        &tool(&[
            "export", "messages", "--period", "2020Q3", "--format", "json",
        ])
        .await,
    )
    .unwrap();
    let total = &json["total"];
    assert_eq!(
        (
            total["received"].as_u64(),
            total["closed"].as_u64(),
            total["overdue"].as_u64(),
            total["late"].as_u64(),
            total["on_time"].as_u64(),
        ),
        (Some(41), Some(41), Some(3), Some(3), Some(38)),
        "{json:#}"
    );
    // 附件4's rows: 单位, 承办数量, 办结数量, 逾期数量.
    let rows: Vec<(String, u64, u64, u64)> = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit"].as_str().unwrap().to_string(),
                u["received"].as_u64().unwrap(),
                u["closed"].as_u64().unwrap(),
                u["overdue"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64, u64)> = UNITS
        .iter()
        .enumerate()
        .map(|(k, u)| {
            let mine: Vec<usize> = (0..41).filter(|i| i % 3 == k).collect();
            let late = mine.iter().filter(|i| LATE.contains(i)).count() as u64;
            (u.to_string(), mine.len() as u64, mine.len() as u64, late)
        })
        .collect();
    assert_eq!(rows, want);
}
