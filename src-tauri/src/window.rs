//! Window wiring: closing the window with unsaved edits asks first (a native
//! dialog from Rust, so the webview needs no dialog permission).

use crate::state::AppState;
use tauri::{Manager, Window, WindowEvent};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

pub fn on_window_event(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else { return };
    if !window.state::<AppState>().unsaved() {
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
                let _ = w.destroy();
            }
        });
}
