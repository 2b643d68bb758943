//! Files the app wrote where the person chose (a program's configuration, an
//! export, the calendar, a key backup): remembered for this run, so "Show
//! in folder" can open the folder of one of them — and of nothing else (the
//! webview never names a path of its own choosing to open).

use crate::ipc_error::IpcError;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt as _;

#[derive(Default)]
pub struct SavedFiles(Mutex<HashSet<PathBuf>>);

/// Remember `path` as written by this app at the person's choice.
pub fn remember(app: &AppHandle, path: &Path) {
    if let Some(saved) = app.try_state::<SavedFiles>() {
        saved.0.lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_owned());
    }
}

/// Show a file this app saved in its folder: the file manager selects it
/// (over D-Bus), or, without one, the folder opens.
#[tauri::command(async)]
pub fn show_in_folder(app: AppHandle, saved: State<'_, SavedFiles>, path: String) -> Result<(), IpcError> {
    let path = PathBuf::from(path);
    if !saved.0.lock().unwrap_or_else(|p| p.into_inner()).contains(&path) {
        return Err(IpcError::flow("Only a file Mailwarden saved in this session can be shown."));
    }
    if app.opener().reveal_item_in_dir(&path).is_ok() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or(Path::new("/"));
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| IpcError::flow(format!("Could not open {}: {e}", dir.display())))
}
