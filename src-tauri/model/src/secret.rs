//! Secret values in types: what a secret is and how a front end may change one.
//!
//! Secrets travel as [`SecretString`] (from `secrecy`): its `Debug` prints
//! `[REDACTED]`, it zeroes its memory on drop and it has no `Serialize`, so no
//! response type that holds one can be sent to the UI or printed as JSON. Front
//! ends send secrets *in* through [`SecretChange`]; nothing sends them back out.

pub use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use ts_rs::TS;

/// What an edit does to one stored secret. The UI never sees the old value, so
/// "leave it as it is" must be said explicitly.
#[derive(Debug, Default, Deserialize, TS)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum SecretChange {
    #[default]
    Keep,
    Clear,
    Set {
        #[ts(type = "string")]
        value: SecretString,
    },
}

impl SecretChange {
    pub fn set(value: impl Into<String>) -> Self {
        SecretChange::Set { value: SecretString::from(value.into()) }
    }
}

impl Clone for SecretChange {
    fn clone(&self) -> Self {
        match self {
            SecretChange::Keep => SecretChange::Keep,
            SecretChange::Clear => SecretChange::Clear,
            SecretChange::Set { value } => SecretChange::set(value.expose_secret()),
        }
    }
}

/// The kinds of secret a profile can hold; the name is part of the sealing AAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SecretKind {
    ClientSecret,
    Password,
    RefreshToken,
    AccessToken,
    /// A certificate credential's private key (PKCS#8 PEM).
    CertificateKey,
}

impl SecretKind {
    pub const ALL: [SecretKind; 5] = [
        SecretKind::ClientSecret,
        SecretKind::Password,
        SecretKind::RefreshToken,
        SecretKind::AccessToken,
        SecretKind::CertificateKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::ClientSecret => "client_secret",
            SecretKind::Password => "password",
            SecretKind::RefreshToken => "refresh_token",
            SecretKind::AccessToken => "access_token",
            SecretKind::CertificateKey => "certificate_key",
        }
    }
}
