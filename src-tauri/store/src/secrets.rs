//! Sealed secret rows: seal on write, open on read, AAD = profile id + kind.

use super::Store;
use crate::error::Result;
use crate::secret::{ExposeSecret, SecretChange, SecretKind, SecretString};
use rusqlite::{params, OptionalExtension, Transaction};

fn aad(profile_id: i64, kind: SecretKind) -> Vec<u8> {
    format!("mailwarden:v1:profile:{profile_id}:{}", kind.as_str()).into_bytes()
}

impl Store {
    /// Apply `change` to one secret of `profile_id` inside `tx`.
    pub(super) fn apply_secret(
        &self,
        tx: &Transaction<'_>,
        profile_id: i64,
        kind: SecretKind,
        change: &SecretChange,
        now: &str,
    ) -> Result<()> {
        match change {
            SecretChange::Keep => {}
            SecretChange::Clear => {
                tx.execute(
                    "DELETE FROM secrets WHERE profile_id = ?1 AND kind = ?2",
                    params![profile_id, kind.as_str()],
                )?;
            }
            SecretChange::Set { value } => {
                crate::logging::remember_secret(value.expose_secret());
                let sealed = self.sealer()?.seal(value.expose_secret().trim().as_bytes(), &aad(profile_id, kind));
                tx.execute(
                    "INSERT INTO secrets (profile_id, kind, sealed, updated_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (profile_id, kind) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at",
                    params![profile_id, kind.as_str(), sealed, now],
                )?;
            }
        }
        Ok(())
    }

    /// Copy every secret of `from` to `to`, re-sealed for its new row.
    pub(super) fn copy_secrets(&self, tx: &Transaction<'_>, from: i64, to: i64, now: &str) -> Result<()> {
        for kind in [SecretKind::ClientSecret, SecretKind::Password, SecretKind::CertificateKey] {
            if let Some(value) = self.read_secret_in(tx, from, kind)? {
                self.apply_secret(tx, to, kind, &SecretChange::Set { value }, now)?;
            }
        }
        self.copy_certificate(tx, from, to)
    }

    fn read_secret_in(
        &self,
        conn: &rusqlite::Connection,
        profile_id: i64,
        kind: SecretKind,
    ) -> Result<Option<SecretString>> {
        let blob: Option<Vec<u8>> = conn
            .query_row(
                "SELECT sealed FROM secrets WHERE profile_id = ?1 AND kind = ?2",
                params![profile_id, kind.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(blob) = blob else { return Ok(None) };
        self.open_sealed(profile_id, kind, &blob).map(Some)
    }

    /// Open a sealed value read from `secrets` for `profile_id` and `kind`.
    pub(super) fn open_sealed(&self, profile_id: i64, kind: SecretKind, blob: &[u8]) -> Result<SecretString> {
        let plain = self.sealer()?.open(blob, &aad(profile_id, kind))?;
        let text = String::from_utf8(plain.to_vec()).map_err(|_| crate::error::CoreError::Crypto("not text".into()))?;
        crate::logging::remember_secret(&text);
        Ok(SecretString::from(text))
    }

    /// The opened secret, for the core's own use (sign-in, sending). Never
    /// handed to a front end.
    pub fn read_secret(&self, profile_id: i64, kind: SecretKind) -> Result<Option<SecretString>> {
        self.read_secret_in(&*self.conn()?, profile_id, kind)
    }
}
