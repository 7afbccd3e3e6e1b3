//! 政民互动 in the 通报: the period's letters of the mailboxes govwatch reads (seed 000
//! §四 and its 附件4, 网民留言办理情况统计表) and the records imported from internal
//! systems (seed 004's 12345 热线 sentence and tables), counted as `export messages`
//! counts them.
//!
//! A mailbox's letters count for a period only when its list was read: in the period,
//! or later by a crawl that paged back to the period's start (as a column's list read
//! after the period). A mailbox never read so is 未监测, never 0. Imported records count
//! wherever they were imported from. Pure: the caller gathers the reads.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::messages::{MessageCounts, MessageExport, message_export, percent};
use super::{Cell, Table};
use crate::catalog::Catalog;
use crate::detect::messages::{Calendar, MessageState};
use crate::detect::period::Period;

/// A mailbox of the catalog and whether its letters of the period could be counted.
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxWatch {
    pub name: String,
    /// Its default 承办单位.
    pub units: Vec<String>,
    pub watched: bool,
}

/// What the notice says about 政民互动 for a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interaction {
    /// Every mailbox of the catalog, in catalog order.
    pub mailboxes: Vec<MailboxWatch>,
    /// The letters of the watched mailboxes received in the period, per unit; `None`
    /// when no mailbox was watched.
    pub letters: Option<MessageExport>,
    /// Imported records received in the period, per channel (12345热线 …), for the
    /// channels that have some; in the order of the channels' names.
    pub hotlines: Vec<(String, MessageExport)>,
    /// The day the counts stand on: the period's end, or the report's day before it.
    pub as_of: Option<NaiveDate>,
}

impl Interaction {
    /// Counts the period's messages. `read_days` holds the days each mailbox's list was
    /// read (by mailbox key); `back_to` how far back a crawl on a day pages.
    #[allow(clippy::too_many_arguments)]
    pub fn gather(
        catalog: &Catalog,
        states: &[MessageState<'_>],
        calendar: &Calendar,
        period: Period,
        today: NaiveDate,
        read_days: &HashMap<String, Vec<NaiveDate>>,
        back_to: &dyn Fn(NaiveDate) -> NaiveDate,
    ) -> Interaction {
        let (start, end) = (period.start(), period.end());
        let covers =
            |d: &NaiveDate| start <= *d && *d <= today && (*d <= end || back_to(*d) <= start);
        let mut watched_keys: HashSet<String> = HashSet::new();
        let mailboxes: Vec<MailboxWatch> = catalog
            .mailboxes
            .iter()
            .map(|m| {
                let key = m.key();
                let watched = read_days.get(&key).is_some_and(|d| d.iter().any(covers));
                if watched {
                    watched_keys.insert(key);
                }
                MailboxWatch {
                    name: m.name.clone(),
                    units: m.units.clone(),
                    watched,
                }
            })
            .collect();
        let order: Vec<String> = catalog.units.iter().map(|u| u.name.clone()).collect();
        let letters: Vec<MessageState<'_>> = states
            .iter()
            .filter(|s| watched_keys.contains(&s.message.channel))
            .cloned()
            .collect();
        let letters = (!watched_keys.is_empty())
            .then(|| message_export(&letters, calendar, period, today, &order));
        // Records of no crawled mailbox: what `import messages` brought.
        let mut channels: Vec<&str> = states
            .iter()
            .filter(|s| is_imported(s))
            .map(|s| s.channel_name.as_str())
            .collect();
        channels.sort_unstable();
        channels.dedup();
        let hotlines = channels
            .into_iter()
            .filter_map(|ch| {
                let of: Vec<MessageState<'_>> = states
                    .iter()
                    .filter(|s| is_imported(s) && s.channel_name == ch)
                    .cloned()
                    .collect();
                let export = message_export(&of, calendar, period, today, &order);
                (export.total.received > 0).then(|| (ch.to_string(), export))
            })
            .collect();
        Interaction {
            mailboxes,
            letters,
            hotlines,
            as_of: Some(end.min(today)),
        }
    }

    /// Whether the notice says anything about 政民互动: a mailbox in the catalog, or
    /// imported records of the period.
    pub fn is_empty(&self) -> bool {
        self.mailboxes.is_empty() && self.hotlines.is_empty()
    }

    /// Whether some message of the period was counted.
    pub fn has_messages(&self) -> bool {
        self.letters.as_ref().is_some_and(|l| l.total.received > 0) || !self.hotlines.is_empty()
    }

    /// The names of the mailboxes watched (`true`) or not, each once.
    fn names(&self, watched: bool) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for m in self.mailboxes.iter().filter(|m| m.watched == watched) {
            if !out.contains(&m.name.as_str()) {
                out.push(&m.name);
            }
        }
        out
    }

