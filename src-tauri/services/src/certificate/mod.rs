//! Certificate credentials — the credential Microsoft recommends over a
//! client secret. Made here (an RSA key and a self-signed certificate naming
//! the profile) or brought in as PEM; described by the thumbprints the portal
//! shows; used to sign the client assertion a token request carries instead
//! of a secret (Microsoft's "certificate credentials": a JWT whose header
//! names the certificate by `x5t#S256` — or `x5t` for older clouds — and
//! whose claims bind it to one client, one token endpoint and a few minutes).
//!
//! Crates, not hand-written crypto: `rsa` makes the key (ring cannot), `rcgen`
//! writes the certificate, `x509-parser` reads one brought in,
//! `pem` reads and writes PEM, and `ring` (the TLS provider already) signs the
//! assertion with a key parsed once. The private key is a [`SecretString`]
//! from the moment it exists; only the store seals it.

use crate::clock::rfc3339;
use crate::error::CoreError;
use crate::records::CertificateInfo;
use crate::secret::{ExposeSecret, SecretString};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

mod files;
mod pfx;
mod rotate;
mod service;
pub use files::{is_pem, read_certificate_file, write_private};
pub use pfx::{from_pfx, to_pfx};
pub use rotate::CertificateRotation;
pub use service::{Certificates, NewCertificate};

/// The `client_assertion_type` of a token request signed by a certificate.
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The smallest RSA key Entra takes for a certificate credential.
pub const MIN_KEY_BITS: usize = 2048;
/// How long an assertion is valid: Entra's samples use 10 minutes.
const ASSERTION_LIFETIME: Duration = Duration::minutes(10);
/// A certificate made here lives at most this long (Entra's own limit for
/// uploaded certificates is the certificate's; tenants may cap it lower).
pub const MAX_VALID_DAYS: u32 = crate::profile::CERTIFICATE_MAX_DAYS;

/// A certificate and its private key (the model's record: it crosses into
/// the store in the transaction that saves a profile).
pub use crate::records::CertificateCredential as Credential;

/// Which header names the certificate in an assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// PS256 with `x5t#S256`: what Microsoft documents today.
    Ps256,
    /// RS256 with `x5t` (SHA-1): older tenants and national clouds.
    Rs256,
}

/// The subject (CN) of a certificate made for profile `name`: at most 64
/// characters, as X.509's common name allows.
pub fn subject_for(name: &str) -> String {
    format!("Mailwarden {name}").chars().take(64).collect()
}

fn bad(field: &str, message: impl Into<String>) -> CoreError {
    CoreError::invalid(field, message)
}

/// A new RSA key of `bits` and a self-signed certificate for it, subject
/// `CN=<subject>`, valid from a minute before `now` for `days` days.
pub fn create(subject: &str, days: u32, bits: usize, now: OffsetDateTime) -> Result<Credential, CoreError> {
    let subject = subject.trim();
    if subject.is_empty() || subject.len() > 64 {
        return Err(bad("certificateSubject", "The certificate's name must be 1 to 64 characters."));
    }
    if !(1..=MAX_VALID_DAYS).contains(&days) {
        return Err(bad(
            "certificateDays",
            format!("A certificate made here is valid for 1 to {MAX_VALID_DAYS} days."),
        ));
    }
    if !(MIN_KEY_BITS..=4096).contains(&bits) {
        return Err(bad("certificateBits", "The key is 2048, 3072 or 4096 bits."));
    }
    let key = RsaPrivateKey::new(&mut rand_core::OsRng, bits)
        .map_err(|e| CoreError::Flow(format!("No RSA key could be made: {e}.")))?;
    let pkcs8 = key.to_pkcs8_der().map_err(|e| CoreError::Flow(format!("The new key could not be encoded: {e}.")))?;
    let signer = rcgen::KeyPair::try_from(pkcs8.as_bytes())
        .map_err(|e| CoreError::Flow(format!("The new key could not sign its certificate: {e}.")))?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, subject);
    params.not_before = now - Duration::minutes(1);
    params.not_after = now + Duration::days(days.into());
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| CoreError::Flow(format!("No random serial number: {e}.")))?;
    serial[0] &= 0x7f;
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert =
        params.self_signed(&signer).map_err(|e| CoreError::Flow(format!("The certificate could not be made: {e}.")))?;
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| CoreError::Flow(format!("The new key could not be encoded: {e}.")))?;
    described(cert.der().to_vec(), SecretString::from(pem.as_str().to_owned()))
}

fn described(der: Vec<u8>, key: SecretString) -> Result<Credential, CoreError> {
    let info = info(&der)?;
    Ok(Credential { der, info, key })
}

