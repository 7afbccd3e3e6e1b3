//! How a read ended. [`FailureClass`] says why a fetch gave no page; each kind of read
//! has its own outcome, which is `ok`, a failure class, or what only that read can say
//! (a soft 404, a skipped link, expired credentials …). Every outcome has a code, the
//! text stored in the database: [`as_str`](LinkOutcome::as_str) gives it and
//! [`str::parse`] reads it back.
//!
//! The codes are derived (strum, `snake_case` variant names unless a variant says
//! otherwise). An outcome wrapping a failure class has that class's code: a failed
//! link check is stored as `dns`, `http` …, as it always was.

use std::fmt;
use std::str::FromStr;

/// What is wrong with a server's certificate.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum TlsProblemKind {
    Expired,
    NotYetValid,
    /// The certificate signs itself and no trusted authority vouches for it.
    SelfSigned,
    /// Issued by an authority govwatch does not trust, or sent without its
    /// intermediate certificates (common on government sites).
    UnknownIssuer,
    /// Valid, but for another host name.
    NameMismatch,
    /// Anything else: a revoked certificate, a handshake that failed (e.g. a server that
    /// only speaks TLS 1.0), a bad signature.
    #[default]
    Other,
}

impl TlsProblemKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The class of a failed fetch (stored as the attempt's outcome).
///
/// A TLS failure is stored as `tls` without its kind, so one read back from the store
/// has the kind [`TlsProblemKind::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum FailureClass {
    /// The host name does not resolve.
    Dns,
    /// Refused, reset or closed connection.
    Connect,
    /// The TLS handshake failed; the kind says why.
    Tls(TlsProblemKind),
    /// No complete answer within the timeout (connect or total).
    Timeout,
    /// An error status (4xx, 5xx) that is not a challenge.
    Http,
    /// The body is larger than `[fetch] max_body_mb`.
    TooLarge,
    /// A redirect loop, or more redirects than `[fetch] max_redirects`.
    RedirectLoop,
    /// The body could not be decoded (a broken gzip stream).
    Decode,
    /// An anti-bot challenge: the site is up but does not let govwatch in.
    Blocked,
    /// Not an http or https URL: nothing was sent.
    Unsupported,
    /// An untrusted link to a private address that is not allowed: nothing was sent.
    PrivateAddress,
}

impl FailureClass {
    /// The name stored as the attempt's outcome.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tls(kind) => write!(f, "tls ({})", kind.as_str()),
            other => f.write_str(other.as_str()),
        }
    }
}

/// Why a new-media account's source could not be read, beyond the fetch: what the
/// source itself said (`SourceError` in `sources` carries the message).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr, strum::EnumString, strum::Display,
)]
#[strum(serialize_all = "snake_case")]
pub enum SourceProblem {
    /// The answer is not what the source reads.
    Malformed,
    /// A token or cookie has expired or is refused: the operator must log in again.
    ExpiredCredentials,
    /// The platform asks govwatch to slow down.
    RateLimited,
    /// The account (or the bridge's route) does not exist.
    NotFound,
    /// The catalog or the settings lack what the source needs.
    NotConfigured,
    /// The platform refused for another reason it gave.
    Rejected,
}

impl SourceProblem {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The office's credentials or settings, or a platform throttling govwatch: it says
    /// nothing about the account, so detection treats such a day as unknown and the
    /// operator, not the account's unit, has to act.
    pub fn needs_operator(self) -> bool {
        matches!(
            self,
            Self::ExpiredCredentials | Self::NotConfigured | Self::RateLimited
        )
    }

    /// Credentials or configuration: the operator must fix them (told once, listed in
    /// the weekly email), whereas throttling passes by itself.
    pub fn is_credential_problem(self) -> bool {
        matches!(self, Self::ExpiredCredentials | Self::NotConfigured)
    }
}

/// A stored code no outcome has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown outcome code `{0}`")]
pub struct UnknownCode(pub String);

