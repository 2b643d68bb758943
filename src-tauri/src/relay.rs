//! The relay in the window: started in this process on the shared engine
//! (managed state holds it), stopped draining; devices added with their
//! password copied from Rust to the clipboard (never into the page); the
//! queue's held messages retried or deleted. Thin: the core does the work.

use crate::connect::on_worker;
use crate::handover::copy_secret;
use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{Device, DeviceDraft, MailboxSetting, RelayView, Running};
use std::sync::Mutex;
use tauri::{AppHandle, Manager, State};

type Res<T> = Result<T, IpcError>;

/// This process's running relay, if started.
#[derive(Default)]
pub struct RelayHandle(pub Mutex<Option<Running>>);

#[tauri::command(async)]
pub fn relay_view(state: State<'_, AppState>, relay: State<'_, RelayHandle>) -> Res<RelayView> {
    let running = relay.0.lock().unwrap_or_else(|p| p.into_inner());
    Ok(state.core()?.relay().view(running.as_ref())?)
}

/// Start listening with the relay settings.
#[tauri::command(async)]
pub fn relay_start(app: AppHandle, state: State<'_, AppState>, relay: State<'_, RelayHandle>) -> Res<RelayView> {
    let core = state.core()?;
    start(&app, &core, &relay)?;
    let running = relay.0.lock().unwrap_or_else(|p| p.into_inner());
    Ok(core.relay().view(running.as_ref())?)
}

fn start(app: &AppHandle, core: &std::sync::Arc<mailwarden_engine::Mailwarden>, relay: &RelayHandle) -> Res<()> {
    let mut running = relay.0.lock().unwrap_or_else(|p| p.into_inner());
    if running.is_none() {
        let settings = core.settings().get()?.relay;
        let r = core.start_relay(settings)?;
        crate::tray::set_relay(app, Some(&r.addr.to_string()));
        *running = Some(r);
    }
    Ok(())
}

/// At start-up, when the settings ask for it (a failure is logged; the
/// Relay dialog shows it stopped).
pub fn start_with_app(app: &AppHandle) {
    let Some(state) = app.try_state::<AppState>() else { return };
    let Ok(core) = state.core() else { return };
    if core.settings().get().is_ok_and(|s| s.relay.start_with_app) {
        if let Err(e) = start(app, &core, &app.state::<RelayHandle>()) {
            tracing::error!(error = %e.message, "relay: could not start with the app");
        }
    }
}

/// Stop and start again with the saved settings (a new address, limits or
/// certificate); the queue stays. Started already elsewhere: the error says so.
#[tauri::command]
pub async fn relay_restart(
    app: AppHandle,
    state: State<'_, AppState>,
    relay: State<'_, RelayHandle>,
) -> Res<RelayView> {
    let core = state.core()?;
    stop(&app, &relay).await?;
    start(&app, &core, &relay)?;
    let running = relay.0.lock().unwrap_or_else(|p| p.into_inner());
    Ok(core.relay().view(running.as_ref())?)
}

/// Stop: open transactions finish; the queue stays.
#[tauri::command]
pub async fn relay_stop(app: AppHandle, state: State<'_, AppState>, relay: State<'_, RelayHandle>) -> Res<()> {
    let _ = state.core()?;
    stop(&app, &relay).await
}

/// Take this process's relay, if any, and stop it on a worker (open
/// transactions finish); the tray says it stopped.
async fn stop(app: &AppHandle, relay: &RelayHandle) -> Res<()> {
    let taken = relay.0.lock().unwrap_or_else(|p| p.into_inner()).take();
    crate::tray::set_relay(app, None);
    on_worker(move || {
        if let Some(r) = taken {
            r.stop();
        }
        Ok(())
    })
    .await
}

/// Add a device; its generated password goes to the clipboard (cleared after a minute).
#[tauri::command(async)]
pub fn relay_device_add(app: AppHandle, state: State<'_, AppState>, draft: DeviceDraft) -> Res<Device> {
    let (device, password) = state.core()?.relay().add_device(&draft)?;
    if let Some(p) = password {
        copy_secret(&app, p)?;
    }
    Ok(device)
}

/// What the device's mail program is given to fetch its mailbox (POP3).
#[tauri::command(async)]
pub fn relay_mailbox_settings(state: State<'_, AppState>, name: String) -> Res<Vec<MailboxSetting>> {
    Ok(state.core()?.relay().mailbox_settings(&name)?)
}

/// A new password for the device, to the clipboard.
#[tauri::command(async)]
pub fn relay_device_reset(app: AppHandle, state: State<'_, AppState>, name: String) -> Res<()> {
    copy_secret(&app, state.core()?.relay().reset_password(&name)?)
}

#[tauri::command(async)]
pub fn relay_device_remove(state: State<'_, AppState>, name: String) -> Res<()> {
    Ok(state.core()?.relay().remove_device(&name)?)
}

#[tauri::command(async)]
pub fn relay_queue_retry(state: State<'_, AppState>, relay: State<'_, RelayHandle>, id: String) -> Res<()> {
    state.core()?.relay().retry(&id)?;
    if let Some(r) = relay.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        r.wake();
    }
    Ok(())
}

#[tauri::command(async)]
pub fn relay_queue_delete(state: State<'_, AppState>, id: String) -> Res<String> {
    Ok(state.core()?.relay().delete(&id)?)
}
