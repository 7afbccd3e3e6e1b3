use std::path::Path;

use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;

use super::headers::match_header;
use super::*;
use crate::catalog::load::load_texts;
use crate::catalog::names::normalize_name;
use crate::catalog::{AccountStatus, Catalog, Platform, SourceKind};
use crate::clock::Clock;

fn clock() -> Clock {
    Clock::parse("2020-01-09", Shanghai).unwrap()
}

fn fixture(name: &str) -> Vec<Sheet> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets")
        .join(name);
    read_sheets(&path).unwrap()
}

fn csv(text: &str) -> Vec<Sheet> {
    read_sheets_from(text.as_bytes()).unwrap()
}

#[test]
fn headers_match_with_spaces_brackets_and_synonyms() {
    let fields = [
        Field::Unit,
        Field::Name,
        Field::Operator,
        Field::Platform,
        Field::Level,
    ];
    for (header, field) in [
        ("责任单位", Field::Unit),
        ("主办单位", Field::Unit),
        ("单位名称", Field::Unit),
        ("所属单位名称", Field::Unit),
        ("账号名称", Field::Name),
        ("账号名称（必填）", Field::Name),
        ("* 政务新媒体名称", Field::Name),
        ("开设主体", Field::Operator),
        ("账号类型", Field::Platform),
        ("类别", Field::Platform),
        ("平 台", Field::Platform),
        ("级 别", Field::Level),
        ("Level", Field::Level),
    ] {
        assert_eq!(
            match_header(header, &fields).map(|(f, _)| f),
            Some(field),
            "{header}"
        );
    }
    assert_eq!(match_header("突出问题", &fields), None);
    assert_eq!(match_header("序号", &fields), None);
}

#[test]
fn platforms_from_the_sheets_words() {
    for (text, platform) in [
        ("微信订阅号", Some(Platform::Wechat)),
        ("微信服务号", Some(Platform::Wechat)),
        ("政 务 微 信", Some(Platform::Wechat)),
        ("公众号", Some(Platform::Wechat)),
        ("新浪微博", Some(Platform::Weibo)),
        ("政务微博", Some(Platform::Weibo)),
        ("政 务 微 博", Some(Platform::Weibo)),
        ("抖音短视频", Some(Platform::Douyin)),
        ("今日头条", Some(Platform::Toutiao)),
        ("快手", Some(Platform::Kuaishou)),
        ("微信视频号", Some(Platform::Other)),
        ("百家号", Some(Platform::Other)),
        ("飞信", None),
    ] {
        assert_eq!(platform_of(text), platform, "{text}");
    }
}

#[test]
fn seed_000_inventory_reads_with_its_title_row_and_reports_bad_rows() {
    let sheet = parse_accounts(&fixture("seed000-accounts.csv"), &clock()).unwrap();
    assert_eq!(sheet.accounts.len(), 30);
    let first = &sheet.accounts[0];
    assert_eq!(first.at.row, 3);
    assert_eq!(first.name, "渭滨生态环境");
    assert_eq!(first.unit, "生态环境分局");
    assert_eq!(first.operator.as_deref(), Some("宝鸡市生态环境局渭滨分局"));
    assert_eq!(first.platform, Platform::Wechat);
    assert_eq!(first.source.kind, SourceKind::Manual);
    let count = |p| sheet.accounts.iter().filter(|a| a.platform == p).count();
    assert_eq!(count(Platform::Wechat), 23);
    assert_eq!(count(Platform::Weibo), 5);
    assert_eq!(count(Platform::Douyin), 2);
    // 渭滨区政务服务中心 is its own 开设主体: operator differs from the unit, kept.
    let rejected: Vec<String> = sheet.rejected.iter().map(|r| r.to_string()).collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(rejected[0].starts_with("row 33: unknown platform \"飞信\""));
    assert!(rejected[1].starts_with("row 34: no 账号名称"));
}

