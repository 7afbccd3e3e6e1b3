//! Outside pages (外链): the page an outside link points to, read by the link check, is
//! scanned with a list of its own, `config/words/外链禁用词.txt` plus a small built-in
//! one (phrases gambling and pornographic sites sell themselves with). A domain that
//! expired and was bought by a gambling site is how a government page comes to link to
//! one. Never applied to the office's own pages: their news may well report on gambling
//! cases.

use super::words::{WordEntry, parse_word_list};
use super::{Checks, Lexicon, WordHit, page_text, scan};

/// The office's list of words banned on outside pages, under `config/words/`.
pub const OUTSIDE_FILE: &str = "外链禁用词.txt";
/// The built-in list, in the same format (`word | category`).
pub const BUILTIN_OUTSIDE: &str = include_str!("builtin_outside.txt");

/// The built-in list (it always parses: a test holds it to that).
pub fn builtin_outside() -> Vec<WordEntry> {
    parse_word_list(BUILTIN_OUTSIDE, "内置外链禁用词").0
}

/// The banned words on an outside page's HTML.
pub fn scan_outside(html: &str, lexicon: &Lexicon) -> Vec<WordHit> {
    let checks = Checks {
        errors: true,
        privacy: false,
    };
    // The dates of the list do not apply: any day will do.
    let today = chrono::NaiveDate::MIN;
    scan(&page_text(html), lexicon, checks, None, today).words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_list_parses_and_finds_a_gambling_page_not_a_news_report() {
        let (entries, errors) = parse_word_list(BUILTIN_OUTSIDE, "内置外链禁用词");
        assert!(errors.is_empty(), "{errors:?}");
        assert!(
            entries
                .iter()
                .all(|e| e.category == "赌博" || e.category == "色情")
        );
        let lexicon = Lexicon::new(builtin_outside(), &[]);
        let hits = scan_outside(
            "<title>某某网</title><p>欢迎来到<b>网上</b>赌场，真人荷官在线发牌</p>",
            &lexicon,
        );
        let words: Vec<&str> = hits.iter().map(|h| h.wrong.as_str()).collect();
        assert_eq!(words, ["网上赌场", "真人荷官"]);
        assert!(
            scan_outside(
                "<p>我县公安机关破获一起网络赌博案件，依法打击赌博违法犯罪。</p>",
                &lexicon
            )
            .is_empty()
        );
    }
}
