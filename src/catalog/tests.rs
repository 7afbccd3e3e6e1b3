use std::path::Path;

use super::*;

fn load(text: &str) -> Loaded {
    load_texts(&[(Path::new("catalog/county.toml"), text)]).unwrap()
}

const GOOD: &str = r#"
[[unit]]
name = "财政局"
level = "县级部门"
contacts = ["cz@example.gov.cn"]

[[unit]]
name = "政府办"

[[unit]]
name = "生态环境分局"

[[site]]
name = "渭滨区人民政府"
url = "https://www.example.gov.cn/"
unit = "政府办"

[[column]]
site = "渭滨区人民政府"
name = "减税降费"
url = "https://www.example.gov.cn/col/col123/index.html"
units = ["财政局"]
class = "news"
quota = 3

[[column]]
site = "渭滨区人民政府"
name = "工作动态"
url = "https://www.example.gov.cn/col/col124/index.html"

[[account]]
name = "渭滨生态环境"
unit = "生态环境分局"
platform = "wechat"
operator = "宝鸡市生态环境局渭滨分局"
status = "active"
source = { kind = "feed", url = "https://rss.example.org/wechat/1" }
"#;

#[test]
fn the_issue_example_loads_cleanly() {
    let loaded = load(GOOD);
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    let c = &loaded.catalog;
    assert_eq!(c.units.len(), 3);
    assert_eq!(c.columns[0].quota, Some(3));
    assert_eq!(c.columns[0].class, ColumnClass::News);
    assert!(!c.columns[0].class_guessed);
    // No units: the site's unit; no class: guessed from 工作动态.
    assert_eq!(c.columns[1].units, vec!["政府办"]);
    assert_eq!(c.columns[1].class, ColumnClass::News);
    assert!(c.columns[1].class_guessed);
    assert_eq!(c.columns[1].quota, None);
    assert_eq!(c.accounts[0].operator_or_unit(), "宝鸡市生态环境局渭滨分局");
    assert_eq!(c.units[0].origin.line, 2);
}

#[test]
fn five_mistakes_give_five_errors_in_one_run_and_the_rest_loads() {
    let text = r#"
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
    let loaded = load(text);
    let errors: Vec<String> = loaded.errors().map(|i| i.to_string()).collect();
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let expect = [
        (
            "catalog/county.toml:5:",
            "the same name is already used at catalog/county.toml:2",
        ),
        ("catalog/county.toml:16:", "unknown unit \"财正局\""),
        ("catalog/county.toml:21:", "is not a usable URL"),
        ("catalog/county.toml:29:", "unknown class \"notices\""),
        ("catalog/county.toml:36:", "quota must be a whole number"),
    ];
    for (error, (start, needle)) in errors.iter().zip(expect) {
        assert!(
            error.starts_with(start),
            "{error} should start with {start}"
        );
        assert!(error.contains(needle), "{error} should say {needle}");
        assert!(error.contains("fix: "), "{error} should say what to do");
    }
    // The one good column still loads.
    let names: Vec<&str> = loaded
        .catalog
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["人事信息"]);
}

#[test]
fn dependents_of_a_broken_site_are_skipped_with_a_reason() {
    let text = r#"
[[unit]]
name = "政府办"
[[site]]
name = "门户"
url = "ftp://x.gov.cn/"
[[column]]
site = "门户"
name = "工作动态"
url = "https://x.gov.cn/a/"
units = ["政府办"]
"#;
    let loaded = load(text);
    let errors: Vec<String> = loaded.errors().map(|i| i.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[1].contains("skipped because site \"门户\" has errors"),
        "{errors:#?}"
    );
    assert!(loaded.catalog.columns.is_empty());
}

#[test]
fn references_do_not_depend_on_order_or_file() {
    let a = r#"
[[column]]
site = "门户"
name = "工作动态"
url = "https://x.gov.cn/a/"
units = ["政府办"]
"#;
    let b = r#"
[[unit]]
name = "政府办"
[[site]]
name = "门户"
url = "https://x.gov.cn/"
"#;
    let loaded = load_texts(&[(Path::new("a.toml"), a), (Path::new("b.toml"), b)]).unwrap();
    assert!(loaded.issues.is_empty(), "{:#?}", loaded.issues);
    assert_eq!(loaded.catalog.columns.len(), 1);
}

