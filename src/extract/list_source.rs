//! A column's list read from the endpoint its page's script loads
//! (`[column.select] source = "URL"`), for column pages that are script shells.
//!
//! The endpoint answers JSON (or JSONP) or an HTML fragment. JSON items are found at
//! `items` (a dotted path: `data.list`, `result.records`, `data.0.list`; without it, the
//! first array of objects that have a title), and in each item the fields `title`,
//! `link` and `date` name (without them, the usual names: `title`/`name`, `url`/`link`/
//! `href`, `pubDate`/`publishTime`/`date` …). Dates are texts or epoch numbers. The next
//! page is the endpoint with its page number one up (`pageNo=1` → `pageNo=2`), while pages
//! list items. An HTML fragment is read like a list page, with the column's selectors.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;
use url::Url;

use super::ExtractError;
use super::dates::{self, parse_date_cell};
use super::dom::{normalize, resolve};
use super::list::{DateSource, ListItem, ListOutcome, ListPage, Selectors, dedupe, extract_list};

const TITLE_FIELDS: &[&str] = &[
    "title",
    "name",
    "doctitle",
    "articletitle",
    "subject",
    "bt",
    "infotitle",
    "showtitle",
];
const LINK_FIELDS: &[&str] = &[
    "url",
    "link",
    "href",
    "docurl",
    "articleurl",
    "linkurl",
    "docpuburl",
    "path",
    "detailurl",
    "infourl",
];
const DATE_FIELDS: &[&str] = &[
    "pubdate",
    "publishdate",
    "publishtime",
    "pubtime",
    "releasetime",
    "releasedate",
    "docreltime",
    "fbsj",
    "fbrq",
    "date",
    "time",
    "createtime",
    "createdate",
    "publishedtime",
    "inputdate",
    "infodate",
];

/// Reads what a `source` endpoint answered.
pub fn extract_source(
    body: &str,
    endpoint: &Url,
    select: &Selectors,
    today: NaiveDate,
) -> Result<ListPage, ExtractError> {
    let text = body.trim_start_matches('\u{feff}').trim();
    let Some(json) = parse_json(text) else {
        let html_only = Selectors {
            source: None,
            items: None,
            ..select.clone()
        };
        return extract_list(text, endpoint, Some(&html_only), today);
    };
    let found = match select.items.as_deref() {
        Some(path) => at_path(&json, path),
        None => first_item_array(&json),
    };
    let Some(array) = found.and_then(Value::as_array) else {
        return Ok(unrecognized(match select.items.as_deref() {
            Some(path) => format!("接口返回的JSON中没有数组 {path}"),
            None => "接口返回的JSON中没有条目数组，请在 [column.select] 写 items".into(),
        }));
    };
    let mut items = Vec::new();
    for entry in array {
        let title = field(entry, select.title.as_deref(), TITLE_FIELDS)
            .and_then(Value::as_str)
            .map(strip_tags);
        let link = field(entry, select.link.as_deref(), LINK_FIELDS).and_then(Value::as_str);
        let (Some(title), Some(link)) = (title, link) else {
            continue;
        };
        let Ok(mut url) = resolve(endpoint, link) else {
            continue;
        };
        url.set_fragment(None);
        if title.chars().count() < 2 {
            continue;
        }
        let listed =
            field(entry, select.date.as_deref(), DATE_FIELDS).and_then(|v| date_of(v, today));
        let (date, date_source) = match listed {
            Some(d) => (Some(d), DateSource::List),
            None => match dates::date_from_url(&url, today) {
                Some(d) => (Some(d), DateSource::Url),
                None => (None, DateSource::None),
            },
        };
        items.push(ListItem {
            title,
            url,
            date,
            date_source,
        });
    }
    let all = items.len();
    let items: Vec<ListItem> = dedupe(items)
        .into_iter()
        .filter(|i| i.date.is_none_or(|d| d <= today))
        .collect();
    let next = (!items.is_empty()).then(|| next_page(endpoint)).flatten();
    let mut page = ListPage {
        items,
        next,
        ..ListPage::default()
    };
    if page.items.is_empty() {
        if array.is_empty() {
            page.outcome = ListOutcome::Empty;
            page.empty_reason = Some("接口返回0条".into());
        } else if all > 0 {
            page.outcome = ListOutcome::Empty;
            page.empty_reason = Some(format!("所列条目均晚于{today}"));
        } else {
            return Ok(unrecognized(
                "接口条目中找不到标题和链接字段，请在 [column.select] 写 title 和 link".into(),
            ));
        }
    }
    Ok(page)
}

/// The endpoint's next page, when its query numbers pages (`pageNo=1` → `pageNo=2`).
fn next_page(endpoint: &Url) -> Option<Url> {
    const PAGE_KEYS: &[&str] = &[
        "page",
        "pageno",
        "pagenum",
        "pageindex",
        "curpage",
        "currentpage",
        "pn",
        "p",
    ];
    let pairs: Vec<(String, String)> = endpoint
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let at = pairs.iter().position(|(k, v)| {
        PAGE_KEYS.contains(&k.to_ascii_lowercase().as_str()) && v.parse::<u32>().is_ok()
    })?;
    let mut next = endpoint.clone();
    {
        let mut query = next.query_pairs_mut();
        query.clear();
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i == at {
                let n: u32 = v.parse().ok()?;
                query.append_pair(k, &(n + 1).to_string());
            } else {
                query.append_pair(k, v);
            }
        }
    }
    Some(next)
}

fn unrecognized(reason: String) -> ListPage {
    ListPage {
        outcome: ListOutcome::Unrecognized,
        unrecognized_reason: Some(reason),
        ..ListPage::default()
    }
}

