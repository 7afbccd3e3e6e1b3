//! Names as offices write them and as govwatch compares them: the one place that says
//! when two account names are the same (`渭滨 城管` is `渭滨城管`, `ＡＢＣ` is `abc`).
//!
//! The sheet import uses it to read cells and to match sheet rows with the catalog;
//! detect uses [`normalize_name`] to match platform listings with the registered
//! inventory. Pure text functions: no catalog, no I/O.

/// Whether a character is CJK (or other non-ASCII script), for spacing decisions.
fn is_wide(c: char) -> bool {
    !c.is_ascii()
}

/// Removes whitespace between wide characters (`政 务 微 博` → `政务微博`, `乡 镇` →
/// `乡镇`) and collapses the rest to single spaces.
pub fn squash(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let prev = words[i - 1].chars().last().is_some_and(is_wide);
            let next = w.chars().next().is_some_and(is_wide);
            if !(prev && next) {
                out.push(' ');
            }
        }
        out.push_str(w);
    }
    out
}

/// A name as compared between a sheet and the catalog: no whitespace, full-width
/// letters and digits folded to ASCII, lower case.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The account names in one cell. Offices sometimes list two accounts of one unit in
/// one cell (seed 003: `双河政事 苍溪县双河乡人民政府`): a cell splits on line breaks,
/// `、` and `；`, and on spaces when every part is a Chinese name of four or more
/// characters; shorter parts are one spaced name (`渭滨 城管`, `苍 溪 交 通`), joined.
pub fn split_names(cell: &str) -> Vec<String> {
    cell.split(['\n', '\r', '、', '；', ';'])
        .flat_map(|part| {
            let words: Vec<&str> = part.split_whitespace().collect();
            let separate = words.len() > 1
                && words
                    .iter()
                    .all(|w| w.chars().count() >= 4 && w.chars().all(is_wide));
            if separate {
                words.iter().map(|w| w.to_string()).collect()
            } else {
                vec![squash(part)]
            }
        })
        .filter(|n| !n.is_empty())
        .collect()
}

/// The catalog unit a written 承办单位 names: the same name once normalized, or the
/// same without the 县/区/市 prefix (`住建局` is `县住建局`). `None` when none matches.
pub fn unit_named<'a>(written: &str, units: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let bare = |n: &str| {
        let n = normalize_name(n);
        n.trim_start_matches(['县', '区', '市']).to_string()
    };
    let want = normalize_name(written);
    let want_bare = bare(written);
    let mut loose = None;
    for u in units {
        if normalize_name(u) == want {
            return Some(u);
        }
        if loose.is_none() && !want_bare.is_empty() && bare(u) == want_bare {
            loose = Some(u);
        }
    }
    loose
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_only_when_a_cell_lists_several() {
        assert_eq!(
            split_names("双河政事 苍溪县双河乡人民政府"),
            ["双河政事", "苍溪县双河乡人民政府"]
        );
        assert_eq!(split_names("苍 溪 交 通"), ["苍溪交通"]);
        assert_eq!(split_names("渭滨 城管"), ["渭滨城管"]);
        assert_eq!(split_names("渭滨城管、渭滨执法"), ["渭滨城管", "渭滨执法"]);
        assert_eq!(split_names("Weibin  Police"), ["Weibin Police"]);
        assert_eq!(split_names(" 渭滨气象 "), ["渭滨气象"]);
        assert_eq!(squash("乡 镇"), "乡镇");
        assert_eq!(normalize_name("渭滨 ＡＢＣ"), "渭滨abc");
    }
}
