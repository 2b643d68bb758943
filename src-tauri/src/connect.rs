//! Sign-in and test commands. Long flows (browser, device code) run on a worker thread
//! with their own database connection and report progress through a Tauri
//! channel; the URL goes to the system browser through the opener plugin and is
//! also shown in the UI (the launcher can claim success when nothing opened).

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{
    is_loopback, AuthReport, CoreError, DeviceCodePrompt, InboundReport, SecretString, SendReport, TestStep,
    TokenRecord, SIGN_IN_TIMEOUT,
};
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

type Res<T> = Result<T, IpcError>;

/// Progress of a sign-in, streamed to the UI.
#[derive(Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum ConnectProgress {
    /// The browser was asked to open `url`; waiting for it to come back.
    /// `browser_error`: why no browser opened (the address still works when
    /// opened by hand on this computer, and the paste route is offered).
    #[serde(rename_all = "camelCase")]
    Waiting {
        url: String,
        #[ts(type = "number")]
        timeout_secs: u64,
        browser_error: Option<String>,
    },
    /// Show this code and address; waiting for the sign-in elsewhere.
    DeviceCode { prompt: DeviceCodePrompt },
}

pub(crate) fn cancel_flag(state: &AppState, id: i64) -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    state.cancels.lock().unwrap_or_else(|p| p.into_inner()).insert(id, flag.clone());
    flag
}

/// Run `job` on a blocking worker and wait for it without blocking the UI.
pub(crate) async fn on_worker<T: Send + 'static>(
    job: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Res<T> {
    tauri::async_runtime::spawn_blocking(job)
        .await
        .map_err(|e| IpcError::flow(format!("The sign-in worker stopped: {e}")))?
        .map_err(IpcError::from)
}

#[tauri::command(async)]
pub fn connection(state: State<'_, AppState>, id: i64) -> Res<Option<TokenRecord>> {
    Ok(state.core()?.tokens().connection(id)?)
}

/// "Connect your account": system browser + loopback redirect.
#[tauri::command]
pub async fn connect_browser(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    on_progress: Channel<ConnectProgress>,
) -> Res<TokenRecord> {
    let core = state.core()?;
    let cancel = cancel_flag(&state, id);
    on_worker(move || {
        core.tokens().connect_loopback(id, SIGN_IN_TIMEOUT, &cancel, |url| {
            // The opener reports a launcher that failed to start or exited
            // with an error at once: say so now, not after the whole wait.
            let browser_error = app.opener().open_url(url, None::<&str>).err().map(|e| e.to_string());
            let timeout_secs = SIGN_IN_TIMEOUT.as_secs();
            let _ = on_progress.send(ConnectProgress::Waiting { url: url.to_owned(), timeout_secs, browser_error });
        })
    })
    .await
}

#[tauri::command]
pub async fn connect_device(
    state: State<'_, AppState>,
    id: i64,
    on_progress: Channel<ConnectProgress>,
) -> Res<TokenRecord> {
    let core = state.core()?;
    let cancel = cancel_flag(&state, id);
    on_worker(move || {
        core.tokens().connect_device_code(id, &cancel, |prompt| {
            let _ = on_progress.send(ConnectProgress::DeviceCode { prompt: prompt.clone() });
        })
    })
    .await
}

#[tauri::command(async)]
pub fn cancel_connect(state: State<'_, AppState>, id: i64) {
    if let Some(flag) = state.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(&id) {
        flag.store(true, Ordering::SeqCst);
    }
}

/// Whether the profile's redirect URI can be caught locally (else: manual).
#[tauri::command(async)]
pub fn can_listen(state: State<'_, AppState>, id: i64) -> Res<bool> {
    Ok(is_loopback(&state.core()?.profiles().get(id)?.profile.redirect_uri))
}

/// Manual sign-in, step 1: the address to open (also opened in the browser).
#[tauri::command(async)]
pub fn manual_start(app: AppHandle, state: State<'_, AppState>, id: i64) -> Res<String> {
    let url = state.core()?.tokens().manual_start(id)?;
    let _ = app.opener().open_url(&url, None::<&str>);
    Ok(url)
}

/// Manual sign-in, step 2: the pasted redirected address (or bare code).
#[tauri::command]
pub async fn manual_finish(state: State<'_, AppState>, id: i64, pasted: String) -> Res<TokenRecord> {
    let core = state.core()?;
    on_worker(move || core.tokens().manual_finish(id, &pasted)).await
}

/// Store a refresh token obtained elsewhere, after proving it works.
#[tauri::command]
pub async fn connect_refresh_token(state: State<'_, AppState>, id: i64, token: SecretString) -> Res<TokenRecord> {
    let core = state.core()?;
    on_worker(move || core.tokens().connect_refresh_token(id, token)).await
}

/// Get a token now and report its claims (the Test button).
#[tauri::command]
pub async fn test_auth(state: State<'_, AppState>, id: i64) -> Res<AuthReport> {
    let core = state.core()?;
    on_worker(move || core.tokens().test_auth(id)).await
}

#[tauri::command(async)]
pub fn disconnect(state: State<'_, AppState>, id: i64) -> Res<()> {
    Ok(state.core()?.tokens().disconnect(id)?)
}

/// Copy a URL or code for the person (never a secret).
#[tauri::command]
pub fn copy_text(app: AppHandle, text: String) -> Res<()> {
    app.clipboard().write_text(text).map_err(|e| IpcError::flow(format!("Could not copy: {e}")))
}

/// Send a test message (SMTP) from the profile; default recipient its mailbox.
#[tauri::command]
pub async fn send_test(
    state: State<'_, AppState>,
    id: i64,
    to: Option<String>,
    force: bool,
    on_step: Channel<TestStep>,
) -> Res<SendReport> {
    let core = state.core()?;
    let cancel = cancel_flag(&state, id);
    on_worker(move || {
        let to = to.as_deref().filter(|t| !t.trim().is_empty());
        core.mail_checks().send_test_observed(id, to, force, &mut |s| drop(on_step.send(s)), Some(cancel))
    })
    .await
}

/// Log in over IMAP and list the folders.
#[tauri::command]
pub async fn check_inbound(state: State<'_, AppState>, id: i64, on_step: Channel<TestStep>) -> Res<InboundReport> {
    let core = state.core()?;
    let cancel = cancel_flag(&state, id);
    on_worker(move || core.mail_checks().check_inbound_observed(id, &mut |s| drop(on_step.send(s)), Some(cancel))).await
}
