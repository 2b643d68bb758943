//! Window wiring: closing the window with unsaved edits asks first (a native
//! dialog from Rust, so the webview needs no dialog permission); with "close
//! to tray" set, closing hides the window and the expiry check keeps running.
//! On Linux the page is drawn without GPU compositing ([`render_in_software`]).

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

/// Draw the page without WebKitGTK's GPU compositing, unless the person set
/// `WEBKIT_DISABLE_COMPOSITING_MODE` themselves (`=0` brings it back).
///
/// A page of forms and one virtualised list needs no GPU layers, and without
/// them the web process holds ~80 MB less at idle (tests/benches/memory.rs;
/// under software GL, as in VMs and remote desktops, the layers live in main
/// memory). It also avoids the blank white window some GPU drivers give
/// WebKitGTK's compositor — the machines admins often run this on. WebKit
/// reads the variable when it starts its web process; Tauri has no setting
/// for it, and the settings API cannot leave compositing once the page is up.
pub fn render_in_software() {
    const VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
    if cfg!(target_os = "linux") && std::env::var_os(VAR).is_none() {
        // Set at start-up, before Tauri or any other thread exists.
        std::env::set_var(VAR, "1");
    }
}
