//! Window wiring: closing the window with unsaved edits asks first (a native
//! dialog from Rust, so the webview needs no dialog permission); with "close
//! to tray" set, closing hides the window and the expiry check keeps running.

use crate::state::AppState;
use tauri::{Manager, Window, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

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
