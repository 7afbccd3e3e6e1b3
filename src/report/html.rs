//! HTML that renders the same in a browser and in mail clients (Outlook, Foxmail, the
//! web mail of 163/QQ and government mail systems): inline styles only, tables with
//! border attributes as a fallback, no scripts, fonts, images or other external assets.

use std::fmt::Write;

use super::{Cell, Table};

const FONT: &str =
    "font-family:'Microsoft YaHei','PingFang SC','Noto Sans CJK SC',SimSun,sans-serif";
const TABLE: &str = "border-collapse:collapse;margin:4px 0 12px 0;font-size:14px";
const TH: &str = "border:1px solid #9bb7d4;background:#ddebf7;padding:4px 8px;text-align:left;white-space:nowrap";
const TD: &str = "border:1px solid #c8d3df;padding:4px 8px;vertical-align:top";
const TITLE: &str = "font-size:15px;font-weight:bold;margin:14px 0 4px 0";
const NOTE: &str = "font-size:13px;color:#555;margin:2px 0";

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One table as an HTML fragment: its title, the table, its notes.
pub fn table(t: &Table) -> String {
    table_linking(t, |url| url.to_string())
}

/// As [`table`], each link shown as `label(url)`; the address stays in the link and its
/// tooltip. For narrow tables (the email's), where a whole address would break.
pub fn table_linking(t: &Table, label: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    if !t.title.is_empty() {
        let _ = writeln!(out, "<p style=\"{TITLE}\">{}</p>", escape(&t.title));
    }
    let _ = writeln!(
        out,
        "<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\" style=\"{TABLE}\">"
    );
    out.push_str("<thead>");
    out.push_str(&header_rows(t));
    out.push_str("</thead>\n<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "{}", td(cell, &label));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    for note in &t.notes {
        let _ = writeln!(out, "<p style=\"{NOTE}\">{}</p>", escape(note));
    }
    out
}

/// The header row, or two when the headers are grouped: a group's label centred over
/// its headers, a header of no group standing over both rows.
fn header_rows(t: &Table) -> String {
    let th = |text: &str, attrs: &str, align: &str| {
        format!("<th{attrs} style=\"{TH}{align}\">{}</th>", escape(text))
    };
    if t.groups.is_empty() {
        let cells: String = t.headers.iter().map(|h| th(h, "", "")).collect();
        return format!("<tr>{cells}</tr>");
    }
    let (mut top, mut bottom) = (String::new(), String::new());
    let mut headers = t.headers.iter();
    for (label, span) in &t.groups {
        let under: Vec<&String> = headers.by_ref().take(*span).collect();
        if label.is_empty() {
            for h in under {
                top.push_str(&th(h, " rowspan=\"2\"", ""));
            }
        } else {
            top.push_str(&th(
                label,
                &format!(" colspan=\"{span}\""),
                ";text-align:center",
            ));
            for h in under {
                bottom.push_str(&th(h, "", ""));
            }
        }
    }
    format!("<tr>{top}</tr>\n<tr>{bottom}</tr>")
}

fn td(cell: &Cell, label: &dyn Fn(&str) -> String) -> String {
    match cell {
        Cell::Int(n) => format!("<td style=\"{TD};text-align:right\">{n}</td>"),
        Cell::Percent { .. } => format!(
            "<td style=\"{TD};text-align:right;white-space:nowrap\">{}</td>",
            cell.display()
        ),
        Cell::Mark(s) => format!(
            "<td style=\"{TD};text-align:right;white-space:nowrap\">{}</td>",
            escape(s)
        ),
        Cell::Date(_) => format!(
            "<td style=\"{TD};white-space:nowrap\">{}</td>",
            cell.display()
        ),
        Cell::Empty => format!("<td style=\"{TD}\"></td>"),
        Cell::Text(s) => {
            let body = if s.starts_with("http://") || s.starts_with("https://") {
                let e = escape(s);
                let shown = label(s);
                let title = if shown == *s {
                    String::new()
                } else {
                    format!(" title=\"{e}\"")
                };
                format!(
                    "<a href=\"{e}\"{title} style=\"color:#1a5fb4;word-break:break-all\">{}</a>",
                    escape(&shown)
                )
            } else {
                escape(s).replace('\n', "<br>")
            };
            format!("<td style=\"{TD}\">{body}</td>")
        }
    }
}

/// A whole HTML document around `body` (already HTML), in the report font.
pub fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n</head>\n<body style=\"{FONT};font-size:14px;line-height:1.6;color:#222;margin:0;padding:16px\">\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// Tables as a whole document with a heading.
pub fn render(title: &str, tables: &[Table]) -> String {
    let mut body = format!(
        "<h2 style=\"font-size:18px;margin:0 0 8px 0\">{}</h2>\n",
        escape(title)
    );
    for t in tables {
        body.push_str(&table(t));
    }
    document(title, &body)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn tables_are_escaped_inline_styled_and_self_contained() {
        let mut t = Table::new(
            "问题清单 <本周>",
            ["责任单位", "证据链接", "发现日期", "条数"],
        );
        t.push_row(vec![
            "A&B".into(),
            "http://127.0.0.1:9/gzdt/?a=1&b=2".into(),
            NaiveDate::from_ymd_opt(2020, 1, 9).unwrap().into(),
            Cell::Int(2),
        ]);
        t.notes.push("合格率 70.7%".into());
        let html = render("通报", &[t]);
        assert!(html.contains("问题清单 &lt;本周&gt;"));
        assert!(html.contains(
            "<td style=\"border:1px solid #c8d3df;padding:4px 8px;vertical-align:top\">A&amp;B</td>"
        ));
        assert!(html.contains("href=\"http://127.0.0.1:9/gzdt/?a=1&amp;b=2\""));
        assert!(html.contains(">2020年1月9日</td>"));
        assert!(html.contains(">合格率 70.7%</p>"));
        assert!(!html.contains("<link") && !html.contains("<script") && !html.contains("<style"));
    }

    #[test]
    fn marks_align_as_numbers_and_groups_head_their_columns() {
        let mut t = Table::new("附件3", ["单位", "应公开数", "实公开数"]);
        t.groups = vec![("".into(), 1), ("工作动态".into(), 2)];
        t.push_row(vec![
            "审计局".into(),
            Cell::Mark("及时更新".into()),
            Cell::Mark("/".into()),
        ]);
        let html = table(&t);
        assert!(html.contains("<th rowspan=\"2\""), "{html}");
        assert!(html.contains("colspan=\"2\""), "{html}");
        assert!(
            html.contains(";text-align:center\">工作动态</th></tr>\n<tr><th"),
            "{html}"
        );
        assert!(
            html.contains("text-align:right;white-space:nowrap\">/</td>"),
            "{html}"
        );
    }
}
