//! A mailbox's (信箱, 留言板) list page and letter pages, read into letters: title, link,
//! 来信日期 (received), 回复/办结日期 (replied), status (已回复, 办理中 …), 承办单位 and
//! 类别.
//!
//! The rules of 政民互动 (message_overdue, interaction_unanswered) count letters by these
//! dates, so this is where a page becomes `[(title, url, received, replied, status)]`.
//! Detection is automatic: a table whose header names the fields (来信时间, 办理状态,
//! 承办单位 …, the Hanweb 信件列表), else the repeated block whose rows carry letter
//! signs (a status word, a date, a title link): a TRS list with status badges, a 留言板
//! with each reply under its letter, letters whose dates show only on their own page,
//! 不公开 letters that show a title only. Dates with a label (`留言时间：`, `回复时间：`)
//! go where the label says; unlabelled ones are received first, replied second. A
//! mailbox's `[mailbox.select]` selectors override any part.
//!
//! Pure: text and URLs in, facts out; `today` only bounds dates.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;
use scraper::{ElementRef, Html, Selector};
use serde::Serialize;
use url::Url;

use super::ExtractError;
use super::dates::{find_date, parse_date_cell};
use super::dom::{
    Region, effective_base, is_furniture_text, normalize, parse_selector, region_of, resolve, sel,
    text_of,
};
use super::pager;

/// A mailbox's CSS selectors (`[mailbox.select]` in the catalog); each part is optional.
/// `item` selects the letters' rows; the others are read inside a row (`next` in the page).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MailboxSelectors {
    pub item: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    pub received: Option<String>,
    pub replied: Option<String>,
    pub status: Option<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub next: Option<String>,
}

impl MailboxSelectors {
    /// The keys of a `[mailbox.select]` table.
    pub const KEYS: &'static [&'static str] = &[
        "item", "title", "link", "received", "replied", "status", "unit", "category", "next",
    ];

    /// The slot of a key of [`Self::KEYS`].
    pub fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "item" => &mut self.item,
            "title" => &mut self.title,
            "link" => &mut self.link,
            "received" => &mut self.received,
            "replied" => &mut self.replied,
            "status" => &mut self.status,
            "unit" => &mut self.unit,
            "category" => &mut self.category,
            "next" => &mut self.next,
            _ => return None,
        })
    }

    /// Checks every selector without a page, for `catalog check`.
    pub fn check(&self) -> Result<(), ExtractError> {
        Compiled::of(Some(self)).map(|_| ())
    }
}

/// Where a letter stands, by its status text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LetterState {
    /// 已回复, 已答复, 已办结, 不予受理 (answered by a refusal).
    Answered,
    /// 办理中, 待回复, 未回复, 已受理 …
    Open,
    /// 已撤回, 撤单: the writer withdrew it; it counts as nothing to answer.
    Withdrawn,
    /// No status shown.
    Unknown,
}

impl LetterState {
    pub fn as_str(self) -> &'static str {
        match self {
            LetterState::Answered => "answered",
            LetterState::Open => "open",
            LetterState::Withdrawn => "withdrawn",
            LetterState::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> LetterState {
        match s {
            "answered" => LetterState::Answered,
            "open" => LetterState::Open,
            "withdrawn" => LetterState::Withdrawn,
            _ => LetterState::Unknown,
        }
    }

    /// The state a status text says (`已回复` → answered, `待回复` → open).
    pub fn of_status(status: &str) -> LetterState {
        const WITHDRAWN: [&str; 4] = ["撤回", "撤销", "撤单", "撤诉"];
        const REFUSED: [&str; 2] = ["不予受理", "不受理"];
        const OPEN: [&str; 13] = [
            "办理中",
            "处理中",
            "待回复",
            "未回复",
            "待答复",
            "未答复",
            "待处理",
            "未办结",
            "待办理",
            "已受理",
            "待受理",
            "正在办理",
            "转办",
        ];
        const ANSWERED: [&str; 9] = [
            "已回复",
            "已答复",
            "已办结",
            "已处理",
            "已反馈",
            "已完成",
            "已解决",
            "办结",
            "回复",
        ];
        if WITHDRAWN.iter().any(|w| status.contains(w)) {
            LetterState::Withdrawn
        } else if REFUSED.iter().any(|w| status.contains(w)) {
            LetterState::Answered
        } else if OPEN.iter().any(|w| status.contains(w)) {
            LetterState::Open
        } else if ANSWERED.iter().any(|w| status.contains(w)) {
            LetterState::Answered
        } else {
            LetterState::Unknown
        }
    }
}

/// One letter as a list page (or its own page) shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Letter {
    pub title: String,
    /// The letter's page; `None` for a letter shown as a title only (不公开).
    pub url: Option<Url>,
    /// 来信日期, if shown.
    pub received: Option<NaiveDate>,
    /// 回复日期 or 办结日期, if shown.
    pub replied: Option<NaiveDate>,
    /// The status as written (`已回复`).
    pub status: Option<String>,
    pub state: LetterState,
    /// 承办单位 as written.
    pub unit: Option<String>,
    /// 类别, as the seeds name them where recognized (问题咨询, 意见建议, 举报, 求助, 投诉).
    pub category: Option<String>,
}

