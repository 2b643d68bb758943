//! The person's settings (thresholds, keep-alive, tray, the relay) and their
//! rules. The settings service that reads and saves them is a service.

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
    pub relay: RelaySettings,
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
        let optional = [
            (&r.tls_listen, "relayTlsListen", "0.0.0.0:465"),
            (&r.pop3_listen, "relayPop3Listen", "127.0.0.1:1110"),
            (&r.pop3_tls_listen, "relayPop3TlsListen", "0.0.0.0:995"),
            (&r.imap_listen, "relayImapListen", "127.0.0.1:1143"),
            (&r.imap_tls_listen, "relayImapTlsListen", "0.0.0.0:993"),
        ];
        for (addr, field, example) in optional {
            if let Some(t) = addr.as_deref().filter(|t| t.parse::<std::net::SocketAddr>().is_err()) {
                bad(field, format!("\"{t}\" is not ADDR:PORT, e.g. {example}."));
            }
        }
        if let Bounces::To(a) = &r.bounces {
            if !crate::profile::is_email(a) {
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

/// The relay's settings (part of the person's settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct RelaySettings {
    /// Where devices submit. A LAN address only with a certificate (TLS).
    pub listen: String,
    /// Implicit TLS (SMTPS) as well, e.g. `0.0.0.0:465`; needs a certificate.
    pub tls_listen: Option<String>,
    /// Where devices fetch mail over POP3 (STLS offered once TLS is on);
    /// off unless set, e.g. `127.0.0.1:1110`.
    pub pop3_listen: Option<String>,
    /// POP3 with implicit TLS (POP3S), e.g. `0.0.0.0:995`.
    pub pop3_tls_listen: Option<String>,
    /// Where devices read mail over IMAP (STARTTLS offered once TLS is on);
    /// off unless set, e.g. `127.0.0.1:1143`.
    pub imap_listen: Option<String>,
    /// IMAP with implicit TLS (IMAPS), e.g. `0.0.0.0:993`.
    pub imap_tls_listen: Option<String>,
    /// PEM certificate chain and key; without them one is generated (and its
    /// fingerprint shown) the first time TLS is needed.
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    #[ts(type = "number")]
    pub max_message_bytes: usize,
    #[ts(type = "number")]
    pub max_recipients: usize,
    #[ts(type = "number")]
    pub max_connections: usize,
    /// Connections at once from one address (Postfix: half the process limit).
    #[ts(type = "number")]
    pub max_connections_per_client: usize,
    /// New connections a minute from one LAN address; 0: no limit. Programs
    /// on this computer (loopback) are not counted, as Postfix spares $mynetworks.
    #[ts(type = "number")]
    pub max_connection_rate: u32,
    #[ts(type = "number")]
    pub idle_timeout_secs: u64,
    /// Per mailbox, for Microsoft profiles (Exchange Online's limits); 0: none.
    pub microsoft_per_minute: u32,
    pub microsoft_recipients_per_day: u32,
    /// Per mailbox for other providers; 0: none.
    pub other_per_minute: u32,
    /// The desktop app starts the relay when it starts (and keeps it while in the tray).
    pub start_with_app: bool,
    /// Who gets a bounce (DSN) when a message is held.
    pub bounces: Bounces,
}

impl Default for RelaySettings {
    fn default() -> Self {
        RelaySettings {
            listen: "127.0.0.1:2525".into(),
            tls_listen: None,
            pop3_listen: None,
            pop3_tls_listen: None,
            imap_listen: None,
            imap_tls_listen: None,
            cert_file: None,
            key_file: None,
            max_message_bytes: 35 * 1024 * 1024,
            max_recipients: 100,
            max_connections: 50,
            max_connections_per_client: 25,
            max_connection_rate: 120,
            idle_timeout_secs: 300,
            microsoft_per_minute: 30,
            microsoft_recipients_per_day: 10_000,
            other_per_minute: 0,
            start_with_app: false,
            bounces: Bounces::Off,
        }
    }
}

impl RelaySettings {
    /// The relay offers TLS: a LAN listener (SMTP, POP3 or IMAP), an implicit-TLS
    /// one, or a certificate given.
    pub fn wants_tls(&self) -> bool {
        let lan = |a: &str| !is_loopback(a);
        lan(&self.listen)
            || self.pop3_listen.as_deref().is_some_and(lan)
            || self.tls_listen.is_some()
            || self.pop3_tls_listen.is_some()
            || self.imap_listen.as_deref().is_some_and(lan)
            || self.imap_tls_listen.is_some()
            || self.cert_file.is_some()
    }
}

/// `ADDR:PORT` on this computer only (a loopback address, or `localhost:`).
pub fn is_loopback(addr: &str) -> bool {
    addr.parse::<std::net::SocketAddr>().is_ok_and(|a| a.ip().is_loopback()) || addr.starts_with("localhost:")
}

/// Who is told when a message is held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Bounces {
    /// Nobody: the queue, the watch and `check` show it.
    #[default]
    Off,
    /// The message's envelope sender (MAIL FROM), when it has one.
    Sender,
    /// This address (an administrator, a shared mailbox).
    To(String),
}
