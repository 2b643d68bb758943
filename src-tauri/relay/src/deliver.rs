//! Delivery: one worker per profile takes that profile's messages strictly
//! oldest first (a message waiting for its retry holds back the ones behind
//! it, so a device's messages arrive in order), paces them to the mailbox's
//! limits, and sends each through the engine's transport (SMTP XOAUTH2 or
//! Graph). A failure the network or the provider may clear (refused, timed
//! out, 4xx, throttled) is retried with backoff; any other is *held* with its
//! Diagnosis and leaves the line, so one dead profile never blocks the others
//! and a held message never blocks its device. `relay queue retry` puts a
//! held message back; the workers notice within seconds.

mod fallback;
mod retry;

use super::bounce::Bouncer;
use super::server::RelayState;
use crate::diagnosis::Diagnosis;
use crate::error::{CoreError, Result};
use crate::mail::transport::Outgoing;
use retry::{backoff_secs, Outcome};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the queue folder is looked at again (retries asked for by the
/// CLI, messages from before a restart).
const RESCAN: Duration = Duration::from_secs(3);

#[derive(Default)]
pub struct Delivery {
    wake: (Mutex<bool>, Condvar),
    /// Messages just queued (id, profile), handed to their worker without
    /// listing the queue folder — which, listed for every message, costs
    /// time in proportion to the queue's length.
    fresh: Mutex<Vec<(String, i64)>>,
    /// The whole folder is to be looked at again (a retry asked for).
    rescan: std::sync::atomic::AtomicBool,
    /// Queued ids some worker has in its line.
    known: Mutex<HashSet<String>>,
    workers: Mutex<HashMap<i64, Sender<String>>>,
    handles: Mutex<Vec<JoinHandle<()>>>,
}

impl Delivery {
    pub fn new() -> Self {
        Delivery::default()
    }

    /// Look at the whole queue folder now (a message retried, a bounce, a stop).
    pub fn wake(&self) {
        self.rescan.store(true, Ordering::SeqCst);
        self.notify();
    }

    /// Message `id` of profile `profile_id` was just queued.
    pub fn queued(&self, id: &str, profile_id: i64) {
        self.fresh.lock().unwrap_or_else(|p| p.into_inner()).push((id.to_owned(), profile_id));
        self.notify();
    }

    fn notify(&self) {
        let (lock, cv) = &self.wake;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
    }

    /// Wait to be woken or for `timeout`; true when the folder is to be listed
    /// (the time is up, or a rescan was asked for).
    fn wait(&self, timeout: Duration) -> bool {
        let (lock, cv) = &self.wake;
        let mut woken = lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut timed_out = false;
        if !*woken {
            let (g, t) = cv.wait_timeout(woken, timeout).unwrap_or_else(|p| p.into_inner());
            woken = g;
            timed_out = t.timed_out();
        }
        *woken = false;
        timed_out || self.rescan.swap(false, Ordering::SeqCst)
    }
}

/// Start the dispatcher: it finds queued messages and hands each to its
/// profile's worker.
pub fn spawn(shared: Arc<RelayState>) -> Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("mailwarden-relay-delivery".into())
        .spawn(move || dispatch(&shared))
        .map_err(|source| CoreError::Io { context: "Could not start the relay's delivery".into(), source })
}

fn dispatch(shared: &Arc<RelayState>) {
    let mut list = true; // the folder, at start: messages from before a restart
    while !shared.stop.load(Ordering::SeqCst) {
        let fresh = std::mem::take(&mut *shared.delivery.fresh.lock().unwrap_or_else(|p| p.into_inner()));
        for (id, profile_id) in fresh {
            route(shared, id, profile_id);
        }
        if list {
            if let Ok(ids) = shared.spool.ids() {
                for id in ids {
                    if shared.delivery.known.lock().unwrap_or_else(|p| p.into_inner()).contains(&id) {
                        continue;
                    }
                    if shared.spool.state(&id).held.is_some() {
                        continue;
                    }
                    let Ok(envelope) = shared.spool.envelope(&id) else { continue };
                    route(shared, id, envelope.profile_id);
                }
            }
        }
        list = shared.delivery.wait(RESCAN);
    }
    // Workers end when their channel closes; a send in flight finishes first.
    shared.delivery.workers.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let handles = std::mem::take(&mut *shared.delivery.handles.lock().unwrap_or_else(|p| p.into_inner()));
    for h in handles {
        let _ = h.join();
    }
}

fn route(shared: &Arc<RelayState>, id: String, profile_id: i64) {
    if shared.delivery.known.lock().unwrap_or_else(|p| p.into_inner()).contains(&id) {
        return;
    }
    let mut workers = shared.delivery.workers.lock().unwrap_or_else(|p| p.into_inner());
    let tx = match workers.entry(profile_id) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => {
            let (tx, rx) = mpsc::channel();
            let s = shared.clone();
            let spawned = std::thread::Builder::new()
                .name("mailwarden-relay-worker".into())
                .spawn(move || work(&s, profile_id, rx));
            match spawned {
                Ok(h) => shared.delivery.handles.lock().unwrap_or_else(|p| p.into_inner()).push(h),
                Err(_) => return,
            }
            e.insert(tx)
        }
    };
    shared.delivery.known.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone());
    let _ = tx.send(id);
}

fn unix_now(shared: &RelayState) -> i64 {
    shared.engine.clock.now().unix_timestamp()
}

