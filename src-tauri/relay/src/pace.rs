//! Pacing: a mailbox's sending limits (Exchange Online: 30 messages a minute
//! and 10,000 recipients a day; none for other providers unless set), kept
//! per mailbox — not per profile — because the provider counts the mailbox.

use super::server::Shared;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every mailbox's pacer, by lower-cased mailbox.
pub type Pacers = Mutex<HashMap<String, Arc<Mutex<Pacer>>>>;

fn unix_now(shared: &Shared) -> i64 {
    shared.engine.clock.now().unix_timestamp()
}

/// A mailbox's sending limits: messages a minute, recipients a day.
pub struct Pacer {
    per_minute: u32,
    per_day: u32,
    recent: VecDeque<Instant>,
    day: (i64, u32),
    /// A message waits for the window (logged once per wait).
    holding: bool,
}

/// The pacer of profile `profile_id`'s mailbox, shared by every profile of
/// that mailbox (a Graph and an SMTP profile of one mailbox count together).
pub fn for_profile(shared: &Shared, profile_id: i64) -> Arc<Mutex<Pacer>> {
    let s = &shared.settings;
    let profile = shared.engine.profiles().get(profile_id).ok().map(|v| v.profile);
    let microsoft = profile.as_ref().is_some_and(|p| p.provider.is_microsoft());
    let key = profile.map_or_else(|| format!("#{profile_id}"), |p| p.mailbox.to_lowercase());
    let (per_minute, per_day) =
        if microsoft { (s.microsoft_per_minute, s.microsoft_recipients_per_day) } else { (s.other_per_minute, 0) };
    let mut pacers = shared.pacers.lock().unwrap_or_else(|p| p.into_inner());
    pacers
        .entry(key)
        .or_insert_with(|| {
            Arc::new(Mutex::new(Pacer { per_minute, per_day, recent: VecDeque::new(), day: (0, 0), holding: false }))
        })
        .clone()
}

impl Pacer {
    /// Wait until one more message is within the per-minute limit; Err(the
    /// start of tomorrow, UTC) when today's recipients are used up.
    pub fn admit(&mut self, shared: &Shared, recipients: u32) -> std::result::Result<(), i64> {
        let today = unix_now(shared) / 86_400;
        if self.day.0 != today {
            self.day = (today, 0);
        }
        if self.per_day > 0 && self.day.1 + recipients > self.per_day {
            return Err((today + 1) * 86_400);
        }
        self.day.1 += recipients;
        if self.per_minute == 0 {
            return Ok(());
        }
        loop {
            while self.recent.front().is_some_and(|t| t.elapsed() >= Duration::from_secs(60)) {
                self.recent.pop_front();
            }
            if (self.recent.len() as u32) < self.per_minute || shared.stop.load(Ordering::SeqCst) {
                break;
            }
            if !self.holding {
                self.holding = true;
                tracing::info!(
                    per_minute = self.per_minute,
                    "relay: the mailbox's pace is reached; the next message waits"
                );
            }
            let oldest = *self.recent.front().expect("full window");
            std::thread::sleep(Duration::from_secs(60).saturating_sub(oldest.elapsed()).min(Duration::from_secs(1)));
        }
        self.holding = false;
        self.recent.push_back(Instant::now());
        Ok(())
    }
}
