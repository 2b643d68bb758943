//! The desktop shell: Tauri wiring over mailwarden-engine, nothing more.
//!
//! State is built once in `setup()` ([`state::AppState`]); each command in
//! [`commands`] takes its input, calls the core and maps the error to the one
//! IPC error shape ([`ipc_error::IpcError`]). No command returns a secret.

pub mod bindings;
mod certificate;
mod commands;
mod connect;
mod files;
mod guide;
mod handover;
pub mod ipc_error;
#[cfg(test)]
mod ipc_gen;
mod keys;
mod registration;
mod relay;
mod state;
mod transfer;
mod tray;
mod watch;
mod watcher;
mod window;

use tauri::Manager;

/// Started at login by the autostart entry: stay in the tray.
const BACKGROUND_FLAG: &str = "--background";

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| tray::show_main(app)))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![BACKGROUND_FLAG]),
        ))
        .on_window_event(window::on_window_event)
        .setup(|app| {
            app.manage(state::AppState::open());
            app.manage(transfer::PendingImport::default());
            app.manage(handover::ClipboardSecret::default());
            app.manage(registration::Admin::default());
            app.manage(relay::RelayHandle::default());
            app.manage(files::SavedFiles::default());
            app.manage(commands::LastDeleted::default());
            tray::build(app)?;
            let handle = app.handle().clone();
            std::thread::spawn(move || relay::start_with_app(&handle));
            let watcher = watcher::start(app.handle());
            app.manage(watcher);
            window::show_when_ready(app.handle(), std::env::args().any(|a| a == BACKGROUND_FLAG));
            Ok(())
        })
        // Every #[tauri::command] of this crate, found by the build script.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/invoke_handler.rs")))
        .build(tauri::generate_context!())
        .expect("error while starting Mailwarden")
        .run(|app, event| {
            // A secret handed over less than a minute ago does not outlive the
            // app: cleared as the exit is asked for, while the clipboard still
            // answers — by Exit its owner is gone, and a clipboard manager may
            // already have taken a copy.
            if let tauri::RunEvent::ExitRequested { .. } = event {
                handover::clear_if_ours(app, "the app quit");
            }
        });
}
