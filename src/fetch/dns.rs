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