    /// Seed 000's sentence for the mailboxes, without its numbering: `2020年三季度，区长
    /// 信箱受理网民留言共计41条，办结41条，逾期办理信件3条（逾期包括未在规定时间内办理完成和
    /// 正在办理的信件），各单位具体办理情况见附件5。`; a mailbox not read says 期内未监测.
    /// `None` when the catalog has no mailbox.
    pub fn mailbox_paragraph(&self, label: &str, attachment: Option<usize>) -> Option<String> {
        if self.mailboxes.is_empty() {
            return None;
        }
        let watched = super::wording::join(&self.names(true));
        let unwatched = super::wording::join(&self.names(false));
        let mut text = String::new();
        if let Some(l) = &self.letters {
            let t = &l.total;
            if t.received == 0 {
                text += &format!("{label}，{watched}期内未收到网民留言。");
            } else {
                text += &format!(
                    "{label}，{watched}受理网民留言共计{}条，办结{}条，逾期办理信件{}条（逾期包括未在规定时间内办理完成和正在办理的信件）{}",
                    t.received,
                    t.closed,
                    t.overdue,
                    categories(t).map_or_else(String::new, |c| format!("，{c}"))
                );
                text += &match attachment {
                    Some(n) => format!("，各单位具体办理情况见附件{n}。"),
                    None => "。".to_string(),
                };
            }
        }
        if !unwatched.is_empty() {
            text += &format!("{unwatched}期内未监测。");
        }
        Some(text)
    }

    /// Seed 004's sentence for one imported channel, without its numbering: `2022年二季
    /// 度，全县共受理12345热线工单391件，自主撤单60件，应办结331件，按期办结329件。`
    pub fn hotline_paragraph(
        label: &str,
        area: &str,
        channel: &str,
        export: &MessageExport,
        attachment: usize,
    ) -> String {
        let t = &export.total;
        let mut text = format!(
            "{label}，{area}共受理{channel}工单{}件，自主撤单{}件，应办结{}件，按期办结{}件",
            t.received, t.withdrawn, t.due, t.on_time
        );
        if t.late > 0 {
            text += &format!("，超时办结{}件", t.late);
        }
        if t.open_overdue > 0 {
            text += &format!("，逾期未办结{}件", t.open_overdue);
        }
        if let Some(c) = categories(t) {
            text += &format!("；{c}");
        }
        text + &format!("，各单位办理情况见附件{attachment}。")
    }
}

/// Whether a message was imported (no mailbox of the catalog, none ever crawled).
fn is_imported(s: &MessageState<'_>) -> bool {
    s.site.is_none() && s.message.mailbox_id.is_none()
}

/// `其中投诉类353件、求助类32件、其他6件`, the most first; `None` without categories.
fn categories(t: &MessageCounts) -> Option<String> {
    if t.categories.is_empty() {
        return None;
    }
    let mut list: Vec<(&String, &usize)> = t.categories.iter().collect();
    list.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    let parts: Vec<String> = list
        .into_iter()
        .map(|(c, n)| {
            if c.ends_with('类') || c.starts_with("其他") {
                format!("{c}{n}件")
            } else {
                format!("{c}类{n}件")
            }
        })
        .collect();
    Some(format!("其中{}", parts.join("、")))
}

/// Seed 000 附件4 (网民留言办理情况统计表): 单位, 承办数量, 办结数量, 逾期数量, one row per
/// unit with letters; the units of a mailbox not read say 未监测. `None` when it has no
/// row.
pub fn letters_table(label: &str, interaction: &Interaction) -> Option<Table> {
    let mut t = Table::new(
        format!("{label}网民留言办理情况统计表"),
        ["单位", "承办数量", "办结数量", "逾期数量"],
    );
    let mut named: Vec<&str> = Vec::new();
    if let Some(l) = &interaction.letters {
        for u in &l.units {
            named.push(&u.unit);
            t.push_row(vec![
                Cell::from(u.unit.as_str()),
                Cell::Int(u.received as i64),
                Cell::Int(u.closed as i64),
                Cell::Int(u.overdue as i64),
            ]);
        }
    }
    for m in interaction.mailboxes.iter().filter(|m| !m.watched) {
        for u in &m.units {
            if !named.contains(&u.as_str()) {
                named.push(u);
                let unwatched = || Cell::Mark("未监测".into());
                t.push_row(vec![
                    Cell::from(u.as_str()),
                    unwatched(),
                    unwatched(),
                    unwatched(),
                ]);
            }
        }
    }
    if t.is_empty() {
        return None;
    }
    if interaction.letters.is_some() {
        t.notes
            .push("逾期数量包括未在规定时间内办理完成和正在办理的信件。".into());
    }
    let unwatched = interaction.names(false);
    if !unwatched.is_empty() {
        t.notes
            .push(format!("{}期内未监测。", super::wording::join(&unwatched)));
    }
    Some(t)
}

/// Seed 004 附件3/4 for one imported channel, before its 序号: 承办单位, 承办件, 按期办结件
/// (按期 and 撤单, as the seed counts), 超时办结件, 返工件, 按期办结率.
pub fn hotline_table(title: &str, export: &MessageExport) -> Table {
    let mut t = Table::new(
        title,
        [
            "承办单位",
            "承办件",
            "按期办结件",
            "超时办结件",
            "返工件",
            "按期办结率",
        ],
    );
    for u in &export.units {
        t.push_row(vec![
            Cell::from(u.unit.as_str()),
            Cell::Int(u.received as i64),
            Cell::Int((u.on_time + u.withdrawn) as i64),
            Cell::Int(u.late as i64),
            Cell::Int(u.reworked as i64),
            Cell::Text(percent(u.table_rate)),
        ]);
    }
    t
}

/// Numbers a table's rows (序号, from 1) in a first column.
pub fn numbered(mut t: Table) -> Table {
    t.headers.insert(0, "序号".into());
    for (i, row) in t.rows.iter_mut().enumerate() {
        row.insert(0, Cell::Int(i as i64 + 1));
    }
    t
}

#[cfg(test)]
mod tests;
