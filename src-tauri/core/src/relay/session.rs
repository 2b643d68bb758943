//! One SMTP submission session: EHLO, STARTTLS, AUTH PLAIN/LOGIN, MAIL,
//! RCPT, DATA (with SIZE, PIPELINING, 8BITMIME, SMTPUTF8), RSET, NOOP, QUIT.
//! Commands and the DATA stream are parsed by `smtp-proto` (Stalwart's
//! maintained parser: line limit, parameters, dot-unstuffing); this file is
//! only the policy — who may send, the limits, and that a message is on disk
//! before its `250`. Replies to pipelined commands go out together, when the
//! client's bytes run out.

mod auth;

use super::conn::Conn;
use super::server::Shared;
use super::spool::Envelope;
use crate::relay::devices::DeviceRow;
use auth::take_line;
use smtp_proto::request::receiver::{DataReceiver, RequestReceiver};
use smtp_proto::{EhloResponse, Error as ProtoError, Request};
use std::io::{Read, Write};
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// The longest command line taken (RFC 5321 says 512; some devices send more).
const MAX_COMMAND: usize = 1000;

enum Phase {
    Command,
    Data(DataReceiver),
    /// AUTH LOGIN: waiting for the user name, then the password.
    LoginUser,
    LoginPass(String),
    /// AUTH PLAIN without an initial response.
    PlainWait,
}

pub struct Session<'s> {
    shared: &'s Shared,
    peer: IpAddr,
    /// The connection is encrypted (STARTTLS done, or implicit TLS).
    tls: bool,
    /// A partial AUTH answer line.
    line: Vec<u8>,
    helo: String,
    device: Option<DeviceRow>,
    from: Option<String>,
    to: Vec<String>,
    message: Vec<u8>,
    too_big: bool,
    /// MAIL FROM asked for SMTPUTF8 (or gave a non-ASCII address).
    utf8: bool,
    out: Vec<u8>,
}

/// What the session does after a command.
enum Next {
    Go,
    StartTls,
    Close,
}

impl<'s> Session<'s> {
    pub fn new(shared: &'s Shared, peer: IpAddr, tls: bool) -> Self {
        Session {
            shared,
            peer,
            tls,
            line: Vec::new(),
            helo: String::new(),
            device: None,
            from: None,
            to: Vec::new(),
            message: Vec::new(),
            too_big: false,
            utf8: false,
            out: Vec::new(),
        }
    }

    fn reply(&mut self, text: &str) {
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }

