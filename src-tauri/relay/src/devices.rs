//! Devices: each legacy sender (printer, scanner, old ERP, script) gets its
//! own relay credentials mapped to one profile. The password is generated
//! (shown once) and kept only as an Argon2 hash; a device may instead be let
//! in by its source address alone (printers that cannot authenticate), and
//! may be allowed plain SMTP from its own LAN address (devices that speak
//! only TLS 1.0/1.1). Checking a password is Argon2's cost once per device
//! and process: a proven password is remembered as a keyed digest.

use super::Relay;
use crate::error::{CoreError, Result};
use crate::records::device::{check_allowed, check_name, normalise_range};
pub use crate::records::device::{Device, DeviceDraft, DeviceRow};
use crate::secret::{ExposeSecret, SecretString};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

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
        let mailbox = d.mailbox.clone().checked()?;
        let profile = self.profiles().find_profile(&d.profile)?;
        if mailbox.pop3 && profile.send_method != crate::profile::SendMethod::Graph && profile.pop3_host.is_empty() {
            return Err(CoreError::invalid(
                "pop3",
                format!("“{}” has no POP3 server: set one in the profile (POP3 host, e.g. outlook.office365.com; port 995) for POP3 to be carried there, or choose a profile that uses Graph.", profile.name),
            ));
        }
        if mailbox.pop3 && d.by_address {
            return Err(CoreError::invalid(
                "pop3",
                "Reading the mailbox needs the device's password (a POP3 client signs in): leave out --no-password.",
            ));
        }
        if mailbox.imap {
            if let Some(why) = imap_refusal(&profile, d.by_address) {
                return Err(CoreError::invalid("imap", why));
            }
        }
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
            &mailbox,
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

    /// What device `name`'s mail program is given to fetch its mailbox: one
    /// setting per POP3 or IMAP listener of the relay's settings it may use
    /// (none when the device has no mailbox access, or the relay no listener).
    pub fn mailbox_settings(&self, name: &str) -> Result<Vec<crate::records::MailboxSetting>> {
        let d = self.device(name)?;
        let relay = self.settings().get()?.relay;
        let (host, tls_on) = (crate::server::hostname(), relay.wants_tls());
        let mut listeners = Vec::new();
        if d.mailbox.pop3 {
            listeners.extend([("POP3", relay.pop3_listen, false), ("POP3", relay.pop3_tls_listen, true)]);
        }
        if d.mailbox.imap {
            listeners.extend([("IMAP", relay.imap_listen, false), ("IMAP", relay.imap_tls_listen, true)]);
        }
        let mut out = Vec::new();
        for (protocol, addr, implicit) in listeners {
            let Some(addr) = addr.and_then(|a| a.parse::<std::net::SocketAddr>().ok()) else { continue };
            let loopback = addr.ip().is_loopback();
            let security = match (implicit, tls_on) {
                (true, _) => "SSL/TLS",
                (false, true) => "STARTTLS",
                (false, false) => "None",
            };
            out.push(crate::records::MailboxSetting {
                protocol: protocol.into(),
                server: if loopback { addr.ip().to_string() } else { host.clone() },
                port: addr.port(),
                security: security.into(),
                user: d.name.clone(),
                note: loopback.then(|| "this computer only (programs running here)".into()),
            });
        }
        Ok(out)
    }

    /// A new password for the device (the old one stops working at once).
    pub fn reset_password(&self, name: &str) -> Result<SecretString> {
        let d = self.device(name)?;
        let password = generate_password()?;
        self.store.set_relay_device_password(d.id, Some(&hash(&password)?))?;
        Ok(password)
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

/// Why a device of `profile` may not read its mailbox over IMAP, if it may not.
fn imap_refusal(profile: &crate::profile::Profile, by_address: bool) -> Option<String> {
    if by_address {
        return Some(
            "Reading the mailbox needs the device's password (an IMAP client signs in): leave out --no-password."
                .into(),
        );
    }
    if profile.send_method == crate::profile::SendMethod::Graph {
        return Some(format!(
            "“{}” reads its mailbox over Microsoft Graph, not IMAP: give the device POP3 instead (--pop3).",
            profile.name
        ));
    }
    if profile.imap_host.trim().is_empty() {
        return Some(format!(
            "“{}” has no IMAP server: set one in the profile (IMAP host, e.g. outlook.office365.com) first.",
            profile.name
        ));
    }
    None
}
