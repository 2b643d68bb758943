//! Where the data key lives: the OS keyring, or a 0600 key file beside the DB.
//!
//! The keyring (Secret Service, macOS Keychain, Windows Credential Manager via
//! the `keyring` crate) is preferred; its entry is named after the database's
//! id (stored in the database), so a moved, copied or symlinked database finds
//! its key. Where no keyring answers — a headless server, CI — a *new*
//! database gets `<db>.key` (written atomically, 0600) and [`KeyInfo::notice`]
//! says so. `MAILWARDEN_KEY_BACKEND=file|keyring` forces one.
//!
//! The rule that keeps anyone from being locked out: **a key is made only for
//! a database that has none.** A database with a key-check value gets its key
//! from where it lives or not at all; when that home is unreachable (keyring
//! locked, no session bus, key file missing) the store stays locked, the
//! reason is in [`KeyInfo::problem`], and everything that needs no secret
//! still works.

mod file;
mod ring;
mod transfer;

pub use transfer::{export_text, parse_export};
pub use transfer::{export_to, place};

use crate::crypto::DataKey;
use crate::error::{CoreError, Result};
use crate::paths::key_file_for;
use crate::{KeyHome, Store};
use serde::Serialize;
use ts_rs::TS;

pub const BACKEND_ENV: &str = "MAILWARDEN_KEY_BACKEND";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum KeyBackend {
    Keyring,
    File,
}

