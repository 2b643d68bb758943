//! The expiry check while the app runs: shortly after start, then every few
//! hours (a setting), or at once on "Check now". Each run refreshes idle
//! refresh tokens (keep-alive), shows a desktop notification for each item
//! that crossed a threshold (once per item and threshold, remembered in the
//! database), and updates the tray. It works on its own database connection.

use crate::state::AppState;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

pub struct Watcher {
    wake: Mutex<mpsc::Sender<()>>,
}

impl Watcher {
    pub fn check_now(&self) {
        let _ = self.wake.lock().unwrap_or_else(|p| p.into_inner()).send(());
    }
}

/// Seconds before the first check (`MAILWARDEN_FIRST_CHECK_SECS`, default 5):
/// the window opens first.
fn first_delay() -> Duration {
    let secs = std::env::var("MAILWARDEN_FIRST_CHECK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    Duration::from_secs(secs)
}

pub fn start(app: &AppHandle) -> Watcher {
    let (tx, rx) = mpsc::channel::<()>();
    let handle = app.clone();
    let spawned = std::thread::Builder::new().name("expiry-watch".into()).spawn(move || {
        let mut wait = first_delay();
        loop {
            match rx.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            wait = Duration::from_secs(run_once(&handle) * 3600);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "watch: the expiry check could not start");
    }
    Watcher { wake: Mutex::new(tx) }
}

/// One check; returns the hours until the next.
fn run_once(app: &AppHandle) -> u64 {
    let Ok(core) = app.state::<AppState>().core() else { return 1 };
    let hours = core.settings().get().map(|s| s.check_every_hours).unwrap_or(4).clamp(1, 24) as u64;
    // Refresh failures are recorded as failing tests and so show in the
    // panel; a failure of the check itself is logged, never "all is well".
    if let Err(e) = core.watch().keepalive(None) {
        tracing::warn!(error = %e, "watch: the keep-alive could not run");
    }
    let due = core.watch().due_notices().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "watch: the check could not run");
        Vec::new()
    });
    tracing::info!(notices = due.len(), "watch: check finished");
    for item in due {
        let shown = app
            .notification()
            .builder()
            .title(format!("Mailwarden · {}", item.profile_name))
            .body(format!("{}. {}", item.title, item.detail))
            .show();
        if let Err(e) = shown {
            tracing::warn!(error = %e, "watch: could not show a notification");
        }
    }
    match core.watch().attention() {
        Ok(a) => crate::tray::set_count(app, a.len()),
        Err(e) => tracing::warn!(error = %e, "watch: attention items could not be read"),
    }
    hours
}
