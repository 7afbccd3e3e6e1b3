//! Accuracy over real-shaped pages: each `tests/fixtures/pages/NAME.html` has a
//! `NAME.expected.json` saying what a person reading the page finds there. Every item
//! must be found with its date, no other item may appear, and the next page must be right.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;
use url::Url;

use super::*;

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
#[allow(clippy::large_enum_variant)] // a test's expectations, one per fixture
enum Expected {
    List {
        page_url: Url,
        today: NaiveDate,
        items: Vec<ExpectedItem>,
        next: Option<Url>,
        pages_total: Option<u32>,
        /// `items` (the default), `empty` or `unrecognized`.
        #[serde(default)]
        outcome: Option<ListOutcome>,
        /// A text the empty marker reported must contain.
        #[serde(default)]
        empty_reason: Option<String>,
        /// A text the unrecognized reason must contain.
        #[serde(default)]
        unrecognized_reason: Option<String>,
        /// The script endpoint the page names.
        #[serde(default)]
        endpoint: Option<Url>,
    },
    Item {
        today: NaiveDate,
        date: Option<NaiveDate>,
        source: Option<ItemDateSource>,
        title: Option<String>,
        column: Option<String>,
    },
    Home {
        page_url: Url,
        today: NaiveDate,
        items: Vec<ExpectedItem>,
        newest: NaiveDate,
    },
}

#[derive(Debug, Deserialize, PartialEq, Eq, Clone)]
struct ExpectedItem {
    title: String,
    url: Url,
    date: Option<NaiveDate>,
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pages")
}

fn fixtures() -> Vec<(String, String, Expected)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures/pages exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".expected.json"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|p| {
            let name = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(".expected.json")
                .to_string();
            let expected: Expected = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            // `"charset": "gbk"` fixtures are stored as the site serves them.
            let bytes = std::fs::read(fixtures_dir().join(format!("{name}.html")))
                .unwrap_or_else(|e| panic!("{name}.html: {e}"));
            let gbk =
                serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&p).unwrap())
                    .ok()
                    .and_then(|v| v["charset"].as_str().map(|c| c.eq_ignore_ascii_case("gbk")))
                    .unwrap_or(false);
            let html = if gbk {
                let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
                assert!(!bad, "{name}.html is not GBK");
                text.into_owned()
            } else {
                String::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}.html: {e}"))
            };
            (name, html, expected)
        })
        .collect()
}

fn found(items: &[ListItem]) -> Vec<ExpectedItem> {
    items
        .iter()
        .map(|i| ExpectedItem {
            title: i.title.clone(),
            url: i.url.clone(),
            date: i.date,
        })
        .collect()
}

/// Item-by-item differences, so a failure says which item went wrong.
fn compare(name: &str, want: &[ExpectedItem], got: &[ExpectedItem]) -> Vec<String> {
    let mut problems = Vec::new();
    for w in want {
        match got.iter().find(|g| g.url == w.url) {
            None => problems.push(format!("{name}: missing {} ({})", w.url, w.title)),
            Some(g) if g != w => problems.push(format!(
                "{name}: {}\n   want {:?} {:?}\n   got  {:?} {:?}",
                w.url, w.title, w.date, g.title, g.date
            )),
            Some(_) => {}
        }
    }
    for g in got {
        if !want.iter().any(|w| w.url == g.url) {
            problems.push(format!("{name}: extra {} ({})", g.url, g.title));
        }
    }
    problems
}

