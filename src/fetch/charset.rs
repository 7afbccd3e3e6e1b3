//! Which character set a page is written in, and its text.
//!
//! Chinese government pages are often GBK/GB2312/GB18030, and some declare one charset
//! and send another (an old `charset=gb2312` meta tag left in a UTF-8 template, a server
//! that adds `charset=utf-8` to every answer). The candidates are tried in order: a byte
//! order mark, the HTTP `Content-Type` header, then `<meta charset>` / `http-equiv`. A
//! declared charset wins only if the body decodes under it without a single error (and,
//! for a single-byte charset, only if detection does not find a multi-byte one that also
//! fits); otherwise detection (chardetng) decides. GB2312 and GBK labels decode as GBK,
//! which encoding_rs decodes as GB18030, a superset: no character of either is lost.
//!
//! Pure functions: bytes in, text out.

use encoding_rs::{Encoding, UTF_8};

/// Where the charset that decoded a page came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharsetSource {
    /// A byte order mark at the start of the body.
    Bom,
    /// The `charset` parameter of the HTTP `Content-Type` header.
    Header,
    /// `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
    Meta,
    /// Nothing declared fits the bytes: detected from the bytes themselves.
    Detected,
}

impl CharsetSource {
    /// The name stored with a fetch attempt (`charset_source`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bom => "bom",
            Self::Header => "header",
            Self::Meta => "meta",
            Self::Detected => "detected",
        }
    }
}

/// A body decoded to text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding that decoded it (`GBK` for GB2312/GBK labels).
    pub charset: &'static Encoding,
    pub source: CharsetSource,
    /// Some byte sequences were invalid even under the chosen charset and were replaced
    /// by U+FFFD. Only possible for detected charsets (or a BOM): a declared charset
    /// with errors is never chosen.
    pub malformed: bool,
}

impl Decoded {
    /// The charset's WHATWG name, e.g. `UTF-8`, `GBK`, `gb18030`, `Big5`.
    pub fn charset_name(&self) -> &'static str {
        self.charset.name()
    }
}

/// Decodes `bytes`, given the response's `Content-Type` header if any.
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> Decoded {
    decode_with_tld(bytes, content_type, None)
}

/// Like [`decode`], with the top-level domain of the page's host (`cn`, `com` …) as a
/// hint for detection: for `.cn` hosts an ambiguous body is more likely GBK.
pub fn decode_with_tld(bytes: &[u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, malformed) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Decoded {
            text: text.into_owned(),
            charset: encoding,
            source: CharsetSource::Bom,
            malformed,
        };
    }

    let declared = [
        (content_type.and_then(header_charset), CharsetSource::Header),
        (meta_charset(bytes), CharsetSource::Meta),
    ];
    let non_ascii = !bytes.is_ascii();
    let valid_utf8 = non_ascii && std::str::from_utf8(bytes).is_ok();
    let mut detected: Option<&'static Encoding> = None;
    for (encoding, source) in declared {
        let Some(encoding) = encoding else { continue };
        if encoding == encoding_rs::REPLACEMENT {
            continue;
        }
        // Non-ASCII text that is valid UTF-8 is UTF-8, whatever the page says: GBK
        // "decodes" most UTF-8 Chinese without an error, into mojibake.
        if valid_utf8 && encoding != UTF_8 {
            continue;
        }
        // A single-byte charset decodes any bytes without error; it must not hide a GBK
        // body that a server labelled ISO-8859-1.
        if non_ascii && encoding.is_single_byte() {
            let guess = *detected.get_or_insert_with(|| detect(bytes, tld));
            if guess != encoding
                && !guess.is_single_byte()
                && guess
                    .decode_without_bom_handling_and_without_replacement(bytes)
                    .is_some()
            {
                continue;
            }
        }
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            return Decoded {
                text: text.into_owned(),
                charset: encoding,
                source,
                malformed: false,
            };
        }
    }

    let encoding = if valid_utf8 || !non_ascii {
        UTF_8
    } else {
        detected.unwrap_or_else(|| detect(bytes, tld))
    };
    let (text, malformed) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        charset: encoding,
        source: CharsetSource::Detected,
        malformed,
    }
}

fn detect(bytes: &[u8], tld: Option<&str>) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // chardetng panics on a TLD with upper case, dots or non-ASCII: pass only clean ones.
    let tld = tld
        .map(str::to_ascii_lowercase)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    detector.guess(
        tld.as_deref().map(str::as_bytes),
        chardetng::Utf8Detection::Allow,
    )
}

/// The encoding named by the `charset` parameter of a `Content-Type` value.
pub fn header_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        Encoding::for_label(value.as_bytes())
    })
}

/// How far into a page a `<meta>` charset is looked for. Browsers stop at 1024 bytes;
/// some CMS templates put a long comment or script first, so govwatch reads further.
const META_SCAN_BYTES: usize = 8192;

/// The encoding a page's `<meta charset="…">` or `<meta http-equiv="Content-Type"
/// content="text/html; charset=…">` names, if any. UTF-16 in a meta tag means UTF-8
/// (the bytes were already read as ASCII to find it).
pub fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_SCAN_BYTES)];
    let mut rest = head;
    while let Some(start) = find_ignore_case(rest, b"<meta") {
        let tag = &rest[start + 5..];
        let end = tag.iter().position(|&b| b == b'>').unwrap_or(tag.len());
        let attributes = &tag[..end];
        if let Some(encoding) = charset_in(attributes).and_then(Encoding::for_label) {
            return Some(encoding.output_encoding());
        }
        rest = &tag[end..];
    }
    None
}

