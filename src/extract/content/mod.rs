//! What a page says (内容安全): 错敏词 and personal data in the text of a page, found by
//! pure functions. The cycle hands over a page's HTML, the compiled word lists and the
//! day; this returns the hits with their positions and masked contexts, which the store
//! keeps and the rules turn into `content_error` and `privacy_leak` findings.
//!
//! - [`page_text`]: the text a reader sees, markup removed (so 中华人民<span>共合</span>国
//!   reads whole), scripts and styles left out, table cells separated by tabs.
//! - [`words`]: the word files' format and the built-in list; [`lexicon`]: the matcher
//!   (one daachorse automaton, traditional folded to simplified, allowed phrases, right
//!   forms); [`privacy`]: ID, mobile and bank card numbers, and masking.
//!
//! It must never let a full number out: every hit keeps a masked form and every context
//! has its runs of 11 or more digits masked.

pub mod hidden;
pub mod lexicon;
pub mod outside;
pub mod privacy;
pub mod words;

use chrono::NaiveDate;
use ego_tree::NodeRef;
use scraper::Node;
use serde::{Deserialize, Serialize};

pub use hidden::{HiddenLink, hidden_links, hidden_links_in};
pub use lexicon::{Lexicon, fold};
pub use privacy::{LeakKind, mask_digit_runs};
pub use words::{WordEntry, decode_word_file, parse_allow_list, parse_word_list};

/// Characters of context kept on each side of a hit.
pub const CONTEXT_CHARS: usize = 20;
/// Hits kept per page and kind (the counts are kept whole).
pub const MAX_HITS: usize = 100;

/// Which checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    pub errors: bool,
    pub privacy: bool,
}

/// A wrong or banned expression on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordHit {
    /// As the page writes it (traditional characters stay traditional).
    pub text: String,
    /// As the list writes it.
    pub wrong: String,
    pub right: Option<String>,
    pub category: String,
    /// Character offset in the page's text.
    pub position: usize,
    /// [`CONTEXT_CHARS`] characters each side, digit runs masked.
    pub context: String,
}

/// Personal data on a page, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakHit {
    pub kind: LeakKind,
    /// 110105********1234: never the full number.
    pub masked: String,
    pub position: usize,
    pub context: String,
}

/// How many of each kind of personal data a page carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakCounts {
    pub id_number: usize,
    pub mobile: usize,
    pub bank_card: usize,
}

impl LeakCounts {
    pub fn total(&self) -> usize {
        self.id_number + self.mobile + self.bank_card
    }

    /// As the sentence says it: 身份证号12处、手机号3处.
    pub fn zh(&self) -> String {
        [
            (LeakKind::IdNumber, self.id_number),
            (LeakKind::Mobile, self.mobile),
            (LeakKind::BankCard, self.bank_card),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{}{n}处", k.zh()))
        .collect::<Vec<_>>()
        .join("、")
    }
}

/// What one scan of one text found (masked throughout: safe to store).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageScan {
    #[serde(default)]
    pub words: Vec<WordHit>,
    #[serde(default)]
    pub leaks: Vec<LeakHit>,
    #[serde(default)]
    pub leak_counts: LeakCounts,
    /// For the scan of an attachment: which it is and where it is linked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<AttachmentOf>,
    /// 暗链: outside links a reader cannot see ([`hidden_links`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden_links: Vec<HiddenLink>,
    /// For an attachment whose text could not be read: why (`timed out`, the child's
    /// failure). Nothing was scanned; the same bytes are not read again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// An attachment as the page linking it names it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentOf {
    /// The link's text (名单.xlsx), digit runs masked.
    pub name: String,
    /// The page that links it.
    pub page_url: String,
}

impl PageScan {
    pub fn is_clean(&self) -> bool {
        self.words.is_empty() && self.leak_counts.total() == 0 && self.hidden_links.is_empty()
    }
}

/// Scans a page's text (from [`page_text`]) published on `published` (unknown for home
/// and column pages: every dated entry applies) on `today`.
pub fn scan(
    text: &str,
    lexicon: &Lexicon,
    checks: Checks,
    published: Option<NaiveDate>,
    today: NaiveDate,
) -> PageScan {
    let chars: Vec<char> = text.chars().collect();
    let mut out = PageScan::default();
    if checks.errors {
        for m in lexicon.find(&fold(text), published) {
            let e = &lexicon.entries()[m.entry];
            out.words.push(WordHit {
                text: chars[m.start..m.end].iter().collect(),
                wrong: e.wrong.clone(),
                right: e.right.clone(),
                category: e.category.clone(),
                position: m.start,
                context: context(&chars, m.start, m.end),
            });
            if out.words.len() == MAX_HITS {
                break;
            }
        }
    }
    if checks.privacy {
        for m in privacy::find_leaks(text, today) {
            match m.kind {
                LeakKind::IdNumber => out.leak_counts.id_number += 1,
                LeakKind::Mobile => out.leak_counts.mobile += 1,
                LeakKind::BankCard => out.leak_counts.bank_card += 1,
            }
            if out.leaks.len() < MAX_HITS {
                out.leaks.push(LeakHit {
                    kind: m.kind,
                    masked: m.masked,
                    position: m.start,
                    context: context(&chars, m.start, m.end),
                });
            }
        }
    }
    out
}