/// A certificate and its key brought in as PEM text (one file holding both,
/// or the two files' texts joined): the key as PKCS#8 (`PRIVATE KEY`) or
/// PKCS#1 (`RSA PRIVATE KEY`), unencrypted. Checks that the key is the
/// certificate's and is RSA of 2048 bits or more.
pub fn from_pem(text: &str) -> Result<Credential, CoreError> {
    let blocks = pem_blocks(text);
    let der = blocks.iter().find(|(label, _)| label == "CERTIFICATE").map(|(_, b)| b.clone()).ok_or_else(|| {
        bad("certificateFile", "No certificate found: the file should hold a “BEGIN CERTIFICATE” block.")
    })?;
    if blocks.iter().any(|(l, _)| l == "ENCRYPTED PRIVATE KEY") {
        return Err(bad(
            "certificateFile",
            "The private key is encrypted: bring it in as a PFX file with its passphrase instead, or decrypt it first (openssl pkey -in key.pem -out plain.pem).",
        ));
    }
    let key = if let Some((_, b)) = blocks.iter().find(|(l, _)| l == "PRIVATE KEY") {
        RsaPrivateKey::from_pkcs8_der(b).map_err(|_| {
            bad(
                "certificateFile",
                "The private key is not an RSA key Mailwarden can read (Entra's certificate credentials are RSA).",
            )
        })?
    } else if let Some((_, b)) = blocks.iter().find(|(l, _)| l == "RSA PRIVATE KEY") {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        RsaPrivateKey::from_pkcs1_der(b)
            .map_err(|_| bad("certificateFile", "The RSA private key could not be read."))?
    } else {
        return Err(bad(
            "certificateFile",
            "No private key found: the file should hold the certificate and its “BEGIN PRIVATE KEY” block.",
        ));
    };
    if key.size() * 8 < MIN_KEY_BITS {
        return Err(bad("certificateFile", format!("The key has {} bits; Entra needs at least 2048.", key.size() * 8)));
    }
    check_pair(&der, &key)?;
    let pem =
        key.to_pkcs8_pem(LineEnding::LF).map_err(|e| CoreError::Flow(format!("The key could not be encoded: {e}.")))?;
    described(der, SecretString::from(pem.as_str().to_owned()))
}

/// Whether `key` is the private key of certificate `der`.
fn check_pair(der: &[u8], key: &RsaPrivateKey) -> Result<(), CoreError> {
    let spki = public_key_of(der)?;
    if spki != (key.n().to_bytes_be(), key.e().to_bytes_be()) {
        return Err(bad("certificateFile", "The private key does not belong to the certificate in the file."));
    }
    Ok(())
}

/// The PEM blocks of `text` as (label, DER); none when it is not PEM.
fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    pem::parse_many(text)
        .map(|blocks| blocks.into_iter().map(|b| (b.tag().to_owned(), b.contents().to_vec())).collect())
        .unwrap_or_default()
}

/// A certificate, parsed.
fn parsed(der: &[u8]) -> Result<x509_parser::certificate::X509Certificate<'_>, CoreError> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| cert)
        .map_err(|_| bad("certificateFile", "The certificate could not be read (not an X.509 certificate)."))
}

/// The RSA public key (modulus, exponent; big-endian, no leading zeros) of a certificate.
fn rsa_key_of(cert: &x509_parser::certificate::X509Certificate<'_>) -> Result<(Vec<u8>, Vec<u8>), CoreError> {
    use x509_parser::public_key::PublicKey;
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(k)) => {
            let strip = |b: &[u8]| b.iter().skip_while(|x| **x == 0).copied().collect::<Vec<u8>>();
            Ok((strip(k.modulus), strip(k.exponent)))
        }
        _ => Err(bad("certificateFile", "The certificate's key is not RSA (Entra's certificate credentials are RSA).")),
    }
}

