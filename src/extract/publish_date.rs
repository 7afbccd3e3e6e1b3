//! Which of a list row's dates is the publish date.
//!
//! 政府信息公开目录 tables and policy lists print two dates per row: 成文日期 (or 发文日期,
//! 印发日期) and 发布日期 (or 发布时间, 生成日期, 公开日期). Updates count by the publish
//! date, so a row with two different dates takes, in this order:
//!
//! 1. the date labelled as the publish date, by the table's header row or by a label
//!    beside it (`发布日期：2020-09-28`);
//! 2. else, when one date is labelled 成文日期 / 发文日期 / 印发日期, the other one;
//! 3. else the date that equals the item URL's date (`t20200928_…`);
//! 4. else the later of the two.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::ElementRef;

use super::dates::{find_date, parse_date_cell};
use super::dom::{normalize, sel, text_nodes, text_of};

static PUBLISH_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"发布|生成日期|生成时间|公开日期|公开时间|上网日期|上网时间|发稿").unwrap()
});
static WRITTEN_LABEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"成文|发文日期|发文时间|印发|签发|制发|生效|施行|实施").unwrap());
/// A label and the date after it in running text: `成文日期：2020-09-20 发布日期：…`.
static LABELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(发布日期|发布时间|生成日期|生成时间|公开日期|公开时间|上网日期|成文日期|成文时间|发文日期|发文时间|印发日期|签发日期|施行日期|实施日期)\s*[:：]?",
    )
    .unwrap()
});

/// A date found in a row, with the label that names it, if any.
#[derive(Debug, Clone)]
struct RowDate {
    date: NaiveDate,
    label: Option<String>,
}

/// The date a row shows for its item, choosing the publish date when it shows two.
/// Date cells inside the title link count too; `url_date` is the date in the item's
/// URL. Labelled dates in running text are [`labelled_date`]'s.
pub(crate) fn row_date(
    el: ElementRef<'_>,
    today: NaiveDate,
    year_hint: Option<i32>,
    url_date: Option<NaiveDate>,
) -> Option<NaiveDate> {
    // Each date cell with the label printed in it (`发布日期：…`) and its column.
    let mut cells: Vec<(NaiveDate, Option<String>, Option<usize>)> = Vec::new();
    // Date cells may sit inside the title link too (`<a><span>标题</span><span>10-12</span></a>`).
    for node in text_nodes(el) {
        let Some(t) = node.value().as_text() else {
            continue;
        };
        let Some(f) = parse_date_cell(t, today, year_hint) else {
            continue;
        };
        let inline = LABELLED
            .find(t)
            .map(|m| m.as_str().trim_end_matches([':', '：']).trim().to_string());
        let column = || {
            let cell = node
                .ancestors()
                .filter_map(ElementRef::wrap)
                .take_while(|a| a.id() != el.id())
                .last()?;
            el.child_elements().position(|c| c.id() == cell.id())
        };
        let column = if inline.is_none() { column() } else { None };
        cells.push((f.date, inline, column));
    }
    let distinct =
        |c: &[(NaiveDate, Option<String>, Option<usize>)]| c.iter().any(|(d, _, _)| *d != c[0].0);
    let found: Vec<RowDate> = if !cells.is_empty() && distinct(&cells) {
        // Two dates: the header row names them.
        let headers = header_labels(el);
        cells
            .into_iter()
            .map(|(date, inline, column)| RowDate {
                date,
                label: inline.or_else(|| column.and_then(|i| headers.get(i).cloned())),
            })
            .collect()
    } else {
        cells
            .into_iter()
            .take(1)
            .map(|(date, label, _)| RowDate { date, label })
            .collect()
    };
    if found.len() == 1 {
        return Some(found[0].date);
    }
    match found.len() {
        0 => None,
        1 => Some(found[0].date),
        _ => Some(choose(&found, url_date)),
    }
}

/// The publish date among the labelled dates of a row's running text
/// (`成文日期：2020-09-20 发布日期：2020-09-28 浏览：3`), for rows without date cells.
pub(crate) fn labelled_date(
    text: &str,
    today: NaiveDate,
    url_date: Option<NaiveDate>,
) -> Option<NaiveDate> {
    if !(text.contains("日期") || text.contains("时间")) {
        return None;
    }
    let found = labelled_dates(text, today);
    match found.len() {
        0 => None,
        1 => Some(found[0].date),
        _ => Some(choose(&found, url_date)),
    }
}

fn choose(found: &[RowDate], url_date: Option<NaiveDate>) -> NaiveDate {
    let mut distinct: Vec<NaiveDate> = found.iter().map(|d| d.date).collect();
    distinct.sort();
    distinct.dedup();
    if distinct.len() == 1 {
        return distinct[0];
    }
    let is = |re: &Regex, d: &RowDate| d.label.as_deref().is_some_and(|l| re.is_match(l));
    if let Some(d) = found.iter().find(|d| is(&PUBLISH_LABEL, d)) {
        return d.date;
    }
    if found.iter().any(|d| is(&WRITTEN_LABEL, d))
        && let Some(d) = found.iter().find(|d| !is(&WRITTEN_LABEL, d))
    {
        return d.date;
    }
    if let Some(u) = url_date
        && distinct.contains(&u)
    {
        return u;
    }
    *distinct.last().expect("two dates at least")
}

/// Every labelled date in running text.
fn labelled_dates(text: &str, today: NaiveDate) -> Vec<RowDate> {
    let mut out = Vec::new();
    let marks: Vec<_> = LABELLED.find_iter(text).collect();
    for (i, m) in marks.iter().enumerate() {
        let end = marks.get(i + 1).map_or(text.len(), |n| n.start());
        if let Some(f) = find_date(&text[m.end()..end], today) {
            out.push(RowDate {
                date: f.date,
                label: Some(m.as_str().trim_end_matches([':', '：']).trim().to_string()),
            });
        }
    }
    out
}

/// The labels of a row's columns, from the header row of its table or list: a row of
/// `th`, a `thead`, or a first row (or a block just before the list) of texts without
/// links. Only the first few rows are looked at, so long tables stay linear.
fn header_labels(row: ElementRef<'_>) -> Vec<String> {
    let Some(parent) = row.parent().and_then(ElementRef::wrap) else {
        return Vec::new();
    };
    let labels_of = |h: ElementRef<'_>| -> Option<Vec<String>> {
        if h.id() == row.id() || h.select(sel("a[href]")).next().is_some() {
            return None;
        }
        let cells: Vec<String> = h.child_elements().map(|c| normalize(&text_of(c))).collect();
        let named = cells
            .iter()
            .filter(|c| c.contains("日期") || c.contains("时间"))
            .count();
        (named > 0 && cells.len() >= 2).then_some(cells)
    };
    // A header row among the first rows of the same parent.
    for h in parent.child_elements().take(3) {
        if let Some(l) = labels_of(h) {
            return l;
        }
    }
    // `<thead><tr><th>…` before a `<tbody>`; a `div.title` of labels before a `<ul>`.
    for before in parent.prev_siblings().filter_map(ElementRef::wrap).take(2) {
        if let Some(l) = labels_of(before) {
            return l;
        }
        for h in before.child_elements().take(2) {
            if let Some(l) = labels_of(h) {
                return l;
            }
        }
    }
    Vec::new()
}
