//! 政民互动 counts for a period (`govwatch export messages`): per 承办单位, the messages
//! received in the period, as the seeds count them (seed 000 附件4, seed 004 附件3/4).
//!
//! received, withdrawn, due = received − withdrawn, closed, on_time (answered by the
//! deadline, not withdrawn), late (answered after it), open_overdue (open and past the
//! deadline at the report's day), overdue = late + open_overdue ("逾期包括未在规定时间内
//! 办理完成和正在办理的信件"), reworked, and counts by category. Seed 004's tables count a
//! withdrawn order as 按期办结 (its 附件3/4 sum to 391 = 389 + 2 while its text says
//! 应办结 331, 按期办结 329): so the tables' 按期办结件 = on_time + withdrawn and
//! `table_rate` = (on_time + withdrawn) / received, while `on_time_rate` = on_time / due
//! serves the sentence.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::table::{Cell, Table};
use crate::detect::messages::{Calendar, MessageState};
use crate::detect::period::Period;

/// One unit's counts (or the total's).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MessageCounts {
    pub unit: String,
    pub received: usize,
    pub withdrawn: usize,
    pub due: usize,
    pub closed: usize,
    pub on_time: usize,
    pub late: usize,
    pub open_overdue: usize,
    pub overdue: usize,
    pub reworked: usize,
    /// on_time / due; `None` when nothing was due.
    pub on_time_rate: Option<f64>,
    /// (on_time + withdrawn) / received, the tables' 按期办结率.
    pub table_rate: Option<f64>,
    pub categories: BTreeMap<String, usize>,
}

/// `govwatch export messages` as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageExport {
    pub period: String,
    pub units: Vec<MessageCounts>,
    pub total: MessageCounts,
}

impl MessageCounts {
    fn add(&mut self, s: &MessageState<'_>, calendar: &Calendar, today: NaiveDate) {
        let m = s.message;
        self.received += 1;
        if m.withdrawn {
            self.withdrawn += 1;
        } else if let Some(answered) = m.answered_on.filter(|a| *a <= today) {
            self.closed += 1;
            if answered > s.deadline(calendar) {
                self.late += 1;
            } else {
                self.on_time += 1;
            }
        } else if s.open_overdue(calendar, today) {
            self.open_overdue += 1;
        }
        if m.reworked {
            self.reworked += 1;
        }
        if let Some(c) = &m.category {
            *self.categories.entry(c.clone()).or_default() += 1;
        }
    }

    fn finish(&mut self) {
        self.due = self.received - self.withdrawn;
        self.overdue = self.late + self.open_overdue;
        let rate = |n: usize, d: usize| (d > 0).then(|| n as f64 / d as f64);
        self.on_time_rate = rate(self.on_time, self.due);
        self.table_rate = rate(self.on_time + self.withdrawn, self.received);
    }

    fn merge(&mut self, other: &MessageCounts) {
        self.received += other.received;
        self.withdrawn += other.withdrawn;
        self.closed += other.closed;
        self.on_time += other.on_time;
        self.late += other.late;
        self.open_overdue += other.open_overdue;
        self.reworked += other.reworked;
        for (c, n) in &other.categories {
            *self.categories.entry(c.clone()).or_default() += n;
        }
    }
}

/// Counts the messages received in `period`, per unit (in `unit_order` first, then by
/// name), as of `today`.
pub fn message_export(
    states: &[MessageState<'_>],
    calendar: &Calendar,
    period: Period,
    today: NaiveDate,
    unit_order: &[String],
) -> MessageExport {
    let mut by_unit: BTreeMap<String, MessageCounts> = BTreeMap::new();
    for s in states {
        if !period.contains(s.message.received_on) || s.message.received_on > today {
            continue;
        }
        let unit = s.message.unit.clone().unwrap_or_else(|| "未指定".into());
        by_unit
            .entry(unit.clone())
            .or_insert_with(|| MessageCounts {
                unit,
                ..Default::default()
            })
            .add(s, calendar, today);
    }
    let mut total = MessageCounts {
        unit: "合计".into(),
        ..Default::default()
    };
    let mut units: Vec<MessageCounts> = by_unit.into_values().collect();
    for u in &mut units {
        total.merge(u);
        u.finish();
    }
    total.finish();
    let rank = |u: &MessageCounts| {
        unit_order
            .iter()
            .position(|n| *n == u.unit)
            .unwrap_or(usize::MAX)
    };
    units.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.unit.cmp(&b.unit)));
    MessageExport {
        period: period.to_string(),
        units,
        total,
    }
}

/// A rate as the seeds print it: `100%`, `90.9%`.
pub fn percent(rate: Option<f64>) -> String {
    rate.map(super::table::percent_text).unwrap_or_default()
}

/// The headers of the CSV/XLSX export: seed 000 附件4's and seed 004 附件3/4's.
pub const HEADERS: [&str; 8] = [
    "单位",
    "承办数量",
    "办结数量",
    "逾期数量",
    "按期办结件",
    "超时办结件",
    "返工件",
    "按期办结率",
];

/// The export as one table, the total last; 按期办结率 is a percent cell ("90.9%" in
/// CSV and documents, 0.909 shown as 90.9% in XLSX).
pub fn table(title: &str, export: &MessageExport) -> Table {
    let mut t = Table::new(title, HEADERS);
    for u in export.units.iter().chain(std::iter::once(&export.total)) {
        t.push_row(vec![
            Cell::from(u.unit.as_str()),
            Cell::Int(u.received as i64),
            Cell::Int(u.closed as i64),
            Cell::Int(u.overdue as i64),
            Cell::Int((u.on_time + u.withdrawn) as i64),
            Cell::Int(u.late as i64),
            Cell::Int(u.reworked as i64),
            // table_rate as a share: a percent-formatted number in XLSX.
            Cell::percent((u.on_time + u.withdrawn) as i64, u.received as i64),
        ]);
    }
    t
}

/// Seed 000's sentence: `三季度受理网民留言、舆情信息共计 41 条，办结 41 条，逾期办理信件
/// 3 条（逾期包括未在规定时间内办理完成和正在办理的信件）。`
pub fn mailbox_sentence(quarter_zh: &str, total: &MessageCounts) -> String {
    format!(
        "{quarter_zh}受理网民留言、舆情信息共计 {} 条，办结 {} 条，逾期办理信件 {} 条（逾期包括未在规定时间内办理完成和正在办理的信件）。",
        total.received, total.closed, total.overdue
    )
}

/// Seed 004's sentence: `共受理 12345 热线工单 391 件，自主撤单 60 件，应办结 331 件，按期办结
/// 329 件`.
pub fn hotline_sentence(total: &MessageCounts) -> String {
    format!(
        "共受理 12345 热线工单 {} 件，自主撤单 {} 件，应办结 {} 件，按期办结 {} 件",
        total.received, total.withdrawn, total.due, total.on_time
    )
}

#[cfg(test)]
mod tests;