/// JSON, or JSONP (`callback({...});`).
fn parse_json(text: &str) -> Option<Value> {
    if text.starts_with('{') || text.starts_with('[') {
        return serde_json::from_str(text).ok();
    }
    let open = text.find('(')?;
    let name = &text[..open];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.'))
    {
        return None;
    }
    let inner = text[open + 1..].trim_end().trim_end_matches(';').trim_end();
    serde_json::from_str(inner.strip_suffix(')')?).ok()
}

/// `data.list`, `data.0.list`.
fn at_path<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(json, |v, part| match v {
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            Value::Object(o) => o.get(part),
            _ => None,
        })
}

/// The first array (breadth first) whose objects carry a title field.
fn first_item_array(json: &Value) -> Option<&Value> {
    let mut queue = std::collections::VecDeque::from([json]);
    while let Some(v) = queue.pop_front() {
        match v {
            Value::Array(a) => {
                if a.iter()
                    .any(|e| e.is_object() && field(e, None, TITLE_FIELDS).is_some())
                {
                    return Some(v);
                }
                queue.extend(a.iter());
            }
            Value::Object(o) => queue.extend(o.values()),
            _ => {}
        }
    }
    None
}

/// The field `named` (a dotted path), else the first of `usual` present, by name
/// without regard to case.
fn field<'a>(entry: &'a Value, named: Option<&str>, usual: &[&str]) -> Option<&'a Value> {
    if let Some(path) = named {
        return at_path(entry, path);
    }
    let object = entry.as_object()?;
    usual.iter().find_map(|want| {
        object
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(want) && !v.is_null())
            .map(|(_, v)| v)
    })
}

/// A date as text (`2020-09-28 10:00:00`, `2020年9月28日`) or as epoch seconds or
/// milliseconds (read as China time).
fn date_of(v: &Value, today: NaiveDate) -> Option<NaiveDate> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<i64>()
                && s.len() >= 10
            {
                return epoch_day(n, today);
            }
            parse_date_cell(s, today, None)
                .or_else(|| dates::find_date(s, today))
                .map(|f| f.date)
        }
        Value::Number(n) => epoch_day(n.as_i64()?, today),
        _ => None,
    }
}

fn epoch_day(n: i64, today: NaiveDate) -> Option<NaiveDate> {
    let secs = if n > 100_000_000_000 { n / 1000 } else { n };
    let china = chrono::FixedOffset::east_opt(8 * 3600)?;
    let day = DateTime::from_timestamp(secs, 0)?
        .with_timezone(&china)
        .date_naive();
    dates::is_plausible(day, today).then_some(day)
}

fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    normalize(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn read(body: &str, endpoint: &str, select: Selectors) -> ListPage {
        extract_source(body, &endpoint.parse().unwrap(), &select, day("2020-12-01")).unwrap()
    }

    #[test]
    fn json_items_by_path_by_default_names_jsonp_and_epochs() {
        let body = r#"{"code":0,"data":{"list":[
            {"title":"<em>县</em>政府召开常务会议","url":"/art/2020/9/28/art_1_1.html","pubDate":"2020-09-28 10:00:00"},
            {"title":"关于秋冬季森林防火的通知","url":"detail?id=2","pubDate":1601164800000},
            {"title":"下周的会议通知","url":"detail?id=3","pubDate":"2020-12-05"}
        ],"total":3}}"#;
        let endpoint = "http://www.a.gov.cn/api/list?columnId=9&pageNo=1";
        let page = read(
            body,
            endpoint,
            Selectors {
                items: Some("data.list".into()),
                ..Selectors::default()
            },
        );
        let got: Vec<(&str, &str, Option<NaiveDate>)> = page
            .items
            .iter()
            .map(|i| (i.title.as_str(), i.url.as_str(), i.date))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "县政府召开常务会议",
                    "http://www.a.gov.cn/art/2020/9/28/art_1_1.html",
                    Some(day("2020-09-28"))
                ),
                (
                    "关于秋冬季森林防火的通知",
                    "http://www.a.gov.cn/api/detail?id=2",
                    Some(day("2020-09-27"))
                ),
            ],
            "tags stripped, epoch milliseconds in China time, the future left out"
        );
        assert_eq!(
            page.next.as_ref().map(Url::as_str),
            Some("http://www.a.gov.cn/api/list?columnId=9&pageNo=2")
        );

        // JSONP, no path: the first array of titled objects; named fields.
        let jsonp = r#"cb({"result":{"rows":[{"docTitle":"县长接待日安排","link":"/a/1.html","t":"2020年9月3日"}]}});"#;
        let page = read(
            jsonp,
            "http://www.a.gov.cn/api/x",
            Selectors {
                date: Some("t".into()),
                ..Selectors::default()
            },
        );
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].date, Some(day("2020-09-03")));
        assert_eq!(page.next, None, "no page number to raise");
    }

    #[test]
    fn an_empty_array_is_empty_and_a_wrong_path_is_unrecognized() {
        let empty = read(
            r#"{"data":{"list":[]}}"#,
            "http://www.a.gov.cn/api/list",
            Selectors {
                items: Some("data.list".into()),
                ..Selectors::default()
            },
        );
        assert_eq!(empty.outcome, ListOutcome::Empty);
        assert_eq!(empty.empty_reason.as_deref(), Some("接口返回0条"));
        let wrong = read(
            r#"{"data":{"list":[]}}"#,
            "http://www.a.gov.cn/api/list",
            Selectors {
                items: Some("data.rows".into()),
                ..Selectors::default()
            },
        );
        assert_eq!(wrong.outcome, ListOutcome::Unrecognized);
        assert!(wrong.unrecognized_reason.unwrap().contains("data.rows"));
    }
}
