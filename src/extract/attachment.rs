//! The text of an attachment (附件): PDF, DOCX, XLSX and XLS, for the content scan, and
//! the old binary Word files (.doc, and .wps as WPS Office writes it: the same OLE2
//! compound file with a `WordDocument` stream), read through their piece table with
//! the `cfb` crate. An encrypted file, or an old Kingsoft .wps of another format, is
//! unreadable.
//!
//! These parsers meet hostile files (a PDF that loops, a decompression bomb), so the
//! cycle never calls [`extract_text`] in its own process: it runs `govwatch internal
//! extract-text --kind KIND` (see [`run_child`]) as a child with a time and memory limit,
//! and a child that fails, is killed or overruns makes the attachment `unreadable`.

use std::io::{Cursor, Read};

use calamine::{Data, Reader};

/// Bytes a decompressed part of a file may take (a PDF stream, a DOCX's XML).
const MAX_PART_BYTES: u64 = 64 * 1024 * 1024;
/// Address space of the extracting child (`RLIMIT_AS`).
pub const CHILD_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;

/// An attachment kind whose text govwatch reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachmentKind {
    Pdf,
    Docx,
    Xlsx,
    Xls,
    /// Word 97–2003 (.doc) and WPS Office (.wps) binary documents.
    Doc,
}

impl AttachmentKind {
    /// By the URL's path extension; `None` for a file govwatch does not read.
    pub fn of_url(url: &url::Url) -> Option<AttachmentKind> {
        let path = url.path().to_ascii_lowercase();
        let ext = path.rsplit_once('.')?.1;
        AttachmentKind::from_code(ext)
    }

    pub fn from_code(code: &str) -> Option<AttachmentKind> {
        match code {
            "pdf" => Some(AttachmentKind::Pdf),
            "docx" => Some(AttachmentKind::Docx),
            "xlsx" => Some(AttachmentKind::Xlsx),
            "xls" => Some(AttachmentKind::Xls),
            "doc" | "wps" => Some(AttachmentKind::Doc),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Docx => "docx",
            AttachmentKind::Xlsx => "xlsx",
            AttachmentKind::Xls => "xls",
            AttachmentKind::Doc => "doc",
        }
    }
}

/// Why a file's text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("not a readable {kind}: {detail}")]
    Malformed { kind: &'static str, detail: String },
}

fn malformed(kind: AttachmentKind, e: impl std::fmt::Display) -> ExtractError {
    ExtractError::Malformed {
        kind: kind.code(),
        detail: e.to_string(),
    }
}

/// The text of a file: pages, paragraphs and rows on lines, table cells separated by tabs.
/// In-process: only for the child (see the module's doc).
pub fn extract_text(kind: AttachmentKind, bytes: &[u8]) -> Result<String, ExtractError> {
    match kind {
        AttachmentKind::Pdf => pdf_text(bytes),
        AttachmentKind::Docx => docx_text(bytes),
        AttachmentKind::Xlsx | AttachmentKind::Xls => sheet_text(kind, bytes),
        AttachmentKind::Doc => doc_text(bytes),
    }
    .map_err(|e| malformed(kind, e))
}

fn pdf_text(bytes: &[u8]) -> Result<String, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let mut text = String::new();
    // A page that cannot be read leaves the others readable.
    for t in doc
        .extract_text_chunks_with_limit(&pages, MAX_PART_BYTES as usize)
        .into_iter()
        .flatten()
    {
        text.push_str(&t);
        text.push('\n');
    }
    Ok(text)
}

fn docx_text(bytes: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut xml = Vec::new();
    zip.by_name("word/document.xml")
        .map_err(|e| e.to_string())?
        .take(MAX_PART_BYTES)
        .read_to_end(&mut xml)
        .map_err(|e| e.to_string())?;
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut text = String::new();
    let mut in_text = false;
    loop {
        match reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?
        {
            Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => text.push('\n'),
                "tc" => text.push('\t'),
                _ => {}
            },
            Event::Empty(e) if e.local_name().as_ref() == "tab" => text.push('\t'),
            Event::Text(t) if in_text => {
                text.push_str(&t.into_inner());
            }
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    text.push_str(match r.into_inner().as_ref() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(text)
}

fn sheet_text(kind: AttachmentKind, bytes: &[u8]) -> Result<String, String> {
    let mut text = String::new();
    let mut push_range = |range: calamine::Range<Data>| {
        for row in range.rows() {
            let cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    other => other.to_string(),
                })
                .collect();
            text.push_str(&cells.join("\t"));
            text.push('\n');
        }
    };
    if kind == AttachmentKind::Xls {
        let mut book = calamine::Xls::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        for (_, range) in book.worksheets() {
            push_range(range);
        }
    } else {
        let mut book = calamine::Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
        for (_, range) in book.worksheets() {
            push_range(range);
        }
    }
    Ok(text)
}

