//! The engine both front ends hold: opened once per process, then shared.
//!
//! [`Mailwarden`] ties the store (a pool of SQLite connections), the data key
//! and the clock together and turns stored rows into [`ProfileView`]s. It is
//! `Send + Sync`: the desktop keeps one in its state for every command, the
//! background watcher and sign-in workers. Every method returns views or plain
//! data; none returns a secret.

use crate::clock::SharedClock;
use crate::crypto::DataKey;
use crate::error::{CoreError, Result};
use crate::keystore::{self, KeyInfo};
use crate::profile::{expiry_badge, validate, Existing, Matcher, ProfileDraft, ProfileQuery, ProfileView, Thresholds};
use crate::store::KeyHome;
use crate::store::{Store, StoredProfile};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use ts_rs::TS;

/// What the status bar and `mailwarden doctor` show.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub version: String,
    pub db_path: String,
    pub key: KeyInfo,
    #[ts(type = "number")]
    pub profile_count: usize,
}

/// A filtered list and the size of the whole list (for "3 of 120").
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileList {
    pub profiles: Vec<ProfileView>,
    #[ts(type = "number")]
    pub total: usize,
}

pub struct Mailwarden {
    pub(crate) store: Store,
    key: RwLock<(Option<Arc<DataKey>>, KeyInfo)>,
    pub(crate) clock: SharedClock,
    /// Manual sign-ins waiting for their pasted address, by profile id.
    manual: Mutex<HashMap<i64, crate::oauth::manual::Pending>>,
}

impl Mailwarden {
    /// Open the database at `db` with its data key from the keyring or key
    /// file (a new database gets a new key). When an existing database's key
    /// is unreachable the engine still opens, locked: [`KeyInfo::problem`]
    /// says why, and only what needs a secret fails.
    pub fn open(db: &Path, clock: SharedClock) -> Result<Self> {
        let db = absolute(db)?;
        let store = Store::open_locked(&db)?;
        let (key, info) = keystore::unlock(&store)?;
        Ok(Mailwarden { store, key: RwLock::new((key.map(Arc::new), info)), clock, manual: Mutex::default() })
    }

    /// A core on a fresh data key (no keyring), for tests inside the crate.
    #[cfg(test)]
    pub(crate) fn for_tests(db: &Path, key: &crate::crypto::DataKey, clock: SharedClock) -> Self {
        let store = Store::open(db, key).expect("open the test database");
        let key = KeyInfo { backend: keystore::KeyBackend::File, location: "test".into(), notice: None, problem: None };
        Mailwarden { store, key: RwLock::new((None, key)), clock, manual: Mutex::default() }
    }

    pub(crate) fn pending_manual(&self) -> MutexGuard<'_, HashMap<i64, crate::oauth::manual::Pending>> {
        self.manual.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Where the key lives, and why it could not be loaded if so.
    pub fn key_info(&self) -> KeyInfo {
        self.key.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    fn data_key(&self) -> Result<Arc<DataKey>> {
        let k = self.key.read().unwrap_or_else(|p| p.into_inner());
        k.0.clone().ok_or_else(|| {
            CoreError::KeyUnavailable(k.1.problem.clone().unwrap_or_else(|| "The data key is not loaded.".into()))
        })
    }

    /// The text of a key backup (for `key export -` into a pipe).
    pub fn key_backup_text(&self) -> Result<zeroize::Zeroizing<String>> {
        Ok(keystore::export_text(&self.store.meta().id, &*self.data_key()?))
    }

    /// Write a backup of the data key to `path` (a new file, 0600).
    pub fn export_key(&self, path: &Path) -> Result<()> {
        keystore::export_to(path, &self.store.meta().id, &*self.data_key()?)
    }

    /// Bring back a key from a backup's text: proven against this database,
    /// kept at `to` (or where this database's key belongs), then used.
    pub fn import_key(&self, text: &str, to: Option<KeyHome>) -> Result<KeyInfo> {
        let (_, key) = keystore::parse_export(text).ok_or_else(|| {
            CoreError::invalid("file", "This is not a Mailwarden key backup (made by `mailwarden key export`).")
        })?;
        if !self.store.key_fits(&key)? {
            return Err(CoreError::invalid(
                "file",
                "This key belongs to another database: it does not open this one's secrets. Nothing was changed.",
            ));
        }
        let to = to.or(self.store.meta().key_home).unwrap_or(KeyHome::Keyring);
        let info = keystore::place(&self.store, &key, to)?;
        self.store.unlock(&key)?;
        *self.key.write().unwrap_or_else(|p| p.into_inner()) = (Some(Arc::new(key)), info.clone());
        Ok(info)
    }

    /// Move the data key to the keyring or to a key file beside the database.
    pub fn move_key(&self, to: KeyHome) -> Result<KeyInfo> {
        let key = self.data_key()?;
        let mut info = keystore::place(&self.store, &key, to)?;
        if to == KeyHome::File {
            info.notice = Some(format!(
                "The key is kept in {} (readable only by you). Anyone who can read both that file and the database can read the secrets.",
                info.location
            ));
        }
        self.key.write().unwrap_or_else(|p| p.into_inner()).1 = info.clone();
        Ok(info)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn status(&self) -> Result<AppStatus> {
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            db_path: self.store.path().display().to_string(),
            key: self.key_info(),
            profile_count: self.store.list()?.len(),
        })
    }

