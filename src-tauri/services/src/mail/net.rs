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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest one step (connect, one write) may wait.
pub(super) const TIMEOUT: Duration = Duration::from_secs(30);
/// The whole of one test (connect, TLS, sign in, send or list), whatever the
/// server does: a server trickling a byte a second still ends here.
pub(crate) const OPERATION: Duration = Duration::from_secs(90);
/// The most one test reads from a server (a LIST of a very large mailbox
/// fits); past it the server is not answering as a mail server does.
pub(crate) const READ_BUDGET: usize = 8 * 1024 * 1024;
/// The longest line a mail server may send.
pub(crate) const LINE_MAX: usize = 64 * 1024;
/// How often a blocked read looks at the deadline and Cancel.
const TICK: Duration = Duration::from_millis(200);

pub(super) type TlsStream = rustls::StreamOwned<rustls::ClientConnection, Socket>;

/// What bounds one operation on the network: an overall deadline, a read
/// budget, and the person's Cancel.
#[derive(Clone, Debug)]
pub struct Limits {
    pub deadline: Instant,
    pub budget: usize,
    pub cancel: Option<Arc<AtomicBool>>,
    /// A cached access token is refreshed first when it lives less than this
    /// (seconds): 5 minutes, 10 for the relay (Microsoft's high-volume
    /// endpoints refuse tokens that expire sooner).
    pub token_margin: i64,
}

impl Limits {
    pub fn new(total: Duration, cancel: Option<Arc<AtomicBool>>) -> Limits {
        Limits {
            deadline: Instant::now() + total,
            budget: READ_BUDGET,
            cancel,
            token_margin: crate::oauth::REFRESH_MARGIN_SECS,
        }
    }

    /// The default bounds of a test.
    pub fn test(cancel: Option<Arc<AtomicBool>>) -> Limits {
        Limits::new(OPERATION, cancel)
    }

    fn check(&self) -> io::Result<Duration> {
        if self.cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst)) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the server did not finish answering in time"));
        }
        Ok(left)
    }
}

/// A TCP stream that acknowledges what it receives at once (Linux drops back
/// to delayed ACKs by itself, so `TCP_QUICKACK` is re-armed before each read),
/// and reads within its [`Limits`]: never past the deadline or the budget,
/// and never longer than a tick without looking at Cancel.
#[derive(Debug)]
pub(super) struct Socket {
    pub tcp: TcpStream,
    limits: Limits,
    /// The read timeout last set: a tick until the deadline is nearer.
    read_timeout: Option<Duration>,
}

