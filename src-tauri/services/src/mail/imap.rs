//! The inbound check: log in over IMAP (implicit TLS or STARTTLS) with
//! `AUTHENTICATE XOAUTH2` (or LOGIN for a password), then LIST — a login can
//! pass for the wrong mailbox name; LIST proves the session works. The `imap`
//! crate takes our own rustls stream, so trust is the same as everywhere else
//! (OS store + `MAILWARDEN_CA_FILE`).

use super::imap_log::{Recorded, Shared};
use super::net;
use super::net::Socket;
use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::{ExposeSecret, SecretString};
use serde::Serialize;
use std::cell::RefCell;
use std::io::{BufReader, Write};
use std::time::Instant;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboundReport {
    pub mailbox: String,
    /// How the inbox was reached.
    pub via: InboundVia,
    /// Folders listed (IMAP).
    #[ts(type = "number")]
    pub folders: usize,
    /// Messages in the inbox and unread ones (Graph).
    #[ts(type = "number | null")]
    pub messages: Option<u64>,
    #[ts(type = "number | null")]
    pub unread: Option<u64>,
    /// The newest message of the inbox (Graph), if any.
    pub newest: Option<NewestMessage>,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// Commands and replies, credentials redacted.
    pub transcript: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum InboundVia {
    Imap,
    Graph,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewestMessage {
    /// RFC 3339, as Graph gives it.
    pub received: String,
    pub subject: String,
    pub from: String,
}

pub enum Login {
    Bearer(SecretString),
    Password(SecretString),
}

/// STARTTLS by hand before the `imap` client takes over the encrypted stream.
/// Lines are read a byte at a time so nothing after the server's OK (the TLS
/// handshake belongs to rustls) is read ahead.
pub(super) fn starttls(mut tcp: Socket, where_: &str, log: &Shared) -> std::io::Result<Socket> {
    let mut line = net::read_line(&mut BufReader::with_capacity(1, &mut tcp))?; // greeting
    log.borrow_mut().server_line(&line);
    tcp.write_all(b"m0 STARTTLS\r\n")?;
    log.borrow_mut().client_line("m0 STARTTLS");
    loop {
        line = net::read_line(&mut BufReader::with_capacity(1, &mut tcp))?;
        if line.is_empty() {
            return Err(std::io::Error::other(format!("{where_} closed the connection during STARTTLS")));
        }
        log.borrow_mut().server_line(&line);
        if let Some(rest) = line.strip_prefix("m0 ") {
            return if rest.starts_with("OK") {
                Ok(tcp)
            } else {
                Err(std::io::Error::other(format!("{where_} refused STARTTLS: {}", line.trim())))
            };
        }
    }
}

/// XOAUTH2 as an `imap` authenticator: the initial response first; any later
/// challenge is the server's error JSON, kept for the diagnosis and answered
/// with an empty response as the SASL profile requires.
struct XOAuth2<'a> {
    profile: &'a Profile,
    token: &'a SecretString,
    failure: RefCell<Option<String>>,
    sent: RefCell<bool>,
}

impl imap::Authenticator for XOAuth2<'_> {
    type Response = Vec<u8>;
    fn process(&self, challenge: &[u8]) -> Vec<u8> {
        if !*self.sent.borrow() {
            *self.sent.borrow_mut() = true;
            return crate::oauth::xoauth2::raw(self.profile, self.token).as_bytes().to_vec();
        }
        *self.failure.borrow_mut() = Some(String::from_utf8_lossy(challenge).into_owned());
        Vec::new()
    }
}

pub fn check(
    p: &Profile,
    login: Login,
    step: &mut dyn FnMut(super::TestStep),
    limits: net::Limits,
) -> Result<InboundReport> {
    if p.imap_host.is_empty() {
        return Err(CoreError::invalid(
            "imapHost",
            "No IMAP server is set for this profile; add one to check inbound mail.",
        ));
    }
    let log = Shared::default();
    let result = session(p, &login, &log, step, limits);
    let transcript = std::mem::take(&mut log.borrow_mut().lines);
    match result {
        Ok((folders, elapsed_ms)) => Ok(InboundReport {
            mailbox: p.mailbox.clone(),
            via: InboundVia::Imap,
            folders,
            messages: None,
            unread: None,
            newest: None,
            elapsed_ms,
            transcript,
        }),
        Err(CoreError::Auth(mut d)) => {
            d.transcript = transcript;
            Err(CoreError::Auth(d))
        }
        Err(e) => Err(e),
    }
}

