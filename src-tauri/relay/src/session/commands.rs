//! The relay session's commands, one by one, and the end of DATA: who may
//! send (a device signed in or let in by its address, checked again for
//! every message, so a device removed or given a new password stops at
//! once), the limits on size and recipients, and that a message is on disk
//! before its `250`.

use super::{DataReader, Flow, Phase, Session};
use crate::spool::Envelope;
use smtp_proto::{EhloResponse, Request};

impl Session<'_> {
    pub(super) fn command(&mut self, req: Request<String>) -> Flow {
        let tls = self.tls;
        match req {
            Request::Ehlo { host } => {
                self.helo = host;
                self.reset_transaction();
                self.ehlos += 1;
                let mut e = EhloResponse::new(self.host.hostname());
                e.capabilities = smtp_proto::EXT_PIPELINING
                    | smtp_proto::EXT_SIZE
                    | smtp_proto::EXT_8BIT_MIME
                    | smtp_proto::EXT_ENHANCED_STATUS_CODES;
                if self.host.any_route_utf8() {
                    e.capabilities |= smtp_proto::EXT_SMTP_UTF8;
                }
                e.size = self.host.settings().max_message_bytes;
                if self.host.tls().is_some() && !tls {
                    e.capabilities |= smtp_proto::EXT_START_TLS;
                }
                if self.may_authenticate(tls) {
                    e.capabilities |= smtp_proto::EXT_AUTH;
                    e.auth_mechanisms = smtp_proto::AUTH_PLAIN | smtp_proto::AUTH_LOGIN;
                }
                let _ = e.write(&mut self.out);
                if self.ehlos > 2 {
                    return self.junk();
                }
            }
            Request::Helo { host } => {
                self.helo = host;
                self.reset_transaction();
                self.ehlos += 1;
                self.reply(&format!("250 {}", self.host.hostname()));
                if self.ehlos > 2 {
                    return self.junk();
                }
            }
            Request::StartTls if self.host.tls().is_some() && !tls => {
                self.reply("220 2.0.0 Ready to start TLS");
                return Flow::StartTls;
            }
            Request::StartTls => {
                self.reply("502 5.5.1 STARTTLS is not available");
                return self.error();
            }
            Request::Auth { .. } if self.device.is_some() && self.by_password => {
                self.reply("503 5.5.1 Already authenticated");
                return self.error();
            }
            Request::Auth { .. } if !self.may_authenticate(tls) => {
                self.reply("538 5.7.11 Encryption required: use STARTTLS first");
                return self.error();
            }
            Request::Auth { mechanism, initial_response } => match mechanism {
                smtp_proto::AUTH_PLAIN if initial_response.is_empty() => {
                    self.reply("334 ");
                    self.phase = Phase::PlainWait;
                }
                smtp_proto::AUTH_PLAIN => return self.plain(&initial_response),
                smtp_proto::AUTH_LOGIN if initial_response.is_empty() => {
                    self.reply("334 VXNlcm5hbWU6");
                    self.phase = Phase::LoginUser;
                }
                smtp_proto::AUTH_LOGIN => return self.auth_step(Phase::LoginUser, &initial_response),
                _ => {
                    self.reply("504 5.5.4 Mechanism not supported: use PLAIN or LOGIN");
                    return self.error();
                }
            },
            Request::Mail { from } => return self.mail(from),
            Request::Rcpt { to } => {
                if self.from.is_none() {
                    self.reply("503 5.5.1 MAIL first");
                    return self.error();
                } else if self.to.len() >= self.host.settings().max_recipients {
                    // Not an error: the client sends the rest in another message.
                    self.reply("452 4.5.3 Too many recipients: send the rest in another message");
                } else if to.address.is_empty() || !to.address.contains('@') {
                    self.reply("501 5.1.3 Bad recipient address");
                    return self.error();
                } else if !to.address.is_ascii() && !self.utf8 {
                    self.reply("553 5.6.7 A non-ASCII address needs SMTPUTF8 on MAIL FROM");
                    return self.error();
                } else {
                    self.to.push(to.address);
                    self.reply("250 2.1.5 Recipient ok");
                }
            }
            Request::Data => {
                if self.to.is_empty() {
                    self.reply("503 5.5.1 RCPT first");
                    return self.error();
                }
                self.reply("354 End data with <CR><LF>.<CR><LF>");
                self.message.clear();
                self.phase = Phase::Data(DataReader::new(self.host.settings().max_message_bytes));
            }
            Request::Bdat { .. } => {
                self.reply("502 5.5.1 CHUNKING is not offered: use DATA");
                return self.error();
            }
            Request::Rset => {
                self.reset_transaction();
                self.reply("250 2.0.0 Reset");
                return self.junk();
            }
            Request::Noop { .. } => {
                self.reply("250 2.0.0 OK");
                return self.junk();
            }
            Request::Vrfy { .. } => {
                self.reply("252 2.5.0 Cannot verify; send the message");
                return self.junk();
            }
            Request::Quit => {
                self.reply("221 2.0.0 Bye");
                return Flow::Close;
            }
            _ => {
                self.reply("502 5.5.1 Command not implemented");
                return self.error();
            }
        }
        Flow::Go
    }

    fn mail(&mut self, from: smtp_proto::MailFrom<String>) -> Flow {
        let utf8 = from.flags & smtp_proto::MAIL_SMTPUTF8 != 0 || !from.address.is_ascii();
        if self.helo.is_empty() {
            self.reply("503 5.5.1 Say EHLO first");
        } else if self.from.is_some() {
            self.reply("503 5.5.1 A transaction is already open (RSET first)");
        } else if from.size > self.host.settings().max_message_bytes {
            self.reply(&format!(
                "552 5.3.4 Message too large: this relay takes up to {} bytes",
                self.host.settings().max_message_bytes
            ));
        } else if self.device.is_some() && !self.device_still_valid() {
            return self.device_gone("421 4.7.0");
        } else if self.device.is_none() && !self.by_address(self.tls) {
            self.reply("530 5.7.0 Authentication required");
        } else if utf8 && !self.route_utf8() {
            self.reply("553 5.6.7 This device's route does not carry internationalized addresses (SMTPUTF8)");
        } else {
            self.utf8 = utf8;
            self.from = Some(from.address);
            self.reply("250 2.1.0 Sender ok");
            return Flow::Go;
        }
        self.error()
    }

    /// The signed-in device still exists, with the same password, and may
    /// still send from this address (a `relay device rm` or a new password
    /// ends what an open connection may do).
    fn device_still_valid(&mut self) -> bool {
        let Some(d) = &self.device else { return false };
        if !self.by_password {
            return true; // looked up again at each MAIL
        }
        let now = self.host.device_named(&d.device.name);
        match now {
            Some(n)
                if n.device.id == d.device.id && n.password_hash == d.password_hash && n.device.allows(self.peer) =>
            {
                self.device = Some(n);
                true
            }
            _ => false,
        }
    }

    fn device_gone(&mut self, code: &str) -> Flow {
        let name = self.device.as_ref().map(|d| d.device.name.clone()).unwrap_or_default();
        tracing::warn!(device = %name, peer = %self.peer, "relay: the device was removed or its password changed; session closed");
        self.reply(&format!(
            "{code} This device was removed or given a new password: the message was not accepted; sign in again"
        ));
        self.reset_all();
        Flow::Close
    }

    /// The end of DATA: on disk, then `250`; a full disk is `452` and nothing is lost.
    pub(super) fn end_of_data(&mut self, rx: &DataReader) -> Flow {
        if rx.bare_line_ends > 0 {
            tracing::info!(peer = %self.peer, lines = rx.bare_line_ends, "relay: bare line ends taken as CRLF");
        }
        if rx.over() {
            self.reply(&format!(
                "552 5.3.4 Message too large: this relay takes up to {} bytes",
                self.host.settings().max_message_bytes
            ));
            self.reset_transaction();
            return self.error();
        }
        // The device may have been removed while the message came in.
        let by_address_now = !self.by_password && self.by_address(self.tls);
        if !(by_address_now || self.by_password && self.device_still_valid()) {
            return self.device_gone("554 5.7.1");
        }
        let Some(device) = &self.device else { return Flow::Close };
        let now = self.host.now();
        let id = self.host.next_id(now);
        let mut message = format!(
            "Received: from {} ([{}]) by {} (Mailwarden relay) with {} id {id};\r\n\t{}\r\n",
            if self.helo.is_empty() { "unknown" } else { &self.helo },
            self.peer,
            self.host.hostname(),
            // RFC 3848 / RFC 6531 protocol names.
            match (self.utf8, self.tls) {
                (true, true) => "UTF8SMTPSA",
                (true, false) => "UTF8SMTPA",
                (false, true) => "ESMTPSA",
                (false, false) => "ESMTPA",
            },
            now.format(&time::format_description::well_known::Rfc2822).unwrap_or_default()
        )
        .into_bytes();
        message.extend_from_slice(&self.message);
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
        let flow = match self.host.queue(&envelope, &message) {
            Ok(()) => {
                self.reply(&format!("250 2.0.0 Ok: queued as {id}"));
                (self.errors, self.junk) = (0, 0);
                Flow::Go
            }
            Err(e) if crate::spool::is_disk_full(&e) => {
                tracing::warn!(device = %envelope.device, "relay: the disk is full; message refused with 452");
                self.reply("452 4.3.1 Insufficient system storage: try again later");
                self.error()
            }
            Err(e) => {
                tracing::error!(device = %envelope.device, error = %e, "relay: could not queue a message");
                self.reply("451 4.3.0 Could not store the message: try again later");
                self.error()
            }
        };
        self.reset_transaction();
        flow
    }
}
