//! `wechat_mp` sources: the article list a WeChat official-account backend returns
//! (`mp.weixin.qq.com/cgi-bin/appmsg?action=list_ex&fakeid=…&token=…`, the way
//! we-mp-rss reads other accounts through the office's own logged-in backend).
//!
//! The token and the cookie come from `[sources.wechat_mp]` (or
//! `GOVWATCH_WECHAT_MP_TOKEN` / `GOVWATCH_WECHAT_MP_COOKIE`); they live hours to days and
//! the operator refreshes them. The answer's `base_resp.ret` tells what went wrong:
//! 200003 (invalid session) and 200040 (invalid token) mean the login expired, 200013
//! is frequency control. An article's time is its `update_time` (when it was sent, as
//! we-mp-rss reads it), else its `create_time`, both Unix seconds.

use secrecy::ExposeSecret;
use serde_json::Value;

use super::{
    Parsed, PostSource, Skipped, SourceError, SourceRequest, base_url, join, looks_like_html,
};
use crate::catalog::{Account, SourceKind};
use crate::clock::Clock;
use crate::config::SourceSettings;
use crate::observe::NewPost;

/// The backend unless `[sources.wechat_mp] base_url` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://mp.weixin.qq.com";

/// Articles asked for per check: the newest few are enough to judge silence.
const PAGE_SIZE: &str = "5";

const RELOGIN: &str = "log in to the WeChat official-account backend again and put the new token and cookie in [sources.wechat_mp] (or GOVWATCH_WECHAT_MP_TOKEN and GOVWATCH_WECHAT_MP_COOKIE)";

pub struct WechatMpSource;

impl PostSource for WechatMpSource {
    fn kind(&self) -> SourceKind {
        SourceKind::WechatMp
    }

    fn request(
        &self,
        account: &Account,
        settings: &SourceSettings,
    ) -> Result<Option<SourceRequest>, SourceError> {
        let fakeid = account
            .source
            .fakeid
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| {
                SourceError::NotConfigured(format!(
                    "account \"{}\" has a wechat_mp source without a fakeid: write source = {{ kind = \"wechat_mp\", fakeid = \"MzA…==\" }} (the account's __biz)",
                    account.name
                ))
            })?;
        let s = &settings.wechat_mp;
        let (Some(token), Some(cookie)) = (&s.token, &s.cookie) else {
            return Err(SourceError::NotConfigured(
                "WeChat official-account sources need a logged-in backend: set [sources.wechat_mp] token and cookie (or GOVWATCH_WECHAT_MP_TOKEN and GOVWATCH_WECHAT_MP_COOKIE)".into(),
            ));
        };
        let base = base_url(s, "wechat_mp", DEFAULT_BASE_URL)?;
        let mut url = join(&base, "cgi-bin/appmsg");
        url.query_pairs_mut()
            .append_pair("action", "list_ex")
            .append_pair("begin", "0")
            .append_pair("count", PAGE_SIZE)
            .append_pair("fakeid", fakeid)
            .append_pair("type", "9")
            .append_pair("query", "")
            .append_pair("token", token.expose_secret())
            .append_pair("lang", "zh_CN")
            .append_pair("f", "json")
            .append_pair("ajax", "1");
        let referer = join(&base, "cgi-bin/appmsg");
        Ok(Some(
            SourceRequest::get(url)
                .secret_param("token")
                .header("Cookie", cookie.expose_secret().to_string())
                .header("Referer", referer.to_string())
                .header("X-Requested-With", "XMLHttpRequest"),
        ))
    }

    fn parse(&self, account: &Account, body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
        parse_list(body, clock).map_err(|e| match e {
            SourceError::NotFound(m) => SourceError::NotFound(format!(
                "account \"{}\" (fakeid {}): {m}",
                account.name,
                account.source.fakeid.as_deref().unwrap_or("?")
            )),
            other => other,
        })
    }

    fn classify_status(&self, status: u16) -> Option<SourceError> {
        match status {
            401 | 403 => Some(SourceError::ExpiredCredentials(format!(
                "the WeChat backend answered HTTP {status}: {RELOGIN}"
            ))),
            429 => Some(SourceError::RateLimited(
                "the WeChat backend answered HTTP 429: raise [sources.wechat_mp] min_interval_s"
                    .into(),
            )),
            _ => None,
        }
    }
}