/// The text around `start..end`, on one line, with long digit runs masked.
fn context(chars: &[char], start: usize, end: usize) -> String {
    let from = start.saturating_sub(CONTEXT_CHARS);
    let to = (end + CONTEXT_CHARS).min(chars.len());
    let raw: String = chars[from..to]
        .iter()
        .map(|c| if c.is_whitespace() { ' ' } else { *c })
        .collect();
    mask_digit_runs(raw.trim())
}

const SKIPPED: &[&str] = &[
    "script", "style", "noscript", "template", "head", "svg", "iframe", "object",
];
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "dl",
    "dt",
    "dd",
    "form",
    "blockquote",
    "pre",
    "hr",
    "caption",
    "tbody",
    "thead",
    "tfoot",
    "title",
];

/// The text of a page as a reader sees it: markup removed without a break inside a
/// line (中华人民<span>共合</span>国 is one word), blocks on their own lines, table cells
/// separated by tabs, white space between Chinese characters dropped (a line break in
/// the HTML source shows as nothing there).
pub fn page_text(html: &str) -> String {
    page_text_of(&crate::extract::parse_document(html))
}

/// [`page_text`] of a page already parsed (with [`crate::extract::parse_document`]).
pub fn page_text_of(doc: &scraper::Html) -> String {
    let mut raw = String::new();
    walk(doc.tree.root(), &mut raw);
    tidy(&raw)
}

fn walk(node: NodeRef<'_, Node>, out: &mut String) {
    for child in node.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                let name = e.name();
                if SKIPPED.contains(&name) {
                    continue;
                }
                let block = BLOCKS.contains(&name);
                let cell = matches!(name, "td" | "th");
                if block {
                    out.push(BREAK);
                }
                walk(child, out);
                if block {
                    out.push(BREAK);
                } else if cell {
                    out.push('\t');
                }
            }
            _ => walk(child, out),
        }
    }
}

/// A block's edge while walking (a newline in the source is only white space).
const BREAK: char = '\u{1}';

fn is_wide(c: char) -> bool {
    !c.is_ascii() && !c.is_whitespace()
}

/// Collapses white space: runs within a line to one space (none between two Chinese
/// characters), tabs kept as one, empty lines dropped.
fn tidy(raw: &str) -> String {
    let mut lines = Vec::new();
    for line in raw.split(BREAK) {
        let mut out = String::new();
        let mut pending: Option<char> = None;
        for c in line.chars() {
            if c == '\t' {
                pending = Some('\t');
            } else if c.is_whitespace() || c == '\u{a0}' || c == '\u{3000}' {
                if pending != Some('\t') {
                    pending = Some(' ');
                }
            } else {
                if let Some(p) = pending.take() {
                    let prev = out.chars().last();
                    let joins = p == ' ' && prev.is_some_and(is_wide) && is_wide(c);
                    if prev.is_some() && !joins {
                        out.push(p);
                    }
                }
                out.push(c);
            }
        }
        if pending == Some('\t') && !out.is_empty() {
            out.push('\t');
        }
        let trimmed = out.trim_matches(' ');
        if !trimmed.is_empty() {
            lines.push(trimmed.to_string());
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        let mut entries = words::builtin_words();
        entries.extend(parse_word_list("交通 | 禁用词\n", "t").0);
        Lexicon::new(entries, &["路口交通".to_string()])
    }

    const ALL: Checks = Checks {
        errors: true,
        privacy: true,
    };

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
    }

    #[test]
    fn markup_is_removed_and_tables_keep_cells() {
        let html = "<html><head><title>标题</title><style>p{}</style></head><body>\
                    <p>热烈庆祝中华人民<span>共合</span>国成立</p>\
                    <p>第一行\n  第二段</p><script>var x = '攻府';</script>\
                    <table><tr><th>姓名</th><th>电话</th></tr><tr><td>张三</td><td>1</td></tr></table>\
                    </body></html>";
        let text = page_text(html);
        assert!(text.contains("热烈庆祝中华人民共合国成立"), "{text}");
        assert!(text.contains("第一行第二段"), "{text}");
        assert!(!text.contains("攻府"), "scripts are not text");
        assert!(text.contains("姓名\t电话"), "{text:?}");
    }

    #[test]
    fn a_page_scanned() {
        let html = "<p>热烈庆祝中华人民<span>共合</span>国成立，人民攻府为人民。</p>\
                    <p>整治路口交通秩序。中华人民共和国国务院。</p>";
        let scan = scan(&page_text(html), &lexicon(), ALL, None, today());
        let found: Vec<(&str, Option<&str>)> = scan
            .words
            .iter()
            .map(|h| (h.text.as_str(), h.right.as_deref()))
            .collect();
        assert_eq!(
            found,
            [
                ("中华人民共合国", Some("中华人民共和国")),
                ("攻府", Some("政府"))
            ]
        );
        assert!(scan.words[0].context.contains("热烈庆祝"));
        assert!(scan.leaks.is_empty());
        let off = scan_with(
            html,
            Checks {
                errors: false,
                privacy: true,
            },
        );
        assert!(off.words.is_empty());
    }

    fn scan_with(html: &str, checks: Checks) -> PageScan {
        scan(&page_text(html), &lexicon(), checks, None, today())
    }

    #[test]
    fn counts_read_as_the_sentence() {
        let c = LeakCounts {
            id_number: 12,
            mobile: 3,
            bank_card: 0,
        };
        assert_eq!(c.zh(), "身份证号12处、手机号3处");
    }
}
