//! SMTP test send with lettre: STARTTLS, implicit TLS, or (loopback only)
//! none; AUTH XOAUTH2 with the access token, or PLAIN/LOGIN with a password.
//! Trusts the OS store plus `MAILWARDEN_CA_FILE`, like the HTTP client.

use super::{SendReport, TestStep};
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::{ExposeSecret, SecretString};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Severity;
use lettre::Message;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const TIMEOUT: Duration = Duration::from_secs(30);

pub enum Auth {
    Bearer(SecretString),
    Password(SecretString),
}

static TLS: crate::http::PerCa<TlsParameters> = crate::http::PerCa::new();

fn tls_parameters(host: &str) -> Result<TlsParameters> {
    TLS.get_or_try(host, || build_tls(host))
}

fn build_tls(host: &str) -> Result<TlsParameters> {
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

pub fn send(
    p: &Profile,
    to: &str,
    auth: Auth,
    now: OffsetDateTime,
    step: &mut dyn FnMut(TestStep),
) -> Result<SendReport> {
    let from: Mailbox =
        p.effective_from().parse().map_err(|_| bad_address("fromAddress", "From", p.effective_from()))?;
    let rcpt: Mailbox = to.parse().map_err(|_| bad_address("to", "Recipient", to))?;
    let (message_id, subject, body) = super::test_content(p, now);
    let msg = Message::builder()
        .from(from)
        .to(rcpt)
        .subject(subject)
        .message_id(Some(message_id.clone()))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| CoreError::Flow(format!("Could not build the test message: {e}")))?;
    let tls = match p.smtp_security {
        TlsMode::None => None,
        _ => Some(tls_parameters(&p.smtp_host)?),
    };
    let start = Instant::now();
    let host = format!("{}:{}", p.smtp_host, p.smtp_port);
    let mut t = Transcript::default();
    let result = session(p, &msg, &auth, tls.as_ref(), &host, &mut t, step);
    match result {
        Ok(reply) => Ok(SendReport {
            message_id,
            to: to.to_owned(),
            reply,
            elapsed_ms: start.elapsed().as_millis() as u64,
            transcript: t.0,
            warnings: Vec::new(),
        }),
        Err(CoreError::Auth(mut d)) => {
            d.transcript = t.0;
            Err(CoreError::Auth(d))
        }
        Err(e) => Err(e),
    }
}

/// What was said, for the person: commands and replies, credentials redacted.
#[derive(Default)]
struct Transcript(Vec<String>);

impl Transcript {
    fn client(&mut self, line: impl Into<String>) {
        self.0.push(format!("C: {}", line.into()));
    }
    fn server(&mut self, r: &lettre::transport::smtp::response::Response) {
        self.0.push(format!("S: {}", reply_text(r)));
    }
    fn note(&mut self, line: impl Into<String>) {
        self.0.push(format!("* {}", line.into()));
    }
}

fn reply_text(r: &lettre::transport::smtp::response::Response) -> String {
    format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" "))
}

/// One SMTP session: connect, (STARTTLS), AUTH, MAIL, RCPT, DATA, QUIT.
fn session(
    p: &Profile,
    msg: &Message,
    auth: &Auth,
    tls: Option<&TlsParameters>,
    host: &str,
    t: &mut Transcript,
    step: &mut dyn FnMut(TestStep),
) -> Result<String> {
    let fail = |e: lettre::transport::smtp::Error, t: &mut Transcript| {
        if e.status().is_some() {
            t.0.push(format!("S: {}", smtp_reply(&e)));
        }
        CoreError::Auth(Box::new(diagnose(&e, p)))
    };
    let hello = ClientId::default();
    let implicit = if p.smtp_security == TlsMode::Tls { tls } else { None };
    step(TestStep::Connect);
    t.note(format!("connecting to {host} ({})", p.smtp_security.label()));
    let mut conn = SmtpConnection::connect((p.smtp_host.as_str(), p.smtp_port), Some(TIMEOUT), &hello, implicit, None)
        .map_err(|e| fail(e, t))?;
    if implicit.is_some() {
        step(TestStep::Tls);
    }
    t.note(format!("EHLO answered: {}", conn.server_info()));
    if p.smtp_security == TlsMode::StartTls {
        step(TestStep::Tls);
        t.client("STARTTLS");
        conn.starttls(tls.expect("STARTTLS has parameters"), &hello).map_err(|e| fail(e, t))?;
        t.note("TLS established; EHLO again");
    }
    step(TestStep::Auth);
    match auth {
        Auth::Bearer(token) => xoauth2(&mut conn, &p.mailbox, token, host, t)?,
        Auth::Password(pw) => {
            t.client(format!("AUTH PLAIN/LOGIN as {} [password redacted]", p.mailbox));
            let creds = Credentials::new(p.mailbox.clone(), pw.expose_secret().to_owned());
            let r = conn.auth(&[Mechanism::Plain, Mechanism::Login], &creds).map_err(|e| fail(e, t))?;
            t.server(&r);
        }
    }
    step(TestStep::Send);
    let envelope = msg.envelope();
    let from = envelope.from().cloned();
    t.client(format!("MAIL FROM:<{}>", from.as_ref().map(|a| a.to_string()).unwrap_or_default()));
    let r = conn.command(Mail::new(from, vec![])).map_err(|e| fail(e, t))?;
    t.server(&r);
    for rcpt in envelope.to() {
        t.client(format!("RCPT TO:<{rcpt}>"));
        let r = conn.command(Rcpt::new(rcpt.clone(), vec![])).map_err(|e| fail(e, t))?;
        t.server(&r);
    }
    t.client("DATA");
    let r = conn.command(Data).map_err(|e| fail(e, t))?;
    t.server(&r);
    let body = msg.formatted();
    t.client(format!("[the message, {} bytes]", body.len()));
    let r = match String::from_utf8(dot_stuffed(&body)) {
        Ok(data) => conn.command(data),
        Err(_) => conn.message(&body),
    }
    .map_err(|e| fail(e, t))?;
    t.server(&r);
    t.client("QUIT");
    let _ = conn.quit();
    Ok(reply_text(&r))
}

