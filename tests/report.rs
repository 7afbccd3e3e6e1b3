//! The auditors' exports and the quarterly notice draft, end to end on the fixture
//! county (SQLite and PostgreSQL): checks replayed with `--now`, two account episodes
//! as an office would have found them, then the real binary's `export` and `report`
//! output opened back (csv crate, calamine) and compared with the store.

mod support;

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use chrono_tz::Asia::Shanghai;
use govwatch::catalog::{Catalog, load_texts};
use govwatch::clock::{Clock, end_of_day, start_of_day};
use govwatch::config::Settings;
use govwatch::cycle::{self, CycleOptions, Env};
use govwatch::detect::Kind;
use govwatch::fetch::Fetcher;
use govwatch::observe::evidence::{AccountBase, AccountSilent, AccountZombie, Evidence};
use govwatch::report::findings::open_in;
use govwatch::report::wording::{self, sentence};
use govwatch::store::{FindingFilter, NewFinding, Scope, Store};
use serde_json::json;
use support::FixtureServer;
use support::county;

on_both_databases!(exports_and_the_notice_match_the_store);

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn clock(day: NaiveDate) -> Clock {
    Clock::new(
        end_of_day(day, Shanghai) - chrono::Duration::hours(14),
        Shanghai,
    )
}

const ACCOUNTS: &str = r#"
[[unit]]
name = "高坡镇"
level = "乡镇"

[[account]]
name = "苍溪县高坡镇"
unit = "高坡镇"
platform = "weibo"
source = { kind = "manual" }

[[account]]
name = "审计之窗"
unit = "审计局"
platform = "wechat"
source = { kind = "manual" }

[[account]]
name = "平安示例"
unit = "县公安局"
platform = "weibo"
source = { kind = "manual" }
"#;

async fn replay(store: &Store, catalog: &Catalog) {
    let settings = Settings {
        fetch: support::fetch_settings(),
        ..Default::default()
    };
    let fetcher = Fetcher::builder(&settings.fetch, &catalog.sites)
        .retry_policy(support::fast_retries(0))
        .build()
        .unwrap();
    for day in [d(8, 10), d(8, 11), d(8, 17), d(9, 10), d(9, 25), d(10, 1)] {
        let env = Env {
            store,
            fetcher: &fetcher,
            catalog,
            settings: &settings,
            clock: &clock(day),
        };
        cycle::run(env, &CycleOptions::default(), &|_| {})
            .await
            .unwrap();
    }
}

/// 高坡镇's weibo silent on 9月14日 (last post 8月28日), posting again on 9月30日;
/// 审计之窗 a zombie on 9月20日 (last post 2019年12月2日), still so.
async fn account_checks(store: &Store) {
    let scope = Scope::kinds([Kind::AccountSilent, Kind::AccountZombie]);
    let silent = NewFinding {
        subject_key: "weibo:name:苍溪县高坡镇".into(),
        unit: Some("高坡镇".into()),
        sentence: wording::account_silent(d(9, 14), d(8, 28), None),
        evidence: Evidence::AccountSilent(AccountSilent {
            account: AccountBase {
                platform: "weibo".into(),
                account: "苍溪县高坡镇".into(),
                unit: "高坡镇".into(),
                detected_on: d(9, 14),
                last_post: Some(d(8, 28)),
            },
            days_silent: None,
            opened_on: None,
        }),
    };
    let zombie = NewFinding {
        subject_key: "wechat:name:审计之窗".into(),
        unit: Some("审计局".into()),
        sentence: wording::account_zombie(
            d(9, 20),
            Some(NaiveDate::from_ymd_opt(2019, 12, 2).unwrap()),
            None,
        ),
        evidence: Evidence::AccountZombie(AccountZombie {
            account: AccountBase {
                platform: "wechat".into(),
                account: "审计之窗".into(),
                unit: "审计局".into(),
                detected_on: d(9, 20),
                last_post: Some(NaiveDate::from_ymd_opt(2019, 12, 2).unwrap()),
            },
            opened_on: None,
        }),
    };
    // A re-check rewrites the evidence's detected_on; the episode opened on 9月14日.
    let mut rechecked = silent.clone();
    if let Evidence::AccountSilent(e) = &mut rechecked.evidence {
        e.account.detected_on = d(9, 20);
    }
    for (day, found) in [
        (d(9, 14), vec![silent.clone()]),
        (d(9, 20), vec![rechecked, zombie.clone()]),
        (d(9, 30), vec![zombie.clone()]),
    ] {
        let at = start_of_day(day, Shanghai) + chrono::Duration::hours(9);
        store
            .reconcile_findings(&scope, &found, at, day)
            .await
            .unwrap();
    }
}