#[test]
fn seed_003_list_reads_merged_categories_spaced_levels_and_two_names_in_a_cell() {
    let sheet = parse_accounts(&fixture("seed003-accounts.csv"), &clock()).unwrap();
    let names: Vec<(&str, Platform, &str, Option<&str>, usize)> = sheet
        .accounts
        .iter()
        .map(|a| {
            (
                a.name.as_str(),
                a.platform,
                a.unit.as_str(),
                a.level.as_deref(),
                a.at.row,
            )
        })
        .collect();
    use Platform::{Wechat, Weibo};
    assert_eq!(
        names,
        [
            ("苍溪县三川镇", Weibo, "三川镇人民政府", Some("乡镇"), 3),
            ("苍溪县高坡镇", Weibo, "高坡镇人民政府", Some("乡镇"), 4),
            ("梨乡禁毒", Weibo, "县公安局", Some("县级部门"), 5),
            ("苍溪市监", Weibo, "县市场监管局", Some("县级部门"), 6),
            (
                "苍溪县高坡镇人民政府",
                Wechat,
                "高坡镇人民政府",
                Some("乡镇"),
                7
            ),
            ("神韵黄猫", Wechat, "黄猫乡人民政府", Some("乡镇"), 8),
            ("醉美运山", Wechat, "运山镇人民政府", Some("乡镇"), 9),
            ("双河政事", Wechat, "双河乡人民政府", Some("乡镇"), 10),
            (
                "苍溪县双河乡人民政府",
                Wechat,
                "双河乡人民政府",
                Some("乡镇"),
                10
            ),
            ("微五龙", Wechat, "五龙镇人民政府", Some("乡镇"), 11),
            ("投资苍溪", Wechat, "县商务经合局", Some("县级部门"), 12),
            ("苍溪财政", Wechat, "县财政局", Some("县级部门"), 13),
            ("苍溪交通", Wechat, "县交运局", Some("县级部门"), 14),
            (
                "苍溪县公路路政管理所",
                Wechat,
                "县交运局",
                Some("县级部门"),
                15
            ),
        ]
    );
    assert!(sheet.rejected.is_empty(), "{:?}", sheet.rejected);
    assert_eq!(sheet.notes.len(), 1);
    assert!(
        sheet.notes[0]
            .to_string()
            .starts_with("row 10: one cell names 2 accounts")
    );
}

#[test]
fn uid_fakeid_and_feed_columns_give_real_sources() {
    let text = "单位,账号名称,平台,链接,fakeid,状态,注销时间\n\
                县公安局,苍溪公安,新浪微博,https://weibo.com/u/1234567890,,正常运行,\n\
                县财政局,苍溪财政,微信公众号,,MzA5MDAwMDAwMA==,正常,\n\
                县交运局,苍溪交通,微信公众号,http://127.0.0.1:1200/wechat/ce/123/rss,,,\n\
                县交运局,苍溪路政,今日头条,https://www.toutiao.com/c/user/1/,,已注销,2019-06-30\n\
                县交运局,苍溪路政2,今日头条,not a url,,关停中,\n";
    let sheet = parse_accounts(&csv(text), &clock()).unwrap();
    let s: Vec<(SourceKind, Option<&str>, Option<&str>, AccountStatus)> = sheet
        .accounts
        .iter()
        .map(|a| {
            (
                a.source.kind,
                a.source.uid.as_deref().or(a.source.fakeid.as_deref()),
                a.source.url.as_ref().map(|u| u.as_str()),
                a.status,
            )
        })
        .collect();
    assert_eq!(
        s,
        [
            (
                SourceKind::Weibo,
                Some("1234567890"),
                None,
                AccountStatus::Active
            ),
            (
                SourceKind::WechatMp,
                Some("MzA5MDAwMDAwMA=="),
                None,
                AccountStatus::Active
            ),
            (
                SourceKind::Feed,
                None,
                Some("http://127.0.0.1:1200/wechat/ce/123/rss"),
                AccountStatus::Active
            ),
            (
                SourceKind::Manual,
                None,
                Some("https://www.toutiao.com/c/user/1/"),
                AccountStatus::Closed
            ),
            (SourceKind::Manual, None, None, AccountStatus::Closed),
        ]
    );
    assert_eq!(
        sheet.accounts[3].closed_on,
        NaiveDate::from_ymd_opt(2019, 6, 30)
    );
    assert!(
        sheet.notes[0].message.contains("not a url"),
        "{:?}",
        sheet.notes
    );
}

