//! 报表 and 排名 over real HTTP: `govwatch serve` on the fixture county after one
//! `govwatch check`. A download needs a session (401); the office's downloads are the
//! files `govwatch export` and `govwatch report` write for the same period; a unit user's
//! exports hold their unit's rows only, whatever they add to the URL, and the 通报 draft
//! is not theirs (404); 排名 shows the notice's score tables, 乡镇 and 县级部门 apart,
//! and says so when no scoring is configured. On both databases.

mod support;

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use govwatch::app::{App, Options};
use govwatch::console::auth;
use govwatch::detect::period::Period;
use govwatch::report::findings::{counted, in_period};
use govwatch::report::scoring::dense_ranks;
use govwatch::store::{FindingFilter, Role, Store};
use support::http::{Answer, Browser};
use support::{FixtureServer, county, wait_for};
use tokio::net::TcpListener;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Settings whose scheduled cycle never comes during the test (the store holds still
/// between a command's file and the console's).
const SETTINGS: &str = "[fetch]\nper_host_interval_ms = 0\nretries = 0\ntimeout_s = 10\ndns = \"static\"\n\n\
     [schedule]\ncrawl = \"0 0 3 1 1 *\"\n\n";

/// `[report.scoring]`: points per episode of these kinds, from a base of 300.
const POINTS: &[(&str, i64)] = &[
    ("column_stale", -3),
    ("column_empty", -2),
    ("column_unreachable", -2),
    ("link_broken", -1),
    ("site_home_stale", -5),
];

fn scoring() -> String {
    let mut s = "[report.scoring]\nbase = 300\n\n[report.scoring.points]\n".to_string();
    for (kind, points) in POINTS {
        s.push_str(&format!("{kind} = {points}\n"));
    }
    s
}

/// `govwatch ARGS --output F` on the test's configuration and database: the file's bytes.
fn command_file(config: &Path, url: &str, out: &Path, args: &[&str]) -> Vec<u8> {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .args(["--config", config.to_str().unwrap(), "--database", url])
        .args(args)
        .arg("--output")
        .arg(out)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("run govwatch");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    std::fs::read(out).unwrap()
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn docx_document(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a .docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// RFC 5987's encoding of a file name, as the console writes it.
fn rfc5987(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The daemon on `config`, with its stop switch.
struct Daemon {
    browser: Browser,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), govwatch::serve::ServeError>>,
}

async fn serve(config: &Path, url: &str) -> Daemon {
    let app = App::new(&Options {
        config_dir: config.to_path_buf(),
        database: Some(url.to_string()),
        now: None,
    })
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let browser = Browser {
        addr: listener.local_addr().unwrap(),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(govwatch::serve::run(app, listener, async move {
        let _ = stopped.await;
    }));
    wait_for("/healthz", 30, async || {
        match browser.get("/healthz", None).await.status {
            200 => Ok(()),
            s => Err(s.to_string()),
        }
    })
    .await;
    Daemon {
        browser,
        stop,
        task,
    }
}

impl Daemon {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}

fn names_unit(field: Option<&str>, unit: &str) -> bool {
    field.is_some_and(|u| u.split('、').any(|u| u == unit))
}

async fn reports_and_ranking_on_the_county(url: String) {
    // SAFETY: set before any thread of this test hashes a password; every test of this
    // binary sets the same value.
    unsafe { std::env::set_var(auth::CHEAP_HASH_ENV, "1") };
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("config");
    write(
        &config.join("govwatch.toml"),
        &format!("{SETTINGS}{}", scoring()),
    );
    // A township beside the county's departments: 排名 tables them apart.
    let catalog = format!(
        "{}{}",
        county::catalog(&base),
        govwatch::demo::pages::unit_entry("高坡镇", "乡镇")
    );
    write(&config.join("catalog/county.toml"), &catalog);
    let out = |name: &str| -> PathBuf { tmp.path().join(name) };

    // One cycle, by the command; then the daemon, whose cycle does not come.
    let check = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--database",
            &url,
            "check",
        ])
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let store = Store::open(&url).await.unwrap();
    let now = chrono::Utc::now();
    for (name, role, unit) in [
        ("office1", Role::Office, None),
        ("clerk", Role::Unit, Some("县公安局")),
    ] {
        let hash = auth::hash_password("secret-pass-1").unwrap();
        store.add_user(name, role, unit, &hash, now).await.unwrap();
    }
    let d = serve(&config, &url).await;
    let c = &d.browser;
    let tz = chrono_tz::Asia::Shanghai;
    let today = govwatch::clock::Clock::system(tz).today();
    let period = Period::quarter_of(today);
    let p = period.to_string();
    let label = period.label_zh();

    // No session: no download, whatever it names; pages go to the login form.
    for file in ["findings.xlsx", "notice.docx", "nothing.csv"] {
        let r = c.get(&format!("/download/{p}/{file}"), None).await;
        assert_eq!(r.status, 401, "{file}");
    }
    assert_eq!(c.get("/reports", None).await.status, 303);
    assert_eq!(c.get("/ranking", None).await.status, 303);

    // The office's 报表: every export and the draft, for the period chosen.
    let office = c.login("office1", "secret-pass-1").await;

    let page = c.get(&format!("/reports?period={p}"), Some(&office)).await;
    assert_eq!(page.status, 200);
    // minijinja writes `/` in attributes as `&#x2f;`, which browsers read as `/`.
    let html = page.text().replace("&#x2f;", "/");
    assert!(
        html.contains(">报表</a>") && html.contains(">排名</a>"),
        "{html}"
    );
    for href in [
        format!("/download/{p}/findings.xlsx"),
        format!("/download/{p}/units.csv"),
        format!("/download/{p}/notice.docx"),
        format!("/download/{p}/notice.html"),
    ] {
        assert!(html.contains(&format!("href=\"{href}\"")), "{href}: {html}");
    }
    assert!(html.contains(&format!("{label}问题清单")), "{html}");
    let r = c.get("/reports?period=上季度", Some(&office)).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("无法识别的期间"), "{}", r.text());

    // Each export is the command's file, byte for byte (CSV, JSON), row for row (XLSX:
    // a workbook records when it was written).
    let findings = store.findings(&FindingFilter::default()).await.unwrap();
    assert!(
        findings
            .iter()
            .any(|f| names_unit(f.unit.as_deref(), "县公安局"))
            && findings
                .iter()
                .any(|f| !names_unit(f.unit.as_deref(), "县公安局")),
        "the county's findings name 县公安局 and other units: {findings:?}"
    );
    for what in [
        "findings", "columns", "units", "accounts", "links", "messages", "content", "external",
    ] {
        for format in ["csv", "json"] {
            let name = format!("{what}.{format}");
            let cli = command_file(
                &config,
                &url,
                &out(&name),
                &["export", what, "--period", &p, "--format", format],
            );
            let r = c.get(&format!("/download/{p}/{name}"), Some(&office)).await;
            assert_eq!(r.status, 200, "{name}: {}", r.text());
            assert!(r.body == cli, "{name} differs from the command's");
        }
    }
    let cli = command_file(
        &config,
        &url,
        &out("findings.xlsx"),
        &["export", "findings", "--period", &p, "--format", "xlsx"],
    );
    let r = c
        .get(&format!("/download/{p}/findings.xlsx"), Some(&office))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    let disposition = r.header("content-disposition").unwrap_or_default();
    assert!(
        disposition.starts_with(&format!("attachment; filename=\"findings-{p}.xlsx\"")),
        "{disposition}"
    );
    assert!(
        disposition.contains(&format!(
            "filename*=UTF-8''{}",
            rfc5987(&format!("{label}问题清单.xlsx"))
        )),
        "{disposition}"
    );
    let sheet = xlsx_rows(&r.body);
    assert_eq!(sheet, xlsx_rows(&cli));
    assert!(sheet.len() > 1, "the period has findings: {sheet:?}");
    let r = c
        .get(&format!("/download/{p}/units.csv"), Some(&office))
        .await;
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));

    // The 通报 draft: the command's HTML, and its Word document.
    let cli = command_file(
        &config,
        &url,
        &out("notice.html"),
        &["report", "--period", &p, "--format", "html"],
    );
    let r = c
        .get(&format!("/download/{p}/notice.html"), Some(&office))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(r.body == cli, "notice.html differs from the command's");
    let title = format!("关于{label}全县政务公开和政务新媒体监测情况的通报");
    assert!(
        r.header("content-disposition")
            .unwrap_or_default()
            .contains(&rfc5987(&format!("{title}.html"))),
        "{:?}",
        r.header("content-disposition")
    );
    let cli = command_file(
        &config,
        &url,
        &out("notice.docx"),
        &["report", "--period", &p, "--format", "docx"],
    );
    let r = c
        .get(&format!("/download/{p}/notice.docx"), Some(&office))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert_eq!(docx_document(&r.body), docx_document(&cli));
    assert!(docx_document(&r.body).contains("考核结果"));

    // Names that are no file, and periods that are none: 404.
    for path in [
        format!("/download/{p}/notice.md"),
        format!("/download/{p}/findings.pdf"),
        format!("/download/{p}/secrets.csv"),
        format!("/download/{p}/findings"),
        "/download/2020Q5/findings.csv".to_string(),
        "/download/上季度/findings.csv".to_string(),
    ] {
        assert_eq!(c.get(&path, Some(&office)).await.status, 404, "{path}");
    }

    // A unit user: their unit's rows of each export, whatever the URL adds; no draft.
    let clerk = c.login("clerk", "secret-pass-1").await;
    let html = c
        .get(&format!("/reports?period={p}"), Some(&clerk))
        .await
        .text()
        .replace("&#x2f;", "/");
    assert!(
        html.contains(&format!("/download/{p}/findings.xlsx")),
        "{html}"
    );
    assert!(!html.contains("notice."), "{html}");
    for file in ["notice.html", "notice.docx"] {
        let r = c.get(&format!("/download/{p}/{file}"), Some(&clerk)).await;
        assert_eq!(r.status, 404, "{file} for a unit user");
    }
    let all = csv_rows(
        &c.get(&format!("/download/{p}/findings.csv"), Some(&office))
            .await
            .body,
    );
    let theirs = c
        .get(&format!("/download/{p}/findings.csv"), Some(&clerk))
        .await;
    assert_eq!(theirs.status, 200);
    let mine = csv_rows(&theirs.body);
    let unit_col = all[0]
        .iter()
        .position(|h| h == "责任单位")
        .expect("a 责任单位 column");
    assert_eq!(mine[0], all[0], "the same headers");
    let expected: Vec<&Vec<String>> = all[1..]
        .iter()
        .filter(|r| names_unit(Some(&r[unit_col]), "县公安局"))
        .collect();
    assert!(!expected.is_empty() && expected.len() < all.len() - 1);
    assert_eq!(mine[1..].iter().collect::<Vec<_>>(), expected);
    assert!(
        theirs
            .header("content-disposition")
            .unwrap_or_default()
            .contains(&rfc5987("（县公安局）.csv")),
        "{:?}",
        theirs.header("content-disposition")
    );
    for guess in [
        "?unit=审计局",
        "?unit=&all=1",
        "?period=2020Q1&unit=县政府办",
    ] {
        let r = c
            .get(&format!("/download/{p}/findings.csv{guess}"), Some(&clerk))
            .await;
        assert!(r.body == theirs.body, "{guess} changed a unit's export");
    }
    for (what, col) in [("units", "单位"), ("columns", "保障单位")] {
        let rows = csv_rows(
            &c.get(&format!("/download/{p}/{what}.csv"), Some(&clerk))
                .await
                .body,
        );
        let all = csv_rows(
            &c.get(&format!("/download/{p}/{what}.csv"), Some(&office))
                .await
                .body,
        );
        let i = rows
            .iter()
            .take(2)
            .find_map(|r| r.iter().position(|h| h == col))
            .unwrap_or_else(|| panic!("{what}: no {col} in {rows:?}"));
        let data = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
            rows.iter()
                .filter(|r| r.len() > i && !r[i].is_empty() && r[i] != col)
                .filter(|r| !r[0].starts_with("合计"))
                .cloned()
                .collect()
        };
        let (mine, every) = (data(&rows), data(&all));
        assert!(!mine.is_empty(), "{what}: {rows:?}");
        assert!(every.len() > mine.len(), "{what}: {all:?}");
        for r in &mine {
            assert!(names_unit(Some(&r[i]), "县公安局"), "{what}: {r:?}");
        }
    }

    // 排名: the notice's score tables, 乡镇 and 县级部门 apart, the same for a unit user
    // (their own row marked).
    let records = store
        .findings(&FindingFilter {
            until: Some(today),
            ..FindingFilter::default()
        })
        .await
        .unwrap();
    let found = counted(in_period(&records, period, today));
    let departments = ["县政府办", "县公安局", "审计局", "旧改办"];
    let totals: Vec<i64> = departments
        .iter()
        .map(|u| {
            300 + found
                .iter()
                .filter(|f| names_unit(f.unit.as_deref(), u))
                .map(|f| {
                    POINTS
                        .iter()
                        .find(|(k, _)| *k == f.kind.to_string())
                        .map_or(0, |(_, p)| *p)
                })
                .sum::<i64>()
        })
        .collect();
    assert!(
        totals.iter().any(|t| *t < 300),
        "some department lost points: {totals:?}"
    );
    let ranks = dense_ranks(&totals);
    let ranking = c
        .get(&format!("/ranking?period={p}"), Some(&office))
        .await
        .text();
    assert!(
        ranking.contains(&format!("{label}各单位政务公开工作考核结果")),
        "{ranking}"
    );
    assert!(
        ranking.contains("<th>乡镇</th>") && ranking.contains("<th>县级部门</th>"),
        "{ranking}"
    );
    assert!(ranking.contains("名次"), "{ranking}");
    let row = |html: &str, unit: &str| -> String {
        let start = html
            .find(&format!("<td>{unit}</td>"))
            .unwrap_or_else(|| panic!("no row of {unit}: {html}"));
        html[start..start + html[start..].find("</tr>").unwrap()].to_string()
    };
    // The township has no finding: the base score, first of its group.
    let town = row(&ranking, "高坡镇");
    assert!(
        town.starts_with("<td>高坡镇</td><td class=\"num\">300</td>"),
        "{town}"
    );
    assert!(
        town.ends_with("<td class=\"num\">300</td><td class=\"num\">1</td>"),
        "{town}"
    );
    for ((unit, total), rank) in departments.iter().zip(&totals).zip(&ranks) {
        let r = row(&ranking, unit);
        assert!(
            r.ends_with(&format!(
                "<td class=\"num\">{total}</td><td class=\"num\">{rank}</td>"
            )),
            "{unit}: {total}, {rank}: {r}"
        );
    }
    let as_unit = c
        .get(&format!("/ranking?period={p}"), Some(&clerk))
        .await
        .text();
    for unit in ["高坡镇", "县公安局", "审计局", "县政府办"] {
        assert!(
            as_unit.contains(&format!("<td>{unit}</td>")),
            "{unit}: {as_unit}"
        );
    }
    assert!(
        as_unit.contains("<tr class=\"mine\"><td>县公安局</td>"),
        "{as_unit}"
    );
    d.stop().await;

    // Without [report.scoring], 排名 says so and where to set it.
    write(&config.join("govwatch.toml"), SETTINGS);
    let d = serve(&config, &url).await;
    let office = d.browser.login("office1", "secret-pass-1").await;
    let r: Answer = d.browser.get("/ranking", Some(&office)).await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("未配置评分规则"), "{html}");
    assert!(html.contains("[report.scoring]"), "{html}");
    assert!(!html.contains("名次"), "{html}");
    d.stop().await;
    store.close().await;
}

on_both_databases_with_url!(reports_and_ranking_on_the_county);
