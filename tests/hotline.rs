//! 12345 hotline work orders imported from a sheet, as an office does it, on both
//! databases: the real binary, a county catalog with seed 004's 承办单位, and
//! `govwatch import messages` then `govwatch export messages`.
//!
//! `tests/fixtures/sheets/seed004-hotline.csv` is the system export seed 004 counts:
//! 391 work orders received 2022-04-01 to 06-19 (a title row above odd headers:
//! 工单编号, 受理时间, 承办单位（部门）, 办理时限, 办结时间, 工单状态, 是否撤单 written
//! 是/Y/√/1 and 否/N/0/blank, 住建局 for 县住建局 on every other row), each answered the
//! day after it was received except 城关镇's first two (three days past their 办理时限)
//! and 60 withdrawn (已撤单, the unit test's rule in src/report/messages/tests.rs); 353
//! 投诉类, 32 求助类, 6 其他; and two rows it cannot read (no 工单编号, 受理时间 待补录).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader, Xlsx};

on_both_databases_with_url!(seed_004_tables_replay_from_the_imported_work_orders);

/// Seed 004 附件3 then 附件4: 承办单位, 承办件, 按期办结件, 超时办结件, 返工件, 按期办结率.
const SEED004_ROWS: [&str; 25] = [
    "高崖镇 7 7 0 0 100%",
    "城关镇 22 20 2 0 90.9%",
    "南寨镇 36 36 0 0 100%",
    "草碧镇 35 35 0 0 100%",
    "张家塬镇 16 16 0 0 100%",
    "水沟镇 21 21 0 0 100%",
    "崔家头镇 9 9 0 0 100%",
    "县住建局 95 95 0 0 100%",
    "县水利局 22 22 0 0 100%",
    "环保新材料管委会 21 21 0 0 100%",
    "县卫健局 19 19 0 0 100%",
    "县市场监管局 15 15 0 0 100%",
    "县自然资源局 14 14 0 0 100%",
    "县公安局 12 12 0 0 100%",
    "县教体局 10 10 0 0 100%",
    "县人社局 9 9 0 0 100%",
    "县交通局 8 8 0 0 100%",
    "县供电公司 7 7 0 0 100%",
    "县医保局 5 5 0 0 100%",
    "县畜产局 2 2 0 0 100%",
    "县林业局 2 2 0 0 100%",
    "县招商局 1 1 0 0 100%",
    "县工信局 1 1 0 0 100%",
    "县农业农村局 1 1 0 0 100%",
    "县应急管理局 1 1 0 0 100%",
];

struct County {
    dir: tempfile::TempDir,
    database: String,
}

impl County {
    /// `govwatch init`, then a catalog of seed 004's units in its tables' order.
    fn new(database: String) -> County {
        let dir = tempfile::tempdir().unwrap();
        let county = County { dir, database };
        county.ok(&["init"]);
        let units: String = SEED004_ROWS
            .iter()
            .map(|r| {
                let name = r.split(' ').next().unwrap();
                let level = if name.ends_with('镇') {
                    "乡镇"
                } else {
                    "县级部门"
                };
                format!("[[unit]]\nname = \"{name}\"\nlevel = \"{level}\"\n\n")
            })
            .collect();
        std::fs::write(county.path().join("config/catalog/county.toml"), units).unwrap();
        county
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_govwatch"))
            .current_dir(self.path())
            .arg("--database")
            .arg(&self.database)
            .args(args)
            .env_remove("GOVWATCH_DATABASE_URL")
            .env_remove("GOVWATCH_CONFIG")
            .env("RUST_LOG", "error")
            .output()
            .expect("run govwatch")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(
            out.status.code(),
            Some(0),
            "govwatch {args:?}\nstdout:\n{stdout}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }
}

fn sheet(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sheets")
        .join(name)
        .display()
        .to_string()
}

/// The seed's columns of the CSV export (单位, 承办数量, 按期办结件, 超时办结件, 返工件,
/// 按期办结率), one line per row.
fn seed_columns(csv: &str) -> Vec<String> {
    let csv = csv.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "单位",
            "承办数量",
            "办结数量",
            "逾期数量",
            "按期办结件",
            "超时办结件",
            "返工件",
            "按期办结率"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [0, 1, 4, 5, 6, 7].map(|i| r[i].to_string()).join(" ")
        })
        .collect()
}

