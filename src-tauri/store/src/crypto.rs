//! Sealing secrets: XChaCha20-Poly1305 (RustCrypto) with a random 192-bit nonce.
//!
//! A sealed blob is `nonce ‖ ciphertext+tag`. Callers pass associated data that
//! names where the blob lives (profile id and secret kind), so a blob copied onto
//! another row fails to open. This is the only module that touches the data key.

use crate::error::{CoreError, Result};
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

const NONCE_LEN: usize = 24;
pub const KEY_LEN: usize = 32;

/// The 256-bit data key. Zeroed on drop; never printed.
pub struct DataKey(Zeroizing<[u8; KEY_LEN]>);

impl DataKey {
    pub fn generate() -> Self {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        bytes.copy_from_slice(&key);
        DataKey(bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(arr)))
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

/// `n` random bytes from the OS, as lowercase hex (ids, never keys).
pub fn random_hex(n: usize) -> String {
    use chacha20poly1305::aead::rand_core::RngCore;
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(key: &DataKey) -> Self {
        Sealer { cipher: XChaCha20Poly1305::new(Key::from_slice(key.as_bytes())) }
    }

    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad })
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    pub fn open(&self, blob: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if blob.len() < NONCE_LEN + 16 {
            return Err(CoreError::Crypto("blob too short".into()));
        }
        let (nonce, ct) = blob.split_at(NONCE_LEN);
        self.cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
            .map(Zeroizing::new)
            .map_err(|_| CoreError::Crypto("authentication failed".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let s = Sealer::new(&DataKey::generate());
        let blob = s.seal(b"WvR8Q~secret", b"p1:client_secret");
        assert!(!blob.windows(6).any(|w| w == b"WvR8Q~"));
        assert_eq!(&s.open(&blob, b"p1:client_secret").unwrap()[..], b"WvR8Q~secret");
        assert!(s.open(&blob, b"p2:client_secret").is_err(), "blob moved to another row must not open");
        let other = Sealer::new(&DataKey::generate());
        assert!(other.open(&blob, b"p1:client_secret").is_err(), "wrong key must not open");
        let mut tampered = blob.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(s.open(&tampered, b"p1:client_secret").is_err());
        assert_ne!(s.seal(b"x", b"a"), s.seal(b"x", b"a"), "nonces are random");
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", DataKey::generate()), "DataKey([REDACTED])");
    }
}