fn govwatch(dir: &Path, url: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .current_dir(dir)
        .args(["--database", url, "--now", "2020-10-08"])
        .args(args)
        .env_remove("GOVWATCH_DATABASE_URL")
        .env_remove("GOVWATCH_CONFIG")
        .env("RUST_LOG", "error")
        .output()
        .expect("run govwatch");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "CSV starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&sheet).unwrap();
    let mut rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    // The title row, with the period, above the header.
    let title = rows.remove(0);
    assert!(
        matches!(&title[0], Data::String(t) if t.contains("2020年")),
        "{title:?}"
    );
    rows
}

async fn exports_and_the_notice_match_the_store(store: Store) {
    let server = FixtureServer::with_router("127.0.0.1", county::router()).await;
    let base = format!("http://{}", server.addr);
    let text = county::catalog(&base);
    let catalog = load_texts(&[(Path::new("county.toml"), text.as_str())])
        .unwrap()
        .catalog;
    replay(&store, &catalog).await;
    account_checks(&store).await;

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir_all(config.join("catalog")).unwrap();
    std::fs::write(
        config.join("govwatch.toml"),
        "[general]\noffice_name = \"示例县政务公开办\"\n\n\
         [schedule]\nholidays = [2020-10-09]\n\n\
         [report]\nissuer = \"示例县人民政府办公室\"\n\
         salutation = \"各乡镇人民政府，县级各部门：\"\nrectify_days = 5\n\n\
         [report.scoring]\nbase = 300\n\
         [report.scoring.points]\ncolumn_zero_publish = -8\naccount_silent = -2\n",
    )
    .unwrap();
    std::fs::write(
        config.join("catalog/county.toml"),
        format!("{text}\n{ACCOUNTS}"),
    )
    .unwrap();
    let url = store.url().to_string();
    let run = |args: &[&str]| govwatch(dir.path(), &url, args);

    // export findings: every episode open at some time in Q3, as stored.
    let q3: govwatch::detect::period::Period = "2020Q3".parse().unwrap();
    let stored: Vec<_> = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|f| open_in(f, q3, d(10, 8)))
        .collect();
    assert!(stored.len() >= 10, "{stored:#?}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["export", "findings", "--period", "2020Q3"])).unwrap();
    let rows = json.as_array().unwrap();
    assert_eq!(rows.len(), stored.len());
    for (row, f) in rows.iter().zip(&stored) {
        assert_eq!(row["kind"], f.kind.code());
        assert_eq!(row["subject"], f.subject_key.as_str());
        assert_eq!(row["sentence"], sentence(f).as_str());
        assert_eq!(row["opened_on"], f.opened_on.to_string());
        assert_eq!(row["evidence"], f.evidence_json());
        for key in ["unit", "last_confirmed", "resolved_on", "rectified"] {
            assert!(row.get(key).is_some(), "{key} in {row}");
        }
    }
    let gaopo = rows.iter().find(|r| r["kind"] == "account_silent").unwrap();
    assert_eq!(gaopo["resolved_on"], "2020-09-30");
    assert_eq!(gaopo["rectified"], true);
    // Q2 ended before the first check (8月10日): only the findings about Q2 belong to it.
    let q2: serde_json::Value =
        serde_json::from_slice(&run(&["export", "findings", "--period", "2020Q2"])).unwrap();
    let subjects: Vec<&str> = q2
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(
        subjects.iter().all(|s| s.ends_with("#2020Q2")),
        "{subjects:?}"
    );

    let csv = csv_rows(&run(&[
        "export", "findings", "--period", "2020Q3", "--format", "csv",
    ]));
    // Clerks read no code: 问题类型 names the kind; evidence in Chinese.
    assert_eq!(
        csv[0],
        [
            "编号",
            "责任单位",
            "问题类型",
            "问题描述",
            "发现日期",
            "最近确认",
            "整改日期",
            "是否整改",
            "证据"
        ]
    );
    assert_eq!(csv.len(), stored.len() + 1);
    for (row, f) in csv[1..].iter().zip(&stored) {
        assert_eq!(row[0], f.id.to_string());
        assert_eq!(row[2], f.kind.name_zh());
        assert_eq!(row[3], sentence(f));
        assert_eq!(row[4], f.opened_on.to_string());
    }
    let unreachable = csv[1..].iter().find(|r| r[2] == "栏目无法访问").unwrap();
    assert_eq!(unreachable[3], "县公安局警务公开栏目链接无法正常访问");
    assert!(
        unreachable[8].contains(&format!("网址：{base}/gone/index.html")),
        "{unreachable:?}"
    );
    let silent = csv[1..].iter().find(|r| r[2] == "超过两周未更新").unwrap();
    assert_eq!(
        silent[3],
        "9月14日监测到超过两周未更新内容，最新更新时间为8月28日"
    );
    assert_eq!(
        (silent[6].as_str(), silent[7].as_str()),
        ("2020-09-30", "是")
    );
    assert!(silent[8].contains("最新发布：2020年8月28日"), "{silent:?}");
    assert!(!silent[8].contains("detected_on"), "{silent:?}");

    let out = dir.path().join("findings.xlsx");
    run(&[
        "export",
        "findings",
        "--period",
        "2020Q3",
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ]);
    let sheet = xlsx_rows(std::fs::read(&out).unwrap());
    assert_eq!(sheet[0][3], Data::String("问题描述".into()));
    assert_eq!(sheet.len(), stored.len() + 1);
    for (row, f) in sheet[1..].iter().zip(&stored) {
        assert_eq!(row[3], Data::String(sentence(f)));
        let opened = match &row[4] {
            Data::DateTime(dt) => dt.as_datetime().unwrap().date(),
            other => panic!("发现日期 is a date, not {other:?}"),
        };
        assert_eq!(opened, f.opened_on);
    }

    // export columns / units as XLSX: the counts the fixture was built with for Q3.
    let columns = xlsx_rows(run(&[
        "export", "columns", "--period", "2020Q3", "--format", "xlsx",
    ]));
    let got: Vec<(String, String, String)> = columns[1..]
        .iter()
        .map(|r| (r[1].to_string(), r[3].to_string(), r[4].to_string()))
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        got,
        [
            s("工作动态", "12", "4"),
            s("通知公告", "3", "0"),
            s("审计动态", "及时更新", "/"),
            s("征地拆迁", "及时更新", "1"),
            s("警务公开", "及时更新", "无法访问"),
            s("人事信息", "及时更新", "/"),
        ]
    );
    let units = xlsx_rows(run(&[
        "export", "units", "--period", "2020Q3", "--format", "xlsx",
    ]));
    assert_eq!(
        units[0].iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        ["单位", "栏目名称", "应公开数", "实公开数", "完成情况"]
    );
    assert!(units.iter().any(|r| r[0] == "县公安局" && r[4] == "未完成"));
    // The JSON contract of `export units` is unchanged.
    let units_json: serde_json::Value =
        serde_json::from_slice(&run(&["export", "units", "--period", "2020Q3"])).unwrap();
    assert_eq!(
        units_json[0],
        json!({"unit": "县公安局", "column": "工作动态", "quota": 12, "published": 4, "status": "未完成"})
    );

    // The notice draft for Q3.
    let md = String::from_utf8(run(&["report", "--period", "2020Q3", "--format", "md"])).unwrap();
    for expected in [
        // The issuing office above the title, as seeds 000, 003 and 004 print it; the
        // addressees straight under the title.
        "示例县人民政府办公室\n\n# 关于2020年三季度全县政务公开和政务新媒体监测情况的通报\n\n各乡镇人民政府，县级各部门：\n",
        // 三、下一步工作要求: 5 working days from Thursday 10月8日, the 9th a holiday.
        "## 三、下一步工作要求",
        "请于10月16日前将整改情况书面报示例县人民政府办公室。",
        // Monitoring began on 8月10日; Q3's last read was on 9月25日.
        "监测情况通报如下（监测时间为2020年8月10日至2020年9月25日）。",
        "监测时间为2020年8月10日至2020年9月25日。",
        // 警务公开 answered 404 on every crawl: not counted, not called 零发布.
        "监测政府网站栏目6个，其中5个栏目期内更新信息5条，1个栏目未能统计（见附件1）。",
        "县公安局、审计局、旧改办等单位未完成栏目更新任务",
        "审计局新闻信息发布为0；审计局通知公告栏目更新为0；审计局审计动态栏目更新为0；旧改办人事信息栏目更新为0。",
        "县公安局工作动态栏目应更新12条，实际更新4条",
        // Every kind its sentence, the single-veto home page first.
        "（一）首页更新不及时。示例县人民政府首页超过两周未更新，最新更新时间为2020年8月2日",
        "栏目更新不及时。审计局审计动态栏目超过两周未更新，最新更新时间为2020年6月25日；县公安局工作动态栏目超过两周未更新，最新更新时间为2020年8月2日",
        "存在空白栏目。旧改办人事信息栏目为空白栏目。",
        "栏目链接无法访问。县公安局警务公开栏目链接无法正常访问。",
        "| 警务公开 | 县公安局 | 及时更新 | 无法访问 |",
        "| 县公安局 | 警务公开 | 及时更新 | 无法访问 | 无法访问 |",
        // 平安示例 was never read and has no finding: not counted as passed.
        "全县正常运行的政务新媒体共2个，其中政务微博2个；期内监测1个，总体合格率为0.0%。",
        "| 栏目名称 | 保障单位 | 应更新条数 | 实际更新条数 |",
        "| 工作动态 | 县公安局 | 12 | 4 |",
        "| 审计动态 | 审计局 | 及时更新 | / |",
        "| 单位 | 栏目 | 应公开数 | 实公开数 | 完成情况 |",
        "| 县公安局 | 工作动态 | 12 | 4 | 未完成 |",
        // Seed 000's 附件3: news columns as 工作动态, policy columns as 单位文件; 警务公开
        // was never read, so 县公安局's news has no number.
        "## 附件3\n\n### 2020年三季度单位工作动态和单位文件更新情况统计表\n\n\
         | 单位 | 工作动态应公开数 | 工作动态实公开数 | 单位文件应公开数 | 单位文件实公开数 |\n\
         | --- | --- | --- | --- | --- |\n\
         | 县公安局 | 12 | 无法访问 |  |  |\n\
         | 审计局 | 及时更新 | / |  |  |\n",
        // 问题统计's total without ASCII spaces.
        format!("\n合计{}条\n", stored.len()).as_str(),
        "| 类别 | 政务新媒体名称 | 主办单位 | 级别 | 突出问题 | 是否整改 |",
        "| 政务微博 | 苍溪县高坡镇 | 高坡镇 | 乡镇 | 9月14日监测到超过两周未更新内容，最新更新时间为8月28日 | 是 |",
        "| 政务微信 | 审计之窗 | 审计局 | 县级部门 | 9月20日监测到为“僵尸”账号，最新更新时间为2019年12月2日 | 否 |",
        // 乡镇 and 县级部门 scored and ranked apart, as seeds 003 and 004.
        "| 乡镇 | 基准分 | 超过两周未更新 | 栏目零发布 | 小计 | 名次 |\n| --- | --- | --- | --- | --- | --- |\n| 高坡镇 | 300 | -2 |  | 298 | 1 |\n",
        "| 县级部门 | 基准分 | 超过两周未更新 | 栏目零发布 | 小计 | 名次 |",
        "| 县政府办 | 300 |  |  | 300 | 1 |",
        "| 县公安局 | 300 |  |  | 300 | 1 |",
        // Q2's zero-publish finding on 人事信息 is Q2's, not Q3's.
        "| 旧改办 | 300 |  | -8 | 292 | 2 |",
        "| 审计局 | 300 |  | -16 | 284 | 3 |",
    ] {
        assert!(md.contains(expected), "{expected}\nnot in\n{md}");
    }
    for wrong in [
        "县公安局警务公开栏目更新为0",
        "旧改办新闻信息发布为0",
        "9月20日监测到超过两周",
        // The issuer is not between the title and the addressees.
        "通报\n\n示例县人民政府办公室",
    ] {
        assert!(!md.contains(wrong), "{wrong} in\n{md}");
    }
    // Official-document text has no ASCII space between Chinese characters and digits
    // ("合计10条", not "合计 10 条"); table rows and URLs aside.
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    for line in md.lines().filter(|l| !l.starts_with('|')) {
        let chars: Vec<char> = line.chars().collect();
        for w in chars.windows(3) {
            let [a, ' ', b] = w else { continue };
            assert!(
                !((han(*a) || han(*b)) && (a.is_alphanumeric() && b.is_alphanumeric())),
                "an ASCII space in Chinese text: {line}"
            );
        }
    }
    let html = String::from_utf8(run(&["report", "--period", "2020Q3"])).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("关于2020年三季度全县政务公开和政务新媒体监测情况的通报"));
    assert!(html.contains("审计局新闻信息发布为0"));
    let masthead = html
        .find(">示例县人民政府办公室</p>")
        .expect("the issuer above the title");
    assert!(masthead < html.find("<h2").unwrap(), "{html}");
    // "/" and 及时更新 stand where numbers would and align as they do.
    assert!(
        html.contains("text-align:right;white-space:nowrap\">/</td>"),
        "{html}"
    );
    assert!(
        html.contains("<th rowspan=\"2\"") && html.contains(">工作动态</th>"),
        "{html}"
    );
    assert!(!html.contains("<script") && !html.contains("<link"));

    let links = broken_links_match_the_store(&store, &run, dir.path()).await;

    // The notice points at the broken-link list and carries it as an attachment.
    let urls: std::collections::BTreeSet<&str> =
        links.iter().map(|r| r["url"].as_str().unwrap()).collect();
    let pages: std::collections::BTreeSet<&str> =
        links.iter().map(|r| r["page"].as_str().unwrap()).collect();
    let sentence = format!("期内监测发现死链、错链问题{}处", urls.len());
    assert!(md.contains(&sentence), "{sentence}\nnot in\n{md}");
    assert!(md.contains(&format!("等{}个页面", pages.len())), "{md}");
    assert!(md.contains("，详见附件5。"), "{md}");
    assert!(md.contains("5.2020年三季度网站死链清单"), "{md}");
    assert!(
        md.contains("| 单位 | 所在页面 | 链接文字 | 链接地址 | 错误类型 | 发现日期 | 是否整改 |")
    );
    for r in &links {
        let row = format!(
            "| {} | {}{} | {} | {} | {} | {} |",
            r["unit"].as_str().unwrap(),
            r["site"].as_str().unwrap(),
            r["place"].as_str().unwrap(),
            r["anchor"].as_str().unwrap_or(""),
            r["url"].as_str().unwrap(),
            r["error"].as_str().unwrap(),
            // Dates in a document's tables as 2020年8月10日; JSON keeps ISO days.
            NaiveDate::parse_from_str(r["opened_on"].as_str().unwrap(), "%Y-%m-%d")
                .unwrap()
                .format("%Y年%-m月%-d日"),
        );
        assert!(md.contains(&row), "{row}\nnot in\n{md}");
    }
    // The 附件 list: a hanging indent in HTML, not lines flush left.
    assert!(
        html.contains(
            "text-indent:-3em\">附件：1.2020年三季度政府网站栏目信息更新情况统计表<br>2."
        )
    );

    // The same draft as a Word document: a zip whose word/document.xml has the headings,
    // the sentences and the tables (header rows and cells) of the Markdown draft.
    let out = dir.path().join("notice.docx");
    run(&[
        "report",
        "--period",
        "2020Q3",
        "--format",
        "docx",
        "--output",
        out.to_str().unwrap(),
    ]);
    let doc = docx_text(&std::fs::read(&out).unwrap());
    let paragraphs = doc.paragraphs();
    assert_eq!(
        paragraphs[..3],
        [
            "示例县人民政府办公室",
            "关于2020年三季度全县政务公开和政务新媒体监测情况的通报",
            "各乡镇人民政府，县级各部门："
        ],
        "the issuer above the title"
    );
    for expected in [
        "关于2020年三季度全县政务公开和政务新媒体监测情况的通报",
        "示例县人民政府办公室",
        "一、总体情况",
        "二、主要问题",
        "（一）政务公开情况。2020年三季度，监测政府网站栏目6个，其中5个栏目期内更新信息5条",
        // 平安示例 was never read and has no finding: not counted as passed.
        "全县正常运行的政务新媒体共2个，其中政务微博2个；期内监测1个，总体合格率为0.0%。",
        "审计局新闻信息发布为0；审计局通知公告栏目更新为0；审计局审计动态栏目更新为0；旧改办人事信息栏目更新为0。",
        "附件1",
        "附件4",
        "2020年三季度政府网站栏目信息更新情况统计表",
        "2020年三季度网站死链清单",
    ] {
        assert!(
            paragraphs.iter().any(|p| p.contains(expected)),
            "{expected} not in {paragraphs:#?}"
        );
    }
    assert!(paragraphs.iter().any(|p| p.contains(&sentence)));
    let rows = doc.rows();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    for row in [
        s(&["栏目名称", "保障单位", "应更新条数", "实际更新条数"]),
        s(&["工作动态", "县公安局", "12", "4"]),
        s(&["审计动态", "审计局", "及时更新", "/"]),
        s(&["单位", "栏目", "应公开数", "实公开数", "完成情况"]),
        s(&["县公安局", "工作动态", "12", "4", "未完成"]),
        s(&[
            "类别",
            "政务新媒体名称",
            "主办单位",
            "级别",
            "突出问题",
            "是否整改",
        ]),
        s(&[
            "政务微信",
            "审计之窗",
            "审计局",
            "县级部门",
            "9月20日监测到为“僵尸”账号，最新更新时间为2019年12月2日",
            "否",
        ]),
        s(&[
            "单位",
            "所在页面",
            "链接文字",
            "链接地址",
            "错误类型",
            "发现日期",
            "是否整改",
        ]),
        s(&["审计局", "300", "", "-16", "284", "3"]),
        // 附件3's two header rows: 单位 merged down, the groups over their counts.
        s(&["单位", "工作动态", "单位文件"]),
        s(&["", "应公开数", "实公开数", "应公开数", "实公开数"]),
        s(&["县公安局", "12", "无法访问", "", ""]),
    ] {
        assert!(rows.contains(&row), "{row:?} not in {rows:#?}");
    }
    let link_cells: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r.len() == 7 && r[3].starts_with("http"))
        .collect();
    assert_eq!(link_cells.len(), links.len());
    let md_tables = md.lines().filter(|l| l.starts_with("| --- |")).count();
    assert_eq!(doc.tables, md_tables, "one Word table per table");
    // Page numbers in the footer: a PAGE field.
    let footer = doc.part("word/footer1.xml");
    assert!(
        footer.contains("<w:instrText>PAGE</w:instrText>"),
        "{footer}"
    );
    assert!(
        doc.xml.contains("<w:footerReference"),
        "a footer on every page"
    );

    periods_keep_their_own_findings(&run);
}

