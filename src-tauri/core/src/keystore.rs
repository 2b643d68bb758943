//! Where the data key lives: the OS keyring, or a 0600 key file beside the DB.
//!
//! The keyring (Secret Service, macOS Keychain, Windows Credential Manager via the
//! `keyring` crate) is preferred. Where none answers — a headless server, CI — the
//! key goes to `<db>.key` with mode 0600 and [`KeyInfo::notice`] says so, for the
//! GUI banner and `mailwarden doctor`. `MAILWARDEN_KEY_BACKEND=file|keyring` forces
//! one. A key file that already exists always wins, so a database never silently
//! switches keys.

use crate::crypto::{DataKey, KEY_LEN};
use crate::error::{CoreError, Result};
use crate::paths::key_file_for;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use ts_rs::TS;
use zeroize::Zeroizing;

pub const BACKEND_ENV: &str = "MAILWARDEN_KEY_BACKEND";
const SERVICE: &str = "org.mailwarden.desktop";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum KeyBackend {
    Keyring,
    File,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub backend: KeyBackend,
    /// The key file's path, or the keyring entry's name.
    pub location: String,
    /// Set when the key fell back to a file: what that means and how to change it.
    pub notice: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Preference {
    Auto,
    File,
    Keyring,
}

fn preference() -> Result<Preference> {
    match std::env::var(BACKEND_ENV).unwrap_or_default().to_ascii_lowercase().as_str() {
        "" | "auto" => Ok(Preference::Auto),
        "file" => Ok(Preference::File),
        "keyring" => Ok(Preference::Keyring),
        other => Err(CoreError::KeyUnavailable(format!(
            "{BACKEND_ENV}={other} is not understood; use file, keyring or auto."
        ))),
    }
}

/// Load the data key for the database at `db`, creating one if none exists.
pub fn load_or_create(db: &Path) -> Result<(DataKey, KeyInfo)> {
    let key_file = key_file_for(db);
    let pref = preference()?;
    if pref == Preference::File || (pref == Preference::Auto && key_file.exists()) {
        let why = (pref == Preference::File).then_some("MAILWARDEN_KEY_BACKEND=file");
        let notice = file_notice(&key_file, why);
        return Ok((file_key(&key_file)?, file_info(&key_file, Some(notice))));
    }
    let account = format!("data-key {}", db.display());
    match keyring_key(&account) {
        Ok(key) => Ok((key, KeyInfo { backend: KeyBackend::Keyring, location: format!("{SERVICE} / {account}"), notice: None })),
        Err(e) if pref == Preference::Keyring => Err(CoreError::KeyUnavailable(format!(
            "The system keyring is not available ({e}). Unlock or start it (GNOME Keyring, KWallet), or set {BACKEND_ENV}=file to keep the key in a file beside the database."
        ))),
        Err(e) => {
            let notice = file_notice(&key_file, Some(&e.to_string()));
            Ok((file_key(&key_file)?, file_info(&key_file, Some(notice))))
        }
    }
}

fn file_info(path: &Path, notice: Option<String>) -> KeyInfo {
    KeyInfo { backend: KeyBackend::File, location: path.display().to_string(), notice }
}

fn file_notice(path: &Path, why: Option<&str>) -> String {
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    format!(
        "No system keyring is in use{why}: the key that encrypts your secrets is kept in {} (readable only by you). Anyone who can read both that file and the database can read the secrets.",
        path.display()
    )
}

fn keyring_key(account: &str) -> std::result::Result<DataKey, keyring::Error> {
    let entry = keyring::Entry::new(SERVICE, account)?;
    match entry.get_password() {
        Ok(text) => {
            let text = Zeroizing::new(text);
            decode(&text).ok_or_else(|| keyring::Error::Invalid("data key".into(), "not 32 bytes of base64".into()))
        }
        Err(keyring::Error::NoEntry) => {
            let key = DataKey::generate();
            let text = Zeroizing::new(B64.encode(key.as_bytes()));
            entry.set_password(&text)?;
            // Read it back: some backends accept a write they cannot keep.
            let back = Zeroizing::new(entry.get_password()?);
            if back.as_str() != text.as_str() {
                return Err(keyring::Error::Invalid("data key".into(), "did not read back".into()));
            }
            Ok(key)
        }
        Err(e) => Err(e),
    }
}

fn decode(text: &str) -> Option<DataKey> {
    let bytes = Zeroizing::new(B64.decode(text.trim()).ok()?);
    DataKey::from_bytes(&bytes)
}

fn file_key(path: &Path) -> Result<DataKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            decode(&text).ok_or_else(|| {
                CoreError::KeyUnavailable(format!(
                    "The key file {} is damaged (it must hold {KEY_LEN} bytes of base64). Restore it from a backup.",
                    path.display()
                ))
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = DataKey::generate();
            write_private(path, B64.encode(key.as_bytes()).as_bytes())?;
            Ok(key)
        }
        Err(e) => Err(CoreError::io(format!("Could not read the key file {}", path.display()), e)),
    }
}

/// Create `path` readable and writable by the owner only, failing if it exists.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let ctx = || format!("Could not create the key file {}", path.display());
    let mut f = opts.open(path).map_err(|e| CoreError::io(ctx(), e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| CoreError::io(ctx(), e))
}
