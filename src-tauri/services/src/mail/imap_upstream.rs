//! The relay's IMAP front signs in upstream here: connect to the profile's
//! IMAP server (implicit TLS or STARTTLS, certificate checked as for every
//! check), then `AUTHENTICATE XOAUTH2` with the profile's token (`LOGIN` for
//! a password profile) — and hand back the raw encrypted stream, so the front
//! can carry the session's bytes through. The `imap` crate the inbound check
//! uses owns its stream and parses every reply; a pass-through needs neither,
//! so these few lines are written by hand.

use super::imap::Login;
use super::net;
use super::stream::MaybeTls;
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::ExposeSecret;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The upstream session's stream, read and written as the front's own.
pub type Stream = MaybeTls<rustls::ClientConnection, TcpStream>;

/// The tag of the front's own sign-in upstream.
const TAG: &str = "mw1";

/// A signed-in upstream IMAP session.
pub struct Upstream {
    pub stream: Stream,
    /// What the server sent after the sign-in's tagged reply (read with it).
    pub leftover: Vec<u8>,
    /// `host:port`, for logs and messages.
    pub server: String,
}

/// Connect to `p`'s IMAP server and sign in with `login`, all within `within`.
pub fn open(p: &Profile, login: &Login, within: Duration) -> Result<Upstream> {
    if p.imap_host.is_empty() {
        return Err(CoreError::invalid("imapHost", "No IMAP server is set for this profile."));
    }
    if p.imap_security == TlsMode::None {
        return Err(CoreError::invalid("imapSecurity", "The mailbox is read over TLS or STARTTLS only."));
    }
    let server = format!("{}:{}", p.imap_host, p.imap_port);
    let transport = |e: io::Error| CoreError::Auth(Box::new(net::io_diagnosis(&e, &server)));
    let limits = net::Limits::new(within, None);
    let tcp =
        net::connect(&p.imap_host, p.imap_port, limits).map_err(|e| CoreError::Auth(Box::new(e.diagnose(&server))))?;
    let tcp = match p.imap_security {
        TlsMode::StartTls => super::imap::starttls(tcp, &server, &Default::default()).map_err(transport)?,
        _ => tcp,
    };
    let mut tls = net::wrap(&p.imap_host, "imapHost", tcp)?;
    net::handshake(&mut tls).map_err(transport)?;
    let mut lines = Lines { buf: Vec::new() };
    let mut sasl_ir = false;
    if p.imap_security == TlsMode::Tls {
        let greeting = lines.next(&mut tls).map_err(transport)?;
        if !greeting.starts_with(b"* OK") {
            let text = String::from_utf8_lossy(&greeting).trim().to_owned();
            return Err(transport(io::Error::other(format!("the server did not greet as IMAP does: {text}"))));
        }
        sasl_ir = capability_in(&greeting, "SASL-IR");
    }
    match login {
        Login::Bearer(token) => {
            let ir = crate::oauth::xoauth2::encoded(p, token);
            if sasl_ir {
                write!(tls, "{TAG} AUTHENTICATE XOAUTH2 {}\r\n", ir.as_str()).map_err(transport)?;
            } else {
                write!(tls, "{TAG} AUTHENTICATE XOAUTH2\r\n").map_err(transport)?;
                let more = lines.next(&mut tls).map_err(transport)?;
                if more.starts_with(b"+") {
                    write!(tls, "{}\r\n", ir.as_str()).map_err(transport)?;
                } else {
                    return Err(refused(&server, &more, None));
                }
            }
        }
        Login::Password(pw) => {
            let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
            let pw = pw.expose_secret();
            if pw.contains(['\r', '\n']) || p.mailbox.contains(['\r', '\n']) {
                return Err(CoreError::invalid("password", "The password holds a line break IMAP cannot carry."));
            }
            let line = zeroize::Zeroizing::new(format!("{TAG} LOGIN {} {}\r\n", quoted(&p.mailbox), quoted(pw)));
            tls.write_all(line.as_bytes()).map_err(transport)?;
        }
    }
    tls.flush().map_err(transport)?;
    let mut challenge = None;
    loop {
        let line = lines.next(&mut tls).map_err(transport)?;
        if let Some(c) = line.strip_prefix(b"+") {
            // XOAUTH2's failure: base64 JSON, answered empty (RFC 7628).
            let c = String::from_utf8_lossy(c).trim().to_owned();
            challenge = Some(B64.decode(&c).map(|j| String::from_utf8_lossy(&j).into_owned()).unwrap_or(c));
            tls.write_all(b"\r\n").and_then(|()| tls.flush()).map_err(transport)?;
        } else if let Some(rest) = line.strip_prefix(TAG.as_bytes()) {
            if rest.starts_with(b" OK") {
                break;
            }
            return Err(refused(&server, &line, challenge));
        } else if line.starts_with(b"* BYE") {
            return Err(refused(&server, &line, challenge));
        }
    }
    let (conn, sock) = tls.into_parts();
    let tcp = sock.tcp;
    tcp.set_read_timeout(None).and_then(|()| tcp.set_write_timeout(None)).map_err(transport)?;
    let stream = MaybeTls::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)));
    Ok(Upstream { stream, leftover: lines.buf, server })
}

/// The server refused the sign-in: the inbound check's diagnosis.
fn refused(server: &str, line: &[u8], challenge: Option<String>) -> CoreError {
    let text = String::from_utf8_lossy(line);
    let said = text.trim().split_once(' ').map_or("", |(_, r)| r).to_owned();
    let mut d: Diagnosis = super::imap::rejected(server, &said);
    d.description = challenge.map(|c| format!("the server's challenge: {c}"));
    CoreError::Auth(Box::new(d))
}

/// Whether a line's `[CAPABILITY …]` names `cap`.
fn capability_in(line: &[u8], cap: &str) -> bool {
    let text = String::from_utf8_lossy(line).to_ascii_uppercase();
    text.split_once("[CAPABILITY ")
        .and_then(|(_, r)| r.split_once(']'))
        .is_some_and(|(caps, _)| caps.split(' ').any(|c| c == cap))
}

/// Lines read from a server, each bounded; what follows the last one stays
/// in `buf` (the front's replay on a new connection reads its answers so too).
pub struct Lines {
    pub buf: Vec<u8>,
}

impl Lines {
    /// The next line, to its LF.
    pub fn next(&mut self, r: &mut impl Read) -> io::Result<Vec<u8>> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = self.buf.iter().position(|&b| b == b'\n') {
                return Ok(self.buf.drain(..=end).collect());
            }
            if self.buf.len() > net::LINE_MAX {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "the server sent an overlong line"));
            }
            match r.read(&mut chunk)? {
                0 => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection")),
                n => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_are_read_from_the_greeting_only_inside_the_code() {
        assert!(capability_in(b"* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2] ready\r\n", "SASL-IR"));
        assert!(!capability_in(b"* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] SASL-IR ready\r\n", "SASL-IR"));
        assert!(!capability_in(b"* OK The Microsoft Exchange IMAP4 service is ready.\r\n", "SASL-IR"));
    }

    #[test]
    fn lines_keep_what_follows() {
        let mut lines = Lines { buf: Vec::new() };
        let mut input: &[u8] = b"mw1 OK done\r\n* 3 EXISTS\r\n";
        assert_eq!(lines.next(&mut input).unwrap(), b"mw1 OK done\r\n");
        assert_eq!(lines.buf, b"* 3 EXISTS\r\n");
    }
}