impl From<KeyBackend> for KeyHome {
    fn from(b: KeyBackend) -> Self {
        match b {
            KeyBackend::Keyring => KeyHome::Keyring,
            KeyBackend::File => KeyHome::File,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub backend: KeyBackend,
    /// The key file's path, or the keyring entry's name.
    pub location: String,
    /// Set when the key fell back to a file: what that means and how to change it.
    pub notice: Option<String>,
    /// Set when the key could not be loaded: why, and what to do. The profiles
    /// can be read; secrets and tokens cannot until this is solved.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    Auto,
    File,
    Keyring,
}

pub fn preference() -> Result<Preference> {
    match std::env::var(BACKEND_ENV).unwrap_or_default().to_ascii_lowercase().as_str() {
        "" | "auto" => Ok(Preference::Auto),
        "file" => Ok(Preference::File),
        "keyring" => Ok(Preference::Keyring),
        other => Err(CoreError::KeyUnavailable(format!(
            "{BACKEND_ENV}={other} is not understood; use file, keyring or auto."
        ))),
    }
}

/// The keyring entry's name for a database id.
pub fn account(db_id: &str) -> String {
    format!("data-key {db_id}")
}

fn file_info(store: &Store, notice: Option<String>) -> KeyInfo {
    let path = key_file_for(store.path());
    KeyInfo { backend: KeyBackend::File, location: path.display().to_string(), notice, problem: None }
}

fn ring_info(store: &Store) -> KeyInfo {
    KeyInfo {
        backend: KeyBackend::Keyring,
        location: format!("{} / {}", ring::SERVICE, account(&store.meta().id)),
        notice: None,
        problem: None,
    }
}

fn file_notice(store: &Store, why: Option<&str>) -> String {
    let why = why.map(|w| format!(" ({w})")).unwrap_or_default();
    format!(
        "No system keyring is in use{why}: the key that encrypts your secrets is kept in {} (readable only by you). Anyone who can read both that file and the database can read the secrets. When a keyring is available, move the key there (Move it to the keyring, or `mailwarden key move`).",
        key_file_for(store.path()).display()
    )
}

/// Find (or, for a new database, make) the data key and unlock `store` with
/// it. Returns the key for the engine to keep (export, move) and where it
/// lives; Ok with a `problem` when the store stays locked.
pub fn unlock(store: &Store) -> Result<(Option<DataKey>, KeyInfo)> {
    let pref = preference()?;
    if !store.meta().has_key {
        return create(store, pref).map(|(k, i)| (Some(k), i));
    }
    find(store, pref)
}

/// The data key when it lives in this database's key file, and only then:
/// the quick path of `mailwarden token` (ARCHITECTURE.md, "The token front").
/// Anything else — a keyring home or preference, a missing, unsafe or wrong
/// key file, a home not yet recorded — is None, and changes nothing: the
/// caller hands over to [`unlock`], which finds the key or explains why not.
pub fn unlock_from_file(store: &Store) -> Option<(DataKey, KeyInfo)> {
    let pref = preference().ok()?;
    if pref == Preference::Keyring || store.meta().key_home != Some(KeyHome::File) {
        return None;
    }
    let key = file::read(&key_file_for(store.path())).ok()??;
    store.unlock(&key).ok()?;
    Some((key, file_info(store, Some(file_notice(store, None)))))
}

/// A new database: a new key, in the keyring when one answers.
fn create(store: &Store, pref: Preference) -> Result<(DataKey, KeyInfo)> {
    let key = DataKey::generate();
    let info = match pref {
        Preference::File => {
            file::write_new(&key_file_for(store.path()), &key)?;
            file_info(store, Some(file_notice(store, Some("MAILWARDEN_KEY_BACKEND=file"))))
        }
        Preference::Keyring | Preference::Auto => match ring::store(&account(&store.meta().id), &key) {
            Ok(()) => ring_info(store),
            Err(e) if pref == Preference::Keyring => {
                return Err(CoreError::KeyUnavailable(format!(
                    "The system keyring is not available ({}). Unlock or start it (GNOME Keyring, KWallet), or set {BACKEND_ENV}=file to keep the key in a file beside the database.",
                    e.reason
                )))
            }
            Err(e) => {
                file::write_new(&key_file_for(store.path()), &key)?;
                file_info(store, Some(file_notice(store, Some(&e.reason))))
            }
        },
    };
    store.unlock(&key)?;
    tracing::info!(home = ?info.backend, "a new data key was made for a new database");
    store.set_key_home(info.backend.into())?;
    Ok((key, info))
}

/// An existing database: its key from where it lives, never a new one.
fn find(store: &Store, pref: Preference) -> Result<(Option<DataKey>, KeyInfo)> {
    let key_file = key_file_for(store.path());
    let home = store.meta().key_home.unwrap_or(if key_file.exists() { KeyHome::File } else { KeyHome::Keyring });
    let order: &[KeyHome] = match pref {
        Preference::File => &[KeyHome::File],
        Preference::Keyring => &[KeyHome::Keyring],
        Preference::Auto if home == KeyHome::File => &[KeyHome::File, KeyHome::Keyring],
        Preference::Auto => &[KeyHome::Keyring, KeyHome::File],
    };
    let mut problems = Vec::new();
    let mut mismatch = false;
    for &place in order {
        let found = match place {
            KeyHome::File => file::read(&key_file),
            KeyHome::Keyring => {
                store.share(); // a keyring may wait on a person (an unlock prompt)
                ring::find(&store.meta().id, store.path()).map_err(|e| e.into_core())
            }
        };
        match found {
            Ok(Some(key)) => match store.unlock(&key) {
                Ok(()) => {
                    if store.meta().key_home != Some(place) {
                        store.set_key_home(place)?;
                    }
                    let info = match place {
                        KeyHome::Keyring => ring_info(store),
                        KeyHome::File => file_info(store, Some(file_notice(store, None))),
                    };
                    return Ok((Some(key), info));
                }
                Err(CoreError::KeyMismatch) => mismatch = true,
                Err(e) => return Err(e),
            },
            Ok(None) => problems.push(match place {
                KeyHome::File => format!("the key file {} is missing", key_file.display()),
                KeyHome::Keyring => "the system keyring has no entry for this database".to_owned(),
            }),
            // A key file that is unsafe or damaged is an error to fix, not a
            // reason to look elsewhere.
            Err(e @ CoreError::KeyUnavailable(_)) if place == KeyHome::File => return Err(e),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if mismatch && problems.is_empty() {
        return Err(CoreError::KeyMismatch);
    }
    let problem = locked_problem(home, &problems, mismatch);
    tracing::warn!(problems = %problems.join("; "), "the data key is not reachable: secrets locked");
    store.set_locked(problem.clone());
    let mut info = match home {
        KeyHome::Keyring => ring_info(store),
        KeyHome::File => file_info(store, None),
    };
    info.problem = Some(problem);
    Ok((None, info))
}

fn locked_problem(home: KeyHome, problems: &[String], mismatch: bool) -> String {
    let what = problems.join("; ");
    let fix = match home {
        KeyHome::Keyring => "Unlock the keyring (log in to the desktop, or start gnome-keyring-daemon / KWallet in this session) and try again; on a machine without a keyring, import a key backup with `mailwarden key import FILE`.",
        KeyHome::File => "Put the key file back (from a backup), or import a key backup with `mailwarden key import FILE`.",
    };
    let other = if mismatch { " A key was found elsewhere, but it belongs to another database." } else { "" };
    format!(
        "The key that opens this database's secrets is not reachable now: {what}.{other} Profiles can be listed and read, but secrets and tokens cannot be used until the key is back. Nothing was changed and no new key was made. {fix}"
    )
}
