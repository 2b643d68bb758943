//! A profile's mailbox as the relay's POP3 or IMAP front last reached it:
//! which device fetched, over which protocol, when, how many messages it was shown, and — while it
//! fails — why (the watch's attention item and `check`'s warning).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct InboundState {
    /// The device of the last session.
    pub device: String,
    /// Its protocol: `POP3` or `IMAP`.
    pub protocol: String,
    /// When a session last opened the mailbox (RFC 3339).
    pub last_fetch: Option<String>,
    /// The messages it was shown (POP3's listing; an IMAP session's count
    /// is the app's to ask).
    #[ts(type = "number | null")]
    pub messages: Option<u64>,
    /// Why the mailbox could not be opened, while it cannot.
    pub failure: Option<String>,
    pub failed_at: Option<String>,
}
