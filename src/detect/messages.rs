//! 政民互动: citizens' messages (letters read from mailboxes, imported 12345 records)
//! and the mailboxes themselves.
//!
//! - message_overdue: not answered by its deadline, `reply_days` working days after it
//!   was received (an imported 办理时限 wins); it holds while the message stays open, and
//!   is rectified when answered (a late answer still counts as 超时办结 in its period).
//! - interaction_unanswered (互动回应差, single veto): not withdrawn and not answered more
//!   than `interaction_unanswered_days` days after it was received.
//! - mailbox_unreachable: the list could not be read on the last N reads in a row (as
//!   column_unreachable), a channel that does not work.
//!
//! Working days come from `[schedule] holidays` and `workdays` (调休).

use chrono::NaiveDate;

use super::{Context, Evidence, Finding, Kind};
use crate::observe::evidence::{
    InteractionUnanswered, MailboxUnreachable, MessageBase, MessageOverdue,
};
use crate::observe::{CrawlOutcome, Message};

/// Public holidays and make-up working days (调休).
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    pub holidays: Vec<NaiveDate>,
    pub workdays: Vec<NaiveDate>,
}

impl Calendar {
    /// The day `n` working days after `day`.
    pub fn working_days_after(&self, day: NaiveDate, n: u32) -> NaiveDate {
        crate::config::working_days_after(day, n, &self.holidays, &self.workdays)
    }
}

/// A message with what the rules need of its channel.
#[derive(Debug, Clone)]
pub struct MessageState<'a> {
    pub message: &'a Message,
    /// The mailbox's name, or the record's 渠道.
    pub channel_name: String,
    pub site: Option<String>,
    /// Working days to answer (the mailbox's, else `[thresholds] reply_days`).
    pub reply_days: u32,
}

impl MessageState<'_> {
    /// The last day to answer: an imported 办理时限, else `reply_days` working days after
    /// the day received.
    pub fn deadline(&self, calendar: &Calendar) -> NaiveDate {
        self.message.deadline_on.unwrap_or_else(|| {
            calendar.working_days_after(self.message.received_on, self.reply_days)
        })
    }

    /// Answered after its deadline (超时办结).
    pub fn answered_late(&self, calendar: &Calendar) -> bool {
        !self.message.withdrawn
            && self
                .message
                .answered_on
                .is_some_and(|a| a > self.deadline(calendar))
    }

    /// Open and past its deadline on `today`.
    pub fn open_overdue(&self, calendar: &Calendar, today: NaiveDate) -> bool {
        !self.message.withdrawn
            && self.message.answered_on.is_none_or(|a| a > today)
            && today > self.deadline(calendar)
    }

    fn base(&self) -> MessageBase {
        let m = self.message;
        MessageBase {
            channel: self.channel_name.clone(),
            site: self.site.clone(),
            number: m.number.clone(),
            title: m.title.clone(),
            url: m.url.clone(),
            unit: m.unit.clone(),
            received_on: m.received_on,
            received_known: m.received_known,
        }
    }
}

/// The subject of a finding about a message: `msg:CHANNEL|NUMBER`.
pub fn message_subject(m: &Message) -> String {
    format!("msg:{}|{}", m.channel, m.number)
}

/// message_overdue and interaction_unanswered on `ctx.today`.
pub fn judge_messages(
    ctx: &Context,
    calendar: &Calendar,
    messages: &[MessageState<'_>],
) -> Vec<Finding> {
    let limit = ctx.thresholds.interaction_unanswered_days;
    let mut out = Vec::new();
    for s in messages {
        let m = s.message;
        if m.received_on > ctx.today {
            continue;
        }
        if s.open_overdue(calendar, ctx.today) {
            out.push(Finding {
                kind: Kind::MessageOverdue,
                subject_key: message_subject(m),
                unit: m.unit.clone(),
                evidence: Evidence::MessageOverdue(MessageOverdue {
                    message: s.base(),
                    deadline_on: s.deadline(calendar),
                    reply_days: m.deadline_on.is_none().then_some(s.reply_days),
                }),
            });
        }
        let days = (ctx.today - m.received_on).num_days();
        if !m.withdrawn && m.answered_on.is_none_or(|a| a > ctx.today) && days > limit {
            out.push(Finding {
                kind: Kind::InteractionUnanswered,
                subject_key: message_subject(m),
                unit: m.unit.clone(),
                evidence: Evidence::InteractionUnanswered(InteractionUnanswered {
                    message: s.base(),
                    days_unanswered: days,
                    limit_days: limit,
                }),
            });
        }
    }
    out
}

/// One mailbox and its latest reads, newest first: (outcome, HTTP status).
#[derive(Debug, Clone)]
pub struct MailboxState<'a> {
    pub mailbox: &'a crate::catalog::Mailbox,
    pub key: String,
    pub reads: Vec<(CrawlOutcome, Option<i64>)>,
}