impl Letter {
    /// Whether the page shows it answered: an answered status or a reply date.
    pub fn answered(&self) -> bool {
        self.state == LetterState::Answered
            || (self.replied.is_some() && self.state != LetterState::Withdrawn)
    }

    /// Whether reading the letter's own page could tell more: it has a page, and the
    /// list shows neither its received date nor, when answered, its reply date.
    pub fn needs_page(&self) -> bool {
        self.url.is_some()
            && (self.received.is_none() || (self.answered() && self.replied.is_none()))
    }
}

/// What a mailbox's list page says.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MailboxPage {
    /// In page order.
    pub letters: Vec<Letter>,
    pub next: Option<Url>,
}

/// What a letter's own page adds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct LetterPage {
    pub received: Option<NaiveDate>,
    pub replied: Option<NaiveDate>,
    pub status: Option<String>,
    pub unit: Option<String>,
    pub category: Option<String>,
}

/// The identity of each letter of a page, in page order: its URL, else `title:TITLE`
/// (with `#2`, `#3` … for the same title again, counted from the bottom of the page, the
/// oldest, so new letters on top keep older keys).
pub fn letter_keys(letters: &[Letter]) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut keys: Vec<String> = letters
        .iter()
        .rev()
        .map(|l| match &l.url {
            Some(u) => u.to_string(),
            None => {
                let n = seen.entry(l.title.as_str()).or_default();
                *n += 1;
                if *n == 1 {
                    format!("title:{}", l.title)
                } else {
                    format!("title:{}#{n}", l.title)
                }
            }
        })
        .collect();
    keys.reverse();
    keys
}

/// The seeds' five categories, from what a site writes (`咨询`, `建议`, `投诉类`).
pub fn category_name(raw: &str) -> String {
    let raw = raw
        .trim()
        .trim_matches(|c| matches!(c, '[' | ']' | '【' | '】'));
    for (word, name) in [
        ("咨询", "问题咨询"),
        ("建议", "意见建议"),
        ("意见", "意见建议"),
        ("举报", "举报"),
        ("求助", "求助"),
        ("投诉", "投诉"),
    ] {
        if raw.contains(word) {
            return name.to_string();
        }
    }
    raw.to_string()
}

struct Compiled {
    item: Option<Selector>,
    title: Option<Selector>,
    link: Option<Selector>,
    received: Option<Selector>,
    replied: Option<Selector>,
    status: Option<Selector>,
    unit: Option<Selector>,
    category: Option<Selector>,
    next: Option<Selector>,
}

impl Compiled {
    fn of(select: Option<&MailboxSelectors>) -> Result<Compiled, ExtractError> {
        let get =
            |part: &'static str, s: Option<&String>| -> Result<Option<Selector>, ExtractError> {
                s.map(|t| parse_selector(part, t)).transpose()
            };
        let s = select.cloned().unwrap_or_default();
        Ok(Compiled {
            item: get("item", s.item.as_ref())?,
            title: get("title", s.title.as_ref())?,
            link: get("link", s.link.as_ref())?,
            received: get("received", s.received.as_ref())?,
            replied: get("replied", s.replied.as_ref())?,
            status: get("status", s.status.as_ref())?,
            unit: get("unit", s.unit.as_ref())?,
            category: get("category", s.category.as_ref())?,
            next: get("next", s.next.as_ref())?,
        })
    }
}

