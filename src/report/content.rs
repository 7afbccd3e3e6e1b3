//! The content list (`govwatch export content`): every 错敏词 hit and every piece of
//! personal data found on the pages, one row per hit, from the `content_error` and
//! `privacy_leak` episodes open in a period. Numbers appear masked, as the evidence
//! keeps them: an export is never a second leak. Pure: stored records in, rows out.

use chrono::NaiveDate;
use serde::Serialize;

use super::findings::{in_period, rectified_cell};
use super::{Cell, Table};
use crate::detect::Kind;
use crate::detect::period::Period;
use crate::observe::evidence::{Evidence, PageBase};
use crate::store::FindingRecord;

/// What to do about personal data published.
pub const LEAK_SUGGESTION: &str = "删除或遮盖个人信息";

/// `govwatch export content` as JSON; the field names are a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentExport {
    pub period: String,
    pub hits: Vec<ContentRow>,
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentRow {
    pub unit: Option<String>,
    pub site: String,
    pub page_url: String,
    pub title: Option<String>,
    /// The attachment's name, for a hit in an attachment (the page's link text).
    pub attachment: Option<String>,
    /// `content_error` or `privacy_leak`.
    pub kind: String,
    /// The wrong form as the page writes it, or the number masked.
    pub text: String,
    /// The right form, or what to do with personal data.
    pub suggestion: Option<String>,
    /// The list's category (国名, 过时表述 …), or the data (身份证号, 手机号, 银行卡号).
    pub category: String,
    /// Character offset in the page's text.
    pub position: usize,
    pub detected_on: NaiveDate,
    pub rectified: bool,
    /// Closed as 不再监测 (the page no longer read): not rectified.
    pub unwatched: bool,
    pub dismissed: bool,
}

fn data_zh(code: &str) -> &str {
    match code {
        "id_number" => "身份证号",
        "mobile" => "手机号",
        "bank_card" => "银行卡号",
        other => other,
    }
}

/// Every hit of the content episodes open at any time in `period` (up to `today`).
pub fn content_export(
    records: &[FindingRecord],
    period: Period,
    today: NaiveDate,
) -> ContentExport {
    let mut hits = Vec::new();
    for f in in_period(records, period, today) {
        let (rectified_on, unwatched) = super::findings::rectified_by(f, today);
        let rectified = rectified_on.is_some();
        let row = |p: &PageBase, kind: Kind| ContentRow {
            unit: f.unit.clone(),
            site: p.site.clone(),
            page_url: p.page.clone(),
            title: p.title.clone(),
            attachment: p.attachment.clone(),
            kind: kind.code().to_string(),
            text: String::new(),
            suggestion: None,
            category: String::new(),
            position: 0,
            detected_on: f.opened_on,
            rectified,
            unwatched,
            dismissed: f.is_dismissed(),
        };
        match &f.evidence {
            Some(Evidence::ContentError(e)) => {
                for h in &e.hits {
                    hits.push(ContentRow {
                        text: h.text.clone(),
                        suggestion: h.right.clone(),
                        category: h.category.clone(),
                        position: h.position,
                        ..row(&e.page, Kind::ContentError)
                    });
                }
            }
            Some(Evidence::PrivacyLeak(e)) => {
                for h in &e.hits {
                    hits.push(ContentRow {
                        text: h.masked.clone(),
                        suggestion: Some(LEAK_SUGGESTION.to_string()),
                        category: data_zh(&h.data).to_string(),
                        position: h.position,
                        ..row(&e.page, Kind::PrivacyLeak)
                    });
                }
            }
            _ => {}
        }
    }
    ContentExport {
        period: period.to_string(),
        hits,
    }
}

pub const HEADERS: [&str; 12] = [
    "单位",
    "网站",
    "页面",
    "标题",
    "附件",
    "类型",
    "原文",
    "建议",
    "类别",
    "位置",
    "发现日期",
    "是否整改",
];

/// The export as a table with the Chinese headers.
pub fn table(title: &str, export: &ContentExport) -> Table {
    let mut t = Table::new(title, HEADERS);
    for r in &export.hits {
        let kind = r.kind.parse::<Kind>().map_or("", |k| k.name_zh());
        t.push_row(vec![
            Cell::from(r.unit.clone()),
            r.site.as_str().into(),
            r.page_url.as_str().into(),
            Cell::from(r.title.clone()),
            Cell::from(r.attachment.clone()),
            kind.into(),
            r.text.as_str().into(),
            Cell::from(r.suggestion.clone()),
            r.category.as_str().into(),
            Cell::Int(r.position as i64),
            r.detected_on.into(),
            rectified_cell(r.dismissed, r.rectified, r.unwatched).into(),
        ]);
    }
    t
}
