//! Hand-over in the window ("Use in another product"): the plain values, a
//! secret copied from Rust straight to the clipboard (never through the page)
//! and cleared from it after a minute, and other programs' configuration
//! shown or saved where the person picks. Thin: the core decides.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{
    ExposeSecret, HandoverRecord, HandoverSummary, Invocation, Program, ProgramConfig, Reveal, SecretString,
};
use std::time::Duration;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_dialog::DialogExt;

type Res<T> = Result<T, IpcError>;

/// How long a handed-over secret stays on the clipboard.
/// `MAILWARDEN_CLIPBOARD_SECONDS` shortens it for the tests.
fn clipboard_time() -> Duration {
    let secs = std::env::var("MAILWARDEN_CLIPBOARD_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(secs)
}

/// The hand-over step: values, which secrets exist, what was handed over.
#[tauri::command(async)]
pub fn handover(state: State<'_, AppState>, id: i64) -> Res<HandoverSummary> {
    Ok(state.core()?.handovers().summary(id)?)
}

/// Put the secret `what` on the clipboard (recorded; with `keep` false a
/// refresh token is then forgotten here) and clear it after a minute unless
/// something else was copied since. Returns the record, never the secret.
#[tauri::command(async)]
pub fn handover_copy_secret(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    what: Reveal,
    keep: bool,
) -> Res<HandoverRecord> {
    let core = state.core()?;
    // Recorded (and, with `keep` false, forgotten) only once the clipboard took it.
    core.handovers().reveal(id, what, keep, |secret| {
        copy_secret(&app, SecretString::from(secret.expose_secret().to_owned()))
            .map_err(|e| std::io::Error::other(e.message))
    })?;
    let record = core.handovers().history(id)?.into_iter().next();
    record.ok_or_else(|| IpcError::flow("The hand-over was not recorded."))
}

/// The secret this app put on the clipboard last, until it is cleared: the
/// minute's timer clears it, and so does quitting before the minute is up.
#[derive(Default)]
pub struct ClipboardSecret(std::sync::Mutex<Option<SecretString>>);

/// Put `secret` on the clipboard from Rust (never through the page), marked
/// as a secret for clipboard managers (`x-kde-passwordManagerHint: secret`,
/// which KDE's Klipper, GNOME's and most history tools honour: not kept in
/// their history), and cleared after a minute — or when the app quits —
/// unless something else was copied since.
pub(crate) fn copy_secret(app: &AppHandle, secret: SecretString) -> Res<()> {
    let failed = |e: &dyn std::fmt::Display| IpcError::flow(format!("Could not copy to the clipboard: {e}"));
    let mut clipboard = arboard::Clipboard::new().map_err(|e| failed(&e))?;
    let set = clipboard.set();
    #[cfg(any(target_os = "linux", target_os = "macos"))]
    let set = {
        #[cfg(target_os = "macos")]
        use arboard::SetExtApple;
        #[cfg(target_os = "linux")]
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    set.text(secret.expose_secret().to_owned()).map_err(|e| failed(&e))?;
    if let Some(held) = app.try_state::<ClipboardSecret>() {
        *held.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(SecretString::from(secret.expose_secret().to_owned()));
    }
    clear_later(app.clone(), secret, clipboard_time());
    Ok(())
}

/// Clear the clipboard if it still holds the secret this app put there
/// (`why`: when, for the log).
pub(crate) fn clear_if_ours(app: &AppHandle, why: &str) {
    let Some(held) = app.try_state::<ClipboardSecret>() else { return };
    let Some(secret) = held.0.lock().unwrap_or_else(|p| p.into_inner()).take() else { return };
    if app.clipboard().read_text().is_ok_and(|t| t == secret.expose_secret()) {
        let _ = app.clipboard().clear();
        tracing::info!("the handed-over secret was cleared from the clipboard ({why})");
    }
}

fn clear_later(app: AppHandle, secret: SecretString, after: Duration) {
    std::thread::spawn(move || {
        std::thread::sleep(after);
        let ours = app.try_state::<ClipboardSecret>().is_some_and(|held| {
            held.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .as_ref()
                .is_some_and(|s| s.expose_secret() == secret.expose_secret())
        });
        if ours {
            clear_if_ours(&app, "its time was up");
        }
    });
}

fn invocation() -> Invocation {
    let exe = std::env::current_exe().unwrap_or_default();
    let db = mailwarden_engine::default_db_path();
    Invocation::beside(exe.parent().unwrap_or(std::path::Path::new(".")), Some(&db))
}

/// Ready configuration of `program` for the profile (no secret in it).
#[tauri::command(async)]
pub fn program_config(state: State<'_, AppState>, id: i64, program: Program) -> Res<ProgramConfig> {
    Ok(state.core()?.handovers().program_config(id, program, &invocation())?)
}

/// Save file `file` of the program's configuration where the person picks;
/// the path, or None if they cancelled. Rust writes it (the page has no file access).
#[tauri::command(async)]
pub fn save_program_config(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    program: Program,
    file: usize,
) -> Res<Option<String>> {
    let config = state.core()?.handovers().program_config(id, program, &invocation())?;
    let f = config.files.get(file).ok_or_else(|| IpcError::flow("No such file in this configuration."))?;
    let name = f.path.rsplit('/').next().unwrap_or("config").trim_start_matches('.');
    let Some(path) = app.dialog().file().set_file_name(name).blocking_save_file().and_then(|p| p.into_path().ok())
    else {
        return Ok(None);
    };
    std::fs::write(&path, &f.text).map_err(|e| IpcError::flow(format!("Could not write {}: {e}", path.display())))?;
    crate::files::remember(&app, &path);
    Ok(Some(path.display().to_string()))
}
