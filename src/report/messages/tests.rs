use chrono::Days;

use super::*;
use crate::observe::Message;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn message(channel: &str, n: usize, unit: &str, received: NaiveDate) -> Message {
    Message {
        channel: channel.into(),
        number: format!("{n:04}"),
        mailbox_id: None,
        title: None,
        url: None,
        unit: Some(unit.into()),
        category: None,
        status: None,
        withdrawn: false,
        received_on: received,
        received_known: true,
        answered_on: Some(received),
        answered_estimated: false,
        deadline_on: None,
        reworked: false,
        page_read: false,
        row_ref: None,
    }
}

fn states(messages: &[Message]) -> Vec<MessageState<'_>> {
    messages
        .iter()
        .map(|m| MessageState {
            message: m,
            channel_name: m.channel.clone(),
            site: None,
            reply_days: 5,
        })
        .collect()
}

/// Seed 004 附件3 and 附件4: 承办件 per unit; 城关镇 closed 2 orders late.
const SEED004: [(&str, usize); 25] = [
    ("高崖镇", 7),
    ("城关镇", 22),
    ("南寨镇", 36),
    ("草碧镇", 35),
    ("张家塬镇", 16),
    ("水沟镇", 21),
    ("崔家头镇", 9),
    ("县住建局", 95),
    ("县水利局", 22),
    ("环保新材料管委会", 21),
    ("县卫健局", 19),
    ("县市场监管局", 15),
    ("县自然资源局", 14),
    ("县公安局", 12),
    ("县教体局", 10),
    ("县人社局", 9),
    ("县交通局", 8),
    ("县供电公司", 7),
    ("县医保局", 5),
    ("县畜产局", 2),
    ("县林业局", 2),
    ("县招商局", 1),
    ("县工信局", 1),
    ("县农业农村局", 1),
    ("县应急管理局", 1),
];

#[test]
fn seed_004_tables_and_sentence_replay_from_391_orders() {
    let mut messages = Vec::new();
    let mut withdrawn = 0;
    for (unit, count) in SEED004 {
        for i in 0..count {
            let n = messages.len();
            let received = d(2022, 4, 1) + Days::new((n % 80) as u64);
            let mut m = message("12345热线", n, unit, received);
            if unit == "城关镇" && i < 2 {
                m.answered_on = Some(received + Days::new(20));
            } else if withdrawn < 60 && i >= 2 && i % 3 == 2 {
                m.withdrawn = true;
                m.answered_on = None;
                withdrawn += 1;
            }
            messages.push(m);
        }
    }
    assert_eq!((messages.len(), withdrawn), (391, 60));
    let order: Vec<String> = SEED004.iter().map(|(u, _)| u.to_string()).collect();
    let export = message_export(
        &states(&messages),
        &Calendar::default(),
        "2022Q2".parse().unwrap(),
        d(2022, 6, 30),
        &order,
    );
    let t = table("二季度12345热线工单办理情况", &export);
    let rows: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| {
            [0, 1, 4, 5, 6, 7]
                .iter()
                .map(|i| r[*i].text())
                .collect::<Vec<_>>()
        })
        .collect();
    let row = |u: &str| rows.iter().find(|r| r[0] == u).unwrap().join(" ");
    assert_eq!(row("高崖镇"), "高崖镇 7 7 0 0 100%");
    assert_eq!(row("城关镇"), "城关镇 22 20 2 0 90.9%");
    assert_eq!(row("南寨镇"), "南寨镇 36 36 0 0 100%");
    assert_eq!(row("县住建局"), "县住建局 95 95 0 0 100%");
    assert_eq!(row("县应急管理局"), "县应急管理局 1 1 0 0 100%");
    for (unit, count) in SEED004 {
        let late = if unit == "城关镇" { 2 } else { 0 };
        assert_eq!(
            row(unit),
            format!(
                "{unit} {count} {} {late} 0 {}",
                count - late,
                percent(Some((count - late) as f64 / count as f64))
            )
        );
    }
    assert_eq!(
        hotline_sentence(&export.total),
        "共受理 12345 热线工单 391 件，自主撤单 60 件，应办结 331 件，按期办结 329 件"
    );
    let cg = export.units.iter().find(|u| u.unit == "城关镇").unwrap();
    assert_eq!(percent(cg.table_rate), "90.9%");
    let json = serde_json::to_value(&export).unwrap();
    assert_eq!(json["period"], "2022Q2");
    assert_eq!(json["total"]["due"], 331);
    assert_eq!(json["total"]["on_time"], 329);
    assert!((json["total"]["on_time_rate"].as_f64().unwrap() - 329.0 / 331.0).abs() < 1e-9);
}

#[test]
fn seed_000_counts_letters_closed_late_as_overdue() {
    // 附件4: 41 letters, all closed, 3 late (住建局, 经二路办, 桥南办).
    let units = [
        ("教体局", 7),
        ("招商局", 1),
        ("财政局", 1),
        ("生态环境分局", 1),
        ("住建局", 8),
        ("自然资源和规划分局", 2),
        ("文旅局", 2),
        ("卫生健康局", 1),
        ("市场监管局", 2),
        ("城市管理执法局", 2),
        ("公安分局", 1),
        ("发改局", 2),
        ("经二路办", 1),
        ("桥南办", 4),
        ("清姜办", 1),
        ("交警大队", 5),
    ];
    let mut messages = Vec::new();
    for (unit, count) in units {
        for i in 0..count {
            let received = d(2020, 7, 6) + Days::new((messages.len() % 60) as u64);
            let mut m = message("区长信箱", messages.len(), unit, received);
            if i == 0 && ["住建局", "经二路办", "桥南办"].contains(&unit) {
                m.answered_on = Some(received + Days::new(15));
            }
            messages.push(m);
        }
    }
    let export = message_export(
        &states(&messages),
        &Calendar::default(),
        "2020Q3".parse().unwrap(),
        d(2020, 10, 9),
        &[],
    );
    assert_eq!(
        mailbox_sentence("三季度", &export.total),
        "三季度受理网民留言、舆情信息共计 41 条，办结 41 条，逾期办理信件 3 条（逾期包括未在规定时间内办理完成和正在办理的信件）。"
    );
    let zj = export.units.iter().find(|u| u.unit == "住建局").unwrap();
    assert_eq!((zj.received, zj.closed, zj.overdue), (8, 8, 1));
}

#[test]
fn open_letters_past_the_deadline_are_overdue_too() {
    let mut m = message("区长信箱", 1, "住建局", d(2020, 9, 1));
    m.answered_on = None;
    let messages = [m];
    let export = message_export(
        &states(&messages),
        &Calendar::default(),
        "2020Q3".parse().unwrap(),
        d(2020, 9, 30),
        &[],
    );
    let t = &export.total;
    assert_eq!(
        (t.received, t.closed, t.open_overdue, t.overdue),
        (1, 0, 1, 1)
    );
    assert_eq!(t.on_time_rate, Some(0.0));
}
