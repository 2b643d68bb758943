//! A certificate credential's public half, as the portal, the watch and the
//! window read it: its thumbprints, subject and validity. The private key is
//! a sealed secret ([`crate::secret::SecretKind::CertificateKey`]) and never
//! part of this record.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CertificateInfo {
    /// SHA-1 of the certificate, upper-case hex: the "Thumbprint" column of
    /// Entra's Certificates & secrets, and `customKeyIdentifier` in Graph.
    pub thumbprint: String,
    /// SHA-256 of the certificate, upper-case hex (the `x5t#S256` header).
    pub thumbprint_sha256: String,
    /// The subject as written in the certificate, e.g. `CN=Mailwarden Catalyst`.
    pub subject: String,
    /// RFC 3339 (UTC).
    pub not_before: String,
    /// RFC 3339 (UTC): Entra refuses the key after this instant.
    pub not_after: String,
    /// RSA modulus size in bits.
    pub key_bits: u32,
}

/// What saving a profile does to its certificate credential. The material is
/// made (or read) by the certificates service; the draft only asks.
#[derive(Debug, Clone, Default, serde::Deserialize, TS)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum CertificateRequest {
    #[default]
    Keep,
    /// Make a key and a self-signed certificate valid for `days`.
    Create { days: u32 },
    /// Bring in a certificate with its private key (PEM text read from a file).
    Pem {
        #[ts(type = "string")]
        text: crate::secret::SecretString,
    },
}

/// A certificate ready to store: the certificate, what is read of it, its key.
#[derive(Clone)]
pub struct CertificateCredential {
    pub der: Vec<u8>,
    pub info: CertificateInfo,
    pub key: crate::secret::SecretString,
}

impl std::fmt::Debug for CertificateCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateCredential").field("info", &self.info).finish_non_exhaustive()
    }
}
