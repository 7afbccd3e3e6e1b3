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
