//! 单位: the units the user may see with their open findings, and one unit's page: its
//! columns (last update, this quarter's count against its quota, as `govwatch export
//! columns` states them), its new-media accounts (last post, days silent), its open
//! findings and those rectified in the last 90 days.
//!
//! A unit user is sent from the list to their own unit; asking for another unit's page
//! answers 404, as for a unit that does not exist (unit names are guessable, what their
//! pages hold is not the user's to learn).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Days, NaiveDate, Utc};
use minijinja::context;

use super::findings::{Status, days_open, rectify, status};
use super::overview::page_context;
use super::progress::column_rows_now;
use super::{Console, templates};
use crate::catalog::AccountStatus;
use crate::clock::Clock;
use crate::detect::period::Period;
use crate::notify::compose::is_single_veto;
use crate::observe::kind::Kind;
use crate::report::columns::{Status as ColumnStatus, published_zh, quota_zh};
use crate::report::wording;
use crate::store::{FindingFilter, Session, Visibility};

/// How far back the page lists rectified findings.
const RECTIFIED_DAYS: u64 = 90;

/// The path of `unit`'s page.
pub fn unit_path(unit: &str) -> String {
    let name: String = url::form_urlencoded::byte_serialize(unit.as_bytes()).collect();
    // byte_serialize writes a space as `+`, which a path keeps as a plus.
    format!("/units/{}", name.replace('+', "%20"))
}

/// The CSS class of a column's 完成情况.
fn status_class(s: ColumnStatus) -> &'static str {
    match s {
        ColumnStatus::Done => "done",
        ColumnStatus::Short => "short",
        ColumnStatus::Zero => "zero",
        _ => "uncounted",
    }
}

/// Whether `session`'s user may see `unit`'s page.
fn may_see(session: &Session, unit: &str) -> bool {
    session.user.role.sees_all() || session.user.unit.as_deref() == Some(unit)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(templates::not_found())).into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!("console: reading a unit's page failed: {e}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "数据库暂不可用，请稍后再试",
    )
        .into_response()
}

/// `/units`: every unit of the catalog with its open findings; a unit user goes to their own.
pub async fn list(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
) -> Response {
    if !session.user.role.sees_all() {
        return match &session.user.unit {
            Some(unit) => Redirect::to(&unit_path(unit)).into_response(),
            None => not_found(),
        };
    }
    let catalog = console.catalog();
    let veto_kinds: Vec<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| is_single_veto(*k))
        .collect();
    // Open and single-veto counts per unit, counted in SQL beside the read of 误报,
    // which they take out afterwards.
    let read = async {
        let (dismissed, per_unit) = tokio::try_join!(
            console.store.dismissed(),
            console.store.open_units(&Visibility::All, &veto_kinds),
        )?;
        Ok::<_, crate::store::StoreError>(per_unit.less(&dismissed))
    };
    let counts: HashMap<String, (u64, u64)> = match read.await {
        Ok(rows) => rows.into_iter().map(|(u, n, v)| (u, (n, v))).collect(),
        Err(e) => return unavailable(e),
    };
    let rows: Vec<_> = catalog
        .units
        .iter()
        .map(|u| {
            let (open, veto) = counts.get(&u.name).copied().unwrap_or_default();
            context! {
                name => &u.name,
                link => unit_path(&u.name),
                level => u.level.as_deref().unwrap_or(""),
                columns => catalog.columns.iter().filter(|c| c.units.contains(&u.name)).count(),
                accounts => catalog.accounts.iter().filter(|a| a.unit == u.name).count(),
                open,
                veto,
            }
        })
        .collect();
    let ctx = context! {
        ..page_context(&session),
        ..context! { active => "units", units => rows }
    };
    Html(templates::render("units.html", ctx)).into_response()
}

