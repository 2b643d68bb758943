//! The relay's inbound (POP3) sessions as other processes read them: per
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

/// Record a session of `device` on profile `profile_id`'s mailbox at `at`:
/// Ok(messages it was shown), or Err(why the mailbox could not be opened).
pub fn record_inbound(data: &Path, profile_id: i64, device: &str, result: Result<u64, String>, at: &str) {
    let _one = WRITING.lock().unwrap_or_else(|p| p.into_inner());
    let mut all = inbound_states(data);
    let e = all.entry(profile_id).or_default();
    e.device = device.to_owned();
    match result {
        Ok(n) => {
            e.last_fetch = Some(at.to_owned());
            e.messages = Some(n);
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
