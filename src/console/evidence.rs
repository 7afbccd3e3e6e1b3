//! The evidence of a finding as the 问题 page shows it: one row per value, its key in
//! Chinese (a table over every key detect's evidence writes, `observe::evidence`; a key
//! the table does not know, as one an older version wrote, shows as stored), and a link
//! only for an http(s) URL: crawled text is hostile, a `javascript:` URL stays text.

use minijinja::context;

/// Every key detect's evidence writes (observe::evidence) with its Chinese label, in
/// the order the page shows them: where the problem is, what it is, how it was seen.
const LABELS: &[(&str, &str)] = &[
    ("site", "网站"),
    ("column", "栏目名称"),
    ("columns", "栏目"),
    ("units", "保障单位"),
    ("unit", "责任单位"),
    ("url", "网址"),
    ("page", "页面"),
    ("title", "标题"),
    ("where", "位置"),
    ("published_on", "发布日期"),
    ("attachment", "附件"),
    ("platform", "平台"),
    ("account", "账号名称"),
    ("accounts", "账号"),
    ("operator", "开设主体"),
    ("level", "级别"),
    ("opened_on", "开设日期"),
    ("closed_on", "注销日期"),
    ("last_post", "最后发布"),
    ("days_silent", "未更新天数"),
    ("last_original", "最后原创"),
    ("channel", "渠道"),
    ("mailbox", "信箱"),
    ("number", "编号"),
    ("received_on", "收到日期"),
    ("received_known", "收到日期已知"),
    ("deadline_on", "办理期限"),
    ("reply_days", "答复时限（工作日）"),
    ("days_unanswered", "未答复天数"),
    ("class", "栏目类别"),
    ("last_update", "最后更新"),
    ("days_since", "距今天数"),
    ("limit_days", "期限（天）"),
    ("limit_months", "期限（月）"),
    ("period", "期间"),
    ("quota", "应更新条数"),
    ("published", "实际更新条数"),
    ("week_start", "周开始"),
    ("week_end", "周结束"),
    ("posts", "发布条数"),
    ("originals", "原创条数"),
    ("reposts", "转发条数"),
    ("outcome", "检查结果"),
    ("status", "状态码"),
    ("failure", "失败类型"),
    ("detail", "详情"),
    ("consecutive_failures", "连续失败次数"),
    ("host", "主机"),
    ("window_days", "统计天数"),
    ("probes", "探测次数"),
    ("failed", "失败次数"),
    ("fail_share", "失败比例"),
    ("blocked_probes", "被拦截次数"),
    ("on_home_page", "位于首页"),
    ("pages", "所在页面"),
    ("anchor", "链接文字"),
    ("links", "链接"),
    ("how", "隐藏方式"),
    ("text", "原文"),
    ("wrong", "错误表述"),
    ("right", "正确表述"),
    ("category", "类别"),
    ("words", "命中词"),
    ("id_numbers", "身份证号个数"),
    ("mobiles", "手机号个数"),
    ("bank_cards", "银行卡号个数"),
    ("hits", "命中"),
    ("data", "数据类型"),
    ("masked", "脱敏内容"),
    ("position", "字符位置"),
    ("context", "上下文"),
    ("seen_in", "发现来源"),
    ("detected_on", "监测日期"),
];

/// The Chinese label of an evidence key; `None` for a key the table does not know.
fn evidence_label(key: &str) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, label)| *label)
}

/// Where a key comes in [`LABELS`] (unknown keys last, in stored order).
fn rank(key: &str) -> usize {
    LABELS
        .iter()
        .position(|(k, _)| *k == key)
        .unwrap_or(LABELS.len())
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
    fn scalar(v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Bool(b) => Some(crate::report::yes_no(*b).to_string()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    fn push(prefix: &str, text: String, out: &mut Vec<minijinja::Value>) {
        let link = url::Url::parse(&text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(|u| u.to_string());
        out.push(context! { field => evidence_field(prefix), key => prefix, text, link });
    }
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut Vec<minijinja::Value>) {
        match v {
            serde_json::Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by_key(|(k, _)| rank(k));
                for (k, v) in entries {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            // A list of names (保障单位, 命中词 …) is one row, joined as the notices join.
            serde_json::Value::Array(items)
                if items.len() > 1 && items.iter().all(|v| scalar(v).is_some()) =>
            {
                let texts: Vec<String> = items.iter().take(200).filter_map(scalar).collect();
                out.push(context! {
                    field => evidence_field(prefix), key => prefix, text => texts.join("、"), link => (),
                });
            }
            serde_json::Value::Array(items) if items.len() == 1 && scalar(&items[0]).is_some() => {
                walk(prefix, &items[0], out);
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate().take(200) {
                    walk(&format!("{prefix}[{}]", i + 1), v, out);
                }
            }
            serde_json::Value::Null => {}
            other => {
                if let Some(text) = scalar(other) {
                    push(prefix, text, out);
                }
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
        assert_eq!(evidence_field("made_up"), "made_up");
        let rows = evidence_rows(&serde_json::json!({
            "url": "javascript:alert(1)",
            "pages": [
                {"page": "https://example.gov.cn/a.html", "anchor": "<b>x</b>"},
                {"page": "https://example.gov.cn/b.html", "anchor": "y"},
            ],
            "units": ["财政局", "旧改办"],
            "on_home_page": true,
            "site": "区政府",
        }));
        let get = |i: usize, attr: &str| rows[i].get_attr(attr).unwrap();
        let fields: Vec<String> = (0..rows.len())
            .map(|i| get(i, "field").to_string())
            .collect();
        // In the table's order: where first, then what was seen.
        assert_eq!(
            fields,
            [
                "网站",
                "保障单位",
                "网址",
                "位于首页",
                "所在页面1 · 页面",
                "所在页面1 · 链接文字",
                "所在页面2 · 页面",
                "所在页面2 · 链接文字",
            ]
        );
        assert_eq!(get(1, "text").as_str(), Some("财政局、旧改办"));
        assert_eq!(get(3, "text").as_str(), Some("是"));
        assert_eq!(
            get(4, "link").as_str(),
            Some("https://example.gov.cn/a.html")
        );
        assert_eq!(get(2, "key").as_str(), Some("url"));
        assert!(get(2, "link").is_none(), "a javascript: URL is no link");
    }
}
