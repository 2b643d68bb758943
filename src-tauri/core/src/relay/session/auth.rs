//! The AUTH dialogue of a relay session: PLAIN (with or without an initial
//! response) and LOGIN, who may be offered AUTH at all (TLS, loopback, or a
//! device allowed plain SMTP from this address), and a device let in by its
//! address alone. Passwords are checked by the server's shared state.

use super::{Phase, Session, B64};
use base64::Engine;

impl Session<'_> {
    /// AUTH is offered over TLS, on loopback, or in clear to a device allowed
    /// plain SMTP from this address.
    pub(super) fn may_authenticate(&self, tls: bool) -> bool {
        tls || self.peer.is_loopback() || self.shared.plain_allowed(self.peer)
    }

    /// Whether the signed-in device's route carries SMTPUTF8.
    pub(super) fn route_utf8(&self) -> bool {
        self.device.as_ref().is_some_and(|d| self.shared.routes.utf8(self.shared, d.device.profile_id))
    }

    /// A device let in by its source address alone (no password).
    pub(super) fn by_address(&mut self, tls: bool) -> bool {
        match self.shared.open_device(self.peer, tls) {
            Some(d) => {
                self.device = Some(d);
                true
            }
            None => false,
        }
    }

    pub(super) fn plain(&mut self, b64: &str) {
        let decoded = B64.decode(b64.trim()).unwrap_or_default();
        let mut parts = decoded.split(|b| *b == 0);
        let (_authz, user, pass) = (parts.next(), parts.next(), parts.next());
        match (user, pass) {
            (Some(u), Some(p)) => self.verify(&String::from_utf8_lossy(u), p),
            _ => self.reply("501 5.5.2 Bad AUTH PLAIN answer"),
        }
    }

    pub(super) fn auth_step(&mut self, phase: Phase, line: &str) -> Phase {
        if line == "*" {
            self.reply("501 5.0.0 Authentication cancelled");
            return Phase::Command;
        }
        match phase {
            Phase::PlainWait => self.plain(line),
            Phase::LoginUser => {
                let user = B64.decode(line.trim()).map(|u| String::from_utf8_lossy(&u).into_owned());
                return match user {
                    Ok(u) => {
                        self.reply("334 UGFzc3dvcmQ6");
                        Phase::LoginPass(u)
                    }
                    Err(_) => {
                        self.reply("501 5.5.2 Bad base64");
                        Phase::Command
                    }
                };
            }
            Phase::LoginPass(user) => match B64.decode(line.trim()) {
                Ok(p) => self.verify(&user, &p),
                Err(_) => self.reply("501 5.5.2 Bad base64"),
            },
            _ => {}
        }
        Phase::Command
    }

    pub(super) fn verify(&mut self, user: &str, password: &[u8]) {
        match self.shared.authenticate(self.peer, user, password, self.tls) {
            Some(row) => {
                self.device = Some(row);
                self.reply("235 2.7.0 Authentication successful");
            }
            None => self.reply("535 5.7.8 Authentication credentials invalid"),
        }
    }
}

/// One line (up to 1,000 bytes) from the client, across reads; `buf` keeps a
/// partial line. None until the line is complete.
pub(super) fn take_line(bytes: &mut std::slice::Iter<'_, u8>, buf: &mut Vec<u8>) -> Option<String> {
    for &b in bytes.by_ref() {
        if b == b'\n' {
            let line = String::from_utf8_lossy(buf.strip_suffix(b"\r").unwrap_or(buf)).into_owned();
            buf.clear();
            return Some(line);
        }
        if buf.len() < 1000 {
            buf.push(b);
        }
    }
    None
}