#[test]
fn duplicate_rows_are_rejected_with_the_first_row() {
    let text = "账号名称,账号类型,责任单位\n渭滨城管,微信订阅号,城管局\n渭滨 城管,微信服务号,城管局\n渭滨城管,新浪微博,城管局\n";
    let sheet = parse_accounts(&csv(text), &clock()).unwrap();
    assert_eq!(sheet.accounts.len(), 2);
    assert_eq!(
        sheet.rejected[0].to_string(),
        "row 3: wechat account \"渭滨城管\" is already listed at row 2"
    );
}

#[test]
fn gbk_and_tab_separated_csv_read() {
    let text = "责任单位\t账号名称\t开设主体\t账号类型\n气象局\t渭滨气象\t宝鸡市渭滨区气象局\t微信订阅号\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let sheets = read_sheets_from(&bytes).unwrap();
    let sheet = parse_accounts(&sheets, &clock()).unwrap();
    assert_eq!(sheet.accounts[0].name, "渭滨气象");
    assert_eq!(
        sheet.accounts[0].operator.as_deref(),
        Some("宝鸡市渭滨区气象局")
    );
}

#[test]
fn a_sheet_without_the_headers_is_none() {
    assert!(parse_accounts(&csv("a,b,c\n1,2,3\n"), &clock()).is_none());
}

#[test]
fn xlsx_with_merged_categories_and_date_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("政务新媒体").unwrap();
    ws.merge_range(0, 0, 0, 4, "2020年一季度政务新媒体名单", &Format::new())
        .unwrap();
    for (col, h) in ["类别", "政务新媒体名称", "主办单位", "级 别", "开设时间"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, col as u16, *h).unwrap();
    }
    ws.merge_range(2, 0, 3, 0, "政 务 微 博", &Format::new())
        .unwrap();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (row, (name, unit)) in [("苍溪县三川镇", "三川镇人民政府"), ("梨乡禁毒", "县公安局")]
        .iter()
        .enumerate()
    {
        let r = row as u32 + 2;
        ws.write_string(r, 1, *name).unwrap();
        ws.write_string(r, 2, *unit).unwrap();
        ws.write_string(r, 3, "乡 镇").unwrap();
        ws.write_datetime_with_format(
            r,
            4,
            ExcelDateTime::from_ymd(2018, 3, 1 + row as u8).unwrap(),
            &date,
        )
        .unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let sheets = read_sheets_from(&bytes).unwrap();
    assert_eq!(
        sheets[0].name, None,
        "a lone sheet needs no name in messages"
    );
    let sheet = parse_accounts(&sheets, &clock()).unwrap();
    assert_eq!(sheet.accounts.len(), 2, "{:?}", sheet.rejected);
    assert!(sheet.accounts.iter().all(|a| a.platform == Platform::Weibo));
    assert_eq!(sheet.accounts[1].at.row, 4);
    assert_eq!(
        sheet.accounts[1].opened_on,
        NaiveDate::from_ymd_opt(2018, 3, 2)
    );
}

fn hand_catalog() -> Catalog {
    let text = r#"
[[unit]]
name = "县财政局"
level = "县级部门"

[[account]]
name = "苍溪财政"
unit = "县财政局"
platform = "wechat"
source = { kind = "feed", url = "https://rss.example.org/wechat/cangxi-finance" }
"#;
    load_texts(&[(Path::new("county.toml"), text)])
        .unwrap()
        .catalog
}

