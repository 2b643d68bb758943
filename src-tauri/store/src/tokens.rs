//! Token rows: what a connection holds (expiry, scopes, account, times) beside
//! the sealed refresh and access tokens. Saving is one transaction, so a rotated
//! refresh token is committed with (and before handing out) its access token.

use super::Store;
use crate::error::{CoreError, Result};
use crate::records::TokenRecord;
use crate::secret::{SecretChange, SecretKind, SecretString};
use rusqlite::{params, OptionalExtension};
use time::OffsetDateTime;

/// The token lock, held: an exclusive lock on `<db>.lock` across threads and
/// processes. Every token write takes one (`&TokenLock`), and only
/// [`Store::lock_tokens`] makes one, so a write outside the lock does not
/// compile. It lets go when dropped (or when its process ends, even killed).
pub struct TokenLock {
    _file: std::fs::File,
}

/// A successful token response, ready to store.
pub struct TokenUpdate {
    pub access_token: SecretString,
    pub access_expires_at: i64,
    /// A new refresh token (rotation), or None to keep the stored one.
    pub refresh_token: Option<SecretString>,
    pub scopes: Vec<String>,
    pub account: Option<String>,
    pub tenant_id: Option<String>,
    pub object_id: Option<String>,
    /// A refresh of an existing connection (vs. a new sign-in).
    pub refreshed: bool,
}

/// Expiry, last use and the sealed access token, as one statement reads them.
type CachedRow = (Option<i64>, Option<String>, Option<Vec<u8>>);

/// A cached access token as read for handing out.
pub struct Cached {
    pub token: SecretString,
    pub expires_at: i64,
    /// RFC 3339, UTC.
    pub last_used: Option<String>,
}

/// Which connection state a token write may replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A new sign-in: replaces whatever is stored.
    Anything,
    /// A refresh (or its failure) based on the state read at this generation
    /// (None: there was no connection row).
    Generation(Option<i64>),
}

impl Expect {
    fn holds(self, tx: &rusqlite::Transaction<'_>, profile_id: i64) -> Result<bool> {
        match self {
            Expect::Anything => Ok(true),
            Expect::Generation(g) => {
                let now: Option<i64> = tx
                    .query_row("SELECT generation FROM tokens WHERE profile_id = ?1", [profile_id], |r| r.get(0))
                    .optional()?;
                Ok(now == g)
            }
        }
    }
}

fn drop_token_secrets(tx: &rusqlite::Transaction<'_>, profile_id: i64) -> Result<()> {
    tx.execute(
        "DELETE FROM secrets WHERE profile_id = ?1 AND kind IN ('refresh_token', 'access_token')",
        [profile_id],
    )?;
    Ok(())
}

fn next_generation(tx: &rusqlite::Transaction<'_>) -> Result<i64> {
    Ok(tx.query_row("UPDATE token_seq SET n = n + 1 RETURNING n", [], |r| r.get(0))?)
}

impl Store {
    /// Take the one lock every token write is made under, across threads
    /// and processes (an exclusive lock on `<db>.lock`, created 0600):
    /// refreshes are single-flight, and a sign-in, a disconnect or a dead
    /// grant never interleaves with a refresh in flight. Blocks until held.
    pub fn lock_tokens(&self) -> Result<TokenLock> {
        // The lock may be held by another process for a refresh in flight,
        // and whoever holds it talks to the network: no brief hold meanwhile.
        self.share();
        let mut name = self.path().as_os_str().to_owned();
        name.push(".lock");
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).truncate(false).write(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let f = opts.open(&name).map_err(|e| CoreError::io("Could not open the token lock file", e))?;
        f.lock().map_err(|e| CoreError::io("Could not lock the token lock file", e))?;
        Ok(TokenLock { _file: f })
    }

    pub fn token_record(&self, profile_id: i64) -> Result<Option<TokenRecord>> {
        Ok(self
            .conn()?
            .query_row(
                "SELECT t.access_expires_at, t.scopes, t.account, t.tenant_id, t.object_id, t.obtained_at,
                        t.refreshed_at, t.last_used_at, t.needs_reconnect,
                        EXISTS (SELECT 1 FROM secrets s WHERE s.profile_id = t.profile_id AND s.kind = 'refresh_token')
                 FROM tokens t WHERE t.profile_id = ?1",
                [profile_id],
                |r| {
                    let scopes: String = r.get(1)?;
                    Ok(TokenRecord {
                        access_expires_at: r.get(0)?,
                        scopes: scopes.split_whitespace().map(str::to_owned).collect(),
                        account: r.get(2)?,
                        tenant_id: r.get(3)?,
                        object_id: r.get(4)?,
                        obtained_at: r.get(5)?,
                        refreshed_at: r.get(6)?,
                        last_used_at: r.get(7)?,
                        needs_reconnect: r.get(8)?,
                        has_refresh_token: r.get(9)?,
                    })
                },
            )
            .optional()?)
    }

