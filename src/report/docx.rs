//! Word documents (.docx) an office opens and edits in Word or WPS: A4 with the margins
//! of official documents (GB/T 9704), the title in 小标宋, headings in 黑体, body text in
//! 仿宋 三号 with a two-character first-line indent, and tables in 五号 with a shaded,
//! bold header row. The writer knows paragraphs and [`Table`]s, not what they mean.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, PageMargin, PageNum, Paragraph, Run,
    RunFonts, Shading, ShdType, SpecialIndentType, Table as DocTable, TableCell, TableRow,
    VAlignType, VMergeType, WidthType,
};

use super::table::display_width;
use super::{Cell, ReportError, Table};

/// A4 in twentieths of a point, and the text width between the margins.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const LEFT: i32 = 1588;
const RIGHT: i32 = 1474;
const TEXT_W: usize = (PAGE_W as i32 - LEFT - RIGHT) as usize;

/// Font sizes in half points: 二号, 三号, 四号, 五号.
const TITLE: usize = 44;
/// 发文机关标志: larger than the title (初号 is 84; a draft's masthead stays smaller).
const MASTHEAD: usize = 52;
const BODY: usize = 32;
const TABLE_TITLE: usize = 28;
const TABLE_TEXT: usize = 21;

const TITLE_FONT: &str = "方正小标宋简体";
const HEADING_FONT: &str = "黑体";
const BODY_FONT: &str = "仿宋_GB2312";

fn fonts(east_asia: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(east_asia)
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
}

/// A run of text, lines separated by line breaks.
fn run(text: &str, size: usize, font: &str) -> Run {
    let mut run = Run::new().size(size).fonts(fonts(font));
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    run
}

/// A document being written, block by block.
pub struct Document {
    docx: Docx,
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

/// The page number at the foot of every page, centred as official documents print it:
/// `— 1 —`.
fn page_number_footer() -> Footer {
    Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text("— "))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" —")),
    )
}

impl Document {
    pub fn new() -> Document {
        let docx = Docx::new()
            .page_size(PAGE_W, PAGE_H)
            .page_margin(
                PageMargin::new()
                    .top(2098)
                    .bottom(1984)
                    .left(LEFT)
                    .right(RIGHT)
                    .header(851)
                    .footer(992),
            )
            .default_fonts(fonts(BODY_FONT))
            .default_size(BODY)
            .footer(page_number_footer());
        Document { docx }
    }

    fn push(mut self, p: Paragraph) -> Self {
        self.docx = self.docx.add_paragraph(p);
        self
    }

