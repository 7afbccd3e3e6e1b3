//! Anti-bot challenges: the answer a protected site gives a client that runs no
//! JavaScript. Such a site is up, it just does not let govwatch in: the failure is
//! `blocked`, never `http` or unreachable, and the operator is told to ask the site's
//! administrators for an allowance (DOMAIN.md, "What government sites look like").
//!
//! A challenge is HTTP 412 (Ruishu 瑞数 and others answer every unknown client with it),
//! or a 200/403/503/521 whose body is a small page that is nothing but script, or that
//! carries the marker of a known web application firewall. A plain JavaScript redirect
//! (`<script>location.href="/portal/"</script>`, common on home pages) is not a
//! challenge: with status 200 a cookie-setting script or a known marker is required.

/// Bodies larger than this are real pages, not challenges.
pub const MAX_CHALLENGE_BYTES: usize = 64 * 1024;

/// Markers of the web application firewalls Chinese government sites sit behind.
const WAF_MARKERS: &[&str] = &[
    "__jsl_clearance", // 加速乐 (Jiasule), status 521
    "$_ts",            // 瑞数 (Ruishu) dynamic protection, status 412
    "wzws_cid",        // 360 网站卫士
    "wzwschallenge",
    "yunsuo_session_verify", // 云锁
    "acw_sc__v2",            // Alibaba Cloud WAF
    "_waf_bd8ce2ce37",       // Alibaba Cloud WAF (slider)
    "safedog",               // 安全狗
    "cf-chl",                // Cloudflare
    "challenge-platform",
];

/// Whether an answer with this status and body is an anti-bot challenge.
pub fn is_challenge(status: u16, body: &[u8]) -> bool {
    if status == 412 {
        return true;
    }
    if !matches!(status, 200 | 403 | 503 | 521)
        || body.is_empty()
        || body.len() > MAX_CHALLENGE_BYTES
    {
        return false;
    }
    let lower = String::from_utf8_lossy(body).to_ascii_lowercase();
    if WAF_MARKERS
        .iter()
        .any(|m| lower.contains(&m.to_ascii_lowercase()))
    {
        return true;
    }
    if !lower.contains("<script") || lower.contains("<a ") {
        return false;
    }
    let script_only = visible_text_len(&lower) < 40;
    match status {
        200 => script_only && lower.contains("document.cookie"),
        _ => script_only,
    }
}

/// Characters of text a reader would see: outside tags, scripts, styles and comments.
fn visible_text_len(html: &str) -> usize {
    let mut count = 0;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        let skip_to =
            |rest: &str, end: &str| rest.find(end).map(|i| i + end.len()).unwrap_or(rest.len());
        let advance = if rest.starts_with("<script") {
            skip_to(rest, "</script>")
        } else if rest.starts_with("<style") {
            skip_to(rest, "</style>")
        } else if rest.starts_with("<!--") {
            skip_to(rest, "-->")
        } else if c == '<' {
            skip_to(rest, ">")
        } else {
            if !c.is_whitespace() {
                count += 1;
            }
            c.len_utf8()
        };
        rest = &rest[advance..];
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUISHU: &str = r#"<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><script type="text/javascript" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;</script><script src="/abc/def.js" r='m'></script></head><body></body></html>"#;
    const COOKIE_CHALLENGE: &str = r#"<html><body><script>document.cookie="verify=8f3a;path=/";location.reload();</script></body></html>"#;
    const JS_REDIRECT: &str = r#"<html><head><script>window.location.href="/col/col123/index.html";</script></head><body></body></html>"#;
    const NGINX_403: &str = "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body></html>";

    #[test]
    fn challenges_are_told_from_pages() {
        for (status, body, blocked) in [
            (412, RUISHU, true),
            (412, "", true),
            (403, COOKIE_CHALLENGE, true),
            (200, COOKIE_CHALLENGE, true),
            (
                521,
                "<script>document.cookie=('__jsl_clearance=1')</script>",
                true,
            ),
            (200, JS_REDIRECT, false),
            (403, JS_REDIRECT, true),
            (403, NGINX_403, false),
            (404, COOKIE_CHALLENGE, false),
            (
                200,
                "<html><body><script>var a=1;</script><p>县人民政府网站欢迎您，本站提供政务公开、办事服务和互动交流。</p></body></html>",
                false,
            ),
        ] {
            assert_eq!(
                is_challenge(status, body.as_bytes()),
                blocked,
                "{status} {body}"
            );
        }
    }
}
