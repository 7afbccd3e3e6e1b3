//! The five mailbox list shapes of issue 20, each a fixture page: what govwatch reads
//! from it (title, URL, received, replied, status, unit, category, next page).

use chrono::NaiveDate;
use govwatch::extract::{LetterState, extract_mailbox, letter_page, mailbox::letter_keys};
use url::Url;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/mailboxes/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

fn today() -> NaiveDate {
    d(10, 9)
}

/// (title, url suffix, received, replied, status, state, unit, category)
type Row<'a> = (
    &'a str,
    Option<&'a str>,
    Option<NaiveDate>,
    Option<NaiveDate>,
    Option<&'a str>,
    LetterState,
    Option<&'a str>,
    Option<&'a str>,
);

fn check(name: &str, page: &str, want: &[Row], next: Option<&str>) {
    let url = Url::parse(page).unwrap();
    let read = extract_mailbox(&fixture(name), &url, None, today()).unwrap();
    let got: Vec<Row> = read
        .letters
        .iter()
        .map(|l| {
            (
                l.title.as_str(),
                l.url.as_ref().map(|u| u.as_str()),
                l.received,
                l.replied,
                l.status.as_deref(),
                l.state,
                l.unit.as_deref(),
                l.category.as_deref(),
            )
        })
        .collect();
    assert_eq!(got, want, "{name}");
    assert_eq!(
        read.next.as_ref().map(Url::as_str),
        next,
        "{name}: next page"
    );
}

#[test]
fn a_hanweb_table_is_read_by_its_header() {
    use LetterState::*;
    check(
        "hanweb_table.html",
        "http://www.wbq.gov.cn/hdjl/qzxx/index.html",
        &[
            (
                "关于渭滨大道路灯不亮的咨询",
                Some("http://www.wbq.gov.cn/module/xxgk/letter.jsp?id=101"),
                Some(d(9, 1)),
                None,
                Some("已办结"),
                Answered,
                Some("住建局"),
                Some("问题咨询"),
            ),
            (
                "建议增加公交线路",
                Some("http://www.wbq.gov.cn/module/xxgk/letter.jsp?id=102"),
                Some(d(9, 3)),
                None,
                Some("办理中"),
                Open,
                Some("交通局"),
                Some("意见建议"),
            ),
            (
                "小区噪音扰民投诉",
                Some("http://www.wbq.gov.cn/module/xxgk/letter.jsp?id=103"),
                Some(d(9, 7)),
                None,
                Some("已回复"),
                Answered,
                Some("生态环境分局"),
                Some("投诉"),
            ),
        ],
        Some("http://www.wbq.gov.cn/hdjl/qzxx/index_2.html"),
    );
}

#[test]
fn a_trs_list_reads_its_status_badges() {
    use LetterState::*;
    check(
        "trs_badges.html",
        "http://www.qianyang.gov.cn/hdjl/xzxx/index.html",
        &[
            (
                "关于农村宅基地审批的问题",
                Some("http://www.qianyang.gov.cn/hdjl/xzxx/202009/t20200902_11.html"),
                Some(d(9, 2)),
                None,
                Some("已回复"),
                Answered,
                None,
                None,
            ),
            (
                "征地补偿款何时发放",
                Some("http://www.qianyang.gov.cn/hdjl/xzxx/202009/t20200910_12.html"),
                Some(d(9, 10)),
                None,
                Some("待回复"),
                Open,
                None,
                None,
            ),
            (
                "学生上学交通安全求助",
                Some("http://www.qianyang.gov.cn/hdjl/xzxx/202009/t20200915_13.html"),
                Some(d(9, 15)),
                None,
                Some("已回复"),
                Answered,
                None,
                None,
            ),
        ],
        Some("http://www.qianyang.gov.cn/hdjl/xzxx/index_1.html"),
    );
}