/// The RSA public key of certificate `der`.
fn public_key_of(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CoreError> {
    rsa_key_of(&parsed(der)?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// What the portal and the watch read of a certificate.
pub fn info(der: &[u8]) -> Result<CertificateInfo, CoreError> {
    let cert = parsed(der)?;
    let when = |t: x509_parser::time::ASN1Time| rfc3339(t.to_datetime());
    let (n, _) = rsa_key_of(&cert)?;
    Ok(CertificateInfo {
        thumbprint: hex(&Sha1::digest(der)),
        thumbprint_sha256: hex(&Sha256::digest(der)),
        subject: cert.subject().to_string(),
        not_before: when(cert.validity().not_before),
        not_after: when(cert.validity().not_after),
        key_bits: (n.len() * 8) as u32,
    })
}

/// The certificate as PEM, for the portal's "Upload certificate" (a `.cer`
/// file Entra takes as PEM or DER).
pub fn public_pem(der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new("CERTIFICATE", der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

/// Signing keys already parsed, by the SHA-256 of the sealed key's text. Hand-written
/// JWS below instead of `jsonwebtoken::encode` because that crate hands ring
/// the key's DER at every signature, and ring validates a key as it parses
/// it: measured, that doubled a fresh token's cost against the simulator
/// (1.81 ms against 0.94 ms for a secret). Parsed once per process, the key
/// stays in memory as the data key does.
static SIGNERS: std::sync::Mutex<Vec<([u8; 32], std::sync::Arc<ring::rsa::KeyPair>)>> =
    std::sync::Mutex::new(Vec::new());

fn signer(cred: &Credential) -> Result<std::sync::Arc<ring::rsa::KeyPair>, CoreError> {
    let bad = || CoreError::Crypto("the certificate's private key".into());
    let id: [u8; 32] = Sha256::digest(cred.key.expose_secret().as_bytes()).into();
    let mut cache = SIGNERS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, k)) = cache.iter().find(|(t, _)| *t == id) {
        return Ok(k.clone());
    }
    let der = pem::parse(cred.key.expose_secret()).map_err(|_| bad())?;
    let key = std::sync::Arc::new(ring::rsa::KeyPair::from_pkcs8(der.contents()).map_err(|_| bad())?);
    if cache.len() >= 16 {
        cache.remove(0);
    }
    cache.push((id, key.clone()));
    Ok(key)
}

/// The client assertion for a token request of `client_id` at `token_url`:
/// a JWT (JWS compact form) signed with the certificate's key, valid from
/// `now` for ten minutes.
pub fn client_assertion(
    cred: &Credential,
    client_id: &str,
    token_url: &str,
    signing: Signing,
    now: OffsetDateTime,
) -> Result<String, CoreError> {
    let header = match signing {
        Signing::Ps256 => {
            serde_json::json!({"alg": "PS256", "typ": "JWT", "x5t#S256": URL_SAFE_NO_PAD.encode(Sha256::digest(&cred.der))})
        }
        Signing::Rs256 => {
            serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": URL_SAFE_NO_PAD.encode(Sha1::digest(&cred.der))})
        }
    };
    let mut jti = [0u8; 16];
    getrandom::fill(&mut jti).map_err(|e| CoreError::Flow(format!("No random assertion ID: {e}.")))?;
    let t = now.unix_timestamp();
    let claims = Claims {
        aud: token_url,
        iss: client_id,
        sub: client_id,
        jti: hex(&jti),
        nbf: t,
        iat: t,
        exp: t + ASSERTION_LIFETIME.whole_seconds(),
    };
    let claims = serde_json::to_vec(&claims).map_err(|e| CoreError::Flow(format!("The client assertion: {e}.")))?;
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims));
    let key = signer(cred)?;
    let padding: &'static dyn ring::signature::RsaEncoding = match signing {
        Signing::Ps256 => &ring::signature::RSA_PSS_SHA256,
        Signing::Rs256 => &ring::signature::RSA_PKCS1_SHA256,
    };
    let mut signature = vec![0u8; key.public().modulus_len()];
    key.sign(padding, &ring::rand::SystemRandom::new(), input.as_bytes(), &mut signature)
        .map_err(|_| CoreError::Flow("The client assertion could not be signed.".into()))?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

impl Signing {
    /// PS256 (`x5t#S256`) where Microsoft documents it today — the global
    /// cloud, and a custom authority; RS256 (`x5t`) for the national clouds,
    /// whose older token services may not take PS256.
    pub fn for_cloud(cloud: crate::profile::Cloud) -> Signing {
        match cloud {
            crate::profile::Cloud::Global | crate::profile::Cloud::Custom => Signing::Ps256,
            _ => Signing::Rs256,
        }
    }
}

/// The two form fields a token request signed by `cred` carries instead of
/// `client_secret` (Microsoft's "certificate credentials").
pub fn assertion_params(
    cred: &Credential,
    p: &crate::profile::Profile,
    token_url: &str,
    now: OffsetDateTime,
) -> Result<[(&'static str, String); 2], CoreError> {
    let jwt = client_assertion(cred, &p.client_id, token_url, Signing::for_cloud(p.cloud), now)?;
    Ok([("client_assertion_type", ASSERTION_TYPE.to_owned()), ("client_assertion", jwt)])
}

#[cfg(test)]
mod tests;
