//! Citizens' messages (政民互动): letters read from a mailbox and records imported from
//! internal systems (12345 hotline work orders), in one shape, as the store keeps them
//! and the rules and reports count them.

use chrono::NaiveDate;

/// One message, keyed by (channel, number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// A mailbox's key for a crawled letter; the 渠道 of an imported record.
    pub channel: String,
    /// The letter's URL (or `title:…`), or the record's 编号.
    pub number: String,
    pub mailbox_id: Option<i64>,
    pub title: Option<String>,
    pub url: Option<String>,
    /// 承办单位: the catalog's name where it maps, else as written.
    pub unit: Option<String>,
    pub category: Option<String>,
    /// The status as written (已回复, 办理中 …).
    pub status: Option<String>,
    /// 撤单 / 已撤回: nothing to answer.
    pub withdrawn: bool,
    pub received_on: NaiveDate,
    /// False when no received date was shown (不公开): `received_on` is the day it was
    /// first seen (日期不详).
    pub received_known: bool,
    /// The day it was answered (回复日期, else 办结日期).
    pub answered_on: Option<NaiveDate>,
    /// True when `answered_on` is the day an answered status was first seen (估计).
    pub answered_estimated: bool,
    /// 办理时限 of an imported record; `None`: `reply_days` working days after received.
    pub deadline_on: Option<NaiveDate>,
    /// 返工: reopened after it was closed.
    pub reworked: bool,
    /// The letter's own page was read.
    pub page_read: bool,
    /// Where an imported record came from: `row 12`.
    pub row_ref: Option<String>,
}

impl Message {
    pub fn is_answered(&self) -> bool {
        self.answered_on.is_some()
    }
}
