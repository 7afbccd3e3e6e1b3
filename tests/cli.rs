//! The command line as an operator uses it: the real binary, a temporary directory.

use std::path::Path;
use std::process::{Command, Output};

fn govwatch(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run govwatch")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn init_writes_an_example_that_checks_clean_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let out = govwatch(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("config/govwatch.toml").exists());
    assert!(dir.path().join("config/catalog/county.toml").exists());
    assert!(dir.path().join("config/words/错敏词.txt").exists());
    assert!(dir.path().join("config/words/allow.txt").exists());

    let again = govwatch(dir.path(), &["init"]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "init never overwrites by default"
    );
    assert!(text(&again.stderr).contains("--force"));

    let check = govwatch(dir.path(), &["catalog", "check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
    assert!(text(&check.stdout).contains("0 error(s)"));

    let migrate = govwatch(dir.path(), &["db", "migrate"]);
    assert!(migrate.status.success(), "{}", text(&migrate.stderr));
    assert!(
        dir.path().join("govwatch.db").exists(),
        "the default database is created"
    );

    let show = govwatch(dir.path(), &["catalog", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(json["columns"][0]["name"], "减税降费");
}

#[test]
fn a_missing_config_says_so_in_one_line_and_suggests_init() {
    let dir = tempfile::tempdir().unwrap();
    let out = govwatch(dir.path(), &["catalog", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("govwatch init"), "{err}");
}

const FIVE_MISTAKES: &str = r#"
[[unit]]
name = "财政局"
[[unit]]
name = "财政局"
[[site]]
name = "某县人民政府"
url = "https://www.example.gov.cn/"
[[column]]
site = "某县人民政府"
name = "减税降费"
url = "https://www.example.gov.cn/col/col1/index.html"
units = ["财正局"]
[[column]]
site = "某县人民政府"
name = "工作动态"
url = "www.example.gov.cn/col/col2"
units = ["财政局"]
[[column]]
site = "某县人民政府"
name = "通知公告"
url = "https://www.example.gov.cn/col/col3/index.html"
units = ["财政局"]
class = "notices"
[[column]]
site = "某县人民政府"
name = "政策文件"
url = "https://www.example.gov.cn/col/col4/index.html"
units = ["财政局"]
quota = "三"
[[column]]
site = "某县人民政府"
name = "人事信息"
url = "https://www.example.gov.cn/col/col5/index.html"
units = ["财政局"]
"#;

#[test]
fn catalog_check_prints_all_five_errors_and_exits_1_while_other_commands_run_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/catalog")).unwrap();
    std::fs::write(dir.path().join("config/catalog/county.toml"), FIVE_MISTAKES).unwrap();

    let check = govwatch(dir.path(), &["catalog", "check"]);
    assert_eq!(check.status.code(), Some(1));
    let stdout = text(&check.stdout);
    let errors: Vec<&str> = stdout.lines().filter(|l| l.contains(": error: ")).collect();
    assert_eq!(errors.len(), 5, "{stdout}");
    assert!(
        errors
            .iter()
            .all(|l| l.starts_with("config/catalog/county.toml:")),
        "{stdout}"
    );
    assert_eq!(stdout.matches("  fix: ").count(), 5, "{stdout}");

    let show = govwatch(dir.path(), &["catalog", "show", "--format", "json"]);
    assert_eq!(show.status.code(), Some(0));
    let stderr = text(&show.stderr);
    assert_eq!(
        stderr.matches("govwatch catalog check").count(),
        5,
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(
        json["columns"].as_array().unwrap().len(),
        1,
        "the valid column still loads"
    );
}

#[test]
fn word_list_mistakes_are_catalog_errors_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    let words = dir.path().join("config/words/错敏词.txt");
    let mut text = std::fs::read_to_string(&words).unwrap();
    text.push_str("攻府 → 政府 | 政策表述\n旧名 → 新名 | 过时表述 | since 2021-02-30\n");
    std::fs::write(&words, text.as_bytes()).unwrap();
    let lines = text.lines().count();
    let (gbk, _, _) = encoding_rs::GBK.encode("路口交通\n");
    std::fs::write(dir.path().join("config/words/allow.txt"), &gbk).unwrap();
    let check = govwatch(dir.path(), &["catalog", "check"]);
    let out = text_of(&check);
    assert_eq!(check.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("错敏词.txt:{lines}: error")), "{out}");
    assert!(out.contains("since 2021-02-25"), "{out}");
    assert!(
        out.contains("allow.txt:1: error") && out.contains("UTF-8"),
        "{out}"
    );
}

fn text_of(out: &std::process::Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_bad_now_or_database_url_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    let out = govwatch(dir.path(), &["--now", "last tuesday", "db", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("2020-01-09"),
        "{}",
        text(&out.stderr)
    );

    let out = govwatch(dir.path(), &["--database", "mysql://x", "db", "migrate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("sqlite://"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unreachable_database_says_why_at_once_and_once() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);

    // Nothing listens on port 1: refused at once, not "pool timed out" after 30 s.
    let started = std::time::Instant::now();
    let out = govwatch(
        dir.path(),
        &[
            "--database",
            "postgres://gw:s3cret@127.0.0.1:1/x",
            "db",
            "migrate",
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.to_lowercase().contains("connection refused"), "{err}");
    assert!(!err.contains("timed out"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );

    // A SQLite file in a folder that does not exist: the folder is named, once.
    let missing = dir.path().join("no/such/folder/x.db");
    let url = format!("sqlite://{}", missing.display());
    let out = govwatch(dir.path(), &["--database", &url, "db", "migrate"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(
        err.contains(&missing.parent().unwrap().display().to_string()),
        "{err}"
    );
    assert!(
        err.matches("unable to open database file").count() <= 1,
        "{err}"
    );
    assert!(!err.contains("check that the server runs"), "{err}");
}

#[test]
fn a_catalog_file_that_is_not_toml_is_a_problem_with_its_line_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    std::fs::write(
        dir.path().join("config/catalog/broken.toml"),
        "[[unit]]\nname = \"审计局\"\n[[site\n",
    )
    .unwrap();
    let out = govwatch(dir.path(), &["catalog", "check"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("broken.toml:3: error"), "{stdout}");
    // The other file is still checked: its entries are counted valid.
    assert!(stdout.contains("5 units"), "{stdout}");
    assert!(stdout.contains("1 error(s)"), "{stdout}");
}

#[test]
fn a_typo_gets_a_did_you_mean_and_is_counted_as_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    let catalog = dir.path().join("config/catalog/county.toml");
    let text_of = std::fs::read_to_string(&catalog).unwrap();
    std::fs::write(&catalog, text_of.replacen("\nquota", "\nquata", 1)).unwrap();
    let settings = dir.path().join("config/govwatch.toml");
    let text_of = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(
        &settings,
        text_of.replacen("[probe]\n", "[probe]\nintervl_min = 3\n", 1),
    )
    .unwrap();
    let out = govwatch(dir.path(), &["catalog", "check"]);
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);
    assert!(stdout.contains("unknown key `quata`"), "{stdout}");
    assert!(stdout.contains("did you mean `quota`?"), "{stdout}");
    assert!(
        stderr.contains("unknown key `probe.intervl_min` is ignored: did you mean `interval_min`?"),
        "{stderr}"
    );
    // Both were printed, both are counted: the catalog's and the settings' warning.
    assert!(stdout.contains("1 error(s), 1 warning(s)"), "{stdout}");
}

#[test]
fn logs_carry_no_colour_codes_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    let settings = dir.path().join("config/govwatch.toml");
    let text_of = std::fs::read_to_string(&settings).unwrap();
    std::fs::write(&settings, format!("{text_of}\n[nosuchsection]\nkey = 1\n")).unwrap();
    // Standard error is a pipe here, as in `2>file` or the systemd journal.
    let out = govwatch(dir.path(), &["catalog", "check"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn configured_days_may_be_toml_dates_or_quoted() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    let settings = dir.path().join("config/govwatch.toml");
    let example = std::fs::read_to_string(&settings).unwrap();
    // The example's own commented line, uncommented as an operator would.
    assert!(example.contains("# holidays = [2026-10-01, 2026-10-02]"));
    let edited = example.replace(
        "# holidays = [2026-10-01, 2026-10-02]",
        "holidays = [2026-10-01, \"2026-10-02\"]",
    );
    std::fs::write(&settings, edited).unwrap();
    let out = govwatch(dir.path(), &["catalog", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let bad = example.replace(
        "# holidays = [2026-10-01, 2026-10-02]",
        "holidays = [\"10/01\"]",
    );
    std::fs::write(&settings, bad).unwrap();
    let out = govwatch(dir.path(), &["catalog", "check"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("govwatch.toml"), "{err}");
    assert!(err.contains("2026-10-01"), "{err}");
}

#[test]
fn init_help_and_env_texts_read_right() {
    let dir = tempfile::tempdir().unwrap();
    govwatch(dir.path(), &["init"]);
    let again = text(&govwatch(dir.path(), &["init"]).stderr);
    assert!(again.contains("already exist;"), "{again}");

    let help = text(&govwatch(dir.path(), &["--help"]).stdout);
    assert!(help.contains("docx"), "{help}");
    assert!(!help.contains("GOVWATCH_CONFIG="), "{help}");
    let help = text(&govwatch(dir.path(), &["report", "--help"]).stdout);
    assert!(help.lines().next().unwrap_or("").contains("docx"), "{help}");
}

#[test]
fn extract_reads_a_gbk_page_with_correct_chinese_and_dates() {
    let dir = tempfile::tempdir().unwrap();
    let page = r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>工作动态</title></head>
<body><div id="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>
<ul class="list">
<li><a href="/art/2020/9/15/art_1234_1.html">县政府召开第三季度政务公开工作推进会</a><span>2020-09-15</span></li>
<li><a href="/art/2020/9/3/art_1234_2.html">关于开展政府网站与政务新媒体自查的通知</a><span>2020-09-03</span></li>
<li><a href="/art/2020/8/20/art_1234_3.html">县审计局完成年度预算执行审计工作</a><span>2020-08-20</span></li>
</ul><div class="footer">网站标识码：6100000001</div></body></html>"#;
    let (bytes, _, _) = encoding_rs::GBK.encode(page);
    std::fs::write(dir.path().join("page.html"), &bytes).unwrap();
    let out = govwatch(
        dir.path(),
        &[
            "--now",
            "2020-10-01",
            "extract",
            "--file",
            "page.html",
            "--url",
            "http://www.example.gov.cn/col/col1234/index.html",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["charset"], "GBK");
    assert_eq!(
        json["items"][0]["title"],
        "县政府召开第三季度政务公开工作推进会"
    );
    assert_eq!(json["items"][0]["date"], "2020-09-15");
    assert_eq!(
        json["items"][0]["url"],
        "http://www.example.gov.cn/art/2020/9/15/art_1234_1.html"
    );
    assert_eq!(json["items"].as_array().unwrap().len(), 3);
    assert_eq!(json["items"][2]["date"], "2020-08-20");
}

/// `extract --explain` on one page of each case shows the winning list and why: the
/// column's own list beside the pager over a dated sidebar, an empty column's marker, a
/// script shell's endpoint. `--now` drops items dated after that day.
#[test]
fn extract_explains_which_list_won_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages");
    let explain = |fixture: &str, now: &str| -> serde_json::Value {
        let expected: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(pages.join(format!("{fixture}.expected.json"))).unwrap(),
        )
        .unwrap();
        let file = pages.join(format!("{fixture}.html"));
        let out = govwatch(
            dir.path(),
            &[
                "--now",
                now,
                "extract",
                "--explain",
                "--file",
                file.to_str().unwrap(),
                "--url",
                expected["page_url"].as_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let chosen = |json: &serde_json::Value| -> serde_json::Value {
        let all = json["candidates"].as_array().unwrap();
        let won: Vec<_> = all.iter().filter(|c| c["chosen"] == true).collect();
        assert_eq!(won.len(), 1, "{json:#}");
        won[0].clone()
    };
    let reasons = |c: &serde_json::Value| c["reasons"].to_string();

    // Dates only in the URLs, a dated 推荐阅读 sidebar beside: the column's list wins.
    let json = explain("list_trs_urldates", "2020-12-01");
    assert_eq!(json["outcome"], "items");
    let won = chosen(&json);
    assert_eq!(won["items"], 15, "{won:#}");
    assert!(reasons(&won).contains("beside the pager"), "{won:#}");
    assert!(reasons(&won).contains("column's path or id"), "{won:#}");
    let sidebar = json["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| reasons(c).contains("sidebar"))
        .expect("the sidebar is a candidate");
    assert_eq!(sidebar["chosen"], false);
    assert_eq!(json["items"][0]["date_source"], "url");

    // Two dates a row: the table is chosen and the publish date read.
    let json = explain("list_gkml_fbrq_labelled", "2020-12-01");
    let won = chosen(&json);
    assert!(won["selector"].as_str().unwrap().ends_with("tr"), "{won:#}");

    // An empty column beside a dated sidebar: the marker, no items.
    let json = explain("list_trs_empty_zanwu", "2020-12-01");
    assert_eq!(json["outcome"], "empty");
    assert_eq!(json["empty_reason"], "暂无数据");
    assert_eq!(json["items"].as_array().unwrap().len(), 0);

    // A script shell: unrecognized, with the script's endpoint.
    let json = explain("list_script_jquery_ajax", "2020-12-01");
    assert_eq!(json["outcome"], "unrecognized");
    assert_eq!(
        json["endpoint"],
        "http://www.huangling.gov.cn/api/content/list?columnId=9012&pageNo=1"
    );
    assert!(
        json["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["chosen"] == false)
    );

    // `--now` compares days, not years: on 2020-11-20 the items of 11月21日–28日 were
    // not yet published.
    let json = explain("list_trs_control", "2020-11-20");
    let dates: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["date"].as_str().unwrap())
        .collect();
    assert!(!dates.is_empty());
    assert!(dates.iter().all(|d| *d <= "2020-11-20"), "{dates:?}");
}
