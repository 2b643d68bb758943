//! A profile's certificate credential: the certificate (public, with what
//! the watch and the window read of it) in `certificates`, its private key
//! sealed in `secrets` like every other secret — both written in one
//! transaction, so neither exists without the other.

use super::Store;
use crate::error::Result;
use crate::records::CertificateCredential;
use crate::secret::{SecretChange, SecretKind};
use rusqlite::{params, OptionalExtension, Transaction};

impl Store {
    /// Make `c` the profile's certificate, replacing any before it.
    pub fn set_certificate(&self, profile_id: i64, c: &CertificateCredential, now: &str) -> Result<()> {
        let conn = self.conn()?;
        super::durable(&conn, || {
            let tx = conn.unchecked_transaction()?;
            self.write_certificate(&tx, profile_id, c, now)?;
            tx.commit()?;
            Ok(())
        })
    }

    /// Write `c` as the profile's certificate inside `tx` (a save, a duplicate).
    pub(super) fn write_certificate(
        &self,
        tx: &Transaction<'_>,
        profile_id: i64,
        c: &CertificateCredential,
        now: &str,
    ) -> Result<()> {
        tx.execute(
            "INSERT INTO certificates (profile_id, der, thumbprint, not_after, subject, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (profile_id) DO UPDATE SET der = excluded.der, thumbprint = excluded.thumbprint,
               not_after = excluded.not_after, subject = excluded.subject, created_at = excluded.created_at",
            params![profile_id, c.der, c.info.thumbprint, c.info.not_after, c.info.subject, now],
        )?;
        self.apply_secret(tx, profile_id, SecretKind::CertificateKey, &SecretChange::Set { value: c.key.clone() }, now)
    }

    /// Copy profile `from`'s certificate row to `to` (its key is copied with
    /// the other secrets).
    pub(super) fn copy_certificate(&self, tx: &Transaction<'_>, from: i64, to: i64) -> Result<()> {
        tx.execute(
            "INSERT INTO certificates (profile_id, der, thumbprint, not_after, subject, created_at)
             SELECT ?2, der, thumbprint, not_after, subject, created_at FROM certificates WHERE profile_id = ?1",
            params![from, to],
        )?;
        Ok(())
    }

    /// The profile's certificate as the watch reads it: (thumbprint,
    /// not-after as RFC 3339), without reading the certificate itself.
    pub fn certificate_end(&self, profile_id: i64) -> Result<Option<(String, String)>> {
        Ok(self
            .conn()?
            .query_row("SELECT thumbprint, not_after FROM certificates WHERE profile_id = ?1", [profile_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?)
    }

    /// The profile's certificate (DER), if it has one.
    pub fn certificate(&self, profile_id: i64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn()?
            .query_row("SELECT der FROM certificates WHERE profile_id = ?1", [profile_id], |r| r.get(0))
            .optional()?)
    }

    /// Remove the profile's certificate and its key.
    pub fn remove_certificate(&self, profile_id: i64, now: &str) -> Result<()> {
        let conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        tx.execute("DELETE FROM certificates WHERE profile_id = ?1", [profile_id])?;
        self.apply_secret(&tx, profile_id, SecretKind::CertificateKey, &SecretChange::Clear, now)?;
        tx.commit()?;
        Ok(())
    }
}
