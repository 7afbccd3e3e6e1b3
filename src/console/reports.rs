//! 报表: a period's exports and its 通报 draft to download, the very files `govwatch
//! export` and `govwatch report` write (both made by [`super::files`]).
//!
//! Office and admin users download every file. A unit user downloads their unit's rows
//! of each export, whatever the URL asks for (the unit comes from the session, never from
//! the request), and not the 通报 draft: 404, as for a file that does not exist.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use minijinja::context;

use super::files::{self, Cut, Export, Format};
use super::overview::page_context;
use super::{Console, templates};
use crate::app::App;
use crate::clock::Clock;
use crate::detect::period::Period;
use crate::report::notice;
use crate::store::Session;

/// The drafts' formats: `notice.html`, `notice.docx`.
const DRAFT_FORMATS: [&str; 2] = ["html", "docx"];

#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodQuery {
    pub(super) period: Option<String>,
}

/// The app as of now: the console's files are made on the day they are asked for.
pub(super) fn app_now(console: &Console) -> App {
    let mut app = (*console.app).clone();
    app.clock = Clock::system(app.clock.tz());
    app
}

fn failed(message: &'static str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(templates::not_found())).into_response()
}

fn files_failed(e: files::FilesError) -> Response {
    tracing::error!("console: making a file failed: {e}");
    match e {
        files::FilesError::Store(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "数据库暂不可用，请稍后再试",
        )
            .into_response(),
        _ => failed("文件生成出错，请查看日志"),
    }
}

/// The periods offered in the choice: this quarter and the last, this month and the
/// last two (`govwatch export` and `report` take any quarter, month or week).
pub(super) fn period_choices(today: NaiveDate) -> Vec<(String, String)> {
    let quarter = Period::quarter_of(today);
    let month = Period::month_of(today);
    let mut out = vec![
        (quarter, "本季度"),
        (quarter.previous(), "上季度"),
        (month, "本月"),
        (month.previous(), "上月"),
        (month.previous().previous(), ""),
    ];
    out.dedup_by_key(|(p, _)| *p);
    out.into_iter()
        .map(|(p, name)| {
            let label = if name.is_empty() {
                p.label_zh()
            } else {
                format!("{name}（{}）", p.label_zh())
            };
            (p.to_string(), label)
        })
        .collect()
}

/// The period asked for, else `default`; with what to tell the user when the text typed
/// is no period (then `default` stands).
pub(super) fn chosen_period(q: &PeriodQuery, default: Period) -> (Period, Option<String>) {
    match q.period.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => (default, None),
        Some(text) => match text.parse() {
            Ok(p) => (p, None),
            Err(_) => (
                default,
                Some(format!(
                    "无法识别的期间“{text}”：请写季度（2020Q3）、月份（2020-07）或周（2020-W05）"
                )),
            ),
        },
    }
}

/// The unit whose rows a user may download: `None` for office and admin (every unit),
/// `Some(unit)` for a unit user; `Err` for a unit user without a unit (nothing).
fn rows_of(session: &Session) -> Result<Option<&str>, ()> {
    if session.user.role.sees_all() {
        return Ok(None);
    }
    session
        .user
        .unit
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(Some)
        .ok_or(())
}

