//! Devices: each legacy sender (printer, scanner, old ERP, script) gets its
//! own relay credentials mapped to one profile. The password is generated
//! (shown once) and kept only as an Argon2 hash; a device may instead be let
//! in by its source address alone (printers that cannot authenticate), and
//! may be allowed plain SMTP from its own LAN address (devices that speak
//! only TLS 1.0/1.1). Checking a password is Argon2's cost once per device
//! and process: a proven password is remembered as a keyed digest.

use super::Relay;
use crate::error::{CoreError, Result};
use crate::secret::{ExposeSecret, SecretString};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use ipnet::IpNet;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use ts_rs::TS;

/// A device as people see it (never its password or hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    #[ts(type = "number")]
    pub id: i64,
    /// Its relay user name (what it sends in AUTH).
    pub name: String,
    #[ts(type = "number")]
    pub profile_id: i64,
    pub profile_name: String,
    /// False: let in by its source address alone.
    pub has_password: bool,
    /// Source addresses it may connect from (CIDR); empty: any the listener takes.
    pub allowed: Vec<String>,
    /// May send without TLS (from its allowed addresses only).
    pub plain_ok: bool,
    /// The From is rewritten to the profile's mailbox when the device's own
    /// may not be sent as (the original kept in Reply-To).
    pub rewrite_from: bool,
    pub created_at: String,
    pub last_seen: Option<String>,
    /// What to worry about in its ranges (wider than one subnet; a range
    /// that means anyone, from an older version), for `relay status`, the
    /// window and `check`.
    pub warning: Option<String>,
}

/// A stored device with its hash (for the relay's checks only).
#[derive(Clone)]
pub struct DeviceRow {
    pub device: Device,
    pub password_hash: Option<String>,
}

/// What `relay device add` (and the window's form) takes.
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct DeviceDraft {
    pub name: String,
    pub profile: String,
    /// No password: let in by source address alone (needs `allowed`).
    pub by_address: bool,
    pub allowed: Vec<String>,
    pub plain_ok: bool,
    pub keep_from: bool,
    /// The person confirmed a range wider than a /24 (IPv4) or /64 (IPv6).
    pub allow_wide: bool,
}

impl Device {
    /// Whether `ip` is one of the device's allowed sources (an IPv4 peer on
    /// an IPv6 listener, `::ffff:a.b.c.d`, is the IPv4 address). A range
    /// that means anyone (`/0`, stored by an older version) lets no one in.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.allowed.is_empty() || self.match_len(ip).is_some()
    }

    /// The longest of the device's ranges holding `ip` (its prefix length),
    /// so that where ranges of two devices overlap the most specific wins.
    pub fn match_len(&self, ip: IpAddr) -> Option<u8> {
        let ip = ip.to_canonical();
        self.allowed
            .iter()
            .filter_map(|a| a.parse::<IpNet>().ok())
            .filter(|n| n.prefix_len() > 0 && n.contains(&ip))
            .map(|n| n.prefix_len())
            .max()
    }

    /// What a person should know about the device's ranges, if anything.
    pub fn range_warning(allowed: &[String], has_password: bool) -> Option<String> {
        let nets: Vec<IpNet> = allowed.iter().filter_map(|a| a.parse().ok()).collect();
        if let Some(n) = nets.iter().find(|n| n.prefix_len() == 0) {
            return Some(format!(
                "{n} means any address: it lets no one in. Remove the device and add it again with its own address."
            ));
        }
        let wide: Vec<String> = nets.iter().filter(|n| is_wide(n)).map(|n| n.to_string()).collect();
        if wide.is_empty() {
            return None;
        }
        let who = if has_password { "may sign in" } else { "sends as its mailbox without a password" };
        Some(format!(
            "{} is wider than one subnet: every computer there {who}. Narrow it to the device's own address if you can.",
            wide.join(", ")
        ))
    }
}

/// Wider than a /24 (IPv4) or a /64 (IPv6): more than one subnet.
fn is_wide(n: &IpNet) -> bool {
    match n {
        IpNet::V4(n) => n.prefix_len() < 24,
        IpNet::V6(n) => n.prefix_len() < 64,
    }
}

/// A relay password: 24 characters from an alphabet without look-alikes, so
/// it can be typed into a printer's web page.
fn generate_password() -> Result<SecretString> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| CoreError::Crypto(format!("no random numbers: {e}")))?;
    Ok(SecretString::from(bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect::<String>()))
}

fn hash(password: &SecretString) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Crypto(format!("could not hash the password: {e}")))
}

fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(
            "name",
            "A device name is its relay user name: 1 to 64 letters, digits, '.', '_', '-' or '@' (printers take nothing else).",
        ))
    }
}

