//! `govwatch import` as an office uses it: the real binary, a configuration written by
//! `govwatch init` in a temporary directory, the seeds' sheets.

use std::path::{Path, PathBuf};
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

fn sheet(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets")
        .join(name)
        .display()
        .to_string()
}

fn initialized() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = govwatch(dir.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    dir
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn imported(dir: &Path) -> PathBuf {
    dir.join("config/catalog/imported.toml")
}

fn catalog_json(dir: &Path) -> serde_json::Value {
    let out = govwatch(dir, &["catalog", "show", "--format", "json"]);
    serde_json::from_slice(&ok_bytes(&out)).unwrap()
}

fn ok_bytes(out: &Output) -> Vec<u8> {
    ok(out);
    out.stdout.clone()
}

#[test]
fn seed_000_inventory_is_imported_beside_the_hand_written_catalog() {
    let dir = initialized();
    let county = dir.path().join("config/catalog/county.toml");
    let before = std::fs::read(&county).unwrap();

    // --now fixes the day the imported file's header names.
    let import = [
        "--now",
        "2020-01-09",
        "import",
        "accounts",
        &sheet("seed000-accounts.csv"),
    ];
    let stdout = ok(&govwatch(dir.path(), &import));
    assert!(stdout.contains("已写入30个账号、19个单位到"), "{stdout}");
    assert!(
        stdout.contains("row 33: unknown platform \"飞信\""),
        "{stdout}"
    );
    assert!(stdout.contains("row 34: no 账号名称"), "{stdout}");
    assert_eq!(
        std::fs::read(&county).unwrap(),
        before,
        "hand-written files are never touched"
    );

    let check = govwatch(dir.path(), &["catalog", "check"]);
    assert!(
        text(&check.stdout).contains("0 error(s)"),
        "{}",
        text(&check.stdout)
    );
    let json = catalog_json(dir.path());
    let accounts = json["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 33, "30 imported + 3 hand-written");
    let police = accounts
        .iter()
        .find(|a| a["name"] == "渭滨小警")
        .expect("渭滨小警 imported");
    assert_eq!(police["platform"], "wechat");
    assert_eq!(police["unit"], "公安分局");
    assert_eq!(police["operator"], "宝鸡市公安局渭滨分局");
    assert_eq!(police["source"]["kind"], "manual");

    // Importing again rewrites the file to the same content.
    let first = std::fs::read_to_string(imported(dir.path())).unwrap();
    assert!(first.contains("on 2020-01-09."), "{first}");
    ok(&govwatch(dir.path(), &import));
    assert_eq!(
        std::fs::read_to_string(imported(dir.path())).unwrap(),
        first
    );
}

#[test]
fn seed_003_list_gives_units_with_levels_and_the_double_account() {
    let dir = initialized();
    let stdout = ok(&govwatch(
        dir.path(),
        &["import", "accounts", &sheet("seed003-accounts.csv")],
    ));
    assert!(stdout.contains("已写入14个账号"), "{stdout}");
    assert!(
        stdout.contains("row 10: one cell names 2 accounts (双河政事, 苍溪县双河乡人民政府)"),
        "{stdout}"
    );
    let json = catalog_json(dir.path());
    let unit = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "黄猫乡人民政府")
        .cloned()
        .expect("unit imported");
    assert_eq!(unit["level"], "乡镇");
    let shuanghe: Vec<&serde_json::Value> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["unit"] == "双河乡人民政府")
        .collect();
    assert_eq!(shuanghe.len(), 2);
    assert!(shuanghe.iter().all(|a| a["platform"] == "wechat"));
}

#[test]
fn an_account_written_by_hand_wins_and_is_reported() {
    let dir = initialized();
    let sheet_path = dir.path().join("inventory.csv");
    std::fs::write(
        &sheet_path,
        "单位名称,账号名称,平台,级别\n县生态环境分局,示例县生态环境,微信公众号,县级部门\n县文旅局,示例文旅,抖音,县级部门\n",
    )
    .unwrap();
    let stdout = ok(&govwatch(
        dir.path(),
        &["import", "accounts", sheet_path.to_str().unwrap()],
    ));
    assert!(
        stdout.contains("row 2: wechat account \"示例县生态环境\" is written by hand at"),
        "{stdout}"
    );
    assert!(stdout.contains("已写入1个账号、1个单位"), "{stdout}");
    let written = std::fs::read_to_string(imported(dir.path())).unwrap();
    assert!(!written.contains("name = \"示例县生态环境\""), "{written}");
    let json = catalog_json(dir.path());
    let env: Vec<_> = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["name"] == "示例县生态环境")
        .collect();
    assert_eq!(env.len(), 1);
    assert_eq!(
        env[0]["source"]["kind"], "feed",
        "the hand-written entry is kept"
    );
}

