//! What a session asks of the relay around it — its whole view of the relay:
//! its name and limits, TLS, whether it is stopping, the devices (by source
//! address, by password, and again before a message is queued), what the
//! upstream routes carry, the clock, and the queue. The running relay's
//! state ([`RelayState`]) is one host; a test can hand a session another.

use crate::devices::DeviceRow;
use crate::error::Result;
use crate::server::{RelayState, SignIn};
use crate::spool::Envelope;
use crate::RelaySettings;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

pub trait Host {
    /// The name the relay greets with and writes in `Received:`.
    fn hostname(&self) -> &str;
    /// Its limits: message size, recipients, idle time.
    fn settings(&self) -> &RelaySettings;
    /// STARTTLS's configuration, when the relay offers TLS.
    fn tls(&self) -> Option<Arc<rustls::ServerConfig>>;
    /// The relay is stopping: a session ends at its next pause.
    fn stopping(&self) -> bool;
    /// Some device may send in clear from `ip`.
    fn plain_allowed(&self, ip: IpAddr) -> bool;
    /// A device let in by its source address alone.
    fn open_device(&self, ip: IpAddr, tls: bool) -> Option<DeviceRow>;
    /// A device's user name and password, from `ip`.
    fn authenticate(&self, ip: IpAddr, user: &str, password: &[u8], tls: bool) -> SignIn;
    /// The device called `name` as it is now (removed, or given a new password?).
    fn device_named(&self, name: &str) -> Option<DeviceRow>;
    /// Whether profile `profile_id`'s route carries SMTPUTF8.
    fn route_utf8(&self, profile_id: i64) -> bool;
    /// Some route carries SMTPUTF8 (what EHLO offers before a device is known).
    fn any_route_utf8(&self) -> bool;
    fn now(&self) -> time::OffsetDateTime;
    /// A new queue id, sorting after every earlier one.
    fn next_id(&self, now: time::OffsetDateTime) -> String;
    /// Store the message durably and hand it to delivery; only then may the
    /// session say `250`.
    fn queue(&self, envelope: &Envelope, message: &[u8]) -> Result<()>;
}

impl Host for RelayState {
    fn hostname(&self) -> &str {
        &self.hostname
    }
    fn settings(&self) -> &RelaySettings {
        &self.settings
    }
    fn tls(&self) -> Option<Arc<rustls::ServerConfig>> {
        self.tls.clone()
    }
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
    fn plain_allowed(&self, ip: IpAddr) -> bool {
        RelayState::plain_allowed(self, ip)
    }
    fn open_device(&self, ip: IpAddr, tls: bool) -> Option<DeviceRow> {
        RelayState::open_device(self, ip, tls)
    }
    fn authenticate(&self, ip: IpAddr, user: &str, password: &[u8], tls: bool) -> SignIn {
        RelayState::authenticate(self, ip, user, password, tls)
    }
    fn device_named(&self, name: &str) -> Option<DeviceRow> {
        RelayState::device_named(self, name)
    }
    fn route_utf8(&self, profile_id: i64) -> bool {
        self.routes.utf8(profile_id, || crate::routes::probe(&self.engine, profile_id))
    }
    fn any_route_utf8(&self) -> bool {
        self.routes.any_utf8()
    }
    fn now(&self) -> time::OffsetDateTime {
        self.engine.clock.now()
    }
    fn next_id(&self, now: time::OffsetDateTime) -> String {
        self.spool.next_id(now)
    }
    fn queue(&self, envelope: &Envelope, message: &[u8]) -> Result<()> {
        self.spool.accept(envelope, message)?;
        self.queued(envelope);
        Ok(())
    }
}
