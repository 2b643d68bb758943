//! Signing a device in, for every listener (SMTP AUTH, POP3, IMAP): its
//! name, its password (Argon2) and the addresses it may come from — and who
//! failed: bad passwords from one address are counted, and after a few that
//! address is shut out for a while, answered at once and closed so no slot
//! waits on a delay (Postfix's anvil and postscreen are the measure).

use super::devices::DeviceRow;
use super::server::RelayState;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bad passwords from one address before it is shut out for a while.
const FREE_FAILURES: u32 = 3;
/// How long a failed sign-in is remembered.
const FAILURE_MEMORY: Duration = Duration::from_secs(900);

/// The answer to a sign-in.
pub enum SignIn {
    Device(Box<DeviceRow>),
    Refused,
    /// Too many failures from this address: minutes to wait.
    ShutOut(u64),
}

/// Failed sign-ins by address: how many, and when the last was.
pub(crate) type Failures = Mutex<HashMap<IpAddr, (u32, Instant)>>;

impl RelayState {
    /// The device `user` if `password` is its own and `ip` may use it. Bad
    /// attempts are logged (the user name only when it is a device's: a
    /// password typed into the user field, or a forged log line, is never
    /// written); after a few from one address that address is shut out for
    /// a while — answered at once and closed, so no slot waits on a delay.
    pub fn authenticate(&self, ip: IpAddr, user: &str, password: &[u8], tls: bool) -> SignIn {
        let ip = ip.to_canonical();
        if let Some(minutes) = self.shut_out(ip) {
            tracing::warn!(peer = %ip, "relay: sign-in refused (too many failures from this address)");
            return SignIn::ShutOut(minutes);
        }
        let row = self.device_named(user);
        let proven = row.as_ref().filter(|r| {
            r.device.allows(ip) && (tls || ip.is_loopback() || r.device.plain_ok) && self.passwords.verify(r, password)
        });
        if let Some(r) = proven {
            self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(&ip);
            let now = crate::clock::rfc3339(self.engine.clock.now());
            let _ = self.engine.store.touch_relay_device(r.device.id, &now);
            tracing::info!(device = %r.device.name, peer = %ip, "relay: device signed in");
            return SignIn::Device(Box::new(r.clone()));
        }
        let count = {
            let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            // Forget old failures, so that scanning addresses cannot grow the map.
            if f.len() >= 1024 {
                f.retain(|_, (_, at)| at.elapsed() < FAILURE_MEMORY);
            }
            if f.len() >= 16 * 1024 {
                f.clear();
            }
            let e = f.entry(ip).or_insert((0, Instant::now()));
            if e.1.elapsed() > FAILURE_MEMORY {
                *e = (0, Instant::now());
            }
            e.0 += 1;
            e.1 = Instant::now();
            e.0
        };
        let (who, why) = match &row {
            None => (format!("(no such device; {} bytes)", user.len()), "no such device"),
            Some(r) if !r.device.allows(ip) => (r.device.name.clone(), "address not allowed for this device"),
            Some(r) => (r.device.name.clone(), "wrong password"),
        };
        tracing::warn!(user = %who, peer = %ip, attempts = count, "relay: sign-in refused ({why})");
        SignIn::Refused
    }

    /// Minutes an address must wait after too many failed sign-ins (one more
    /// each failure past the free ones, up to a quarter of an hour), if any.
    fn shut_out(&self, ip: IpAddr) -> Option<u64> {
        let f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let (count, at) = f.get(&ip)?;
        let minutes = u64::from(count.checked_sub(FREE_FAILURES)?).min(15);
        let wait = Duration::from_secs(60 * minutes);
        (minutes > 0 && at.elapsed() < wait).then(|| (wait - at.elapsed()).as_secs().div_ceil(60).max(1))
    }
}