/// Q4 (replayed to 10月8日) and a month: a finding about Q3 is Q3's only; episodes
/// belong to every period they were open in, with their opening day; where periods mix
/// a sentence names its quarter; a month shows counts, not quotas.
fn periods_keep_their_own_findings(run: &impl Fn(&[&str]) -> Vec<u8>) {
    let q4: serde_json::Value =
        serde_json::from_slice(&run(&["export", "findings", "--period", "2020Q4"])).unwrap();
    let rows = q4.as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| !r["subject"].as_str().unwrap().contains("#2020Q")),
        "{rows:#?}"
    );
    // Still open in Q4: the zombie, with its own day.
    let zombie = rows.iter().find(|r| r["kind"] == "account_zombie").unwrap();
    assert_eq!(zombie["opened_on"], "2020-09-20");
    let md = String::from_utf8(run(&["report", "--period", "2020Q4", "--format", "md"])).unwrap();
    for wrong in ["更新为0", "发布为0", "应更新12条"] {
        assert!(!md.contains(wrong), "{wrong} in the Q4 draft\n{md}");
    }
    assert!(md.contains("9月20日监测到为“僵尸”账号"), "{md}");

    // Where periods mix, the sentence names the quarter; the opening day everywhere.
    let q3: serde_json::Value =
        serde_json::from_slice(&run(&["export", "findings", "--period", "2020Q3"])).unwrap();
    let sentences: Vec<&str> = q3
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sentence"].as_str().unwrap())
        .collect();
    for expected in [
        "审计局通知公告栏目三季度更新为0",
        "审计局三季度新闻信息发布为0",
        "县公安局工作动态栏目三季度应更新12条，实际更新4条",
        "9月14日监测到超过两周未更新内容，最新更新时间为8月28日",
    ] {
        assert!(
            sentences.contains(&expected),
            "{expected} not in {sentences:#?}"
        );
    }
    let all: serde_json::Value =
        serde_json::from_slice(&run(&["findings", "--format", "json"])).unwrap();
    let silent = all
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "account_silent")
        .unwrap();
    assert_eq!(
        silent["sentence"],
        "9月14日监测到超过两周未更新内容，最新更新时间为8月28日"
    );
    let table = String::from_utf8(run(&["findings"])).unwrap();
    assert!(table.contains("9月14日监测到"), "{table}");
    assert!(!table.contains("9月20日监测到超过两周"), "{table}");

    // Q2 ended before the first check: not monitored, no pass rate; its counts come
    // from lists that reach back to it, 警务公开 never read.
    let md = String::from_utf8(run(&["report", "--period", "2020Q2", "--format", "md"])).unwrap();
    for expected in [
        "（期内未监测，栏目更新情况据期后读取的栏目列表统计）",
        "全县正常运行的政务新媒体共3个，其中政务微博2个、政务微信1个，期内未监测。",
        "| 工作动态 | 县公安局 | 12 | 2 |",
        "| 警务公开 | 县公安局 | 及时更新 | 无法访问 |",
        "期内未监测。",
    ] {
        assert!(md.contains(expected), "{expected} not in\n{md}");
    }
    assert!(!md.contains("合格率"), "{md}");

    // A month: counts and last updates, no quota, no 完成情况, no quarter's findings.
    let md = String::from_utf8(run(&["report", "--period", "2020-09", "--format", "md"])).unwrap();
    assert!(
        md.contains("| 栏目名称 | 保障单位 | 实际更新条数 | 最新更新日期 |"),
        "{md}"
    );
    assert!(
        md.contains("| 单位 | 栏目 | 实公开数 | 最新更新日期 |"),
        "{md}"
    );
    for wrong in [
        "应更新",
        "应公开数",
        "完成情况",
        "完成栏目",
        "更新为0",
        "发布为0",
    ] {
        assert!(!md.contains(wrong), "{wrong} in the month's draft\n{md}");
    }
    let units: serde_json::Value =
        serde_json::from_slice(&run(&["export", "units", "--period", "2020-09"])).unwrap();
    assert_eq!(
        units[0],
        json!({"unit": "县公安局", "column": "工作动态", "quota": null, "published": 1, "status": null})
    );
}