    fn view(&self, s: &StoredProfile) -> ProfileView {
        view_at(s, self.clock.today(), &self.thresholds())
    }

    /// The expiry thresholds in force (settings; defaults if unreadable).
    pub(crate) fn thresholds(&self) -> Thresholds {
        self.store.settings().map(|s| s.thresholds).unwrap_or_default()
    }

    /// The profiles matching `q`, by name, and how many there are in all.
    /// Only the matches are copied out of the store's cached rows.
    pub fn list(&self, q: &ProfileQuery) -> Result<ProfileList> {
        let today = self.clock.today();
        let t = self.thresholds();
        let rows = self.store.list()?;
        let m = Matcher::new(q, today, t);
        let profiles = rows.iter().filter(|s| m.matches(&s.profile)).map(|s| view_at(s, today, &t)).collect();
        Ok(ProfileList { profiles, total: rows.len() })
    }

    pub fn get(&self, id: i64) -> Result<ProfileView> {
        Ok(self.view(&self.store.get(id)?))
    }

    /// Find a profile by exact name (any case) or numeric id, as the CLI takes it.
    pub fn resolve(&self, name_or_id: &str) -> Result<ProfileView> {
        Ok(self.view(&self.find(name_or_id)?))
    }

    /// As [`Self::resolve`], the stored profile only: no badges, no clock, no
    /// settings — the path `mailwarden token` takes on every call.
    pub fn find(&self, name_or_id: &str) -> Result<StoredProfile> {
        if let Some(s) = self.store.find_by_name(name_or_id)? {
            return Ok(s);
        }
        match name_or_id.parse::<i64>() {
            Ok(id) => self.store.get(id).map_err(|_| CoreError::NotFound(format!("\"{name_or_id}\""))),
            Err(_) => Err(CoreError::NotFound(format!("\"{name_or_id}\""))),
        }
    }

    /// The draft that edits profile `id` as it is.
    pub fn draft(&self, id: i64) -> Result<ProfileDraft> {
        Ok(ProfileDraft::from_profile(&self.store.get(id)?.profile))
    }

    /// Validate and store `draft` as a new profile (`id` = None) or over `id`.
    pub fn save(&self, id: Option<i64>, draft: &ProfileDraft) -> Result<ProfileView> {
        let existing = match id {
            Some(id) => {
                let s = self.store.get(id)?;
                Some(Existing { has_client_secret: s.has_client_secret, has_password: s.has_password })
            }
            None => None,
        };
        let validated = validate(draft, existing).map_err(CoreError::Validation)?;
        let now = self.clock.now();
        let id = match id {
            Some(id) => {
                self.store.update(id, &validated, now)?;
                id
            }
            None => self.store.insert(&validated, now)?,
        };
        self.get(id)
    }

    /// Name the client secret in use (the portal's Description column).
    pub fn describe_secret(&self, id: i64, description: &str) -> Result<()> {
        self.store.describe_current_secret(id, description)
    }

    pub fn settings(&self) -> Result<crate::store::Settings> {
        self.store.settings()
    }

    pub fn save_settings(&self, s: &crate::store::Settings) -> Result<()> {
        self.store.save_settings(s)
    }

    pub fn delete(&self, id: i64) -> Result<()> {
        self.store.delete(id)
    }

    /// Copy profile `id` as "NAME (copy)", "NAME (copy 2)", …
    pub fn duplicate(&self, id: i64) -> Result<ProfileView> {
        let src = self.store.get(id)?;
        let base = format!("{} (copy)", src.profile.name);
        let mut name = base.clone();
        let mut n = 2;
        while self.store.find_by_name(&name)?.is_some() {
            name = format!("{} (copy {n})", src.profile.name);
            n += 1;
        }
        let new_id = self.store.duplicate(id, &name, self.clock.now())?;
        self.get(new_id)
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| CoreError::io(format!("Bad database path {}", p.display()), e))
}

fn view_at(s: &StoredProfile, today: time::Date, t: &Thresholds) -> ProfileView {
    ProfileView {
        secret_expiry: s.profile.client_secret_expires.map(|d| expiry_badge(d, today, t)),
        profile: s.profile.clone(),
        has_client_secret: s.has_client_secret,
        has_password: s.has_password,
        last_test: s.last_test.clone(),
        refresh_token_rule: crate::providers::refresh_token_rule(s.profile.provider).map(|r| r.text.to_owned()),
    }
}
