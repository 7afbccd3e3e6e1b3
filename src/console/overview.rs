//! 总览: the open problems by kind and by unit, single-veto items (单项否决) first.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use super::{Console, templates};
use crate::notify::compose::is_single_veto;
use crate::observe::Episode;
use crate::report::wording;
use crate::store::{FindingFilter, Session};

/// Whether `session`'s user may see `finding`: office and admin see every unit; a unit
/// user sees the findings that name their unit (one of a column's 保障单位 is enough).
pub fn visible(session: &Session, finding: &Episode) -> bool {
    if session.user.role.sees_all() {
        return true;
    }
    let (Some(mine), Some(theirs)) = (&session.user.unit, &finding.unit) else {
        return false;
    };
    theirs.split('、').any(|u| u == mine)
}

/// The user and the CSRF token every page's header needs.
pub fn page_context(session: &Session) -> minijinja::Value {
    context! {
        user => context! {
            name => &session.user.name,
            role_zh => session.user.role.zh(),
            unit => &session.user.unit,
        },
        csrf => &session.csrf,
    }
}

pub async fn page(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
) -> Response {
    let open = match console
        .store
        .findings(&FindingFilter {
            open_only: true,
            ..FindingFilter::default()
        })
        .await
    {
        Ok(f) => f,
        Err(e) => {
            tracing::error!("console: reading findings failed: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "数据库暂不可用，请稍后再试",
            )
                .into_response();
        }
    };
    let open: Vec<Episode> = open
        .into_iter()
        .filter(|f| f.dismissal.is_none() && visible(&session, f))
        .collect();
    let mut kinds: BTreeMap<_, usize> = BTreeMap::new();
    let mut units: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut veto = Vec::new();
    for f in &open {
        *kinds.entry(f.kind).or_default() += 1;
        let unit = f.unit.clone().unwrap_or_else(|| "（未指定单位）".into());
        let entry = units.entry(unit.clone()).or_default();
        entry.0 += 1;
        if is_single_veto(f.kind) {
            entry.1 += 1;
            veto.push((unit, wording::sentence(f), f.opened_on));
        }
    }
    veto.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort_by_key(|(k, n)| (!is_single_veto(*k), std::cmp::Reverse(*n), *k));
    let mut units: Vec<_> = units.into_iter().collect();
    units.sort_by(|a, b| {
        b.1.1
            .cmp(&a.1.1)
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(&b.0))
    });
    let scope = (!session.user.role.sees_all())
        .then(|| session.user.unit.clone())
        .flatten();
    let progress = super::progress::block(&console, &session).await;
    let ctx = context! {
        ..page_context(&session),
        ..context! {
            active => "overview",
            progress,
            scope,
            open_total => open.len(),
            veto_total => veto.len(),
            veto => veto.iter().map(|(unit, sentence, on)| context! {
                unit, sentence, opened_on => on.format("%Y-%m-%d").to_string(),
            }).collect::<Vec<_>>(),
            kinds => kinds.iter().map(|(k, n)| context! {
                name => k.name_zh(), count => n, veto => is_single_veto(*k),
            }).collect::<Vec<_>>(),
            units => units.iter().map(|(name, (n, v))| context! {
                name, count => n, veto => v,
            }).collect::<Vec<_>>(),
        }
    };
    Html(templates::render("overview.html", ctx)).into_response()
}
