//! A profile's certificate credential in the window: what it is, make one,
//! save its public half (the .cer the portal's "Upload certificate" takes)
//! where the person picks, remove it. The private key never crosses: no
//! command returns it. Thin: the core decides.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{CertificateInfo, CertificateRotation, NewCertificate};
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
/// On a worker: making an RSA key takes a moment.
#[tauri::command]
pub async fn certificate_create(state: State<'_, AppState>, id: i64, days: u32) -> Res<CertificateInfo> {
    let core = state.core()?;
    crate::connect::on_worker(move || {
        core.certificates().create(id, &NewCertificate { days, ..NewCertificate::default() })
    })
    .await
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

/// Rotate the certificate by the app itself: a new one added to the app
/// (addKey), a sign-in proved with it, the profile switched, the old one
/// removed — on a worker (it talks to Microsoft). A refusal comes back as
/// its diagnosis (what the app lacks).
#[tauri::command]
pub async fn certificate_rotate(state: State<'_, AppState>, id: i64, days: u32) -> Res<CertificateRotation> {
    let core = state.core()?;
    let new = NewCertificate { days, ..NewCertificate::default() };
    crate::connect::on_worker(move || {
        core.certificates().rotate(id, &new, None, |step| tracing::info!(profile = id, step, "rotating"))
    })
    .await
}
