//! OAuth: endpoints per provider, the `oauth2` client typed for Microsoft's
//! answers, the flows (client credentials, refresh, authorization code with
//! PKCE via a pasted redirect), and the token service that hands out access
//! tokens — cached, refreshed, rotated safely and single-flight across
//! processes. Nothing outside this module builds an OAuth request.

pub mod claims;
pub(crate) mod client;
pub(crate) mod credential;
pub mod device;
pub use crate::providers::endpoints;
pub mod loopback;
pub mod manual;
mod realm;
mod service;
pub(crate) mod signin;
mod warnings;
pub mod xoauth2;

pub use crate::records::TokenRecord;
pub use claims::Claims;
pub use oauth2::PkceCodeVerifier;
pub use service::{AuthReport, Issued, TokenNeed, Tokens, REFRESH_MARGIN_SECS};
pub use signin::AuthorizeRequest;
pub use warnings::{consent_gap, warnings_for, Use};