    /// The stored access token if it stays valid until `valid_until` (unix
    /// s), its expiry and when it was last used — one statement, as this is
    /// the path of every cached `mailwarden token`.
    pub fn cached_access_token(&self, profile_id: i64, valid_until: i64) -> Result<Option<Cached>> {
        let row: Option<CachedRow> = self
            .conn()?
            .query_row(
                "SELECT t.access_expires_at, t.last_used_at, s.sealed FROM tokens t
                 LEFT JOIN secrets s ON s.profile_id = t.profile_id AND s.kind = 'access_token'
                 WHERE t.profile_id = ?1",
                [profile_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match row {
            Some((Some(exp), last_used, Some(blob))) if exp > valid_until => {
                let token = self.open_sealed(profile_id, SecretKind::AccessToken, &blob)?;
                Ok(Some(Cached { token, expires_at: exp, last_used }))
            }
            _ => Ok(None),
        }
    }

    /// The connection's generation (None when there is no connection): read
    /// with the refresh token, and handed back to [`Store::save_tokens`] and
    /// [`Store::mark_grant_dead`] so they apply only to the state it was read from.
    pub fn token_generation(&self, profile_id: i64) -> Result<Option<i64>> {
        Ok(self
            .conn()?
            .query_row("SELECT generation FROM tokens WHERE profile_id = ?1", [profile_id], |r| r.get(0))
            .optional()?)
    }

    /// Store a token response. `expect` is the generation the request was
    /// based on (a refresh), or [`Expect::Anything`] for a new sign-in, which
    /// replaces whatever is there. Returns false (and changes nothing) when
    /// the connection changed meanwhile.
    pub fn save_tokens(
        &self,
        _lock: &TokenLock,
        profile_id: i64,
        u: TokenUpdate,
        now: OffsetDateTime,
        expect: Expect,
    ) -> Result<bool> {
        let now = crate::clock::rfc3339(now);
        self.token_write(profile_id, expect, |tx, generation| {
            if let Some(rt) = &u.refresh_token {
                let set = SecretChange::Set { value: rt.clone() };
                self.apply_secret(tx, profile_id, SecretKind::RefreshToken, &set, &now)?;
            }
            let set = SecretChange::Set { value: u.access_token.clone() };
            self.apply_secret(tx, profile_id, SecretKind::AccessToken, &set, &now)?;
            tx.execute(
                "INSERT INTO tokens (profile_id, access_expires_at, scopes, account, tenant_id, object_id, obtained_at,
                                     refreshed_at, needs_reconnect, generation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, CASE WHEN ?8 THEN ?7 END, 0, ?9)
                 ON CONFLICT (profile_id) DO UPDATE SET
                    access_expires_at = excluded.access_expires_at, scopes = excluded.scopes,
                    account = coalesce(excluded.account, account), tenant_id = coalesce(excluded.tenant_id, tenant_id),
                    object_id = coalesce(excluded.object_id, object_id),
                    obtained_at = CASE WHEN ?8 THEN obtained_at ELSE excluded.obtained_at END,
                    refreshed_at = CASE WHEN ?8 THEN ?7 ELSE refreshed_at END, needs_reconnect = 0,
                    generation = excluded.generation",
                params![
                    profile_id,
                    u.access_expires_at,
                    u.scopes.join(" "),
                    u.account,
                    u.tenant_id,
                    u.object_id,
                    now,
                    u.refreshed,
                    generation
                ],
            )?;
            Ok(())
        })
    }

    /// The provider said the grant is dead: drop the refresh and access tokens
    /// and mark the connection for reconnecting — only if the connection is
    /// still the one the failed request was based on (`expect`).
    pub fn mark_grant_dead(&self, _lock: &TokenLock, profile_id: i64, expect: Expect) -> Result<bool> {
        self.token_write(profile_id, expect, |tx, generation| {
            drop_token_secrets(tx, profile_id)?;
            tx.execute(
                "UPDATE tokens SET needs_reconnect = 1, access_expires_at = NULL, generation = ?2 WHERE profile_id = ?1",
                [profile_id, generation],
            )?;
            Ok(())
        })
    }

    /// Remove every token of the profile (Disconnect).
    pub fn delete_tokens(&self, _lock: &TokenLock, profile_id: i64) -> Result<()> {
        self.token_write(profile_id, Expect::Anything, |tx, _| {
            drop_token_secrets(tx, profile_id)?;
            tx.execute("DELETE FROM tokens WHERE profile_id = ?1", [profile_id])?;
            Ok(())
        })?;
        Ok(())
    }

    /// One token write: a durable transaction that applies only if `expect`
    /// still holds, with the next generation of the sequence. False (and
    /// nothing written) when the connection changed meanwhile.
    fn token_write(
        &self,
        profile_id: i64,
        expect: Expect,
        write: impl FnOnce(&rusqlite::Transaction<'_>, i64) -> Result<()>,
    ) -> Result<bool> {
        let mut conn = self.conn()?;
        let applied = super::durable(&conn, || -> Result<bool> {
            let tx = conn.unchecked_transaction()?;
            if !expect.holds(&tx, profile_id)? {
                return Ok(false);
            }
            let generation = next_generation(&tx)?;
            write(&tx, generation)?;
            tx.commit()?;
            Ok(true)
        })?;
        conn.slot().forget();
        Ok(applied)
    }

    /// Record a use of the token, at most once a minute (keeps `token` cheap).
    pub fn touch_token(&self, profile_id: i64, now: OffsetDateTime) -> Result<()> {
        let cutoff = crate::clock::rfc3339(now - time::Duration::minutes(1));
        self.conn()?.execute(
            "UPDATE tokens SET last_used_at = ?2 WHERE profile_id = ?1 AND (last_used_at IS NULL OR last_used_at < ?3)",
            params![profile_id, crate::clock::rfc3339(now), cutoff],
        )?;
        Ok(())
    }
}
