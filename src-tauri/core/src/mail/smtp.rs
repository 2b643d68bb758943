//! SMTP test send with lettre: STARTTLS, implicit TLS, or (loopback only)
//! none; AUTH XOAUTH2 with the access token, or PLAIN/LOGIN with a password.
//! Trusts the OS store plus `MAILWARDEN_CA_FILE`, like the HTTP client.

use super::SendReport;
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::{ExposeSecret, SecretString};
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

pub enum Auth {
    Bearer(SecretString),
    Password(SecretString),
}

fn tls_parameters(host: &str) -> Result<TlsParameters> {
    let mut b = TlsParameters::builder(host.to_owned());
    if let Some(path) = std::env::var_os(crate::http::CA_FILE_ENV).filter(|p| !p.is_empty()) {
        let pem = std::fs::read(&path).map_err(|e| CoreError::io("Could not read MAILWARDEN_CA_FILE", e))?;
        let cert = Certificate::from_pem(&pem).map_err(|e| {
            CoreError::io("MAILWARDEN_CA_FILE is not a PEM certificate", std::io::Error::other(e.to_string()))
        })?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| CoreError::io("Could not set up TLS", std::io::Error::other(e.to_string())))
}

fn bad_address(field: &str, what: &str, value: &str) -> CoreError {
    CoreError::invalid(field, format!("{what} “{value}” is not a valid address."))
}

pub fn send(p: &Profile, to: &str, auth: Auth, now: OffsetDateTime) -> Result<SendReport> {
    let from: Mailbox =
        p.effective_from().parse().map_err(|_| bad_address("fromAddress", "From", p.effective_from()))?;
    let rcpt: Mailbox = to.parse().map_err(|_| bad_address("to", "Recipient", to))?;
    let domain = p.effective_from().rsplit_once('@').map(|(_, d)| d).unwrap_or("mailwarden.invalid");
    let stamp = now.unix_timestamp_nanos();
    let message_id = format!("<mailwarden-test-{stamp:x}-{}@{domain}>", p.id);
    let when = now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default();
    let msg = Message::builder()
        .from(from)
        .to(rcpt)
        .subject(format!("Mailwarden test: {}", p.name))
        .message_id(Some(message_id.clone()))
        .header(ContentType::TEXT_PLAIN)
        .body(format!(
            "This is a test message sent by Mailwarden from the profile “{}” at {when}.\r\n\
             If it arrived, this mail server profile can send.\r\n",
            p.name
        ))
        .map_err(|e| CoreError::Flow(format!("Could not build the test message: {e}")))?;
    let (mechanisms, creds) = match &auth {
        Auth::Bearer(t) => {
            (vec![Mechanism::Xoauth2], Credentials::new(p.mailbox.clone(), t.expose_secret().to_owned()))
        }
        Auth::Password(pw) => (
            vec![Mechanism::Plain, Mechanism::Login],
            Credentials::new(p.mailbox.clone(), pw.expose_secret().to_owned()),
        ),
    };
    let tls = match p.smtp_security {
        TlsMode::StartTls => Tls::Required(tls_parameters(&p.smtp_host)?),
        TlsMode::Tls => Tls::Wrapper(tls_parameters(&p.smtp_host)?),
        TlsMode::None => Tls::None,
    };
    let transport = SmtpTransport::builder_dangerous(p.smtp_host.clone())
        .port(p.smtp_port)
        .tls(tls)
        .credentials(creds)
        .authentication(mechanisms)
        .timeout(Some(Duration::from_secs(30)))
        .build();
    let start = Instant::now();
    let resp = transport.send(&msg).map_err(|e| CoreError::Auth(Box::new(diagnose(&e, p))))?;
    Ok(SendReport {
        message_id,
        to: to.to_owned(),
        reply: format!("{} {}", resp.code(), resp.message().collect::<Vec<_>>().join(" ")),
        elapsed_ms: start.elapsed().as_millis() as u64,
    })
}

/// A first explanation of SMTP failures; the full table (5.7.139, 5.7.3,
/// SendAsDenied, …) is the test-sends milestone's.
fn diagnose(e: &lettre::transport::smtp::Error, p: &Profile) -> Diagnosis {
    let host = format!("{}:{}", p.smtp_host, p.smtp_port);
    if e.is_tls() {
        return TransportError::Tls { host, detail: e.to_string() }.diagnose();
    }
    if e.is_timeout() {
        return TransportError::Timeout { host }.diagnose();
    }
    match e.status() {
        Some(code) => {
            let mut d = Diagnosis::new(
                "smtp_rejected",
                format!("The SMTP server refused the message ({code})"),
                format!("{host} answered: {e}"),
                vec!["Read the server's answer above; check the mailbox, From address and the account's permission to send.".into()],
            );
            d.codes = vec![code.to_string()];
            d
        }
        None => TransportError::Other { host, detail: e.to_string() }.diagnose(),
    }
}
