//! The key banner's actions: back up the data key to a file the person
//! chooses, restore it from a backup, move it between keyring and file. The
//! file dialogs are Rust's; the key itself never reaches the webview.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{KeyBackend, KeyInfo};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

type Res<T> = Result<T, IpcError>;

/// Save a backup of the key; the path, or None if the person cancelled.
#[tauri::command(async)]
pub fn key_export(app: AppHandle, state: State<'_, AppState>) -> Res<Option<String>> {
    let core = state.core()?;
    let Some(path) = app
        .dialog()
        .file()
        .set_file_name("mailwarden-key-backup.txt")
        .blocking_save_file()
        .and_then(|p| p.into_path().ok())
    else {
        return Ok(None);
    };
    core.keys().export(&path)?;
    Ok(Some(path.display().to_string()))
}

/// Restore the key from a backup the person picks; None if cancelled.
#[tauri::command(async)]
pub fn key_import(app: AppHandle, state: State<'_, AppState>) -> Res<Option<KeyInfo>> {
    let core = state.core()?;
    let Some(path) = app.dialog().file().blocking_pick_file().and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let file =
        std::fs::File::open(&path).map_err(|e| IpcError::flow(format!("Could not read {}: {e}", path.display())))?;
    Ok(Some(core.keys().import_from(file, &path, None)?))
}

#[tauri::command(async)]
pub fn key_move(state: State<'_, AppState>, to: KeyBackend) -> Res<KeyInfo> {
    Ok(state.core()?.keys().move_to(to.into())?)
}
