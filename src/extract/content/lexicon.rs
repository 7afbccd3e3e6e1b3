//! The word matcher: one multi-pattern automaton (daachorse's charwise double-array
//! Aho-Corasick, made for CJK text) over every wrong form, every right form and every
//! allowed phrase, run once over a page's text folded to simplified characters.
//!
//! A wrong form fires unless it lies inside an allowed phrase, or inside an occurrence
//! of its own right form (a banned short word inside the phrase it belongs to), or the
//! page was published before the entry's `since` day.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use daachorse::CharwiseDoubleArrayAhoCorasick;
use sha2::{Digest, Sha256};

use super::words::WordEntry;

/// Traditional characters of the words govwatch lists, and their simplified forms, in
/// the same order: enough to fold 中華人民共合國 to 中华人民共合国. Folding is one
/// character for one, so positions in the folded text are positions in the page.
const TRADITIONAL: &str = "國華與務會議機關門點經濟發開區縣黨員義協衛衞財產業農廳辦長書記總統計監檢審權資環護設勞動際體規劃節質醫療藥電視廣屬應歲鄉鎮軍戰銀險惡掃雜錯誤時號傳達導領決對實現們來這個當過進運構組織幹億歷團圍聯鬥爭勝衆眾專職稅網絡訊聞報紀約鐵車態變舉選愛風氣漢樣標準術學處無為從將並後裡裏見間問題條憲執訴訟罰違強邊灣臺內維爾龍遼寧蘇東陝貴雲廈韓鮮聖蘭羅馬亞莊嚴懲淨潔貪難災獎勵漁糧儲備鄰閱讀語話說認識復習滬魯粵贛閩瓊黃齊劉張陳楊趙吳孫鄧澤錦濤貧堅艱脫價値觀倫憑據證碼帳賬戶齡層級責紅綠藍歡樂聽讓請謝隊獨擁萬兩雙單頁顯參預測試驗響鐘鍾錢壯礦廠債稱謂偽僞彈槍懷戀邏輯編擔";
const SIMPLIFIED: &str = "国华与务会议机关门点经济发开区县党员义协卫卫财产业农厅办长书记总统计监检审权资环护设劳动际体规划节质医疗药电视广属应岁乡镇军战银险恶扫杂错误时号传达导领决对实现们来这个当过进运构组织干亿历团围联斗争胜众众专职税网络讯闻报纪约铁车态变举选爱风气汉样标准术学处无为从将并后里里见间问题条宪执诉讼罚违强边湾台内维尔龙辽宁苏东陕贵云厦韩鲜圣兰罗马亚庄严惩净洁贪难灾奖励渔粮储备邻阅读语话说认识复习沪鲁粤赣闽琼黄齐刘张陈杨赵吴孙邓泽锦涛贫坚艰脱价值观伦凭据证码账账户龄层级责红绿蓝欢乐听让请谢队独拥万两双单页显参预测试验响钟钟钱壮矿厂债称谓伪伪弹枪怀恋逻辑编担";

static FOLD: LazyLock<HashMap<char, char>> =
    LazyLock::new(|| TRADITIONAL.chars().zip(SIMPLIFIED.chars()).collect());

/// A character as the matcher sees it: simplified, full-width letters half-width.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => FOLD.get(&c).copied().unwrap_or(c),
    }
}

/// A text as the matcher sees it, one character for one.
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// What a pattern of the automaton is.
#[derive(Debug, Default, Clone)]
struct Roles {
    /// Entries whose wrong form it is.
    wrong: Vec<usize>,
    /// Entries whose right form it is.
    right: Vec<usize>,
    allowed: bool,
}

/// One wrong form found, before its context is cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordMatch {
    pub entry: usize,
    /// Character offsets in the text.
    pub start: usize,
    pub end: usize,
}

