//! What every service shares: the engine's state, opened once per process.
//!
//! [`Context`] ties the store (a pool of SQLite connections), the data key
//! and the clock together and turns stored rows into [`ProfileView`]s. It is
//! `Send + Sync`: the desktop keeps one in its state for every command, the
//! background watcher and sign-in workers. Every method returns views or plain
//! data; none returns a secret.

use crate::clock::SharedClock;
use crate::crypto::DataKey;
use crate::error::{CoreError, Result};
use crate::keystore::{self, KeyInfo};
use crate::profile::StoredProfile;
use crate::profile::{ProfileView, Thresholds};
use crate::store::Store;
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
    /// The commit the running binary was built from; filled by the binary
    /// (its build script knows it; the core has none).
    pub commit: Option<String>,
    pub db_path: String,
    pub key: KeyInfo,
    #[ts(type = "number")]
    pub profile_count: usize,
}

/// A filtered list and the size of the whole list (for "3 of 120").
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileList {
    pub profiles: Vec<crate::profile::ProfileSummary>,
    #[ts(type = "number")]
    pub total: usize,
}

/// Declare a service: a view of the [`Context`] for one concern, made by an
/// accessor (`ctx.tokens()`, `ctx.profiles()`, …). It derefs to the context
/// so a service reaches the store and the clock; the services call one
/// another through it.
macro_rules! service {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy)]
        pub struct $name<'e>(pub(crate) &'e crate::context::Context);

        impl std::ops::Deref for $name<'_> {
            type Target = crate::context::Context;
            fn deref(&self) -> &crate::context::Context {
                self.0
            }
        }
    };
}
pub(crate) use service;

/// The state every service shares, one per process: the store (a pool of
/// SQLite connections), the data key, the clock, sign-ins in flight. The
/// layers above (the relay, the engine) reach the store for their own rows
/// (the relay's devices); tokens are written only by the tokens service.
pub struct Context {
    pub store: Store,
    key: RwLock<(Option<Arc<DataKey>>, KeyInfo)>,
    pub clock: SharedClock,
    /// Manual sign-ins waiting for their pasted address, by profile id.
    manual: Mutex<HashMap<i64, crate::oauth::manual::Pending>>,
}

impl Context {
    /// Open the database at `db` with its data key from the keyring or key
    /// file (a new database gets a new key). When an existing database's key
    /// is unreachable the engine still opens, locked: [`KeyInfo::problem`]
    /// says why, and only what needs a secret fails.
    pub fn open(db: &Path, clock: SharedClock) -> Result<Self> {
        Context::open_for(db, clock, false)
    }

    /// As [`Context::open`], for a process that lives for a moment (the
    /// CLI's `token`): while no other process has the database open, this one
    /// holds it alone — SQLite then skips rebuilding its shared WAL index —
    /// and lets go before it waits on a lock, the network or a keyring.
    pub fn open_brief(db: &Path, clock: SharedClock) -> Result<Self> {
        Context::open_for(db, clock, true)
    }

    /// The token front's open (ARCHITECTURE.md, "The token front"): as
    /// [`Context::open_brief`] for an existing database whose key is in
    /// its key file; None for anything else — no database yet, a keyring
    /// key, any error — and the caller hands over to the full command line,
    /// which opens it the ordinary way and explains what is wrong.
    pub fn open_quick(db: &Path, clock: SharedClock) -> Option<Self> {
        let db = absolute(db).ok()?;
        if !std::fs::metadata(&db).is_ok_and(|m| m.len() > 0) {
            return None;
        }
        let store = Store::open_for(&db, true).ok()?;
        let (key, info) = keystore::unlock_from_file(&store)?;
        Some(Context { store, key: RwLock::new((Some(Arc::new(key)), info)), clock, manual: Mutex::default() })
    }

    fn open_for(db: &Path, clock: SharedClock, brief: bool) -> Result<Self> {
        let db = absolute(db)?;
        let store = Store::open_for(&db, brief)?;
        let (key, info) = keystore::unlock(&store)?;
        Ok(Context { store, key: RwLock::new((key.map(Arc::new), info)), clock, manual: Mutex::default() })
    }

    /// A context on a fresh data key (no keyring), for the core's unit tests.
    #[doc(hidden)]
    pub fn for_tests(db: &Path, key: &crate::crypto::DataKey, clock: SharedClock) -> Self {
        let store = Store::open(db, key).expect("open the test database");
        let key = KeyInfo { backend: keystore::KeyBackend::File, location: "test".into(), notice: None, problem: None };
        Context { store, key: RwLock::new((None, key)), clock, manual: Mutex::default() }
    }

