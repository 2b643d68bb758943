//! Where the relay's inbound fronts (POP3 and IMAP) record each session's
//! outcome for `relay status`, the window and the watch: the mailbox was
//! reached (and what it showed), or why it could not be.

use std::sync::Arc;

/// One session's record keeper.
pub(crate) struct Record {
    pub data: std::path::PathBuf,
    pub engine: Arc<crate::Context>,
    pub profile_id: i64,
    pub device: String,
    pub protocol: &'static str,
}

impl Record {
    /// Ok(the messages shown, when counted), or Err(why it failed).
    pub fn result(&self, r: std::result::Result<Option<u64>, String>) {
        let at = crate::clock::rfc3339(self.engine.clock.now());
        let session = mailwarden_store::inbound::Session {
            profile_id: self.profile_id,
            device: &self.device,
            protocol: self.protocol,
            at: &at,
        };
        mailwarden_store::inbound::record_inbound(&self.data, &session, r);
    }
}