    /// The issuing office above the title (发文机关标志): centred, red, in the title font.
    pub fn masthead(self, text: &str) -> Self {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(LineSpacing::new().after(320))
                .add_run(run(text, MASTHEAD, TITLE_FONT).color("C00000")),
        )
    }

    /// The document's title, centred.
    pub fn title(self, text: &str) -> Self {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Center)
                .add_run(run(text, TITLE, TITLE_FONT)),
        )
    }

    /// A section heading (一、总体情况) in 黑体, indented like the body.
    pub fn heading(self, text: &str) -> Self {
        self.push(
            Paragraph::new()
                .outline_lvl(1)
                .keep_next(true)
                .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                .add_run(run(text, BODY, HEADING_FONT)),
        )
    }

    /// A heading that starts a new page (附件1), flush left.
    pub fn page_heading(self, text: &str) -> Self {
        self.push(
            Paragraph::new()
                .outline_lvl(1)
                .keep_next(true)
                .page_break_before(true)
                .add_run(run(text, BODY, HEADING_FONT)),
        )
    }

    /// A body paragraph with a two-character first-line indent.
    pub fn para(self, text: &str) -> Self {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Both)
                .indent(None, Some(SpecialIndentType::FirstLine(640)), None, None)
                .add_run(run(text, BODY, BODY_FONT)),
        )
    }

    /// A line flush left (the issuer, the addressees).
    pub fn line(self, text: &str) -> Self {
        self.push(Paragraph::new().add_run(run(text, BODY, BODY_FONT)))
    }

    /// `lead` then items, the items after the first aligned under the first one:
    /// `附件:1.…` / `     2.…`. Kept whole and on the page of what follows (the
    /// signature), so the signature never stands alone on a page.
    pub fn hanging(self, lead: &str, items: &[String]) -> Self {
        let lead_w = display_width(lead) as i32 * 160;
        self.push(
            Paragraph::new()
                .keep_next(true)
                .keep_lines(true)
                .indent(
                    Some(640 + lead_w),
                    Some(SpecialIndentType::Hanging(lead_w)),
                    None,
                    None,
                )
                .add_run(run(&format!("{lead}{}", items.join("\n")), BODY, BODY_FONT)),
        )
    }

    /// Lines aligned right (the signature and date).
    pub fn right(self, text: &str) -> Self {
        self.push(
            Paragraph::new()
                .align(AlignmentType::Right)
                .keep_lines(true)
                .line_spacing(LineSpacing::new().before(640))
                .indent(None, None, Some(640 * 2), None)
                .add_run(run(text, BODY, BODY_FONT)),
        )
    }

    /// A table: its title centred above, the header row bold and shaded, its notes below.
    pub fn table(mut self, t: &Table) -> Self {
        if !t.title.is_empty() {
            self = self.push(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .keep_next(true)
                    .add_run(run(&t.title, TABLE_TITLE, HEADING_FONT)),
            );
        } else {
            // Word joins tables with nothing between them: an empty line keeps them apart.
            self = self.push(Paragraph::new().keep_next(true));
        }
        let widths = column_widths(t);
        let cell = |text: &str, width: usize, center: bool, header: bool| {
            let mut r = run(text, TABLE_TEXT, BODY_FONT);
            if header {
                r = r.bold();
            }
            // The paragraph mark at the table's size too: an empty cell is no taller
            // than its row's text.
            let mut p = Paragraph::new().size(TABLE_TEXT).add_run(r);
            if center {
                p = p.align(AlignmentType::Center);
            }
            let mut c = TableCell::new()
                .width(width, WidthType::Dxa)
                .vertical_align(VAlignType::Center)
                .add_paragraph(p);
            if header {
                c = c.shading(Shading::new().shd_type(ShdType::Clear).fill("DDEBF7"));
            }
            c
        };
        let mut rows = if t.groups.is_empty() {
            vec![TableRow::new(
                t.headers
                    .iter()
                    .zip(&widths)
                    .map(|(h, w)| cell(h, *w, true, true))
                    .collect(),
            )]
        } else {
            // Two header rows: a group's label over its headers (gridSpan), a header of
            // no group merged down over both rows (vMerge).
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            let mut col = 0;
            for (label, span) in &t.groups {
                let span = (*span).min(t.headers.len().saturating_sub(col));
                let under = col..col + span;
                if label.is_empty() {
                    for i in under {
                        let w = widths[i];
                        top.push(
                            cell(&t.headers[i], w, true, true).vertical_merge(VMergeType::Restart),
                        );
                        bottom.push(cell("", w, true, true).vertical_merge(VMergeType::Continue));
                    }
                } else if span > 0 {
                    let w = widths[under.clone()].iter().sum();
                    top.push(cell(label, w, true, true).grid_span(span));
                    for i in under {
                        bottom.push(cell(&t.headers[i], widths[i], true, true));
                    }
                }
                col += span;
            }
            vec![TableRow::new(top), TableRow::new(bottom)]
        };
        for row in &t.rows {
            rows.push(TableRow::new(
                widths
                    .iter()
                    .enumerate()
                    .map(|(i, w)| {
                        let c = row.get(i).unwrap_or(&Cell::Empty);
                        // "/" and 及时更新 sit where numbers would: centred as they are.
                        let center = matches!(
                            c,
                            Cell::Int(_) | Cell::Date(_) | Cell::Mark(_) | Cell::Percent { .. }
                        );
                        cell(&c.display(), *w, center, false)
                    })
                    .collect(),
            ));
        }
        let table = DocTable::new(rows)
            .set_grid(widths.clone())
            .width(widths.iter().sum(), WidthType::Dxa);
        self.docx = self.docx.add_table(table);
        for note in &t.notes {
            self = self.push(Paragraph::new().add_run(run(note, TABLE_TEXT, BODY_FONT)));
        }
        self
    }

    /// The document as .docx bytes.
    pub fn to_bytes(self) -> Result<Vec<u8>, ReportError> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.docx
            .build()
            .pack(&mut out)
            .map_err(|e| ReportError::Docx(e.to_string()))?;
        Ok(out.into_inner())
    }
}

