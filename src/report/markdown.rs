//! Markdown tables (GitHub/CommonMark pipe tables) for drafts an office edits in a
//! text editor or pastes into a wiki.

use super::Table;

/// One table: a `###` title, the pipe table, then its notes as paragraphs.
pub fn table(t: &Table) -> String {
    let mut out = String::new();
    if !t.title.is_empty() {
        out.push_str(&format!("### {}\n\n", t.title));
    }
    // One header row: a grouped header reads 工作动态应公开数.
    let headers = t.flat_headers();
    let columns = headers
        .len()
        .max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
    let header: Vec<String> = (0..columns)
        .map(|i| headers.get(i).map_or(String::new(), |h| cell(h)))
        .collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    out.push_str(&format!("|{}\n", " --- |".repeat(columns.max(1))));
    for row in &t.rows {
        let cells: Vec<String> = (0..columns)
            .map(|i| row.get(i).map_or(String::new(), |c| cell(&c.display())))
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    for note in &t.notes {
        out.push_str(&format!("\n{note}\n"));
    }
    out
}

/// Several tables, separated by blank lines.
pub fn render(tables: &[Table]) -> String {
    tables.iter().map(table).collect::<Vec<_>>().join("\n")
}

fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Cell;

    #[test]
    fn pipes_and_newlines_stay_inside_their_cell() {
        let mut t = Table::new("附件3", ["单位", "应公开数", "实公开数"]);
        t.push_row(vec!["城区统一建设局".into(), Cell::Int(12), Cell::Int(9)]);
        t.push_row(vec!["a|b\nc".into(), Cell::Empty, Cell::Int(0)]);
        t.notes.push("备注：未完成任务单位".into());
        assert_eq!(
            table(&t),
            "### 附件3\n\n| 单位 | 应公开数 | 实公开数 |\n| --- | --- | --- |\n\
             | 城区统一建设局 | 12 | 9 |\n| a\\|b<br>c |  | 0 |\n\n备注：未完成任务单位\n"
        );
    }
}