/// The value after `charset` `=` in a tag's attributes (`charset="gbk"` or
/// `content="text/html; charset=gb2312"`).
fn charset_in(attributes: &[u8]) -> Option<&[u8]> {
    let mut rest = attributes;
    while let Some(at) = find_ignore_case(rest, b"charset") {
        let after = &rest[at + 7..];
        let after = trim_start(after);
        if let Some(value) = after.strip_prefix(b"=") {
            let value = trim_start(value);
            let value = value
                .strip_prefix(b"\"")
                .or_else(|| value.strip_prefix(b"'"))
                .unwrap_or(value);
            let value = trim_start(value);
            let len = value
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b"-_.:".contains(&b)))
                .unwrap_or(value.len());
            if len > 0 {
                return Some(&value[..len]);
            }
        }
        rest = after;
    }
    None
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let skip = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[skip..]
}

fn find_ignore_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GB18030, GBK, WINDOWS_1252};

    const NEWS: &str = "县人民政府办公室关于做好2023年第三季度政府网站与政务新媒体检查工作的通知，\
        各乡镇人民政府、县政府各部门：根据国务院办公厅要求，现将有关事项通知如下。";

    fn gbk(text: &str) -> Vec<u8> {
        GBK.encode(text).0.into_owned()
    }

    fn page(meta: &str, body: &str) -> String {
        format!("<html><head>{meta}<title>工作动态</title></head><body><p>{body}</p></body></html>")
    }

    #[test]
    fn a_true_header_wins() {
        let bytes = gbk(&page("", NEWS));
        let d = decode(&bytes, Some("text/html; charset=GBK"));
        assert_eq!((d.charset, d.source), (GBK, CharsetSource::Header));
        assert!(d.text.contains(NEWS));
    }

    #[test]
    fn gb2312_labels_decode_as_gbk() {
        // 镕 is in GBK but not in GB2312: pages labelled gb2312 still use it.
        let bytes = gbk("<p>朱镕基</p>");
        let d = decode(&bytes, Some("text/html;charset=gb2312"));
        assert_eq!((d.charset, d.source), (GBK, CharsetSource::Header));
        assert_eq!(d.text, "<p>朱镕基</p>");
    }

    #[test]
    fn a_lying_utf8_header_falls_back_to_the_meta_tag() {
        let bytes = gbk(&page(
            r#"<meta http-equiv="Content-Type" content="text/html; charset=gb2312">"#,
            NEWS,
        ));
        let d = decode(&bytes, Some("text/html; charset=utf-8"));
        assert_eq!((d.charset, d.source), (GBK, CharsetSource::Meta));
        assert!(d.text.contains(NEWS));
        assert!(!d.malformed);
    }

    #[test]
    fn a_lying_header_without_meta_is_detected() {
        let bytes = gbk(&page("", NEWS));
        let d = decode(&bytes, Some("text/html; charset=UTF-8"));
        assert_eq!(d.source, CharsetSource::Detected);
        assert!(
            d.charset == GBK || d.charset == GB18030,
            "{}",
            d.charset.name()
        );
        assert!(d.text.contains(NEWS));
    }

    #[test]
    fn a_stale_gbk_meta_on_a_utf8_page_is_ignored() {
        let bytes = page(r#"<meta charset="gb2312">"#, NEWS).into_bytes();
        let d = decode(&bytes, None);
        assert_eq!((d.charset, d.source), (UTF_8, CharsetSource::Detected));
        assert!(d.text.contains(NEWS));
    }

    #[test]
    fn a_latin1_header_does_not_hide_gbk() {
        let bytes = gbk(&page("", NEWS));
        let d = decode(&bytes, Some("text/html; charset=iso-8859-1"));
        assert_ne!(d.charset, WINDOWS_1252);
        assert!(d.text.contains(NEWS));
    }

    #[test]
    fn meta_only_and_bom() {
        let bytes = gbk(&page("<META CHARSET = 'GBK' />", NEWS));
        let d = decode(&bytes, Some("text/html"));
        assert_eq!((d.charset, d.source), (GBK, CharsetSource::Meta));

        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(page("", NEWS).as_bytes());
        let d = decode(&bytes, Some("text/html; charset=gbk"));
        assert_eq!((d.charset, d.source), (UTF_8, CharsetSource::Bom));
        assert!(d.text.starts_with("<html>"));
    }

    #[test]
    fn ascii_is_utf8_and_unknown_labels_are_skipped() {
        let d = decode(b"<p>hello</p>", Some("text/html; charset=x-unknown"));
        assert_eq!((d.charset, d.source), (UTF_8, CharsetSource::Detected));
        assert_eq!(d.text, "<p>hello</p>");
    }

    #[test]
    fn header_and_meta_parsing() {
        assert_eq!(header_charset("text/html; charset=\"gbk\""), Some(GBK));
        assert_eq!(header_charset("text/html"), None);
        assert_eq!(
            meta_charset(b"<meta name=x><meta charset=utf-16>"),
            Some(UTF_8)
        );
        assert_eq!(
            meta_charset(
                b"<meta content=\"text/html;charset=GB18030\" http-equiv=\"Content-Type\">"
            ),
            Some(GB18030)
        );
        assert_eq!(meta_charset(b"<p>charset=gbk</p>"), None);
    }
}