/// Reads a `list_ex` answer.
pub fn parse_list(body: &[u8], _clock: &Clock) -> Result<Parsed, SourceError> {
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        if looks_like_html(body) {
            // An expired cookie is answered with the login page.
            return SourceError::ExpiredCredentials(format!(
                "the WeChat backend answered its login page instead of JSON: {RELOGIN}"
            ));
        }
        SourceError::Malformed(format!("the WeChat backend's answer is not JSON: {e}"))
    })?;
    let ret = json.pointer("/base_resp/ret").and_then(Value::as_i64);
    let err_msg = json
        .pointer("/base_resp/err_msg")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let said = if err_msg.is_empty() {
        format!("base_resp.ret {}", ret.unwrap_or_default())
    } else {
        format!("base_resp.ret {} \"{err_msg}\"", ret.unwrap_or_default())
    };
    match ret {
        Some(0) => {}
        Some(200003 | 200040) => {
            return Err(SourceError::ExpiredCredentials(format!(
                "the WeChat backend's login has expired ({said}): {RELOGIN}"
            )));
        }
        Some(200013) => {
            return Err(SourceError::RateLimited(format!(
                "the WeChat backend applies frequency control ({said}): it lifts after some hours; raise [sources.wechat_mp] min_interval_s"
            )));
        }
        Some(200002) => {
            return Err(SourceError::NotFound(format!(
                "the WeChat backend refuses the arguments ({said}): check the account's fakeid"
            )));
        }
        Some(_) if err_msg.contains("session") || err_msg.contains("token") => {
            return Err(SourceError::ExpiredCredentials(format!(
                "the WeChat backend refuses the login ({said}): {RELOGIN}"
            )));
        }
        Some(_) => {
            return Err(SourceError::Rejected(format!(
                "the WeChat backend refused the request ({said})"
            )));
        }
        None => {
            return Err(SourceError::Malformed(
                "the WeChat backend's answer has no base_resp.ret: not an article list".into(),
            ));
        }
    }
    let list = json
        .get("app_msg_list")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            SourceError::Malformed(format!(
                "the WeChat backend's answer ({said}) has no app_msg_list"
            ))
        })?;
    let mut parsed = Parsed::default();
    for item in list {
        let title = item
            .get("title")
            .and_then(Value::as_str)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let link = item
            .get("link")
            .and_then(Value::as_str)
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty());
        let key = text_of(item.get("aid"))
            .or_else(|| {
                let id = text_of(item.get("appmsgid"))?;
                let idx = text_of(item.get("itemidx")).unwrap_or_else(|| "1".into());
                Some(format!("{id}_{idx}"))
            })
            .or_else(|| link.clone());
        let time = seconds(item.get("update_time")).or_else(|| seconds(item.get("create_time")));
        let what = title
            .clone()
            .or_else(|| link.clone())
            .unwrap_or_else(|| "an article".into());
        let (Some(key), Some(time)) = (key, time) else {
            parsed.skipped.push(Skipped {
                entry: what,
                reason: "the article has no id or no update_time/create_time".into(),
            });
            continue;
        };
        let Some(published_at) = chrono::DateTime::from_timestamp(time, 0) else {
            parsed.skipped.push(Skipped {
                entry: what,
                reason: format!("update_time {time} is not a time"),
            });
            continue;
        };
        parsed.posts.push(NewPost {
            post_key: key,
            title,
            url: link,
            published_at,
            // The list does not tell reposts from originals reliably.
            original: None,
        });
    }
    if parsed.posts.is_empty() && !parsed.skipped.is_empty() {
        return Err(SourceError::Malformed(format!(
            "none of the {} articles in the WeChat backend's answer could be read",
            parsed.skipped.len()
        )));
    }
    Ok(parsed)
}

fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Unix seconds, written as a number or a numeric string; 0 is no time.
fn seconds(v: Option<&Value>) -> Option<i64> {
    let n = match v? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (n > 0).then_some(n)
}
