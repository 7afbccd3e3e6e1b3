//! SMTP delivery with lettre over tokio and rustls: STARTTLS (port 587 by default), TLS
//! on connect (465) or plain (25, for a relay on the same host or a test sink), with
//! authentication when a username is set. A message is sent as the exact bytes of its
//! .eml file, so a retry sends what was written, not something composed again.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use secrecy::ExposeSecret;

use super::NotifyError;
use crate::config::{SmtpSecurity, SmtpSettings};

/// How long one SMTP command may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A configured SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish()
    }
}

/// Why one message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub message: String,
    /// The server could not be reached or talked to at all (connection, TLS, timeout):
    /// the other messages of this run would fail the same way.
    pub server_down: bool,
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Mailer {
    /// The mailer for `[smtp]`, or `None` when no host is configured (outbox only).
    pub fn from_settings(smtp: &SmtpSettings) -> Result<Option<Mailer>, NotifyError> {
        let Some(host) = smtp
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return Ok(None);
        };
        let bad = |e: lettre::transport::smtp::Error| {
            NotifyError::Smtp(format!(
                "[smtp] host = \"{host}\" cannot be used with security = \"{}\": {e}",
                security_name(smtp.security)
            ))
        };
        let builder = match smtp.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(bad)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(bad)?,
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(25)
            }
        };
        let mut builder = builder.timeout(Some(TIMEOUT));
        if let Some(port) = smtp.port {
            builder = builder.port(port);
        }
        if let Some(user) = smtp.username.as_deref().filter(|u| !u.is_empty()) {
            let password = smtp
                .password
                .as_ref()
                .map(|p| p.expose_secret().to_string())
                .unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.to_string(), password));
        }
        let port = smtp.port.unwrap_or(match smtp.security {
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
            SmtpSecurity::None => 25,
        });
        Ok(Some(Mailer {
            transport: builder.build(),
            server: format!("{host}:{port} ({})", security_name(smtp.security)),
        }))
    }

    /// `host:port (security)`, for messages.
    pub fn server(&self) -> &str {
        &self.server
    }

    /// Sends `eml` from `from` to one address.
    pub async fn send(&self, from: &Mailbox, to: &str, eml: &[u8]) -> Result<(), SendError> {
        let rcpt: Address = to.trim().parse().map_err(|e| SendError {
            message: format!("`{to}` is not an email address: {e}"),
            server_down: false,
        })?;
        let envelope =
            Envelope::new(Some(from.email.clone()), vec![rcpt]).map_err(|e| SendError {
                message: e.to_string(),
                server_down: false,
            })?;
        match self.transport.send_raw(&envelope, eml).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let answered = e.is_permanent() || e.is_transient();
                let mut message = format!("{}: {e}", self.server);
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    message.push_str(&format!(": {s}"));
                    source = s.source();
                }
                Err(SendError {
                    message,
                    server_down: !answered,
                })
            }
        }
    }
}

fn security_name(s: SmtpSecurity) -> &'static str {
    match s {
        SmtpSecurity::Starttls => "starttls",
        SmtpSecurity::Tls => "tls",
        SmtpSecurity::None => "none",
    }
}