/// Reads a mailbox's list page. Errors only when a selector is not valid CSS.
pub fn extract_mailbox(
    html: &str,
    page: &Url,
    select: Option<&MailboxSelectors>,
    today: NaiveDate,
) -> Result<MailboxPage, ExtractError> {
    let compiled = Compiled::of(select)?;
    let doc = super::dom::parse_document(html);
    let base = effective_base(&doc, page);
    let mut letters = match &compiled.item {
        Some(item) => doc
            .select(item)
            .filter_map(|row| row_letter(row, &base, &compiled, None, today))
            .collect(),
        None => match header_table(&doc) {
            Some((rows, columns)) => rows
                .into_iter()
                .filter_map(|row| row_letter(row, &base, &compiled, Some(&columns), today))
                .collect(),
            None => letter_rows(&doc)
                .into_iter()
                .filter_map(|row| row_letter(row, &base, &compiled, None, today))
                .collect(),
        },
    };
    dedup_letters(&mut letters);
    let next = match &compiled.next {
        Some(s) => doc
            .select(s)
            .find_map(|a| a.attr("href").and_then(|h| resolve(&base, h).ok())),
        None => pager::next_by_label(&doc, &base, page)
            .or_else(|| pager::next_by_number(&doc, &base, page)),
    };
    Ok(MailboxPage { letters, next })
}

/// Reads what a letter's own page says about it (dates, status, unit, category).
pub fn letter_page(html: &str, today: NaiveDate) -> LetterPage {
    let doc = super::dom::parse_document(html);
    let text = text_of(doc.root_element());
    let f = text_fields(&text, today);
    LetterPage {
        received: f.received.or(f.unlabelled.first().copied()),
        replied: f.replied.or(f
            .unlabelled
            .get(1)
            .copied()
            .filter(|_| f.received.is_none())),
        status: f.status,
        unit: f.unit,
        category: f.category.map(|c| category_name(&c)),
    }
}

fn dedup_letters(letters: &mut Vec<Letter>) {
    let mut seen = std::collections::HashSet::new();
    letters.retain(|l| match &l.url {
        Some(u) => seen.insert(u.clone()),
        None => true,
    });
}

/// Which field a table column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Title,
    Received,
    Replied,
    Status,
    Unit,
    Category,
}

fn header_field(text: &str) -> Option<Field> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() || t.chars().count() > 8 {
        return None;
    }
    if t.contains("单位") || t.contains("部门") {
        return Some(Field::Unit);
    }
    if t.contains("时间") || t.contains("日期") {
        let replied = ["回复", "答复", "办结", "处理", "反馈"]
            .iter()
            .any(|w| t.contains(w));
        return Some(if replied {
            Field::Replied
        } else {
            Field::Received
        });
    }
    if t.contains("状态") {
        return Some(Field::Status);
    }
    if t.contains("类别") || t.contains("类型") || t.contains("分类") {
        return Some(Field::Category);
    }
    if ["标题", "主题", "事项", "信件名称", "留言内容"]
        .iter()
        .any(|w| t.contains(w))
    {
        return Some(Field::Title);
    }
    None
}

static CELLS: LazyLock<Selector> = LazyLock::new(|| sel("th, td").clone());

