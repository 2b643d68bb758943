//! Checking and creating the app registration from the window. The
//! administrator's session (a Graph token, memory only) is managed state,
//! for one profile at a time, dropped on sign-out or when it expires; the
//! page only ever sees who signed in. Thin: the core does the work.

use crate::connect::{on_worker, ConnectProgress};
use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{AdminInfo, AdminSession, ApplyReport, Plan, RegistrationCheck, SIGN_IN_TIMEOUT};
use std::sync::{Arc, Mutex};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

type Res<T> = Result<T, IpcError>;

/// The administrator signed in for a profile (at most one).
#[derive(Default)]
pub struct Admin(Mutex<Option<Arc<AdminSession>>>);

impl Admin {
    /// The live session for profile `id`, if any.
    fn for_profile(&self, id: i64, now: i64) -> Option<Arc<AdminSession>> {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if s.as_ref().is_some_and(|x| !x.live(now)) {
            *s = None;
        }
        s.clone().filter(|x| x.profile_id == id)
    }

    pub(crate) fn required(&self, id: i64, now: i64) -> Res<Arc<AdminSession>> {
        self.for_profile(id, now)
            .ok_or_else(|| IpcError::flow("Sign in as an administrator first (the session ends after about an hour)."))
    }
}

/// Unix seconds by the engine's clock (not the system's: one clock per process).
pub(crate) fn now(core: &mailwarden_engine::Mailwarden) -> i64 {
    core.now().unix_timestamp()
}

/// Compare the registration with the profile: as the administrator when one
/// is signed in for it, else as the app itself.
#[tauri::command]
pub async fn registration_check(
    state: State<'_, AppState>,
    admin: State<'_, Admin>,
    id: i64,
) -> Res<RegistrationCheck> {
    let core = state.core()?;
    let session = admin.for_profile(id, now(&core));
    on_worker(move || core.registrations().check(id, session.as_deref())).await
}

/// The administrator signs in in the system browser (progress as for Connect).
#[tauri::command]
pub async fn registration_sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    admin: State<'_, Admin>,
    id: i64,
    on_progress: Channel<ConnectProgress>,
) -> Res<AdminInfo> {
    let core = state.core()?;
    let cancel = crate::connect::cancel_flag(&state, id);
    let session = on_worker(move || {
        core.registrations().admin_sign_in(id, SIGN_IN_TIMEOUT, &cancel, |url| {
            let browser_error = app.opener().open_url(url, None::<&str>).err().map(|e| e.to_string());
            let timeout_secs = SIGN_IN_TIMEOUT.as_secs();
            let _ = on_progress.send(ConnectProgress::Waiting { url: url.to_owned(), timeout_secs, browser_error });
        })
    })
    .await?;
    let info = session.info();
    *admin.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(session));
    Ok(info)
}

/// Who is signed in as administrator for profile `id`, if anyone.
#[tauri::command(async)]
pub fn registration_admin(state: State<'_, AppState>, admin: State<'_, Admin>, id: i64) -> Option<AdminInfo> {
    let core = state.core().ok()?;
    admin.for_profile(id, now(&core)).map(|s| s.info())
}

#[tauri::command(async)]
pub fn registration_sign_out(admin: State<'_, Admin>) {
    *admin.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// What "Create this registration" would create or change.
#[tauri::command]
pub async fn registration_plan(state: State<'_, AppState>, admin: State<'_, Admin>, id: i64) -> Res<Plan> {
    let core = state.core()?;
    let session = admin.required(id, now(&core))?;
    on_worker(move || core.registrations().plan(id, &session)).await
}

/// Carry the plan out; each step's title is sent as it starts.
#[tauri::command]
pub async fn registration_apply(
    state: State<'_, AppState>,
    admin: State<'_, Admin>,
    id: i64,
    on_progress: Channel<String>,
) -> Res<ApplyReport> {
    let core = state.core()?;
    let session = admin.required(id, now(&core))?;
    on_worker(move || {
        core.registrations().apply(id, &session, |title| {
            let _ = on_progress.send(title.to_owned());
        })
    })
    .await
}