/// One profile's line.
fn work(shared: &Arc<RelayState>, profile_id: i64, rx: Receiver<String>) {
    let mut line: BTreeSet<String> = BTreeSet::new();
    let profile = shared.engine.profiles().get(profile_id).ok().map(|v| v.profile);
    let pace = shared.pacers.for_profile(&shared.settings, profile_id, profile.as_ref());
    let forget = |id: &str| shared.delivery.known.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
    loop {
        while let Ok(id) = rx.try_recv() {
            line.insert(id);
        }
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(id) = line.first().cloned() else {
            match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(id) => {
                    line.insert(id);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => continue,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        };
        let mut state = shared.spool.state(&id);
        if state.held.is_some() {
            line.remove(&id);
            forget(&id);
            continue;
        }
        let wait = state.next_at - unix_now(shared);
        if wait > 0 {
            std::thread::sleep(Duration::from_secs(wait.min(1) as u64));
            continue;
        }
        // Read once: its recipients count against the pace, then it is sent.
        let queued = shared.spool.read(&id);
        let recipients = queued.as_ref().map_or(1, |(e, _)| e.to.len() as u32);
        if let Err(until) =
            pace.lock().unwrap_or_else(|p| p.into_inner()).admit(|| unix_now(shared), &shared.stop, recipients)
        {
            tracing::warn!(id = %id, "relay: the mailbox's recipients for today are used up; waiting for tomorrow");
            state.next_at = until;
            state.last_error =
                Some("The mailbox's recipient limit for today is reached (Exchange Online: 10,000 a day).".into());
            let _ = shared.spool.set_state(&id, &state);
            continue;
        }
        match deliver(shared, &id, queued) {
            Outcome::Sent | Outcome::Gone => {
                line.remove(&id);
                forget(&id);
            }
            Outcome::Retry(why, asked) => {
                state.attempts += 1;
                // 5 s, 10 s, 20 s … up to an hour; longer if the provider asked (Retry-After).
                let backoff = backoff_secs(state.attempts, asked);
                state.next_at = unix_now(shared) + backoff;
                tracing::warn!(id = %id, attempts = state.attempts, retry_in = backoff, "relay: delivery failed, will retry: {why}");
                state.last_error = Some(why);
                let _ = shared.spool.set_state(&id, &state);
            }
            Outcome::Hold(d) => {
                tracing::error!(id = %id, code = %d.code, "relay: delivery failed for good, message held: {}", d.title);
                state.attempts += 1;
                let bouncer =
                    Bouncer { spool: &shared.spool, bounces: &shared.settings.bounces, hostname: &shared.hostname };
                let from_of =
                    |pid| shared.engine.profiles().get(pid).ok().map(|v| v.profile.effective_from().to_owned());
                if bouncer.queue(&id, &d, shared.engine.clock.now(), from_of).is_some() {
                    shared.delivery.wake();
                }
                state.held = Some(*d);
                let _ = shared.spool.set_state(&id, &state);
                line.remove(&id);
                forget(&id);
            }
        }
    }
}

fn deliver(shared: &RelayState, id: &str, queued: Result<(super::Envelope, Vec<u8>)>) -> Outcome {
    let (envelope, message) = match queued {
        Ok(m) => m,
        Err(CoreError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => return Outcome::Gone,
        Err(e) => return Outcome::Retry(e.to_string(), None),
    };
    let engine = &shared.engine;
    let profile = match engine.profiles().get(envelope.profile_id) {
        Ok(v) => v.profile,
        Err(e) => {
            return Outcome::Hold(Box::new(Diagnosis::new(
                "relay_no_profile",
                "The device's profile is gone",
                e.to_string(),
                vec!["Point the device at another profile (relay device rm, then add), then retry the message.".into()],
            )))
        }
    };
    // Only a Graph profile may need another route: the others are read for it alone.
    let all = match profile.send_method {
        crate::profile::SendMethod::Graph => engine.store.list().unwrap_or_default(),
        crate::profile::SendMethod::Smtp => Default::default(),
    };
    let profile = match fallback::route(profile, all.iter().map(|s| &s.profile), &message, &envelope.to) {
        Ok(p) => p,
        Err(d) => return Outcome::Hold(d),
    };
    let rewrite = shared.device_named(&envelope.device).is_none_or(|d| d.device.rewrite_from);
    let (from, message) = super::rewrite::sender(&profile, &envelope.from, message, rewrite);
    let out = Outgoing { from: &from, to: &envelope.to, message: &message, smtputf8: envelope.smtputf8 };
    let mut limits = crate::mail::net::Limits::new(Duration::from_secs(120), None);
    limits.token_margin = 600;
    // Seen by a delete from another process: it then says the message may still arrive.
    let sending = shared.spool.sending(id);
    let sent = engine.transport().send(&profile, &out, &mut |_| {}, limits);
    drop(sending);
    match sent {
        Ok(d) => {
            tracing::info!(id = %id, profile = profile.id, reply = %d.reply, "relay: delivered");
            let at = crate::clock::rfc3339(engine.clock.now());
            shared.ledger.record(&shared.data, envelope.profile_id, true, d.reply.clone(), at);
            let _ = shared.spool.remove(id);
            Outcome::Sent
        }
        Err(e) => {
            let outcome = Outcome::of_failure(e);
            let text = match &outcome {
                Outcome::Retry(why, _) => why.clone(),
                Outcome::Hold(d) => format!("held: {}", d.title),
                _ => String::new(),
            };
            shared.ledger.record(
                &shared.data,
                envelope.profile_id,
                false,
                text,
                crate::clock::rfc3339(engine.clock.now()),
            );
            outcome
        }
    }
}
