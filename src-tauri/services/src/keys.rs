//! The keys service: where the data key lives, and backing it up,
//! restoring and moving it.

use crate::error::{CoreError, Result};
use crate::keystore::{self, KeyInfo};
use crate::store::KeyHome;
use std::path::Path;
use std::sync::Arc;

crate::context::service!(
    /// The data key: back up, restore, move.
    Keys
);

impl Keys<'_> {
    /// Where the key lives, and why it could not be loaded if so.
    pub fn info(&self) -> KeyInfo {
        self.0.key_info()
    }

    /// The text of a key backup (for `key export -` into a pipe).
    pub fn backup_text(&self) -> Result<zeroize::Zeroizing<String>> {
        Ok(keystore::export_text(&self.store.meta().id, &*self.data_key()?))
    }

    /// Write a backup of the data key to `path` (a new file, 0600).
    pub fn export(&self, path: &Path) -> Result<()> {
        keystore::export_to(path, &self.store.meta().id, &*self.data_key()?)
    }

    /// As [`Self::import`], from a backup read from `from` (a file, standard
    /// input); a backup is a few lines, so at most 64 KB are read.
    pub fn import_from(&self, from: impl std::io::Read, what: &Path, to: Option<KeyHome>) -> Result<KeyInfo> {
        use std::io::Read;
        let mut text = String::new();
        from.take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|e| CoreError::io(format!("Could not read {}", what.display()), e))?;
        self.import(&text, to)
    }

    /// Bring back a key from a backup's text: proven against this database,
    /// kept at `to` (or where this database's key belongs), then used.
    pub fn import(&self, text: &str, to: Option<KeyHome>) -> Result<KeyInfo> {
        let (_, key) = keystore::parse_export(text).ok_or_else(|| {
            CoreError::invalid("file", "This is not a Mailwarden key backup (made by `mailwarden key export`).")
        })?;
        if !self.store.key_fits(&key)? {
            return Err(CoreError::invalid(
                "file",
                "This key belongs to another database: it does not open this one's secrets. Nothing was changed.",
            ));
        }
        let to = match to {
            Some(to) => to,
            None => self.store.key_home()?.unwrap_or(KeyHome::Keyring),
        };
        let info = keystore::place(&self.store, &key, to)?;
        self.store.unlock(&key)?;
        self.set_key(Some(Arc::new(key)), info.clone());
        Ok(info)
    }

    /// Move the data key to the keyring or to a key file beside the database.
    pub fn move_to(&self, to: KeyHome) -> Result<KeyInfo> {
        let key = self.data_key()?;
        let info = keystore::place(&self.store, &key, to)?;
        self.set_key(None, info.clone());
        Ok(info)
    }
}
