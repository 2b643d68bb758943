//! Import and export in the window. The files are picked in Rust's dialogs
//! and read and written here (the page has no file access); the file being
//! imported waits in [`PendingImport`] between the preview and the import,
//! decrypted once. Thin: the core's transfer service decides.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{
    is_encrypted_export, open_export, read_export_file, write_export_file, ExportFile, ImportReport, OnConflict,
    SecretString,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

type Res<T> = Result<T, IpcError>;

/// The file picked for import: its bytes, then (once opened) its content
/// and whether it was encrypted.
#[derive(Default)]
pub struct PendingImport(Mutex<Option<Picked>>);
type Picked = (Vec<u8>, Option<(ExportFile, bool)>);

/// What the import dialog shows about the picked file.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportPick {
    pub file_name: String,
    pub encrypted: bool,
}

/// Export profiles `ids` (all when empty) to a file the person picks; with a
/// passphrase the secrets go in, encrypted. The path, or None if cancelled.
#[tauri::command(async)]
pub fn export_profiles(
    app: AppHandle,
    state: State<'_, AppState>,
    ids: Vec<i64>,
    passphrase: Option<SecretString>,
) -> Res<Option<String>> {
    let bytes = state.core()?.transfer().export(&ids, passphrase.as_ref())?;
    let name = if passphrase.is_some() { "mailwarden-profiles.age" } else { "mailwarden-profiles.json" };
    let Some(path) = app.dialog().file().set_file_name(name).blocking_save_file().and_then(|p| p.into_path().ok())
    else {
        return Ok(None);
    };
    write_export_file(&path, &bytes)?;
    Ok(Some(path.display().to_string()))
}

/// Pick the file to import; None if cancelled.
#[tauri::command(async)]
pub fn import_pick(app: AppHandle, pending: State<'_, PendingImport>) -> Res<Option<ImportPick>> {
    let Some(path) = app.dialog().file().blocking_pick_file().and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let bytes = read_export_file(&path)?;
    let pick = ImportPick {
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        encrypted: is_encrypted_export(&bytes),
    };
    *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = Some((bytes, None));
    Ok(Some(pick))
}

/// Open the picked file (with its passphrase if encrypted) and report what
/// importing it would do; nothing changes.
#[tauri::command(async)]
pub fn import_preview(
    state: State<'_, AppState>,
    pending: State<'_, PendingImport>,
    passphrase: Option<SecretString>,
) -> Res<ImportReport> {
    let core = state.core()?;
    let mut slot = pending.0.lock().unwrap_or_else(|p| p.into_inner());
    let (bytes, opened) = slot.as_mut().ok_or_else(|| IpcError::flow("Choose the file to import first."))?;
    let (file, encrypted) = open_export(bytes, passphrase.as_ref())?;
    let report = core.transfer().import_file(&file, encrypted, &HashMap::new(), None, true)?;
    *opened = Some((file, encrypted));
    Ok(report)
}

/// Import the previewed file, resolving each name conflict as chosen (by
/// the profile's index in the file).
#[tauri::command(async)]
pub fn import_apply(
    state: State<'_, AppState>,
    pending: State<'_, PendingImport>,
    choices: HashMap<u32, OnConflict>,
) -> Res<ImportReport> {
    let core = state.core()?;
    let mut slot = pending.0.lock().unwrap_or_else(|p| p.into_inner());
    let Some((_, Some((file, encrypted)))) = slot.as_ref() else {
        return Err(IpcError::flow("Open the file to import first."));
    };
    let report = core.transfer().import_file(file, *encrypted, &choices, None, false)?;
    *slot = None;
    Ok(report)
}
