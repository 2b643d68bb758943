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
