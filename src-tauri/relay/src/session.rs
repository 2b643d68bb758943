//! One SMTP submission session: EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL,
//! RCPT, DATA (with SIZE, PIPELINING, 8BITMIME, SMTPUTF8), RSET, NOOP, QUIT.
//! Command lines are parsed by `smtp-proto` (Stalwart's maintained parser:
//! parameters, addresses); the DATA stream by `data` (Postfix 3.9's line-end
//! rules). This file is the conversation's policy: the limits Postfix's
//! smtpd holds a client to — a client that talks before the greeting, HTTP
//! or header lines (`smtpd_forbidden_commands`), too many errors
//! (`smtpd_hard_error_limit`) or junk commands (`smtpd_junk_command_limit`),
//! a session that never signs in — and that a message is on disk before its
//! `250`. [`Session::ingest`] is the whole conversation without a socket
//! (unit- and property-tested); [`Session::run`] puts it on a connection.

mod auth;
mod commands;
mod data;
mod host;
#[cfg(test)]
mod host_tests;
#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

use super::conn::Conn;
use crate::devices::DeviceRow;
use data::DataReader;
pub use host::Host;
use smtp_proto::request::receiver::RequestReceiver;
use smtp_proto::{Error as ProtoError, Request};
use std::io::{Read, Write};
use std::net::IpAddr;
use std::time::{Duration, Instant};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// The longest command line taken (RFC 5321 says 512; some devices send more).
const MAX_COMMAND: usize = 1000;
/// Errors (4xx/5xx answers) before the session is closed: few for a client
/// that has not signed in, more for a device that has (Postfix: 20).
const MAX_ERRORS_ANONYMOUS: u32 = 5;
const MAX_ERRORS_DEVICE: u32 = 20;
/// NOOP, RSET, VRFY, HELP and repeated HELO/EHLO between two messages
/// (Postfix's `smtpd_junk_command_limit` is 100): they keep a connection
/// open without sending anything.
const MAX_JUNK: u32 = 20;
/// Wrong passwords in one session before it is closed.
const MAX_AUTH_FAILURES: u32 = 3;
/// How long a client may take to sign in (or, for a device let in by its
/// address, to start its first message); how long any session may last.
const SIGN_IN_WITHIN: Duration = Duration::from_secs(60);
const MAX_SESSION: Duration = Duration::from_secs(3600);

enum Phase {
    Command,
    Data(DataReader),
    /// AUTH LOGIN: waiting for the user name, then the password.
    LoginUser,
    LoginPass(String),
    /// AUTH PLAIN without an initial response.
    PlainWait,
}

/// What the connection does after some bytes were taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Write the replies, read more.
    Go,
    /// Write the replies, then upgrade to TLS; bytes after STARTTLS are dropped.
    StartTls,
    /// Write the replies, then close.
    Close,
}

pub struct Session<'s> {
    /// The relay around it: all the session may ask of it.
    host: &'s dyn Host,
    peer: IpAddr,
    /// The connection is encrypted (STARTTLS done, or implicit TLS).
    tls: bool,
    phase: Phase,
    /// A partial command or AUTH answer line, and whether an over-long one
    /// is being skipped to its end.
    line: Vec<u8>,
    skipping: bool,
    helo: String,
    device: Option<DeviceRow>,
    /// The device signed in with its password (else it was let in by address).
    by_password: bool,
    /// A device was let in (signed in, or by its address) in this session.
    admitted: bool,
    from: Option<String>,
    to: Vec<String>,
    message: Vec<u8>,
    /// MAIL FROM asked for SMTPUTF8 (or gave a non-ASCII address).
    utf8: bool,
    out: Vec<u8>,
    started: Instant,
    /// Counters toward the limits above (errors and junk restart after each message).
    errors: u32,
    junk: u32,
    auth_failures: u32,
    ehlos: u32,
}

impl<'s> Session<'s> {
    pub fn new(host: &'s dyn Host, peer: IpAddr, tls: bool) -> Self {
        Session {
            host,
            peer: peer.to_canonical(),
            tls,
            phase: Phase::Command,
            line: Vec::new(),
            skipping: false,
            helo: String::new(),
            device: None,
            by_password: false,
            admitted: false,
            from: None,
            to: Vec::new(),
            message: Vec::new(),
            utf8: false,
            out: Vec::new(),
            started: Instant::now(),
            errors: 0,
            junk: 0,
            auth_failures: 0,
            ehlos: 0,
        }
    }

