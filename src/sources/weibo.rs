//! `weibo` sources: the public mobile timeline of a user, the JSON that
//! `m.weibo.cn/api/container/getIndex?type=uid&value=UID&containerid=107603UID` returns
//! (the API RSSHub and most Weibo bridges read).
//!
//! `data.cards[]` holds posts as `mblog` (card_type 9), sometimes inside a
//! `card_group`. `created_at` is `Tue Jan 07 10:31:00 +0800 2020` on most answers and
//! relative on some (`刚刚`, `5分钟前`, `昨天 10:31`, `01-07`): those are resolved against
//! the run's clock in the configured time zone. A post with `retweeted_status` is a
//! repost (`original = false`). `ok: -100` means Weibo wants a login (a cookie).

use serde_json::Value;

use super::{
    Parsed, PostSource, Skipped, SourceError, SourceRequest, base_url, join, looks_like_html,
    plain_title,
};
use crate::catalog::{Account, SourceKind};
use crate::clock::Clock;
use crate::config::SourceSettings;
use crate::extract::dates::parse_post_time;
use crate::observe::NewPost;

/// Where the public mobile API lives unless `[sources.weibo] base_url` says otherwise.
pub const DEFAULT_BASE_URL: &str = "https://m.weibo.cn";

/// Where a post can be seen by people (evidence links), whatever the API's base URL.
const POST_PAGE: &str = "https://m.weibo.cn/status/";

pub struct WeiboSource;

impl PostSource for WeiboSource {
    fn kind(&self) -> SourceKind {
        SourceKind::Weibo
    }

    fn request(
        &self,
        account: &Account,
        settings: &SourceSettings,
    ) -> Result<Option<SourceRequest>, SourceError> {
        let uid = account
            .source
            .uid
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                SourceError::NotConfigured(format!(
                    "account \"{}\" has a weibo source without a numeric uid: write source = {{ kind = \"weibo\", uid = \"1234567890\" }} (the number in the account's page address weibo.com/u/…)",
                    account.name
                ))
            })?;
        let base = base_url(&settings.weibo, "weibo", DEFAULT_BASE_URL)?;
        let mut url = join(&base, "api/container/getIndex");
        url.query_pairs_mut()
            .append_pair("type", "uid")
            .append_pair("value", uid)
            .append_pair("containerid", &format!("107603{uid}"));
        let referer = join(&base, &format!("u/{uid}"));
        let mut request = SourceRequest::get(url)
            .header("Accept", "application/json, text/plain, */*")
            .header("X-Requested-With", "XMLHttpRequest")
            .header("MWeibo-Pwa", "1")
            .header("Referer", referer.to_string());
        if let Some(cookie) = &settings.weibo.cookie {
            use secrecy::ExposeSecret;
            request = request.header("Cookie", cookie.expose_secret().to_string());
        }
        Ok(Some(request))
    }

    fn parse(&self, account: &Account, body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
        parse_timeline(body, clock).map_err(|e| match e {
            SourceError::NotFound(m) => SourceError::NotFound(format!(
                "Weibo has no timeline for account \"{}\" (uid {}): {m}",
                account.name,
                account.source.uid.as_deref().unwrap_or("?")
            )),
            other => other,
        })
    }

    fn classify_status(&self, status: u16) -> Option<SourceError> {
        match status {
            // Weibo answers 418 ("I'm a teapot") and 403 to clients it throttles.
            403 | 418 | 429 => Some(SourceError::RateLimited(format!(
                "Weibo answered HTTP {status}: it is throttling govwatch; raise [sources.weibo] min_interval_s"
            ))),
            401 => Some(login_needed("HTTP 401")),
            _ => None,
        }
    }
}

fn login_needed(what: &str) -> SourceError {
    SourceError::ExpiredCredentials(format!(
        "Weibo asks to log in ({what}): put a logged-in m.weibo.cn cookie in [sources.weibo] cookie or GOVWATCH_WEIBO_COOKIE"
    ))
}

/// Reads a getIndex answer.
pub fn parse_timeline(body: &[u8], clock: &Clock) -> Result<Parsed, SourceError> {
    let json: Value = serde_json::from_slice(body).map_err(|e| {
        if looks_like_html(body) {
            let text = String::from_utf8_lossy(body);
            if text.contains("passport.weibo") || text.contains("登录") {
                return login_needed("a login page instead of JSON");
            }
            return SourceError::Malformed(
                "Weibo answered an HTML page instead of the timeline JSON: check [sources.weibo] base_url".into(),
            );
        }
        SourceError::Malformed(format!("Weibo's answer is not JSON: {e}"))
    })?;
    let ok = json.get("ok").and_then(Value::as_i64);
    let msg = json
        .get("msg")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    match ok {
        Some(1) => {}
        Some(-100) => return Err(login_needed("ok: -100")),
        _ if msg.contains("频繁") => {
            return Err(SourceError::RateLimited(format!(
                "Weibo says \"{msg}\": raise [sources.weibo] min_interval_s"
            )));
        }
        Some(0) if msg.contains("没有内容") || msg.contains("不存在") => {
            return Err(SourceError::NotFound(format!(
                "Weibo says \"{msg}\" (the uid is wrong, or the account is closed or has never posted)"
            )));
        }
        Some(code) => {
            return Err(SourceError::Rejected(format!(
                "Weibo answered ok: {code}{}",
                if msg.is_empty() {
                    String::new()
                } else {
                    format!(", \"{msg}\"")
                }
            )));
        }
        None => {
            return Err(SourceError::Malformed(
                "Weibo's answer has no `ok` field: not a getIndex timeline".into(),
            ));
        }
    }
    let cards = json
        .pointer("/data/cards")
        .and_then(Value::as_array)
        .ok_or_else(|| SourceError::Malformed("Weibo's answer has no data.cards list".into()))?;
    let blogs = cards.iter().flat_map(|card| {
        let own = card.get("mblog").into_iter();
        let grouped = card
            .get("card_group")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("mblog"));
        own.chain(grouped)
    });
    let mut parsed = Parsed::default();
    for blog in blogs {
        let id = text_of(blog.get("id"))
            .or_else(|| text_of(blog.get("mid")))
            .or_else(|| text_of(blog.get("idstr")));
        let title = blog
            .get("text")
            .and_then(Value::as_str)
            .and_then(|t| plain_title(t, 80));
        let Some(id) = id else {
            parsed.skipped.push(Skipped {
                entry: title.unwrap_or_else(|| "a post".into()),
                reason: "the post has no id".into(),
            });
            continue;
        };
        let created = blog.get("created_at").and_then(Value::as_str).unwrap_or("");
        let Some(published_at) = parse_post_time(created, clock) else {
            parsed.skipped.push(Skipped {
                entry: title.unwrap_or(id),
                reason: format!("created_at \"{created}\" is no time govwatch can read"),
            });
            continue;
        };
        let page = text_of(blog.get("bid")).unwrap_or_else(|| id.clone());
        parsed.posts.push(NewPost {
            post_key: id,
            title,
            url: Some(format!("{POST_PAGE}{page}")),
            published_at,
            original: Some(blog.get("retweeted_status").is_none_or(Value::is_null)),
        });
    }
    if parsed.posts.is_empty() && !parsed.skipped.is_empty() {
        return Err(SourceError::Malformed(format!(
            "none of Weibo's {} posts could be read ({})",
            parsed.skipped.len(),
            parsed.skipped[0].reason
        )));
    }
    Ok(parsed)
}

/// A JSON string or number as text (Weibo writes ids both ways).
fn text_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
