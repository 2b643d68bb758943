//! The inbound check: log in over IMAP (implicit TLS or STARTTLS) with
//! `AUTHENTICATE XOAUTH2` (or LOGIN for a password), then LIST — a login can
//! pass for the wrong mailbox name; LIST proves the session works. The `imap`
//! crate takes our own rustls stream, so trust is the same as everywhere else
//! (OS store + `MAILWARDEN_CA_FILE`).

use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::{ExposeSecret, SecretString};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::Serialize;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ts_rs::TS;

const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboundReport {
    pub mailbox: String,
    #[ts(type = "number")]
    pub folders: usize,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

pub enum Login {
    Bearer(SecretString),
    Password(SecretString),
}

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

static TLS: crate::http::PerCa<Arc<rustls::ClientConfig>> = crate::http::PerCa::new();

fn tls_config() -> Result<Arc<rustls::ClientConfig>> {
    TLS.get_or_try("", build_tls_config)
}

fn build_tls_config() -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = std::env::var_os(crate::http::CA_FILE_ENV).filter(|p| !p.is_empty()) {
        let certs = CertificateDer::pem_file_iter(&path)
            .map_err(|e| CoreError::io("Could not read MAILWARDEN_CA_FILE", std::io::Error::other(e.to_string())))?;
        roots.add_parsable_certificates(certs.flatten());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CoreError::io("Could not set up TLS", std::io::Error::other(e.to_string())))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

fn wrap(host: &str, tcp: TcpStream) -> Result<Tls> {
    let name =
        ServerName::try_from(host.to_owned()).map_err(|_| CoreError::invalid("imapHost", "Not a valid host name."))?;
    let conn = rustls::ClientConnection::new(tls_config()?, name)
        .map_err(|e| CoreError::io("Could not start TLS", std::io::Error::other(e.to_string())))?;
    Ok(rustls::StreamOwned::new(conn, tcp))
}

/// STARTTLS by hand before the `imap` client takes over the encrypted stream.
fn starttls(mut tcp: TcpStream, where_: &str) -> std::io::Result<TcpStream> {
    let mut reader = BufReader::new(tcp.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?; // greeting
    tcp.write_all(b"m0 STARTTLS\r\n")?;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::other(format!("{where_} closed the connection during STARTTLS")));
        }
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
    user: &'a str,
    token: &'a str,
    failure: RefCell<Option<String>>,
    sent: RefCell<bool>,
}

impl imap::Authenticator for XOAuth2<'_> {
    type Response = Vec<u8>;
    fn process(&self, challenge: &[u8]) -> Vec<u8> {
        if !*self.sent.borrow() {
            *self.sent.borrow_mut() = true;
            return format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token).into_bytes();
        }
        *self.failure.borrow_mut() = Some(String::from_utf8_lossy(challenge).into_owned());
        Vec::new()
    }
}

pub fn check(p: &Profile, login: Login, step: &mut dyn FnMut(super::TestStep)) -> Result<InboundReport> {
    if p.imap_host.is_empty() {
        return Err(CoreError::invalid(
            "imapHost",
            "No IMAP server is set for this profile; add one to check inbound mail.",
        ));
    }
    let where_ = format!("{}:{}", p.imap_host, p.imap_port);
    let start = Instant::now();
    let transport = |e: std::io::Error| CoreError::Auth(Box::new(transport_diagnosis(&e, &where_)));
    step(super::TestStep::Connect);
    let tcp = TcpStream::connect((p.imap_host.as_str(), p.imap_port)).map_err(transport)?;
    tcp.set_read_timeout(Some(TIMEOUT)).map_err(transport)?;
    step(super::TestStep::Tls);
    let client = match p.imap_security {
        TlsMode::None => {
            return Err(CoreError::invalid(
                "imapSecurity",
                "The IMAP check needs TLS or STARTTLS: credentials are never sent in clear.",
            ))
        }
        TlsMode::Tls => {
            let mut c = imap::Client::new(wrap(&p.imap_host, tcp)?);
            c.read_greeting().map_err(|e| imap_failure(e, &where_, None))?;
            c
        }
        TlsMode::StartTls => imap::Client::new(wrap(&p.imap_host, starttls(tcp, &where_).map_err(transport)?)?),
    };
    step(super::TestStep::Auth);
    let mut session = match &login {
        Login::Bearer(t) => {
            let auth = XOAuth2 {
                user: &p.mailbox,
                token: t.expose_secret(),
                failure: RefCell::new(None),
                sent: RefCell::new(false),
            };
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
    Ok(InboundReport { mailbox: p.mailbox.clone(), folders, elapsed_ms: start.elapsed().as_millis() as u64 })
}

fn transport_diagnosis(e: &std::io::Error, host: &str) -> Diagnosis {
    let host = host.to_owned();
    if let Some(detail) = crate::http::tls_failure(e) {
        return TransportError::Tls { host, detail }.diagnose();
    }
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => TransportError::Refused { host },
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => TransportError::Timeout { host },
        _ => TransportError::Other { host, detail: e.to_string() },
    }
    .diagnose()
}

fn imap_failure(e: imap::Error, host: &str, challenge: Option<Option<String>>) -> CoreError {
    let d = match e {
        imap::Error::No(no) => {
            let mut d = Diagnosis::new(
                "imap_login_rejected",
                "The IMAP server refused the sign-in",
                format!("{host} answered NO: {}", no.information),
                vec![
                    "Check that the token includes IMAP (https://outlook.office.com/IMAP.AccessAsUser.All), then reconnect.".into(),
                    "Check that the Mailbox is the account that signed in (or a mailbox it has Full Access to).".into(),
                    "For app-only: grant IMAP.AccessAsApp and add the service principal's mailbox permission.".into(),
                ],
            );
            d.description = challenge.flatten().map(|c| format!("the server's challenge: {c}"));
            d
        }
        imap::Error::Io(io) => transport_diagnosis(&io, host),
        other => {
            let text = other.to_string();
            TransportError::Other { host: host.to_owned(), detail: text }.diagnose()
        }
    };
    CoreError::Auth(Box::new(d))
}
