//! Personal data on a page: 身份证号, mobile numbers and bank card numbers, judged the
//! way an inspector does, and masking, so that govwatch never becomes a second leak.
//!
//! - An ID number is 18 characters (half- or full-width digits, a final X) with a known
//!   province code, a real birth date no later than today and a valid GB 11643 check
//!   character; a longer run of digits is something else.
//! - A mobile number (1[3-9] and 9 more digits) counts only where a page carries three
//!   or more distinct ones, or it sits next to an ID number, or in a table with a 姓名
//!   column: one published 联系电话 is not a leak.
//! - A bank card number (16 to 19 digits) passes the Luhn check and has 银行卡, 卡号,
//!   账号 or 开户 within 20 characters: Luhn alone passes one random number in ten.
//! - Masked text (138****1234) is never a hit: its digit runs are short. Landlines,
//!   文号 and dates are short runs too.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// What kind of personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeakKind {
    IdNumber,
    Mobile,
    BankCard,
}

impl LeakKind {
    pub fn code(self) -> &'static str {
        match self {
            LeakKind::IdNumber => "id_number",
            LeakKind::Mobile => "mobile",
            LeakKind::BankCard => "bank_card",
        }
    }

    /// As the sentences count it: 身份证号12处.
    pub fn zh(self) -> &'static str {
        match self {
            LeakKind::IdNumber => "身份证号",
            LeakKind::Mobile => "手机号",
            LeakKind::BankCard => "银行卡号",
        }
    }
}

/// One number found, masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakMatch {
    pub kind: LeakKind,
    /// Character offsets in the text.
    pub start: usize,
    pub end: usize,
    /// 110105********1234, 138****1234, 6222*********1234.
    pub masked: String,
}

/// Characters of a mobile within this distance of an ID number sit next to it.
const NEAR_ID: usize = 40;
/// Characters between a card number and its 银行卡 / 卡号 / 账号 / 开户.
const NEAR_CARD_WORD: usize = 20;
const CARD_WORDS: [&str; 4] = ["银行卡", "卡号", "账号", "开户"];
const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A digit as a half-width ASCII digit (full-width ０-９ too), `X` for x and Ｘ.
fn digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

fn is_x(c: char) -> bool {
    matches!(c, 'X' | 'x' | 'Ｘ' | 'ｘ')
}

/// A maximal run of digits (with a final X where it makes 18), in character offsets.
struct Run {
    start: usize,
    end: usize,
    digits: String,
}

fn runs(chars: &[char]) -> Vec<Run> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let Some(d) = digit(chars[i]) else {
            i += 1;
            continue;
        };
        let start = i;
        let mut digits = String::from(d);
        i += 1;
        while let Some(d) = chars.get(i).and_then(|c| digit(*c)) {
            digits.push(d);
            i += 1;
        }
        if digits.len() == 17 && chars.get(i).is_some_and(|c| is_x(*c)) {
            digits.push('X');
            i += 1;
        }
        out.push(Run {
            start,
            end: i,
            digits,
        });
    }
    out
}

/// Whether `s` (18 characters) is a 身份证号 of someone born by `today`.
pub fn is_id_number(s: &str, today: NaiveDate) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let province = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    if !PROVINCES.contains(&province) {
        return false;
    }
    let number = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    let (Some(y), Some(m), Some(d)) = (number(6..10), number(10..12), number(12..14)) else {
        return false;
    };
    let Some(born) = NaiveDate::from_ymd_opt(y as i32, m, d) else {
        return false;
    };
    if born.year() < 1900 || born > today {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize];
    b[17] == check
}

/// Whether `s` is a mainland mobile number.
pub fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Whether `s` passes the Luhn check.
pub fn luhn(s: &str) -> bool {
    let mut sum = 0;
    for (i, c) in s.bytes().rev().enumerate() {
        if !c.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// A number as govwatch may show it: an ID keeps its region and last four
/// (110105********1234, as offices mask them), a mobile its first three and last four
/// (138****1234), anything else its first and last four.
pub fn mask_number(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        18 => (6, 4),
        11 => (3, 4),
        _ if n >= 9 => (4, 4),
        _ => (0, 0),
    };
    if head == 0 {
        return "*".repeat(n);
    }
    let mut out: String = chars[..head].iter().collect();
    out.push_str(&"*".repeat(n - head - tail));
    out.extend(&chars[n - tail..]);
    out
}

/// `text` with every run of 11 or more digits (half- or full-width) masked: what every
/// stored context goes through.
pub fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for run in runs(&chars) {
        if run.digits.chars().count() < 11 {
            continue;
        }
        out.extend(&chars[at..run.start]);
        out.push_str(&mask_number(&run.digits));
        at = run.end;
    }
    out.extend(&chars[at..]);
    out
}

fn near_word(chars: &[char], start: usize, end: usize) -> bool {
    let from = start.saturating_sub(NEAR_CARD_WORD);
    let to = (end + NEAR_CARD_WORD).min(chars.len());
    let window: String = chars[from..to].iter().collect();
    CARD_WORDS.iter().any(|w| window.contains(w))
}

