//! A profile's Microsoft Graph inbox as the POP3 session's maildrop: the
//! services' [`GraphMaildrop`] behind the session's [`Maildrop`], its
//! failures said in one line (the `-ERR` a device's log shows) and logged
//! in full.

use super::{Item, Maildrop, Refusal};
use crate::error::CoreError;
use crate::mail::graph_maildrop::{GraphMaildrop, OnDelete};
use crate::Context;

/// The maildrop of profile `profile_id`'s inbox over Graph.
pub struct GraphDrop {
    drop: GraphMaildrop,
    newest: usize,
    profile_id: i64,
}

impl GraphDrop {
    /// Open it with the profile's token (asked for now, valid a while).
    pub fn open(engine: &Context, profile_id: i64, newest: usize, on_delete: OnDelete) -> Result<Self, CoreError> {
        let p = engine.profiles().get(profile_id)?.profile;
        let token = engine.tokens().access_token(&p, mailwarden_services::oauth::TokenNeed::default())?.token;
        Ok(GraphDrop { drop: GraphMaildrop::new(&p, token, on_delete)?, newest, profile_id })
    }

    fn refusal(&self, e: CoreError) -> Refusal {
        let line = match &e {
            CoreError::Auth(d) => d.title.clone(),
            other => other.to_string(),
        };
        tracing::warn!(profile = self.profile_id, error = %e, "pop3: the Graph maildrop refused");
        Refusal(line.replace(['\r', '\n'], " "))
    }
}

impl Maildrop for GraphDrop {
    fn list(&mut self) -> Result<Vec<Item>, Refusal> {
        let listed = self.drop.list(self.newest).map_err(|e| self.refusal(e))?;
        Ok(listed.into_iter().map(|m| Item { uid: m.id, size: m.size }).collect())
    }

    fn fetch(&mut self, uid: &str, out: &mut dyn std::io::Write) -> Result<(), Refusal> {
        self.drop.fetch(uid, out).map(|_| ()).map_err(|e| self.refusal(e))
    }

    fn delete(&mut self, uids: &[String]) -> Result<(), Refusal> {
        self.drop.delete(uids).map_err(|e| self.refusal(e))
    }
}