/// Connect, (STARTTLS,) sign in, LIST; the folder count and the time taken.
fn session(
    p: &Profile,
    login: &Login,
    log: &Shared,
    step: &mut dyn FnMut(super::TestStep),
    limits: net::Limits,
) -> Result<(usize, u64)> {
    let where_ = format!("{}:{}", p.imap_host, p.imap_port);
    if p.imap_security == TlsMode::None {
        return Err(CoreError::invalid(
            "imapSecurity",
            "The IMAP check needs TLS or STARTTLS: credentials are never sent in clear.",
        ));
    }
    let start = Instant::now();
    let transport = |e: std::io::Error| CoreError::Auth(Box::new(net::io_diagnosis(&e, &where_)));
    step(super::TestStep::Connect);
    log.borrow_mut().note(format!("connecting to {where_} ({})", p.imap_security.label()));
    let tcp =
        net::connect(&p.imap_host, p.imap_port, limits).map_err(|e| CoreError::Auth(Box::new(e.diagnose(&where_))))?;
    step(super::TestStep::Tls);
    let tcp = match p.imap_security {
        TlsMode::StartTls => starttls(tcp, &where_, log).map_err(transport)?,
        _ => tcp,
    };
    let mut tls = net::wrap(&p.imap_host, "imapHost", tcp)?;
    net::handshake(&mut tls).map_err(transport)?;
    log.borrow_mut().note("TLS handshake, certificate checked");
    let mut client = imap::Client::new(Recorded { inner: tls, log: log.clone() });
    if p.imap_security == TlsMode::Tls {
        client.read_greeting().map_err(|e| imap_failure(e, &where_, None))?;
    }
    step(super::TestStep::Auth);
    let mut session = match login {
        Login::Bearer(t) => {
            let auth = XOAuth2 { profile: p, token: t, failure: RefCell::new(None), sent: RefCell::new(false) };
            let r = client.authenticate("XOAUTH2", &auth);
            let failure = auth.failure.borrow().clone();
            r.map_err(|(e, _)| imap_failure(e, &where_, Some(failure)))?
        }
        Login::Password(pw) => {
            client.login(&p.mailbox, pw.expose_secret()).map_err(|(e, _)| imap_failure(e, &where_, None))?
        }
    };
    step(super::TestStep::List);
    let names = session.list(Some(""), Some("*")).map_err(|e| imap_failure(e, &where_, None))?;
    let folders = names.len();
    let _ = session.logout();
    Ok((folders, start.elapsed().as_millis() as u64))
}

fn imap_failure(e: imap::Error, host: &str, challenge: Option<Option<String>>) -> CoreError {
    let d = match e {
        imap::Error::No(no) => {
            let mut d = rejected(host, &format!("NO {}", no.information));
            d.description = challenge.flatten().map(|c| format!("the server's challenge: {c}"));
            d
        }
        imap::Error::Io(io) => super::net::io_diagnosis(&io, host),
        other => {
            let text = other.to_string();
            TransportError::Other { host: host.to_owned(), detail: text }.diagnose()
        }
    };
    CoreError::Auth(Box::new(d))
}

/// The server refused the sign-in (`said`: its answer after the tag).
pub(super) fn rejected(host: &str, said: &str) -> Diagnosis {
    Diagnosis::new(
        "imap_login_rejected",
        "The IMAP server refused the sign-in",
        format!("{host} answered {said}"),
        vec![
            "Check that the token includes IMAP (https://outlook.office.com/IMAP.AccessAsUser.All), then reconnect."
                .into(),
            "Check that the Mailbox is the account that signed in (or a mailbox it has Full Access to).".into(),
            "For app-only: grant IMAP.AccessAsApp and add the service principal's mailbox permission.".into(),
        ],
    )
}
