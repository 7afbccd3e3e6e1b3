//! The office console (办公控制台): the web pages `govwatch serve` answers under `/`, for
//! an intranet with no internet access. Server-rendered HTML from templates embedded in
//! the binary (minijinja, escaped by default), one embedded stylesheet, no outside asset.
//!
//! Every page needs a session: without one a page answers 303 to `/login`, a download or
//! a POST 401. Every POST carries the session's CSRF token (checked here, before any
//! handler runs). `/healthz` and `/metrics` are the daemon's and stay open.

pub mod auth;
mod evidence;
pub mod files;
mod findings;
mod overview;
mod progress;
mod ranking;
mod reports;
mod templates;
mod units;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;

use crate::app::App;
use crate::catalog::Catalog;
use crate::store::{NewWork, Store};

/// Bodies of console forms are small; anything larger is refused.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Paths that answer without a session.
const OPEN_PATHS: &[&str] = &["/login", "/static/console.css", "/favicon.ico"];

/// What the console's handlers share.
pub struct Console {
    pub store: Store,
    pub app: Arc<App>,
    trusted: Vec<ipnet::IpNet>,
    secure_cookie: bool,
    /// The jobs of a cycle run for the catalog in use (the daemon's layout), for 二次检查.
    cycle_work: CycleWork,
    /// The catalog in use (the daemon's, replaced on reload): units, columns, accounts.
    catalog: CatalogSource,
}

/// Lays out the jobs of one cycle run (given by the daemon, which knows the catalog).
pub type CycleWork = Box<dyn Fn() -> Vec<NewWork> + Send + Sync>;

/// Hands out the catalog in use (given by the daemon, which reloads it).
pub type CatalogSource = Box<dyn Fn() -> Arc<Catalog> + Send + Sync>;

impl Console {
    pub fn new(app: Arc<App>, store: Store, cycle_work: CycleWork) -> Console {
        let serve = &app.settings.serve;
        Console {
            trusted: auth::trusted_proxies(&serve.trusted_proxies),
            secure_cookie: serve
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https:")),
            store,
            app,
            cycle_work,
            catalog: Box::new(|| Arc::new(Catalog::default())),
        }
    }

    /// The console reading `source` for the catalog in use (without it, an empty one).
    pub fn with_catalog(mut self, source: CatalogSource) -> Console {
        self.catalog = source;
        self
    }

    /// The catalog in use now.
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        (self.catalog)()
    }

    fn session_hours(&self) -> u32 {
        self.app.settings.serve.session_hours.max(1)
    }
}

/// The console's routes, with the session gate in front of them.
pub fn router(console: Arc<Console>) -> Router {
    Router::new()
        .route("/", get(overview::page))
        .route("/units", get(units::list))
        .route("/units/{unit}", get(units::show))
        .route("/findings", get(findings::list))
        .route("/findings/{id}", get(findings::show))
        .route("/findings/{id}/feedback", post(findings::feedback))
        .route("/findings/{id}/dismiss", post(findings::dismiss))
        .route("/findings/{id}/recheck", post(findings::recheck))
        .route("/reports", get(reports::page))
        .route("/download/{period}/{file}", get(reports::download))
        .route("/ranking", get(ranking::page))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/static/console.css", get(stylesheet))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(console.clone(), gate))
        .with_state(console)
}

/// The session gate: finds the request's session and puts it in the request's
/// extensions; refuses what needs one (303 to `/login` for a page, 401 for a download
/// or a POST) and a POST whose CSRF token is not the session's (403).
async fn gate(State(console): State<Arc<Console>>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if OPEN_PATHS.contains(&path.as_str()) {
        return next.run(request).await;
    }
    let session = match auth::session_token(request.headers()) {
        Some(token) => match console
            .store
            .session(&auth::token_digest(&token), Utc::now())
            .await
        {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("console: reading a session failed: {e}");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "数据库暂不可用，请稍后再试",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let Some(session) = session else {
        let is_page = request.method() == Method::GET && !path.starts_with("/download/");
        if is_page {
            let next_url = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            let target = format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(next_url.as_bytes()).collect::<String>()
            );
            return Redirect::to(&target).into_response();
        }
        return (StatusCode::UNAUTHORIZED, "需要登录").into_response();
    };
    if request.method() == Method::POST {
        let (parts, body) = request.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
            return (StatusCode::PAYLOAD_TOO_LARGE, "提交内容过长").into_response();
        };
        let token = url::form_urlencoded::parse(&bytes)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
        if !token.is_some_and(|t| auth::same_token(&t, &session.csrf)) {
            tracing::warn!(user = %session.user.name, path, "console: a POST without the session's CSRF token was refused");
            return (StatusCode::FORBIDDEN, "页面已过期，请刷新后重新提交").into_response();
        }
        request = Request::from_parts(parts, Body::from(bytes));
    }
    request.extensions_mut().insert(session);
    next.run(request).await
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        templates::STYLESHEET,
    )
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Html(templates::not_found())).into_response()
}