#[test]
fn the_plan_leaves_hand_written_accounts_and_units_out_and_validates() {
    let sheet = parse_accounts(&fixture("seed003-accounts.csv"), &clock()).unwrap();
    let hand = hand_catalog();
    let plan = plan_import(&sheet, &hand, "seed003-accounts.csv", &clock());
    assert_eq!(plan.accounts, 13);
    assert_eq!(plan.hand_written.len(), 1);
    assert!(
        plan.hand_written[0]
            .to_string()
            .starts_with("row 13: wechat account \"苍溪财政\" is written by hand at county.toml:"),
        "{}",
        plan.hand_written[0]
    );
    // 县财政局 is hand-written; the other ten units are imported with their level.
    assert_eq!(plan.units, 10);
    assert!(!plan.text.contains("name = \"县财政局\""));
    assert!(
        plan.text
            .contains("[[unit]]\nname = \"县公安局\"\nlevel = \"县级部门\"\n")
    );

    let county = r#"
[[unit]]
name = "县财政局"
level = "县级部门"

[[account]]
name = "苍溪财政"
unit = "县财政局"
platform = "wechat"
source = { kind = "feed", url = "https://rss.example.org/wechat/cangxi-finance" }
"#;
    let loaded = load_texts(&[
        (Path::new("county.toml"), county),
        (Path::new("imported.toml"), plan.text.as_str()),
    ])
    .unwrap();
    assert!(loaded.issues.is_empty(), "{:?}", loaded.issues);
    assert_eq!(loaded.catalog.accounts.len(), 14);
    assert_eq!(loaded.catalog.units.len(), 11);
}

/// The imported file as it was written before it was serialized (by `format!`), kept to
/// show that the serialized file loads as the same catalog.
fn legacy_text(plan_sheet: &AccountSheet, hand: &Catalog) -> String {
    let written: Vec<&SheetAccount> = plan_sheet
        .accounts
        .iter()
        .filter(|a| {
            !hand.accounts.iter().any(|h| {
                h.platform == a.platform && normalize_name(&h.name) == normalize_name(&a.name)
            })
        })
        .collect();
    let known: Vec<&str> = hand.units.iter().map(|u| u.name.as_str()).collect();
    let mut units: Vec<(String, Option<String>)> = Vec::new();
    for a in &written {
        if known.contains(&a.unit.as_str()) {
            continue;
        }
        match units.iter_mut().find(|(u, _)| *u == a.unit) {
            Some((_, level)) => {
                if level.is_none() {
                    level.clone_from(&a.level);
                }
            }
            None => units.push((a.unit.clone(), a.level.clone())),
        }
    }
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut text = String::from("# legacy\n");
    for (unit, level) in &units {
        text.push_str(&format!("\n[[unit]]\nname = {}\n", q(unit)));
        if let Some(level) = level {
            text.push_str(&format!("level = {}\n", q(level)));
        }
    }
    for a in &written {
        text.push_str(&format!(
            "\n# {}\n[[account]]\nname = {}\nunit = {}\nplatform = {}\n",
            a.at,
            q(&a.name),
            q(&a.unit),
            q(a.platform.as_str())
        ));
        if let Some(op) = &a.operator {
            text.push_str(&format!("operator = {}\n", q(op)));
        }
        if a.status == AccountStatus::Closed {
            text.push_str("status = \"closed\"\n");
        }
        if let Some(d) = a.opened_on {
            text.push_str(&format!("opened_on = {d}\n"));
        }
        if let Some(d) = a.closed_on {
            text.push_str(&format!("closed_on = {d}\n"));
        }
        let s = &a.source;
        let kind = match s.kind {
            SourceKind::Feed => "feed",
            SourceKind::Weibo => "weibo",
            SourceKind::WechatMp => "wechat_mp",
            SourceKind::Html => "html",
            SourceKind::Manual => "manual",
        };
        let mut parts = vec![format!("kind = {}", q(kind))];
        if let Some(u) = &s.url {
            parts.push(format!("url = {}", q(u.as_str())));
        }
        if let Some(u) = &s.uid {
            parts.push(format!("uid = {}", q(u)));
        }
        if let Some(f) = &s.fakeid {
            parts.push(format!("fakeid = {}", q(f)));
        }
        text.push_str(&format!("source = {{ {} }}\n", parts.join(", ")));
    }
    text
}

