//! Who is asking: passwords (argon2id), session tokens, CSRF tokens, the client's address
//! behind trusted proxies, and the login rate limit (5 failures per account and 20 per
//! address in 15 minutes, counted in the database so every worker agrees).

use std::net::{IpAddr, SocketAddr};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, Params};
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// Failed logins an account may have in [`LIMIT_WINDOW`] before it is refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed logins an address may have in [`LIMIT_WINDOW`] before it is refused.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 20;
/// The window the failures are counted in.
pub const LIMIT_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// The name of the session cookie.
pub const COOKIE: &str = "govwatch_session";

/// Set (to anything) only by govwatch's own tests: passwords are hashed with the
/// cheapest argon2 parameters, so a test suite logging in hundreds of times stays fast.
/// Hashes carry their parameters, so verifying works whatever hashed them.
pub const CHEAP_HASH_ENV: &str = "GOVWATCH_TEST_CHEAP_PASSWORD_HASH";

fn hasher() -> Argon2<'static> {
    if std::env::var_os(CHEAP_HASH_ENV).is_some() {
        let params = Params::new(8, 1, 1, None).expect("valid argon2 parameters");
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    } else {
        // OWASP's argon2id recommendation: 19 MiB, 2 passes, 1 lane.
        Argon2::default()
    }
}

/// Hashes a password for storing (PHC string, argon2id, a fresh salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches a stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A password good enough to set: 8 characters at least.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < 8 {
        return Err("the password is too short: 8 characters at least".into());
    }
    Ok(())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("the operating system's random source");
    bytes
}

/// A new random token (session or CSRF): 32 bytes, hex.
pub fn new_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// What the store keeps of a session token.
pub fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether two tokens are equal, in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The value of the cookie `name` a request carries, if not empty.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty())
}

/// The session token a request carries in its cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, COOKIE)
}

/// The `Set-Cookie` value of a new session (or, with `None`, of its removal).
pub fn session_cookie(token: Option<&str>, secure: bool, hours: u32) -> String {
    let mut c = cookie::Cookie::build((COOKIE, token.unwrap_or("").to_string()))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(secure);
    c = match token {
        Some(_) => c.max_age(cookie::time::Duration::hours(i64::from(hours))),
        None => c.max_age(cookie::time::Duration::ZERO),
    };
    c.build().to_string()
}

/// The client's address: the peer's, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not a trusted proxy.
pub fn client_addr(peer: SocketAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let trusts = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut addr = peer.ip();
    if !trusts(&addr) {
        return addr;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for ip in forwarded.into_iter().rev() {
        addr = ip;
        if !trusts(&ip) {
            break;
        }
    }
    addr
}

/// The CIDRs of `[serve] trusted_proxies` (checked when the settings were read).
pub fn trusted_proxies(cidrs: &[String]) -> Vec<ipnet::IpNet> {
    cidrs
        .iter()
        .filter_map(|c| {
            c.parse::<ipnet::IpNet>()
                .ok()
                .or_else(|| c.parse::<IpAddr>().ok().map(ipnet::IpNet::from))
        })
        .collect()
}

/// The start of the rate limit's window at `now`.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - LIMIT_WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        // SAFETY: tests in this module alone read the variable.
        unsafe { std::env::set_var(CHEAP_HASH_ENV, "1") };
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(
            h,
            hash_password("correct horse").unwrap(),
            "a fresh salt each time"
        );
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.0.0.2".parse().unwrap());
        let trusted = trusted_proxies(&["127.0.0.1/32".into(), "10.0.0.0/8".into()]);
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let stranger: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        assert_eq!(
            client_addr(proxy, &headers, &trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_addr(stranger, &headers, &trusted), stranger.ip());
        assert_eq!(client_addr(proxy, &headers, &[]), proxy.ip());
    }

    #[test]
    fn the_session_cookie_is_http_only_and_strict() {
        let c = session_cookie(Some("abc"), false, 12);
        assert!(
            c.contains("HttpOnly") && c.contains("SameSite=Strict"),
            "{c}"
        );
        assert!(!c.contains("Secure"), "{c}");
        assert!(session_cookie(Some("abc"), true, 12).contains("Secure"));
        let mut headers = HeaderMap::new();
        headers.insert("cookie", "a=1; govwatch_session=tok; b=2".parse().unwrap());
        assert_eq!(session_token(&headers).as_deref(), Some("tok"));
    }
}
