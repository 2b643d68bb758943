//! Mailwarden's model: what the product knows about, with no storage, no
//! network and no UI. The profile and its validation ([`profile`]), the
//! providers' rules ([`providers`]), every failure explained ([`diagnosis`],
//! [`error`]), the person's settings ([`settings`]), the records the store
//! keeps beside profiles ([`records`]: tokens, secret history, hand-overs,
//! relay devices, test results), and what every layer above shares: the one
//! clock ([`clock`]), secret wrappers ([`secret`]), paths and logging.
//!
//! This is the bottom layer: it depends on no other Mailwarden crate, and
//! the store, services, relay and engine all build on it.

pub mod clock;
pub mod diagnosis;
pub mod error;
pub mod logging;
pub mod paths;
pub mod profile;
pub mod providers;
pub mod records;
pub mod secret;
pub mod settings;

pub use error::{CoreError, ErrorCode, FieldError, Result};