/// The compiled word lists.
pub struct Lexicon {
    entries: Vec<WordEntry>,
    roles: Vec<Roles>,
    automaton: Option<CharwiseDoubleArrayAhoCorasick<u32>>,
    fingerprint: String,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("entries", &self.entries.len())
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl Lexicon {
    /// Compiles `entries` (a later entry with the same wrong form as an earlier one is
    /// left out) and the `allow` phrases.
    pub fn new(entries: Vec<WordEntry>, allow: &[String]) -> Lexicon {
        let mut kept: Vec<WordEntry> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut patterns: Vec<String> = Vec::new();
        let mut roles: Vec<Roles> = Vec::new();
        let mut role_of = |text: &str, patterns: &mut Vec<String>, roles: &mut Vec<Roles>| {
            let folded = fold(text);
            *index.entry(folded.clone()).or_insert_with(|| {
                patterns.push(folded);
                roles.push(Roles::default());
                patterns.len() - 1
            })
        };
        let mut seen_wrong = std::collections::HashSet::new();
        for e in entries {
            if e.wrong.is_empty() || !seen_wrong.insert(fold(&e.wrong)) {
                continue;
            }
            let n = kept.len();
            let w = role_of(&e.wrong, &mut patterns, &mut roles);
            roles[w].wrong.push(n);
            // A right form matters to the matcher only when it holds its wrong form (监察
            // inside 纪检监察): a hit can lie inside no other. Leaving the rest out keeps
            // a page's common phrases (every right form of a one-character slip) from
            // being matched by the thousand.
            if let Some(right) = e
                .right
                .as_deref()
                .filter(|r| !r.is_empty() && fold(r).contains(&fold(&e.wrong)))
            {
                let r = role_of(right, &mut patterns, &mut roles);
                roles[r].right.push(n);
            }
            kept.push(e);
        }
        for phrase in allow.iter().filter(|p| !p.is_empty()) {
            let a = role_of(phrase, &mut patterns, &mut roles);
            roles[a].allowed = true;
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            let values = patterns
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str(), i as u32));
            // Patterns are unique and non-empty, far below daachorse's limits.
            CharwiseDoubleArrayAhoCorasick::with_values(values).ok()
        };
        let mut hash = Sha256::new();
        for e in &kept {
            hash.update(
                format!(
                    "{}\u{1}{}\u{1}{}\u{1}{:?}\n",
                    e.wrong,
                    e.right.as_deref().unwrap_or(""),
                    e.category,
                    e.since
                )
                .as_bytes(),
            );
        }
        for phrase in allow {
            hash.update(format!("allow\u{1}{phrase}\n").as_bytes());
        }
        let fingerprint = hash
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect();
        Lexicon {
            entries: kept,
            roles,
            automaton,
            fingerprint,
        }
    }

    /// The entries, in the order matches name them.
    pub fn entries(&self) -> &[WordEntry] {
        &self.entries
    }

    /// Changes whenever an entry or an allowed phrase does: a page scanned with another
    /// fingerprint is scanned again.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The wrong forms in `text` (already folded with [`fold`]) that fire on a page
    /// published on `published` (unknown: every `since` entry fires), by position.
    pub fn find(&self, folded: &str, published: Option<NaiveDate>) -> Vec<WordMatch> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        // Byte offset → character offset.
        let mut char_at = vec![0usize; folded.len() + 1];
        let mut n = 0;
        for (b, c) in folded.char_indices() {
            for slot in &mut char_at[b..b + c.len_utf8()] {
                *slot = n;
            }
            n += 1;
        }
        char_at[folded.len()] = n;
        let mut wrong = Vec::new();
        let mut right: Vec<(usize, usize, usize)> = Vec::new();
        let mut allowed: Vec<(usize, usize)> = Vec::new();
        for m in automaton.find_overlapping_iter(folded) {
            let (start, end) = (char_at[m.start()], char_at[m.end()]);
            let roles = &self.roles[m.value() as usize];
            for &entry in &roles.wrong {
                wrong.push(WordMatch { entry, start, end });
            }
            for &entry in &roles.right {
                right.push((entry, start, end));
            }
            if roles.allowed {
                allowed.push((start, end));
            }
        }
        // A wrong form inside an allowed phrase or inside its own right form does not
        // fire. Both lists are sorted by start, and an interval holding [start, end)
        // starts at most `longest` characters before `end`, so each wrong hit looks at
        // the few intervals starting in that window, not at all of them (a long text has
        // right forms by the ten thousand).
        right.sort_unstable_by_key(|&(_, s, _)| s);
        allowed.sort_unstable();
        let longest = right
            .iter()
            .map(|&(_, s, t)| t - s)
            .chain(allowed.iter().map(|&(s, t)| t - s))
            .max()
            .unwrap_or(0);
        wrong.retain(|m| {
            let e = &self.entries[m.entry];
            let too_early =
                matches!((e.since, published), (Some(since), Some(day)) if day <= since);
            let from = m.end.saturating_sub(longest);
            let in_allowed = allowed[allowed.partition_point(|&(s, _)| s < from)..]
                .iter()
                .take_while(|&&(s, _)| s <= m.start)
                .any(|&(_, t)| m.end <= t);
            let in_right = right[right.partition_point(|&(_, s, _)| s < from)..]
                .iter()
                .take_while(|&&(_, s, _)| s <= m.start)
                .any(|&(entry, _, t)| entry == m.entry && m.end <= t);
            !too_early && !in_allowed && !in_right
        });
        wrong.sort_by_key(|m| (m.start, m.end, m.entry));
        wrong
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::content::words::parse_word_list;

    fn lexicon(list: &str, allow: &[&str]) -> Lexicon {
        let (entries, errors) = parse_word_list(list, "t");
        assert!(errors.is_empty());
        Lexicon::new(
            entries,
            &allow.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    fn found(l: &Lexicon, text: &str, published: Option<NaiveDate>) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        l.find(&fold(text), published)
            .iter()
            .map(|m| chars[m.start..m.end].iter().collect())
            .collect()
    }

    #[test]
    fn the_fold_tables_line_up() {
        assert_eq!(TRADITIONAL.chars().count(), SIMPLIFIED.chars().count());
        assert_eq!(fold("中華人民共合國"), "中华人民共合国");
        assert_eq!(fold("ＡＢ１２"), "AB12");
    }

    #[test]
    fn wrong_forms_in_both_scripts_with_allow_and_right_forms() {
        let l = lexicon(
            "中华人民共合国 → 中华人民共和国 | 国名\n\
             交通 | 禁用词\n\
             农业部 → 农业农村部 | 过时表述 | since 2018-04-03\n\
             监察 → 纪检监察 | 测试\n",
            &["路口交通"],
        );
        assert_eq!(
            found(&l, "热烈庆祝中華人民共合國成立", None),
            ["中華人民共合國"]
        );
        assert_eq!(found(&l, "改善交通，整治路口交通秩序", None), ["交通"]);
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert!(found(&l, "农业部发布通知", day(2017, 5, 1)).is_empty());
        assert_eq!(found(&l, "农业部发布通知", day(2019, 5, 1)), ["农业部"]);
        assert_eq!(found(&l, "农业部发布通知", None), ["农业部"]);
        // Inside its own right form: no hit; alone: a hit.
        assert!(found(&l, "县纪检监察组", None).is_empty());
        assert_eq!(found(&l, "县监察组", None), ["监察"]);
    }

    #[test]
    fn the_fingerprint_follows_the_lists() {
        let a = lexicon("攻府 → 政府 | 政策表述\n", &[]);
        let b = lexicon("攻府 → 政府 | 政策表述\n", &["人民攻府"]);
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(
            a.fingerprint(),
            lexicon("攻府 → 政府 | 政策表述\n", &[]).fingerprint()
        );
    }
}