impl io::Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.limits.budget == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the server sent more than {} MB", READ_BUDGET / (1024 * 1024)),
            ));
        }
        let len = buf.len().min(self.limits.budget);
        loop {
            let wait = Some(self.limits.check()?.min(TICK));
            if wait != self.read_timeout {
                self.tcp.set_read_timeout(wait)?;
                self.read_timeout = wait;
            }
            #[cfg(target_os = "linux")]
            let _ = socket2::SockRef::from(&self.tcp).set_tcp_quickack(true);
            match self.tcp.read(&mut buf[..len]) {
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => continue,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Ok(n) => {
                    self.limits.budget -= n;
                    return Ok(n);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl io::Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.limits.check()?;
        self.tcp.set_write_timeout(Some(left.min(TIMEOUT)))?;
        self.tcp.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// One line (up to and including `\n`) from `r`, refusing lines longer than
/// [`LINE_MAX`]: a server sending an endless line gets an error, not all
/// of memory. Returns an empty string at end of stream.
pub(crate) fn read_line(r: &mut impl io::BufRead) -> io::Result<String> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if line.len() + take > LINE_MAX {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the server sent a line longer than {} KB", LINE_MAX / 1024),
            ));
        }
        line.extend_from_slice(&buf[..take]);
        r.consume(take);
        if done {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
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
pub(super) fn wrap(host: &str, field: &str, tcp: Socket) -> Result<TlsStream> {
    let name =
        ServerName::try_from(host.to_owned()).map_err(|_| CoreError::invalid(field, "Not a valid host name."))?;
    let conn = rustls::ClientConnection::new(tls_config()?, name)
        .map_err(|e| CoreError::io("Could not start TLS", io::Error::other(e.to_string())))?;
    Ok(rustls::StreamOwned::new(conn, tcp))
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

/// Resolve `host` and connect to the first address that answers, within the
/// limits, with `TCP_NODELAY` set.
pub(super) fn connect(host: &str, port: u16, limits: Limits) -> std::result::Result<Socket, ConnectError> {
    let addrs: Vec<_> = (host, port).to_socket_addrs().map_err(|_| ConnectError::Dns)?.collect();
    if addrs.is_empty() {
        return Err(ConnectError::Dns);
    }
    let mut last = None;
    for addr in addrs {
        let left = limits.check().map_err(ConnectError::Io)?;
        match TcpStream::connect_timeout(&addr, left.min(TIMEOUT)) {
            Ok(s) => {
                return s
                    .set_nodelay(true)
                    .map(|()| Socket { tcp: s, limits, read_timeout: None })
                    .map_err(ConnectError::Io);
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
        io::ErrorKind::Interrupted if e.to_string() == "cancelled" => return crate::diagnosis::cancelled(),
        io::ErrorKind::InvalidData => TransportError::Overflow { host, detail: e.to_string() },
        _ => TransportError::Other { host, detail: e.to_string() },
    }
    .diagnose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Instant;

    /// A server on loopback that runs `serve` on its first connection.
    fn server(serve: impl FnOnce(TcpStream) + Send + 'static) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            if let Ok((s, _)) = l.accept() {
                serve(s);
            }
        });
        port
    }

    fn first_line(port: u16, limits: Limits) -> io::Result<String> {
        let sock = match connect("127.0.0.1", port, limits) {
            Ok(s) => s,
            Err(ConnectError::Io(e)) => return Err(e),
            Err(ConnectError::Dns) => panic!("loopback resolves"),
        };
        read_line(&mut io::BufReader::new(sock))
    }

    #[test]
    fn an_endless_line_is_cut_off_not_buffered() {
        let port = server(|mut s| {
            let chunk = [b'a'; 8192];
            while s.write_all(&chunk).is_ok() {}
        });
        let e = first_line(port, Limits::new(Duration::from_secs(20), None)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{e}");
        assert!(e.to_string().contains("longer than 64 KB"), "{e}");
    }

    #[test]
    fn the_read_budget_ends_a_flood_of_short_lines() {
        let port = server(|mut s| while s.write_all(b"250-x\r\n").is_ok() {});
        let sock = match connect("127.0.0.1", port, Limits::new(Duration::from_secs(20), None)) {
            Ok(s) => s,
            Err(_) => panic!("connect"),
        };
        let mut r = io::BufReader::new(sock);
        let e = loop {
            match read_line(&mut r) {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert!(e.to_string().contains("more than 8 MB"), "{e}");
    }

    #[test]
    fn a_server_trickling_a_byte_a_second_ends_at_the_deadline() {
        let port = server(|mut s| {
            for _ in 0..30 {
                if s.write_all(b"2").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(400));
            }
        });
        let start = Instant::now();
        let e = first_line(port, Limits::new(Duration::from_secs(2), None)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut, "{e}");
        assert!(start.elapsed() < Duration::from_secs(4), "ended near the deadline: {:?}", start.elapsed());
        assert_eq!(io_diagnosis(&e, "smtp.example").code, "network_timeout");
    }

    #[test]
    fn cancel_ends_a_silent_connection_within_a_second() {
        let port = server(|mut s| {
            let mut b = [0u8; 1];
            let _ = s.read(&mut b); // holds the connection open, says nothing
        });
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = cancel.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            flag.store(true, Ordering::SeqCst);
        });
        let start = Instant::now();
        let e = first_line(port, Limits::new(Duration::from_secs(60), Some(cancel))).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::Interrupted);
        assert!(start.elapsed() < Duration::from_millis(1300), "{:?}", start.elapsed());
        assert_eq!(io_diagnosis(&e, "smtp.example").code, "cancelled");
    }
}
