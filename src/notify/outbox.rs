//! The outbox: every message becomes an .eml file (RFC 5322, as lettre formats it)
//! before anything is sent. The file is what a retry sends, byte for byte, and what an
//! operator opens in a mail client when no SMTP server is configured.
//!
//! MIME layout: multipart/mixed { multipart/alternative { text/plain, text/html },
//! attachments… }; without attachments, the multipart/alternative alone.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use lettre::message::header::ContentType;
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart};

use super::NotifyError;
use super::compose::Message;

/// The message for one address, as MIME bytes.
///
/// `message_id` is given (not random) so that the same week and address always carry
/// the same Message-ID: a mail client shows a duplicate, if one ever slipped through,
/// as one message.
pub fn format(
    message: &Message,
    from: &Mailbox,
    to: &str,
    date: SystemTime,
    message_id: &str,
) -> Result<Vec<u8>, NotifyError> {
    let to_mailbox: Mailbox = to.parse().map_err(|e| NotifyError::Address {
        address: to.to_string(),
        reason: format!("{e}"),
    })?;
    let body = MultiPart::alternative_plain_html(message.text.clone(), message.html.clone());
    let builder = lettre::Message::builder()
        .from(from.clone())
        .to(to_mailbox)
        .subject(message.subject.clone())
        .date(date)
        .message_id(Some(message_id.to_string()))
        .user_agent(format!("govwatch/{}", env!("CARGO_PKG_VERSION")));
    let built = if message.attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &message.attachments {
            let content_type = ContentType::parse(&a.mime).map_err(|e| NotifyError::Mime {
                what: a.filename.clone(),
                reason: format!("{e}"),
            })?;
            mixed = mixed.singlepart(
                MimeAttachment::new(a.filename.clone()).body(a.bytes.clone(), content_type),
            );
        }
        builder.multipart(mixed)
    };
    let built = built.map_err(|e| NotifyError::Mime {
        what: message.subject.clone(),
        reason: e.to_string(),
    })?;
    Ok(built.formatted())
}

/// `<govwatch.2020-W02.office.example.gov.cn@example.gov.cn>`: one id per week and address.
pub fn message_id(period: &str, to: &str, from: &Mailbox) -> String {
    let local: String = to
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<govwatch.{period}.{local}@{}>", from.email.domain())
}

/// The file of one week's message to one address: `<dir>/<period>/<address>.eml`.
pub fn path(dir: &Path, period: &str, to: &str) -> PathBuf {
    let name: String = to
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '-' | '_' | '+') {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(period).join(format!("{name}.eml"))
}

/// Writes `bytes` to `path` whole or not at all (a temporary file, then a rename).
pub fn write(path: &Path, bytes: &[u8]) -> Result<(), NotifyError> {
    let fail = |source| NotifyError::Outbox {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let tmp = path.with_extension("eml.tmp");
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// Reads a message back for a retry.
pub fn read(path: &Path) -> Result<Vec<u8>, NotifyError> {
    std::fs::read(path).map_err(|source| NotifyError::Outbox {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::compose::{Attachment, Audience};

    fn message(attachments: Vec<Attachment>) -> Message {
        Message {
            audience: Audience::Office,
            to: vec!["office@example.gov.cn".into()],
            subject: "【政务公开监测】2020年第2周问题清单（截至1月9日）".into(),
            text: "县公安局：1月9日监测到超过两周未更新内容".into(),
            html: "<p>县公安局</p>".into(),
            attachments,
        }
    }

    fn from() -> Mailbox {
        "某县政务公开办 <govwatch@example.gov.cn>".parse().unwrap()
    }

    #[test]
    fn with_attachments_the_body_is_mixed_around_alternative() {
        let m = message(vec![Attachment {
            filename: "问题清单-2020年第2周.csv".into(),
            mime: "text/csv; charset=utf-8".into(),
            bytes: b"\xEF\xBB\xBFa,b\r\n".to_vec(),
        }]);
        let id = message_id("2020-W02", "office@example.gov.cn", &from());
        assert_eq!(
            id,
            "<govwatch.2020-W02.office.example.gov.cn@example.gov.cn>"
        );
        let eml = format(
            &m,
            &from(),
            "office@example.gov.cn",
            SystemTime::UNIX_EPOCH,
            &id,
        )
        .unwrap();
        let text = String::from_utf8_lossy(&eml);
        assert!(text.contains("multipart/mixed"), "{text}");
        assert!(text.contains("multipart/alternative"));
        assert!(text.contains("text/plain"));
        assert!(text.contains("text/html"));
        assert!(
            text.contains("Subject: =?utf-8?"),
            "the subject is an encoded word"
        );
        assert!(
            text.contains("Message-ID: <govwatch.2020-W02.office.example.gov.cn@example.gov.cn>")
        );
    }

    #[test]
    fn without_attachments_only_alternative() {
        let eml = format(
            &message(Vec::new()),
            &from(),
            "a@example.gov.cn",
            SystemTime::UNIX_EPOCH,
            "<x@y>",
        )
        .unwrap();
        let text = String::from_utf8_lossy(&eml);
        assert!(!text.contains("multipart/mixed"));
        assert!(text.contains("multipart/alternative"));
    }

    #[test]
    fn a_bad_address_is_named() {
        let e = format(
            &message(Vec::new()),
            &from(),
            "not an address",
            SystemTime::UNIX_EPOCH,
            "<x@y>",
        )
        .unwrap_err();
        assert!(e.to_string().contains("not an address"), "{e}");
    }

    #[test]
    fn paths_are_one_file_per_week_and_address() {
        let p = path(Path::new("outbox"), "2020-W02", "cz@example.gov.cn");
        assert_eq!(p, Path::new("outbox/2020-W02/cz@example.gov.cn.eml"));
        let p = path(Path::new("o"), "2020-W02", "a/../b@x");
        assert_eq!(p, Path::new("o/2020-W02/a_.._b@x.eml"));
    }
}
