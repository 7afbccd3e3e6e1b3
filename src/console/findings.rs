//! 问题列表 and 问题: every finding the user may see, filtered and paged; one finding as
//! an episode (sentence, evidence, 整改期限, every step taken on it); 整改反馈 by a unit
//! and 误报 by the office.
//!
//! A unit user asking for another unit's finding gets 404, as for a finding that does
//! not exist: IDs are guessable, what they hold is not the user's to learn.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use minijinja::context;

use super::evidence::evidence_rows;
use super::overview::page_context;
use super::{Console, templates};
use crate::notify::compose::{Rectify, is_single_veto};
use crate::observe::Episode;
use crate::observe::kind::Kind;
use crate::report::wording;
use crate::store::{
    FindingAction, FindingPage, FindingQuery, ListOrder, Session, Standing, Visibility,
};

/// Findings a page of the list shows.
const PAGE_SIZE: usize = 50;

/// Where a finding stands, as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Open, within its 整改期限.
    Open,
    /// Open past its 整改期限 (整改超期).
    Overdue,
    Rectified,
    /// Closed because its pages were no longer read (不再监测): not 整改.
    Unwatched,
    /// The office's word that it is a false alarm (误报).
    Dismissed,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Overdue => "overdue",
            Status::Rectified => "rectified",
            Status::Unwatched => "unwatched",
            Status::Dismissed => "dismissed",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Status::Open => "未整改",
            Status::Overdue => "整改超期",
            Status::Rectified => "已整改",
            Status::Unwatched => "不再监测",
            Status::Dismissed => "误报",
        }
    }
}

/// The 整改期限 rule of the settings.
pub fn rectify(console: &Console) -> Rectify {
    let s = &console.app.settings;
    Rectify {
        days: s.report.rectify_days,
        holidays: s.schedule.holidays.clone(),
        workdays: s.schedule.workdays.clone(),
    }
}

/// Today in the configured time zone.
pub fn today(console: &Console) -> NaiveDate {
    crate::clock::Clock::system(console.app.clock.tz()).today()
}

pub fn status(f: &Episode, deadline: NaiveDate, today: NaiveDate) -> Status {
    if f.dismissal.is_some() {
        Status::Dismissed
    } else if f.is_unwatched() {
        Status::Unwatched
    } else if f.resolved_at.is_some() {
        Status::Rectified
    } else if today > deadline {
        Status::Overdue
    } else {
        Status::Open
    }
}

/// Days a finding has been (or was) open.
pub fn days_open(f: &Episode, today: NaiveDate) -> i64 {
    (f.resolved_on.unwrap_or(today) - f.opened_on).num_days()
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    unit: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    /// `YYYY-MM-DD`: findings open on or after it.
    since: Option<String>,
    page: Option<usize>,
    /// `days` (longest open first) or `opened` (newest first, the default).
    sort: Option<String>,
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!("console: reading findings failed: {e}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "数据库暂不可用，请稍后再试",
    )
        .into_response()
}

/// The first opening day that is not overdue (整改超期) on `today`: a finding opened
/// before it is past its 整改期限. Deadlines grow with the opening day, so this walks
/// back from `today` while the day before is still within its deadline.
pub fn overdue_before(rectify: &Rectify, today: NaiveDate) -> NaiveDate {
    let mut day = today;
    // A 整改期限 is some working days: a few weeks back at most, whatever the holidays.
    for _ in 0..3660 {
        let Some(before) = day.pred_opt() else { break };
        if rectify.deadline(before) < today {
            break;
        }
        day = before;
    }
    day
}

/// What `session`'s user may see: every finding, or their unit's.
pub fn visibility(session: &Session) -> Visibility {
    if session.user.role.sees_all() {
        Visibility::All
    } else {
        // A unit user without a unit sees nothing: no finding names the empty name.
        Visibility::Unit(session.user.unit.clone().unwrap_or_default())
    }
}