/// AUTH XOAUTH2 by hand. lettre treats the failure challenge (`334` + base64
/// JSON, which Gmail and Dovecot send before `535`) as a client error; here it
/// is answered with an empty line as the SASL profile requires, and both the
/// direct `535` and the challenge form end as "token rejected".
fn xoauth2(conn: &mut SmtpConnection, user: &str, token: &SecretString, host: &str, t: &mut Transcript) -> Result<()> {
    let ir = B64.encode(format!("user={user}\x01auth=Bearer {}\x01\x01", token.expose_secret()));
    t.client(format!("AUTH XOAUTH2 [user={user}, token redacted]"));
    match conn.command(format!("AUTH XOAUTH2 {ir}\r\n")) {
        Ok(r) if r.code().severity == Severity::PositiveCompletion => {
            t.server(&r);
            Ok(())
        }
        Ok(r) if r.code().severity == Severity::PositiveIntermediate => {
            let challenge =
                r.first_line().and_then(|l| B64.decode(l.trim()).ok()).and_then(|b| String::from_utf8(b).ok());
            t.0.push(format!("S: {} [decoded: {}]", r.code(), challenge.as_deref().unwrap_or("?")));
            t.client("(empty response, as SASL requires after a failure challenge)");
            let end = conn.command("\r\n");
            let reply = match end {
                Ok(r) => reply_text(&r),
                Err(e) => smtp_reply(&e),
            };
            t.0.push(format!("S: {reply}"));
            Err(token_rejected(host, &reply, challenge.as_deref()))
        }
        Ok(r) => {
            Err(token_rejected(host, &format!("{} {}", r.code(), r.message().collect::<Vec<_>>().join(" ")), None))
        }
        Err(e) if e.status().is_some() => {
            t.0.push(format!("S: {}", smtp_reply(&e)));
            Err(token_rejected(host, &smtp_reply(&e), None))
        }
        Err(e) => Err(CoreError::Auth(Box::new(
            TransportError::Other { host: host.to_owned(), detail: e.to_string() }.diagnose(),
        ))),
    }
}

fn smtp_reply(e: &lettre::transport::smtp::Error) -> String {
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    let text = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default();
    format!("{code} {text}").trim().to_owned()
}

fn token_rejected(host: &str, reply: &str, challenge: Option<&str>) -> CoreError {
    let (code, text) = reply.split_once(' ').unwrap_or((reply, ""));
    if let Some(d) = code.parse().ok().and_then(|c| crate::diagnosis::smtp::explain(c, text)) {
        return CoreError::Auth(Box::new(d));
    }
    let mut d = Diagnosis::new(
        "smtp_token_rejected",
        "The mail server rejected the access token",
        format!("{host} refused AUTH XOAUTH2 ({reply})."),
        vec![
            "Check that the token is for the mail server: Outlook scopes (https://outlook.office.com/SMTP.Send), not Microsoft Graph — Test shows the audience.".into(),
            "Check that the Mailbox is the account that signed in (or one it may send as).".into(),
            "For app-only sending: the Exchange service principal must exist and have FullAccess on the mailbox (New-ServicePrincipal, Add-MailboxPermission).".into(),
        ],
    );
    d.codes = reply.split_whitespace().take(2).map(str::to_owned).collect();
    if let Some(json) = challenge {
        d.description = Some(match serde_json::from_str::<serde_json::Value>(json) {
            Ok(v) => format!(
                "the server's challenge: status {}, scheme {}{}",
                v["status"].as_str().unwrap_or("?"),
                v["schemes"].as_str().unwrap_or("?"),
                v["scope"].as_str().map(|s| format!(", scope {s}")).unwrap_or_default()
            ),
            Err(_) => format!("the server's challenge: {json}"),
        });
    }
    CoreError::Auth(Box::new(d))
}

/// A first explanation of SMTP failures; the full table (5.7.139, 5.7.3,
/// SendAsDenied, …) is the test-sends milestone's.
fn diagnose(e: &lettre::transport::smtp::Error, p: &Profile) -> Diagnosis {
    let host = format!("{}:{}", p.smtp_host, p.smtp_port);
    if let Some(detail) = crate::http::tls_failure(e) {
        return TransportError::Tls { host, detail }.diagnose();
    }
    if e.is_tls() {
        return TransportError::Tls { host, detail: e.to_string() }.diagnose();
    }
    if e.is_timeout() {
        return TransportError::Timeout { host }.diagnose();
    }
    match e.status() {
        Some(code) => {
            let text = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default();
            if let Some(d) = crate::diagnosis::smtp::explain(u16::from(code), &text) {
                return d;
            }
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

/// The message with SMTP transparency (RFC 5321 §4.5.2: a line starting with
/// "." gets another) and the terminating ".", ready for one write. Hand-written
/// because lettre writes the message and the final dot separately, which with
/// Nagle's algorithm and delayed ACKs stalls each send by ~40 ms, and its codec
/// is private.
fn dot_stuffed(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 8);
    let mut line_start = true;
    for &b in msg {
        if line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        line_start = b == b'\n';
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn dot_stuffing() {
        assert_eq!(super::dot_stuffed(b"a\r\n.b\r\n..c\r\n"), b"a\r\n..b\r\n...c\r\n.\r\n");
        assert_eq!(super::dot_stuffed(b".x"), b"..x\r\n.\r\n");
    }
}
