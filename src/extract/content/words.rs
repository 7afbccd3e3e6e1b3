//! Word lists as an office writes them: `config/words/错敏词.txt` (`wrong → right |
//! category [| since YYYY-MM-DD]`), `config/words/allow.txt` (one phrase a line), and the
//! built-in list shipped in the binary. Pure parsing: the catalog reads the files and
//! turns the line errors here into its `file:line` issues.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The file of wrong and banned expressions, under `config/words/`.
pub const WORDS_FILE: &str = "错敏词.txt";
/// The file of phrases that contain a listed word but are fine.
pub const ALLOW_FILE: &str = "allow.txt";

/// The built-in list, in the same format as [`WORDS_FILE`].
pub const BUILTIN_WORDS: &str = include_str!("builtin_words.txt");
/// The built-in allowed phrases (农业部门 for the outdated 农业部).
pub const BUILTIN_ALLOW: &str = include_str!("builtin_allow.txt");

/// The category of a line without one.
pub const DEFAULT_CATEGORY: &str = "其他";

/// One wrong or banned expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordEntry {
    pub wrong: String,
    /// The right form; none for a banned word.
    pub right: Option<String>,
    /// 国名, 机构, 领导人, 法规, 会议, 行政区划, 过时表述, 禁用词 …
    pub category: String,
    /// Only pages published after this day are hits (an outdated name).
    pub since: Option<NaiveDate>,
    /// Where it was written: `错敏词.txt:12`, or `内置` for the built-in list.
    pub source: String,
}

/// A line that could not be read, with what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

/// The text of a word file: UTF-8, with or without a byte-order mark. Any other
/// encoding is refused with what to do (a GBK file saved by an old editor).
pub fn decode_word_file(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => Err(format!(
            "this file is not UTF-8 text (byte {} is not; GBK or UTF-16?): save it as \
             UTF-8 (记事本: 另存为, 编码选 UTF-8)",
            e.valid_up_to() + 1
        )),
    }
}

/// Reads a word list; `source` names it in each entry (`错敏词.txt`). Bad lines are
/// left out and reported.
pub fn parse_word_list(text: &str, source: &str) -> (Vec<WordEntry>, Vec<LineError>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let body = strip_comment(raw);
        if body.is_empty() {
            continue;
        }
        match parse_line(body) {
            Ok((wrong, right, category, since)) => entries.push(WordEntry {
                wrong,
                right,
                category,
                since,
                source: format!("{source}:{line}"),
            }),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    (entries, errors)
}

/// Reads an allow list: one phrase a line, `#` comments.
pub fn parse_allow_list(text: &str) -> Vec<String> {
    text.lines()
        .map(strip_comment)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The built-in list (it always parses: a test holds it to that).
pub fn builtin_words() -> Vec<WordEntry> {
    parse_word_list(BUILTIN_WORDS, "内置").0
}

/// The built-in allowed phrases.
pub fn builtin_allow() -> Vec<String> {
    parse_allow_list(BUILTIN_ALLOW)
}

fn strip_comment(line: &str) -> &str {
    let line = line.trim_start_matches('\u{feff}');
    line.split_once('#')
        .map_or(line, |(before, _)| before)
        .trim()
}

type Parsed = (String, Option<String>, String, Option<NaiveDate>);

fn parse_line(body: &str) -> Result<Parsed, String> {
    let mut parts = body.split(['|', '｜']).map(str::trim);
    let words = parts.next().unwrap_or_default();
    let (wrong, right) = match words
        .split_once('→')
        .or_else(|| words.split_once("->"))
        .or_else(|| words.split_once('＞'))
    {
        Some((w, r)) => {
            let r = r.trim();
            if r.is_empty() {
                return Err(format!(
                    "`{words}` has an arrow but no right form after it: write `{} → 正确表述`, \
                     or drop the arrow for a banned word",
                    w.trim()
                ));
            }
            (w.trim(), Some(r.to_string()))
        }
        None => (words, None),
    };
    if wrong.is_empty() {
        return Err("no wrong form before the arrow: write `错误表述 → 正确表述 | 类别`".into());
    }
    if wrong.chars().count() < 2 {
        return Err(format!(
            "`{wrong}` is a single character: it would match almost every page; list the \
             phrase it is wrong in"
        ));
    }
    if right.as_deref() == Some(wrong) {
        return Err(format!(
            "`{wrong}` is listed as its own right form: correct one of the two"
        ));
    }
    let mut category = None;
    let mut since = None;
    for part in parts {
        if part.is_empty() {
            continue;
        }
        if let Some(date) = part.strip_prefix("since") {
            let date = date.trim();
            since =
                Some(NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| {
                    format!("`since {date}` is not a date: write `since 2021-02-25`")
                })?);
        } else if category.is_none() {
            category = Some(part.to_string());
        } else {
            return Err(format!(
                "`{part}` is one field too many: a line is `错误表述 → 正确表述 | 类别 | since 2021-02-25`"
            ));
        }
    }
    Ok((
        wrong.to_string(),
        right,
        category.unwrap_or_else(|| DEFAULT_CATEGORY.to_string()),
        since,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_the_issue_writes_them() {
        let text = "\u{feff}# 错敏词\n\
                    中华人民共合国 → 中华人民共和国 | 国名\n\
                    国务院扶贫办 -> 国家乡村振兴局 | 过时表述 | since 2021-02-25\n\
                    \n\
                    某禁用词 | 禁用词   # a banned word\n\
                    攻府 → 政府\n\
                    坏 → 好 | 国名\n\
                    错误 → | 国名\n\
                    旧名 → 新名 | 过时表述 | since 2021-13-01\n";
        let (entries, errors) = parse_word_list(text, "错敏词.txt");
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[0].wrong, "中华人民共合国");
        assert_eq!(entries[0].right.as_deref(), Some("中华人民共和国"));
        assert_eq!(entries[0].category, "国名");
        assert_eq!(entries[0].source, "错敏词.txt:2");
        assert_eq!(
            entries[1].since,
            NaiveDate::from_ymd_opt(2021, 2, 25),
            "`->` and since"
        );
        assert_eq!(entries[2].right, None);
        assert_eq!(entries[2].category, "禁用词");
        assert_eq!(entries[3].category, DEFAULT_CATEGORY);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [7, 8, 9]);
        assert!(errors[2].message.contains("since 2021-02-25"));
    }

    #[test]
    fn other_encodings_are_refused() {
        assert_eq!(
            decode_word_file("\u{feff}攻府 → 政府".as_bytes()).unwrap(),
            "攻府 → 政府"
        );
        let (gbk, _, _) = encoding_rs::GBK.encode("攻府 → 政府");
        let err = decode_word_file(&gbk).unwrap_err();
        assert!(err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn the_builtin_list_parses_whole() {
        let (entries, errors) = parse_word_list(BUILTIN_WORDS, "内置");
        assert!(errors.is_empty(), "{errors:?}");
        assert!(entries.len() >= 50, "{}", entries.len());
        let mut wrong: Vec<&str> = entries.iter().map(|e| e.wrong.as_str()).collect();
        wrong.sort();
        wrong.dedup();
        assert_eq!(wrong.len(), entries.len(), "no wrong form twice");
        for e in &entries {
            if let Some(right) = &e.right {
                assert!(
                    !right.contains(&e.wrong),
                    "{} inside its right form",
                    e.wrong
                );
            }
        }
        assert!(entries.iter().filter(|e| e.since.is_some()).count() >= 20);
    }
}
