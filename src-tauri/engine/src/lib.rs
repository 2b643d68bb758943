//! Mailwarden's engine: the one facade both front ends hold. Opened once per
//! process ([`Mailwarden::open`]), shared (`Send + Sync`), it hands out the
//! services (profiles, tokens, tests, transport, watch, guides, hand-overs,
//! registrations, transfer, settings, keys), the relay, and the setup's
//! progress, which reads across them ([`Mailwarden::progress`]).
//!
//! The layers, each a crate, so that a wrong arrow does not compile:
//! `mailwarden-model` ← `mailwarden-store` ← `mailwarden-services` ←
//! `mailwarden-relay` ← this engine ← the CLI and the desktop shell.
//! Nothing here may depend on `tauri` (a test enforces it).

mod progress;

pub use progress::{SetupProgress, SetupStep, StepId, StepState};

pub use mailwarden_model::{clock, diagnosis, error, logging, paths, profile, providers, records, secret, settings};
pub use mailwarden_model::{CoreError, ErrorCode, FieldError};
pub use mailwarden_relay as relay;
pub use mailwarden_services::{guide, handover, mail, oauth, registration, transfer, watch};
pub use mailwarden_services::{AppStatus, Context, ProfileList};

/// The data key as the front ends see it: where it lives, and its service.
pub mod keys {
    pub use mailwarden_services::keys::Keys;
    pub use mailwarden_store::keystore::{KeyBackend, KeyInfo};
    pub use mailwarden_store::KeyHome;
}

use clock::SharedClock;
use error::Result;
use std::path::Path;
use std::sync::Arc;

/// The engine: the services' shared [`Context`] and what reads across them.
/// It derefs to the context, whose accessors hand out the services
/// (`engine.profiles()`, `engine.tokens()`, …).
pub struct Mailwarden {
    ctx: Arc<Context>,
}

impl std::ops::Deref for Mailwarden {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.ctx
    }
}

impl Mailwarden {
    /// Open the database at `db` with its data key from the keyring or key
    /// file (a new database gets a new key). When an existing database's key
    /// is unreachable the engine still opens, locked: the key's info says
    /// why, and only what needs a secret fails.
    pub fn open(db: &Path, clock: SharedClock) -> Result<Self> {
        Ok(Mailwarden { ctx: Arc::new(Context::open(db, clock)?) })
    }

    /// As [`Mailwarden::open`], for a process that lives for a moment (the
    /// CLI's `token`): see [`Context::open_brief`].
    pub fn open_brief(db: &Path, clock: SharedClock) -> Result<Self> {
        Ok(Mailwarden { ctx: Arc::new(Context::open_brief(db, clock)?) })
    }

    /// The token front's open: see [`Context::open_quick`].
    pub fn open_quick(db: &Path, clock: SharedClock) -> Option<Self> {
        Some(Mailwarden { ctx: Arc::new(Context::open_quick(db, clock)?) })
    }

    /// An engine on a fresh data key (no keyring), for unit tests.
    #[doc(hidden)]
    pub fn for_tests(db: &Path, key: &mailwarden_store::crypto::DataKey, clock: SharedClock) -> Self {
        Mailwarden { ctx: Arc::new(Context::for_tests(db, key, clock)) }
    }

    /// The relay's devices and queue.
    pub fn relay(&self) -> relay::Relay<'_> {
        relay::Relay(&self.ctx)
    }

    /// Start the relay on this engine (it runs until the returned handle stops).
    pub fn start_relay(&self, settings: settings::RelaySettings) -> Result<relay::Running> {
        relay::start(self.ctx.clone(), settings)
    }
}