#[test]
fn an_xlsx_inventory_imports_and_a_dry_run_writes_nothing() {
    use rust_xlsxwriter::{Format, Workbook};
    let dir = initialized();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.merge_range(0, 0, 0, 3, "渭滨区政府系统政务新媒体汇总表", &Format::new())
        .unwrap();
    let rows = [
        ["责任单位", "账号名称", "开设主体", "账号类型"],
        ["气象局", "渭滨气象", "宝鸡市渭滨区气象局", "微信订阅号"],
        ["", "渭滨预警发布", "宝鸡市渭滨区气象局", "抖音短视频"],
        ["交警大队", "宝鸡交警渭滨大队", "渭滨交警大队", "新浪微博"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, *cell).unwrap();
            }
        }
    }
    let path = dir.path().join("附件5.xlsx");
    book.save(&path).unwrap();

    let dry = ok(&govwatch(
        dir.path(),
        &["import", "accounts", path.to_str().unwrap(), "--dry-run"],
    ));
    assert!(dry.contains("name = \"渭滨预警发布\""), "{dry}");
    assert!(dry.contains("试运行，未写入任何内容"), "{dry}");
    assert!(!imported(dir.path()).exists());

    let stdout = ok(&govwatch(
        dir.path(),
        &["import", "accounts", path.to_str().unwrap()],
    ));
    assert!(stdout.contains("已写入3个账号、2个单位"), "{stdout}");
    let json = catalog_json(dir.path());
    let warning = json["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "渭滨预警发布")
        .cloned()
        .unwrap();
    assert_eq!(
        warning["unit"], "气象局",
        "a merged 责任单位 repeats the row above"
    );
    assert_eq!(warning["platform"], "douyin");
}

#[test]
fn a_sheet_without_known_headers_exits_2_and_says_what_it_expects() {
    let dir = initialized();
    let path = dir.path().join("other.csv");
    std::fs::write(&path, "序号,姓名,电话\n1,张三,123\n").unwrap();
    let out = govwatch(dir.path(), &["import", "accounts", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("账号名称") && err.contains("序号, 姓名, 电话"),
        "{err}"
    );
    assert!(!imported(dir.path()).exists());
}

#[test]
fn listing_prints_the_accounts_nobody_registered() {
    let dir = initialized();
    ok(&govwatch(
        dir.path(),
        &["import", "accounts", &sheet("seed000-accounts.csv")],
    ));
    let stdout = ok(&govwatch(
        dir.path(),
        &["import", "listing", &sheet("listing.csv")],
    ));
    assert!(
        stdout.contains("清单列出账号5个，其中未经报备（不在已登记账号中）2个"),
        "{stdout}"
    );
    assert!(
        stdout.contains("渭滨文旅") && stdout.contains("渭滨神农镇"),
        "{stdout}"
    );
    assert!(stdout.contains("row 7: unknown platform"), "{stdout}");

    let out = govwatch(
        dir.path(),
        &[
            "import",
            "listing",
            &sheet("listing.csv"),
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&ok_bytes(&out)).unwrap();
    assert_eq!(json["listed"], 5);
    let names: Vec<&str> = json["unregistered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    // 渭滨 城管 is registered as 渭滨城管 (spaces do not count), 渭滨交警 on Douyin.
    assert_eq!(names, ["渭滨文旅", "渭滨神农镇"]);
}

#[test]
fn posts_are_stored_for_catalog_accounts_once() {
    let dir = initialized();
    ok(&govwatch(
        dir.path(),
        &["import", "accounts", &sheet("seed000-accounts.csv")],
    ));
    let args = [
        "--now",
        "2020-01-09",
        "import",
        "posts",
        &sheet("posts.csv"),
    ];
    let stdout = ok(&govwatch(dir.path(), &args));
    assert!(
        stdout.contains("读取2个账号的发布记录3条，其中新增3条；2行未保存"),
        "{stdout}"
    );
    assert!(stdout.contains("row 5: 发布时间 \"不详\""), "{stdout}");
    assert!(
        stdout.contains("row 6: no wechat account \"不存在的账号\" in the catalog"),
        "{stdout}"
    );
    let again = ok(&govwatch(dir.path(), &args));
    assert!(
        again.contains("读取2个账号的发布记录3条，其中新增0条"),
        "{again}"
    );
}
