//! `govwatch demo` as a new user runs it: the real binary in an empty directory. Every
//! column finding the simulated county is built to show appears in the printed table
//! and in the demo's database, and a second run starts afresh without duplicating.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use chrono::Datelike;
use govwatch::demo::{self, DemoDir};
use govwatch::detect::Kind;
use govwatch::observe::evidence::Evidence;
use govwatch::report::wording;
use govwatch::store::{FindingFilter, Store};

fn govwatch(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .env("COLUMNS", "400")
        .output()
        .expect("run govwatch")
}

const KINDS: [Kind; 6] = [
    Kind::ColumnStale,
    Kind::ColumnZeroPublish,
    Kind::UnitZeroPublish,
    Kind::ColumnUnreachable,
    Kind::ColumnEmpty,
    Kind::SiteHomeStale,
];

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_every_column_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let out = govwatch(tmp.path(), &["demo", "--dir", "demo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for kind in KINDS {
        assert!(
            stdout.contains(kind.name_zh()),
            "{} not in the output:\n{stdout}",
            kind.name_zh()
        );
    }
    assert!(
        stdout.contains("县公安局警务公开栏目链接无法正常访问"),
        "{stdout}"
    );
    // Beside open findings of other kinds, a finding about a quarter names it (the demo
    // runs on today's date: 三季度, or 2025年四季度 in January).
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("审计局") && l.contains("季度新闻信息发布为0")),
        "审计局…季度新闻信息发布为0 not in:\n{stdout}"
    );
    assert!(stdout.contains("findings --open"), "{stdout}");

    let db = tmp.path().join("demo/govwatch.db");
    let url = format!("sqlite://{}", db.display());
    let count = || async {
        let store = Store::open(&url).await.unwrap();
        let open = store
            .findings(&FindingFilter {
                open_only: true,
                ..Default::default()
            })
            .await
            .unwrap();
        store.close().await;
        open
    };
    let open = count().await;
    for kind in KINDS {
        assert!(
            open.iter().any(|f| f.kind == kind),
            "no open {} in the database: {:#?}",
            kind.code(),
            open.iter()
                .map(|f| (f.kind, govwatch::report::wording::sentence(f)))
                .collect::<Vec<_>>()
        );
    }

    // Again: the demo's own config is rewritten, the database starts afresh.
    let again = govwatch(tmp.path(), &["demo", "--dir", "demo"]);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(count().await.len(), open.len());

    // A configuration the demo did not write is never touched.
    std::fs::create_dir_all(tmp.path().join("mine/config")).unwrap();
    std::fs::write(tmp.path().join("mine/config/govwatch.toml"), "# mine\n").unwrap();
    let refused = govwatch(tmp.path(), &["demo", "--dir", "mine"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--dir"));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("mine/config/govwatch.toml")).unwrap(),
        "# mine\n"
    );
}

/// Every "try next" line (接下来可以运行) the demo prints runs as printed, from where the demo ran.
#[test]
fn the_demos_try_next_lines_run_as_printed() {
    let tmp = tempfile::tempdir().unwrap();
    // Not under `cargo run` (cargo test sets CARGO for its children): the lines name
    // the program by its path.
    let out = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(tmp.path())
        .args(["demo"])
        .env_remove("CARGO")
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let lines: Vec<&str> = stdout
        .split("接下来可以运行：\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no try-next lines in:\n{stdout}"))
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for line in lines {
        assert!(!line.starts_with("govwatch "), "not on the PATH: {line}");
        let run = Command::new("sh")
            .current_dir(tmp.path())
            .args(["-c", line])
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "`{line}` failed:\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!run.stdout.is_empty(), "`{line}` printed nothing");
    }
}

