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
pub mod imap;
mod inbound;
mod pace;
pub mod pop3;
mod rewrite;
mod routes;
mod server;
mod session;
mod signin;
pub mod status;
mod tls;
mod workers;

pub use devices::{Device, DeviceDraft};
pub use mailwarden_model::records::{InboundState, MailboxAccess, MailboxSetting};
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
    /// The relay settings were saved since this relay started: a restart
    /// takes them up.
    pub restart_needed: bool,
    /// Where devices read mail (`POP3 127.0.0.1:1110`, `IMAPS 0.0.0.0:993`).
    pub inbound_listen: Vec<String>,
    pub devices: Vec<Device>,
    pub queue: Vec<QueuedMessage>,
    /// Each mailbox a device read through the relay: when, and while it
    /// cannot, why.
    pub mailboxes: Vec<MailboxView>,
}

/// A profile's mailbox as the relay's POP3 or IMAP front last reached it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MailboxView {
    pub profile: String,
    #[serde(flatten)]
    pub state: crate::records::InboundState,
}

/// How much of a message's head is read for its subject in a listing.
const SUBJECT_SEARCHED: u64 = 16 * 1024;

/// The decoded Subject of a message's head (cut where the read stopped).
fn subject_of(head: &[u8]) -> Option<String> {
    let m = mail_parser::MessageParser::new().parse_headers(head)?;
    let s = m.subject()?.trim();
    (!s.is_empty()).then(|| s.chars().take(200).collect())
}

/// Whether a relay started with `running` would behave differently under
/// `saved` (starting with the app is read only at start-up).
pub fn restart_needed(running: &RelaySettings, saved: &RelaySettings) -> bool {
    RelaySettings { start_with_app: saved.start_with_app, ..running.clone() } != *saved
}

impl Relay<'_> {
    /// Devices, queue and whether `running` (this process's relay) listens.
    pub fn view(&self, running: Option<&Running>) -> crate::error::Result<RelayView> {
        let settings = self.settings().get()?.relay;
        let elsewhere = status::running_info(self.store.data_dir()).filter(|r| r.pid != std::process::id());
        let restart = running.is_some_and(|r| restart_needed(r.settings(), &settings));
        let inbound: [(&str, Option<String>); 4] = match running {
            Some(r) => {
                let at = |a: Option<std::net::SocketAddr>| a.map(|a| a.to_string());
                [
                    ("POP3", at(r.pop3_addr)),
                    ("POP3S", at(r.pop3_tls_addr)),
                    ("IMAP", at(r.imap_addr)),
                    ("IMAPS", at(r.imap_tls_addr)),
                ]
            }
            None => [
                ("POP3", settings.pop3_listen.clone()),
                ("POP3S", settings.pop3_tls_listen.clone()),
                ("IMAP", settings.imap_listen.clone()),
                ("IMAPS", settings.imap_tls_listen.clone()),
            ],
        };
        let inbound_listen = inbound.into_iter().filter_map(|(p, a)| a.map(|a| format!("{p} {a}"))).collect();
        // Read every two seconds by the window: the profiles' names only when a mailbox was read.
        let states = mailwarden_store::inbound::inbound_states(self.store.data_dir());
        let names: std::collections::HashMap<i64, String> = if states.is_empty() {
            Default::default()
        } else {
            self.store.list_rows()?.iter().map(|r| (r.id, r.name.clone())).collect()
        };
        let mailboxes = states
            .into_iter()
            .filter_map(|(id, state)| Some(MailboxView { profile: names.get(&id)?.clone(), state }))
            .collect();
        Ok(RelayView {
            inbound_listen,
            mailboxes,
            restart_needed: restart,
            running: running.is_some(),
            elsewhere,
            listen: running.map_or(settings.listen, |r| r.addr.to_string()),
            tls_listen: running.and_then(|r| r.tls_addr.map(|a| a.to_string())).or(settings.tls_listen),
            fingerprint: running.and_then(|r| r.fingerprint.clone()),
            devices: self.devices()?,
            queue: self.queue()?,
        })
    }

    /// Every queued or held message, oldest first, with its subject and
    /// its profile's name.
    pub fn queue(&self) -> crate::error::Result<Vec<QueuedMessage>> {
        let spool = self.store.spool();
        let mut queue = spool.list()?;
        if queue.is_empty() {
            return Ok(queue);
        }
        // The names of the profiles the queue goes through, in one pass over the rows.
        let mut names: std::collections::HashMap<i64, Option<String>> =
            queue.iter().map(|m| (m.envelope.profile_id, None)).collect();
        for r in self.store.list_rows()?.iter() {
            if let Some(name) = names.get_mut(&r.id) {
                *name = Some(r.name.clone());
            }
        }
        for m in &mut queue {
            m.subject = spool.head(&m.envelope.id, SUBJECT_SEARCHED).ok().and_then(|h| subject_of(&h));
            m.profile_name = names.get(&m.envelope.profile_id).cloned().flatten();
        }
        Ok(queue)
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

#[cfg(test)]
mod view_tests {
    use super::*;

    #[test]
    fn a_listing_reads_the_decoded_subject_from_the_head_only() {
        let head = b"From: scan@printer.lan\r\nSubject: =?UTF-8?Q?Scan_f=C3=BCr_Buchhaltung?=\r\n\tpage 1\r\n\r\nbody";
        assert_eq!(subject_of(head).as_deref(), Some("Scan für Buchhaltung page 1"));
        assert_eq!(subject_of(b"From: a@b\r\n\r\nno subject"), None);
        assert_eq!(subject_of(b"Subject:   \r\n\r\n"), None, "an empty subject is none");
        // Cut where the read stopped: what was read is still shown.
        assert_eq!(subject_of(b"Subject: Invoice 1002\r\nX-Long: aaaa").as_deref(), Some("Invoice 1002"));
        assert_eq!(subject_of(&[0xff, 0xfe, b'\r', b'\n']), None);
    }

    #[test]
    fn only_a_setting_the_running_relay_uses_asks_for_a_restart() {
        let running = RelaySettings::default();
        assert!(!restart_needed(&running, &running.clone()));
        let started_with_app = RelaySettings { start_with_app: !running.start_with_app, ..running.clone() };
        assert!(!restart_needed(&running, &started_with_app), "read only at start-up");
        let other_port = RelaySettings { listen: "127.0.0.1:2526".into(), ..running.clone() };
        assert!(restart_needed(&running, &other_port));
        let smaller = RelaySettings { max_message_bytes: 1024 * 1024, ..running.clone() };
        assert!(restart_needed(&running, &smaller));
    }
}
