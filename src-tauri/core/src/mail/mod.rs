//! Test sends: a message with a searchable Message-ID, sent the way the
//! profile will send in production. SMTP (lettre, XOAUTH2 or PLAIN/LOGIN) is
//! here; Microsoft Graph `sendMail` and the IMAP check follow.

pub mod imap;
mod smtp;

use crate::app::Mailwarden;
use crate::error::{CoreError, Result};
use crate::profile::SendMethod;
use serde::Serialize;
use ts_rs::TS;

/// What a successful test send reports.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SendReport {
    pub message_id: String,
    pub to: String,
    /// The server's final reply, e.g. `250 2.0.0 Ok: queued as 1745298C159`.
    pub reply: String,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

impl Mailwarden {
    /// Send a test message from profile `id` to `to` (default: its own mailbox).
    pub fn send_test(&mut self, id: i64, to: Option<&str>) -> Result<SendReport> {
        let p = self.store.get(id)?.profile;
        if p.send_method == SendMethod::Graph {
            return Err(CoreError::Flow(format!(
                "“{}” sends through Microsoft Graph; this version tests SMTP sending only. Use `mailwarden test auth` to check its sign-in.",
                p.name
            )));
        }
        let to = to.map(str::to_owned).unwrap_or_else(|| p.mailbox.clone());
        let auth = if p.auth_method.is_oauth() {
            smtp::Auth::Bearer(self.access_token(id)?.token)
        } else {
            let pw = self
                .store
                .read_secret(id, crate::secret::SecretKind::Password)?
                .ok_or_else(|| CoreError::invalid("password", "No password is stored for this profile."))?;
            smtp::Auth::Password(pw)
        };
        let now = self.clock.now();
        smtp::send(&p, &to, auth, now)
    }
}

impl Mailwarden {
    /// Log in over IMAP and list the folders (the inbound check).
    pub fn check_inbound(&mut self, id: i64) -> Result<imap::InboundReport> {
        let p = self.store.get(id)?.profile;
        let login = if p.auth_method.is_oauth() {
            imap::Login::Bearer(self.access_token(id)?.token)
        } else {
            let pw = self
                .store
                .read_secret(id, crate::secret::SecretKind::Password)?
                .ok_or_else(|| CoreError::invalid("password", "No password is stored for this profile."))?;
            imap::Login::Password(pw)
        };
        imap::check(&p, login)
    }
}