/// The personal data in a page's text (as [`super::page_text`] writes it: table cells
/// separated by tabs, rows by newlines), by position.
pub fn find_leaks(text: &str, today: NaiveDate) -> Vec<LeakMatch> {
    let chars: Vec<char> = text.chars().collect();
    let mut ids = Vec::new();
    let mut mobiles = Vec::new();
    let mut cards = Vec::new();
    for run in runs(&chars) {
        let d = run.digits.as_str();
        let m = |kind| LeakMatch {
            kind,
            start: run.start,
            end: run.end,
            masked: mask_number(d),
        };
        if d.len() == 18 && is_id_number(d, today) {
            ids.push(m(LeakKind::IdNumber));
        } else if is_mobile(d) {
            mobiles.push(m(LeakKind::Mobile));
        } else if (16..=19).contains(&d.len()) && luhn(d) && near_word(&chars, run.start, run.end) {
            cards.push(m(LeakKind::BankCard));
        }
    }
    let distinct: std::collections::HashSet<String> = mobiles
        .iter()
        .map(|m: &LeakMatch| {
            chars[m.start..m.end]
                .iter()
                .filter_map(|c| digit(*c))
                .collect()
        })
        .collect();
    if distinct.len() < 3 {
        let named_table = text.lines().any(|l| l.contains('\t') && l.contains("姓名"));
        mobiles.retain(|m| {
            let next_to_id = ids
                .iter()
                .any(|id| m.start.saturating_sub(NEAR_ID) <= id.end && id.start <= m.end + NEAR_ID);
            let in_named_table = named_table && {
                let line_start = chars[..m.start]
                    .iter()
                    .rposition(|c| *c == '\n')
                    .map_or(0, |p| p + 1);
                let line_end = chars[m.end..]
                    .iter()
                    .position(|c| *c == '\n')
                    .map_or(chars.len(), |p| m.end + p);
                chars[line_start..line_end].contains(&'\t')
            };
            next_to_id || in_named_table
        });
    }
    let mut all = ids;
    all.append(&mut mobiles);
    all.append(&mut cards);
    all.sort_by_key(|m| m.start);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()
    }

    /// An ID number with a valid check character, from its first 17 digits.
    pub(crate) fn with_check(first17: &str) -> String {
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(c, w)| u32::from(c - b'0') * w)
            .sum();
        format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
    }

    fn full_width(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
                'X' => 'Ｘ',
                c => c,
            })
            .collect()
    }

    fn kinds(text: &str) -> Vec<(LeakKind, String)> {
        find_leaks(text, today())
            .into_iter()
            .map(|m| (m.kind, m.masked))
            .collect()
    }

    #[test]
    fn id_numbers_need_a_checksum_a_birth_date_and_a_province() {
        let id = with_check("11010519491231002");
        assert_eq!(id, "11010519491231002X");
        assert!(is_id_number(&id, today()));
        let wrong_check = format!("{}1", &id[..17]);
        assert!(!is_id_number(&wrong_check, today()));
        assert!(
            !is_id_number(&with_check("11010519491331002"), today()),
            "month 13"
        );
        assert!(
            !is_id_number(&with_check("11010520300101002"), today()),
            "not born yet"
        );
        assert!(
            !is_id_number(&with_check("99010519491231002"), today()),
            "province 99"
        );
    }

    #[test]
    fn leaks_and_traps() {
        let id = with_check("32010219800512341");
        let text = format!("公示名单：张三，身份证号{id}，联系电话13812345678。");
        assert_eq!(
            kinds(&text),
            [
                (LeakKind::IdNumber, format!("320102********{}", &id[14..])),
                (LeakKind::Mobile, "138****5678".to_string()),
            ]
        );
        // Full-width digits count, an invalid checksum in full width does not.
        let fw = full_width(&id);
        assert_eq!(kinds(&format!("身份证：{fw}")).len(), 1);
        let bad = full_width(&format!(
            "{}{}",
            &id[..17],
            if id.ends_with('0') { '1' } else { '0' }
        ));
        assert!(kinds(&format!("身份证：{bad}")).is_empty());
        // One published 联系电话, a landline, a 文号, a date, masked numbers.
        for trap in [
            "咨询电话：13812345678",
            "联系电话：0917-1234567",
            "县政办发〔2023〕12号",
            "2023年10月11日",
            "联系人手机138****1234，身份证110105********1234",
            "订单号20231011123456789012",
        ] {
            assert!(kinds(trap).is_empty(), "{trap}");
        }
        // Three distinct mobiles.
        assert_eq!(
            kinds("张三13812345678、李四13912345678、王五15012345678").len(),
            3
        );
        // A table of names with one mobile.
        assert_eq!(kinds("序号\t姓名\t电话\n1\t张三\t13812345678\n").len(), 1);
    }

    #[test]
    fn bank_cards_need_luhn_and_a_word_nearby() {
        let valid = (0..10)
            .map(|d| format!("622202020011234567{d}"))
            .find(|c| luhn(c))
            .unwrap();
        assert_eq!(
            kinds(&format!("补贴发放至本人银行卡号：{valid}")),
            [(
                LeakKind::BankCard,
                format!("6222***********{}", &valid[15..])
            )]
        );
        assert!(
            kinds(&format!("项目编号{valid}")).is_empty(),
            "no card word"
        );
        let invalid = (0..10)
            .map(|d| format!("622202020011234567{d}"))
            .find(|c| !luhn(c))
            .unwrap();
        assert!(kinds(&format!("银行卡号：{invalid}")).is_empty());
    }

    #[test]
    fn contexts_mask_long_digit_runs() {
        let id = with_check("32010219800512341");
        let masked = mask_digit_runs(&format!("号码{id}与１３８１２３４５６７８及0917-1234567"));
        assert!(!masked.contains(&id));
        assert!(masked.contains("138****5678"), "{masked}");
        assert!(masked.contains("0917-1234567"));
    }
}