/// `export links` as JSON, CSV and XLSX, compared with the `link_broken` episodes of Q3
/// and the pages the store saw the links on. Returns the JSON rows.
async fn broken_links_match_the_store(
    store: &Store,
    run: &impl Fn(&[&str]) -> Vec<u8>,
    dir: &Path,
) -> Vec<serde_json::Value> {
    let q3: govwatch::detect::period::Period = "2020Q3".parse().unwrap();
    let broken: Vec<_> = store
        .findings(&FindingFilter::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|f| f.kind == Kind::LinkBroken && open_in(f, q3, d(10, 8)))
        .collect();
    assert!(!broken.is_empty(), "the county has broken links");
    let sources = store
        .link_sources_since(chrono::DateTime::UNIX_EPOCH)
        .await
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["export", "links", "--period", "2020Q3"])).unwrap();
    let rows = json.as_array().unwrap().clone();
    let mut expected = Vec::new();
    for f in &broken {
        let e = f.evidence_json();
        for p in e["pages"].as_array().unwrap() {
            expected.push((f, e.clone(), p.clone()));
        }
    }
    assert_eq!(rows.len(), expected.len(), "one row per link and page");
    for (row, (f, e, p)) in rows.iter().zip(&expected) {
        let (site, url) = f.subject_key.split_once('|').unwrap();
        assert_eq!(row["site"], site);
        assert_eq!(row["url"], url);
        assert_eq!(row["url"], e["url"]);
        assert_eq!(row["unit"], json!(f.unit));
        assert_eq!(row["page"], p["page"]);
        assert_eq!(row["place"], p["where"]);
        assert_eq!(row["outcome"], e["outcome"]);
        assert_eq!(row["status"], e["status"]);
        assert_eq!(row["opened_on"], f.opened_on.to_string());
        assert_eq!(
            row["rectified"],
            f.resolved_on.is_some_and(|r| r <= d(10, 8))
        );
        let anchor = p["anchor"].as_str().unwrap();
        assert_eq!(
            row["anchor"],
            if anchor.is_empty() {
                json!(null)
            } else {
                json!(anchor)
            }
        );
        // The store saw the link on that page, with that text.
        let source = sources
            .iter()
            .find(|s| s.link_url == url && s.page_url == p["page"].as_str().unwrap())
            .unwrap_or_else(|| panic!("{url} on {} not in link_sources", p["page"]));
        assert_eq!(source.anchor.as_deref().unwrap_or(""), anchor);
    }
    // The county's menu links to pages the server does not have: 404 on every page.
    let missing = rows
        .iter()
        .find(|r| r["anchor"] == "互动交流" && r["place"] == "首页")
        .unwrap_or_else(|| panic!("{rows:#?}"));
    assert_eq!(missing["status"], 404);
    assert_eq!(missing["error"], "页面不存在");

    let csv = csv_rows(&run(&[
        "export", "links", "--period", "2020Q3", "--format", "csv",
    ]));
    assert_eq!(
        csv[0],
        [
            "单位",
            "网站",
            "所在页面",
            "页面地址",
            "链接文字",
            "链接地址",
            "错误类型",
            "状态码",
            "发现日期",
            "最近确认",
            "整改日期",
            "是否整改"
        ]
    );
    assert_eq!(csv.len(), rows.len() + 1);
    for (c, r) in csv[1..].iter().zip(&rows) {
        assert_eq!(c[1], r["site"].as_str().unwrap());
        assert_eq!(c[3], r["page"].as_str().unwrap());
        assert_eq!(c[4], r["anchor"].as_str().unwrap_or(""));
        assert_eq!(c[5], r["url"].as_str().unwrap());
        assert_eq!(c[7], r["status"].to_string());
        assert_eq!(c[8], r["opened_on"].as_str().unwrap());
        assert_eq!(c[11], if r["rectified"] == true { "是" } else { "否" });
    }

    let out = dir.join("links.xlsx");
    run(&[
        "export",
        "links",
        "--period",
        "2020Q3",
        "--format",
        "xlsx",
        "--output",
        out.to_str().unwrap(),
    ]);
    let sheet = xlsx_rows(std::fs::read(&out).unwrap());
    assert_eq!(sheet[0][5], Data::String("链接地址".into()));
    assert_eq!(sheet.len(), rows.len() + 1);
    for (x, r) in sheet[1..].iter().zip(&rows) {
        assert_eq!(x[5], Data::String(r["url"].as_str().unwrap().into()));
        assert_eq!(x[7], Data::Float(r["status"].as_f64().unwrap()));
        let opened = match &x[8] {
            Data::DateTime(dt) => dt.as_datetime().unwrap().date(),
            other => panic!("发现日期 is a date, not {other:?}"),
        };
        assert_eq!(opened.to_string(), r["opened_on"].as_str().unwrap());
    }
    rows
}

