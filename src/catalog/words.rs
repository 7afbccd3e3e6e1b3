//! The word lists of `config/words/` (错敏词.txt, allow.txt, 外链禁用词.txt), read with the catalog so
//! that `catalog check` reports their mistakes by `file:line` and a reload picks up an
//! office's edits. Both files are optional; the built-in list is the cycle's business
//! (`[content] builtin_words`).

use std::path::Path;

use serde::Serialize;

use super::{Issue, Origin};
use crate::extract::content::outside::OUTSIDE_FILE;
use crate::extract::content::words::{
    ALLOW_FILE, WORDS_FILE, WordEntry, decode_word_file, parse_allow_list, parse_word_list,
};

/// The office's own word lists.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WordLists {
    /// `错敏词.txt`, in file order.
    pub entries: Vec<WordEntry>,
    /// `allow.txt`.
    pub allow: Vec<String>,
    /// `外链禁用词.txt`: words banned on the outside pages the sites link to.
    pub outside: Vec<WordEntry>,
}

/// Reads `<config>/words/`; a missing file is an empty list, a file that is not UTF-8
/// or a bad line is an issue.
pub fn read_words(config_dir: &Path) -> (WordLists, Vec<Issue>) {
    let dir = config_dir.join("words");
    let mut lists = WordLists::default();
    let mut issues = Vec::new();
    if let Some(text) = read(&dir.join(WORDS_FILE), &mut issues) {
        let (entries, errors) = parse_word_list(&text, WORDS_FILE);
        let path = dir.join(WORDS_FILE);
        for e in errors {
            issues.push(Issue::error(
                Origin {
                    file: path.clone(),
                    line: e.line,
                },
                e.message,
                "correct the line (错误表述 → 正确表述 | 类别 | since 2021-02-25), or delete it",
            ));
        }
        let mut seen = std::collections::HashMap::new();
        for e in &entries {
            let line = e
                .source
                .rsplit_once(':')
                .and_then(|(_, l)| l.parse().ok())
                .unwrap_or(0);
            if let Some(first) = seen.insert(e.wrong.clone(), line) {
                issues.push(Issue::warning(
                    Origin {
                        file: path.clone(),
                        line,
                    },
                    format!("`{}` is already listed on line {first}", e.wrong),
                    "delete one of the two lines: only the first counts",
                ));
            }
        }
        lists.entries = entries;
    }
    if let Some(text) = read(&dir.join(ALLOW_FILE), &mut issues) {
        lists.allow = parse_allow_list(&text);
    }
    let path = dir.join(OUTSIDE_FILE);
    if let Some(text) = read(&path, &mut issues) {
        let (entries, errors) = parse_word_list(&text, OUTSIDE_FILE);
        for e in errors {
            issues.push(Issue::error(
                Origin {
                    file: path.clone(),
                    line: e.line,
                },
                e.message,
                "correct the line (禁用词 | 类别, e.g. 网上赌场 | 赌博), or delete it",
            ));
        }
        lists.outside = entries;
    }
    (lists, issues)
}

fn read(path: &Path, issues: &mut Vec<Issue>) -> Option<String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => {
            issues.push(Issue::error(
                Origin {
                    file: path.to_path_buf(),
                    line: 1,
                },
                format!("cannot read this word list: {e}"),
                "make the file readable by govwatch, or remove it",
            ));
            return None;
        }
    };
    match decode_word_file(&bytes) {
        Ok(text) => Some(text),
        Err(message) => {
            issues.push(Issue::error(
                Origin {
                    file: path.to_path_buf(),
                    line: 1,
                },
                message,
                "until then the file is not used: its words are not checked",
            ));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_files_with_their_mistakes() {
        let dir = tempfile::tempdir().unwrap();
        let words = dir.path().join("words");
        std::fs::create_dir_all(&words).unwrap();
        std::fs::write(
            words.join(WORDS_FILE),
            "\u{feff}# 本单位错敏词\n攻府 → 政府 | 政策表述\n坏 → 好\n攻府 → 政府\n",
        )
        .unwrap();
        let (gbk, _, _) = encoding_rs::GBK.encode("路口交通\n");
        std::fs::write(words.join(ALLOW_FILE), &gbk).unwrap();
        std::fs::write(
            words.join(OUTSIDE_FILE),
            "# 外链禁用词\n某某娱乐城 | 赌博\n | 赌博\n",
        )
        .unwrap();
        let (lists, issues) = read_words(dir.path());
        assert_eq!(lists.entries.len(), 2);
        assert!(lists.allow.is_empty());
        assert_eq!(lists.outside.len(), 1);
        assert_eq!(lists.outside[0].category, "赌博");
        let shown: Vec<String> = issues.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:#?}");
        assert!(shown[3].contains("外链禁用词.txt:3: error"), "{}", shown[3]);
        assert!(shown[0].contains("错敏词.txt:3: error"), "{}", shown[0]);
        assert!(shown[1].contains("错敏词.txt:4: warning"), "{}", shown[1]);
        assert!(shown[2].contains("allow.txt:1: error") && shown[2].contains("UTF-8"));
        assert_eq!(read_words(&dir.path().join("none")).0, WordLists::default());
    }
}
