//! The broken-link list (死链清单) for auditors and the notice draft: one row per broken
//! link and page it appears on, from the `link_broken` episodes open in a period and the
//! evidence they were found with (link, pages, anchor texts, outcome, status). Pure:
//! stored records and the run's clock in, rows and tables out.

use chrono::NaiveDate;
use serde::Serialize;

use super::findings::{in_period, rectified_cell};
use super::{Cell, Table};
use crate::clock::Clock;
use crate::detect::Kind;
use crate::detect::period::Period;
use crate::extract::LinkProblem;
use crate::observe::evidence::Evidence;
use crate::observe::{FailureClass, LinkOutcome};
use crate::store::FindingRecord;

/// One row of `export links`: a broken link on one page. The JSON field names are a
/// contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkRow {
    /// The unit responsible for the site.
    pub unit: Option<String>,
    pub site: String,
    /// The page the link is on.
    pub page: String,
    /// Where that page is: 首页, 工作动态栏目页面, 工作动态栏目文章页面, 网站页面.
    pub place: String,
    /// The link's text on that page.
    pub anchor: Option<String>,
    /// The broken link.
    pub url: String,
    /// `http`, `soft_404`, `dns`, `timeout`, `connect`, `redirect_loop`, `tls` …
    pub outcome: String,
    pub status: Option<i64>,
    /// The outcome in words: 页面不存在, 服务器错误, 域名无法解析 …
    pub error: String,
    /// The day the link was first found broken.
    pub opened_on: NaiveDate,
    /// The local day of the latest check that found it broken.
    pub last_confirmed: NaiveDate,
    /// The day it was found working (or gone from the pages), if on or before the run's day.
    pub resolved_on: Option<NaiveDate>,
    pub rectified: bool,
    /// Closed as 不再监测 (its pages no longer read): not rectified.
    pub unwatched: bool,
    /// Marked a false alarm (已核实为误报): shown in the export, left out of the notice.
    pub dismissed: bool,
}

/// The outcome of a link check in the words of the notices (a code no outcome has, or
/// one without words, is shown as it is).
pub fn error_zh(outcome: &str, status: Option<i64>) -> String {
    let Ok(parsed) = outcome.parse::<LinkOutcome>() else {
        return outcome.to_string();
    };
    let text = match parsed {
        LinkOutcome::Failed(FailureClass::Http) => match status {
            Some(404 | 410) => "页面不存在",
            Some(s) if s >= 500 => "服务器错误",
            Some(401 | 403) => "禁止访问",
            _ => "访问出错",
        },
        LinkOutcome::Soft404 => "打开为错误页或首页",
        LinkOutcome::Malformed => LinkProblem::Malformed.zh(),
        LinkOutcome::MissingMailto => LinkProblem::MissingMailto.zh(),
        LinkOutcome::Failed(FailureClass::Dns) => "域名无法解析",
        LinkOutcome::Failed(FailureClass::Connect) => "无法连接服务器",
        LinkOutcome::Failed(FailureClass::Timeout) => "访问超时",
        LinkOutcome::Failed(FailureClass::Tls(_)) => "证书错误",
        LinkOutcome::Failed(FailureClass::RedirectLoop) => "循环跳转",
        LinkOutcome::Failed(FailureClass::TooLarge) => "文件过大",
        LinkOutcome::Failed(FailureClass::Decode) => "内容无法解码",
        LinkOutcome::Failed(FailureClass::Unsupported) => "不支持的链接",
        LinkOutcome::Ok
        | LinkOutcome::Skipped
        | LinkOutcome::Failed(FailureClass::Blocked | FailureClass::PrivateAddress) => outcome,
    };
    text.to_string()
}

/// The site of a broken-link finding: its subject is `site key|URL`.
fn site_of(f: &FindingRecord) -> String {
    f.subject_key
        .split_once('|')
        .map_or(f.subject_key.as_str(), |(site, _)| site)
        .to_string()
}

/// Rows for `export links` and the notice: every `link_broken` episode open at any time
/// in `period`, one row per page it was last seen on, in the order of opening.
pub fn link_rows(records: &[FindingRecord], period: Period, clock: &Clock) -> Vec<LinkRow> {
    let today = clock.today();
    let mut rows = Vec::new();
    for f in in_period(records, period, today)
        .into_iter()
        .filter(|f| f.kind == Kind::LinkBroken)
    {
        // Evidence an older version wrote differently: the URL from the subject, no pages.
        let e = match &f.evidence {
            Some(Evidence::LinkBroken(e)) => Some(e),
            _ => None,
        };
        let nonblank = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        let url = e.and_then(|e| nonblank(&e.url)).unwrap_or_else(|| {
            f.subject_key
                .split_once('|')
                .map_or(String::new(), |(_, u)| u.to_string())
        });
        let outcome = e.and_then(|e| nonblank(&e.outcome)).unwrap_or_default();
        let status = e.and_then(|e| e.status);
        let (resolved_on, unwatched) = super::findings::rectified_by(f, today);
        let row = |page: String, place: String, anchor: Option<String>| LinkRow {
            unit: f.unit.clone(),
            site: site_of(f),
            page,
            place,
            anchor,
            url: url.clone(),
            outcome: outcome.clone(),
            status,
            error: error_zh(&outcome, status),
            opened_on: f.opened_on,
            last_confirmed: clock.day_of(f.last_confirmed),
            resolved_on,
            rectified: resolved_on.is_some(),
            unwatched,
            dismissed: f.is_dismissed(),
        };
        match e.map(|e| e.pages.as_slice()) {
            Some(pages) if !pages.is_empty() => {
                for p in pages {
                    rows.push(row(
                        nonblank(&p.page).unwrap_or_default(),
                        nonblank(&p.place).unwrap_or_else(|| "网站页面".into()),
                        nonblank(&p.anchor),
                    ));
                }
            }
            _ => rows.push(row(String::new(), "网站页面".into(), None)),
        }
    }
    rows
}