/// Each range is CIDR, names a network (no host bits set: `10.0.0.5/24` is
/// a typo of either `10.0.0.5` or `10.0.0.0/24`), is not `/0` (anyone), and
/// is no wider than a /24 or /64 unless the person confirmed it.
fn check_allowed(allowed: &[String], allow_wide: bool) -> Result<()> {
    for a in allowed {
        let Ok(net) = a.parse::<IpNet>() else {
            return Err(CoreError::invalid(
                "allowed",
                format!("\"{a}\" is not an address range: write it as CIDR, e.g. 192.168.1.20/32 or 10.0.0.0/24."),
            ));
        };
        if net.prefix_len() == 0 {
            return Err(CoreError::invalid(
                "allowed",
                format!("\"{a}\" means any address on any network: name the device's own address (192.168.1.20) or its subnet (192.168.1.0/24)."),
            ));
        }
        if net.trunc() != net {
            return Err(CoreError::invalid(
                "allowed",
                format!(
                    "\"{a}\" has host bits set: write {} for that one address, or {} for its network.",
                    net.addr(),
                    net.trunc()
                ),
            ));
        }
        if is_wide(&net) && !allow_wide {
            return Err(CoreError::invalid(
                "allowed",
                format!(
                    "\"{a}\" is wider than one subnet (/24 for IPv4, /64 for IPv6): every computer in it could send. \
                     Name the device's own address, or confirm the range (--allow-wide; in the window, the box under the field)."
                ),
            ));
        }
    }
    Ok(())
}

impl Relay<'_> {
    pub fn devices(&self) -> Result<Vec<Device>> {
        Ok(self.store.relay_devices()?.into_iter().map(|r| r.device).collect())
    }

    /// Add a device; its generated password is returned once (None when it is
    /// let in by address alone).
    pub fn add_device(&self, d: &DeviceDraft) -> Result<(Device, Option<SecretString>)> {
        check_name(&d.name)?;
        let allowed: Vec<String> = d.allowed.iter().map(|a| normalise_range(a)).collect();
        check_allowed(&allowed, d.allow_wide)?;
        if d.by_address && allowed.is_empty() {
            return Err(CoreError::invalid(
                "allowed",
                "A device without a password is let in by its address: name it (--allow 192.168.1.20/32).",
            ));
        }
        if d.plain_ok && allowed.is_empty() {
            return Err(CoreError::invalid(
                "allowed",
                "Plain SMTP (no TLS) is allowed only from the device's own address: name it (--allow 192.168.1.20/32).",
            ));
        }
        let profile = self.profiles().find_profile(&d.profile)?;
        let password = if d.by_address { None } else { Some(generate_password()?) };
        let hash = password.as_ref().map(hash).transpose()?;
        let now = crate::clock::rfc3339(self.clock.now());
        self.store.insert_relay_device(
            &d.name,
            profile.id,
            hash.as_deref(),
            &allowed,
            d.plain_ok,
            !d.keep_from,
            &now,
        )?;
        let device = self.device(&d.name)?;
        tracing::info!(device = %device.name, profile = profile.id, "relay: device added");
        Ok((device, password))
    }

    pub fn device(&self, name: &str) -> Result<Device> {
        Ok(self.device_row(name)?.device)
    }

    pub(crate) fn device_row(&self, name: &str) -> Result<DeviceRow> {
        self.store.relay_device(name)?.ok_or_else(|| {
            CoreError::NotFound(format!(
                "No relay device \"{name}\" exists. `mailwarden relay device list` shows them."
            ))
        })
    }

    pub fn remove_device(&self, name: &str) -> Result<()> {
        let d = self.device(name)?;
        self.store.delete_relay_device(d.id)
    }

    /// A new password for the device (the old one stops working at once).
    pub fn reset_password(&self, name: &str) -> Result<SecretString> {
        let d = self.device(name)?;
        let password = generate_password()?;
        self.store.set_relay_device_password(d.id, Some(&hash(&password)?))?;
        Ok(password)
    }
}

/// `192.168.1.20` → `192.168.1.20/32` (a single address is a range of one).
fn normalise_range(a: &str) -> String {
    let a = a.trim();
    match a.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => format!("{a}/32"),
        Ok(IpAddr::V6(_)) => format!("{a}/128"),
        Err(_) => a.to_owned(),
    }
}

/// Checks device passwords for a running relay: Argon2 once per device and
/// password, then a digest keyed by a per-process random key.
pub struct Passwords {
    key: [u8; 32],
    proven: Mutex<HashMap<(i64, String), [u8; 32]>>,
}

impl Passwords {
    pub fn new() -> Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| CoreError::Crypto(format!("no random numbers: {e}")))?;
        Ok(Passwords { key, proven: Mutex::default() })
    }

    fn digest(&self, password: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(password);
        h.finalize().into()
    }

    /// Whether `password` is the device's (`row`'s hash).
    pub fn verify(&self, row: &DeviceRow, password: &[u8]) -> bool {
        let Some(stored) = &row.password_hash else { return false };
        let key = (row.device.id, stored.clone());
        let digest = self.digest(password);
        let mut proven = self.proven.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(known) = proven.get(&key) {
            // Equal length arrays; compared in full either way.
            return known.iter().zip(digest.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
        }
        drop(proven);
        let ok = PasswordHash::new(stored).is_ok_and(|h| Argon2::default().verify_password(password, &h).is_ok());
        if ok {
            proven = self.proven.lock().unwrap_or_else(|p| p.into_inner());
            proven.insert(key, digest);
        }
        ok
    }
}