#[test]
fn without_a_channel_the_import_exits_2_and_says_to_pass_one() {
    let db = support::db::sqlite();
    let county = County::new(db.url.clone());
    let out = county.run(&["import", "messages", &sheet("seed004-hotline.csv")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("pass --channel NAME"), "{stderr}");
    let out = county.run(&["import", "messages", &sheet("listing.csv")]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no header row with 编号 and 受理日期"),
        "{stderr}"
    );
}

/// A later sheet from the mailbox back office, as XLSX: a merged title row, spaced
/// headers, real date cells; a 渠道 column naming 12345热线 on one row (a rework of an
/// order already imported), blank on the others (`--channel 县长信箱`), and two bad rows.
fn later_workbook(dir: &Path) -> PathBuf {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.merge_range(0, 0, 0, 7, "信件及工单补录（7月5日）", &Format::new())
        .unwrap();
    let headers = [
        "信 件 编 号",
        "来源渠道",
        "来信日期",
        "回复时间",
        "承办单位",
        "信件类别",
        "是否撤回",
        "是否重办",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let rows: [[&str; 8]; 5] = [
        [
            "QY202200391",
            "12345热线",
            "2022-06-10",
            "2022-06-11",
            "县应急管理局",
            "投诉类",
            "否",
            "是",
        ],
        ["XZ-001", "", "2022-06-28", "", "住建局", "咨询", "", ""],
        [
            "XZ-002",
            "",
            "2022-06-01",
            "2022-06-02",
            "县城投公司",
            "建议",
            "N",
            "N",
        ],
        ["XZ-003", "", "2022年13月45日", "", "城关镇", "", "", ""],
        ["XZ-004", "", "2022-06-03", "", "城关镇", "", "可能", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            if cell.is_empty() {
                continue;
            }
            match chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d") {
                Ok(d) if c == 2 => {
                    use chrono::Datelike;
                    let day =
                        ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
                            .unwrap();
                    ws.write_datetime_with_format(r, c, &day, &date).unwrap();
                }
                _ => {
                    ws.write_string(r, c, *cell).unwrap();
                }
            }
        }
    }
    let path = dir.join("补录.xlsx");
    book.save(&path).unwrap();
    path
}

async fn seed_004_tables_replay_from_the_imported_work_orders(database: String) {
    let county = tokio::task::spawn_blocking(move || County::new(database))
        .await
        .unwrap();
    tokio::task::spawn_blocking(move || replay(&county))
        .await
        .unwrap();
}

fn replay(county: &County) {
    let hotline = sheet("seed004-hotline.csv");
    let import = [
        "--now",
        "2022-06-30",
        "import",
        "messages",
        &hotline,
        "--channel",
        "12345热线",
    ];
    let out = county.ok(&import);
    assert!(
        out.contains("row 394: no 编号"),
        "a row without 工单编号 is reported by its row: {out}"
    );
    assert!(
        out.contains("row 395: 受理日期 \"待补录\" is not a date"),
        "{out}"
    );
    assert!(
        !out.contains("目录中没有的承办单位"),
        "住建局 is 县住建局: {out}"
    );
    assert!(
        out.contains("seed004-hotline.csv：读取391条，新增391条，更新0条；2行未导入"),
        "{out}"
    );

    // 截至 2022 年 6 月 30 日.
    let export = |now: &str, format: &str, channel: &str| {
        county.ok(&[
            "--now",
            now,
            "export",
            "messages",
            "--period",
            "2022Q2",
            "--format",
            format,
            "--channel",
            channel,
        ])
    };
    let csv = export("2022-06-30", "csv", "12345热线");
    let mut expected: Vec<String> = SEED004_ROWS.iter().map(|r| r.to_string()).collect();
    expected.push("合计 391 389 2 0 99.5%".into());
    assert_eq!(
        seed_columns(&csv),
        expected,
        "附件3 and 附件4, then the total"
    );

    let json: serde_json::Value =
        serde_json::from_str(&export("2022-06-30", "json", "12345热线")).unwrap();
    let total = &json["total"];
    let sentence = format!(
        "共受理 12345 热线工单 {} 件，自主撤单 {} 件，应办结 {} 件，按期办结 {} 件",
        total["received"], total["withdrawn"], total["due"], total["on_time"]
    );
    assert_eq!(
        sentence,
        "共受理 12345 热线工单 391 件，自主撤单 60 件，应办结 331 件，按期办结 329 件"
    );
    assert_eq!(
        total["categories"],
        serde_json::json!({"投诉类": 353, "求助类": 32, "其他": 6}),
        "其中投诉类 353 件，求助类 32 件，其他 6 件"
    );
    let chengguan = &json["units"][1];
    assert_eq!(chengguan["unit"], "城关镇");
    assert_eq!(
        (chengguan["late"].as_u64(), chengguan["overdue"].as_u64()),
        (Some(2), Some(2))
    );
    assert!((chengguan["table_rate"].as_f64().unwrap() - 20.0 / 22.0).abs() < 1e-9);
    assert!((total["on_time_rate"].as_f64().unwrap() - 329.0 / 331.0).abs() < 1e-9);

    // XLSX: 按期办结率 is a number Excel shows as 90.9%.
    let xlsx = county.path().join("hotline.xlsx");
    county.ok(&[
        "--now",
        "2022-06-30",
        "export",
        "messages",
        "--period",
        "2022Q2",
        "--format",
        "xlsx",
        "--channel",
        "12345热线",
        "--output",
        xlsx.to_str().unwrap(),
    ]);
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let row = range
        .rows()
        .find(|r| r.first() == Some(&Data::String("城关镇".into())))
        .expect("城关镇's row");
    assert_eq!(row[1], Data::Float(22.0));
    match &row[7] {
        Data::Float(f) => assert!((f - 20.0 / 22.0).abs() < 1e-9, "{f}"),
        other => panic!("按期办结率 is a number, not {other:?}"),
    }

    // A later sheet: the known order is updated, new letters added, bad rows reported;
    // orders missing from it are kept.
    let later = later_workbook(county.path());
    let out = county.ok(&[
        "--now",
        "2022-07-05",
        "import",
        "messages",
        later.to_str().unwrap(),
        "--channel",
        "县长信箱",
    ]);
    assert!(
        out.contains("row 6: 受理日期 \"2022年13月45日\" is not a date"),
        "{out}"
    );
    assert!(
        out.contains("row 7: 是否撤单 \"可能\" is neither yes nor no: write 是/否, Y/N, 1/0 or √"),
        "{out}"
    );
    assert!(
        out.contains(
            "目录中没有的承办单位（按原文保存；在目录中添加同名单位即可归入）：县城投公司"
        ),
        "{out}"
    );
    assert!(out.contains("按渠道：12345热线1条，县长信箱2条"), "{out}");
    assert!(
        out.contains("补录.xlsx：读取3条，新增2条，更新1条；2行未导入"),
        "{out}"
    );

    let csv = export("2022-07-05", "csv", "12345热线");
    let rows = seed_columns(&csv);
    assert_eq!(rows.len(), 26, "no order was dropped: {rows:?}");
    assert_eq!(rows[24], "县应急管理局 1 1 0 1 100%", "返工件 1");
    assert_eq!(rows[25], "合计 391 389 2 1 99.5%");

    let json: serde_json::Value =
        serde_json::from_str(&export("2022-07-05", "json", "县长信箱")).unwrap();
    let units: Vec<(&str, u64, u64)> = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["unit"].as_str().unwrap(),
                u["received"].as_u64().unwrap(),
                u["closed"].as_u64().unwrap(),
            )
        })
        .collect();
    // 6月28日's letter is within its 5 working days on 7月5日: open, not overdue.
    assert_eq!(units, [("县住建局", 1, 0), ("县城投公司", 1, 1)]);
    assert_eq!(json["total"]["overdue"], 0);
}
