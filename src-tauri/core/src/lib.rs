//! Mailwarden core: everything the product knows, with no UI and no Tauri.
//!
//! The desktop shell and the `mailwarden` CLI are two thin front ends over this
//! crate. It owns the profile model and its validation ([`profile`]), the SQLite
//! store with sealed secrets ([`store`], [`crypto`], [`keystore`]), the clock every
//! date computation goes through ([`clock`]) and the facade both front ends call
//! ([`app::Mailwarden`]). Nothing here may depend on `tauri` (a test enforces it).

pub mod app;
pub mod clock;
pub(crate) mod crypto;
pub mod diagnosis;
pub mod error;
pub mod guide;
pub mod handover;
pub mod http;
pub(crate) mod keystore;
pub mod logging;
pub mod mail;
pub mod oauth;
pub mod paths;
pub mod profile;
pub mod providers;
pub mod registration;
pub mod relay;
pub mod secret;
pub mod settings;
pub(crate) mod store;
pub mod transfer;
pub mod watch;

#[cfg(test)]
mod fuzz;

pub use app::{AppStatus, Mailwarden, ProfileList};

/// The data key as the front ends see it: where it lives, and its service.
pub mod keys {
    pub use crate::keystore::{KeyBackend, KeyInfo, Keys};
    pub use crate::store::KeyHome;
}
pub use error::{CoreError, ErrorCode, FieldError};
