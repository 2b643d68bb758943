//! PFX / PKCS#12 files: a certificate with its key brought in under the
//! file's passphrase, and handed over as one (for products such as
//! SMTP2Graph that take a PFX), written with AES-256 (PBES2) by the
//! `p12-keystore` crate.

use super::{described, Credential, MIN_KEY_BITS};
use crate::error::CoreError;
use crate::secret::{ExposeSecret, SecretString};
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy, PrivateKeyChain};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;

fn bad(message: impl Into<String>) -> CoreError {
    CoreError::invalid("certificateFile", message)
}

/// The certificate and key in PFX `data`, opened with `passphrase`.
pub fn from_pfx(data: &[u8], passphrase: &SecretString) -> Result<Credential, CoreError> {
    let store = KeyStore::from_pkcs12(data, passphrase.expose_secret(), Pkcs12ImportPolicy::Relaxed).map_err(|e| {
        let text = e.to_string().to_ascii_lowercase();
        if text.contains("mac") || text.contains("password") || text.contains("decrypt") {
            CoreError::invalid("certificatePassphrase", "The passphrase does not open this PFX file.")
        } else {
            bad("The file is not a PFX (PKCS#12) file Mailwarden can read.")
        }
    })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| bad("The PFX file holds no private key."))?;
    let cert = chain.certs().first().ok_or_else(|| bad("The PFX file holds no certificate for its key."))?;
    let key = RsaPrivateKey::from_pkcs8_der(chain.key().as_der())
        .map_err(|_| bad("The PFX file's key is not RSA (Entra's certificate credentials are RSA)."))?;
    if key.size() * 8 < MIN_KEY_BITS {
        return Err(bad(format!("The key has {} bits; Entra needs at least 2048.", key.size() * 8)));
    }
    let der = cert.as_der().to_vec();
    super::check_pair(&der, &key)?;
    let pem =
        key.to_pkcs8_pem(LineEnding::LF).map_err(|e| CoreError::Flow(format!("The key could not be encoded: {e}.")))?;
    described(der, SecretString::from(pem.as_str().to_owned()))
}

/// `cred` as a PFX file under `passphrase` (at least 8 characters).
pub fn to_pfx(cred: &Credential, passphrase: &SecretString) -> Result<Vec<u8>, CoreError> {
    if passphrase.expose_secret().chars().count() < 8 {
        return Err(CoreError::invalid(
            "passphrase",
            "The passphrase must be at least 8 characters: it is all that protects the private key in the file.",
        ));
    }
    let key = RsaPrivateKey::from_pkcs8_pem(cred.key.expose_secret())
        .map_err(|_| CoreError::Crypto("the certificate's private key".into()))?;
    let pkcs8 = key.to_pkcs8_der().map_err(|_| CoreError::Crypto("the certificate's private key".into()))?;
    let err = |e: p12_keystore::error::Error| CoreError::Flow(format!("The PFX file could not be written: {e}."));
    let chain = PrivateKeyChain::new(
        cred.info.thumbprint.as_bytes(),
        p12_keystore::PrivateKey::from_der(pkcs8.as_bytes()).map_err(err)?,
        [p12_keystore::Certificate::from_der(&cred.der).map_err(err)?],
    );
    let mut store = KeyStore::new();
    store.add_entry(&cred.info.subject, KeyStoreEntry::PrivateKeyChain(chain));
    store.writer(passphrase.expose_secret()).write().map_err(err)
}
