//! A browser's requests to the console, as raw HTTP/1.0 on a fresh loopback connection
//! each (no client library stands between a test and the server): the answer's status,
//! headers and body bytes (a download is a spreadsheet, not text), the login form filled
//! in with its CSRF token, and the session cookie.

use std::net::SocketAddr;

use govwatch::console::auth;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An answer read off the wire.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The whole `Set-Cookie` header that sets `name` (its flags with its value).
    pub fn set_cookie_header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.as_str())
            .find(|v| v.starts_with(&format!("{name}=")))
    }

    /// The value of `name=` in the `Set-Cookie` headers.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookie_header(name).map(|v| {
            v[name.len() + 1..]
                .split(';')
                .next()
                .unwrap_or("")
                .to_string()
        })
    }
}

/// One request; `form` is sent url-encoded.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\n");
    if let Some(c) = cookie {
        head.push_str(&format!("Cookie: {c}\r\n"));
    }
    let body = form
        .map(|pairs| {
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
        })
        .unwrap_or_default();
    if form.is_some() {
        head.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let split = memchr::memmem::find(&buf, b"\r\n\r\n").unwrap_or(buf.len());
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let body = buf.get(split + 4..).unwrap_or_default().to_vec();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Answer {
        status,
        headers,
        body,
    }
}

/// The value of the hidden input `name` in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// The console at `addr`, as a browser uses it.
pub struct Browser {
    pub addr: SocketAddr,
}

impl Browser {
    /// Fills in and posts the login form; returns the answer to the POST.
    pub async fn try_login(&self, name: &str, password: &str) -> Answer {
        let form = request(self.addr, "GET", "/login", None, None).await;
        assert_eq!(form.status, 200);
        let login_cookie = form
            .set_cookie("govwatch_login")
            .expect("the login form's cookie");
        let csrf = hidden(&form.text(), "csrf");
        request(
            self.addr,
            "POST",
            "/login",
            Some(&format!("govwatch_login={login_cookie}")),
            Some(&[
                ("name", name),
                ("password", password),
                ("csrf", &csrf),
                ("next", "/"),
            ]),
        )
        .await
    }

    /// Logs in; returns the session cookie's value.
    pub async fn login(&self, name: &str, password: &str) -> String {
        let r = self.try_login(name, password).await;
        assert_eq!(r.status, 303, "{}", r.text());
        r.set_cookie(auth::COOKIE).expect("a session cookie")
    }

    pub async fn get(&self, path: &str, session: Option<&str>) -> Answer {
        let cookie = session.map(|s| format!("{}={s}", auth::COOKIE));
        request(self.addr, "GET", path, cookie.as_deref(), None).await
    }

    pub async fn post(&self, path: &str, session: Option<&str>, form: &[(&str, &str)]) -> Answer {
        let cookie = session.map(|s| format!("{}={s}", auth::COOKIE));
        request(self.addr, "POST", path, cookie.as_deref(), Some(form)).await
    }
}
