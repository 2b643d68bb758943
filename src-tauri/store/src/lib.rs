//! The store: everything Mailwarden keeps. The SQLite database (the only
//! code that touches it), the sealing of secrets ([`crypto`]), where the data
//! key lives ([`keystore`]), and the relay's queue of messages on disk
//! ([`spool`]). It depends on the model only: the services above read and
//! write through it, and only the tokens service writes tokens.
//!
//! One file (WAL, busy timeout, foreign keys) shared through a small pool of
//! connections ([`pool`]), versioned migrations applied at open ([`schema`]),
//! every write in a transaction. Secrets are sealed by [`crate::crypto`] before
//! they reach a row ([`secrets`]). The store opens *without* its data key: the
//! database's id and whether it already has a key are read first, so the
//! keystore never makes a new key for a database that has one; [`Store::unlock`]
//! then proves the key against the sealed check value in `settings`. A store
//! left locked still lists and shows profiles; reading a secret says why not.

mod certificates;
pub mod crypto;
mod dirsync;
mod handovers;
mod history;
pub mod inbound;
pub mod keystore;
mod meta;
mod notices;
mod pool;
mod profiles;
mod relay_devices;
mod rows;
mod schema;
mod secrets;
mod settings_row;
pub mod spool;
mod test_results;
mod tokens;
mod trash;
mod watch;

pub use watch::Watch;

// The model's modules under the names this crate's code uses.
pub use mailwarden_model::{clock, diagnosis, error, logging, paths, profile, records, secret, settings};

pub use certificates::CertificateEnd;
pub use meta::{DbMeta, KeyHome};
pub use tokens::{Cached, Expect, TokenLock, TokenUpdate};
pub use trash::DeletedProfile;

use crate::crypto::{DataKey, Sealer};
use crate::error::{CoreError, Result};
use pool::{Pool, Pooled};
use rusqlite::OptionalExtension;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

const KEY_CHECK: &[u8] = b"mailwarden key check v1";
const KEY_CHECK_AAD: &[u8] = b"mailwarden:settings:key_check";

pub struct Store {
    pool: Pool,
    /// The sealer once the key is proven, else why there is none.
    sealer: RwLock<std::result::Result<Arc<Sealer>, String>>,
    path: PathBuf,
    meta: DbMeta,
}

impl Store {
    /// Open (creating if needed) the database at `path` and unlock it with `key`
    /// (for tests: a real program finds its key through the keystore).
    #[doc(hidden)]
    pub fn open(path: &Path, key: &DataKey) -> Result<Store> {
        let store = Store::open_for(path, false)?;
        store.unlock(key)?;
        Ok(store)
    }

    /// Open (creating if needed) the database at `path` without its key: the
    /// data folder is created 0700 and the file 0600 before SQLite touches it.
    /// `brief`: for a process that lives for a moment, which holds an
    /// existing database alone while nothing else has it open
    /// ([`Pool::brief`]) until [`Store::share`].
    pub fn open_for(path: &Path, brief: bool) -> Result<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        create_private_file(path)?;
        let existing = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        let (mut conn, alone) = if brief && existing { Pool::brief(path)? } else { (pool::connect(path)?, false) };
        if !schema::is_current(&conn)? {
            // WAL is a property of the file: set once, with the schema.
            conn.pragma_update(None, "journal_mode", "WAL")?;
            schema::migrate(&mut conn)?;
        }
        let meta = meta::read_or_init(&conn)?;
        Ok(Store {
            pool: Pool::new(path, conn, alone),
            sealer: RwLock::new(Err("The data key has not been loaded yet.".into())),
            path: path.to_path_buf(),
            meta,
        })
    }

    /// Give up a brief process's hold on the database, before waiting on
    /// anything outside this process (a lock, the network, a keyring).
    pub fn share(&self) {
        self.pool.share();
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The data folder: the database's own (the log, the key file and the
    /// relay's queue live beside it).
    pub fn data_dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// The relay's queue in this data folder, for looking (creates nothing).
    pub fn spool(&self) -> spool::Spool {
        spool::Spool::view(self.data_dir())
    }

    /// The database's id, whether it has a key, and where that key lives.
    pub fn meta(&self) -> &DbMeta {
        &self.meta
    }

    fn conn(&self) -> Result<Pooled<'_>> {
        self.pool.get()
    }

    /// Prove `key` against this database's check value (writing the check
    /// value for a new database) and use it from now on.
    pub fn unlock(&self, key: &DataKey) -> Result<()> {
        let sealer = Sealer::new(key);
        let conn = self.conn()?;
        let blob = match &self.meta.key_check {
            Some(b) => Some(b.clone()),
            None => {
                conn.query_row("SELECT value FROM settings WHERE key = 'key_check'", [], |r| r.get(0)).optional()?
            }
        };
        match blob {
            Some(b) => match sealer.open(&b, KEY_CHECK_AAD) {
                Ok(pt) if pt.as_slice() == KEY_CHECK => {}
                _ => return Err(CoreError::KeyMismatch),
            },
            None => {
                let sealed = sealer.seal(KEY_CHECK, KEY_CHECK_AAD);
                durable(&conn, || {
                    conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('key_check', ?1)", [sealed])
                        .map_err(CoreError::from)
                })?;
            }
        }
        *self.sealer.write().unwrap_or_else(|p| p.into_inner()) = Ok(Arc::new(sealer));
        Ok(())
    }

    /// Whether `key` opens this database (for `key import`), without using it.
    pub fn key_fits(&self, key: &DataKey) -> Result<bool> {
        let blob: Option<Vec<u8>> = self
            .conn()?
            .query_row("SELECT value FROM settings WHERE key = 'key_check'", [], |r| r.get(0))
            .optional()?;
        Ok(match blob {
            Some(b) => Sealer::new(key).open(&b, KEY_CHECK_AAD).is_ok_and(|pt| pt.as_slice() == KEY_CHECK),
            None => true,
        })
    }

    /// Leave the store locked, saying why (the key's home is unreachable).
    pub fn set_locked(&self, why: String) {
        *self.sealer.write().unwrap_or_else(|p| p.into_inner()) = Err(why);
    }

    /// The sealer, or the reason the secrets cannot be read now.
    fn sealer(&self) -> Result<Arc<Sealer>> {
        self.sealer.read().unwrap_or_else(|p| p.into_inner()).clone().map_err(CoreError::KeyUnavailable)
    }
}

/// Run `write` with `synchronous=FULL`: its commit reaches the disk before it
/// returns (token and key writes), then go back to NORMAL.
pub fn durable<T, E: From<rusqlite::Error>>(
    conn: &rusqlite::Connection,
    write: impl FnOnce() -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    let out = write();
    let back = conn.pragma_update(None, "synchronous", "NORMAL");
    let out = out?;
    back?;
    Ok(out)
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

/// Create the database file owner-only before SQLite opens it (SQLite gives
/// its -wal and -shm files the database file's mode), so it is never readable
/// by others, not even for a moment.
fn create_private_file(path: &Path) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(CoreError::io(format!("Could not create the database {}", path.display()), e)),
    }
}

#[cfg(test)]
mod tests;
