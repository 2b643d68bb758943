//! The app's state, opened once at start-up. If the database cannot be opened
//! (a damaged key file, a key that doesn't match) the window still opens and
//! every command returns that error, so the UI can say what to do.

use crate::ipc_error::IpcError;
use mailwarden_core::oauth::PkceCodeVerifier;
use mailwarden_core::{clock, Mailwarden};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct AppState {
    app: Result<Mutex<Mailwarden>, IpcError>,
    db: PathBuf,
    /// Cancel flags of sign-ins in progress, by profile id.
    pub cancels: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// Manual sign-ins waiting for a pasted address: profile id → (state, PKCE verifier).
    pub manual: Mutex<HashMap<i64, (String, PkceCodeVerifier)>>,
    /// The editor holds changes not yet saved (told by the UI), so closing the
    /// window asks first.
    unsaved: AtomicBool,
}

impl AppState {
    pub fn open() -> Self {
        let db = mailwarden_core::paths::default_db_path();
        let app = Mailwarden::open(&db, clock::system()).map(Mutex::new).map_err(IpcError::from);
        AppState { app, db, cancels: Mutex::default(), manual: Mutex::default(), unsaved: AtomicBool::new(false) }
    }

    /// The core, or the start-up error.
    pub fn core(&self) -> Result<MutexGuard<'_, Mailwarden>, IpcError> {
        let m = self.app.as_ref().map_err(Clone::clone)?;
        // A panic while holding the lock leaves the data consistent (every write
        // is one SQLite transaction), so a poisoned lock can be used again.
        Ok(m.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl AppState {
    /// A second connection to the same database, for a long sign-in running on
    /// a worker thread (SQLite in WAL mode serialises the writes), so the main
    /// one stays free for the UI meanwhile.
    pub fn open_worker(&self) -> Result<Mailwarden, IpcError> {
        self.app.as_ref().map_err(Clone::clone)?;
        Mailwarden::open(&self.db, clock::system()).map_err(IpcError::from)
    }

    pub fn set_unsaved(&self, dirty: bool) {
        self.unsaved.store(dirty, Ordering::Relaxed);
    }

    pub fn unsaved(&self) -> bool {
        self.unsaved.load(Ordering::Relaxed)
    }
}
