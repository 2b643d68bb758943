//! A profile's certificate credential in the window: what it is, make one
//! or bring one in from a PEM or PFX file the person picks, save its public
//! half (the .cer the portal's "Upload certificate" takes), hand it over with
//! its key as a PFX under a passphrase (recorded), rotate it (by the app, or
//! as the administrator signed in for the registration), remove it. Files
//! are picked in Rust's dialogs and read and written here; the private key
//! never crosses to the page: no command returns it. Thin: the core decides.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{CertificateInfo, CertificateRotation, NewCertificate, SecretString};
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

/// Where the person picks to save profile `id`'s certificate file (named
/// after the profile, with `extension`); None: cancelled.
fn save_as(
    app: &AppHandle,
    core: &mailwarden_engine::Mailwarden,
    id: i64,
    extension: &str,
) -> Res<Option<std::path::PathBuf>> {
    let name = core.profiles().get(id)?.profile.name;
    let file: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let picked = app.dialog().file().set_file_name(format!("{file}.{extension}")).blocking_save_file();
    Ok(picked.and_then(|p| p.into_path().ok()))
}

/// Save the public certificate where the person picks (None: cancelled).
#[tauri::command(async)]
pub fn certificate_save_public(app: AppHandle, state: State<'_, AppState>, id: i64) -> Res<Option<String>> {
    let core = state.core()?;
    let pem = core.certificates().public_pem(id)?;
    let Some(path) = save_as(&app, &core, id, "cer")? else { return Ok(None) };
    std::fs::write(&path, pem).map_err(|e| IpcError::flow(format!("Could not write {}: {e}", path.display())))?;
    crate::files::remember(&app, &path);
    Ok(Some(path.display().to_string()))
}

/// Bring in a certificate with its key from a file the person picks: PEM,
/// or a PFX opened with `passphrase` (None: cancelled).
#[tauri::command]
pub async fn certificate_import(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    passphrase: Option<SecretString>,
) -> Res<Option<CertificateInfo>> {
    let core = state.core()?;
    let picked = app
        .dialog()
        .file()
        .add_filter("Certificate with its key", &["pem", "crt", "key", "pfx", "p12"])
        .blocking_pick_file()
        .and_then(|p| p.into_path().ok());
    let Some(path) = picked else { return Ok(None) };
    crate::connect::on_worker(move || {
        let bytes = mailwarden_engine::read_certificate_file(&path)?;
        core.certificates().import_bytes(id, &bytes, passphrase.as_ref())
    })
    .await
    .map(Some)
}

/// Hand the certificate over with its private key: a PFX under
/// `passphrase`, written where the person picks (only its owner may read
/// it) and recorded as a hand-over. The path, or None if cancelled.
#[tauri::command(async)]
pub fn certificate_export_pfx(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    passphrase: SecretString,
) -> Res<Option<String>> {
    let core = state.core()?;
    let Some(path) = save_as(&app, &core, id, "pfx")? else { return Ok(None) };
    core.certificates().export_pfx(id, &passphrase, |bytes| mailwarden_engine::write_private(&path, bytes))?;
    crate::files::remember(&app, &path);
    Ok(Some(path.display().to_string()))
}

/// Remove the profile's certificate and its key.
#[tauri::command(async)]
pub fn certificate_remove(state: State<'_, AppState>, id: i64) -> Res<()> {
    Ok(state.core()?.certificates().remove(id)?)
}

/// Rotate the certificate: a new one added to the app (addKey), a sign-in
/// proved with it, the profile switched, the old one removed — on a worker
/// (it talks to Microsoft). By the app itself, or with `asAdmin` by the
/// administrator signed in for this profile's registration. A refusal comes
/// back as its diagnosis (what the app lacks).
#[tauri::command]
pub async fn certificate_rotate(
    state: State<'_, AppState>,
    admin: State<'_, crate::registration::Admin>,
    id: i64,
    days: u32,
    as_admin: bool,
) -> Res<CertificateRotation> {
    let core = state.core()?;
    let session = match as_admin {
        true => Some(admin.required(id, crate::registration::now(&core))?),
        false => None,
    };
    let new = NewCertificate { days, ..NewCertificate::default() };
    crate::connect::on_worker(move || {
        let log = |step: &str| tracing::info!(profile = id, step, "rotating");
        core.certificates().rotate(id, &new, session.as_deref(), log)
    })
    .await
}