#[test]
fn fixtures_extract_exactly() {
    let all = fixtures();
    let mut problems = Vec::new();
    for (name, html, expected) in &all {
        match expected {
            Expected::List {
                page_url,
                today,
                items,
                next,
                pages_total,
                outcome,
                empty_reason,
                unrecognized_reason,
                endpoint,
            } => {
                let page = extract_list(html, page_url, None, *today).unwrap();
                let want = outcome.unwrap_or(ListOutcome::Items);
                if page.outcome != want {
                    problems.push(format!(
                        "{name}: outcome {:?} ({:?} {:?}), want {want:?}",
                        page.outcome, page.empty_reason, page.unrecognized_reason
                    ));
                }
                let contains = |got: &Option<String>, want: &Option<String>| {
                    want.as_ref()
                        .is_none_or(|w| got.as_ref().is_some_and(|g| g.contains(w.as_str())))
                };
                if !contains(&page.empty_reason, empty_reason) {
                    problems.push(format!(
                        "{name}: empty_reason {:?}, want {empty_reason:?}",
                        page.empty_reason
                    ));
                }
                if !contains(&page.unrecognized_reason, unrecognized_reason) {
                    problems.push(format!(
                        "{name}: unrecognized_reason {:?}, want {unrecognized_reason:?}",
                        page.unrecognized_reason
                    ));
                }
                if endpoint.is_some() && page.endpoint != *endpoint {
                    problems.push(format!(
                        "{name}: endpoint {:?}, want {endpoint:?}",
                        page.endpoint
                    ));
                }
                let got = found(&page.items);
                problems.extend(compare(name, items, &got));
                if got.iter().map(|g| &g.url).ne(items.iter().map(|w| &w.url))
                    && problems.is_empty()
                {
                    problems.push(format!("{name}: items out of page order"));
                }
                let newest = items.iter().filter_map(|i| i.date).max();
                if page.newest() != newest {
                    problems.push(format!(
                        "{name}: newest {:?}, want {newest:?}",
                        page.newest()
                    ));
                }
                if page.next.as_ref() != next.as_ref() {
                    problems.push(format!("{name}: next {:?}, want {next:?}", page.next));
                }
                if page.pages_total != *pages_total {
                    problems.push(format!(
                        "{name}: pages_total {:?}, want {pages_total:?}",
                        page.pages_total
                    ));
                }
            }
            Expected::Item {
                today,
                date,
                source,
                title,
                column,
            } => {
                let got = item_date(html, *today);
                if got.map(|g| g.0) != *date || got.map(|g| g.1) != *source {
                    problems.push(format!(
                        "{name}: item date {got:?}, want {date:?} {source:?}"
                    ));
                }
                if item_title(html) != *title {
                    problems.push(format!("{name}: title {:?}", item_title(html)));
                }
                if column_name(html) != *column {
                    problems.push(format!("{name}: column {:?}", column_name(html)));
                }
            }
            Expected::Home {
                page_url,
                today,
                items,
                newest,
            } => {
                let got = home_items(html, page_url, *today);
                problems.extend(compare(name, items, &found(&got)));
                let got_newest = homepage::newest(&got).and_then(|i| i.date);
                if got_newest != Some(*newest) {
                    problems.push(format!("{name}: newest {got_newest:?}, want {newest}"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        all.iter()
            .filter(|(_, _, e)| matches!(e, Expected::List { .. }))
            .count()
            >= 10,
        "at least ten list templates"
    );
}

/// Items as (URL path, date).
type PathsAndDates = Vec<(&'static str, Option<&'static str>)>;

/// Selectors, the items they should give, and the next page.
type SelectorCase = (super::Selectors, PathsAndDates, Option<&'static str>);

/// Selectors override detection; bad CSS is an error that names the part.
#[test]
fn selectors_override_detection() {
    let page = Url::parse("http://www.a.gov.cn/col/col1/index.html").unwrap();
    let today = NaiveDate::from_ymd_opt(2023, 10, 20).unwrap();
    let html = r#"<html><body>
        <ul class="news"><li><a href="/a1.html">县政府召开常务会议研究部署重点工作</a><span>2023-10-11</span></li>
        <li><a href="/a2.html">县长调研重点项目建设工作推进情况</a><span>2023-10-09</span></li></ul>
        <div class="odd"><p class="t"><a href="/b1.html" title="通知一全文标题">通知一</a></p><i>2023年10月01日</i>
          <p class="t"><a href="/b2.html">通知二</a></p><i>2023年09月01日</i></div>
        <div class="pg"><a id="nx" href="list_2.html">&gt;</a></div>
        </body></html>"#;
    let cases: Vec<SelectorCase> = vec![
        (
            Default::default(),
            vec![
                ("/a1.html", Some("2023-10-11")),
                ("/a2.html", Some("2023-10-09")),
            ],
            None,
        ),
        (
            super::Selectors {
                item: Some("div.odd p.t".into()),
                next: Some("#nx".into()),
                ..Default::default()
            },
            vec![("/b1.html", None), ("/b2.html", None)],
            Some("http://www.a.gov.cn/col/col1/list_2.html"),
        ),
        (
            super::Selectors {
                item: Some("ul.news li".into()),
                date: Some("em".into()),
                ..Default::default()
            },
            vec![("/a1.html", None), ("/a2.html", None)],
            None,
        ),
    ];
    for (select, want, want_next) in cases {
        let got = extract_list(html, &page, Some(&select), today).unwrap();
        let got_items: Vec<(String, Option<String>)> = got
            .items
            .iter()
            .map(|i| (i.url.path().to_string(), i.date.map(|d| d.to_string())))
            .collect();
        let want_items: Vec<(String, Option<String>)> = want
            .iter()
            .map(|(u, d)| (u.to_string(), d.map(str::to_string)))
            .collect();
        assert_eq!(got_items, want_items, "{select:?}");
        assert_eq!(got.next.as_ref().map(Url::as_str), want_next, "{select:?}");
    }
    let titled = extract_list(
        html,
        &page,
        Some(&super::Selectors {
            item: Some("div.odd p.t".into()),
            ..Default::default()
        }),
        today,
    )
    .unwrap();
    assert_eq!(titled.items[0].title, "通知一全文标题");

    let bad = super::Selectors {
        date: Some("span[".into()),
        ..Default::default()
    };
    let err = extract_list(html, &page, Some(&bad), today).unwrap_err();
    assert!(err.to_string().contains("select.date"), "{err}");
    assert!(check_selectors(&bad).is_err());
}

/// A Hanweb proxy answer (the next group) gives the group after it.
#[test]
fn hanweb_proxy_answer_pages_on() {
    let today = NaiveDate::from_ymd_opt(2023, 10, 20).unwrap();
    let page = Url::parse(
        "http://www.a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=46&endrecord=90&perpage=15&columnid=1234&unitid=5678",
    )
    .unwrap();
    let record = |i: u32| {
        format!(
            "<record><![CDATA[<li><a href='/art/2023/5/{i}/art_1234_{i}.html' title='标题{i}号文件'>标题{i}号文件</a><span>2023-05-{i:02}</span></li>]]></record>"
        )
    };
    let cases: Vec<(u32, u32, Option<&str>)> = vec![
        (
            45,
            200,
            Some(
                "http://www.a.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=91&endrecord=135&perpage=15&columnid=1234&unitid=5678",
            ),
        ),
        (20, 65, None),
        (45, 90, None),
    ];
    for (n, total, want) in cases {
        let xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>{total}</totalrecord><totalpage>{}</totalpage><recordset>{}</recordset></datastore>",
            total.div_ceil(15),
            (1..=n).map(|i| record(i % 28 + 1)).collect::<String>()
        );
        let got = extract_list(&xml, &page, None, today).unwrap();
        assert!(!got.items.is_empty());
        assert_eq!(got.next.as_ref().map(Url::as_str), want, "{n} of {total}");
        assert_eq!(got.pages_total, Some(total.div_ceil(15)));
    }
}

/// Small templates seen on county sites, each with the (path, date) items a reader sees.
#[test]
fn detection_cases() {
    let page = Url::parse("http://www.a.gov.cn/col/col1/index.html").unwrap();
    let today = NaiveDate::from_ymd_opt(2023, 10, 20).unwrap();
    let menu = r#"<div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/zwfw/">政务服务</a></div>"#;
    let foot = r#"<div class="footer"><a href="https://beian.miit.gov.cn/">陕ICP备05001234号</a> 网站标识码：6103280001</div>"#;
    let cases: Vec<(&str, String, PathsAndDates)> = vec![
        (
            "bare links with [MM-DD] after them",
            format!(
                r#"{menu}<td class="list"><a href="/a1.html">县政府召开第十八次常务会议</a>&nbsp;[10-11]<br>
                <a href="/a2.html">县长调研秋粮收购和冬播工作</a>&nbsp;[10-09]<br></td>{foot}"#
            ),
            vec![
                ("/a1.html", Some("2023-10-11")),
                ("/a2.html", Some("2023-10-09")),
            ],
        ),
        (
            "title and date spans inside the link",
            format!(
                r#"{menu}<div class="lst"><a href="/b1.html"><span class="t">关于开展秋冬季防火工作的通知</span><span class="d">2023-10-12</span></a>
                <a href="/b2.html"><span class="t">关于调整部分路段交通组织的通告</span><span class="d">2023-10-02</span></a></div>{foot}"#
            ),
            vec![
                ("/b1.html", Some("2023-10-12")),
                ("/b2.html", Some("2023-10-02")),
            ],
        ),
        (
            "a category link before the title",
            format!(
                r#"{menu}<ul><li><a href="/col/col2/">[部门动态]</a><a href="/c1.html">县市场监管局开展食品安全专项检查</a><span>2023-10-13</span></li>
                <li><a href="/col/col3/">[镇街动态]</a><a href="/c2.html">城关镇召开安全生产推进会议</a><span>2023-10-08</span></li></ul>{foot}"#
            ),
            vec![
                ("/c1.html", Some("2023-10-13")),
                ("/c2.html", Some("2023-10-08")),
            ],
        ),
        (
            "Hanweb table-row records",
            format!(
                r#"{menu}<div id="77"><script type="text/xml"><datastore><recordset>
                <record><![CDATA[<tr><td><a href='/art/2023/10/3/art_1_5.html' title='县政府关于做好2023年秋季学期开学工作的通知'>县政府关于做好2023年秋季学期...</a></td><td>[2023-10-03]</td></tr>]]></record>
                <record><![CDATA[<tr><td><a href='/art/2023/9/3/art_1_4.html' title='县教育局召开开学工作部署会'>县教育局召开开学工作部署会</a></td><td>[2023-09-03]</td></tr>]]></record>
                </recordset></datastore></script></div>{foot}"#
            ),
            vec![
                ("/art/2023/10/3/art_1_5.html", Some("2023-10-03")),
                ("/art/2023/9/3/art_1_4.html", Some("2023-09-03")),
            ],
        ),
        (
            "a single item is still a list",
            format!(
                r#"{menu}<div class="list"><ul><li><a href="/d1.html">2023年度部门预算公开情况说明</a><span>2023-03-20</span></li></ul></div>{foot}"#
            ),
            vec![("/d1.html", Some("2023-03-20"))],
        ),
        (
            "the same article twice keeps the first",
            format!(
                r#"{menu}<ul><li><a href="/e1.html">县委常委会召开会议传达学习全会精神</a><span>2023-10-15</span></li>
                <li><a href="/e1.html#x">县委常委会召开会议传达学习全会精神</a><span>2023-10-15</span></li>
                <li><a href="/e2.html">县政府召开全县安全生产工作会议</a><span>2023-10-14</span></li></ul>{foot}"#
            ),
            vec![
                ("/e1.html", Some("2023-10-15")),
                ("/e2.html", Some("2023-10-14")),
            ],
        ),
    ];
    for (what, html, want) in cases {
        let got = extract_list(&html, &page, None, today).unwrap();
        let got: Vec<(String, Option<String>)> = got
            .items
            .iter()
            .map(|i| (i.url.path().to_string(), i.date.map(|d| d.to_string())))
            .collect();
        let want: Vec<(String, Option<String>)> = want
            .iter()
            .map(|(u, d)| (u.to_string(), d.map(str::to_string)))
            .collect();
        assert_eq!(got, want, "{what}");
    }
}

/// A list followed by thousands of unclosed `<div>`s, each with a link: nesting is
/// capped at [`MAX_DEPTH`] (as browsers do), so the page is read in a moment instead of
/// minutes of CPU, and the list is still found.
#[test]
fn a_page_nested_absurdly_deep_is_flattened_and_still_read() {
    let page = Url::parse("http://www.example.gov.cn/col/col1/index.html").unwrap();
    let today = NaiveDate::from_ymd_opt(2023, 10, 20).unwrap();
    let rows: String = (1..=12)
        .map(|i| {
            format!(
                r#"<li><a href="/art/{i}.html">县政府召开第{i}次常务会议研究部署工作</a><span>2023-10-{i:02}</span></li>"#
            )
        })
        .collect();
    let junk: String = (0..5_000)
        .map(|i| format!(r#"<div><a href="/x/{i}.html">友情链接{i}</a>"#))
        .collect();
    let html = format!("<html><body><ul>{rows}</ul>{junk}</body></html>");
    let doc = parse_document(&html);
    let deepest = doc
        .tree
        .root()
        .descendants()
        .map(|n| n.ancestors().count())
        .max()
        .unwrap();
    assert!(deepest <= MAX_DEPTH + 1, "{deepest}");
    let got = extract_list(&html, &page, None, today).unwrap();
    let urls: Vec<String> = got.items.iter().map(|i| i.url.path().to_string()).collect();
    let want: Vec<String> = (1..=12).map(|i| format!("/art/{i}.html")).collect();
    assert_eq!(urls, want);
}

/// The same junk before the list (nesting that a parser would take minutes over): what
/// comes after the cut is dropped, the page is read at once, and nothing panics.
#[test]
fn absurd_nesting_before_anything_useful_is_cut_not_parsed() {
    let page = Url::parse("http://www.example.gov.cn/col/col1/index.html").unwrap();
    let today = NaiveDate::from_ymd_opt(2023, 10, 20).unwrap();
    let html = format!(
        "<html><head><script>if (a < b) {{ document.write('<div><div>') }}</script></head><body>{}<ul><li><a href=\"/art/1.html\">县政府召开常务会议研究部署工作</a><span>2023-10-01</span></li></ul></body></html>",
        "<div class=\"x\">".repeat(100_000)
    );
    let doc = parse_document(&html);
    assert!(doc.tree.root().descendants().count() < 2 * MAX_DEPTH);
    assert!(extract_list(&html, &page, None, today).is_ok());
    // A long list whose rows leave `<li>` and `<p>` open is not cut.
    let rows: String = (1..=2_000)
        .map(|i| format!("<li><p><a href=\"/art/{i}.html\">县政府召开第{i}次常务会议</a><span>2023-10-01</span>"))
        .collect();
    let got = extract_list(&format!("<ul>{rows}</ul>"), &page, None, today).unwrap();
    assert_eq!(got.items.len(), 2_000);
}
