//! The SQLite store: the only module that touches the database.
//!
//! One file (WAL, busy timeout, foreign keys), versioned migrations applied at
//! open ([`schema`]), every write in a transaction. Secrets are sealed by
//! [`crate::crypto`] before they reach a row ([`secrets`]); a sealed check value
//! in `settings` proves at open that the data key belongs to this database.

mod history;
mod notices;
mod profiles;
mod schema;
mod secrets;
mod settings;
mod tests_log;
mod tokens;

pub use history::{hint_of, SecretRecord};
pub use settings::Settings;
pub use tests_log::{TestKind, TestResult};
pub use tokens::{TokenRecord, TokenUpdate};

pub use profiles::StoredProfile;

use crate::crypto::{DataKey, Sealer};
use crate::error::{CoreError, Result};
use rusqlite::{Connection, OptionalExtension};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const KEY_CHECK: &[u8] = b"mailwarden key check v1";
const KEY_CHECK_AAD: &[u8] = b"mailwarden:settings:key_check";

pub struct Store {
    conn: Connection,
    sealer: Sealer,
    path: PathBuf,
    /// All rows as last read, with the `PRAGMA data_version` they were read at:
    /// reused until this connection writes or another connection commits.
    cache: RefCell<Option<(i64, Arc<Vec<StoredProfile>>)>>,
}

impl Store {
    /// Open (creating if needed) the database at `path`, sealing with `key`.
    pub fn open(path: &Path, key: &DataKey) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let mut conn = Connection::open(path)?;
        restrict_file(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Keep a whole (large) profile table in memory: the list reads every row.
        conn.pragma_update(None, "cache_size", -32_000)?;
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
        schema::migrate(&mut conn)?;
        let store = Store { conn, sealer: Sealer::new(key), path: path.to_path_buf(), cache: RefCell::new(None) };
        store.verify_key()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn verify_key(&self) -> Result<()> {
        let blob: Option<Vec<u8>> =
            self.conn.query_row("SELECT value FROM settings WHERE key = 'key_check'", [], |r| r.get(0)).optional()?;
        match blob {
            Some(b) => match self.sealer.open(&b, KEY_CHECK_AAD) {
                Ok(pt) if pt.as_slice() == KEY_CHECK => Ok(()),
                _ => Err(CoreError::KeyMismatch),
            },
            None => {
                let sealed = self.sealer.seal(KEY_CHECK, KEY_CHECK_AAD);
                self.conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('key_check', ?1)", [sealed])?;
                Ok(())
            }
        }
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| CoreError::io(format!("Could not create the data folder {}", dir.display()), e))
}

/// Owner-only permissions on the database; SQLite gives its -wal and -shm files
/// the same mode as the database file.
fn restrict_file(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(path, perms)
            .map_err(|e| CoreError::io(format!("Could not protect {}", path.display()), e))?;
    }
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests;
