//! The expiry check while the app runs: shortly after start, then every few
//! hours (a setting), or at once on "Check now". Each run refreshes idle
//! refresh tokens (keep-alive), shows a desktop notification for each item
//! that crossed a threshold (once per item and threshold, remembered in the
//! database), and updates the tray. It shares the app's one engine. A check
//! that fails is logged and kept for the attention panel to show — never
//! reported as "nothing needs attention".

use crate::state::AppState;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

pub struct Watcher {
    wake: Mutex<mpsc::Sender<()>>,
    /// Why the last background check failed, if it did.
    failure: Arc<Mutex<Option<String>>>,
}

impl Watcher {
    pub fn check_now(&self) {
        let _ = self.wake.lock().unwrap_or_else(|p| p.into_inner()).send(());
    }

    /// Why the last background check failed (None when it ran).
    pub fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).clone()
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
    let failure = Arc::new(Mutex::new(None));
    let failed = failure.clone();
    let spawned = std::thread::Builder::new().name("expiry-watch".into()).spawn(move || {
        let mut wait = first_delay();
        loop {
            match rx.recv_timeout(wait) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let (hours, problem) = run_once(&handle);
            *failed.lock().unwrap_or_else(|p| p.into_inner()) = problem;
            wait = Duration::from_secs(hours * 3600);
        }
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "watch: the expiry check could not start");
    }
    Watcher { wake: Mutex::new(tx), failure }
}

/// One check; the hours until the next, and what failed (if anything).
fn run_once(app: &AppHandle) -> (u64, Option<String>) {
    let core = match app.state::<AppState>().core() {
        Ok(c) => c,
        Err(e) => return (1, Some(e.message)),
    };
    let mut problem = None;
    let hours = core.settings().get().map(|s| s.check_every_hours).unwrap_or(4).clamp(1, 24) as u64;
    // Refresh failures are recorded as failing tests and so show in the
    // panel; a failure of the check itself is logged, never "all is well".
    if let Err(e) = core.watch().keepalive(None) {
        tracing::warn!(error = %e, "watch: the keep-alive could not run");
        problem = Some(format!("The keep-alive could not run: {e}"));
    }
    let due = core.watch().due_notices().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "watch: the check could not run");
        problem = Some(format!("The expiry check could not run: {e}"));
        Vec::new()
    });
    let notices = due.len();
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
    // The plugin delivers notifications on its own task: `notices` is what
    // was handed over, not what has arrived.
    tracing::info!(notices, "watch: check finished");
    (hours, problem)
}