/// `/units/{unit}`: one unit's columns, accounts and findings.
pub async fn show(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Path(unit): Path<String>,
) -> Response {
    if !may_see(&session, &unit) {
        return not_found();
    }
    let catalog = console.catalog();
    let Some(entry) = catalog.unit(&unit) else {
        return not_found();
    };
    let store = &console.store;
    let clock = Clock::new(Utc::now(), console.app.clock.tz());
    let today = clock.today();
    let period = Period::quarter_of(today);
    let ids = match store.catalog_ids().await {
        Ok(ids) => ids,
        Err(e) => return unavailable(e),
    };
    let rows =
        match column_rows_now(store, &console.app.settings, &catalog, &ids, &clock, period).await {
            Ok(rows) => rows,
            Err(e) => return unavailable(e),
        };
    // `column_rows` keeps catalog order: row i is column i.
    let columns: Vec<_> = catalog
        .columns
        .iter()
        .zip(&rows)
        .filter(|(c, _)| c.units.contains(&unit))
        .map(|(c, r)| {
            let link = Some(c.url.as_str())
                .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
            context! {
                name => &c.name,
                site => &c.site,
                link,
                last_update => r.last_update.map(|d| d.to_string()),
                published => match r.status {
                    Some(s) if !s.is_counted() => s.zh().to_string(),
                    _ => published_zh(c.quota, r.published),
                },
                quota => quota_zh(c.quota),
                status => r.status.map(|s| s.zh()),
                status_code => r.status.map(status_class),
            }
        })
        .collect();

    let latest = match store
        .posts_from(clock.now(), None, &HashMap::new(), false)
        .await
    {
        Ok(posts) => posts,
        Err(e) => return unavailable(e),
    };
    let accounts: Vec<_> = catalog
        .accounts
        .iter()
        .filter(|a| a.unit == unit)
        .map(|a| {
            let last = ids
                .accounts
                .get(&a.key())
                .and_then(|id| latest.get(id))
                .and_then(|posts| posts.iter().map(|(at, _)| *at).max())
                .map(|at| clock.day_of(at))
                .filter(|d| *d <= today);
            let closed = a.status == AccountStatus::Closed;
            context! {
                platform => a.platform.category_zh(),
                name => &a.name,
                link => a.url.as_ref().map(|u| u.as_str()).filter(|u| u.starts_with("http://") || u.starts_with("https://")),
                last_post => last.map(|d| d.to_string()),
                days_silent => last.filter(|_| !closed).map(|d| (today - d).num_days()),
                closed,
            }
        })
        .collect();

    let since = today
        .checked_sub_days(Days::new(RECTIFIED_DAYS))
        .unwrap_or(NaiveDate::MIN);
    let found = match store
        .findings(&FindingFilter {
            since: Some(since),
            unit: Some(unit.clone()),
            ..FindingFilter::default()
        })
        .await
    {
        Ok(f) => f,
        Err(e) => return unavailable(e),
    };
    let rule = rectify(&console);
    let mut open = Vec::new();
    let mut rectified = Vec::new();
    for f in &found {
        let deadline = rule.deadline(f.opened_on);
        let s = status(f, deadline, today);
        let row = context! {
            id => f.id,
            kind => f.kind.name_zh(),
            veto => is_single_veto(f.kind),
            sentence => wording::sentence(f),
            opened_on => f.opened_on.to_string(),
            deadline => deadline.to_string(),
            resolved_on => f.rectified_on().map(|d| d.to_string()),
            days => days_open(f, today),
            status => s.zh(),
            status_code => s.code(),
        };
        match s {
            Status::Open | Status::Overdue => open.push((s != Status::Overdue, f.opened_at, row)),
            Status::Rectified if f.rectified_on().is_some_and(|d| d >= since) => {
                rectified.push((std::cmp::Reverse(f.resolved_at), f.opened_at, row));
            }
            _ => {}
        }
    }
    // Overdue 整改 first, then the oldest; rectified: the latest first.
    open.sort_by_key(|a| (a.0, a.1));
    rectified.sort_by_key(|a| (a.0, a.1));
    let ctx = context! {
        ..page_context(&session),
        ..context! {
            active => "units",
            back => session.user.role.sees_all(),
            unit => context! { name => &entry.name, level => &entry.level },
            period => period.label_zh(),
            today => today.to_string(),
            columns,
            accounts,
            open => open.into_iter().map(|r| r.2).collect::<Vec<_>>(),
            rectified => rectified.into_iter().map(|r| r.2).collect::<Vec<_>>(),
            rectified_days => RECTIFIED_DAYS,
        }
    };
    Html(templates::render("unit.html", ctx)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_path_is_encoded() {
        assert_eq!(
            unit_path("县公安局"),
            "/units/%E5%8E%BF%E5%85%AC%E5%AE%89%E5%B1%80"
        );
        assert_eq!(unit_path("a b/c"), "/units/a%20b%2Fc");
    }
}
