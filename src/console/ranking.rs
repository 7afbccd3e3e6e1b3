//! 排名: each unit's score for a period and its dense rank (seed 004), when `[report.scoring]`
//! is set: the 通报's score tables themselves (`report::notice::score_tables`), 乡镇 and
//! 县级部门 apart as the notice puts them. A unit user sees the ranking whole: it is
//! published in the 通报 anyway; their own row is marked.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use super::overview::page_context;
use super::reports::{PeriodQuery, app_now, chosen_period, period_choices};
use super::{Console, templates};
use crate::detect::period::Period;
use crate::report::Cell;
use crate::report::findings::{counted, in_period};
use crate::report::notice::score_tables;
use crate::store::Session;

pub async fn page(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let app = app_now(&console);
    let today = app.clock.today();
    let default = Period::quarter_of(today).previous();
    let (period, error) = chosen_period(&q, default);
    let scoring = app.settings.report.scoring.as_ref();
    let mut tables = Vec::new();
    if let Some(s) = scoring {
        let catalog = console.catalog();
        let records = match super::files::episodes(&app, &console.store).await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!("console: reading findings failed: {e}");
                return (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "数据库暂不可用，请稍后再试",
                )
                    .into_response();
            }
        };
        // The 通报's own count: the period's episodes but the office's 误报.
        let found = counted(in_period(&records, period, today));
        let title = format!("{}各单位政务公开工作考核结果", period.label_zh());
        let mine = session.user.unit.as_deref();
        for t in score_tables(&title, &catalog, &found, s, &app.settings.report.area) {
            let rows: Vec<_> = t
                .rows
                .iter()
                .map(|r| {
                    let unit = r.first().map(Cell::display);
                    context! {
                        mine => mine.is_some() && unit.as_deref() == mine,
                        cells => r.iter().map(Cell::display).collect::<Vec<_>>(),
                    }
                })
                .collect();
            tables.push(context! { title => t.title, headers => t.headers, rows });
        }
    }
    let html = templates::render(
        "ranking.html",
        context! {
            ..page_context(&session),
            ..context! {
                active => "ranking",
                action => "/ranking",
                period => period.to_string(),
                period_zh => period.label_zh(),
                choices => period_choices(today).into_iter()
                    .map(|(code, label)| context! { code, label })
                    .collect::<Vec<_>>(),
                typed => q.period.as_deref().unwrap_or(""),
                error,
                configured => scoring.is_some(),
                base => scoring.map(|s| s.base),
                tables,
            },
        },
    );
    Html(html).into_response()
}