#[test]
fn an_imported_entry_also_written_by_hand_is_a_warning_and_the_hand_written_wins() {
    let hand = r#"
[[unit]]
name = "公安局"
level = "县级部门"
[[account]]
name = "平安某县"
unit = "公安局"
platform = "weibo"
source = { kind = "weibo", uid = "123" }
"#;
    let imported = r#"
[[unit]]
name = "公安局"
[[account]]
name = "平安某县(导入)"
unit = "公安局"
platform = "新浪微博"
source = { kind = "weibo", uid = "123" }
"#;
    let loaded = load_texts(&[
        (Path::new("catalog/county.toml"), hand),
        (Path::new("catalog/imported.toml"), imported),
    ])
    .unwrap();
    assert!(!loaded.has_errors(), "{:#?}", loaded.issues);
    assert_eq!(loaded.issues.len(), 2);
    assert!(
        loaded
            .issues
            .iter()
            .all(|i| i.severity == Severity::Warning)
    );
    assert_eq!(loaded.catalog.accounts.len(), 1);
    assert_eq!(loaded.catalog.accounts[0].name, "平安某县");
    assert_eq!(loaded.catalog.units[0].level.as_deref(), Some("县级部门"));
}

#[test]
fn typos_in_keys_and_sections_are_reported() {
    let text = r#"
[[unit]]
name = "政府办"
levle = "县级部门"
[[colum]]
name = "x"
"#;
    let loaded = load(text);
    let errors: Vec<String> = loaded.errors().map(|i| i.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors.iter().any(|e| e.contains("unknown key `levle`")));
    assert!(errors.iter().any(|e| e.contains("unknown section `colum`")));
}

#[test]
fn a_file_that_is_not_toml_is_refused_with_its_line() {
    let e = load_texts(&[(Path::new("c.toml"), "[[unit]]\nname = \"a\n")]).unwrap_err();
    assert!(e.to_string().starts_with("c.toml:2:"), "{e}");
}

#[test]
fn account_sources_are_checked() {
    let text = r#"
[[unit]]
name = "公安局"
[[account]]
name = "a"
unit = "公安局"
platform = "weibo"
source = { kind = "weibo" }
[[account]]
name = "b"
unit = "公安局"
platform = "wechat"
source = { kind = "rsshub", url = "https://x.org/" }
[[account]]
name = "c"
unit = "公安局"
platform = "douyin"
status = "closed"
closed_on = 2024-01-01
"#;
    let loaded = load(text);
    let errors: Vec<String> = loaded.errors().map(|i| i.to_string()).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains("needs `uid`"));
    assert!(errors[1].contains("unknown source kind \"rsshub\""));
    let c = &loaded.catalog.accounts[0];
    assert_eq!(c.status, AccountStatus::Closed);
    assert_eq!(c.closed_on, chrono::NaiveDate::from_ymd_opt(2024, 1, 1));
    assert_eq!(c.source.kind, SourceKind::Manual);
}

#[test]
fn mailboxes_load_with_their_defaults_and_problems_name_the_line() {
    let text = format!(
        "{GOOD}{}",
        r#"
[[mailbox]]
site = "渭滨区人民政府"
name = "区长信箱"
url = "https://www.example.gov.cn/hdjl/qzxx/index.html"
reply_days = 7

[mailbox.select]
item = "table.xjlb tr"
status = "td.zt"

[[mailbox]]
site = "渭滨区人民政府"
name = "留言板"
url = "https://www.example.gov.cn/lyb/"
units = ["无此单位"]
reply_day = 5
"#
    );
    let loaded = load(&text);
    let boxes = &loaded.catalog.mailboxes;
    assert_eq!(boxes.len(), 1, "{:?}", loaded.issues);
    assert_eq!(boxes[0].units, ["政府办"], "the site's unit by default");
    assert_eq!(boxes[0].reply_days, Some(7));
    assert_eq!(
        boxes[0].select.as_ref().unwrap().status.as_deref(),
        Some("td.zt")
    );
    let messages: Vec<String> = loaded.issues.iter().map(|i| i.to_string()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown unit \"无此单位\"")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown key `reply_day`") && m.contains("reply_days")),
        "{messages:?}"
    );
}
