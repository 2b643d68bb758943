//! The keyring entry holding a database's key, and why a keyring did not
//! answer, in words a person can act on (no session bus, locked, refused).

use crate::crypto::DataKey;
use crate::error::CoreError;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use keyring_core::{Entry, Error};
use std::path::Path;
use std::sync::Arc;
use zeroize::Zeroizing;

pub(super) const SERVICE: &str = "org.mailwarden.desktop";

/// Why the keyring could not be used.
#[derive(Debug)]
pub struct Unreachable {
    pub reason: String,
}

impl Unreachable {
    pub fn into_core(self) -> CoreError {
        CoreError::KeyUnavailable(format!("the system keyring cannot be reached ({})", self.reason))
    }
}

fn no_session_bus() -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    // Without the variable, libdbus tries $XDG_RUNTIME_DIR/bus.
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty());
    !runtime.is_some_and(|r| Path::new(&r).join("bus").exists())
}

fn unreachable(e: Error) -> Unreachable {
    let reason = match &e {
        _ if cfg!(target_os = "linux") && no_session_bus() => {
            "no D-Bus session bus in this session (an SSH login, cron or a service), so no Secret Service".to_owned()
        }
        Error::NoStorageAccess(_) => "the keyring is locked or refused access".to_owned(),
        Error::PlatformFailure(inner) => {
            let text = inner.to_string();
            if text.to_lowercase().contains("locked") || text.to_lowercase().contains("dismissed") {
                "the keyring is locked (unlocking was not confirmed)".to_owned()
            } else {
                format!("the keyring service did not answer: {text}")
            }
        }
        other => other.to_string(),
    };
    Unreachable { reason }
}

/// This platform's keyring, reached anew for each use: a keyring that was
/// locked or not yet running answers the next call (keyring's "v1" helpers
/// keep the first answer, a failure included, for the process's life).
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    #[cfg(all(unix, not(target_os = "macos")))]
    let store = zbus_secret_service_keyring_store::Store::new()?;
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new()?;
    #[cfg(windows)]
    let store = windows_native_keyring_store::Store::new()?;
    Ok(store)
}

fn entry(account: &str) -> Result<Entry, Unreachable> {
    platform_store().and_then(|s| s.build(SERVICE, account, None)).map_err(unreachable)
}

/// The key stored under `account`; None when there is no such entry.
fn get(account: &str) -> Result<Option<DataKey>, Unreachable> {
    match entry(account)?.get_password() {
        Ok(text) => {
            let text = Zeroizing::new(text);
            let bytes = Zeroizing::new(B64.decode(text.trim()).unwrap_or_default());
            DataKey::from_bytes(&bytes)
                .map(Some)
                .ok_or_else(|| Unreachable { reason: "the keyring entry is damaged (not 32 bytes of base64)".into() })
        }
        Err(Error::NoEntry) => Ok(None),
        Err(e) => Err(unreachable(e)),
    }
}

/// The key of database `db_id`: by its id, else (databases made before ids)
/// by the path it was opened at, copied to the id's entry when found.
pub(super) fn find(db_id: &str, db: &Path) -> Result<Option<DataKey>, Unreachable> {
    let account = super::account(db_id);
    if let Some(k) = get(&account)? {
        return Ok(Some(k));
    }
    let legacy = format!("data-key {}", db.display());
    match get(&legacy)? {
        Some(k) => {
            let _ = store(&account, &k);
            Ok(Some(k))
        }
        None => Ok(None),
    }
}

/// Keep `key` under `account`, and read it back: some backends accept a
/// write they cannot keep.
pub fn store(account: &str, key: &DataKey) -> Result<(), Unreachable> {
    let e = entry(account)?;
    let text = Zeroizing::new(B64.encode(key.as_bytes()));
    e.set_password(&text).map_err(unreachable)?;
    let back = Zeroizing::new(e.get_password().map_err(unreachable)?);
    if back.as_str() != text.as_str() {
        return Err(Unreachable { reason: "the keyring accepted the key but did not keep it".into() });
    }
    Ok(())
}

/// Remove the entry (after the key moved to a file).
pub fn delete(account: &str) -> Result<(), Unreachable> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(Error::NoEntry) => Ok(()),
        Err(e) => Err(unreachable(e)),
    }
}
