//! The record of a secret handed over to another product: which secret,
//! when, and whether Mailwarden kept its own copy. Never the value.

use crate::secret::SecretKind;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A secret that can be handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Reveal {
    ClientSecret,
    RefreshToken,
    /// The certificate's private key, as a PFX under a passphrase.
    CertificateKey,
}

impl Reveal {
    pub fn as_str(self) -> &'static str {
        match self {
            Reveal::ClientSecret => "client_secret",
            Reveal::RefreshToken => "refresh_token",
            Reveal::CertificateKey => "certificate_key",
        }
    }
    pub fn parse(s: &str) -> Option<Reveal> {
        [Reveal::ClientSecret, Reveal::RefreshToken, Reveal::CertificateKey].into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Reveal::ClientSecret => "client secret",
            Reveal::RefreshToken => "refresh token",
            Reveal::CertificateKey => "certificate's private key",
        }
    }
    pub fn kind(self) -> SecretKind {
        match self {
            Reveal::ClientSecret => SecretKind::ClientSecret,
            Reveal::RefreshToken => SecretKind::RefreshToken,
            Reveal::CertificateKey => SecretKind::CertificateKey,
        }
    }
}

/// One hand-over, as recorded (never the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HandoverRecord {
    pub what: Reveal,
    /// RFC 3339.
    pub at: String,
    /// Whether Mailwarden kept (and keeps using) its own copy.
    pub kept: bool,
}
