//! What each profile's route carries, for the relay to promise only that:
//! SMTPUTF8 (internationalized addresses) is offered to devices only when an
//! upstream takes it — an SMTP server says so in its EHLO (asked once an
//! hour, without signing in); Microsoft Graph's `sendMail` is not promised
//! to. Probed for every device's profile when the relay starts, and on
//! demand for a profile not yet asked.

use super::server::Shared;
use crate::profile::SendMethod;
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
    /// Whether profile `profile_id`'s route carries SMTPUTF8 (may ask its server).
    pub fn utf8(&self, shared: &Shared, profile_id: i64) -> bool {
        let cached = self.utf8.lock().unwrap_or_else(|p| p.into_inner()).get(&profile_id).copied();
        if let Some((v, at, fresh)) = cached {
            if at.elapsed() < fresh {
                return v;
            }
        }
        let (v, fresh) = match probe(shared, profile_id) {
            Some(v) => (v, FRESH),
            None => (false, FRESH_FAILED),
        };
        self.utf8.lock().unwrap_or_else(|p| p.into_inner()).insert(profile_id, (v, Instant::now(), fresh));
        v
    }

    /// Some route carries SMTPUTF8 (what EHLO offers, before a device is known).
    pub fn any_utf8(&self) -> bool {
        self.utf8.lock().unwrap_or_else(|p| p.into_inner()).values().any(|(v, _, _)| *v)
    }
}

/// None when the server could not be asked.
fn probe(shared: &Shared, profile_id: i64) -> Option<bool> {
    let p = shared.engine.profiles().get(profile_id).ok()?.profile;
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
pub fn probe_all(shared: Arc<Shared>) {
    let _ = std::thread::Builder::new().name("mailwarden-relay-routes".into()).spawn(move || {
        let mut ids: Vec<i64> =
            shared.engine.store.relay_devices().unwrap_or_default().iter().map(|d| d.device.profile_id).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            shared.routes.utf8(&shared, id);
        }
    });
}