/// The global `--now` replays the demo on any day: the county is dated from it, both
/// cycles and the email run on it, and so do the printed "try next" lines.
#[test]
fn the_demo_honours_now() {
    let tmp = tempfile::tempdir().unwrap();
    let out = govwatch(
        tmp.path(),
        &["--now", "2026-12-01", "demo", "--dir", "demo"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("2026-11-30检查："), "{stdout}");
    assert!(stdout.contains("2026-12-01检查："), "{stdout}");
    assert!(stdout.contains("--now 2026-12-01 --config"), "{stdout}");
    assert!(
        tmp.path()
            .join("demo/outbox/2026-W49/gongkai@example.gov.cn.eml")
            .exists(),
        "{stdout}"
    );
}

/// What a clerk or auditor reads of the demo county carries no internal code or raw
/// key: the notice (html text, md, docx text), the csv and xlsx exports and the weekly
/// email (subject, decoded text and html, attachments). `\b[a-z]+_[a-z_]+\b` outside
/// URLs and file names finds nothing.
#[test]
fn the_demos_visible_text_has_no_internal_codes() {
    use mail_parser::MimeHeaders;
    let tmp = tempfile::tempdir().unwrap();
    let now = ["--now", "2026-12-01"];
    let out = govwatch(tmp.path(), &[&now[..], &["demo", "--dir", "demo"]].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let db = format!("sqlite://{}", tmp.path().join("demo/govwatch.db").display());
    let base = [
        now[0],
        now[1],
        "--config",
        "demo/config",
        "--database",
        db.as_str(),
    ];
    let run = |args: &[&str]| -> Vec<u8> {
        let out = govwatch(tmp.path(), &[&base[..], args].concat());
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let mut texts: Vec<(String, String)> = Vec::new();
    for period in ["2026Q3", "2026Q4"] {
        let html = String::from_utf8(run(&["report", "--period", period])).unwrap();
        texts.push((format!("{period} notice html"), html_text(&html)));
        let md = String::from_utf8(run(&["report", "--period", period, "--format", "md"])).unwrap();
        texts.push((format!("{period} notice md"), md));
        let docx = tmp.path().join(format!("{period}.docx"));
        let path = docx.to_str().unwrap();
        run(&[
            "report", "--period", period, "--format", "docx", "--output", path,
        ]);
        texts.push((
            format!("{period} notice docx"),
            docx_text(&std::fs::read(&docx).unwrap()),
        ));
        for what in ["findings", "columns", "units", "accounts", "links"] {
            let csv = run(&["export", what, "--period", period, "--format", "csv"]);
            texts.push((
                format!("{period} {what} csv"),
                String::from_utf8(csv).unwrap(),
            ));
            let xlsx = tmp.path().join(format!("{period}-{what}.xlsx"));
            let path = xlsx.to_str().unwrap();
            run(&[
                "export", what, "--period", period, "--format", "xlsx", "--output", path,
            ]);
            texts.push((
                format!("{period} {what} xlsx"),
                xlsx_text(&std::fs::read(&xlsx).unwrap()),
            ));
        }
    }
    let csv = run(&["findings", "--format", "csv"]);
    texts.push(("findings csv".into(), String::from_utf8(csv).unwrap()));
    let table = run(&["findings"]);
    texts.push(("findings table".into(), String::from_utf8(table).unwrap()));
    let outbox = tmp.path().join("demo/outbox/2026-W49");
    let mut mails = 0;
    for entry in std::fs::read_dir(&outbox).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let m = mail_parser::MessageParser::default().parse(&data).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        texts.push((
            format!("{name} subject"),
            m.subject().unwrap_or_default().into(),
        ));
        texts.push((
            format!("{name} text"),
            m.body_text(0).unwrap_or_default().into(),
        ));
        texts.push((
            format!("{name} html"),
            html_text(&m.body_html(0).unwrap_or_default()),
        ));
        for a in m.attachments() {
            let file = a.attachment_name().unwrap_or_default().to_string();
            let text = if file.ends_with(".xlsx") {
                xlsx_text(a.contents())
            } else {
                String::from_utf8_lossy(a.contents()).into_owned()
            };
            texts.push((format!("{name} {file}"), text));
        }
        mails += 1;
    }
    assert!(mails > 0, "no email in {}", outbox.display());

    let skip =
        regex::Regex::new(r"https?://\S+|\S+\.(?:eml|xlsx|csv|docx|html|md|toml|db)\b").unwrap();
    let code = regex::Regex::new(r"(?-u:\b)[a-z]+_[a-z_]+(?-u:\b)").unwrap();
    // The check itself: it sees a code glued to Chinese, not a URL's or a file's.
    assert!(code.is_match("问题代码column_zero_publish："));
    assert!(!code.is_match(&skip.replace_all("见 http://a/b_c/ 与 gov_watch.xlsx", " ")));
    let mut found = Vec::new();
    for (what, text) in &texts {
        assert!(!text.trim().is_empty(), "{what} is empty");
        let visible = skip.replace_all(text, " ");
        for line in visible.lines() {
            if let Some(m) = code.find(line) {
                found.push(format!("{what}: `{}` in {line}", m.as_str()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Issue 18's facts on the demo county, replayed on 2026-12-01 with monitoring that
/// starts on 11月30日 (mid-quarter): every sentence of the notices and the email is backed
/// by the store's findings and reads.
async fn the_demos_texts_say_only_what_its_findings_say(url: String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = DemoDir::new(tmp.path().join("demo"));
    let now = "2026-12-01";
    let run = demo::run_on(&dir, Some(now), Some(&url), &|_| {})
        .await
        .unwrap();
    let store = Store::open(&url).await.unwrap();
    let all = store.findings(&FindingFilter::default()).await.unwrap();
    store.close().await;
    let config = dir.config().display().to_string();
    let cli = |args: &[&str]| -> String {
        let base = ["--now", now, "--config", &config, "--database", &url];
        let out = govwatch(tmp.path(), &[&base[..], args].concat());
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let notice = |period: &str| cli(&["report", "--period", period, "--format", "md"]);
    let (q2, q3, q4) = (notice("2026Q2"), notice("2026Q3"), notice("2026Q4"));
    let main_problems = |text: &str| -> String {
        let from = text.find("二、主要问题").unwrap_or(0);
        let to = text.find("三、下一步工作要求").unwrap_or(text.len());
        text[from..to].to_string()
    };
    let of_quarter =
        |f: &&govwatch::store::FindingRecord, q: &str| f.subject_key.ends_with(&format!("#{q}"));
    assert!(all.iter().any(|f| of_quarter(&f, "2026Q3")), "{all:#?}");

    // 1. One day of detection: an account sentence says the episode's opening day, in
    // the notice and in the email, however often it was confirmed since.
    let mail = std::fs::read(dir.outbox().join("2026-W49/gongkai@example.gov.cn.eml")).unwrap();
    let mail = mail_parser::MessageParser::default().parse(&mail).unwrap();
    let mail_text = mail.body_text(0).unwrap_or_default().to_string();
    let accounts: Vec<_> = all.iter().filter(|f| f.kind.is_account()).collect();
    assert!(!accounts.is_empty());
    for f in &accounts {
        let sentence = wording::list_sentence(f, 2026);
        let day = format!("{}月{}日监测到", f.opened_on.month(), f.opened_on.day());
        assert!(sentence.starts_with(&day), "{sentence}");
        assert!(
            q4.contains(&sentence),
            "{sentence} not in the Q4 notice:\n{q4}"
        );
        assert!(
            mail_text.contains(&sentence),
            "{sentence} not in:\n{mail_text}"
        );
    }

    // 2. 主要问题 from the period's findings: the units said to publish nothing are
    // those with a unit finding of the quarter, the columns those with a column finding.
    let q3_main = main_problems(&q3);
    let zero_units: BTreeSet<String> = all
        .iter()
        .filter(|f| f.kind == Kind::UnitZeroPublish && of_quarter(f, "2026Q3"))
        .map(|f| f.unit.clone().unwrap())
        .collect();
    let said: BTreeSet<String> = q3_main
        .split(['；', '。'])
        .filter_map(|s| s.trim().strip_suffix("新闻信息发布为0"))
        .flat_map(|s| s.split('、'))
        .map(str::to_string)
        .collect();
    assert_eq!(said, zero_units, "{q3_main}");
    let zero_columns: Vec<_> = all
        .iter()
        .filter(|f| f.kind == Kind::ColumnZeroPublish && of_quarter(f, "2026Q3"))
        .collect();
    for f in &zero_columns {
        let Some(Evidence::ColumnZeroPublish(e)) = &f.evidence else {
            panic!("{f:#?}")
        };
        let sentence = wording::column_zero_publish(&e.column.units, &e.column.column);
        assert!(q3_main.contains(&sentence), "{sentence} not in {q3_main}");
    }
    assert_eq!(
        q3_main.matches("栏目更新为0").count(),
        zero_columns.len(),
        "{q3_main}"
    );
    // The column that answers 404 was never read: 无法访问, never zero.
    for text in [&q2, &q3, &q4] {
        assert!(!text.contains("警务公开栏目更新为0"), "{text}");
        let row = text
            .lines()
            .find(|l| l.starts_with("| 警务公开 |"))
            .unwrap();
        assert!(row.contains("无法访问") && !row.contains("零发布"), "{row}");
    }

    // 3. Every kind open in Q4 has its sentence; the single-veto item leads.
    let q4_main = main_problems(&q4);
    for f in all.iter().filter(|f| f.open_on(run.app.clock.today())) {
        match f.kind {
            Kind::SiteHomeStale
            | Kind::ColumnStale
            | Kind::ColumnEmpty
            | Kind::ColumnUnreachable => {
                let sentence = wording::sentence(f);
                assert!(q4_main.contains(&sentence), "{sentence} not in {q4_main}");
            }
            Kind::LinkBroken => assert!(q4_main.contains("死链"), "{q4_main}"),
            _ => {}
        }
    }
    let home = q4_main.find("首页超过两周未更新").expect(&q4_main);
    for other in ["栏目超过两周未更新", "空白栏目", "无法正常访问", "死链"] {
        assert!(home < q4_main.find(other).expect(other), "{q4_main}");
    }
    assert!(
        q4_main.contains("县公安局警务公开栏目链接无法正常访问"),
        "{q4_main}"
    );

    // 4. A period only for what was watched in it: the real first and last day in Q4;
    // Q2 was never read, and says so instead of a rate or "no problem found".
    assert!(
        q4.contains("监测时间为2026年11月30日至2026年12月1日"),
        "{q4}"
    );
    assert!(q2.contains("未监测"), "{q2}");
    for claim in [
        "合格率为100",
        "未发现问题",
        "更新信息0条",
        "合计0条",
        "据期后读取",
    ] {
        assert!(!q2.contains(claim), "{claim} in {q2}");
    }
    assert!(q2.contains("（期内未监测）"), "{q2}");
    assert!(
        q2.contains("监测政府网站栏目7个，均未能统计期内更新情况"),
        "{q2}"
    );

    // 5. Q3's period findings belong to Q3 only: not in Q4's 主要问题 nor its export.
    assert!(
        !q4_main.contains("更新为0") && !q4_main.contains("发布为0"),
        "{q4_main}"
    );
    let q4_findings: serde_json::Value = serde_json::from_str(&cli(&[
        "export", "findings", "--period", "2026Q4", "--format", "json",
    ]))
    .unwrap();
    let subjects: Vec<&str> = q4_findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["subject"].as_str().unwrap())
        .collect();
    assert!(
        subjects.iter().all(|s| !s.ends_with("#2026Q3")),
        "{subjects:?}"
    );
    assert!(!subjects.is_empty());
    // Where periods mix, the sentence names its quarter.
    let findings = cli(&["findings", "--format", "csv"]);
    assert!(
        findings.contains("审计局三季度新闻信息发布为0"),
        "{findings}"
    );

    // 6. A month shows counts and last updates only: no quota, no 完成情况.
    for what in ["columns", "units"] {
        let csv = cli(&["export", what, "--period", "2026-11", "--format", "csv"]);
        let header = csv.lines().next().unwrap();
        for word in ["应更新", "应公开", "完成情况"] {
            assert!(!header.contains(word), "{what}: {header}");
        }
        assert!(header.contains("最新更新日期"), "{header}");
    }
}

on_both_databases_with_url!(the_demos_texts_say_only_what_its_findings_say);

/// The text nodes of an HTML document.
fn html_text(html: &str) -> String {
    let tags = regex::Regex::new(r"(?s)<style.*?</style>|<[^>]*>").unwrap();
    tags.replace_all(html, "\n").replace("&amp;", "&")
}

/// The texts of a .docx's document part.
fn docx_text(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    let t = regex::Regex::new(r"<w:t(?: [^>]*)?>([^<]*)</w:t>").unwrap();
    t.captures_iter(&xml)
        .map(|c| c[1].to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every sheet's name and cells, one cell a line.
fn xlsx_text(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in book.sheet_names() {
        out.push_str(&name);
        out.push('\n');
        let range = book.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for cell in row {
                out.push_str(&cell.to_string());
                out.push('\n');
            }
        }
    }
    out
}
