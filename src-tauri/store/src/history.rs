//! The history of a profile's client secrets: what Entra shows about each
//! (Secret ID, the value's first three characters, description, expiry) and
//! when it was added and retired — never a value. Kept in step with the
//! profile in the same transaction that saves it.

use super::Store;
use crate::error::Result;
use crate::profile::Profile;
use crate::records::{hint_of, SecretRecord};
use crate::secret::{ExposeSecret, SecretChange};
use rusqlite::{params, OptionalExtension, Transaction};

impl Store {
    /// Newest first; the one without `retired_at` is the secret in use.
    pub fn secret_history(&self, profile_id: i64) -> Result<Vec<SecretRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, secret_id, hint, description, expires_on, added_at, retired_at FROM secret_history
             WHERE profile_id = ?1 ORDER BY retired_at IS NOT NULL, added_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([profile_id], |r| {
            Ok(SecretRecord {
                id: r.get(0)?,
                secret_id: r.get(1)?,
                hint: r.get(2)?,
                description: r.get(3)?,
                expires_on: r.get(4)?,
                added_at: r.get(5)?,
                retired_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Name the secret in use (the portal's Description column).
    pub fn describe_current_secret(&self, profile_id: i64, description: &str) -> Result<()> {
        self.conn()?.execute(
            "UPDATE secret_history SET description = ?2 WHERE profile_id = ?1 AND retired_at IS NULL",
            params![profile_id, description],
        )?;
        Ok(())
    }

    /// Bring the history in step with a save: a new value retires the current
    /// record and starts one; clearing retires it; otherwise the current
    /// record follows the profile's Secret ID and expiry.
    pub(super) fn sync_secret_history(
        &self,
        tx: &Transaction<'_>,
        id: i64,
        p: &Profile,
        change: &SecretChange,
        now: &str,
    ) -> Result<()> {
        let current: Option<i64> = tx
            .query_row(
                "SELECT id FROM secret_history WHERE profile_id = ?1 AND retired_at IS NULL ORDER BY id DESC LIMIT 1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        let expires = p.client_secret_expires.map(|d| d.to_string());
        match (change, current) {
            (SecretChange::Set { value }, _) => {
                tx.execute(
                    "UPDATE secret_history SET retired_at = ?2 WHERE profile_id = ?1 AND retired_at IS NULL",
                    params![id, now],
                )?;
                tx.execute(
                    "INSERT INTO secret_history (profile_id, secret_id, hint, expires_on, added_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![id, p.client_secret_id, hint_of(value.expose_secret()), expires, now],
                )?;
            }
            (SecretChange::Clear, Some(row)) => {
                tx.execute("UPDATE secret_history SET retired_at = ?2 WHERE id = ?1", params![row, now])?;
            }
            (SecretChange::Keep, Some(row)) => {
                tx.execute(
                    "UPDATE secret_history SET secret_id = ?2, expires_on = ?3 WHERE id = ?1",
                    params![row, p.client_secret_id, expires],
                )?;
            }
            (SecretChange::Keep, None) if p.client_secret_id.is_some() || expires.is_some() => {
                // A secret saved before the history existed: start its record.
                let held: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM secrets WHERE profile_id = ?1 AND kind = 'client_secret')",
                    [id],
                    |r| r.get(0),
                )?;
                if held {
                    tx.execute(
                        "INSERT INTO secret_history (profile_id, secret_id, expires_on, added_at) VALUES (?1, ?2, ?3, ?4)",
                        params![id, p.client_secret_id, expires, now],
                    )?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}
