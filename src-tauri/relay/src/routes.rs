//! What each profile's route carries, for the relay to promise only that:
//! SMTPUTF8 (internationalized addresses) is offered to devices only when an
//! upstream takes it — an SMTP server says so in its EHLO (asked once an
//! hour, without signing in); Microsoft Graph's `sendMail` is not promised
//! to. Probed for every device's profile when the relay starts, and on
//! demand for a profile not yet asked.

use super::server::RelayState;
use crate::profile::SendMethod;
use crate::Context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long an answer is trusted (a failed probe: a minute).
const FRESH: Duration = Duration::from_secs(3600);
const FRESH_FAILED: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct Routes {
    utf8: Mutex<HashMap<i64, (bool, Instant, Duration)>>,
}

impl Routes {
    /// Whether profile `profile_id`'s route carries SMTPUTF8: the answer
    /// kept for an hour (a failed `ask`, for a minute), else `ask`ed now
    /// ([`probe`] asks the profile's server).
    pub fn utf8(&self, profile_id: i64, ask: impl FnOnce() -> Option<bool>) -> bool {
        self.utf8_at(Instant::now(), profile_id, ask)
    }

    fn utf8_at(&self, now: Instant, profile_id: i64, ask: impl FnOnce() -> Option<bool>) -> bool {
        let cached = self.utf8.lock().unwrap_or_else(|p| p.into_inner()).get(&profile_id).copied();
        if let Some((v, at, fresh)) = cached {
            if now.saturating_duration_since(at) < fresh {
                return v;
            }
        }
        let (v, fresh) = match ask() {
            Some(v) => (v, FRESH),
            None => (false, FRESH_FAILED),
        };
        self.utf8.lock().unwrap_or_else(|p| p.into_inner()).insert(profile_id, (v, now, fresh));
        v
    }

    /// Some route carries SMTPUTF8 (what EHLO offers, before a device is known).
    pub fn any_utf8(&self) -> bool {
        self.utf8.lock().unwrap_or_else(|p| p.into_inner()).values().any(|(v, _, _)| *v)
    }
}

/// Whether profile `profile_id`'s route carries SMTPUTF8: Graph does not;
/// an SMTP server says so in its EHLO. None when the server could not be asked.
pub fn probe(engine: &Context, profile_id: i64) -> Option<bool> {
    let p = engine.profiles().get(profile_id).ok()?.profile;
    match p.send_method {
        SendMethod::Graph => Some(false),
        SendMethod::Smtp => {
            let limits = crate::mail::net::Limits::new(Duration::from_secs(15), None);
            match crate::mail::smtp::offers_smtputf8(&p, limits) {
                Ok(v) => {
                    tracing::info!(
                        profile = p.id,
                        smtputf8 = v,
                        "relay: asked {}:{} what it carries",
                        p.smtp_host,
                        p.smtp_port
                    );
                    Some(v)
                }
                Err(e) => {
                    tracing::warn!(profile = p.id, "relay: could not ask the profile's server about SMTPUTF8: {e}");
                    None
                }
            }
        }
    }
}

/// Ask every device's profile in the background (the relay starts at once).
pub fn probe_all(shared: Arc<RelayState>) {
    let _ = std::thread::Builder::new().name("mailwarden-relay-routes".into()).spawn(move || {
        let mut ids: Vec<i64> =
            shared.engine.store.relay_devices().unwrap_or_default().iter().map(|d| d.device.profile_id).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            crate::session::Host::route_utf8(shared.as_ref(), id);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn an_answer_is_kept_an_hour_and_a_failed_one_a_minute() {
        let routes = Routes::default();
        let asked = Cell::new(0);
        let ask = |answer: Option<bool>| {
            let asked = &asked;
            move || {
                asked.set(asked.get() + 1);
                answer
            }
        };
        let t0 = Instant::now();
        assert!(!routes.any_utf8(), "nothing asked yet");
        assert!(routes.utf8_at(t0, 1, ask(Some(true))));
        assert!(routes.utf8_at(t0 + Duration::from_secs(3599), 1, ask(Some(false))), "kept");
        assert_eq!(asked.get(), 1);
        assert!(!routes.utf8_at(t0 + FRESH, 1, ask(Some(false))), "asked again after an hour");
        assert_eq!(asked.get(), 2);

        assert!(!routes.utf8_at(t0, 2, ask(None)), "a server that could not be asked is not promised to");
        assert!(!routes.utf8_at(t0 + Duration::from_secs(59), 2, ask(Some(true))));
        assert_eq!(asked.get(), 3, "the failure is kept for a minute");
        assert!(routes.utf8_at(t0 + FRESH_FAILED, 2, ask(Some(true))), "then asked again");
        assert!(routes.any_utf8());
    }
}