    fn reply(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// The replies so far (the caller writes them), emptied.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The greeting's last (or only) line.
    pub fn greet(&mut self) {
        self.reply(&format!("220 {} Mailwarden relay ESMTP", self.host.hostname()));
    }

    /// Serve the connection (greeted already) until QUIT, an error, a limit,
    /// idleness or shutdown.
    pub fn run(mut self, mut conn: Conn) {
        let idle = Duration::from_secs(self.host.settings().idle_timeout_secs);
        let mut buf = vec![0u8; 16 * 1024];
        let mut timeout_set = 0;
        loop {
            if conn.write_all(&self.out).and_then(|_| conn.flush()).is_err() {
                return;
            }
            self.out.clear();
            if matches!(self.phase, Phase::Command) {
                if self.host.stopping() {
                    let _ = conn.write_all(b"421 4.3.2 The relay is shutting down; try again shortly\r\n");
                    return;
                }
                if let Some(why) = self.overstayed() {
                    let _ = conn.write_all(why.as_bytes());
                    return;
                }
            }
            // Silence ends the session at the idle time or the deadline,
            // whichever is first (set when it changes: a system call each).
            let wait = idle.min(self.deadline().saturating_duration_since(Instant::now())).as_secs().max(1);
            if wait != timeout_set {
                let _ = super::conn::set_timeouts(&conn, Some(Duration::from_secs(wait)));
                timeout_set = wait;
            }
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => return, // closed, silent too long, or broken
                Ok(n) => n,
            };
            match self.ingest(&buf[..n]) {
                Flow::Go => {}
                Flow::Close => {
                    let _ = conn.write_all(&self.out);
                    return;
                }
                Flow::StartTls => {
                    let _ = conn.write_all(&self.out).and_then(|_| conn.flush());
                    self.out.clear();
                    let Some(tls) = self.host.tls() else { return };
                    conn = match super::conn::start_tls(conn, tls) {
                        Ok(c) => c,
                        Err(_) => return,
                    };
                    // RFC 3207: everything said before TLS is forgotten.
                    self.reset_all();
                    self.tls = true;
                    timeout_set = 0;
                }
            }
        }
    }

    /// When the session must end: the sign-in deadline until a device is
    /// known, then the longest session.
    fn deadline(&self) -> Instant {
        if !self.admitted {
            self.started + SIGN_IN_WITHIN
        } else {
            self.started + MAX_SESSION
        }
    }

    /// The closing reply when the session has lasted too long.
    fn overstayed(&self) -> Option<String> {
        if Instant::now() < self.deadline() {
            return None;
        }
        Some(if !self.admitted {
            "421 4.7.0 No sign-in within a minute: closing\r\n".into()
        } else {
            "421 4.4.2 The session has lasted an hour: reconnect to send more\r\n".into()
        })
    }

    /// Take the client's bytes; replies gather in the output. The whole
    /// conversation, without a socket.
    pub fn ingest(&mut self, input: &[u8]) -> Flow {
        let mut bytes = input.iter();
        while bytes.len() > 0 {
            match &mut self.phase {
                Phase::Data(rx) => {
                    if rx.ingest(&mut bytes, &mut self.message) {
                        let Phase::Data(rx) = std::mem::replace(&mut self.phase, Phase::Command) else {
                            unreachable!("in DATA")
                        };
                        if let Flow::Close = self.end_of_data(&rx) {
                            return Flow::Close;
                        }
                    }
                }
                Phase::LoginUser | Phase::LoginPass(_) | Phase::PlainWait => {
                    let Some(line) = self.take_line(&mut bytes) else { continue };
                    let phase = std::mem::replace(&mut self.phase, Phase::Command);
                    let line = String::from_utf8_lossy(&line).into_owned();
                    if let Flow::Close = self.auth_step(phase, &line) {
                        return Flow::Close;
                    }
                }
                Phase::Command => {
                    let Some(line) = self.take_line(&mut bytes) else { continue };
                    let flow = self.command_line(&line);
                    if flow != Flow::Go {
                        return flow; // after STARTTLS, bytes sent in clear are dropped
                    }
                }
            }
        }
        Flow::Go
    }

