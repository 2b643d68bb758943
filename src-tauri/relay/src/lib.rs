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
mod pace;
mod rewrite;
mod routes;
mod server;
mod session;
pub mod status;
mod tls;
mod workers;

pub use devices::{Device, DeviceDraft};
pub use mailwarden_model::settings::{Bounces, RelaySettings};
pub use server::{start, Running};
pub use spool::{DeliveryState, Envelope, QueuedMessage};
pub use status::{RelayStatus, RunningInfo};

use serde::Serialize;
use ts_rs::TS;

// The layers below, under the names this crate's code uses.
pub(crate) use mailwarden_model::{clock, diagnosis, error, profile, records, secret};
pub use mailwarden_services::Context;
pub(crate) use mailwarden_services::{context, mail};
pub use mailwarden_store::spool;

/// The relay's devices and queue (the running server is [`Running`]): a
/// view of the services' context, as each service is.
#[derive(Clone, Copy)]
pub struct Relay<'e>(pub &'e Context);

impl std::ops::Deref for Relay<'_> {
    type Target = Context;
    fn deref(&self) -> &Context {
        self.0
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
        let elsewhere = status::running_info(self.store.data_dir()).filter(|r| r.pid != std::process::id());
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

    /// Every queued or held message, oldest first.
    pub fn queue(&self) -> crate::error::Result<Vec<QueuedMessage>> {
        self.store.spool().list()
    }

    /// Try a held (or waiting) message again at once.
    pub fn retry(&self, id: &str) -> crate::error::Result<()> {
        let spool = self.store.spool();
        spool.envelope(id)?;
        spool.set_state(id, &DeliveryState { attempts: spool.state(id).attempts, ..Default::default() })
    }

    /// Delete a queued message; what that means, in a sentence: it will not
    /// be sent — or, when a relay is handing it upstream at that moment, it
    /// may still arrive (the upstream decides; nothing can call it back).
    pub fn delete(&self, id: &str) -> crate::error::Result<String> {
        let spool = self.store.spool();
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
