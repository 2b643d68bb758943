//! The relay's POP3 front's upstream for a profile that reads its mailbox
//! over POP3: connect (POP3S, or STLS), sign in with `AUTH XOAUTH2` and the
//! profile's token (RFC 5034 with the initial response; USER/PASS for a
//! password profile), then list (UIDL and LIST), fetch (RETR, read a line at
//! a time, un-stuffed, bounded) and delete (DELE, applied at QUIT). The few
//! POP3 client crates own their sockets and buffer whole messages; this is a
//! dozen lines of protocol over the stream every check uses.

use super::imap::Login;
use super::net;
use super::stream::MaybeTls;
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::profile::{Profile, TlsMode};
use crate::secret::ExposeSecret;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The longest a message may be (Exchange Online's limit is 150 MB).
const MESSAGE_MAX: u64 = 160 * 1024 * 1024;
/// How long one reply may take once signed in.
const REPLY_WAIT: Duration = Duration::from_secs(120);

type Stream = MaybeTls<rustls::ClientConnection, TcpStream>;

/// A signed-in upstream POP3 session.
pub struct Pop3Upstream {
    conn: BufReader<Stream>,
    /// Each listed message's number in this session, by its UIDL.
    numbers: HashMap<String, u32>,
    pub server: String,
}

fn bad(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

impl Pop3Upstream {
    /// Connect to `p`'s POP3 server and sign in with `login`, within `within`.
    pub fn open(p: &Profile, login: &Login, within: Duration) -> Result<Pop3Upstream> {
        if p.pop3_host.is_empty() {
            return Err(CoreError::invalid("pop3Host", "No POP3 server is set for this profile."));
        }
        if p.pop3_security == TlsMode::None {
            return Err(CoreError::invalid("pop3Security", "The mailbox is read over TLS or STLS only."));
        }
        let server = format!("{}:{}", p.pop3_host, p.pop3_port);
        let transport = |e: io::Error| CoreError::Auth(Box::new(net::io_diagnosis(&e, &server)));
        let mut tcp = net::connect(&p.pop3_host, p.pop3_port, net::Limits::new(within, None))
            .map_err(|e| CoreError::Auth(Box::new(e.diagnose(&server))))?;
        if p.pop3_security == TlsMode::StartTls {
            let mut r = BufReader::with_capacity(1, &mut tcp);
            expect_ok(&mut r).map_err(transport)?;
            r.get_mut().write_all(b"STLS\r\n").map_err(transport)?;
            expect_ok(&mut r).map_err(transport)?;
        }
        let mut tls = net::wrap(&p.pop3_host, "pop3Host", tcp)?;
        net::handshake(&mut tls).map_err(transport)?;
        let (conn, sock) = tls.into_parts();
        let tcp = sock.tcp;
        tcp.set_read_timeout(Some(within)).map_err(transport)?;
        let mut conn = BufReader::new(MaybeTls::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))));
        if p.pop3_security == TlsMode::Tls {
            expect_ok(&mut conn).map_err(transport)?;
        }
        let refused = |said: String| CoreError::Auth(Box::new(rejected(&server, &said)));
        match login {
            Login::Bearer(token) => {
                let ir = crate::oauth::xoauth2::encoded(p, token);
                let line = zeroize::Zeroizing::new(format!("AUTH XOAUTH2 {}\r\n", ir.as_str()));
                conn.get_mut().write_all(line.as_bytes()).map_err(transport)?;
                let reply = read_line(&mut conn).map_err(transport)?;
                if let Some(challenge) = reply.strip_prefix("+ ") {
                    // The failure's JSON (RFC 7628): answered empty, then -ERR.
                    let json = B64.decode(challenge.trim()).map(|j| String::from_utf8_lossy(&j).into_owned());
                    conn.get_mut().write_all(b"\r\n").map_err(transport)?;
                    let last = read_line(&mut conn).map_err(transport)?;
                    let mut d = rejected(&server, last.trim());
                    d.description = json.ok().map(|j| format!("the server's challenge: {j}"));
                    return Err(CoreError::Auth(Box::new(d)));
                }
                if !reply.starts_with("+OK") {
                    return Err(refused(reply.trim().to_owned()));
                }
            }
            Login::Password(pw) => {
                let pw = pw.expose_secret();
                if pw.contains(['\r', '\n']) || p.mailbox.contains(['\r', '\n']) {
                    return Err(CoreError::invalid("password", "The password holds a line break POP3 cannot carry."));
                }
                write!(conn.get_mut(), "USER {}\r\n", p.mailbox).map_err(transport)?;
                expect_ok(&mut conn).map_err(transport)?;
                let line = zeroize::Zeroizing::new(format!("PASS {pw}\r\n"));
                conn.get_mut().write_all(line.as_bytes()).map_err(transport)?;
                let reply = read_line(&mut conn).map_err(transport)?;
                if !reply.starts_with("+OK") {
                    return Err(refused(reply.trim().to_owned()));
                }
            }
        }
        conn.get_ref().socket().set_read_timeout(Some(REPLY_WAIT)).map_err(transport)?;
        Ok(Pop3Upstream { conn, numbers: HashMap::new(), server })
    }

    /// Every message: its UIDL and its size.
    pub fn list(&mut self) -> io::Result<Vec<(String, u64)>> {
        let sizes: HashMap<u32, u64> = self
            .multiline("LIST")?
            .iter()
            .filter_map(|l| l.split_once(' ').and_then(|(n, s)| Some((n.parse().ok()?, s.trim().parse().ok()?))))
            .collect();
        let mut out = Vec::new();
        self.numbers.clear();
        for line in self.multiline("UIDL")? {
            let Some((n, uid)) = line.split_once(' ') else { continue };
            let (Ok(n), uid) = (n.parse::<u32>(), uid.trim().to_owned()) else { continue };
            out.push((uid.clone(), sizes.get(&n).copied().unwrap_or(0)));
            self.numbers.insert(uid, n);
        }
        Ok(out)
    }

    /// Message `uid` to `out`, un-stuffed (CRLF lines); its size.
    pub fn fetch(&mut self, uid: &str, out: &mut dyn Write) -> io::Result<u64> {
        let n = *self.numbers.get(uid).ok_or_else(|| bad(format!("no message {uid} upstream")))?;
        write!(self.conn.get_mut(), "RETR {n}\r\n")?;
        let status = read_line(&mut self.conn)?;
        if !status.starts_with("+OK") {
            return Err(bad(format!("{} answered {}", self.server, status.trim())));
        }
        let mut size = 0u64;
        let mut line = Vec::new();
        loop {
            line.clear();
            let got = (&mut self.conn).take(net::LINE_MAX as u64).read_until(b'\n', &mut line)?;
            if got == 0 {
                return Err(bad(format!("{} closed the connection mid-message", self.server)));
            }
            if line == b".\r\n" || line == b".\n" {
                return Ok(size);
            }
            let body = line.strip_prefix(b".").unwrap_or(&line);
            size += body.len() as u64;
            if size > MESSAGE_MAX {
                return Err(bad("the message is larger than 160 MB"));
            }
            out.write_all(body)?;
        }
    }

    /// Delete messages `uids` and end the session (QUIT applies it).
    pub fn delete(&mut self, uids: &[String]) -> io::Result<()> {
        for uid in uids {
            let n = *self.numbers.get(uid).ok_or_else(|| bad(format!("no message {uid} upstream")))?;
            write!(self.conn.get_mut(), "DELE {n}\r\n")?;
            expect_ok(&mut self.conn)?;
        }
        self.quit()
    }

    /// End the session.
    pub fn quit(&mut self) -> io::Result<()> {
        self.conn.get_mut().write_all(b"QUIT\r\n")?;
        expect_ok(&mut self.conn)
    }

    fn multiline(&mut self, command: &str) -> io::Result<Vec<String>> {
        write!(self.conn.get_mut(), "{command}\r\n")?;
        expect_ok(&mut self.conn)?;
        let mut lines = Vec::new();
        loop {
            let l = read_line(&mut self.conn)?;
            if l.trim_end() == "." {
                return Ok(lines);
            }
            if lines.len() > 1_000_000 {
                return Err(bad("the listing is endless"));
            }
            lines.push(l.trim_end().to_owned());
        }
    }
}

fn read_line(r: &mut impl BufRead) -> io::Result<String> {
    let l = net::read_line(r)?;
    if l.is_empty() {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed the connection"));
    }
    Ok(l)
}

fn expect_ok(r: &mut impl BufRead) -> io::Result<()> {
    let l = read_line(r)?;
    if l.starts_with("+OK") {
        Ok(())
    } else {
        Err(bad(format!("the server answered {}", l.trim())))
    }
}

/// The server refused the sign-in (`said`: its answer).
fn rejected(server: &str, said: &str) -> Diagnosis {
    Diagnosis::new(
        "pop3_login_rejected",
        "The POP3 server refused the sign-in",
        format!("{server} answered {said}"),
        vec![
            "Check that the token includes POP (https://outlook.office.com/POP.AccessAsUser.All; app-only: POP.AccessAsApp), then reconnect.".into(),
            "Check that POP3 is enabled for the mailbox (Exchange: Set-CASMailbox -PopEnabled $true).".into(),
            "Check that the Mailbox is the account that signed in (or a mailbox it has Full Access to).".into(),
        ],
    )
}