/// mailbox_unreachable: the last `column_unreachable_failures` reads all failed.
pub fn judge_mailboxes(ctx: &Context, mailboxes: &[MailboxState<'_>]) -> Vec<Finding> {
    let needed = ctx.thresholds.column_unreachable_failures.max(1) as usize;
    mailboxes
        .iter()
        .filter_map(|s| {
            let failed = s
                .reads
                .iter()
                .take_while(|(o, _)| *o != CrawlOutcome::Ok)
                .count();
            if failed < needed {
                return None;
            }
            let (latest, status) = s.reads.first()?;
            Some(Finding {
                kind: Kind::MailboxUnreachable,
                subject_key: s.key.clone(),
                unit: Some(super::join_names(&s.mailbox.units)),
                evidence: Evidence::MailboxUnreachable(MailboxUnreachable {
                    site: s.mailbox.site.clone(),
                    mailbox: s.mailbox.name.clone(),
                    url: s.mailbox.url.to_string(),
                    units: s.mailbox.units.clone(),
                    failure: latest.to_string(),
                    status: *status,
                    consecutive_failures: failed,
                }),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Thresholds;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2020, m, day).unwrap()
    }

    fn message(received: NaiveDate, answered: Option<NaiveDate>) -> Message {
        Message {
            channel: "http://127.0.0.1:9/hdjl/".into(),
            number: "http://127.0.0.1:9/hdjl/1.html".into(),
            mailbox_id: Some(1),
            title: Some("关于宅基地审批的咨询".into()),
            url: Some("http://127.0.0.1:9/hdjl/1.html".into()),
            unit: Some("县自然资源局".into()),
            category: Some("问题咨询".into()),
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

    fn state(m: &Message) -> MessageState<'_> {
        MessageState {
            message: m,
            channel_name: "区长信箱".into(),
            site: None,
            reply_days: 5,
        }
    }

    /// Mid-Autumn and National Day 2020: holidays Oct 1-8, make-up Sunday Sep 27 and
    /// Saturday Oct 10.
    fn calendar() -> Calendar {
        Calendar {
            holidays: (1..=8).map(|day| d(10, day)).collect(),
            workdays: vec![d(9, 27), d(10, 10)],
        }
    }

    #[test]
    fn deadlines_count_working_days_across_weekends_holidays_and_make_up_days() {
        let cal = calendar();
        for (received, deadline, why) in [
            (d(9, 1), d(9, 8), "Tuesday: over one weekend"),
            (d(9, 4), d(9, 11), "Friday: the weekend does not count"),
            (d(9, 5), d(9, 11), "Saturday: counts from Monday"),
            (d(9, 22), d(9, 28), "over the make-up Sunday Sep 27"),
            (
                d(9, 29),
                d(10, 13),
                "over the National Day holidays and make-up Oct 10",
            ),
        ] {
            let m = message(received, None);
            assert_eq!(state(&m).deadline(&cal), deadline, "{why}");
        }
    }

    #[test]
    fn overdue_holds_while_open_and_rectifies_when_answered_late() {
        let cal = calendar();
        let t = Thresholds::default();
        let judge = |m: &Message, today| {
            let ctx = Context {
                today,
                thresholds: &t,
            };
            judge_messages(&ctx, &cal, &[state(m)])
        };
        let open = message(d(9, 1), None);
        assert!(
            judge(&open, d(9, 8)).is_empty(),
            "the deadline day itself is in time"
        );
        let found = judge(&open, d(9, 9));
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].sentence(d(9, 9)),
            "县自然资源局区长信箱9月1日来信《关于宅基地审批的咨询》超过5个工作日未办结"
        );
        let late = message(d(9, 1), Some(d(9, 10)));
        assert!(judge(&late, d(9, 11)).is_empty(), "answered: rectified");
        assert!(state(&late).answered_late(&cal));
        let mut withdrawn = message(d(9, 1), None);
        withdrawn.withdrawn = true;
        assert!(judge(&withdrawn, d(12, 31)).is_empty());
    }

    #[test]
    fn a_letter_unanswered_for_more_than_90_days_is_the_single_veto() {
        let cal = calendar();
        let t = Thresholds::default();
        let m = message(d(6, 1), None);
        let ctx = |today| Context {
            today,
            thresholds: &t,
        };
        let kinds = |today| -> Vec<Kind> {
            judge_messages(&ctx(today), &cal, &[state(&m)])
                .iter()
                .map(|f| f.kind)
                .collect()
        };
        assert_eq!(kinds(d(8, 30)), [Kind::MessageOverdue], "day 90");
        assert_eq!(
            kinds(d(8, 31)),
            [Kind::MessageOverdue, Kind::InteractionUnanswered],
            "day 91"
        );
    }
}
