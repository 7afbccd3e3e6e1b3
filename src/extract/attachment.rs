//! The text of an attachment (附件): PDF, DOCX, XLSX and XLS, for the content scan.
//! WPS and DOC files are not read (no maintained crate reads them).
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
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AttachmentKind::Pdf => "pdf",
            AttachmentKind::Docx => "docx",
            AttachmentKind::Xlsx => "xlsx",
            AttachmentKind::Xls => "xls",
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

/// The child's side of `govwatch internal extract-text --kind KIND`: limits its own
/// memory and CPU time first, reads the file on stdin and prints its text. Returns the
/// exit code (0 read, 2 unreadable).
pub fn run_child(kind: &str, cpu_seconds: u64) -> u8 {
    use std::io::Write;
    limit_self(CHILD_MEMORY_BYTES, cpu_seconds);
    let Some(kind) = AttachmentKind::from_code(kind) else {
        eprintln!("error: unknown kind {kind:?} (pdf, docx, xlsx, xls)");
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
        assert_eq!(kind("http://a/x/a.doc"), None);
        assert_eq!(kind("http://a/x/a.wps"), None);
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        for kind in [
            AttachmentKind::Pdf,
            AttachmentKind::Docx,
            AttachmentKind::Xlsx,
            AttachmentKind::Xls,
        ] {
            assert!(
                extract_text(kind, b"not a file at all").is_err(),
                "{kind:?}"
            );
        }
    }
}
