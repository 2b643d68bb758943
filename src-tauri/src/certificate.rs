//! A profile's certificate credential in the window: what it is, make one,
//! save its public half (the .cer the portal's "Upload certificate" takes)
//! where the person picks, remove it. The private key never crosses: no
//! command returns it. Thin: the core decides.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{CertificateInfo, NewCertificate};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;

type Res<T> = Result<T, IpcError>;

/// The profile's certificate, if it has one.
#[tauri::command(async)]
pub fn certificate_show(state: State<'_, AppState>, id: i64) -> Res<Option<CertificateInfo>> {
    Ok(state.core()?.certificates().show(id)?)
}

/// Make a key and a self-signed certificate valid `days` days, and make it
/// the profile's credential.
#[tauri::command(async)]
pub fn certificate_create(state: State<'_, AppState>, id: i64, days: u32) -> Res<CertificateInfo> {
    Ok(state.core()?.certificates().create(id, &NewCertificate { days, ..NewCertificate::default() })?)
}

/// Save the public certificate where the person picks (None: cancelled).
#[tauri::command(async)]
pub fn certificate_save_public(app: AppHandle, state: State<'_, AppState>, id: i64) -> Res<Option<String>> {
    let core = state.core()?;
    let pem = core.certificates().public_pem(id)?;
    let name = core.profiles().get(id)?.profile.name;
    let file: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let Some(path) =
        app.dialog().file().set_file_name(format!("{file}.cer")).blocking_save_file().and_then(|p| p.into_path().ok())
    else {
        return Ok(None);
    };
    std::fs::write(&path, pem).map_err(|e| IpcError::flow(format!("Could not write {}: {e}", path.display())))?;
    crate::files::remember(&app, &path);
    Ok(Some(path.display().to_string()))
}

/// Remove the profile's certificate and its key.
#[tauri::command(async)]
pub fn certificate_remove(state: State<'_, AppState>, id: i64) -> Res<()> {
    Ok(state.core()?.certificates().remove(id)?)
}