pub const HEADERS: [&str; 12] = [
    "单位",
    "网站",
    "所在页面",
    "页面地址",
    "链接文字",
    "链接地址",
    "错误类型",
    "状态码",
    "发现日期",
    "最近确认",
    "整改日期",
    "是否整改",
];

/// The export as a table with the Chinese headers, evidence URLs and dates as dates.
pub fn table(title: &str, rows: &[LinkRow]) -> Table {
    let mut t = Table::new(title, HEADERS);
    for r in rows {
        t.push_row(vec![
            Cell::from(r.unit.clone()),
            r.site.as_str().into(),
            r.place.as_str().into(),
            r.page.as_str().into(),
            Cell::from(r.anchor.clone()),
            r.url.as_str().into(),
            r.error.as_str().into(),
            Cell::from(r.status),
            r.opened_on.into(),
            r.last_confirmed.into(),
            r.resolved_on.into(),
            rectified_cell(r.dismissed, r.rectified, r.unwatched).into(),
        ]);
    }
    t
}

/// The notice's attachment: fewer columns, for reading on paper.
pub fn notice_table(title: &str, rows: &[LinkRow]) -> Table {
    let mut t = Table::new(
        title,
        [
            "单位",
            "所在页面",
            "链接文字",
            "链接地址",
            "错误类型",
            "发现日期",
            "是否整改",
        ],
    );
    for r in rows {
        t.push_row(vec![
            Cell::from(r.unit.clone()),
            format!("{}{}", r.site, r.place).into(),
            Cell::from(r.anchor.clone()),
            r.url.as_str().into(),
            r.error.as_str().into(),
            r.opened_on.into(),
            rectified_cell(r.dismissed, r.rectified, r.unwatched).into(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use chrono_tz::Asia::Shanghai;
    use serde_json::json;

    use super::*;

    fn record(evidence: serde_json::Value, resolved_on: Option<NaiveDate>) -> FindingRecord {
        let at = Utc.with_ymd_and_hms(2020, 9, 15, 2, 0, 0).unwrap();
        FindingRecord::from_stored(
            1,
            Kind::LinkBroken,
            "示例县人民政府|http://127.0.0.1:9/status/404".into(),
            Some("县政府办".into()),
            (at, NaiveDate::from_ymd_opt(2020, 9, 15).unwrap()),
            at + chrono::Duration::days(3),
            (None, resolved_on),
            "示例县人民政府首页存在死链：失效链接 http://127.0.0.1:9/status/404".into(),
            &evidence.to_string(),
        )
    }

    #[test]
    fn one_row_per_page_with_the_outcome_in_words() {
        let clock = Clock::new(
            Utc.with_ymd_and_hms(2020, 10, 8, 2, 0, 0).unwrap(),
            Shanghai,
        );
        let e = json!({"url": "http://127.0.0.1:9/status/404", "outcome": "http", "status": 404,
        "pages": [
            {"page": "http://127.0.0.1:9/", "anchor": "失效链接", "where": "首页"},
            {"page": "http://127.0.0.1:9/col/news/", "anchor": "", "where": "工作动态栏目页面"},
        ]});
        let q3: Period = "2020Q3".parse().unwrap();
        let rows = link_rows(
            &[record(e, NaiveDate::from_ymd_opt(2020, 9, 30))],
            q3,
            &clock,
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].site, "示例县人民政府");
        assert_eq!(rows[0].place, "首页");
        assert_eq!(rows[0].anchor.as_deref(), Some("失效链接"));
        assert_eq!(rows[1].anchor, None);
        assert_eq!(rows[1].error, "页面不存在");
        assert_eq!(rows[1].last_confirmed.to_string(), "2020-09-18");
        assert!(rows[1].rectified);
        let t = table("死链清单", &rows);
        assert_eq!(t.rows[0][5].text(), "http://127.0.0.1:9/status/404");
        assert_eq!(t.rows[0][7], Cell::Int(404));
        assert_eq!(t.rows[0][11].text(), "是");
        // Q2 ended before the link broke.
        let q2: Period = "2020Q2".parse().unwrap();
        assert!(link_rows(&[record(json!({}), None)], q2, &clock).is_empty());
        assert_eq!(error_zh("soft_404", Some(200)), "打开为错误页或首页");
        assert_eq!(error_zh("malformed", None), "链接格式错误");
        assert_eq!(error_zh("missing_mailto", None), "缺少mailto:");
        assert_eq!(error_zh("http", Some(502)), "服务器错误");
    }
}
