//! The AUTH dialogue of a relay session: PLAIN (with or without an initial
//! response) and LOGIN, who may be offered AUTH at all (TLS, loopback, or a
//! device allowed plain SMTP from this address), and a device let in by its
//! address alone. Passwords are checked by the server's shared state, which
//! also shuts out an address after repeated failures.

use super::{Flow, Phase, Session, MAX_AUTH_FAILURES};
use crate::server::SignIn;
use base64::Engine;

impl Session<'_> {
    /// AUTH is offered over TLS, on loopback, or in clear to a device allowed
    /// plain SMTP from this address.
    pub(super) fn may_authenticate(&self, tls: bool) -> bool {
        tls || self.peer.is_loopback() || self.host.plain_allowed(self.peer)
    }

    /// Whether the signed-in device's route carries SMTPUTF8.
    pub(super) fn route_utf8(&self) -> bool {
        self.device.as_ref().is_some_and(|d| self.host.route_utf8(d.device.profile_id))
    }

    /// A device let in by its source address alone (no password), looked up
    /// for each message.
    pub(super) fn by_address(&mut self, tls: bool) -> bool {
        match self.host.open_device(self.peer, tls) {
            Some(d) => {
                self.device = Some(d);
                self.admitted = true;
                true
            }
            None => false,
        }
    }

    pub(super) fn plain(&mut self, b64: &str) -> Flow {
        let decoded = super::B64.decode(b64.trim()).unwrap_or_default();
        let mut parts = decoded.split(|b| *b == 0);
        let (_authz, user, pass) = (parts.next(), parts.next(), parts.next());
        match (user, pass) {
            (Some(u), Some(p)) => self.verify(&String::from_utf8_lossy(u), p),
            _ => {
                self.reply("501 5.5.2 Bad AUTH PLAIN answer");
                self.error()
            }
        }
    }

    pub(super) fn auth_step(&mut self, phase: Phase, line: &str) -> Flow {
        if line == "*" {
            self.reply("501 5.0.0 Authentication cancelled");
            return self.error();
        }
        match phase {
            Phase::PlainWait => self.plain(line),
            Phase::LoginUser => match super::B64.decode(line.trim()) {
                Ok(u) => {
                    self.reply("334 UGFzc3dvcmQ6");
                    self.phase = Phase::LoginPass(String::from_utf8_lossy(&u).into_owned());
                    Flow::Go
                }
                Err(_) => {
                    self.reply("501 5.5.2 Bad base64");
                    self.error()
                }
            },
            Phase::LoginPass(user) => match super::B64.decode(line.trim()) {
                Ok(p) => self.verify(&user, &p),
                Err(_) => {
                    self.reply("501 5.5.2 Bad base64");
                    self.error()
                }
            },
            _ => Flow::Go,
        }
    }

    fn verify(&mut self, user: &str, password: &[u8]) -> Flow {
        match self.host.authenticate(self.peer, user, password, self.tls) {
            SignIn::Device(row) => {
                self.device = Some(*row);
                self.by_password = true;
                self.admitted = true;
                self.reply("235 2.7.0 Authentication successful");
                Flow::Go
            }
            SignIn::Refused => {
                self.reply("535 5.7.8 Authentication credentials invalid");
                self.auth_failures += 1;
                if self.auth_failures >= MAX_AUTH_FAILURES {
                    self.reply("421 4.7.0 Too many failed sign-ins: closing");
                    return Flow::Close;
                }
                self.error()
            }
            SignIn::ShutOut(minutes) => {
                self.reply(&format!(
                    "421 4.7.0 Too many failed sign-ins from {}: try again in {minutes} minute(s)",
                    self.peer
                ));
                Flow::Close
            }
        }
    }
}
