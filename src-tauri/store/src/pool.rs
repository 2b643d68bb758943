//! A small pool of SQLite connections to one database file, so the engine is
//! `Sync`: the desktop's commands, its background watcher and a sign-in worker
//! share one store, each taking a connection for the length of one call.
//!
//! Each pooled connection carries its own cache of the profile list, keyed by
//! that connection's `PRAGMA data_version` (which changes whenever *another*
//! connection — of this pool or of another process — commits) and dropped on
//! its own writes. Hand-written because r2d2/deadpool bring a thread or an async
//! runtime for what is a mutex around a `Vec`.

use crate::error::Result;
use crate::profile::{ProfileRow, StoredProfile};
use rusqlite::Connection;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Idle connections kept open; more are opened when calls overlap.
const KEEP: usize = 4;

/// A list as read at a `PRAGMA data_version`.
pub(super) type Snapshot<T> = Option<(i64, Arc<Vec<T>>)>;

pub(super) struct Conn {
    pub conn: Connection,
    /// Opened holding the database alone ([`Pool::brief`]).
    alone: bool,
    /// The profiles as last read on this connection, at this `data_version`.
    pub cache: Snapshot<StoredProfile>,
    /// The list pane's rows as last read, likewise.
    pub rows: Snapshot<Arc<ProfileRow>>,
}

impl Conn {
    fn new(conn: Connection, alone: bool) -> Conn {
        Conn { conn, alone, cache: None, rows: None }
    }

    /// Drop what was read through this connection (after it wrote).
    pub fn forget(&mut self) {
        self.cache = None;
        self.rows = None;
    }
}

pub(super) struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Conn>>,
    /// A brief process's hold on the database is still wanted.
    alone: AtomicBool,
}

/// A connection on loan from the pool; it goes back when dropped.
pub(super) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<Conn>,
}

impl Pool {
    /// A pool whose first connection is `first` (`alone`: it holds the
    /// database alone, see [`Pool::brief`]).
    pub fn new(path: &Path, first: Connection, alone: bool) -> Pool {
        Pool {
            path: path.to_path_buf(),
            idle: Mutex::new(vec![Conn::new(first, alone)]),
            alone: AtomicBool::new(alone),
        }
    }

    /// The first connection of a process that lives for a moment (the CLI's
    /// `token`, run by msmtp before every message): when no other process has
    /// the database open, it takes it alone (`locking_mode=EXCLUSIVE` before
    /// the first read), so SQLite keeps the WAL index in this process's memory
    /// instead of truncating and rebuilding the shared `-shm` file — a third
    /// of that call's system time. When another process has it open (the
    /// app, the relay), this falls back at once to an ordinary connection.
    /// The hold ends with [`Pool::share`], before anything that waits on the
    /// outside world. Returns the connection and whether it holds alone.
    pub fn brief(path: &Path) -> Result<(Connection, bool)> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "locking_mode", "EXCLUSIVE")?;
        conn.busy_timeout(Duration::ZERO)?;
        // The first read takes the lock (and reads the schema, needed anyway).
        match conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())) {
            Ok(()) => Ok((configure(conn, true)?, true)),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => Ok((connect(path)?, false)),
            Err(e) => Err(e.into()),
        }
    }

    /// End a brief hold: connections from now on share the database (the
    /// held one closes when it is next returned, or now if idle). Called
    /// before waiting on a lock, the network or a keyring prompt, so no other
    /// process waits on this one meanwhile. Cheap when there is no hold.
    pub fn share(&self) {
        if self.alone.swap(false, Ordering::AcqRel) {
            self.idle.lock().unwrap_or_else(|p| p.into_inner()).retain(|c| !c.alone);
        }
    }

    pub fn get(&self) -> Result<Pooled<'_>> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => Conn::new(connect(&self.path)?, false),
        };
        Ok(Pooled { pool: self, conn: Some(conn) })
    }

    /// Forget every connection's cached list (after a write by this process
    /// on any connection, data_version already tells the others; this is for
    /// callers that want a fresh read regardless).
    pub fn invalidate_all(&self) {
        for c in self.idle.lock().unwrap_or_else(|p| p.into_inner()).iter_mut() {
            c.forget();
        }
    }
}

/// A process that wrote checkpoints as it closes, so the database file on
/// its own (a copy, a backup) holds what was written; one that only read
/// closes without touching the disk.
impl Drop for Pool {
    fn drop(&mut self) {
        let idle = self.idle.get_mut().unwrap_or_else(|p| p.into_inner());
        for c in idle.iter() {
            if c.conn.total_changes() > 0 {
                // TRUNCATE leaves an empty WAL: the next process has no
                // frames to read back into the index before its first read.
                let _ = c.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
            }
        }
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            if c.alone && !self.pool.alone.load(Ordering::Acquire) {
                return; // the hold was given up while on loan: close it
            }
            let mut idle = self.pool.idle.lock().unwrap_or_else(|p| p.into_inner());
            if idle.len() < KEEP {
                idle.push(c);
            }
        }
    }
}

impl Pooled<'_> {
    pub fn slot(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a pooled connection is present until dropped")
    }
}

impl Deref for Pooled<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn.as_ref().expect("a pooled connection is present until dropped").conn
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.slot().conn
    }
}

/// Keep the `-wal` file when the last connection closes (truncated, not
/// deleted): otherwise every short-lived process (`mailwarden token` from
/// msmtp) creates and deletes it, with the fsyncs that go with it. rusqlite
/// has no safe call for this file control, hence the FFI.
fn persist_wal(conn: &Connection) {
    let mut on: std::ffi::c_int = 1;
    // SAFETY: the handle is this open connection's; "main" is a valid
    // NUL-terminated schema name; SQLITE_FCNTL_PERSIST_WAL takes a pointer
    // to an int that lives for the call.
    unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_PERSIST_WAL,
            (&mut on as *mut std::ffi::c_int).cast(),
        );
    }
}

/// Open one connection with the settings every connection needs. WAL is a
/// property of the file (set once at creation). `synchronous=NORMAL` for
/// bookkeeping; token and key writes switch to FULL around their commit
/// ([`super::durable`]) so a rotation survives a power cut.
pub(super) fn connect(path: &Path) -> Result<Connection> {
    configure(Connection::open(path)?, false)
}

fn configure(conn: Connection, brief: bool) -> Result<Connection> {
    persist_wal(&conn);
    // No checkpoint when a connection closes: a process that only read (the
    // cached `mailwarden token`) then closes without fsyncs. Writers
    // checkpoint as they go (wal_autocheckpoint).
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")?;
    if !brief {
        // Keep a whole (large) profile table in memory: the list reads every
        // row. (A brief process reads a few rows once: the defaults do.)
        conn.execute_batch("PRAGMA cache_size = -32000; PRAGMA mmap_size = 268435456")?;
    }
    Ok(conn)
}