/// A table whose header row names at least two letter fields, one of them a date or a
/// status: its data rows, and which column holds what.
fn header_table(doc: &Html) -> Option<(Vec<ElementRef<'_>>, Vec<Option<Field>>)> {
    let tables = sel("table");
    let trs = sel("tr");
    let mut best: Option<(Vec<ElementRef<'_>>, Vec<Option<Field>>)> = None;
    for table in doc.select(tables) {
        // Rows of this table, not of tables inside it.
        let rows: Vec<ElementRef<'_>> = table
            .select(trs)
            .filter(|r| {
                r.ancestors()
                    .filter_map(ElementRef::wrap)
                    .find(|a| a.value().name() == "table")
                    .is_some_and(|t| t.id() == table.id())
            })
            .collect();
        let Some(at) = rows.iter().position(|r| {
            let fields: Vec<Option<Field>> = r
                .select(&CELLS)
                .map(|c| header_field(&text_of(c)))
                .collect();
            fields.iter().flatten().count() >= 2
                && fields
                    .iter()
                    .flatten()
                    .any(|f| matches!(f, Field::Received | Field::Replied | Field::Status))
        }) else {
            continue;
        };
        let columns: Vec<Option<Field>> = rows[at]
            .select(&CELLS)
            .map(|c| header_field(&text_of(c)))
            .collect();
        let data: Vec<ElementRef<'_>> = rows[at + 1..]
            .iter()
            .copied()
            .filter(|r| r.select(&CELLS).count() >= 2)
            .collect();
        if best.as_ref().is_none_or(|(b, _)| data.len() > b.len()) {
            best = Some((data, columns));
        }
    }
    best
}

/// Siblings alike: tag name and class attribute.
type SiblingKey<'a> = (&'a str, Option<&'a str>);

/// The rows of the page's letter list: the group of like siblings (same tag and class)
/// whose members carry the most letter signs; with none carrying a date or a status, the
/// longest list of title links (letters whose dates show only on their own page).
fn letter_rows(doc: &Html) -> Vec<ElementRef<'_>> {
    let mut groups: Vec<(Vec<ElementRef<'_>>, Vec<usize>)> = Vec::new();
    for parent in doc
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
    {
        let mut siblings: Vec<(SiblingKey<'_>, Vec<ElementRef<'_>>)> = Vec::new();
        for child in parent.children().filter_map(ElementRef::wrap) {
            let key = (child.value().name(), child.value().attr("class"));
            match siblings.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(child),
                None => siblings.push((key, vec![child])),
            }
        }
        for (_, members) in siblings {
            if matches!(members[0].value().name(), "script" | "style" | "head") {
                continue;
            }
            let signs: Vec<usize> = members.iter().map(|m| letter_signs(*m)).collect();
            if signs.iter().any(|s| *s > 0) {
                groups.push((members, signs));
            }
        }
    }
    for (threshold, min_members) in [(2, 1), (1, 2)] {
        let mut best: (usize, Vec<ElementRef<'_>>) = (0, Vec::new());
        for (members, signs) in &groups {
            let strong = signs.iter().filter(|s| **s >= threshold).count();
            if strong < min_members || strong * 3 < members.len() * 2 {
                continue;
            }
            let score: usize = signs.iter().sum();
            if (score > best.0 || (score == best.0 && members.len() > best.1.len()))
                && region_of(members[0]) == Region::Content
            {
                best = (score, members.clone());
            }
        }
        if !best.1.is_empty() {
            return best.1;
        }
    }
    Vec::new()
}

/// How much an element looks like one letter: a status word, a date, a title (capped so
/// that one big wrapper never beats a list of letters).
fn letter_signs(el: ElementRef<'_>) -> usize {
    let text = text_of(el);
    if text.chars().count() < 4 || is_furniture_text(&text) {
        return 0;
    }
    let mut signs = 0;
    if STATUS.is_match(&text) {
        signs += 2;
    }
    if find_date(&text, NaiveDate::MAX).is_some() {
        signs += 1;
    }
    if LABELLED_DATE.is_match(&text) {
        signs += 1;
    }
    if title_link(el).is_some() || title_element(el).is_some() {
        signs += 1;
    }
    signs.min(5)
}

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "已回复|已答复|已办结|已处理|已反馈|办理中|处理中|待回复|未回复|待答复|待处理|未办结|已受理|待受理|不予受理|已撤回|已撤销|撤单|正在办理",
    )
    .unwrap()
});

static LABELLED_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(来信|留言|提交|写信|发信|咨询|提问|受理|回复|答复|办结|处理|反馈)(时间|日期)\s*[：:]?\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})",
    )
    .unwrap()
});

static ANY_DATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?").unwrap());

static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(承办|办理|答复|回复|处理|受理)(单位|部门|机构)\s*[：:]?\s*([^\s：:，,。；;|/]+)")
        .unwrap()
});

static CATEGORY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:信件|留言|来信|诉求)(?:类别|类型|分类)\s*[：:]?|(?:类别|类型|分类)\s*[：:])\s*([^\s：:，,。；;|/]+)",
    )
    .unwrap()
});

/// Fields read from running text by their labels.
#[derive(Debug, Default)]
struct TextFields {
    received: Option<NaiveDate>,
    replied: Option<NaiveDate>,
    /// Dates without a label, in text order.
    unlabelled: Vec<NaiveDate>,
    status: Option<String>,
    unit: Option<String>,
    category: Option<String>,
}

