//! What `relay status` reports from outside the relay's process: whether a
//! relay runs (its `relay/running.json`, with a live process id), and per
//! profile the queue's sizes and the last delivery and failure
//! (`relay/deliveries.json`, written by the delivery workers).

use super::Relay;
use crate::error::Result;
pub use crate::spool::RunningInfo;
pub(super) use crate::spool::{clear_running, running_info, write_running};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use ts_rs::TS;

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LastEvent {
    pub at: String,
    /// The server's reply, or the failure in a line.
    pub text: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ProfileRelay {
    pub last_delivery: Option<LastEvent>,
    pub last_failure: Option<LastEvent>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileQueue {
    #[ts(type = "number")]
    pub profile_id: i64,
    pub profile: String,
    #[ts(type = "number")]
    pub queued: usize,
    #[ts(type = "number")]
    pub waiting: usize,
    #[ts(type = "number")]
    pub held: usize,
    #[serde(flatten)]
    pub last: ProfileRelay,
    /// Its mailbox as the POP3 front last reached it, if a device fetches.
    pub inbound: Option<crate::records::InboundState>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RelayStatus {
    /// None: no relay runs for this database.
    pub running: Option<RunningInfo>,
    #[ts(type = "number")]
    pub devices: usize,
    pub profiles: Vec<ProfileQueue>,
}

fn root(data: &Path) -> PathBuf {
    data.join("relay")
}

/// The last delivery and failure per profile, kept by the workers.
#[derive(Default)]
pub(super) struct Ledger {
    map: Mutex<BTreeMap<i64, ProfileRelay>>,
}

impl Ledger {
    pub(super) fn record(&self, data: &Path, profile_id: i64, ok: bool, text: String, at: String) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.is_empty() {
            *map = read_ledger(data);
        }
        let e = map.entry(profile_id).or_default();
        let event = Some(LastEvent { at, text });
        if ok {
            e.last_delivery = event;
        } else {
            e.last_failure = event;
        }
        let tmp = root(data).join(".deliveries.json.tmp");
        if std::fs::write(&tmp, serde_json::to_vec(&*map).unwrap_or_default()).is_ok() {
            let _ = std::fs::rename(&tmp, root(data).join("deliveries.json"));
        }
    }
}

fn read_ledger(data: &Path) -> BTreeMap<i64, ProfileRelay> {
    std::fs::read(root(data).join("deliveries.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

impl Relay<'_> {
    /// Whether a relay runs, and each profile's queue and last events.
    pub fn status(&self) -> Result<RelayStatus> {
        let data = self.store.data_dir().to_path_buf();
        let running = running_info(&data);
        let ledger = read_ledger(&data);
        let inbound = mailwarden_store::inbound::inbound_states(&data);
        let queue = self.queue()?;
        let mut per: BTreeMap<i64, ProfileQueue> = BTreeMap::new();
        let ids =
            queue.iter().map(|m| m.envelope.profile_id).chain(ledger.keys().copied()).chain(inbound.keys().copied());
        for id in ids.collect::<std::collections::BTreeSet<_>>() {
            let name = self.store.get(id).map(|v| v.profile.name).unwrap_or_else(|_| format!("profile {id}"));
            per.insert(
                id,
                ProfileQueue {
                    profile_id: id,
                    profile: name,
                    queued: 0,
                    waiting: 0,
                    held: 0,
                    last: ledger.get(&id).cloned().unwrap_or_default(),
                    inbound: inbound.get(&id).cloned(),
                },
            );
        }
        for m in &queue {
            if let Some(p) = per.get_mut(&m.envelope.profile_id) {
                p.queued += 1;
                p.waiting += usize::from(m.state.waiting());
                p.held += usize::from(m.state.held.is_some());
            }
        }
        Ok(RelayStatus { running, devices: self.devices()?.len(), profiles: per.into_values().collect() })
    }
}