pub async fn list(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Query(q): Query<ListQuery>,
) -> Response {
    let since = q
        .since
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok());
    let kind = q
        .kind
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(|k| k.parse::<Kind>().ok());
    let standing = match q.status.as_deref().filter(|s| !s.is_empty()) {
        Some("open") => Some(Standing::Open),
        Some("overdue") => Some(Standing::Overdue),
        Some("rectified") => Some(Standing::Rectified),
        Some("unwatched") => Some(Standing::Unwatched),
        Some("dismissed") => Some(Standing::Dismissed),
        // A status no finding has: none listed, as before.
        Some(_) => None,
        None => None,
    };
    let unknown_status = standing.is_none() && q.status.as_deref().is_some_and(|s| !s.is_empty());
    let rectify = rectify(&console);
    let today = today(&console);
    let visibility = visibility(&session);
    let query = FindingQuery {
        visibility: visibility.clone(),
        unit: q.unit.clone().filter(|s| !s.is_empty()),
        kind,
        standing,
        since,
        today,
        overdue_before: overdue_before(&rectify, today),
        order: if q.sort.as_deref() == Some("days") {
            ListOrder::DaysOpen
        } else {
            ListOrder::Opened
        },
    };
    let found = if unknown_status {
        Ok(FindingPage {
            total: 0,
            page: 1,
            pages: 1,
            findings: Vec::new(),
        })
    } else {
        console
            .store
            .finding_page(&query, q.page.unwrap_or(1) as u64, PAGE_SIZE as u64)
            .await
    };
    let found = match found {
        Ok(f) => f,
        Err(e) => return unavailable(e),
    };
    let units = match console.store.finding_unit_names(&visibility).await {
        Ok(u) => u,
        Err(e) => return unavailable(e),
    };
    let (total, page, pages) = (found.total, found.page as usize, found.pages as usize);
    let shown: Vec<_> = found
        .findings
        .iter()
        .map(|f| {
            let deadline = rectify.deadline(f.opened_on);
            let s = status(f, deadline, today);
            context! {
                id => f.id,
                unit => f.unit.as_deref().unwrap_or(""),
                kind => f.kind.name_zh(),
                veto => is_single_veto(f.kind),
                sentence => wording::sentence(f),
                opened_on => f.opened_on.to_string(),
                deadline => deadline.to_string(),
                days => days_open(f, today),
                status => s.zh(),
                status_code => s.code(),
            }
        })
        .collect();
    let query = |page: usize| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("unit", q.unit.as_deref()),
            ("kind", q.kind.as_deref()),
            ("status", q.status.as_deref()),
            ("since", q.since.as_deref()),
            ("sort", q.sort.as_deref()),
        ] {
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("page", &page.to_string());
        format!("/findings?{}", ser.finish())
    };
    let ctx = context! {
        ..page_context(&session),
        ..context! {
            active => "findings",
            rows => shown,
            total,
            page,
            pages,
            prev => (page > 1).then(|| query(page - 1)),
            next => (page < pages).then(|| query(page + 1)),
            units,
            kinds => Kind::ALL.iter().map(|k| context! { code => k.code(), name => k.name_zh() }).collect::<Vec<_>>(),
            statuses => [Status::Open, Status::Overdue, Status::Rectified, Status::Unwatched, Status::Dismissed]
                .iter().map(|s| context! { code => s.code(), name => s.zh() }).collect::<Vec<_>>(),
            q => context! {
                unit => q.unit.as_deref().unwrap_or(""),
                kind => q.kind.as_deref().unwrap_or(""),
                status => q.status.as_deref().unwrap_or(""),
                since => q.since.as_deref().unwrap_or(""),
                sort => q.sort.as_deref().unwrap_or(""),
            },
        }
    };
    Html(templates::render("findings.html", ctx)).into_response()
}

/// The finding `id` if it exists and `session` may see it; else the 404 page.
async fn visible_finding(
    console: &Console,
    session: &Session,
    id: i64,
) -> Result<Episode, Response> {
    let not_found = || (StatusCode::NOT_FOUND, Html(templates::not_found())).into_response();
    let f = match console.store.finding(id).await {
        Ok(Some(f)) => f,
        Ok(None) => return Err(not_found()),
        Err(e) => return Err(unavailable(e)),
    };
    match visibility(session) {
        Visibility::All => Ok(f),
        Visibility::Unit(unit) => match console.store.finding_names_unit(id, &unit).await {
            Ok(true) => Ok(f),
            Ok(false) => Err(not_found()),
            Err(e) => Err(unavailable(e)),
        },
    }
}

fn action_zh(action: &str) -> &str {
    match action {
        "feedback" => "整改反馈",
        "recheck" => "申请二次检查",
        "dismiss" => "标记误报",
        "undismiss" => "撤销误报",
        other => other,
    }
}

