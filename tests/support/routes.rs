//! The standard fixture routes, modelled on what government sites really answer.
//!
//! | route | answer |
//! | --- | --- |
//! | `/ok` | a small UTF-8 page |
//! | `/pages/{*file}` | a file from `tests/fixtures/pages/`, bytes as stored, `text/html` without charset for `.html`/`.htm` |
//! | `/charset/gbk` | GBK page, header `charset=GBK` |
//! | `/charset/lying-header` | GBK page with `<meta … charset=gb2312>`, header says `utf-8` |
//! | `/charset/lying-header-no-meta` | GBK page without meta, header says `utf-8` |
//! | `/charset/meta-only` | GBK page, `<meta charset="gbk">`, header without charset |
//! | `/charset/utf8` | UTF-8 page, header `charset=utf-8` |
//! | `/slow/{ms}` | waits, then a page |
//! | `/slowloris` | headers at once, then one byte a second for 30 s |
//! | `/endless` | a body that never ends |
//! | `/large/{bytes}` | a body of that size with Content-Length |
//! | `/large-chunked/{bytes}` | the same, streamed without Content-Length |
//! | `/gzip-bomb` | 64 KB of gzip that inflates to 16 MiB |
//! | `/gzip-broken` | `Content-Encoding: gzip` over bytes that are not gzip |
//! | `/challenge/{412,403,200,521}` | anti-bot JavaScript challenges with that status |
//! | `/status/{code}` | that status, a small body |
//! | `/flaky/{failures}/{key}` | 500 for the first `failures` requests of this path, then a page |
//! | `/retry-after/{secs}/{key}` | 429 with `Retry-After: secs` once, then a page |
//! | `/retry-after-date/{secs}/{key}` | 503 with `Retry-After` as an HTTP date once, then a page |
//! | `/redirect/{n}` | a chain of `n` redirects ending at a page |
//! | `/redirect-to?to=URL` | 302 to `URL` |
//! | `/loop/a`, `/loop/b` | redirect to each other |
//! | `/soft404` | 200 with "页面不存在" |
//! | `/etag` | ETag and Last-Modified; 304 for a matching conditional request |

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Chinese text long enough for charset detection, used in the charset fixtures.
pub const NEWS_ZH: &str = "县人民政府办公室关于做好第三季度政府网站与政务新媒体检查工作的通知。\
    各乡镇人民政府、县政府各部门：根据国务院办公厅有关要求，县政务公开办将于本季度末对全县政府网站和\
    政务新媒体开展检查，重点检查栏目更新、互动回应和信息发布情况，请各单位认真做好自查整改工作。";

pub const LAST_MODIFIED: &str = "Tue, 15 Sep 2020 02:31:00 GMT";
pub const ETAG: &str = "\"govwatch-v1\"";

#[derive(Clone, Default)]
struct Counters(Arc<Mutex<HashMap<String, u32>>>);

impl Counters {
    /// Counts a request to `key`; returns how many came before it.
    fn bump(&self, key: &str) -> u32 {
        let mut map = self.0.lock().unwrap();
        let n = map.entry(key.to_string()).or_insert(0);
        *n += 1;
        *n - 1
    }
}

