//! 总览: the open problems by kind and by unit, single-veto items (单项否决) first. The
//! counts are the store's GROUP BY (a page costs the same at 100,000 findings); a unit
//! user's are those of the findings naming their unit.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use super::{Console, templates};
use crate::notify::compose::is_single_veto;
use crate::observe::kind::Kind;
use crate::report::wording;
use crate::store::{OpenCounts, Session, StoreError};

/// How 总览 names the unit of a finding without one.
const NO_UNIT: &str = "（未指定单位）";

/// Single-veto findings 总览 lists by name, the earliest opened (all are counted, and
/// 问题列表 lists each kind's whole).
pub const VETO_LISTED: usize = 50;

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
    let visibility = super::findings::visibility(&session);
    let veto_kinds: Vec<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| is_single_veto(*k))
        .collect();
    // 误报 read once for every count of the page, beside the counts by kind and per
    // unit a finding names (a finding of several 保障单位 is each one's), which take
    // them out afterwards; the single-veto list leaves them out as it reads.
    let store = &console.store;
    let read = async {
        let (dismissed, by_kind, per_unit) = tokio::try_join!(
            store.dismissed(),
            store.open_by_kind(&visibility),
            store.open_units(&visibility, &veto_kinds),
        )?;
        let flagged = store
            .open_flagged(&dismissed, &visibility, &veto_kinds, VETO_LISTED)
            .await?;
        let counts = OpenCounts {
            by_kind: by_kind.less(&dismissed),
            flagged,
        };
        let per_unit = per_unit.less(&dismissed);
        Ok::<_, StoreError>((dismissed, counts, per_unit))
    };
    let (dismissed, counts, per_unit) = match read.await {
        Ok(read) => read,
        Err(e) => {
            tracing::error!("console: reading findings failed: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "数据库暂不可用，请稍后再试",
            )
                .into_response();
        }
    };
    let open_total: u64 = counts.by_kind.iter().map(|(_, n)| n).sum();
    let veto_total: u64 = counts
        .by_kind
        .iter()
        .filter(|(k, _)| is_single_veto(*k))
        .map(|(_, n)| n)
        .sum();
    let mut veto: Vec<(String, String, chrono::NaiveDate)> = counts
        .flagged
        .iter()
        .map(|f| {
            let unit = f.unit.clone().unwrap_or_else(|| NO_UNIT.into());
            (unit, wording::sentence(f), f.opened_on)
        })
        .collect();
    veto.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.cmp(&b.0)));
    let mut kinds: Vec<(Kind, u64)> = counts.by_kind;
    kinds.sort_by_key(|(k, n)| (!is_single_veto(*k), std::cmp::Reverse(*n), *k));
    // A unit user's table by unit is their own unit's row.
    let own =
        (!session.user.role.sees_all()).then(|| session.user.unit.clone().unwrap_or_default());
    let mut units: Vec<(String, (u64, u64))> = per_unit
        .iter()
        .filter(|(u, _, _)| own.as_ref().is_none_or(|own| own == u))
        .map(|(u, n, v)| {
            let name = if u.is_empty() {
                NO_UNIT.to_string()
            } else {
                u.clone()
            };
            (name, (*n, *v))
        })
        .collect();
    units.sort_by(|a, b| {
        b.1.1
            .cmp(&a.1.1)
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(&b.0))
    });
    let scope = (!session.user.role.sees_all())
        .then(|| session.user.unit.clone())
        .flatten();
    let progress = super::progress::block(&console, &session, &dismissed, &per_unit).await;
    let ctx = context! {
        ..page_context(&session),
        ..context! {
            active => "overview",
            progress,
            scope,
            open_total,
            veto_total,
            veto_kinds => veto_kinds.iter().map(|k| context! {
                name => k.name_zh(), code => k.code(),
            }).collect::<Vec<_>>(),
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
