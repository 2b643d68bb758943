//! Mailwarden's services: what the product does with the model and the
//! store. Each service is a view of one shared [`Context`] (the store, the
//! data key, the clock, sign-ins in flight) for one concern: profiles,
//! tokens (the only token writer), test sends and the transport, the watch,
//! guides, hand-overs, registrations, transfer, settings and keys.
//!
//! Below: `mailwarden-model` and `mailwarden-store`. Above: the relay and the
//! engine facade the front ends hold. Nothing here may depend on `tauri`.

pub mod certificate;
pub mod context;
pub mod guide;
pub mod handover;
pub mod http;
pub mod keys;
pub mod mail;
pub mod oauth;
pub mod profiles;
pub mod registration;
pub mod settings;
pub mod transfer;
pub mod watch;

#[cfg(test)]
mod fuzz;

// The layers below, under the names this crate's code uses.
pub use mailwarden_model::{clock, diagnosis, error, logging, paths, profile, providers, records, secret};
pub(crate) use mailwarden_store as store;
pub use mailwarden_store::{crypto, keystore};

pub use context::{AppStatus, Context, ProfileList};
pub use error::{CoreError, ErrorCode, FieldError};