pub async fn show(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> Response {
    let f = match visible_finding(&console, &session, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let actions = match console.store.finding_actions(id).await {
        Ok(a) => a,
        Err(e) => return unavailable(e),
    };
    let tz = console.app.clock.tz();
    let today = today(&console);
    let deadline = rectify(&console).deadline(f.opened_on);
    let status = status(&f, deadline, today);
    let ctx = context! {
        ..page_context(&session),
        ..context! {
            active => "findings",
            f => context! {
                id => f.id,
                code => f.kind.code(),
                kind => f.kind.name_zh(),
                veto => is_single_veto(f.kind),
                unit => f.unit.as_deref().unwrap_or(""),
                sentence => wording::sentence(&f),
                opened_on => f.opened_on.to_string(),
                last_confirmed => f.last_confirmed.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                resolved_on => f.rectified_on().map(|d| d.to_string()),
                deadline => deadline.to_string(),
                days => days_open(&f, today),
                status => status.zh(),
                status_code => status.code(),
                dismissal => f.dismissal.as_ref().map(|d| context! {
                    by => &d.by, reason => &d.reason,
                    at => d.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
                }),
            },
            evidence => evidence_rows(&f.raw_evidence),
            actions => actions.iter().map(|a| context! {
                action => action_zh(&a.action),
                user => &a.user_name,
                text => &a.text,
                link => a.link.as_deref().filter(|l| l.starts_with("http://") || l.starts_with("https://")),
                at => a.at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string(),
            }).collect::<Vec<_>>(),
            can_feedback => f.resolved_at.is_none() && f.dismissal.is_none(),
            can_dismiss => session.user.role.sees_all() && f.dismissal.is_none(),
            can_recheck => session.user.role.sees_all() && f.resolved_at.is_none(),
        }
    };
    Html(templates::render("finding.html", ctx)).into_response()
}

#[derive(Debug, serde::Deserialize)]
pub struct FeedbackForm {
    text: String,
    link: Option<String>,
}

/// 整改反馈: a unit's word that it fixed the problem. It asks for a recheck at the next
/// cycle; the finding closes only when a check confirms it, by its kind's rule.
pub async fn feedback(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<FeedbackForm>,
) -> Response {
    let f = match visible_finding(&console, &session, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let text = form.text.trim();
    if text.is_empty() {
        return (StatusCode::BAD_REQUEST, "请填写整改情况").into_response();
    }
    let link = form
        .link
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    if link.is_some_and(|l| !(l.starts_with("http://") || l.starts_with("https://"))) {
        return (StatusCode::BAD_REQUEST, "链接须以 http:// 或 https:// 开头").into_response();
    }
    let action = FindingAction {
        finding_id: f.id,
        action: "feedback".into(),
        user_name: session.user.name.clone(),
        text: Some(text.chars().take(2000).collect()),
        link: link.map(str::to_string),
        at: Utc::now(),
    };
    if let Err(e) = console.store.record_finding_action(&action).await {
        return unavailable(e);
    }
    tracing::info!(finding = f.id, user = %session.user.name, "console: 整改反馈 recorded");
    Redirect::to(&format!("/findings/{}", f.id)).into_response()
}

#[derive(Debug, serde::Deserialize)]
pub struct DismissForm {
    reason: String,
}

/// 误报: the office marks a finding as a false alarm (as `govwatch dismiss` does).
pub async fn dismiss(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<DismissForm>,
) -> Response {
    if !session.user.role.sees_all() {
        return (StatusCode::FORBIDDEN, "只有政务公开办可以标记误报").into_response();
    }
    let f = match visible_finding(&console, &session, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let now = Utc::now();
    match console
        .store
        .dismiss_finding(f.id, &form.reason, &session.user.name, now)
        .await
    {
        Ok(_) => {}
        Err(crate::store::DismissError::Store(e)) => return unavailable(e),
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
    let action = FindingAction {
        finding_id: f.id,
        action: "dismiss".into(),
        user_name: session.user.name.clone(),
        text: Some(form.reason.trim().to_string()),
        link: None,
        at: now,
    };
    if let Err(e) = console.store.record_finding_action(&action).await {
        return unavailable(e);
    }
    Redirect::to(&format!("/findings/{}", f.id)).into_response()
}

/// 二次检查 at once: the office asks for a whole cycle now (one run of the `cycle` job,
/// as the schedule would make it); the finding closes if that cycle's check confirms it
/// is fixed, by its kind's rule. Without it, the next scheduled cycle rechecks.
pub async fn recheck(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Path(id): Path<i64>,
) -> Response {
    if !session.user.role.sees_all() {
        return (StatusCode::FORBIDDEN, "只有政务公开办可以立即复核").into_response();
    }
    let f = match visible_finding(&console, &session, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let now = Utc::now();
    let work = (console.cycle_work)();
    let enqueued = console
        .store
        .enqueue_run("cycle", now, now, chrono::DateTime::<Utc>::MIN_UTC, &work)
        .await;
    let note = match enqueued {
        Ok(crate::store::Enqueued::Busy) => "检查正在进行中，本轮结束后请再次申请",
        Ok(_) => "已安排立即检查",
        Err(e) => return unavailable(e),
    };
    let action = FindingAction {
        finding_id: f.id,
        action: "recheck".into(),
        user_name: session.user.name.clone(),
        text: Some(note.to_string()),
        link: None,
        at: now,
    };
    if let Err(e) = console.store.record_finding_action(&action).await {
        return unavailable(e);
    }
    tracing::info!(finding = f.id, user = %session.user.name, note, "console: recheck asked");
    Redirect::to(&format!("/findings/{}", f.id)).into_response()
}