/// Reads a code: one of `own` (the outcome's variants without a payload), else what
/// `wrapped` makes of it (a failure class, a source problem).
fn parse_code<T: Copy + Into<&'static str>>(
    code: &str,
    own: &[T],
    wrapped: impl FnOnce(&str) -> Option<T>,
) -> Result<T, UnknownCode> {
    own.iter()
        .copied()
        .find(|o| Into::<&'static str>::into(*o) == code)
        .or_else(|| wrapped(code))
        .ok_or_else(|| UnknownCode(code.to_string()))
}

fn failure(code: &str) -> Option<FailureClass> {
    code.parse().ok()
}

/// Display and `FromStr` by code for an outcome.
macro_rules! by_code {
    ($t:ty, own: [$($own:expr),* $(,)?], wrapped: $wrapped:expr) => {
        impl $t {
            /// The code stored for this outcome.
            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $t {
            type Err = UnknownCode;
            fn from_str(code: &str) -> Result<Self, UnknownCode> {
                parse_code(code, &[$($own),*], $wrapped)
            }
        }
    };
}

/// How a fetch of one page ended: a fetch attempt, a home-page read, a probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum ReadOutcome {
    Ok,
    #[strum(transparent)]
    Failed(FailureClass),
}

by_code!(ReadOutcome, own: [ReadOutcome::Ok], wrapped: |c| failure(c).map(ReadOutcome::Failed));

impl From<Option<FailureClass>> for ReadOutcome {
    fn from(failure: Option<FailureClass>) -> ReadOutcome {
        failure.map_or(ReadOutcome::Ok, ReadOutcome::Failed)
    }
}

impl ReadOutcome {
    /// An anti-bot challenge: the site is up but does not let govwatch in.
    pub fn is_blocked(self) -> bool {
        self == Self::Failed(FailureClass::Blocked)
    }

    /// Failed for a reason other than a challenge (a blocked probe counts neither as
    /// failed nor as passed).
    pub fn is_failed(self) -> bool {
        matches!(self, Self::Failed(class) if class != FailureClass::Blocked)
    }
}

/// How one read of a column's list pages ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum CrawlOutcome {
    Ok,
    /// The first page was unchanged since the last full read (written by earlier
    /// versions; a 304 is now recorded as `ok`).
    NotModified,
    /// The page was read but its list could not be.
    Extract,
    /// The page was read and showed no list govwatch recognizes, and no empty-list
    /// marker (a script-loaded list, an unknown layout): says nothing about the column.
    Unrecognized,
    #[strum(transparent)]
    Failed(FailureClass),
}

by_code!(
    CrawlOutcome,
    own: [
        CrawlOutcome::Ok,
        CrawlOutcome::NotModified,
        CrawlOutcome::Extract,
        CrawlOutcome::Unrecognized
    ],
    wrapped: |c| failure(c).map(CrawlOutcome::Failed)
);

/// How one check of an account's source ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum SourceOutcome {
    Ok,
    /// The source answered, and said why it would not give the posts.
    #[strum(transparent)]
    Source(SourceProblem),
    /// The fetch failed.
    #[strum(transparent)]
    Failed(FailureClass),
}

by_code!(
    SourceOutcome,
    own: [SourceOutcome::Ok],
    wrapped: |c| match c.parse() {
        Ok(problem) => Some(SourceOutcome::Source(problem)),
        Err(_) => failure(c).map(SourceOutcome::Failed),
    }
);

impl SourceOutcome {
    /// See [`SourceProblem::needs_operator`]: the check says nothing about the account.
    pub fn needs_operator(self) -> bool {
        matches!(self, Self::Source(p) if p.needs_operator())
    }

    /// See [`SourceProblem::is_credential_problem`].
    pub fn is_credential_problem(self) -> bool {
        matches!(self, Self::Source(p) if p.is_credential_problem())
    }
}