/// The text of a Word 97–2003 binary document ([MS-DOC]): the File Information Block at
/// the start of the `WordDocument` stream names the table stream (`0Table` or `1Table`)
/// and where its piece table (the `Clx`) is; each piece is a run of characters stored
/// as UTF-16 or, "compressed", one byte each (Windows-1252). Field codes (HYPERLINK …)
/// are left out, their results kept; paragraph and cell marks end lines and cells.
fn doc_text(bytes: &[u8]) -> Result<String, String> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let read = |file: &mut cfb::CompoundFile<Cursor<&[u8]>>, name: &str| {
        let mut out = Vec::new();
        file.open_stream(name)
            .map_err(|e| format!("no {name} stream: {e}"))?
            .take(MAX_PART_BYTES)
            .read_to_end(&mut out)
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(out)
    };
    let word = read(&mut file, "WordDocument")?;
    let u16_at = |b: &[u8], at: usize| b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    if u16_at(&word, 0) != Some(0xA5EC) {
        return Err("not a Word document (no FIB)".into());
    }
    let flags = u16_at(&word, 0x0A).ok_or("short FIB")?;
    if flags & 0x0100 != 0 {
        return Err("encrypted".into());
    }
    // FibBase (32 bytes), then csw and FibRgW, cslw and FibRgLw, cbRgFcLcb and the
    // fc/lcb pairs, of which fcClx/lcbClx is the 34th.
    let csw = usize::from(u16_at(&word, 32).ok_or("short FIB")?);
    let at_lw = 34 + csw * 2;
    let cslw = usize::from(u16_at(&word, at_lw).ok_or("short FIB")?);
    let at_fclcb = at_lw + 2 + cslw * 4 + 2;
    let fc_clx = u32_at(&word, at_fclcb + 33 * 8).ok_or("short FIB")? as usize;
    let lcb_clx = u32_at(&word, at_fclcb + 33 * 8 + 4).ok_or("short FIB")? as usize;
    let table_name = if flags & 0x0200 != 0 {
        "1Table"
    } else {
        "0Table"
    };
    let table = read(&mut file, table_name)?;
    let clx = table
        .get(fc_clx..fc_clx.saturating_add(lcb_clx))
        .ok_or("the piece table is outside the table stream")?;
    // Skip the Prc entries (0x01, size, grpprl) to the Pcdt (0x02, size, PlcPcd).
    let mut at = 0;
    let plc = loop {
        match clx.get(at) {
            Some(0x01) => {
                let size = u16_at(clx, at + 1).ok_or("short Clx")? as usize;
                at += 3 + size;
            }
            Some(0x02) => {
                let size = u32_at(clx, at + 1).ok_or("short Clx")? as usize;
                break clx.get(at + 5..at + 5 + size).ok_or("short PlcPcd")?;
            }
            _ => return Err("no piece table".into()),
        }
    };
    if plc.len() < 4 {
        return Err("empty piece table".into());
    }
    let pieces = (plc.len() - 4) / 12;
    let mut chars: Vec<u16> = Vec::new();
    for i in 0..pieces {
        let start = u32_at(plc, i * 4).ok_or("short PlcPcd")? as usize;
        let end = u32_at(plc, (i + 1) * 4).ok_or("short PlcPcd")? as usize;
        let count = end.saturating_sub(start);
        let fc = u32_at(plc, (pieces + 1) * 4 + i * 8 + 2).ok_or("short PlcPcd")?;
        if fc & 0x4000_0000 != 0 {
            let from = (fc & 0x3FFF_FFFF) as usize / 2;
            let run = word
                .get(from..from + count)
                .ok_or("a piece is outside the document")?;
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(run);
            chars.extend(text.encode_utf16());
        } else {
            let from = fc as usize;
            let run = word
                .get(from..from + count * 2)
                .ok_or("a piece is outside the document")?;
            chars.extend(
                run.chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]])),
            );
        }
    }
    // Field codes (between 0x13 and 0x14) are dropped; results (to 0x15) kept.
    let mut text = String::new();
    let mut codes: Vec<bool> = Vec::new();
    for c in char::decode_utf16(chars) {
        let c = c.unwrap_or('\u{FFFD}');
        match c {
            '\u{13}' => codes.push(true),
            '\u{14}' => {
                if let Some(top) = codes.last_mut() {
                    *top = false;
                }
            }
            '\u{15}' => {
                codes.pop();
            }
            _ if codes.last().copied().unwrap_or(false) => {}
            '\r' | '\u{0B}' | '\u{0C}' => text.push('\n'),
            '\u{07}' => text.push('\t'),
            '\u{1E}' => text.push('-'),
            '\u{00}'..='\u{1F}' => {}
            c => text.push(c),
        }
    }
    Ok(text)
}

