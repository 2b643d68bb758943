//! Window wiring: the window opens on its first real content; closing it
//! with unsaved edits asks first (a native dialog from Rust, so the webview
//! needs no dialog permission); with "close to tray" set, closing hides the
//! window and the expiry check keeps running.
//!
//! The window is made hidden (`visible: false`) and shown when the page says
//! it has drawn the list or the empty state (`window_ready`), so it never
//! opens on a blank frame, and WebKit draws its first frame once instead of
//! two or three times in a row (it then keeps one frame buffer, not two: ~14 MB
//! of the idle window). A page that never says so — a script that failed — is
//! shown after [`READY_FALLBACK`] anyway. Started at login (`--background`) it
//! stays in the tray until opened from there.

use crate::state::AppState;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tauri::{AppHandle, Manager, Window, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// How long a page that never reports ready keeps the window hidden.
pub const READY_FALLBACK: Duration = Duration::from_secs(3);

/// Whether the first showing is still to come (false when started in the
/// background: the tray shows the window).
struct FirstShow(AtomicBool);

/// Arrange the first showing of the main window: on `window_ready`, or after
/// [`READY_FALLBACK`] at the latest.
pub fn show_when_ready(app: &AppHandle, background: bool) {
    app.manage(FirstShow(AtomicBool::new(!background)));
    if background {
        return;
    }
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(READY_FALLBACK);
        show_first(&app);
    });
}

/// Show the window if it has not been shown yet (once: a window the person
/// has since hidden to the tray stays there).
fn show_first(app: &AppHandle) {
    if app.state::<FirstShow>().0.swap(false, Ordering::AcqRel) {
        if let Some(w) = app.get_webview_window("main") {
            let _ = w.show();
            let _ = w.set_focus();
        }
    }
}

/// The page has drawn its first real content (the list, the empty state or
/// the fatal panel).
#[tauri::command]
pub fn window_ready(app: AppHandle) {
    show_first(&app);
}

fn close_to_tray(window: &Window) -> bool {
    window.state::<AppState>().core().ok().and_then(|c| c.settings().get().ok()).is_some_and(|s| s.close_to_tray)
}

pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    let to_tray = close_to_tray(window);
    if !window.state::<AppState>().unsaved() {
        if to_tray {
            api.prevent_close();
            let _ = window.hide();
        }
        return;
    }
    api.prevent_close();
    let w = window.clone();
    window
        .dialog()
        .message("The changes in the editor have not been saved. Close Mailwarden and lose them?")
        .title("Discard unsaved changes?")
        .kind(MessageDialogKind::Warning)
        .buttons(MessageDialogButtons::OkCancelCustom("Discard and close".into(), "Keep editing".into()))
        .show(move |discard| {
            if discard {
                w.state::<AppState>().set_unsaved(false);
                let _ = if to_tray { w.hide() } else { w.destroy() };
            }
        });
}
