//! The setup guide in the window: the guide's data for a profile, its links
//! opened in the system browser (only the guide's own), and where the
//! profile's setup stands (its steps). Thin: the core writes both.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{SetupGuide, SetupProgress};
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt as _;

type Res<T> = Result<T, IpcError>;

/// What to register in the portal for the profile (the setup guide).
#[tauri::command(async)]
pub fn profile_guide(state: State<'_, AppState>, id: i64) -> Res<SetupGuide> {
    Ok(state.core()?.guides().for_id(id)?)
}

/// Open one of the profile's guide links (a portal blade, the admin-consent
/// address) in the system browser; any other address is refused.
#[tauri::command]
pub fn open_guide_link(app: AppHandle, state: State<'_, AppState>, id: i64, url: String) -> Res<()> {
    if !state.core()?.guides().for_id(id)?.links_to(&url) {
        return Err(IpcError::flow("That address is not one of this profile's guide links."));
    }
    app.opener().open_url(url, None::<&str>).map_err(|e| IpcError::flow(format!("Could not open the browser: {e}")))
}

/// Open an address a diagnosis names (an Entra blade, the admin-consent
/// page) in the system browser; only the providers' portals are opened.
#[tauri::command]
pub fn open_portal_link(app: AppHandle, url: String) -> Res<()> {
    if !mailwarden_engine::portal_link(&url) {
        return Err(IpcError::flow("Only the providers' portal pages are opened from here; copy the address instead."));
    }
    app.opener().open_url(url, None::<&str>).map_err(|e| IpcError::flow(format!("Could not open the browser: {e}")))
}

/// Where the profile's setup stands: the steps and the one to go on with.
#[tauri::command(async)]
pub fn profile_progress(state: State<'_, AppState>, id: i64) -> Res<SetupProgress> {
    Ok(state.core()?.progress(id)?)
}
