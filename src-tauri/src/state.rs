//! The app's state, opened once at start-up. If the database cannot be opened
//! (a damaged key file, a key that doesn't match) the window still opens and
//! every command returns that error, so the UI can say what to do.

use crate::ipc_error::IpcError;
use mailwarden_core::{clock, Mailwarden};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

pub struct AppState {
    app: Result<Mutex<Mailwarden>, IpcError>,
    /// The editor holds changes not yet saved (told by the UI), so closing the
    /// window asks first.
    unsaved: AtomicBool,
}

impl AppState {
    pub fn open() -> Self {
        let db = mailwarden_core::paths::default_db_path();
        let app = Mailwarden::open(&db, clock::system()).map(Mutex::new).map_err(IpcError::from);
        AppState { app, unsaved: AtomicBool::new(false) }
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
    pub fn set_unsaved(&self, dirty: bool) {
        self.unsaved.store(dirty, Ordering::Relaxed);
    }

    pub fn unsaved(&self) -> bool {
        self.unsaved.load(Ordering::Relaxed)
    }
}
