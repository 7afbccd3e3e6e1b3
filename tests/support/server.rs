//! The fixture server: an axum `Router` behind our own accept loop (HTTP/1.1, optional
//! TLS), so that every request is logged with its peer and arrival instant before the
//! router sees it.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use hyper::body::Incoming;
use hyper::service::{Service, service_fn};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use url::Url;

use super::certs::ServerCert;
use super::routes::fixture_routes;

/// One request as the server saw it arrive.
#[derive(Debug, Clone)]
pub struct Hit {
    pub method: String,
    /// Path and query, e.g. `/flaky/2/a?x=1`.
    pub path: String,
    pub at: Instant,
    pub peer: SocketAddr,
    pub headers: axum::http::HeaderMap,
}

impl Hit {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Every request a server received, in arrival order.
#[derive(Debug, Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<Hit>>>);

impl RequestLog {
    fn push(&self, hit: Hit) {
        self.0.lock().unwrap().push(hit);
    }

    pub fn all(&self) -> Vec<Hit> {
        self.0.lock().unwrap().clone()
    }
}

/// A running fixture server; stops when dropped.
pub struct FixtureServer {
    pub addr: SocketAddr,
    pub scheme: &'static str,
    log: RequestLog,
    max_in_flight: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FixtureServer {
    /// The standard fixture routes over HTTP on 127.0.0.1.
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1").await
    }

    /// The standard fixture routes over HTTP on another loopback address (127.0.0.2 …),
    /// a distinct host for politeness.
    pub async fn start_on(ip: &str) -> Self {
        Self::with_router(ip, fixture_routes()).await
    }

    /// Any router over HTTP; extend the standard one with
    /// `fixture_routes().merge(Router::new().route(…))`.
    pub async fn with_router(ip: &str, router: Router) -> Self {
        Self::spawn(ip, router, None).await
    }

    /// Any router over HTTPS with this certificate.
    pub async fn with_tls(ip: &str, router: Router, cert: &ServerCert) -> Self {
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(cert.chain.clone(), cert.key.clone_key())
        .expect("a usable test certificate");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        Self::spawn(ip, router, Some(acceptor)).await
    }

    async fn spawn(ip: &str, router: Router, tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let ip: IpAddr = ip.parse().expect("a loopback IP address");
        assert!(ip.is_loopback(), "fixture servers stay on loopback");
        let listener = TcpListener::bind((ip, 0))
            .await
            .expect("bind a fixture server");
        let addr = listener.local_addr().unwrap();
        let log = RequestLog::default();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let scheme = if tls.is_some() { "https" } else { "http" };
        let task = {
            let log = log.clone();
            let max_in_flight = max_in_flight.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, peer)) = listener.accept().await else {
                        continue;
                    };
                    let router = TowerToHyperService::new(router.clone());
                    let log = log.clone();
                    let in_flight = in_flight.clone();
                    let max_in_flight = max_in_flight.clone();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req: axum::http::Request<Incoming>| {
                            log.push(Hit {
                                method: req.method().to_string(),
                                path: req
                                    .uri()
                                    .path_and_query()
                                    .map(|p| p.to_string())
                                    .unwrap_or_default(),
                                at: Instant::now(),
                                peer,
                                headers: req.headers().clone(),
                            });
                            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                            max_in_flight.fetch_max(now, Ordering::SeqCst);
                            let response = router.call(req);
                            let in_flight = in_flight.clone();
                            async move {
                                let response = response.await;
                                in_flight.fetch_sub(1, Ordering::SeqCst);
                                response
                            }
                        });
                        let http = hyper::server::conn::http1::Builder::new();
                        match tls {
                            Some(acceptor) => {
                                // Handshake failures are what TLS tests expect.
                                if let Ok(stream) = acceptor.accept(stream).await {
                                    let _ =
                                        http.serve_connection(TokioIo::new(stream), service).await;
                                }
                            }
                            None => {
                                let _ = http.serve_connection(TokioIo::new(stream), service).await;
                            }
                        }
                    });
                }
            })
        };
        FixtureServer {
            addr,
            scheme,
            log,
            max_in_flight,
            task,
        }
    }

    /// `scheme://ip:port/path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("{}://{}{}", self.scheme, self.addr, path)).unwrap()
    }

    /// `scheme://name:port/path`, for a name in `[fetch.resolve]` pointing here.
    pub fn url_as(&self, name: &str, path: &str) -> Url {
        Url::parse(&format!(
            "{}://{}:{}{}",
            self.scheme,
            name,
            self.addr.port(),
            path
        ))
        .unwrap()
    }

    /// `ip:port`, the fetcher's host key for [`Self::url`].
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.log.all()
    }

    /// Requests whose path (without the query) is `path`.
    pub fn hits_to(&self, path: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.path.split('?').next() == Some(path))
            .collect()
    }

    /// The most requests the server handled at once (until each handler answered).
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

/// A raw TCP server on `ip` that reads each request and resets the connection (RST)
/// without answering. Logs requests like a fixture server.
pub async fn spawn_reset_server(ip: &str) -> (SocketAddr, RequestLog, JoinHandle<()>) {
    let listener = TcpListener::bind((ip.parse::<IpAddr>().unwrap(), 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let log = RequestLog::default();
    let task = {
        let log = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, peer)) = listener.accept().await else {
                    continue;
                };
                let mut buf = [0u8; 2048];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let mut words = head.split_whitespace();
                log.push(Hit {
                    method: words.next().unwrap_or("").to_string(),
                    path: words.next().unwrap_or("").to_string(),
                    at: Instant::now(),
                    peer,
                    headers: axum::http::HeaderMap::new(),
                });
                let _ = stream.set_zero_linger();
                drop(stream);
            }
        })
    };
    (addr, log, task)
}