/// Twips per half-width character at 五号 (10.5 pt: a Chinese character is 210), and
/// a cell's left and right padding.
const CHAR_W: usize = 105;
const PADDING: usize = 230;
/// The space Word and LibreOffice add where Chinese meets Latin letters or digits
/// (autospacing: 2020年8月10日 is set as 2020 年 8 月 10 日), about a quarter of a
/// Chinese character, with some slack for fonts whose digits run wider.
const AUTOSPACE: usize = 70;
/// The least room a wrapping column keeps: four Chinese characters a line.
const MIN_TEXT: usize = 8 * CHAR_W + PADDING;
/// A label this wide or narrower (six Chinese characters: 页面不存在, 是否整改) keeps its
/// line when the table has room.
const SHORT: usize = 12 * CHAR_W + PADDING;

/// How wide one line of a cell is set, in twips: its characters and the autospacing
/// between its Chinese and its Latin runs.
fn line_twips(line: &str) -> usize {
    let mut boundaries = 0;
    let mut last: Option<bool> = None;
    for c in line.chars().filter(|c| !c.is_whitespace()) {
        let wide = display_width(c.encode_utf8(&mut [0; 4])) == 2;
        if last.is_some_and(|l| l != wide) {
            boundaries += 1;
        }
        last = Some(wide);
    }
    display_width(line) * CHAR_W + boundaries * AUTOSPACE
}

