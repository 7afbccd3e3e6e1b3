//! Turning a transport error into a failure class, from the types in its source chain
//! (our [`DnsError`], rustls errors, I/O error kinds, reqwest's own kinds), not from its
//! message.
//!
//! One trap: `std::io::Error::source()` skips the error it wraps and returns *that*
//! error's source, so the chain is walked through `io::Error::get_ref()` instead; a
//! rustls error arrives wrapped in an `io::Error` by tokio-rustls.

use std::error::Error as StdError;
use std::io;

use super::dns::{DnsError, PrivateAddress};
use super::tls::TlsProblem;
use super::{Failure, FailureClass};

/// Every error in `error`'s chain, outermost first, looking inside `io::Error`s.
fn chain<'a>(error: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut next = Some(error);
    while let Some(e) = next {
        out.push(e);
        next = match e.downcast_ref::<io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => e.source(),
        };
        if out.len() > 32 {
            break;
        }
    }
    out
}

/// What went wrong, in the words of the innermost errors (the outermost ones repeat the
/// URL, which the attempt records anyway).
fn detail(chain: &[&(dyn StdError + 'static)]) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in chain.iter().skip(1).rev().take(2) {
        let text = e.to_string();
        if !parts
            .iter()
            .any(|p| p.contains(&text) || text.contains(p.as_str()))
        {
            parts.push(text);
        }
    }
    if parts.is_empty() {
        return chain.first().map(|e| e.to_string()).unwrap_or_default();
    }
    parts.reverse();
    parts.join(": ")
}

/// The failure a reqwest error (from sending a request or reading its body) stands for.
pub(crate) fn classify(error: &reqwest::Error) -> Failure {
    let chain = chain(error);
    let status = error.status().map(|s| s.as_u16());
    let failure = |class, detail| Failure {
        class,
        status,
        detail,
        retry_after: None,
    };
    for e in &chain {
        if let Some(private) = e.downcast_ref::<PrivateAddress>() {
            return failure(FailureClass::PrivateAddress, private.to_string());
        }
        if let Some(dns) = e.downcast_ref::<DnsError>() {
            return failure(FailureClass::Dns, dns.to_string());
        }
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            let problem = TlsProblem::from_rustls(tls);
            return failure(FailureClass::Tls(problem.kind), problem.to_string());
        }
    }
    let detail = detail(&chain);
    if error.is_timeout() {
        return failure(FailureClass::Timeout, detail);
    }
    if error.is_decode() {
        return failure(FailureClass::Decode, detail);
    }
    if error.is_redirect() {
        return failure(FailureClass::RedirectLoop, detail);
    }
    let io_kind = chain
        .iter()
        .find_map(|e| e.downcast_ref::<io::Error>().map(io::Error::kind));
    if io_kind == Some(io::ErrorKind::TimedOut) {
        return failure(FailureClass::Timeout, detail);
    }
    // Refused, reset, aborted, closed before the answer was complete: the connection
    // failed, whether while connecting, sending or reading.
    failure(FailureClass::Connect, detail)
}
