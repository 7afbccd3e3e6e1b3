//! Name resolution for the fetcher, so that a DNS failure is always a [`DnsError`] in
//! the error chain (classified without reading messages).
//!
//! `[fetch.resolve]` names resolve to their configured address, like curl's `--resolve`.
//! Other names go to the system resolver with `dns = "system"`, and fail with
//! `dns = "static"`: tests use that mode so that nothing leaves loopback. IP literals in
//! URLs never reach a resolver.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::config::DnsMode;

/// Why a host name did not resolve.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    #[error("`{0}` is not in [fetch.resolve] and dns = \"static\" resolves nothing else")]
    NotInStaticTable(String),
    #[error("`{name}` does not resolve: {source}")]
    Lookup {
        name: String,
        source: std::io::Error,
    },
    #[error("`{0}` resolves to no address")]
    NoAddress(String),
}

pub(crate) struct Resolver {
    mode: DnsMode,
    table: HashMap<String, IpAddr>,
}

impl Resolver {
    pub(crate) fn new(mode: DnsMode, table: HashMap<String, IpAddr>) -> Self {
        let table = table
            .into_iter()
            .map(|(name, ip)| (name.to_ascii_lowercase(), ip))
            .collect();
        Self { mode, table }
    }
}

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_ascii_lowercase();
        if let Some(ip) = self.table.get(&name) {
            let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(*ip, 0)));
            return Box::pin(std::future::ready(Ok(addrs)));
        }
        match self.mode {
            DnsMode::Static => Box::pin(std::future::ready(Err(
                Box::new(DnsError::NotInStaticTable(name)) as _,
            ))),
            DnsMode::System => Box::pin(async move {
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                    .await
                    .map_err(|source| DnsError::Lookup {
                        name: name.clone(),
                        source,
                    })?
                    .collect();
                if addrs.is_empty() {
                    return Err(Box::new(DnsError::NoAddress(name)) as _);
                }
                Ok(Box::new(addrs.into_iter()) as Addrs)
            }),
        }
    }
}

/// A network in CIDR notation (`127.0.0.3/32`; a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    bits: u8,
}

impl Cidr {
    /// `None` when `text` is not an address with an optional `/bits`.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, bits) = text.trim().split_once('/').unwrap_or((text.trim(), ""));
        let addr: IpAddr = addr.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = if bits.is_empty() {
            max
        } else {
            bits.parse::<u8>().ok().filter(|b| *b <= max)?
        };
        Some(Cidr { addr, bits })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.bits)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.bits))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Loopback, private (RFC 1918, unique local), link-local, shared (100.64/10) or
/// unspecified: addresses a link found on a public page must not make govwatch reach.
pub fn is_private(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// A private address that an untrusted link may not reach.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{name}` is the private address {addr}: links to it are not fetched unless the site lists it in allow_private (e.g. allow_private = [\"{addr}/32\"])"
)]
pub struct PrivateAddress {
    pub name: String,
    pub addr: IpAddr,
}

/// Whether an untrusted link may reach `ip` given the site's `allow_private` networks.
pub fn may_reach(ip: IpAddr, allow: &[Cidr]) -> bool {
    !is_private(ip) || allow.iter().any(|c| c.contains(ip))
}

/// The resolver of untrusted links: resolves like [`Resolver`], then refuses the name
/// when any of its addresses is private and not allowed. Checking the addresses the
/// connection will use (not a separate look-up) is what makes DNS unable to bypass it.
pub(crate) struct GuardedResolver {
    pub(crate) inner: std::sync::Arc<Resolver>,
    pub(crate) allow: Vec<Cidr>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let label = name.as_str().to_string();
        let inner = self.inner.resolve(name);
        let allow = self.allow.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = inner.await?.collect();
            if let Some(bad) = addrs.iter().find(|a| !may_reach(a.ip(), &allow)) {
                return Err(Box::new(PrivateAddress {
                    name: label,
                    addr: bad.ip(),
                }) as _);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_and_allowances() {
        for ip in [
            "127.0.0.3",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "172.32.0.1", "2001:db8::1", "::ffff:8.8.8.8"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
        let allow = [Cidr::parse("127.0.0.3/32").unwrap()];
        assert!(may_reach("127.0.0.3".parse().unwrap(), &allow));
        assert!(!may_reach("127.0.0.4".parse().unwrap(), &allow));
        let net = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(net.contains("10.200.0.1".parse().unwrap()));
        assert!(!net.contains("11.0.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("127.0.0.1".parse().unwrap())
        );
        assert!(Cidr::parse("1.2.3.4/33").is_none());
        assert!(Cidr::parse("nonsense").is_none());
    }
}