    /// Serve the connection until QUIT, an error, idleness or shutdown.
    pub fn run(mut self, mut conn: Conn) {
        let idle = Duration::from_secs(self.shared.settings.idle_timeout_secs);
        let _ = conn.set_read_timeout(Some(idle));
        self.reply(&format!("220 {} Mailwarden relay ESMTP", self.shared.hostname));
        let mut receiver = RequestReceiver::default();
        let mut phase = Phase::Command;
        let mut buf = vec![0u8; 16 * 1024];
        // Bytes of the command line so far (across reads), and whether an
        // over-long one is being skipped to its end.
        let mut partial = 0usize;
        let mut skipping = false;
        loop {
            if conn.write_all(&self.out).and_then(|_| conn.flush()).is_err() {
                return;
            }
            self.out.clear();
            if self.shared.stop.load(Ordering::SeqCst) && matches!(phase, Phase::Command) {
                let _ = conn.write_all(b"421 4.3.2 The relay is shutting down; try again shortly\r\n");
                return;
            }
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => return, // closed, idle too long, or broken
                Ok(n) => n,
            };
            let mut bytes = buf[..n].iter();
            while bytes.len() > 0 {
                match &mut phase {
                    Phase::Data(rx) => {
                        let done = rx.ingest(&mut bytes, &mut self.message);
                        if self.message.len() > self.shared.settings.max_message_bytes {
                            self.too_big = true;
                            self.message.clear();
                        }
                        if done {
                            self.end_of_data();
                            phase = Phase::Command;
                        }
                    }
                    Phase::LoginUser | Phase::LoginPass(_) | Phase::PlainWait => {
                        let Some(line) = take_line(&mut bytes, &mut self.line) else { continue };
                        phase = self.auth_step(std::mem::replace(&mut phase, Phase::Command), &line);
                    }
                    Phase::Command if skipping || partial + line_end(bytes.as_slice()) > MAX_COMMAND => {
                        let rest = bytes.as_slice();
                        match rest.iter().position(|b| *b == b'\n') {
                            Some(i) => {
                                bytes.nth(i);
                                if !skipping || partial > 0 {
                                    self.reply("500 5.5.2 Line too long");
                                }
                                (skipping, partial) = (false, 0);
                                receiver = RequestReceiver::default();
                            }
                            None => {
                                bytes.nth(rest.len().saturating_sub(1));
                                (skipping, partial) = (true, 1);
                            }
                        }
                    }
                    Phase::Command => {
                        let before = bytes.len();
                        let parsed = receiver.ingest(&mut bytes).map(Request::into_owned);
                        if matches!(parsed, Err(ProtoError::NeedsMoreData { .. })) {
                            partial += before;
                        }
                        match parsed {
                            Ok(req) => {
                                partial = 0;
                                match self.command(req, &mut phase) {
                                    Next::Go => {}
                                    Next::Close => {
                                        let _ = conn.write_all(&self.out);
                                        return;
                                    }
                                    Next::StartTls => {
                                        let _ = conn.write_all(&self.out).and_then(|_| conn.flush());
                                        self.out.clear();
                                        let Some(tls) = self.shared.tls.clone() else { return };
                                        conn = match conn.start_tls(tls) {
                                            Ok(c) => c,
                                            Err(_) => return,
                                        };
                                        // RFC 3207: everything said before TLS is forgotten.
                                        self.reset_all();
                                        self.tls = true;
                                        receiver = RequestReceiver::default();
                                        break; // bytes sent in clear after STARTTLS are dropped
                                    }
                                }
                            }
                            Err(ProtoError::NeedsMoreData { .. }) => break,
                            Err(ProtoError::ResponseTooLong) => self.reply("500 5.5.2 Line too long"),
                            Err(ProtoError::UnknownCommand) => self.reply("502 5.5.1 Command not implemented"),
                            Err(e) => self.reply(&format!("501 5.5.4 Syntax error ({e:?})")),
                        }
                    }
                }
            }
        }
    }

    fn reset_all(&mut self) {
        self.helo.clear();
        self.device = None;
        self.reset_transaction();
    }

    fn reset_transaction(&mut self) {
        self.from = None;
        self.to.clear();
        self.message.clear();
        self.too_big = false;
        self.utf8 = false;
    }

    fn command(&mut self, req: Request<String>, phase: &mut Phase) -> Next {
        let tls = self.tls;
        match req {
            Request::Ehlo { host } => {
                self.helo = host;
                self.reset_transaction();
                let mut e = EhloResponse::new(self.shared.hostname.as_str());
                e.capabilities = smtp_proto::EXT_PIPELINING
                    | smtp_proto::EXT_SIZE
                    | smtp_proto::EXT_8BIT_MIME
                    | smtp_proto::EXT_ENHANCED_STATUS_CODES;
                if self.shared.routes.any_utf8() {
                    e.capabilities |= smtp_proto::EXT_SMTP_UTF8;
                }
                e.size = self.shared.settings.max_message_bytes;
                if self.shared.tls.is_some() && !tls {
                    e.capabilities |= smtp_proto::EXT_START_TLS;
                }
                if self.may_authenticate(tls) {
                    e.capabilities |= smtp_proto::EXT_AUTH;
                    e.auth_mechanisms = smtp_proto::AUTH_PLAIN | smtp_proto::AUTH_LOGIN;
                }
                let _ = e.write(&mut self.out);
            }
            Request::Helo { host } => {
                self.helo = host;
                self.reset_transaction();
                self.reply(&format!("250 {}", self.shared.hostname));
            }
            Request::StartTls if self.shared.tls.is_some() && !tls => {
                self.reply("220 2.0.0 Ready to start TLS");
                return Next::StartTls;
            }
            Request::StartTls => self.reply("502 5.5.1 STARTTLS is not available"),
            Request::Auth { .. } if self.device.is_some() => self.reply("503 5.5.1 Already authenticated"),
            Request::Auth { .. } if !self.may_authenticate(tls) => {
                self.reply("538 5.7.11 Encryption required: use STARTTLS first")
            }
            Request::Auth { mechanism, initial_response } => match mechanism {
                smtp_proto::AUTH_PLAIN if initial_response.is_empty() => {
                    self.reply("334 ");
                    *phase = Phase::PlainWait;
                }
                smtp_proto::AUTH_PLAIN => self.plain(&initial_response),
                smtp_proto::AUTH_LOGIN if initial_response.is_empty() => {
                    self.reply("334 VXNlcm5hbWU6");
                    *phase = Phase::LoginUser;
                }
                smtp_proto::AUTH_LOGIN => {
                    *phase = self.auth_step(Phase::LoginUser, &initial_response);
                }
                _ => self.reply("504 5.5.4 Mechanism not supported: use PLAIN or LOGIN"),
            },
            Request::Mail { from } => {
                if self.helo.is_empty() {
                    self.reply("503 5.5.1 Say EHLO first");
                } else if self.from.is_some() {
                    self.reply("503 5.5.1 A transaction is already open (RSET first)");
                } else if from.size > self.shared.settings.max_message_bytes {
                    self.reply(&format!(
                        "552 5.3.4 Message too large: this relay takes up to {} bytes",
                        self.shared.settings.max_message_bytes
                    ));
                } else if self.device.is_none() && !self.by_address(tls) {
                    self.reply("530 5.7.0 Authentication required");
                } else if (from.flags & smtp_proto::MAIL_SMTPUTF8 != 0 || !from.address.is_ascii())
                    && !self.route_utf8()
                {
                    self.reply("553 5.6.7 This device's route does not carry internationalized addresses (SMTPUTF8)");
                } else {
                    self.utf8 = from.flags & smtp_proto::MAIL_SMTPUTF8 != 0 || !from.address.is_ascii();
                    self.from = Some(from.address);
                    self.reply("250 2.1.0 Sender ok");
                }
            }
            Request::Rcpt { to } => {
                if self.from.is_none() {
                    self.reply("503 5.5.1 MAIL first");
                } else if self.to.len() >= self.shared.settings.max_recipients {
                    self.reply("452 4.5.3 Too many recipients: send the rest in another message");
                } else if to.address.is_empty() || !to.address.contains('@') {
                    self.reply("501 5.1.3 Bad recipient address");
                } else if !to.address.is_ascii() && !self.utf8 {
                    self.reply("553 5.6.7 A non-ASCII address needs SMTPUTF8 on MAIL FROM");
                } else {
                    self.to.push(to.address);
                    self.reply("250 2.1.5 Recipient ok");
                }
            }
            Request::Data => {
                if self.to.is_empty() {
                    self.reply("503 5.5.1 RCPT first");
                } else {
                    self.reply("354 End data with <CR><LF>.<CR><LF>");
                    self.message.clear();
                    *phase = Phase::Data(DataReceiver::new());
                }
            }
            Request::Bdat { .. } => self.reply("502 5.5.1 CHUNKING is not offered: use DATA"),
            Request::Rset => {
                self.reset_transaction();
                self.reply("250 2.0.0 Reset");
            }
            Request::Noop { .. } => self.reply("250 2.0.0 OK"),
            Request::Vrfy { .. } => self.reply("252 2.5.0 Cannot verify; send the message"),
            Request::Quit => {
                self.reply("221 2.0.0 Bye");
                return Next::Close;
            }
            _ => self.reply("502 5.5.1 Command not implemented"),
        }
        Next::Go
    }

    /// The end of DATA: on disk, then `250`; a full disk is `452` and nothing is lost.
    fn end_of_data(&mut self) {
        let Some(device) = &self.device else { return };
        if self.too_big {
            self.reply(&format!(
                "552 5.3.4 Message too large: this relay takes up to {} bytes",
                self.shared.settings.max_message_bytes
            ));
            self.reset_transaction();
            return;
        }
        let now = self.shared.engine.clock.now();
        let id = self.shared.spool.next_id(now);
        let tls = self.tls;
        let mut message = format!(
            "Received: from {} ([{}]) by {} (Mailwarden relay) with {} id {id};\r\n\t{}\r\n",
            if self.helo.is_empty() { "unknown" } else { &self.helo },
            self.peer,
            self.shared.hostname,
            // RFC 3848 / RFC 6531 protocol names.
            match (self.utf8, tls) {
                (true, true) => "UTF8SMTPSA",
                (true, false) => "UTF8SMTPA",
                (false, true) => "ESMTPSA",
                (false, false) => "ESMTPA",
            },
            now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default()
        )
        .into_bytes();
        // smtp-proto leaves off the CRLF before the final dot.
        message.extend_from_slice(&self.message);
        message.extend_from_slice(b"\r\n");
        let envelope = Envelope {
            id: id.clone(),
            device: device.device.name.clone(),
            profile_id: device.device.profile_id,
            from: self.from.clone().unwrap_or_default(),
            to: std::mem::take(&mut self.to),
            peer: self.peer.to_string(),
            received_at: crate::clock::rfc3339(now),
            size: message.len() as u64,
            bounce_of: None,
            smtputf8: self.utf8,
        };
        match self.shared.spool.accept(&envelope, &message) {
            Ok(()) => {
                self.reply(&format!("250 2.0.0 Ok: queued as {id}"));
                self.shared.queued(&envelope);
            }
            Err(e) if super::spool::is_disk_full(&e) => {
                tracing::warn!(device = %envelope.device, "relay: the disk is full; message refused with 452");
                self.reply("452 4.3.1 Insufficient system storage: try again later");
            }
            Err(e) => {
                tracing::error!(device = %envelope.device, error = %e, "relay: could not queue a message");
                self.reply("451 4.3.0 Could not store the message: try again later");
            }
        }
        self.reset_transaction();
    }
}

/// How many bytes up to the end of the first line in `rest` (all of it if no line ends).
fn line_end(rest: &[u8]) -> usize {
    rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |i| i + 1)
}
