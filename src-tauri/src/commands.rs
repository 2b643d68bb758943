//! Thin `#[tauri::command]`s: take input, call the core, map the error.

use crate::ipc_error::IpcError;
use crate::state::AppState;
use mailwarden_engine::{
    catalog_of_choices, rebase, AppStatus, Catalog, Choices, FieldError, ProfileDraft, ProfileList, ProfileQuery,
    ProfileView,
};
use tauri::State;

type Res<T> = Result<T, IpcError>;

#[tauri::command(async)]
pub fn app_status(state: State<'_, AppState>) -> Res<AppStatus> {
    let mut status = state.core()?.status()?;
    status.commit = Some(env!("MAILWARDEN_COMMIT").to_owned());
    Ok(status)
}

#[tauri::command]
pub fn catalog() -> Catalog {
    catalog_of_choices()
}

#[tauri::command(async)]
pub fn list_profiles(state: State<'_, AppState>, query: ProfileQuery) -> Res<ProfileList> {
    Ok(state.core()?.profiles().list(&query)?)
}

#[tauri::command(async)]
pub fn get_profile(state: State<'_, AppState>, id: i64) -> Res<ProfileView> {
    Ok(state.core()?.profiles().get(id)?)
}

#[tauri::command]
pub fn new_draft(choices: Choices) -> ProfileDraft {
    let mut d = ProfileDraft::new(choices.provider, choices.auth_method, choices.send_method);
    rebase(&mut d, choices);
    d
}

#[tauri::command(async)]
pub fn edit_draft(state: State<'_, AppState>, id: i64) -> Res<ProfileDraft> {
    Ok(state.core()?.profiles().draft(id)?)
}

/// Switch a draft's provider / methods / cloud; fields still at the old
/// defaults take the new ones. Secrets in the draft are not echoed back.
#[tauri::command]
pub fn rebase_draft(mut draft: ProfileDraft, choices: Choices) -> ProfileDraft {
    rebase(&mut draft, choices);
    draft
}

#[tauri::command(async)]
pub fn save_profile(state: State<'_, AppState>, id: Option<i64>, draft: ProfileDraft) -> Res<ProfileView> {
    Ok(state.core()?.profiles().save(id, &draft)?)
}

/// The field errors saving `draft` would meet (nothing is saved).
#[tauri::command(async)]
pub fn check_draft(state: State<'_, AppState>, id: Option<i64>, draft: ProfileDraft) -> Res<Vec<FieldError>> {
    Ok(state.core()?.profiles().check(id, &draft)?)
}

/// The profile deleted last, kept (sealed) for Undo until the next delete
/// or the app's exit.
#[derive(Default)]
pub struct LastDeleted(std::sync::Mutex<Option<mailwarden_engine::DeletedProfile>>);

#[tauri::command(async)]
pub fn delete_profile(state: State<'_, AppState>, last: State<'_, LastDeleted>, id: i64) -> Res<()> {
    let deleted = state.core()?.profiles().delete(id)?;
    *last.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(deleted);
    Ok(())
}

/// Put back the profile deleted last, as it was (its connection, secrets,
/// history and tests too).
#[tauri::command(async)]
pub fn undo_delete(state: State<'_, AppState>, last: State<'_, LastDeleted>) -> Res<ProfileView> {
    let mut slot = last.0.lock().unwrap_or_else(|p| p.into_inner());
    let deleted = slot.as_ref().ok_or_else(|| IpcError::flow("Nothing was deleted to undo."))?;
    let view = state.core()?.profiles().restore(deleted)?;
    *slot = None;
    Ok(view)
}

#[tauri::command(async)]
pub fn duplicate_profile(state: State<'_, AppState>, id: i64) -> Res<ProfileView> {
    Ok(state.core()?.profiles().duplicate(id)?)
}

/// The UI reports whether the editor holds unsaved changes (for the close guard).
#[tauri::command(async)]
pub fn set_unsaved(state: State<'_, AppState>, dirty: bool) {
    state.set_unsaved(dirty);
}