/// How checking one link ended in one cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum LinkOutcome {
    Ok,
    /// The answer was a page, but an error page or the home page (see
    /// `extract::notfound::soft_404`).
    #[strum(serialize = "soft_404")]
    Soft404,
    /// Not fetched: a private address not allowed, or not an http(s) URL.
    Skipped,
    /// Not fetched: the value should be a URL but does not parse (`https://example]org/x`,
    /// `https;//…`), so a visitor's click goes nowhere (链接格式错误).
    Malformed,
    /// Not fetched: an e-mail address in `href` without `mailto:`, which a browser opens
    /// as a page beside the current one, a 404 (缺少mailto:).
    MissingMailto,
    #[strum(transparent)]
    Failed(FailureClass),
}

by_code!(
    LinkOutcome,
    own: [
        LinkOutcome::Ok,
        LinkOutcome::Soft404,
        LinkOutcome::Skipped,
        LinkOutcome::Malformed,
        LinkOutcome::MissingMailto
    ],
    wrapped: |c| failure(c).map(LinkOutcome::Failed)
);

impl LinkOutcome {
    /// The outcome of a fetch of a link that gave no page: nothing sent (a private
    /// address, an unsupported URL) is skipped, anything else is its failure class.
    pub fn of_failure(class: FailureClass) -> LinkOutcome {
        match class {
            FailureClass::PrivateAddress | FailureClass::Unsupported => LinkOutcome::Skipped,
            class => LinkOutcome::Failed(class),
        }
    }

