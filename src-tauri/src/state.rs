//! The app's state, opened once at start-up: one engine for every command, the
//! background watcher and sign-in workers (no second connection, no second
//! keyring lookup). If the database cannot be opened (a damaged key file, a
//! key that doesn't match) the window still opens and every command returns
//! that error, so the UI can say what to do; an unreachable key leaves the
//! engine open but locked, and the key banner says why.

use crate::ipc_error::IpcError;
use mailwarden_engine::{system_clock, Mailwarden};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub struct AppState {
    app: Result<Arc<Mailwarden>, IpcError>,
    /// Cancel flags of sign-ins in progress, by profile id.
    pub cancels: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// The editor holds changes not yet saved (told by the UI), so closing the
    /// window asks first.
    unsaved: AtomicBool,
}

impl AppState {
    pub fn open() -> Self {
        let db = mailwarden_engine::default_db_path();
        mailwarden_engine::init_logging(&db, 0);
        let app = Mailwarden::open(&db, system_clock()).map(Arc::new).map_err(IpcError::from);
        AppState { app, cancels: Mutex::default(), unsaved: AtomicBool::new(false) }
    }

    /// The engine (shared; it is `Send + Sync`), or the start-up error.
    pub fn core(&self) -> Result<Arc<Mailwarden>, IpcError> {
        self.app.clone()
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