#[derive(serde::Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
}

/// The login form's own CSRF token travels in a short-lived cookie beside the form
/// (there is no session yet to keep it).
const LOGIN_COOKIE: &str = "govwatch_login";

fn login_cookie(token: &str, secure: bool) -> String {
    cookie::Cookie::build((LOGIN_COOKIE, token.to_string()))
        .path("/login")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(secure)
        .max_age(cookie::time::Duration::hours(1))
        .build()
        .to_string()
}

/// The login form's token the browser already holds (a page opened twice, in two tabs,
/// or any other request that showed the form again keeps it), else a new one.
fn login_token(headers: &axum::http::HeaderMap) -> String {
    auth::cookie_value(headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .unwrap_or_else(auth::new_token)
}

fn login_form(
    console: &Console,
    headers: &axum::http::HeaderMap,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let token = login_token(headers);
    let html = templates::login(next, &token, error);
    let mut response = (status, Html(html)).into_response();
    if let Ok(v) = HeaderValue::from_str(&login_cookie(&token, console.secure_cookie)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Where to go after logging in: a path on this server, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn login_page(
    State(console): State<Arc<Console>>,
    headers: axum::http::HeaderMap,
    axum::extract::Query(q): axum::extract::Query<LoginQuery>,
) -> Response {
    login_form(
        &console,
        &headers,
        &safe_next(q.next.as_deref()),
        None,
        StatusCode::OK,
    )
}

#[derive(serde::Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login(
    State(console): State<Arc<Console>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let cookie_token = auth::cookie_value(&headers, LOGIN_COOKIE);
    if !cookie_token.is_some_and(|t| auth::same_token(&t, &form.csrf)) {
        return login_form(
            &console,
            &headers,
            &next,
            Some("页面已过期，请重新登录"),
            StatusCode::FORBIDDEN,
        );
    }
    let addr = auth::client_addr(peer, &headers, &console.trusted).to_string();
    let name = form.name.trim();
    let now = Utc::now();
    let failed = console
        .store
        .failed_logins(name, &addr, auth::window_start(now))
        .await;
    let (by_name, by_addr) = match failed {
        Ok(counts) => counts,
        Err(e) => {
            tracing::error!("console: counting failed logins failed: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "数据库暂不可用，请稍后再试",
            )
                .into_response();
        }
    };
    if by_name >= auth::MAX_FAILURES_PER_ACCOUNT || by_addr >= auth::MAX_FAILURES_PER_ADDRESS {
        tracing::warn!(
            user = name,
            addr,
            "console: login refused, too many failures in 15 minutes"
        );
        return login_form(
            &console,
            &headers,
            &next,
            Some("登录失败次数过多，请15分钟后再试"),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let credentials = match console.store.credentials(name).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!("console: reading a user failed: {e}");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "数据库暂不可用，请稍后再试",
            )
                .into_response();
        }
    };
    let password = form.password;
    let user = match credentials {
        Some(c) if c.user.disabled_at.is_none() => {
            let hash = c.password_hash.clone();
            let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash))
                .await
                .unwrap_or(false);
            ok.then_some(c.user)
        }
        _ => None,
    };
    if let Err(e) = console
        .store
        .record_login_attempt(name, &addr, user.is_some(), now)
        .await
    {
        tracing::error!("console: recording a login failed: {e}");
    }
    let Some(user) = user else {
        tracing::info!(user = name, addr, "console: login failed");
        return login_form(
            &console,
            &headers,
            &next,
            Some("用户名或密码错误"),
            StatusCode::UNAUTHORIZED,
        );
    };
    let token = auth::new_token();
    let hours = console.session_hours();
    let opened = console
        .store
        .open_session(
            &auth::token_digest(&token),
            user.id,
            &auth::new_token(),
            &addr,
            now,
            now + chrono::Duration::hours(i64::from(hours)),
        )
        .await;
    if let Err(e) = opened {
        tracing::error!("console: opening a session failed: {e}");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "数据库暂不可用，请稍后再试",
        )
            .into_response();
    }
    tracing::info!(user = %user.name, role = %user.role, addr, "console: logged in");
    let mut response = Redirect::to(&next).into_response();
    let cookie = auth::session_cookie(Some(&token), console.secure_cookie, hours);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

async fn logout(State(console): State<Arc<Console>>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = auth::session_token(&headers)
        && let Err(e) = console
            .store
            .close_session(&auth::token_digest(&token), Utc::now())
            .await
    {
        tracing::error!("console: closing a session failed: {e}");
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::session_cookie(None, console.secure_cookie, 0)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
