//! `govwatch demo` as a new user runs it: the real binary in an empty directory. Every
//! column finding the simulated county is built to show appears in the printed table
//! and in the demo's database, and a second run starts afresh without duplicating.

use std::path::Path;
use std::process::{Command, Output};

use govwatch::detect::Kind;
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

/// Every "try next" line the demo prints runs as printed, from where the demo ran.
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
        .split("try next:\n")
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
