//! The relay: printers, scanners, old ERPs and scripts that can only send a
//! user name and password submit to Mailwarden over SMTP, and Mailwarden
//! delivers through their device's profile with OAuth (SMTP XOAUTH2 or Graph
//! `sendMail`) — durable (on disk before `250`), paced, retried, and
//! explained when it fails.
//!
//! `admission` (connection limits per address, the pregreet test),
//! `workers` (session threads kept for the next connection),
//! `devices` (credentials, Argon2), `spool` (the queue on disk; `dirsync`
//! its folder's group commit), `session`
//! (one SMTP conversation, parsed by `smtp-proto`), `conn` (plain or TLS),
//! `tls` (the certificate), `server` (listeners, limits, shared state),
//! `deliver` (per-profile workers, retries, holds), `bounce` (DSNs), `pace` (per-mailbox limits),
//! `routes` (what each upstream carries: SMTPUTF8).

mod admission;
mod bounce;
mod conn;
mod deliver;
pub mod devices;
mod dirsync;
mod pace;
mod rewrite;
mod routes;
mod server;
mod session;
pub mod spool;
pub mod status;
mod tls;
mod workers;

pub use bounce::Bounces;
pub use devices::{Device, DeviceDraft};
pub use server::{start, Running};
pub use spool::{DeliveryState, Envelope, QueuedMessage};
pub use status::{RelayStatus, RunningInfo};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

crate::app::service!(
    /// The relay's devices and queue (the running server is [`Running`]).
    Relay
);

/// The relay's settings (part of the person's settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct RelaySettings {
    /// Where devices submit. A LAN address only with a certificate (TLS).
    pub listen: String,
    /// Implicit TLS (SMTPS) as well, e.g. `0.0.0.0:465`; needs a certificate.
    pub tls_listen: Option<String>,
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

/// The relay as the window shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RelayView {
    pub running: bool,
    /// A relay another process runs for this data folder (`relay run`, a
    /// systemd service): this one cannot start while it does.
    pub elsewhere: Option<RunningInfo>,
    /// Where it listens (or would).
    pub listen: String,
    pub tls_listen: Option<String>,
    /// The certificate's SHA-256, when TLS is on.
    pub fingerprint: Option<String>,
    pub devices: Vec<Device>,
    pub queue: Vec<QueuedMessage>,
}

impl Relay<'_> {
    /// Devices, queue and whether `running` (this process's relay) listens.
    pub fn view(&self, running: Option<&Running>) -> crate::error::Result<RelayView> {
        let settings = self.settings().get()?.relay;
        let data = self.store.path().parent().unwrap_or(std::path::Path::new("."));
        let elsewhere = status::running_info(data).filter(|r| r.pid != std::process::id());
        Ok(RelayView {
            running: running.is_some(),
            elsewhere,
            listen: running.map_or(settings.listen, |r| r.addr.to_string()),
            tls_listen: running.and_then(|r| r.tls_addr.map(|a| a.to_string())).or(settings.tls_listen),
            fingerprint: running.and_then(|r| r.fingerprint.clone()),
            devices: self.devices()?,
            queue: self.queue()?,
        })
    }

    /// The queue folder beside the database, as seen from outside the relay.
    fn spool(&self) -> spool::Spool {
        spool::Spool::view(self.store.path().parent().unwrap_or(std::path::Path::new(".")))
    }

    /// Every queued or held message, oldest first.
    pub fn queue(&self) -> crate::error::Result<Vec<QueuedMessage>> {
        self.spool().list()
    }

    /// Try a held (or waiting) message again at once.
    pub fn retry(&self, id: &str) -> crate::error::Result<()> {
        let spool = self.spool();
        spool.envelope(id)?;
        spool.set_state(id, &DeliveryState { attempts: spool.state(id).attempts, ..Default::default() })
    }

    /// Delete a queued message; what that means, in a sentence: it will not
    /// be sent — or, when a relay is handing it upstream at that moment, it
    /// may still arrive (the upstream decides; nothing can call it back).
    pub fn delete(&self, id: &str) -> crate::error::Result<String> {
        let spool = self.spool();
        let in_flight = spool.is_sending(id);
        spool.remove(id).map_err(|e| match e {
            crate::error::CoreError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                crate::error::CoreError::NotFound(format!(
                    "No message {id} in the queue: it was delivered or deleted meanwhile."
                ))
            }
            e => e,
        })?;
        Ok(if in_flight || spool.is_sending(id) {
            format!(
                "Deleted message {id} from the queue, but the relay was handing it to the mail server at that moment: \
                 it may still arrive. It will not be tried again."
            )
        } else {
            format!("Deleted message {id} from the queue: it will not be sent.")
        })
    }
}
