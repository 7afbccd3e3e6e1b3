//! The evidence of a finding as the 问题 page shows it: one row per value, its key in
//! Chinese (a table over every key detect's evidence writes, `observe::evidence`; a key
//! the table does not know, as one an older version wrote, shows as stored), and a link
//! only for an http(s) URL: crawled text is hostile, a `javascript:` URL stays text.

use minijinja::context;

/// The Chinese label of an evidence key, for every key detect's evidence writes
/// (observe::evidence); `None` for a key this table does not know.
fn evidence_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "url" => "网址",
        "status" => "状态码",
        "last_update" => "最后更新",
        "site" => "网站",
        "column" => "栏目名称",
        "columns" => "栏目",
        "units" => "保障单位",
        "unit" => "责任单位",
        "failure" => "失败类型",
        "consecutive_failures" => "连续失败次数",
        "window_days" => "统计天数",
        "probes" => "探测次数",
        "failed" => "失败次数",
        "fail_share" => "失败比例",
        "host" => "主机",
        "blocked_probes" => "被拦截次数",
        "days_since" => "距今天数",
        "class" => "栏目类别",
        "limit_days" => "期限（天）",
        "limit_months" => "期限（月）",
        "period" => "期间",
        "quota" => "应更新条数",
        "published" => "实际更新条数",
        "outcome" => "检查结果",
        "detail" => "详情",
        "on_home_page" => "位于首页",
        "pages" => "所在页面",
        "page" => "页面",
        "anchor" => "链接文字",
        "where" => "位置",
        "platform" => "平台",
        "account" => "账号名称",
        "accounts" => "账号",
        "detected_on" => "监测日期",
        "last_post" => "最后发布",
        "days_silent" => "未更新天数",
        "opened_on" => "开设日期",
        "closed_on" => "注销日期",
        "operator" => "开设主体",
        "level" => "级别",
        "seen_in" => "发现来源",
        "week_start" => "周开始",
        "week_end" => "周结束",
        "posts" => "发布条数",
        "originals" => "原创条数",
        "reposts" => "转发条数",
        "last_original" => "最后原创",
        "channel" => "渠道",
        "number" => "编号",
        "title" => "标题",
        "received_on" => "收到日期",
        "received_known" => "收到日期已知",
        "deadline_on" => "办理期限",
        "reply_days" => "答复时限（工作日）",
        "days_unanswered" => "未答复天数",
        "mailbox" => "信箱",
        "published_on" => "发布日期",
        "attachment" => "附件",
        "hits" => "命中",
        "text" => "原文",
        "wrong" => "错误表述",
        "right" => "正确表述",
        "category" => "类别",
        "position" => "字符位置",
        "context" => "上下文",
        "data" => "数据类型",
        "masked" => "脱敏内容",
        "id_numbers" => "身份证号个数",
        "mobiles" => "手机号个数",
        "bank_cards" => "银行卡号个数",
        "links" => "链接",
        "how" => "隐藏方式",
        "words" => "命中词",
        _ => return None,
    })
}

/// An evidence path (`pages[2].anchor`) in Chinese (`所在页面2 · 链接文字`); a key the
/// table does not know is shown as it is.
fn evidence_field(path: &str) -> String {
    path.split('.')
        .map(|part| {
            let (key, index) = match part.split_once('[') {
                Some((key, rest)) => (key, rest.trim_end_matches(']')),
                None => (part, ""),
            };
            format!("{}{index}", evidence_label(key).unwrap_or(key))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The evidence as rows of (field, key, text, link): the field in Chinese, the key as
/// stored; a value that is an http(s) URL becomes a link; anything else (a `javascript:`
/// URL among them) stays text.
pub fn evidence_rows(value: &serde_json::Value) -> Vec<minijinja::Value> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<minijinja::Value>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate().take(200) {
                    walk(&format!("{prefix}[{}]", i + 1), v, out);
                }
            }
            serde_json::Value::Null => {}
            other => {
                let text = match other {
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(b) => crate::report::yes_no(*b).to_string(),
                    v => v.to_string(),
                };
                let link = url::Url::parse(&text)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .map(|u| u.to_string());
                out.push(context! { field => evidence_field(prefix), key => prefix, text, link });
            }
        }
    }
    let mut out = Vec::new();
    walk("", value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of every evidence type has a label (a new field fails here until it
    /// gets one). Read from the source: the serialized keys are the field names (but for
    /// `place`, written `where`, and flattened structs, whose fields are written).
    #[test]
    fn every_evidence_key_has_a_label() {
        let source = include_str!("../observe/evidence.rs");
        let mut missing = Vec::new();
        let mut flattened = false;
        for line in source.lines().map(str::trim) {
            if line.starts_with("#[serde(flatten)]") {
                flattened = true;
                continue;
            }
            let Some(rest) = line.strip_prefix("pub ") else {
                continue;
            };
            // A flattened struct's fields are written, not its name.
            if std::mem::take(&mut flattened) {
                continue;
            }
            let Some((name, _)) = rest.split_once(':') else {
                continue;
            };
            if name.contains(' ') || name.contains('(') {
                continue;
            }
            let key = if name == "place" { "where" } else { name };
            if evidence_label(key).is_none() {
                missing.push(key.to_string());
            }
        }
        assert!(
            missing.is_empty(),
            "evidence keys without a label: {missing:?}"
        );
    }

    #[test]
    fn paths_read_in_chinese_and_links_are_http_only() {
        assert_eq!(evidence_field("url"), "网址");
        assert_eq!(evidence_field("pages[2].anchor"), "所在页面2 · 链接文字");
        assert_eq!(evidence_field("units[1]"), "保障单位1");
        assert_eq!(evidence_field("made_up"), "made_up");
        let rows = evidence_rows(&serde_json::json!({
            "url": "javascript:alert(1)",
            "pages": [{"page": "https://example.gov.cn/a.html", "anchor": "<b>x</b>"}],
            "on_home_page": true,
        }));
        let get = |i: usize, attr: &str| rows[i].get_attr(attr).unwrap();
        assert_eq!(rows.len(), 4);
        // Keys come in order: on_home_page, pages[1].anchor, pages[1].page, url.
        assert_eq!(get(0, "text").as_str(), Some("是"));
        assert_eq!(get(1, "field").as_str(), Some("所在页面1 · 链接文字"));
        assert_eq!(
            get(2, "link").as_str(),
            Some("https://example.gov.cn/a.html")
        );
        assert_eq!(get(3, "key").as_str(), Some("url"));
        assert!(get(3, "link").is_none(), "a javascript: URL is no link");
    }
}