/// Column widths in twips. Each column wants room for its widest line (header
/// included); when all fit they share the text width by what they want, otherwise the
/// widest columns are narrowed (their text wraps) until the table fits, and the narrow
/// ones keep their room so 单位 or 是否整改 never wrap a character a line.
fn column_widths(t: &Table) -> Vec<usize> {
    let columns = t
        .headers
        .len()
        .max(t.rows.iter().map(Vec::len).max().unwrap_or(0));
    if columns == 0 {
        return Vec::new();
    }
    let natural: Vec<usize> = (0..columns)
        .map(|col| {
            let header = t.headers.get(col).map_or(0, |h| line_twips(h));
            let cells = t
                .rows
                .iter()
                .filter_map(|r| r.get(col))
                .map(|c| c.display().lines().map(line_twips).max().unwrap_or(0))
                .max()
                .unwrap_or(0);
            header.max(cells).max(4 * CHAR_W) + PADDING
        })
        .collect();
    let total: usize = natural.iter().sum();
    if total <= TEXT_W {
        return natural.iter().map(|w| TEXT_W * w / total).collect();
    }
    // Columns of dates and numbers keep their room (2020年8月10日 on one line), then
    // short labels (单位, 错误类型, 是否整改), shortest first, as long as every other
    // column keeps room for four Chinese characters a line.
    let numeric = |col: usize| {
        t.rows
            .iter()
            .any(|r| r.get(col).is_some_and(|c| !matches!(c, Cell::Empty)))
            && t.rows.iter().all(|r| {
                matches!(
                    r.get(col),
                    None | Some(
                        Cell::Empty
                            | Cell::Date(_)
                            | Cell::Int(_)
                            | Cell::Mark(_)
                            | Cell::Percent { .. }
                    )
                )
            })
    };
    let mut order: Vec<usize> = (0..columns).filter(|c| numeric(*c)).collect();
    let mut short: Vec<usize> = (0..columns)
        .filter(|c| !numeric(*c) && natural[*c] <= SHORT)
        .collect();
    short.sort_by_key(|c| natural[*c]);
    order.extend(short);
    let mut fixed = vec![false; columns];
    let mut kept = 0;
    for col in order {
        let others = fixed.iter().filter(|f| !**f).count() - 1;
        if kept + natural[col] + others * MIN_TEXT <= TEXT_W {
            fixed[col] = true;
            kept += natural[col];
        }
    }
    // The largest cap on a column's width with which the table still fits.
    let capped = |cap: usize| -> Vec<usize> {
        natural
            .iter()
            .zip(&fixed)
            .map(|(w, f)| if *f { *w } else { (*w).min(cap) })
            .collect()
    };
    let fits = |cap: usize| capped(cap).iter().sum::<usize>() <= TEXT_W;
    let (mut lo, mut hi) = (0, natural.iter().copied().max().unwrap_or(0));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) { lo = mid } else { hi = mid - 1 }
    }
    capped(lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrow_columns_keep_their_room_and_long_ones_wrap() {
        let mut t = Table::new("t", ["单位", "链接地址"]);
        t.push_row(vec![
            "县公安局".into(),
            "http://127.0.0.1:9/a/b/c/d.html".into(),
        ]);
        let w = column_widths(&t);
        let sum: usize = w.iter().sum();
        assert!(
            sum <= TEXT_W && sum + 2 >= TEXT_W,
            "fills the text width: {w:?}"
        );
        assert!(w[1] > w[0] * 3, "{w:?}");
        t.push_row(vec!["审计局".into(), "长".repeat(100).into()]);
        let w = column_widths(&t);
        assert_eq!(w[0], 8 * CHAR_W + PADDING, "单位 keeps its width");
        assert!(w.iter().sum::<usize>() <= TEXT_W, "{w:?}");
        assert!(w[1] > TEXT_W - w[0] - 10, "{w:?}");

        let day = chrono::NaiveDate::from_ymd_opt(2020, 8, 10).unwrap();
        // The broken-link list: the date and the short labels keep their line, the
        // page, the anchor and the URL wrap.
        let mut t = Table::new(
            "t",
            [
                "单位",
                "所在页面",
                "链接文字",
                "链接地址",
                "错误类型",
                "发现日期",
                "是否整改",
            ],
        );
        t.push_row(vec![
            "县政府办".into(),
            "示例县人民政府首页".into(),
            "2019年政策文件汇编".into(),
            "http://127.0.0.1:40309/xxgk/2019/zcwj.html".into(),
            "页面不存在".into(),
            day.into(),
            "否".into(),
        ]);
        let w = column_widths(&t);
        assert!(w.iter().sum::<usize>() <= TEXT_W, "{w:?}");
        assert_eq!(w[0], 8 * CHAR_W + PADDING, "{w:?}");
        assert_eq!(
            w[4],
            10 * CHAR_W + PADDING,
            "页面不存在 keeps its line: {w:?}"
        );
        assert_eq!(w[6], 8 * CHAR_W + PADDING, "{w:?}");
        assert!(w[1].min(w[2]).min(w[3]) >= MIN_TEXT, "{w:?}");
        let mut t = Table::new("t", ["链接地址", "链接文字", "发现日期"]);
        t.push_row(vec![
            "长".repeat(60).into(),
            "长".repeat(30).into(),
            day.into(),
        ]);
        let w = column_widths(&t);
        // 2020年8月10日: thirteen half widths and five Chinese–digit boundaries.
        assert_eq!(
            w[2],
            13 * CHAR_W + 5 * AUTOSPACE + PADDING,
            "a date keeps its line: {w:?}"
        );
        assert!(w.iter().sum::<usize>() <= TEXT_W, "{w:?}");
    }
}
