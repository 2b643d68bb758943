//! The sockets under the mail checks (SMTP and IMAP): one TCP connect with
//! `TCP_NODELAY`, one rustls client configuration per process (OS trust store
//! plus `MAILWARDEN_CA_FILE`, session resumption off), and the plain-words
//! diagnosis of an I/O failure.
//!
//! Why our own sockets: lettre's blocking client opens its own socket and
//! takes no rustls configuration, and every send paid a ~40 ms stall: two
//! small writes in a row (ours: TLS Finished then EHLO; the server's: a TLS
//! 1.3 session ticket then the EHLO reply) meet Nagle's algorithm on the
//! writer and a delayed ACK on the reader. Our sockets set `TCP_NODELAY` and,
//! on Linux, acknowledge at once (`TCP_QUICKACK`). Resumption is off because
//! a test must prove the certificate chain each time — a resumed session
//! skips it.

use crate::diagnosis::{Diagnosis, TransportError};
use crate::error::{CoreError, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

pub(super) const TIMEOUT: Duration = Duration::from_secs(30);

pub(super) type TlsStream = rustls::StreamOwned<rustls::ClientConnection, Socket>;

/// A TCP stream that acknowledges what it receives at once. Linux drops back
/// to delayed ACKs by itself, so `TCP_QUICKACK` is re-armed before each read.
#[derive(Debug)]
pub(super) struct Socket(pub TcpStream);

impl io::Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(target_os = "linux")]
        let _ = socket2::SockRef::from(&self.0).set_tcp_quickack(true);
        self.0.read(buf)
    }
}

impl io::Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

static TLS: crate::http::PerCa<Arc<rustls::ClientConfig>> = crate::http::PerCa::new();

fn tls_config() -> Result<Arc<rustls::ClientConfig>> {
    TLS.get_or_try("", build_tls_config)
}

fn build_tls_config() -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = crate::http::ca_file() {
        let certs = CertificateDer::pem_file_iter(&path)
            .map_err(|e| CoreError::io("Could not read MAILWARDEN_CA_FILE", io::Error::other(e.to_string())))?;
        roots.add_parsable_certificates(certs.flatten());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CoreError::io("Could not set up TLS", io::Error::other(e.to_string())))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.resumption = rustls::client::Resumption::disabled();
    Ok(Arc::new(cfg))
}

/// Start TLS on `tcp` for `host`; `field` names the profile field holding the
/// host, for the message when it is not a valid server name.
pub(super) fn wrap(host: &str, field: &str, tcp: TcpStream) -> Result<TlsStream> {
    let name =
        ServerName::try_from(host.to_owned()).map_err(|_| CoreError::invalid(field, "Not a valid host name."))?;
    let conn = rustls::ClientConnection::new(tls_config()?, name)
        .map_err(|e| CoreError::io("Could not start TLS", io::Error::other(e.to_string())))?;
    Ok(rustls::StreamOwned::new(conn, Socket(tcp)))
}

/// Run the TLS handshake now, so a certificate or protocol failure shows up
/// as the TLS step's failure rather than on the first command.
pub(super) fn handshake(s: &mut TlsStream) -> io::Result<()> {
    while s.conn.is_handshaking() {
        s.conn.complete_io(&mut s.sock)?;
    }
    Ok(())
}

/// Why a connection could not be opened.
pub(super) enum ConnectError {
    Dns,
    Io(io::Error),
}

/// Resolve `host` and connect to the first address that answers, with the
/// timeout on connect, reads and writes, and `TCP_NODELAY` set.
pub(super) fn connect(host: &str, port: u16) -> std::result::Result<TcpStream, ConnectError> {
    let addrs: Vec<_> = (host, port).to_socket_addrs().map_err(|_| ConnectError::Dns)?.collect();
    if addrs.is_empty() {
        return Err(ConnectError::Dns);
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, TIMEOUT) {
            Ok(s) => {
                let setup = s
                    .set_nodelay(true)
                    .and_then(|()| s.set_read_timeout(Some(TIMEOUT)))
                    .and_then(|()| s.set_write_timeout(Some(TIMEOUT)));
                return setup.map(|()| s).map_err(ConnectError::Io);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(ConnectError::Io(last.unwrap_or_else(|| io::Error::other("no address"))))
}

impl ConnectError {
    pub(super) fn diagnose(&self, host: &str) -> Diagnosis {
        match self {
            ConnectError::Dns => TransportError::Dns { host: host.to_owned() }.diagnose(),
            ConnectError::Io(e) => io_diagnosis(e, host),
        }
    }
}

/// A failure on an open connection (or while opening it), by type: a rustls
/// error inside the I/O error is a TLS failure; then the I/O error's kind.
pub(super) fn io_diagnosis(e: &io::Error, host: &str) -> Diagnosis {
    let host = host.to_owned();
    if let Some(detail) = crate::http::tls_failure(e) {
        return TransportError::Tls { host, detail }.diagnose();
    }
    match e.kind() {
        io::ErrorKind::ConnectionRefused => TransportError::Refused { host },
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportError::Timeout { host },
        _ => TransportError::Other { host, detail: e.to_string() },
    }
    .diagnose()
}