fn text_fields(text: &str, today: NaiveDate) -> TextFields {
    let mut f = TextFields::default();
    let mut labelled_spans = Vec::new();
    for caps in LABELLED_DATE.captures_iter(text) {
        labelled_spans.push(caps.get(3).unwrap().range());
        let Some(date) = find_date(&caps[3], today).map(|d| d.date) else {
            continue;
        };
        if date > today {
            continue;
        }
        let replied = matches!(&caps[1], "回复" | "答复" | "办结" | "处理" | "反馈");
        let slot = if replied {
            &mut f.replied
        } else {
            &mut f.received
        };
        slot.get_or_insert(date);
    }
    for m in ANY_DATE.find_iter(text) {
        if labelled_spans
            .iter()
            .any(|r| r.start <= m.start() && m.start() < r.end)
        {
            continue;
        }
        if let Some(d) = find_date(m.as_str(), today).map(|d| d.date)
            && d <= today
        {
            f.unlabelled.push(d);
        }
    }
    f.status = STATUS.find(text).map(|m| m.as_str().to_string());
    f.unit = UNIT.captures(text).map(|c| c[3].to_string());
    f.category = CATEGORY.captures(text).map(|c| c[1].to_string());
    f
}

/// The row's title link: the first link whose text reads like a title.
fn title_link(row: ElementRef<'_>) -> Option<(String, ElementRef<'_>)> {
    static A: LazyLock<Selector> = LazyLock::new(|| sel("a[href]").clone());
    row.select(&A).find_map(|a| {
        let text = link_text(a);
        (text.chars().count() >= 4
            && !is_furniture_text(&text)
            && !STATUS.is_match(&text)
            && !ANY_DATE.is_match(&text))
        .then_some((text, a))
    })
}

fn link_text(a: ElementRef<'_>) -> String {
    let text = text_of(a);
    match a.value().attr("title") {
        Some(t) if text.ends_with('…') || text.ends_with("...") || text.is_empty() => {
            normalize(t)
        }
        _ => text,
    }
}

/// An element whose class says title (`.title`, `.tit`, `.bt`), for rows without links.
fn title_element(row: ElementRef<'_>) -> Option<String> {
    row.descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| {
            e.value().classes().any(|c| {
                let c = c.to_ascii_lowercase();
                c.contains("title") || c.contains("tit") || c == "bt" || c.contains("subject")
            })
        })
        .map(text_of)
        .find(|t| t.chars().count() >= 2)
}

/// A row's title when it has no title link or title class: its longest piece of text
/// that is no date, label, status or unit.
fn plain_title(row: ElementRef<'_>) -> Option<String> {
    super::dom::text_nodes(row)
        .filter_map(|n| n.value().as_text().map(|t| normalize(t)))
        .filter(|t| {
            t.chars().count() >= 4
                && !ANY_DATE.is_match(t)
                && !STATUS.is_match(t)
                && !t.contains('：')
                && !t.contains(':')
        })
        .max_by_key(|t| t.chars().count())
}

fn selected_text(row: ElementRef<'_>, s: &Option<Selector>) -> Option<String> {
    let s = s.as_ref()?;
    row.select(s).map(text_of).find(|t| !t.is_empty())
}

fn date_of(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    parse_date_cell(text, today, None)
        .or_else(|| find_date(text, today))
        .map(|d| d.date)
        .filter(|d| *d <= today)
}

