//! One SMTP connection on our own socket (see `net` for why): greeting, EHLO,
//! STARTTLS, commands and replies. lettre still parses every reply
//! (`Response::from_str`) and the server's EHLO capabilities (`ServerInfo`);
//! what is hand-written here is only the line I/O it keeps private, and the
//! DATA payload's transparency (dot-stuffing, every line end CRLF).

use super::net::{self, Socket, TlsStream};
use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::extension::ServerInfo;
use lettre::transport::smtp::response::{Response, Severity};
use std::io::{self, BufReader, Write};
use std::str::FromStr;

pub(super) type Result<T> = std::result::Result<T, Failure>;

/// How a command ended when it did not succeed.
pub(super) enum Failure {
    /// Could not connect (DNS, refused, timeout).
    Connect(net::ConnectError),
    /// The connection broke, timed out or TLS failed.
    Io(io::Error),
    /// The server answered 4xx/5xx.
    Reply(Response),
    /// The server's answer is not SMTP.
    Garbled(String),
    /// Not a network failure (e.g. no valid TLS set-up for the host name).
    Core(crate::error::CoreError),
}

impl From<crate::error::CoreError> for Failure {
    fn from(e: crate::error::CoreError) -> Self {
        Failure::Core(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// The client's connection: plain, or TLS once implicit or upgraded.
type Stream = super::stream::MaybeTls<rustls::ClientConnection, Socket>;

fn tls(host: &str, tcp: Socket) -> Result<TlsStream> {
    let mut s = net::wrap(host, "smtpHost", tcp)?;
    net::handshake(&mut s)?;
    Ok(s)
}

pub(super) struct SmtpConn {
    io: BufReader<Stream>,
    pub info: Option<ServerInfo>,
}

impl SmtpConn {
    /// Connect, start TLS at once when `implicit_tls`, read the greeting.
    pub(super) fn open(host: &str, port: u16, implicit_tls: bool, limits: net::Limits) -> Result<(SmtpConn, Response)> {
        let tcp = net::connect(host, port, limits).map_err(Failure::Connect)?;
        let stream = if implicit_tls { Stream::Tls(Box::new(tls(host, tcp)?)) } else { Stream::Plain(tcp) };
        let mut conn = SmtpConn { io: BufReader::new(stream), info: None };
        let greeting = conn.read_reply()?;
        Ok((conn, greeting))
    }

    /// Send `EHLO name` and keep what the server offers.
    pub(super) fn ehlo(&mut self, name: &str) -> Result<Response> {
        let r = self.command(&format!("EHLO {name}\r\n"))?;
        self.info = ServerInfo::from_response(&r).ok();
        Ok(r)
    }

    /// `STARTTLS`, then the TLS handshake on the same socket. The handshake
    /// itself runs on the first write (the EHLO that must follow).
    pub(super) fn starttls(mut self, host: &str) -> Result<(SmtpConn, Response)> {
        let r = self.command("STARTTLS\r\n")?;
        let Stream::Plain(tcp) = self.io.into_inner() else {
            return Err(Failure::Garbled("STARTTLS on a connection that is already encrypted".into()));
        };
        Ok((SmtpConn { io: BufReader::new(Stream::Tls(Box::new(tls(host, tcp)?))), info: None }, r))
    }

    /// Whether the server's EHLO offers `ext`.
    pub(super) fn offers(&self, ext: lettre::transport::smtp::extension::Extension) -> bool {
        self.info.as_ref().is_some_and(|i| i.supports_feature(ext))
    }

    /// The first of `wanted` that the server's EHLO offers.
    pub(super) fn auth_mechanism(&self, wanted: &[Mechanism]) -> Option<Mechanism> {
        self.info.as_ref().and_then(|i| i.get_auth_mechanism(wanted))
    }

    /// Write `line` (with its CRLF) in one write and read the reply; a
    /// 4xx/5xx reply is a [`Failure::Reply`].
    pub(super) fn command(&mut self, line: &str) -> Result<Response> {
        self.send_raw(line.as_bytes())?;
        self.read_reply()
    }

    pub(super) fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        let w = self.io.get_mut();
        w.write_all(bytes)?;
        w.flush()
    }

    /// One reply, single- or multi-line (`250-…` continues, `250 …` ends).
    pub(super) fn read_reply(&mut self) -> Result<Response> {
        let mut text = String::new();
        loop {
            let line = net::read_line(&mut self.io)?;
            if line.is_empty() {
                return Err(Failure::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                )));
            }
            let last = line.len() < 4 || line.as_bytes()[3] == b' ' || line.as_bytes()[3] == b'\r';
            text.push_str(&line);
            if last {
                break;
            }
            if text.len() > 64 * 1024 {
                return Err(Failure::Garbled("a reply longer than 64 KB".into()));
            }
        }
        let r = Response::from_str(&text).map_err(|_| Failure::Garbled(text.trim_end().to_owned()))?;
        match r.code().severity {
            Severity::TransientNegativeCompletion | Severity::PermanentNegativeCompletion => Err(Failure::Reply(r)),
            _ => Ok(r),
        }
    }

    /// Say QUIT and wait for the answer (errors ignored: the work is done).
    pub(super) fn quit(mut self) {
        let _ = self.command("QUIT\r\n");
    }
}

/// The message with SMTP transparency (RFC 5321 §4.5.2: a line starting with
/// "." gets another) and the terminating ".", ready for one write. Every
/// line end goes out as CRLF — a bare LF or CR becomes one — so that a
/// server reading bare line ends cannot find an end of DATA (or a command)
/// inside the message (SMTP smuggling). Hand-written because lettre's codec
/// is private and keeps bare line ends.
pub(super) fn dot_stuffed(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 8);
    let mut line_start = true;
    let mut i = 0;
    while i < msg.len() {
        let b = msg[i];
        i += 1;
        match b {
            b'\r' | b'\n' => {
                if b == b'\r' && msg.get(i) == Some(&b'\n') {
                    i += 1;
                }
                out.extend_from_slice(b"\r\n");
                line_start = true;
            }
            _ => {
                if line_start && b == b'.' {
                    out.push(b'.');
                }
                out.push(b);
                line_start = false;
            }
        }
    }
    if !line_start || out.is_empty() {
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
        // Bare line ends go out as CRLF, and a dot after one is stuffed.
        assert_eq!(super::dot_stuffed(b"a\r.\r\nb\n.\nc"), b"a\r\n..\r\nb\r\n..\r\nc\r\n.\r\n");
    }
}
