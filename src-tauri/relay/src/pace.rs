//! Pacing: a mailbox's sending limits (Exchange Online: 30 messages a minute
//! and 10,000 recipients a day; none for other providers unless set), kept
//! per mailbox — not per profile — because the provider counts the mailbox.
//!
//! A [`Pacer`] decides ([`Pacer::check`]) from the moment it is given, so
//! its rules are tested without waiting; [`Pacer::admit`] is the delivery
//! line's loop around it, the only part that sleeps.

use crate::profile::Profile;
use crate::RelaySettings;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MINUTE: Duration = Duration::from_secs(60);

/// What a pacer says about one more message now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Send it (it is counted).
    Go,
    /// The minute's messages are used up: ask again after this long.
    Wait(Duration),
    /// Today's recipients are used up: ask again at this Unix time (the
    /// start of tomorrow, UTC).
    Tomorrow(i64),
}

/// A mailbox's sending limits: messages a minute, recipients a day (0: no limit).
pub struct Pacer {
    per_minute: u32,
    per_day: u32,
    recent: VecDeque<Instant>,
    /// The UTC day (days since 1970) and the recipients sent on it.
    day: (i64, u32),
    /// A message waits for the window (logged once per wait).
    holding: bool,
}

impl Pacer {
    pub fn new(per_minute: u32, per_day: u32) -> Pacer {
        Pacer { per_minute, per_day, recent: VecDeque::new(), day: (0, 0), holding: false }
    }

    /// Whether a message to `recipients` may go at `now` (`unix_now` is the
    /// same moment by the engine's clock, for the UTC day); counted when it may.
    pub fn check(&mut self, now: Instant, unix_now: i64, recipients: u32) -> Pace {
        let today = unix_now.div_euclid(86_400);
        if self.day.0 != today {
            self.day = (today, 0);
        }
        if self.per_day > 0 && self.day.1.saturating_add(recipients) > self.per_day {
            return Pace::Tomorrow((today + 1) * 86_400);
        }
        if self.per_minute > 0 {
            while self.recent.front().is_some_and(|t| now.saturating_duration_since(*t) >= MINUTE) {
                self.recent.pop_front();
            }
            if self.recent.len() as u32 >= self.per_minute {
                let oldest = *self.recent.front().expect("a full window has a first message");
                return Pace::Wait(MINUTE.saturating_sub(now.saturating_duration_since(oldest)));
            }
            self.recent.push_back(now);
        }
        self.day.1 = self.day.1.saturating_add(recipients);
        Pace::Go
    }

    /// Wait until one more message is within the per-minute limit (or the
    /// relay stops); Err(the start of tomorrow, UTC) when today's recipients
    /// are used up.
    pub fn admit(&mut self, unix_now: impl Fn() -> i64, stop: &AtomicBool, recipients: u32) -> Result<(), i64> {
        loop {
            match self.check(Instant::now(), unix_now(), recipients) {
                Pace::Go => break,
                Pace::Tomorrow(at) => return Err(at),
                Pace::Wait(_) if stop.load(Ordering::SeqCst) => break,
                Pace::Wait(wait) => {
                    if !self.holding {
                        self.holding = true;
                        tracing::info!(
                            per_minute = self.per_minute,
                            "relay: the mailbox's pace is reached; the next message waits"
                        );
                    }
                    std::thread::sleep(wait.clamp(Duration::from_millis(10), Duration::from_secs(1)));
                }
            }
        }
        self.holding = false;
        Ok(())
    }
}

/// Every mailbox's pacer, by lower-cased mailbox.
#[derive(Default)]
pub struct Pacers(Mutex<HashMap<String, Arc<Mutex<Pacer>>>>);