fn row_letter(
    row: ElementRef<'_>,
    base: &Url,
    select: &Compiled,
    columns: Option<&[Option<Field>]>,
    today: NaiveDate,
) -> Option<Letter> {
    let text = text_of(row);
    let fields = text_fields(&text, today);
    // Table cells by header.
    let mut cell: HashMap<Field, String> = HashMap::new();
    let mut cell_el: HashMap<Field, ElementRef<'_>> = HashMap::new();
    if let Some(columns) = columns {
        for (i, c) in row.select(&CELLS).enumerate() {
            if let Some(Some(field)) = columns.get(i) {
                cell.entry(*field).or_insert_with(|| text_of(c));
                cell_el.entry(*field).or_insert(c);
            }
        }
    }
    let link_el = match &select.link {
        Some(s) => row.select(s).next(),
        None => None,
    };
    let title_scope = cell_el.get(&Field::Title).copied().unwrap_or(row);
    let found_link = title_link(title_scope);
    let title = selected_text(row, &select.title)
        .or_else(|| found_link.as_ref().map(|(t, _)| t.clone()))
        .or_else(|| cell.get(&Field::Title).cloned().filter(|t| !t.is_empty()))
        .or_else(|| title_element(row))
        .or_else(|| plain_title(row))?;
    let href = link_el.or(found_link.map(|(_, a)| a)).and_then(|a| {
        a.value()
            .attr("href")
            .or_else(|| a.select(sel("a[href]")).next()?.value().attr("href"))
    });
    let url = href.and_then(|h| resolve(base, h).ok()).map(|mut u| {
        u.set_fragment(None);
        u
    });
    let status = selected_text(row, &select.status)
        .or_else(|| cell.get(&Field::Status).cloned().filter(|s| !s.is_empty()))
        .or(fields.status.clone());
    let received = selected_text(row, &select.received)
        .and_then(|t| date_of(&t, today))
        .or_else(|| cell.get(&Field::Received).and_then(|t| date_of(t, today)))
        .or(fields.received);
    let replied = selected_text(row, &select.replied)
        .and_then(|t| date_of(&t, today))
        .or_else(|| cell.get(&Field::Replied).and_then(|t| date_of(t, today)))
        .or(fields.replied);
    // Unlabelled dates: received first, replied second (when neither has a label).
    let (received, replied) = if columns.is_some() {
        (received, replied)
    } else {
        let mut rest = fields.unlabelled.iter().copied();
        let received = received.or_else(|| rest.next());
        let replied = replied.or_else(|| rest.next());
        (received, replied)
    };
    let unit = selected_text(row, &select.unit)
        .or_else(|| cell.get(&Field::Unit).cloned())
        .or(fields.unit.clone())
        .filter(|u| !u.is_empty());
    let category = selected_text(row, &select.category)
        .or_else(|| cell.get(&Field::Category).cloned())
        .or(fields.category.clone())
        .filter(|c| !c.is_empty())
        .map(|c| category_name(&c));
    let state = status
        .as_deref()
        .map_or(LetterState::Unknown, LetterState::of_status);
    Some(Letter {
        title,
        url,
        received,
        replied,
        status,
        state,
        unit,
        category,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn status_words_say_where_a_letter_stands() {
        for (status, state) in [
            ("已回复", LetterState::Answered),
            ("已办结", LetterState::Answered),
            ("不予受理", LetterState::Answered),
            ("办理中", LetterState::Open),
            ("待回复", LetterState::Open),
            ("未回复", LetterState::Open),
            ("未办结", LetterState::Open),
            ("已撤回", LetterState::Withdrawn),
            ("", LetterState::Unknown),
        ] {
            assert_eq!(LetterState::of_status(status), state, "{status}");
        }
    }

    #[test]
    fn labelled_dates_go_where_the_label_says() {
        let f = text_fields(
            "回复时间：2020-09-03 留言时间：2020年9月1日 承办单位：县住建局 类别：咨询",
            d(2020, 10, 1),
        );
        assert_eq!(f.received, Some(d(2020, 9, 1)));
        assert_eq!(f.replied, Some(d(2020, 9, 3)));
        assert_eq!(f.unit.as_deref(), Some("县住建局"));
        assert_eq!(category_name(&f.category.unwrap()), "问题咨询");
        assert!(f.unlabelled.is_empty());
    }

    #[test]
    fn letters_without_links_are_keyed_by_title_counted_from_the_bottom() {
        let letter = |title: &str, url: Option<&str>| Letter {
            title: title.into(),
            url: url.map(|u| Url::parse(u).unwrap()),
            received: None,
            replied: None,
            status: None,
            state: LetterState::Unknown,
            unit: None,
            category: None,
        };
        let keys = letter_keys(&[
            letter("不公开", None),
            letter("关于路灯的咨询", Some("http://a.gov.cn/1.html")),
            letter("不公开", None),
        ]);
        assert_eq!(
            keys,
            ["title:不公开#2", "http://a.gov.cn/1.html", "title:不公开"]
        );
    }
}
