//! Backing up and moving the data key: `key export FILE`, `key import FILE`,
//! `key move --to keyring|file` (and the app's key banner). The export is a
//! short text file naming the database it belongs to; an import is proven
//! against the database's check value before it is kept anywhere.

use super::{account, file, ring, KeyInfo};
use crate::crypto::DataKey;
use crate::error::{CoreError, Result};
use crate::paths::key_file_for;
use crate::{KeyHome, Store};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use std::path::Path;
use zeroize::Zeroizing;

const TAG: &str = "mailwarden-key-v1";

/// The text of a key backup for database `db_id`.
pub fn export_text(db_id: &str, key: &DataKey) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "# Mailwarden data key. With the database it opens every stored secret: keep it as safe as a password.\n# Restore with: mailwarden key import FILE\n{TAG} {db_id} {}\n",
        B64.encode(key.as_bytes())
    ))
}

/// The database id and key in a backup (or a bare base64 key file).
pub fn parse_export(text: &str) -> Option<(Option<String>, DataKey)> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [TAG, id, key] => file::decode(key).map(|k| (Some((*id).to_owned()), k)),
        [key] => file::decode(key).map(|k| (None, k)),
        _ => None,
    }
}

/// Write a backup of `key` to `path`: a new file, owner-only.
pub fn export_to(path: &Path, db_id: &str, key: &DataKey) -> Result<()> {
    if path.exists() {
        return Err(CoreError::invalid(
            "file",
            format!(
                "{} already exists; choose a new file name (a key backup never overwrites a file).",
                path.display()
            ),
        ));
    }
    file::write_atomic(path, export_text(db_id, key).as_bytes())
}

/// Keep `key` at `to` for `store` (verifying it reads back), record the new
/// home, and only then remove it from the old one.
pub fn place(store: &Store, key: &DataKey, to: KeyHome) -> Result<KeyInfo> {
    let key_file = key_file_for(store.path());
    let acct = account(&store.meta().id);
    match to {
        KeyHome::Keyring => ring::store(&acct, key).map_err(|e| {
            CoreError::KeyUnavailable(format!(
                "The key could not be put in the system keyring ({}). Nothing was changed.",
                e.reason
            ))
        })?,
        KeyHome::File => {
            file::write_atomic(&key_file, B64.encode(key.as_bytes()).as_bytes())?;
            let back = file::read(&key_file)?;
            if back.map(|k| *k.as_bytes()) != Some(*key.as_bytes()) {
                return Err(CoreError::KeyUnavailable(format!(
                    "The key file {} did not read back; nothing else was changed.",
                    key_file.display()
                )));
            }
        }
    }
    store.set_key_home(to)?;
    // The key now lives in one place only.
    match to {
        KeyHome::Keyring if key_file.exists() => std::fs::remove_file(&key_file).map_err(|e| {
            CoreError::io(format!("The key is in the keyring now, but {} could not be removed", key_file.display()), e)
        })?,
        KeyHome::File => {
            let _ = ring::delete(&acct);
        }
        KeyHome::Keyring => {}
    }
    Ok(match to {
        KeyHome::Keyring => super::ring_info(store),
        KeyHome::File => super::file_info(store, Some(super::file_notice(store, None))),
    })
}
