//! Commands of the expiry watch: the attention panel, the secrets section
//! (history, a pasted portal row, reading from Graph, rotation), settings
//! (with autostart) and the calendar export. Thin: the core does the work.

use crate::connect::on_worker;
use crate::ipc_error::IpcError;
use crate::state::AppState;
use crate::watcher::Watcher;
use mailwarden_engine::{
    parse_portal_row, AppSecretsReport, AttentionItem, DateOrder, NewSecret, PortalRow, RotateReport, RowApplied,
    SecretRecord, Settings,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager as _, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_dialog::DialogExt as _;
use tauri_plugin_opener::OpenerExt as _;
use ts_rs::TS;

type Res<T> = Result<T, IpcError>;

#[tauri::command(async)]
pub fn attention(state: State<'_, AppState>) -> Res<Vec<AttentionItem>> {
    Ok(state.core()?.watch().attention()?)
}

/// Why the last background check failed, if it did (shown above the list).
#[tauri::command]
pub fn watch_failure(app: AppHandle) -> Option<String> {
    app.state::<Watcher>().failure()
}

#[tauri::command(async)]
pub fn secret_history(state: State<'_, AppState>, id: i64) -> Res<Vec<SecretRecord>> {
    Ok(state.core()?.watch().secret_history(id)?)
}

/// Read a row copied from Entra's Certificates & secrets table (the date in
/// this computer's locale order unless `dayFirst` says otherwise).
#[tauri::command]
pub fn parse_portal_row_text(text: String, day_first: Option<bool>) -> Res<PortalRow> {
    Ok(parse_portal_row(&text, DateOrder::chosen(day_first))?)
}

/// Apply a pasted portal row to the profile: Secret ID, expiry, description.
#[tauri::command(async)]
pub fn apply_portal_row(state: State<'_, AppState>, id: i64, text: String, day_first: Option<bool>) -> Res<RowApplied> {
    Ok(state.core()?.profiles().apply_portal_row(id, &text, DateOrder::chosen(day_first))?)
}

#[tauri::command]
pub async fn read_app_secrets(state: State<'_, AppState>, id: i64) -> Res<AppSecretsReport> {
    let core = state.core()?;
    on_worker(move || core.watch().read_app_secrets(id)).await
}

#[tauri::command]
pub async fn rotate_secret(state: State<'_, AppState>, id: i64, secret: NewSecret) -> Res<RotateReport> {
    let core = state.core()?;
    on_worker(move || core.watch().rotate_secret(id, secret)).await
}

/// The settings form: the core's settings and whether Mailwarden starts at login.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsForm {
    pub settings: Settings,
    pub autostart: bool,
}

#[tauri::command]
pub fn get_settings(app: AppHandle, state: State<'_, AppState>) -> Res<SettingsForm> {
    let settings = state.core()?.settings().get()?;
    Ok(SettingsForm { settings, autostart: app.autolaunch().is_enabled().unwrap_or(false) })
}

#[tauri::command]
pub fn save_settings(app: AppHandle, state: State<'_, AppState>, form: SettingsForm) -> Res<SettingsForm> {
    state.core()?.settings().save(&form.settings)?;
    let auto = app.autolaunch();
    let changed = if form.autostart { auto.enable() } else { auto.disable() };
    changed.map_err(|e| IpcError::flow(format!("Could not change starting at login: {e}")))?;
    app.state::<Watcher>().check_now();
    get_settings(app.clone(), state)
}

/// Run the expiry check now (keep-alive, notifications, tray) and return the panel's items.
#[tauri::command]
pub fn check_now(app: AppHandle, state: State<'_, AppState>) -> Res<Vec<AttentionItem>> {
    app.state::<Watcher>().check_now();
    attention(state)
}

/// Open the app's Certificates & secrets blade in Entra (system browser).
#[tauri::command]
pub fn open_secrets_blade(app: AppHandle, state: State<'_, AppState>, id: i64) -> Res<()> {
    let client_id = state.core()?.profiles().get(id)?.profile.client_id;
    let url = mailwarden_engine::secrets_blade_url(&client_id);
    app.opener().open_url(url, None::<&str>).map_err(|e| IpcError::flow(format!("Could not open the browser: {e}")))
}

/// Save the expiry calendar where the person chooses; the path, or None if cancelled.
#[tauri::command]
pub async fn export_calendar(app: AppHandle, state: State<'_, AppState>) -> Res<Option<String>> {
    let ics = state.core()?.watch().expiry_calendar()?;
    let Some(path) = app
        .dialog()
        .file()
        .set_file_name("mailwarden-expiries.ics")
        .add_filter("Calendar", &["ics"])
        .blocking_save_file()
        .and_then(|p| p.into_path().ok())
    else {
        return Ok(None);
    };
    std::fs::write(&path, ics).map_err(|e| IpcError::flow(format!("Could not write {}: {e}", path.display())))?;
    Ok(Some(path.display().to_string()))
}