/// Every standard route (see the module table).
pub fn fixture_routes() -> Router {
    Router::new()
        .route(
            "/ok",
            get(|| async {
                html_utf8(page("", "政府网站首页 <a href=\"/soft404\">链接</a>"))
            }),
        )
        .route("/pages/{*file}", get(static_page))
        .route(
            "/charset/gbk",
            get(|| async { gbk_page("text/html; charset=GBK", "") }),
        )
        .route(
            "/charset/lying-header",
            get(|| async {
                gbk_page(
                    "text/html; charset=utf-8",
                    r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#,
                )
            }),
        )
        .route(
            "/charset/lying-header-no-meta",
            get(|| async { gbk_page("text/html; charset=utf-8", "") }),
        )
        .route(
            "/charset/meta-only",
            get(|| async { gbk_page("text/html", r#"<meta charset="gbk">"#) }),
        )
        .route(
            "/charset/utf8",
            get(|| async { html_utf8(page("", NEWS_ZH)) }),
        )
        .route("/slow/{ms}", get(slow))
        .route("/slowloris", get(slowloris))
        .route("/endless", get(endless))
        .route("/large/{bytes}", get(large))
        .route("/large-chunked/{bytes}", get(large_chunked))
        .route("/gzip-bomb", get(gzip_bomb))
        .route(
            "/gzip-broken",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/html"),
                        (header::CONTENT_ENCODING, "gzip"),
                    ],
                    "<html>this is not gzip</html>",
                )
            }),
        )
        .route("/challenge/{status}", get(challenge))
        .route("/status/{code}", get(status))
        .route("/flaky/{failures}/{key}", get(flaky))
        .route("/retry-after/{secs}/{key}", get(retry_after))
        .route("/retry-after-date/{secs}/{key}", get(retry_after_date))
        .route("/redirect/{n}", get(redirect_chain))
        .route("/redirect-to", get(redirect_to))
        .route(
            "/loop/a",
            get(|| async { redirect(StatusCode::MOVED_PERMANENTLY, "/loop/b") }),
        )
        .route(
            "/loop/b",
            get(|| async { redirect(StatusCode::FOUND, "/loop/a") }),
        )
        .route(
            "/soft404",
            get(|| async {
                html_utf8(page(
                    "",
                    "<h1>页面不存在</h1><p>您访问的页面不存在或已被删除。</p>",
                ))
            }),
        )
        .route("/etag", get(etag))
        .with_state(Counters::default())
}

pub fn page(head: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head>{head}<title>某某县人民政府</title></head><body><div class=\"main\">{body}</div></body></html>"
    )
}

fn html_utf8(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn gbk_page(content_type: &'static str, meta: &str) -> Response {
    let text = page(meta, &format!("<p>{NEWS_ZH}</p>"));
    let (bytes, _, _) = encoding_rs::GBK.encode(&text);
    ([(header::CONTENT_TYPE, content_type)], bytes.into_owned()).into_response()
}

fn redirect(status: StatusCode, to: &str) -> Response {
    (status, [(header::LOCATION, to.to_string())]).into_response()
}

async fn static_page(Path(file): Path<String>) -> Response {
    if file.split('/').any(|part| part == ".." || part.is_empty()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = super::pages_dir().join(&file);
    let Ok(bytes) = tokio::fs::read(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("html" | "htm") => "text/html",
        Some("xml") => "text/xml",
        Some("json") => "application/json",
        Some("js") => "application/javascript",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, content_type)], bytes).into_response()
}

async fn slow(Path(ms): Path<u64>) -> Response {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    html_utf8(page("", "慢"))
}

fn stream_body<S>(stream: S) -> Body
where
    S: futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static,
{
    Body::from_stream(stream)
}

async fn slowloris() -> Response {
    let stream = futures_util::stream::unfold(0u32, |n| async move {
        if n >= 30 {
            return None;
        }
        if n > 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Some((Ok(Bytes::from_static(b"<")), n + 1))
    });
    ([(header::CONTENT_TYPE, "text/html")], stream_body(stream)).into_response()
}

async fn endless() -> Response {
    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
    let stream = futures_util::stream::repeat_with(move || Ok(chunk.clone()));
    ([(header::CONTENT_TYPE, "text/html")], stream_body(stream)).into_response()
}

async fn large(Path(bytes): Path<usize>) -> Response {
    ([(header::CONTENT_TYPE, "text/html")], vec![b'a'; bytes]).into_response()
}

async fn large_chunked(Path(bytes): Path<usize>) -> Response {
    let stream = futures_util::stream::unfold(bytes, |left| async move {
        if left == 0 {
            return None;
        }
        let n = left.min(64 * 1024);
        Some((Ok(Bytes::from(vec![b'a'; n])), left - n))
    });
    ([(header::CONTENT_TYPE, "text/html")], stream_body(stream)).into_response()
}

