//! A profile's mailbox on its own POP3 server as the POP3 session's
//! maildrop: the services' [`Pop3Upstream`], signed in with the profile's
//! token (`AUTH XOAUTH2`), behind the session's [`Maildrop`]. Numbers are the
//! session's own; UIDLs are the server's, so a program's memory of what it
//! fetched stays right. A refusal is said in one line and logged in full.

use super::{Item, Maildrop, Refusal};
use crate::Context;
use mailwarden_services::mail::pop3_upstream::Pop3Upstream;

/// How long the upstream may take to connect and sign in.
const UPSTREAM_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

pub struct Pop3Drop {
    up: Pop3Upstream,
    profile_id: i64,
    /// QUIT was sent upstream (by the deletions), so dropping need not.
    ended: bool,
}

impl Pop3Drop {
    /// Sign in to profile `profile_id`'s POP3 server.
    pub fn open(engine: &Context, profile_id: i64) -> Result<Self, crate::error::CoreError> {
        let up = engine.mail_checks().pop3_upstream(profile_id, UPSTREAM_WAIT)?;
        Ok(Pop3Drop { up, profile_id, ended: false })
    }

    fn refusal(&self, e: std::io::Error) -> Refusal {
        tracing::warn!(profile = self.profile_id, server = %self.up.server, error = %e, "pop3: the upstream POP3 server failed");
        Refusal(format!("the mail server {}: {e}", self.up.server).replace(['\r', '\n'], " "))
    }
}

impl Maildrop for Pop3Drop {
    fn list(&mut self) -> Result<Vec<Item>, Refusal> {
        let listed = self.up.list().map_err(|e| self.refusal(e))?;
        Ok(listed.into_iter().map(|(uid, size)| Item { uid, size }).collect())
    }

    fn fetch(&mut self, uid: &str, out: &mut dyn std::io::Write) -> Result<(), Refusal> {
        self.up.fetch(uid, out).map(|_| ()).map_err(|e| self.refusal(e))
    }

    fn delete(&mut self, uids: &[String]) -> Result<(), Refusal> {
        self.ended = true;
        self.up.delete(uids).map_err(|e| self.refusal(e))
    }
}

impl Drop for Pop3Drop {
    /// A session that ends without deletions still signs out upstream
    /// (without QUIT a POP3 server keeps the mailbox locked a while).
    fn drop(&mut self) {
        if !self.ended {
            let _ = self.up.quit();
        }
    }
}
