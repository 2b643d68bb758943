//! The person's settings (thresholds, keep-alive, tray) and their rules, and
//! the settings service that reads and saves them.

use crate::error::{CoreError, FieldError, Result};
use crate::profile::Thresholds;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// When a secret or token becomes "soon" and "urgent".
    pub thresholds: Thresholds,
    /// Refresh a refresh token once it has been idle this many days
    /// (Microsoft drops it after 90 days without use).
    #[ts(type = "number")]
    pub keepalive_days: i64,
    /// How often the running app checks expiries (hours).
    #[ts(type = "number")]
    pub check_every_hours: i64,
    /// Closing the window keeps Mailwarden running in the tray.
    pub close_to_tray: bool,
    /// The public client an administrator signs in with to check or create
    /// app registrations (Microsoft Graph Command Line Tools by default).
    pub admin_client_id: String,
    /// The relay for legacy devices.
    pub relay: crate::relay::RelaySettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            thresholds: Thresholds::default(),
            keepalive_days: 45,
            check_every_hours: 4,
            close_to_tray: false,
            admin_client_id: crate::providers::ADMIN_CLIENT_ID.into(),
            relay: Default::default(),
        }
    }
}

impl Settings {
    /// Every field error at once, named as the settings form names them.
    pub fn validate(&self) -> Result<()> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
        let t = &self.thresholds;
        if !(1..=365).contains(&t.soon_days) {
            bad("soonDays", "Warn between 1 and 365 days before.".into());
        }
        if !(0..=365).contains(&t.urgent_days) {
            bad("urgentDays", "Urgent between 0 and 365 days before.".into());
        } else if t.urgent_days >= t.soon_days {
            bad("urgentDays", format!("Urgent must come after the first warning: fewer than {} days.", t.soon_days));
        }
        if !(7..=80).contains(&self.keepalive_days) {
            bad("keepaliveDays", "Between 7 and 80 days: Microsoft drops a refresh token after 90 idle days.".into());
        }
        if !(1..=24).contains(&self.check_every_hours) {
            bad("checkEveryHours", "Between 1 and 24 hours.".into());
        }
        let r = &self.relay;
        if r.listen.parse::<std::net::SocketAddr>().is_err() {
            bad("relayListen", format!("\"{}\" is not ADDR:PORT, e.g. 127.0.0.1:2525 or 192.168.1.5:587.", r.listen));
        }
        if !(1024 * 1024..=150 * 1024 * 1024).contains(&r.max_message_bytes) {
            bad("relayMaxMessageMb", "Between 1 and 150 MB (Exchange Online takes up to 35 MB).".into());
        }
        if !(1..=1000).contains(&r.max_recipients) {
            bad("relayMaxRecipients", "Between 1 and 1,000 recipients.".into());
        }
        if !(1..=1000).contains(&r.max_connections) {
            bad("relayMaxConnections", "Between 1 and 1,000 connections.".into());
        }
        // Above the connections at once, it is simply that limit.
        if !(1..=1000).contains(&r.max_connections_per_client) {
            bad("relayMaxPerClient", "Between 1 and 1,000 connections.".into());
        }
        if r.max_connection_rate > 100_000 {
            bad("relayConnectionRate", "At most 100,000 a minute (0: no limit).".into());
        }
        if let Some(t) = r.tls_listen.as_deref().filter(|t| t.parse::<std::net::SocketAddr>().is_err()) {
            bad("relayTlsListen", format!("\"{t}\" is not ADDR:PORT, e.g. 0.0.0.0:465."));
        }
        if let crate::relay::Bounces::To(a) = &r.bounces {
            if a.parse::<lettre::Address>().is_err() {
                bad("relayBounces", format!("Bounces go to “{a}”, which is not an e-mail address: give one, or send them to the sender, or none."));
            }
        }
        if !(5..=3600).contains(&r.idle_timeout_secs) {
            bad("relayIdleTimeout", "Between 5 and 3,600 seconds.".into());
        }
        if !crate::profile::is_guid(self.admin_client_id.trim()) {
            bad(
                "adminClientId",
                format!(
                    "An application (client) ID, like {}: the public client administrators sign in with.",
                    crate::providers::ADMIN_CLIENT_ID
                ),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Validation(errors))
        }
    }
}

crate::app::service!(
    /// The person's settings.
    SettingsService
);

impl SettingsService<'_> {
    /// The settings in force (defaults for those never set).
    pub fn get(&self) -> Result<Settings> {
        self.store.settings()
    }

    /// Validate and save; nothing is written when a field is wrong.
    pub fn save(&self, s: &Settings) -> Result<()> {
        self.store.save_settings(s)
    }
}