    pub(crate) fn pending_manual(&self) -> MutexGuard<'_, HashMap<i64, crate::oauth::manual::Pending>> {
        self.manual.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Now, by the engine's clock (the one every service uses; tests stop it).
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Where the key lives, and why it could not be loaded if so.
    pub fn key_info(&self) -> KeyInfo {
        self.key.read().unwrap_or_else(|p| p.into_inner()).1.clone()
    }

    pub(crate) fn data_key(&self) -> Result<Arc<DataKey>> {
        let k = self.key.read().unwrap_or_else(|p| p.into_inner());
        k.0.clone().ok_or_else(|| {
            CoreError::KeyUnavailable(k.1.problem.clone().unwrap_or_else(|| "The data key is not loaded.".into()))
        })
    }

    pub(crate) fn set_key(&self, key: Option<Arc<DataKey>>, info: KeyInfo) {
        let mut k = self.key.write().unwrap_or_else(|p| p.into_inner());
        if key.is_some() {
            k.0 = key;
        }
        k.1 = info;
    }

    /// Profiles: list, read, save, delete, duplicate.
    pub fn profiles(&self) -> crate::profiles::Profiles<'_> {
        crate::profiles::Profiles(self)
    }

    /// Tokens: sign-in flows, access tokens, disconnect — the only token writer.
    pub fn tokens(&self) -> crate::oauth::Tokens<'_> {
        crate::oauth::Tokens(self)
    }

    /// A profile's certificate credential.
    pub fn certificates(&self) -> crate::certificate::Certificates<'_> {
        crate::certificate::Certificates(self)
    }

    /// Test sends and the inbound check.
    pub fn mail_checks(&self) -> crate::mail::MailChecks<'_> {
        crate::mail::MailChecks(self)
    }

    /// Sending any message through a profile's route (SMTP or Graph).
    pub fn transport(&self) -> crate::mail::Transport<'_> {
        crate::mail::Transport(self)
    }

    /// The expiry watch: attention items, notices, keep-alive, secrets.
    pub fn watch(&self) -> crate::watch::Watch<'_> {
        crate::watch::Watch(self)
    }

    /// Hand-over of a profile's values (and, on request, a secret).
    pub fn handovers(&self) -> crate::handover::Handovers<'_> {
        crate::handover::Handovers(self)
    }

    /// Setup guides: what to register in the portal for a profile.
    pub fn transfer(&self) -> crate::transfer::Transfer<'_> {
        crate::transfer::Transfer(self)
    }

    pub fn guides(&self) -> crate::guide::Guides<'_> {
        crate::guide::Guides(self)
    }

    pub fn registrations(&self) -> crate::registration::Registrations<'_> {
        crate::registration::Registrations(self)
    }

    /// The person's settings.
    pub fn settings(&self) -> crate::settings::SettingsService<'_> {
        crate::settings::SettingsService(self)
    }

    /// The data key: back up, restore, move.
    pub fn keys(&self) -> crate::keys::Keys<'_> {
        crate::keys::Keys(self)
    }

    pub fn status(&self) -> Result<AppStatus> {
        Ok(AppStatus {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            commit: None,
            db_path: self.store.path().display().to_string(),
            key: self.key_info(),
            profile_count: self.store.list_rows()?.len(),
        })
    }

    /// The expiry thresholds in force (settings; defaults if unreadable).
    pub(crate) fn thresholds(&self) -> Thresholds {
        self.store.settings().map(|s| s.thresholds).unwrap_or_default()
    }
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(|e| CoreError::io(format!("Bad database path {}", p.display()), e))
}

pub(crate) fn view_at(s: &StoredProfile, today: time::Date, t: &Thresholds) -> ProfileView {
    ProfileView {
        secret_expiry: s.credential_badge(today, t),
        profile: s.profile.clone(),
        has_client_secret: s.has_client_secret,
        has_password: s.has_password,
        has_certificate: s.has_certificate,
        certificate_fits: crate::profile::certificate_refusal(
            s.profile.provider,
            s.profile.auth_method,
            &s.profile.redirect_uri,
        )
        .is_none(),
        last_test: s.last_test.clone(),
        refresh_token_rule: crate::providers::refresh_token_rule(s.profile.provider).map(|r| r.text),
    }
}
