//! A profile's certificate credential: the certificate (public, with what
//! the watch and the window read of it) in `certificates`, its private key
//! sealed in `secrets` like every other secret — both written in one
//! transaction, so neither exists without the other.

use super::Store;
use crate::error::Result;
use crate::records::CertificateCredential;
use crate::secret::{SecretChange, SecretKind};
use rusqlite::{params, OptionalExtension, Transaction};

/// A certificate's end as the watch reads it (times RFC 3339, UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEnd {
    pub thumbprint: String,
    /// The certificate's own end.
    pub not_after: String,
    /// Entra's end for it, when last read found it on the app.
    pub entra: Option<String>,
    /// When Entra was last read for it.
    pub entra_read_at: Option<String>,
}

impl CertificateEnd {
    /// The earlier of the two ends: Entra refuses the key after either.
    pub fn effective(&self) -> &str {
        match &self.entra {
            Some(e) if e.as_str() < self.not_after.as_str() => e,
            _ => &self.not_after,
        }
    }
}

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
               not_after = excluded.not_after, subject = excluded.subject, created_at = excluded.created_at,
               entra_end = NULL, entra_read_at = NULL",
            params![profile_id, c.der, c.info.thumbprint, c.info.not_after, c.info.subject, now],
        )?;
        self.apply_secret(tx, profile_id, SecretKind::CertificateKey, &SecretChange::Set { value: c.key.clone() }, now)
    }

    /// Copy profile `from`'s certificate row to `to` (its key is copied with
    /// the other secrets).
    pub(super) fn copy_certificate(&self, tx: &Transaction<'_>, from: i64, to: i64) -> Result<()> {
        tx.execute(
            "INSERT INTO certificates (profile_id, der, thumbprint, not_after, subject, created_at, entra_end, entra_read_at)
             SELECT ?2, der, thumbprint, not_after, subject, created_at, entra_end, entra_read_at
             FROM certificates WHERE profile_id = ?1",
            params![from, to],
        )?;
        Ok(())
    }

    /// The profile's certificate as the watch reads it, without reading the
    /// certificate itself.
    pub fn certificate_end(&self, profile_id: i64) -> Result<Option<CertificateEnd>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT thumbprint, not_after, entra_end, entra_read_at FROM certificates WHERE profile_id = ?1",
                [profile_id],
                |r| {
                    Ok(CertificateEnd {
                        thumbprint: r.get(0)?,
                        not_after: r.get(1)?,
                        entra: r.get(2)?,
                        entra_read_at: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    /// Record what Entra's `keyCredentials` said of the certificate
    /// `thumbprint` at `at`: its end (RFC 3339), or None when the app does
    /// not hold it. A certificate replaced meanwhile is left as it is.
    pub fn record_entra_end(&self, profile_id: i64, thumbprint: &str, end: Option<&str>, at: &str) -> Result<bool> {
        let n = self.conn()?.execute(
            "UPDATE certificates SET entra_end = ?3, entra_read_at = ?4 WHERE profile_id = ?1 AND thumbprint = ?2",
            params![profile_id, thumbprint, end, at],
        )?;
        Ok(n == 1)
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