/// The child's side of `govwatch internal extract-text --kind KIND`: limits its own
/// memory and CPU time first, reads the file on stdin and prints its text. Returns the
/// exit code (0 read, 2 unreadable).
pub fn run_child(kind: &str, cpu_seconds: u64) -> u8 {
    use std::io::Write;
    limit_self(CHILD_MEMORY_BYTES, cpu_seconds);
    let Some(kind) = AttachmentKind::from_code(kind) else {
        eprintln!("error: unknown kind {kind:?} (pdf, docx, xlsx, xls, doc)");
        return 2;
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("error: cannot read stdin: {e}");
        return 2;
    }
    match extract_text(kind, &bytes) {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return 2;
            }
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

/// `RLIMIT_AS` and `RLIMIT_CPU` on the calling process (the child, before it reads).
fn limit_self(memory: u64, cpu_seconds: u64) {
    let set = |resource, value: u64| {
        let limit = libc::rlimit {
            rlim_cur: value as libc::rlim_t,
            rlim_max: value as libc::rlim_t,
        };
        // SAFETY: setrlimit reads the struct it is given and touches nothing else.
        unsafe { libc::setrlimit(resource, &limit) };
    };
    set(libc::RLIMIT_AS, memory);
    set(libc::RLIMIT_CPU, cpu_seconds.max(1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension() {
        let kind = |u: &str| AttachmentKind::of_url(&url::Url::parse(u).unwrap());
        assert_eq!(kind("http://a/x/名单.XLSX"), Some(AttachmentKind::Xlsx));
        assert_eq!(kind("http://a/x/a.pdf?v=1"), Some(AttachmentKind::Pdf));
        assert_eq!(kind("http://a/x/a.doc"), Some(AttachmentKind::Doc));
        assert_eq!(kind("http://a/x/a.WPS"), Some(AttachmentKind::Doc));
        assert_eq!(kind("http://a/x/a.ppt"), None);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for kind in [
            AttachmentKind::Pdf,
            AttachmentKind::Docx,
            AttachmentKind::Xlsx,
            AttachmentKind::Xls,
            AttachmentKind::Doc,
        ] {
            assert!(
                extract_text(kind, b"not a file at all").is_err(),
                "{kind:?}"
            );
        }
    }

    /// tests/fixtures/attachments/notice.doc: notice.html beside it, saved as Word 97 by
    /// LibreOffice (`soffice --headless --convert-to 'doc:MS Word 97' notice.html`).
    #[test]
    fn a_word_97_document_is_read_through_its_piece_table() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/attachments/notice.doc"
        ))
        .unwrap();
        let text = extract_text(AttachmentKind::Doc, &bytes).unwrap();
        assert!(
            text.contains("关于热烈庆祝中华人民共合国成立的通知\n"),
            "{text:?}"
        );
        assert!(
            text.contains("经办人身份证号11010519491231002X，联系电话0917-1234567。"),
            "{text:?}"
        );
        assert!(text.contains("张三\t13912345678\t"), "{text:?}");
        // A cut file is an error, not a panic.
        assert!(extract_text(AttachmentKind::Doc, &bytes[..bytes.len() / 2]).is_err());
    }
}
