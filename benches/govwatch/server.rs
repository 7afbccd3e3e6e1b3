//! The local server of the generated files: Debian's nginx (nginx-light) when it is
//! installed, so that the server is not the bottleneck, else a small in-process server
//! (axum on its own runtime) that reads the same files. Both listen only on the
//! generated loopback addresses.

use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::site::host_ip;

pub struct Server {
    pub kind: String,
    nginx: Option<Child>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.nginx {
            // SIGQUIT: nginx's graceful stop of the master and its workers.
            // SAFETY: kill(2) on the pid of our own child.
            unsafe {
                libc::kill(child.id() as libc::pid_t, libc::SIGQUIT);
            }
            let _ = child.wait();
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A free port on loopback (the same port is then used on every host address).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Serves `root/<ip>/` on `ip:port` for the first `hosts` generated addresses.
pub fn start(root: &Path, work: &Path, hosts: usize, port: u16) -> Server {
    let server = match find_program("nginx") {
        Some(nginx) => start_nginx(&nginx, root, work, hosts, port),
        None => {
            eprintln!("nginx not found (apt-get install nginx-light): using the in-process server");
            start_builtin(root, hosts, port)
        }
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    for h in 0..hosts {
        let addr = SocketAddr::from((host_ip(h), port));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the {} server does not answer on {addr} (see {}/nginx-error.log)",
                server.kind,
                work.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    server
}

fn start_nginx(nginx: &Path, root: &Path, work: &Path, hosts: usize, port: u16) -> Server {
    let dir = work.join("nginx");
    std::fs::create_dir_all(dir.join("tmp")).expect("nginx work directory");
    let d = dir.display();
    // As root, nginx's workers would run as nobody, who may not read the work directory.
    // SAFETY: geteuid has no preconditions.
    let user = if unsafe { libc::geteuid() } == 0 {
        "user root root;"
    } else {
        ""
    };
    let mut servers = String::new();
    for h in 0..hosts {
        let ip = host_ip(h);
        servers.push_str(&format!(
            "  server {{ listen {ip}:{port}; root {}/{ip}; }}\n",
            root.display()
        ));
    }
    let conf = format!(
        "{user}
worker_processes 2;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  types {{ text/html html; application/rss+xml xml; application/pdf pdf; }}
  default_type application/octet-stream;
  charset utf-8;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  # LinkChecker goes above 10 requests a second to a host only if the server says so.
  add_header LinkChecker govwatch-bench always;
  keepalive_timeout 60s;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
{servers}}}
"
    );
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&conf_path, conf).expect("write nginx.conf");
    let child = Command::new(nginx)
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(&conf_path)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(Stdio::null())
        .spawn()
        .expect("start nginx");
    Server {
        kind: "nginx".into(),
        nginx: Some(child),
        runtime: None,
    }
}

fn start_builtin(root: &Path, hosts: usize, port: u16) -> Server {
    use axum::Router;
    use axum::extract::State;
    use axum::http::{StatusCode, Uri, header};
    use axum::response::{IntoResponse, Response};

    // LinkChecker goes above 10 requests a second to a host only if the server says so.
    const LINKCHECKER: header::HeaderName = header::HeaderName::from_static("linkchecker");

    async fn serve(State(dir): State<PathBuf>, uri: Uri) -> Response {
        let mut path = uri.path().trim_start_matches('/').to_string();
        if path.is_empty() || path.ends_with('/') {
            path.push_str("index.html");
        }
        if path.split('/').any(|p| p == "..") {
            return StatusCode::BAD_REQUEST.into_response();
        }
        let kind = match path.rsplit('.').next() {
            Some("html") => "text/html; charset=utf-8",
            Some("xml") => "application/rss+xml; charset=utf-8",
            Some("pdf") => "application/pdf",
            _ => "application/octet-stream",
        };
        match tokio::fs::read(dir.join(&path)).await {
            Ok(body) => (
                [
                    (header::CONTENT_TYPE, kind),
                    (LINKCHECKER, "govwatch-bench"),
                ],
                body,
            )
                .into_response(),
            Err(_) => (
                StatusCode::NOT_FOUND,
                [(LINKCHECKER, "govwatch-bench")],
                "404 Not Found",
            )
                .into_response(),
        }
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    for h in 0..hosts {
        let ip: Ipv4Addr = host_ip(h);
        let app = Router::new()
            .fallback(serve)
            .with_state(root.join(ip.to_string()));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind((ip, port)))
            .expect("bind a loopback address");
        runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
    }
    Server {
        kind: "in-process (axum)".into(),
        nginx: None,
        runtime: Some(runtime),
    }
}