/// The text of a .docx: each paragraph's text and each table row's cell texts.
struct DocxText {
    xml: String,
    tables: usize,
    parts: Vec<(String, String)>,
}

fn docx_text(bytes: &[u8]) -> DocxText {
    let parts = {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a .docx is a zip");
        (0..zip.len())
            .filter_map(|i| {
                let mut f = zip.by_index(i).ok()?;
                let mut text = String::new();
                std::io::Read::read_to_string(&mut f, &mut text).ok()?;
                Some((f.name().ok()?.to_string(), text))
            })
            .collect::<Vec<_>>()
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a .docx is a zip");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    for part in ["[Content_Types].xml", "word/styles.xml", "_rels/.rels"] {
        assert!(zip.by_name(part).is_ok(), "{part} in the .docx");
    }
    let tables = xml.matches("<w:tbl>").count();
    DocxText { xml, tables, parts }
}

impl DocxText {
    /// A part of the package by name ("" when absent).
    fn part(&self, name: &str) -> String {
        self.parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    /// The text of `<w:p>` elements in `xml`, line breaks as "\n".
    fn texts(xml: &str) -> String {
        let re = regex::Regex::new(r"<w:t(?: [^>]*)?>([^<]*)</w:t>|<w:br[^>]*/>").unwrap();
        re.captures_iter(xml)
            .map(|c| {
                c.get(1).map_or("\n".to_string(), |t| {
                    t.as_str()
                        .replace("&lt;", "<")
                        .replace("&gt;", ">")
                        .replace("&quot;", "\"")
                        .replace("&apos;", "'")
                        .replace("&amp;", "&")
                })
            })
            .collect()
    }

    fn paragraphs(&self) -> Vec<String> {
        self.xml
            .split("</w:p>")
            .map(|p| Self::texts(p.rsplit("<w:p>").next().unwrap_or(p)))
            .filter(|t| !t.is_empty())
            .collect()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.xml
            .split("</w:tr>")
            .filter(|r| r.contains("<w:tc>"))
            .map(|r| {
                r.split("</w:tc>")
                    .filter(|c| c.contains("<w:tc>"))
                    .map(|c| Self::texts(c.rsplit("<w:tc>").next().unwrap()))
                    .collect()
            })
            .collect()
    }
}