    /// One line from the client (without its line end), across reads; None
    /// until it is complete. A line over [`MAX_COMMAND`] is skipped to its
    /// end and comes back empty with `skipping` noted.
    fn take_line(&mut self, bytes: &mut std::slice::Iter<'_, u8>) -> Option<Vec<u8>> {
        let rest = bytes.as_slice();
        let (chunk, end) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], Some(i + 1)),
            None => (rest, None),
        };
        if self.line.len() + chunk.len() > MAX_COMMAND {
            self.skipping = true;
            self.line.clear();
        } else if !self.skipping {
            self.line.extend_from_slice(chunk);
        }
        *bytes = rest[end.unwrap_or(rest.len())..].iter();
        end?;
        let mut line = std::mem::take(&mut self.line);
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(line)
    }

    /// A complete command line: refused at once if it is not SMTP (HTTP, a
    /// header, binary), else parsed and answered.
    fn command_line(&mut self, line: &[u8]) -> Flow {
        if std::mem::take(&mut self.skipping) {
            self.reply("500 5.5.2 Line too long");
            return self.error();
        }
        if let Some(what) = not_smtp(line) {
            tracing::warn!(peer = %self.peer, what, "relay: not an SMTP client; closed");
            self.reply("221 2.7.0 This is a mail relay, not a web server: closing");
            return Flow::Close;
        }
        let mut framed = Vec::with_capacity(line.len() + 2);
        framed.extend_from_slice(line);
        framed.extend_from_slice(b"\r\n");
        match RequestReceiver::default().ingest(&mut framed.iter()).map(Request::into_owned) {
            Ok(req) => self.command(req),
            Err(ProtoError::UnknownCommand) => {
                self.reply("502 5.5.1 Command not implemented");
                self.error()
            }
            Err(ProtoError::ResponseTooLong) => {
                self.reply("500 5.5.2 Line too long");
                self.error()
            }
            Err(e) => {
                let e = match e {
                    ProtoError::NeedsMoreData { .. } => "incomplete command".to_owned(),
                    e => format!("{e:?}"),
                };
                self.reply(&format!("501 5.5.4 Syntax error ({e})"));
                self.error()
            }
        }
    }

    /// An answer just given was an error: count it, and close past the limit.
    fn error(&mut self) -> Flow {
        self.errors += 1;
        let limit = if self.admitted { MAX_ERRORS_DEVICE } else { MAX_ERRORS_ANONYMOUS };
        if self.errors >= limit {
            tracing::warn!(peer = %self.peer, errors = self.errors, "relay: too many errors; closed");
            self.reply("421 4.7.0 Too many errors: closing");
            return Flow::Close;
        }
        Flow::Go
    }

    /// A command that keeps the connection open without sending.
    fn junk(&mut self) -> Flow {
        self.junk += 1;
        if self.junk > MAX_JUNK {
            tracing::warn!(peer = %self.peer, "relay: too many commands without a message; closed");
            self.reply("421 4.7.0 Too many commands without a message: closing");
            return Flow::Close;
        }
        Flow::Go
    }

    fn reset_all(&mut self) {
        self.helo.clear();
        self.device = None;
        self.by_password = false;
        self.admitted = false;
        self.reset_transaction();
    }

    fn reset_transaction(&mut self) {
        self.from = None;
        self.to.clear();
        self.message.clear();
        self.utf8 = false;
        if !self.by_password {
            // A device let in by its address is looked up again for each message.
            self.device = None;
        }
    }
}

/// Why a command line is not SMTP, if it is not: an HTTP request line (a
/// web page posting to the port), a header line (its continuation), a TLS
/// handshake or other binary on the plain port. Postfix closes on the same
/// (`smtpd_forbidden_commands = CONNECT GET POST` and header-shaped lines).
fn not_smtp(line: &[u8]) -> Option<&'static str> {
    const HTTP: [&[u8]; 9] = [b"GET", b"POST", b"PUT", b"HEAD", b"OPTIONS", b"DELETE", b"PATCH", b"CONNECT", b"TRACE"];
    let word = line.split(|b| *b == b' ').next().unwrap_or_default();
    if HTTP.iter().any(|v| word.eq_ignore_ascii_case(v)) {
        return Some("an HTTP request");
    }
    if word.contains(&b':') {
        return Some("a header line");
    }
    match line.first() {
        Some(b) if !b.is_ascii_alphabetic() => Some("not a command"),
        _ => None,
    }
}
