//! The desktop shell: Tauri wiring over mailwarden-engine, nothing more.
//!
//! State is built once in `setup()` ([`state::AppState`]); each command in
//! [`commands`] takes its input, calls the core and maps the error to the one
//! IPC error shape ([`ipc_error::IpcError`]). No command returns a secret.

pub mod bindings;
mod commands;
mod connect;
mod guide;
mod handover;
pub mod ipc_error;
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
            tray::build(app)?;
            let handle = app.handle().clone();
            std::thread::spawn(move || relay::start_with_app(&handle));
            let watcher = watcher::start(app.handle());
            app.manage(watcher);
            window::show_when_ready(app.handle(), std::env::args().any(|a| a == BACKGROUND_FLAG));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::catalog,
            commands::list_profiles,
            commands::get_profile,
            commands::new_draft,
            commands::edit_draft,
            commands::rebase_draft,
            commands::save_profile,
            commands::check_draft,
            commands::delete_profile,
            commands::duplicate_profile,
            commands::set_unsaved,
            window::window_ready,
            connect::connection,
            connect::connect_browser,
            connect::connect_device,
            connect::cancel_connect,
            connect::can_listen,
            connect::manual_start,
            connect::manual_finish,
            connect::connect_refresh_token,
            connect::test_auth,
            connect::disconnect,
            connect::copy_text,
            connect::send_test,
            connect::check_inbound,
            watch::attention,
            watch::watch_failure,
            watch::secret_history,
            watch::parse_portal_row_text,
            watch::apply_portal_row,
            watch::read_app_secrets,
            watch::rotate_secret,
            watch::get_settings,
            watch::save_settings,
            watch::check_now,
            watch::export_calendar,
            watch::open_secrets_blade,
            guide::profile_guide,
            guide::open_guide_link,
            guide::profile_progress,
            registration::registration_check,
            registration::registration_sign_in,
            registration::registration_admin,
            registration::registration_sign_out,
            registration::registration_plan,
            registration::registration_apply,
            relay::relay_view,
            relay::relay_start,
            relay::relay_stop,
            relay::relay_device_add,
            relay::relay_device_reset,
            relay::relay_device_remove,
            relay::relay_queue_retry,
            relay::relay_queue_delete,
            handover::handover,
            handover::handover_copy_secret,
            handover::program_config,
            handover::save_program_config,
            transfer::export_profiles,
            transfer::import_pick,
            transfer::import_preview,
            transfer::import_apply,
            keys::key_export,
            keys::key_import,
            keys::key_move,
        ])
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