#[test]
fn a_message_board_shows_each_reply_under_its_letter() {
    use LetterState::*;
    check(
        "board_replies.html",
        "http://www.wbq.gov.cn/lyb/index.html",
        &[
            (
                "物业管理费收取不合理",
                Some("http://www.wbq.gov.cn/lyb/detail?id=501"),
                Some(d(8, 31)),
                Some(d(9, 4)),
                None,
                Unknown,
                Some("住建局"),
                Some("投诉"),
            ),
            (
                "公租房申请条件咨询",
                Some("http://www.wbq.gov.cn/lyb/detail?id=502"),
                Some(d(9, 8)),
                None,
                Some("未回复"),
                Open,
                None,
                Some("问题咨询"),
            ),
        ],
        None,
    );
    let url = Url::parse("http://www.wbq.gov.cn/lyb/index.html").unwrap();
    let read = extract_mailbox(&fixture("board_replies.html"), &url, None, today()).unwrap();
    assert!(read.letters[0].answered(), "a reply date answers a letter");
    assert!(!read.letters[1].answered());
}

#[test]
fn dates_that_show_only_on_the_letter_page_are_read_there() {
    use LetterState::*;
    check(
        "dates_on_letter_page.html",
        "http://www.baoji.gov.cn/xx/index.html",
        &[
            (
                "关于食品安全问题的举报",
                Some("http://www.baoji.gov.cn/xx/letter/201.html"),
                None,
                None,
                None,
                Unknown,
                None,
                None,
            ),
            (
                "工作招聘问题咨询",
                Some("http://www.baoji.gov.cn/xx/letter/202.html"),
                None,
                None,
                None,
                Unknown,
                None,
                None,
            ),
        ],
        None,
    );
    let url = Url::parse("http://www.baoji.gov.cn/xx/index.html").unwrap();
    let read = extract_mailbox(&fixture("dates_on_letter_page.html"), &url, None, today()).unwrap();
    assert!(read.letters.iter().all(|l| l.needs_page()));
    let page = letter_page(&fixture("letter_page.html"), today());
    assert_eq!(page.received, Some(d(9, 1)));
    assert_eq!(page.replied, Some(d(9, 10)));
    assert_eq!(page.status.as_deref(), Some("已办结"));
    assert_eq!(page.unit.as_deref(), Some("市场监管局"));
    assert_eq!(page.category.as_deref(), Some("举报"));
}

#[test]
fn withheld_letters_show_a_title_only() {
    use LetterState::*;
    check(
        "withheld_titles.html",
        "http://www.wbq.gov.cn/ly/index.html",
        &[
            (
                "该信件不公开",
                None,
                None,
                None,
                Some("已办结"),
                Answered,
                None,
                None,
            ),
            (
                "医保报销比例咨询",
                Some("http://www.wbq.gov.cn/ly/show-301.html"),
                Some(d(9, 2)),
                None,
                Some("已回复"),
                Answered,
                None,
                None,
            ),
            (
                "该信件不公开",
                None,
                None,
                None,
                Some("办理中"),
                Open,
                None,
                None,
            ),
        ],
        None,
    );
    let url = Url::parse("http://www.wbq.gov.cn/ly/index.html").unwrap();
    let read = extract_mailbox(&fixture("withheld_titles.html"), &url, None, today()).unwrap();
    assert_eq!(
        letter_keys(&read.letters),
        [
            "title:该信件不公开#2",
            "http://www.wbq.gov.cn/ly/show-301.html",
            "title:该信件不公开"
        ]
    );
}

#[test]
fn selectors_override_the_automatic_reading() {
    let url = Url::parse("http://www.qianyang.gov.cn/hdjl/xzxx/index.html").unwrap();
    let select = govwatch::extract::MailboxSelectors {
        item: Some("ul.xx-list li".into()),
        status: Some("span.badge".into()),
        received: Some("span.date".into()),
        unit: Some("span.none".into()),
        ..Default::default()
    };
    let read = extract_mailbox(&fixture("trs_badges.html"), &url, Some(&select), today()).unwrap();
    assert_eq!(read.letters.len(), 3);
    assert_eq!(read.letters[1].status.as_deref(), Some("待回复"));
    assert_eq!(read.letters[1].received, Some(d(9, 10)));
}