#[test]
fn the_serialized_file_loads_as_the_catalog_the_legacy_text_did() {
    let with_dates = {
        let text = "单位,账号名称,开设主体,平台,链接,fakeid,状态,开设时间,注销时间\n\
                    县公安局,苍溪公安,苍溪县公安局,新浪微博,https://weibo.com/u/1234567890,,正常运行,2018-03-01,\n\
                    县财政局,苍溪财政,,微信公众号,,MzA5MDAwMDAwMA==,正常,,\n\
                    县交运局,苍溪交通,,微信公众号,http://127.0.0.1:1200/wechat/ce/123/rss,,,,\n\
                    县交运局,\"苍溪\"\"路政\"\"\",,今日头条,https://www.toutiao.com/c/user/1/,,已注销,2017-01-05,2019-06-30\n";
        parse_accounts(&csv(text), &clock()).unwrap()
    };
    let sheets = [
        parse_accounts(&fixture("seed000-accounts.csv"), &clock()).unwrap(),
        parse_accounts(&fixture("seed003-accounts.csv"), &clock()).unwrap(),
        with_dates,
    ];
    for hand in [Catalog::default(), hand_catalog()] {
        for sheet in &sheets {
            let plan = plan_import(sheet, &hand, "sheet.csv", &clock());
            let load = |text: &str| {
                let loaded = load_texts(&[(Path::new("imported.toml"), text)]).unwrap();
                assert!(loaded.issues.is_empty(), "{:?}\n{text}", loaded.issues);
                serde_json::to_value(&loaded.catalog).unwrap()
            };
            let new = load(&plan.text);
            assert_eq!(new, load(&legacy_text(sheet, &hand)), "{}", plan.text);
            assert_eq!(
                new["accounts"].as_array().unwrap().len(),
                plan.accounts,
                "{}",
                plan.text
            );
        }
    }
}

#[test]
fn the_imported_file_keeps_its_comments() {
    let sheet = parse_accounts(&fixture("seed003-accounts.csv"), &clock()).unwrap();
    let plan = plan_import(&sheet, &hand_catalog(), "seed003-accounts.csv", &clock());
    assert!(
        plan.text.starts_with(
            "# Written by `govwatch import accounts seed003-accounts.csv` on 2020-01-09.\n"
        ),
        "{}",
        plan.text
    );
    assert!(
        plan.text
            .contains("# not imported: row 13: wechat account \"苍溪财政\""),
        "{}",
        plan.text
    );
    assert!(
        plan.text
            .contains("\n# row 3\n[[account]]\nname = \"苍溪县三川镇\"\n"),
        "{}",
        plan.text
    );
}

#[test]
fn csv_rows_keep_the_numbers_a_spreadsheet_shows_after_blank_lines() {
    let sheets = read_sheets_from(
        "编号,标题\nA1,一\n\nA3,\"两行\n标题\"\r\n\r\n\r\nA6,六\nA7,七\n".as_bytes(),
    )
    .unwrap();
    let numbers: Vec<(usize, &str)> = sheets[0]
        .rows
        .iter()
        .map(|r| (r.number, r.cells[0].as_str()))
        .collect();
    assert_eq!(
        numbers,
        [(1, "编号"), (2, "A1"), (4, "A3"), (7, "A6"), (8, "A7")]
    );
}