impl Pacers {
    /// The pacer of `profile`'s mailbox (`None`: a profile no longer found,
    /// paced alone by its id `profile_id`), shared by every profile of that
    /// mailbox: a Graph and an SMTP profile of one mailbox count together.
    pub fn for_profile(
        &self,
        settings: &RelaySettings,
        profile_id: i64,
        profile: Option<&Profile>,
    ) -> Arc<Mutex<Pacer>> {
        let microsoft = profile.is_some_and(|p| p.provider.is_microsoft());
        let key = profile.map_or_else(|| format!("#{profile_id}"), |p| p.mailbox.to_lowercase());
        let (per_minute, per_day) = if microsoft {
            (settings.microsoft_per_minute, settings.microsoft_recipients_per_day)
        } else {
            (settings.other_per_minute, 0)
        };
        let mut pacers = self.0.lock().unwrap_or_else(|p| p.into_inner());
        pacers.entry(key).or_insert_with(|| Arc::new(Mutex::new(Pacer::new(per_minute, per_day)))).clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{test_draft, validate, AuthMethod, Provider, SendMethod};

    const NOON: i64 = 1_796_644_800; // 2026-12-07 12:00 UTC

    #[test]
    fn the_minute_window_holds_the_next_message_until_the_oldest_is_a_minute_old() {
        let mut p = Pacer::new(2, 0);
        let t0 = Instant::now();
        assert_eq!(p.check(t0, NOON, 1), Pace::Go);
        assert_eq!(p.check(t0 + Duration::from_secs(10), NOON + 10, 1), Pace::Go);
        assert_eq!(p.check(t0 + Duration::from_secs(15), NOON + 15, 1), Pace::Wait(Duration::from_secs(45)));
        assert_eq!(p.check(t0 + Duration::from_secs(60), NOON + 60, 1), Pace::Go, "the first left the window");
        assert_eq!(p.check(t0 + Duration::from_secs(61), NOON + 61, 1), Pace::Wait(Duration::from_secs(9)));
    }

    #[test]
    fn todays_recipients_are_counted_and_tomorrow_starts_at_midnight_utc() {
        let mut p = Pacer::new(0, 10);
        let now = Instant::now();
        assert_eq!(p.check(now, NOON, 6), Pace::Go);
        let midnight = (NOON / 86_400 + 1) * 86_400;
        assert_eq!(p.check(now, NOON + 1, 5), Pace::Tomorrow(midnight), "6 + 5 is over 10");
        assert_eq!(p.check(now, NOON + 2, 4), Pace::Go, "a smaller message still fits");
        assert_eq!(p.check(now, NOON + 3, 1), Pace::Tomorrow(midnight));
        assert_eq!(p.check(now, midnight, 10), Pace::Go, "a new day");
        assert_eq!(Pacer::new(0, 0).check(now, NOON, u32::MAX), Pace::Go, "no limit");
    }

    #[test]
    fn a_held_message_is_not_counted_against_the_day() {
        let mut p = Pacer::new(1, 10);
        let t0 = Instant::now();
        assert_eq!(p.check(t0, NOON, 4), Pace::Go);
        assert!(matches!(p.check(t0, NOON, 4), Pace::Wait(_)));
        assert!(matches!(p.check(t0, NOON, 4), Pace::Wait(_)));
        assert_eq!(p.check(t0 + MINUTE, NOON + 60, 4), Pace::Go, "4 + 4: the waits counted nothing");
    }

    #[test]
    fn a_stopping_relay_is_not_held_by_the_pace() {
        let mut p = Pacer::new(1, 0);
        let stop = AtomicBool::new(false);
        assert_eq!(p.admit(|| NOON, &stop, 1), Ok(()));
        stop.store(true, Ordering::SeqCst);
        assert_eq!(p.admit(|| NOON, &stop, 1), Ok(()), "returns at once");
        let mut day = Pacer::new(0, 1);
        assert_eq!(day.admit(|| NOON, &stop, 2), Err((NOON / 86_400 + 1) * 86_400));
    }

    #[test]
    fn profiles_of_one_mailbox_share_a_pacer_with_their_providers_limits() {
        let profile = |id, provider, mailbox: &str| {
            let mut d = test_draft(&format!("P{id}"), provider, AuthMethod::AuthCode, SendMethod::Smtp);
            d.mailbox = mailbox.into();
            let mut p = validate(&d, None, crate::profile::TEST_TODAY).unwrap().profile;
            p.id = id;
            p
        };
        let settings = RelaySettings {
            microsoft_per_minute: 30,
            microsoft_recipients_per_day: 10_000,
            other_per_minute: 5,
            ..Default::default()
        };
        let pacers = Pacers::default();
        let smtp = pacers.for_profile(&settings, 1, Some(&profile(1, Provider::Microsoft365, "ERP@contoso.com")));
        let graph = pacers.for_profile(&settings, 2, Some(&profile(2, Provider::Microsoft365, "erp@contoso.com")));
        assert!(Arc::ptr_eq(&smtp, &graph), "one mailbox, one pacer");
        let limits = |p: &Arc<Mutex<Pacer>>| {
            let p = p.lock().unwrap();
            (p.per_minute, p.per_day)
        };
        assert_eq!(limits(&smtp), (30, 10_000));
        let google = pacers.for_profile(&settings, 3, Some(&profile(3, Provider::Google, "erp@example.org")));
        assert_eq!(limits(&google), (5, 0));
        let gone = pacers.for_profile(&settings, 9, None);
        assert!(!Arc::ptr_eq(&gone, &google));
        assert_eq!(
            gone.lock().unwrap().per_minute,
            5,
            "an unknown profile is paced as a provider other than Microsoft"
        );
    }
}