pub async fn page(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = Clock::system(console.app.clock.tz()).today();
    let (period, error) = chosen_period(&q, Period::quarter_of(today).previous());
    let unit = rows_of(&session).ok().flatten();
    let exports: Vec<_> = Export::ALL
        .into_iter()
        .map(|e| {
            context! {
                title => e.title(period),
                links => Format::ALL.into_iter().map(|f| context! {
                    href => format!("/download/{period}/{}.{}", e.code(), f.extension()),
                    label => f.extension().to_uppercase(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let draft = session.user.role.sees_all().then(|| {
        context! {
            title => notice::title(period, &console.app.settings.report.area),
            links => DRAFT_FORMATS.iter().map(|f| context! {
                href => format!("/download/{period}/notice.{f}"),
                label => if *f == "docx" { "Word" } else { "HTML" },
            }).collect::<Vec<_>>(),
        }
    });
    let html = templates::render(
        "reports.html",
        context! {
            ..page_context(&session),
            ..context! {
            active => "reports",
            action => "/reports",
            period => period.to_string(),
            period_zh => period.label_zh(),
            choices => period_choices(today).into_iter()
                .map(|(code, label)| context! { code, label })
                .collect::<Vec<_>>(),
            typed => q.period.as_deref().unwrap_or(""),
            error,
            unit,
            exports,
            draft,
            },
        },
    );
    Html(html).into_response()
}

/// `/download/{period}/{file}`: `findings.xlsx` … (an export), `notice.html` or
/// `notice.docx` (the 通报 draft).
pub async fn download(
    State(console): State<Arc<Console>>,
    Extension(session): Extension<Session>,
    Path((period, file)): Path<(String, String)>,
) -> Response {
    let Ok(period) = period.parse::<Period>() else {
        return not_found();
    };
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return not_found();
    };
    let Ok(unit) = rows_of(&session) else {
        return not_found();
    };
    if stem == "notice" {
        if !session.user.role.sees_all() || !DRAFT_FORMATS.contains(&ext) {
            return not_found();
        }
        let catalog = console.catalog();
        let app = app_now(&console);
        let draft = match files::notice(&app, &console.store, &catalog, period).await {
            Ok(n) => n,
            Err(e) => return files_failed(e),
        };
        let bytes = if ext == "docx" {
            match draft.docx() {
                Ok(b) => b,
                Err(e) => return files_failed(e.into()),
            }
        } else {
            draft.html().into_bytes()
        };
        let ascii = format!("notice-{period}.{ext}");
        let name = format!("{}.{ext}", draft.title);
        tracing::info!(user = %session.user.name, file, %period, "console: 通报 draft downloaded");
        return attachment(bytes, content_type(ext), &ascii, &name);
    }
    let (Some(what), Some(format)) = (Export::from_code(stem), Format::from_extension(ext)) else {
        return not_found();
    };
    let catalog = console.catalog();
    let app = app_now(&console);
    let cut = Cut {
        unit,
        channel: None,
    };
    let bytes = match files::export(&app, &console.store, &catalog, what, period, format, cut).await
    {
        Ok(b) => b,
        Err(e) => return files_failed(e),
    };
    let (ascii, name) = match unit {
        Some(u) => (
            format!("{stem}-{period}-unit.{ext}"),
            format!("{}（{u}）.{ext}", what.title(period)),
        ),
        None => (
            format!("{stem}-{period}.{ext}"),
            format!("{}.{ext}", what.title(period)),
        ),
    };
    tracing::info!(user = %session.user.name, file, %period, "console: export downloaded");
    attachment(bytes, content_type(ext), &ascii, &name)
}

/// The content type of a file by its extension.
fn content_type(ext: &str) -> &'static str {
    match ext {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "csv" => "text/csv; charset=utf-8",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

fn attachment(bytes: Vec<u8>, content_type: &'static str, ascii: &str, name: &str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&content_disposition(ascii, name)) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// `attachment; filename="findings-2020Q3.xlsx"; filename*=UTF-8''…`: an ASCII name for
/// old clients, the Chinese name percent-encoded as RFC 5987 says for the others.
pub fn content_disposition(ascii: &str, name: &str) -> String {
    let ascii: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chinese_name_is_percent_encoded_after_an_ascii_one() {
        assert_eq!(
            content_disposition("findings-2020Q3.xlsx", "2020年三季度问题清单.xlsx"),
            "attachment; filename=\"findings-2020Q3.xlsx\"; \
             filename*=UTF-8''2020%E5%B9%B4%E4%B8%89%E5%AD%A3%E5%BA%A6%E9%97%AE%E9%A2%98%E6%B8%85%E5%8D%95.xlsx"
        );
        // Quotes, spaces and separators never break out of the header's syntax.
        let h = content_disposition("a\"b c;.csv", "a\"b c;（x）.csv");
        assert!(
            h.starts_with("attachment; filename=\"a_b_c_.csv\"; filename*=UTF-8''a%22b%20c%3B")
        );
    }

    #[test]
    fn periods_offered_are_this_and_last_quarter_and_recent_months() {
        let day = NaiveDate::from_ymd_opt(2020, 10, 8).unwrap();
        let codes: Vec<String> = period_choices(day).into_iter().map(|(c, _)| c).collect();
        assert_eq!(codes, ["2020Q4", "2020Q3", "2020-10", "2020-09", "2020-08"]);
        assert_eq!(period_choices(day)[1].1, "上季度（2020年三季度）");
        let q = |p: &str| PeriodQuery {
            period: Some(p.into()),
        };
        let default = Period::quarter_of(day);
        assert_eq!(
            chosen_period(&q("2020-W05"), default),
            ("2020-W05".parse().unwrap(), None)
        );
        assert_eq!(chosen_period(&q(" "), default), (default, None));
        let (p, error) = chosen_period(&q("上季度"), default);
        assert_eq!(p, default);
        assert!(error.is_some_and(|e| e.contains("无法识别的期间“上季度”")));
    }
}
