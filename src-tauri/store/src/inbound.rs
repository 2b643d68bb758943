//! The relay's inbound (POP3 and IMAP) sessions as other processes read them: per
//! profile, the last fetch and — while the mailbox cannot be opened — why
//! (`relay/inbound.json`, written by the relay, read by `relay status` and
//! the watch). A small file beside the queue's, replaced whole.

use crate::records::InboundState;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One writer at a time within the relay's process.
static WRITING: Mutex<()> = Mutex::new(());

fn file(data: &Path) -> PathBuf {
    data.join("relay").join("inbound.json")
}

/// Every profile's inbound state (none when the relay never served one).
pub fn inbound_states(data: &Path) -> BTreeMap<i64, InboundState> {
    std::fs::read(file(data)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
}

/// A session on a profile's mailbox: which device, over which protocol, when.
pub struct Session<'a> {
    pub profile_id: i64,
    pub device: &'a str,
    pub protocol: &'a str,
    pub at: &'a str,
}

/// Record session `s`: Ok(the messages it was shown, when counted), or
/// Err(why the mailbox could not be opened).
pub fn record_inbound(data: &Path, s: &Session<'_>, result: Result<Option<u64>, String>) {
    let (profile_id, device, at) = (s.profile_id, s.device, s.at);
    let _one = WRITING.lock().unwrap_or_else(|p| p.into_inner());
    let mut all = inbound_states(data);
    let e = all.entry(profile_id).or_default();
    e.device = device.to_owned();
    e.protocol = s.protocol.to_owned();
    match result {
        Ok(n) => {
            e.last_fetch = Some(at.to_owned());
            e.messages = n;
            e.failure = None;
            e.failed_at = None;
        }
        Err(why) => {
            e.failure = Some(why);
            e.failed_at = Some(at.to_owned());
        }
    }
    let tmp = data.join("relay").join(".inbound.json.tmp");
    if std::fs::write(&tmp, serde_json::to_vec(&all).unwrap_or_default()).is_ok() {
        let _ = std::fs::rename(&tmp, file(data));
    }
}