async fn gzip_bomb() -> Response {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    let bomb = BOMB.get_or_init(|| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..16 {
            gz.write_all(&zeros).unwrap();
        }
        gz.finish().unwrap()
    });
    (
        [
            (header::CONTENT_TYPE, "text/html"),
            (header::CONTENT_ENCODING, "gzip"),
        ],
        bomb.clone(),
    )
        .into_response()
}

/// Ruishu (瑞数) answers 412 with an obfuscated loader; others set a cookie by script.
async fn challenge(Path(status): Path<u16>) -> Response {
    let body = match status {
        412 => {
            r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=84215;$_ts.cd="qxqrrpAlEAaqcGAlqq";</script><script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/c.FxJzG50F.dfe1675.js" r='m'></script></head><body></body></html>"#
        }
        521 => {
            r#"<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')+('c')+('e')+('=')+(-~[]+'')+'|0|'+'abc';location.href=location.pathname+location.search</script>"#
        }
        _ => {
            r#"<html><head><script type="text/javascript">var _0x4e2a=["\x76\x65\x72\x69\x66\x79"];document.cookie="waf_verify="+_0x4e2a[0]+"; path=/";window.location.reload();</script></head><body></body></html>"#
        }
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

async fn status(Path(code): Path<u16>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = format!(
        "<html><head><title>{code}</title></head><body><h1>{code} {}</h1><hr>nginx</body></html>",
        status.canonical_reason().unwrap_or("")
    );
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

async fn flaky(
    State(counters): State<Counters>,
    Path((failures, key)): Path<(u32, String)>,
) -> Response {
    if counters.bump(&format!("flaky/{failures}/{key}")) < failures {
        return (StatusCode::INTERNAL_SERVER_ERROR, "服务器内部错误").into_response();
    }
    html_utf8(page("", "恢复正常"))
}

async fn retry_after(
    State(counters): State<Counters>,
    Path((secs, key)): Path<(u64, String)>,
) -> Response {
    if counters.bump(&format!("retry-after/{secs}/{key}")) == 0 {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, secs.to_string())],
            "请求过于频繁",
        )
            .into_response();
    }
    html_utf8(page("", "恢复正常"))
}

async fn retry_after_date(
    State(counters): State<Counters>,
    Path((secs, key)): Path<(u64, String)>,
) -> Response {
    if counters.bump(&format!("retry-after-date/{secs}/{key}")) == 0 {
        let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(secs));
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, at)],
            "系统维护中",
        )
            .into_response();
    }
    html_utf8(page("", "恢复正常"))
}

async fn redirect_chain(Path(n): Path<u32>) -> Response {
    if n == 0 {
        return html_utf8(page("", "终点"));
    }
    redirect(StatusCode::FOUND, &format!("/redirect/{}", n - 1))
}

async fn redirect_to(RawQuery(query): RawQuery) -> Response {
    let to = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "to")
        .map(|(_, v)| v.into_owned());
    match to {
        Some(to) => redirect(StatusCode::FOUND, &to),
        None => StatusCode::BAD_REQUEST.into_response(),
    }
}

async fn etag(headers: HeaderMap) -> Response {
    let matches_etag = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == ETAG));
    let not_modified_since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
        .is_some_and(|since| since >= httpdate::parse_http_date(LAST_MODIFIED).unwrap());
    let validators = [
        (header::ETAG, HeaderValue::from_static(ETAG)),
        (
            header::LAST_MODIFIED,
            HeaderValue::from_static(LAST_MODIFIED),
        ),
    ];
    if matches_etag || not_modified_since {
        return (StatusCode::NOT_MODIFIED, validators).into_response();
    }
    let list = "<h2>通知公告</h2><ul class=\"list\">\
        <li><a href=\"/tzgg/202310/t20231018_1.html\">关于做好秋冬季森林防火工作的通知</a><span>2023-10-18</span></li>\
        <li><a href=\"/tzgg/202310/t20231009_2.html\">关于国庆节后恢复正常办公的通知</a><span>2023-10-09</span></li>\
        </ul>";
    (validators, html_utf8(page("", list))).into_response()
}