    /// Whether the outcome is a broken link: skipped links and blocked ones (an
    /// anti-bot challenge) are not.
    pub fn is_broken(self) -> bool {
        !matches!(
            self,
            Self::Ok | Self::Skipped | Self::Failed(FailureClass::Blocked)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILURES: [(FailureClass, &str); 11] = [
        (FailureClass::Dns, "dns"),
        (FailureClass::Connect, "connect"),
        (FailureClass::Tls(TlsProblemKind::Other), "tls"),
        (FailureClass::Timeout, "timeout"),
        (FailureClass::Http, "http"),
        (FailureClass::TooLarge, "too_large"),
        (FailureClass::RedirectLoop, "redirect_loop"),
        (FailureClass::Decode, "decode"),
        (FailureClass::Blocked, "blocked"),
        (FailureClass::Unsupported, "unsupported"),
        (FailureClass::PrivateAddress, "private_address"),
    ];

    /// Every code is the text stored before these types existed, and reads back.
    fn round_trip<T>(cases: &[(T, &str)])
    where
        T: Copy + fmt::Debug + PartialEq + fmt::Display + FromStr,
        <T as FromStr>::Err: fmt::Debug,
    {
        for (value, code) in cases {
            assert_eq!(value.to_string(), *code);
            assert_eq!(code.parse::<T>().unwrap(), *value, "{code}");
        }
    }

    #[test]
    fn failure_classes_keep_their_codes() {
        for (class, code) in FAILURES {
            assert_eq!(class.as_str(), code);
            assert_eq!(code.parse::<FailureClass>(), Ok(class));
        }
        let expired = FailureClass::Tls(TlsProblemKind::Expired);
        assert_eq!(expired.as_str(), "tls");
        assert_eq!(expired.to_string(), "tls (expired)");
        let kinds = [
            (TlsProblemKind::Expired, "expired"),
            (TlsProblemKind::NotYetValid, "not_yet_valid"),
            (TlsProblemKind::SelfSigned, "self_signed"),
            (TlsProblemKind::UnknownIssuer, "unknown_issuer"),
            (TlsProblemKind::NameMismatch, "name_mismatch"),
            (TlsProblemKind::Other, "other"),
        ];
        for (kind, code) in kinds {
            assert_eq!(kind.as_str(), code);
        }
    }

    #[test]
    fn outcomes_keep_their_codes() {
        fn wrap<T>(f: fn(FailureClass) -> T) -> [(T, &'static str); 11] {
            FAILURES.map(|(c, code)| (f(c), code))
        }
        round_trip(&[(ReadOutcome::Ok, "ok")]);
        round_trip(&wrap(ReadOutcome::Failed));
        round_trip(&[
            (CrawlOutcome::Ok, "ok"),
            (CrawlOutcome::NotModified, "not_modified"),
            (CrawlOutcome::Extract, "extract"),
            (CrawlOutcome::Unrecognized, "unrecognized"),
        ]);
        round_trip(&wrap(CrawlOutcome::Failed));
        round_trip(&[
            (LinkOutcome::Ok, "ok"),
            (LinkOutcome::Soft404, "soft_404"),
            (LinkOutcome::Skipped, "skipped"),
            (LinkOutcome::Malformed, "malformed"),
            (LinkOutcome::MissingMailto, "missing_mailto"),
        ]);
        round_trip(&wrap(LinkOutcome::Failed));
        round_trip(&[
            (SourceOutcome::Ok, "ok"),
            (SourceOutcome::Source(SourceProblem::Malformed), "malformed"),
            (
                SourceOutcome::Source(SourceProblem::ExpiredCredentials),
                "expired_credentials",
            ),
            (
                SourceOutcome::Source(SourceProblem::RateLimited),
                "rate_limited",
            ),
            (SourceOutcome::Source(SourceProblem::NotFound), "not_found"),
            (
                SourceOutcome::Source(SourceProblem::NotConfigured),
                "not_configured",
            ),
            (SourceOutcome::Source(SourceProblem::Rejected), "rejected"),
        ]);
        round_trip(&wrap(SourceOutcome::Failed));
        assert_eq!(
            "failed".parse::<LinkOutcome>(),
            Err(UnknownCode("failed".into()))
        );
        assert!("soft_404".parse::<ReadOutcome>().is_err());
    }

    #[test]
    fn broken_links_are_neither_skipped_nor_blocked() {
        let broken = |code: &str| code.parse::<LinkOutcome>().unwrap().is_broken();
        for code in [
            "soft_404",
            "http",
            "dns",
            "timeout",
            "connect",
            "tls",
            "too_large",
        ] {
            assert!(broken(code), "{code}");
        }
        for code in ["ok", "skipped", "blocked"] {
            assert!(!broken(code), "{code}");
        }
        assert_eq!(
            LinkOutcome::of_failure(FailureClass::PrivateAddress),
            LinkOutcome::Skipped
        );
        assert_eq!(
            LinkOutcome::of_failure(FailureClass::Unsupported),
            LinkOutcome::Skipped
        );
        assert_eq!(
            LinkOutcome::of_failure(FailureClass::Http),
            LinkOutcome::Failed(FailureClass::Http)
        );
    }

    #[test]
    fn operator_outcomes_say_nothing_about_the_account() {
        let source = |code: &str| code.parse::<SourceOutcome>().unwrap();
        for code in ["expired_credentials", "not_configured", "rate_limited"] {
            assert!(source(code).needs_operator(), "{code}");
        }
        for code in ["ok", "malformed", "not_found", "rejected", "http", "dns"] {
            assert!(!source(code).needs_operator(), "{code}");
        }
        assert!(source("expired_credentials").is_credential_problem());
        assert!(source("not_configured").is_credential_problem());
        assert!(!source("rate_limited").is_credential_problem());
    }

    #[test]
    fn blocked_reads_are_not_failed() {
        assert!(ReadOutcome::Failed(FailureClass::Blocked).is_blocked());
        assert!(!ReadOutcome::Failed(FailureClass::Blocked).is_failed());
        assert!(ReadOutcome::Failed(FailureClass::Dns).is_failed());
        assert!(!ReadOutcome::Ok.is_failed());
    }
}
