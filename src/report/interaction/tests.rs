use super::*;
use crate::observe::Message;

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, m, day).unwrap()
}

const CATALOG: &str = r#"
[[unit]]
name = "县政府办"
level = "县级部门"
[[unit]]
name = "县住建局"
level = "县级部门"
[[unit]]
name = "城关镇"
level = "乡镇"
[[site]]
name = "某县人民政府"
unit = "县政府办"
url = "http://127.0.0.1:9/"
[[mailbox]]
site = "某县人民政府"
name = "县长信箱"
url = "http://127.0.0.1:9/xzxx/index.html"
units = ["县政府办"]
[[mailbox]]
site = "某县人民政府"
name = "留言板"
url = "http://127.0.0.1:9/lyb/index.html"
units = ["城关镇"]
"#;

fn catalog() -> Catalog {
    crate::catalog::load_texts(&[(std::path::Path::new("c.toml"), CATALOG)])
        .unwrap()
        .catalog
}

fn message(
    channel: &str,
    n: usize,
    unit: &str,
    received: NaiveDate,
    answered: Option<NaiveDate>,
) -> Message {
    Message {
        channel: channel.into(),
        number: format!("{n:04}"),
        mailbox_id: channel.starts_with("http").then_some(1),
        title: Some(format!("来信{n}")),
        url: None,
        unit: Some(unit.into()),
        category: None,
        status: None,
        withdrawn: false,
        received_on: received,
        received_known: true,
        answered_on: answered,
        answered_estimated: false,
        deadline_on: None,
        reworked: false,
        page_read: false,
        row_ref: None,
    }
}

const BOX: &str = "http://127.0.0.1:9/xzxx/index.html";

fn gather(messages: &[Message], reads: &[NaiveDate]) -> Interaction {
    let catalog = catalog();
    let settings = crate::config::Settings::default();
    let states = crate::cycle::detect::message_states(&catalog, &settings, messages);
    let reads: HashMap<String, Vec<NaiveDate>> = [(BOX.to_string(), reads.to_vec())].into();
    Interaction::gather(
        &catalog,
        &states,
        &Calendar::default(),
        "2020Q3".parse().unwrap(),
        d(10, 8),
        &reads,
        &|day| Period::last_completed_quarter(day).start(),
    )
}

#[test]
fn letters_of_a_read_mailbox_count_and_one_never_read_is_unwatched() {
    let messages = [
        // On time, late (answered after 5 working days), open and overdue.
        message(BOX, 1, "县政府办", d(9, 1), Some(d(9, 2))),
        message(BOX, 2, "县住建局", d(9, 1), Some(d(9, 15))),
        message(BOX, 3, "县住建局", d(9, 10), None),
        // Before the quarter: not counted.
        message(BOX, 4, "县住建局", d(6, 10), Some(d(6, 11))),
        // Imported: the hotline.
        message("12345热线", 5, "城关镇", d(8, 3), Some(d(8, 4))),
        message("12345热线", 6, "城关镇", d(8, 3), Some(d(8, 20))),
    ];
    let i = gather(&messages, &[d(9, 20)]);
    assert_eq!(
        i.mailboxes.iter().map(|m| m.watched).collect::<Vec<_>>(),
        [true, false]
    );
    assert_eq!(
        i.mailbox_paragraph("2020年三季度", Some(5)).unwrap(),
        "2020年三季度，县长信箱受理网民留言共计3条，办结2条，逾期办理信件2条（逾期包括未在规定时间内办理完成和正在办理的信件），各单位具体办理情况见附件5。留言板期内未监测。"
    );
    let t = letters_table("2020年三季度", &i).unwrap();
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(Cell::text).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["县政府办", "1", "1", "0"],
            ["县住建局", "2", "1", "2"],
            ["城关镇", "未监测", "未监测", "未监测"],
        ]
    );
    assert_eq!(t.notes.last().unwrap(), "留言板期内未监测。");

    assert_eq!(i.hotlines.len(), 1);
    let (channel, export) = &i.hotlines[0];
    assert_eq!(
        Interaction::hotline_paragraph("2020年三季度", "全县", channel, export, 6),
        "2020年三季度，全县共受理12345热线工单2件，自主撤单0件，应办结2件，按期办结1件，超时办结1件，各单位办理情况见附件6。"
    );
    let t = numbered(hotline_table("t", export));
    assert_eq!(
        t.rows[0].iter().map(Cell::text).collect::<Vec<_>>(),
        ["1", "城关镇", "2", "1", "1", "0", "50%"]
    );
}

#[test]
fn a_read_after_the_period_counts_only_when_it_paged_back_to_its_start() {
    let messages = [message(BOX, 1, "县政府办", d(9, 1), Some(d(9, 2)))];
    // Read on 1 October: the crawl paged back to 1 July.
    assert!(gather(&messages, &[d(10, 1)]).mailboxes[0].watched);
    // Never read, or read before the period only: 未监测, no count.
    for reads in [&[][..], &[d(6, 1)]] {
        let i = gather(&messages, reads);
        assert!(!i.mailboxes[0].watched);
        assert_eq!(i.letters, None);
        assert_eq!(
            i.mailbox_paragraph("2020年三季度", None).unwrap(),
            "县长信箱、留言板期内未监测。"
        );
        assert!(!i.has_messages());
    }
    // No mailbox and no record: nothing to say.
    assert!(Interaction::default().is_empty());
}
