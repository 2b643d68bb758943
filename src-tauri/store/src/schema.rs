//! Versioned migrations (`PRAGMA user_version`, via `rusqlite_migration`).
//! Append new steps; never edit a step that has shipped.

use crate::error::Result;
use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

const STEPS: &[&str] = &[
    // 1: profiles, sealed secrets, settings.
    r#"
    CREATE TABLE profiles (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL COLLATE NOCASE UNIQUE,
        enabled INTEGER NOT NULL DEFAULT 1,
        notes TEXT NOT NULL DEFAULT '',
        provider TEXT NOT NULL,
        auth_method TEXT NOT NULL,
        send_method TEXT NOT NULL,
        mailbox TEXT NOT NULL,
        from_address TEXT,
        domain TEXT,
        tenant TEXT NOT NULL DEFAULT '',
        cloud TEXT NOT NULL DEFAULT 'global',
        authority_url TEXT,
        client_id TEXT NOT NULL DEFAULT '',
        client_secret_id TEXT,
        client_secret_expires TEXT,
        scopes TEXT NOT NULL DEFAULT '',
        redirect_uri TEXT NOT NULL DEFAULT '',
        auth_url TEXT,
        token_url TEXT,
        smtp_host TEXT NOT NULL DEFAULT '',
        smtp_port INTEGER NOT NULL,
        smtp_security TEXT NOT NULL,
        imap_host TEXT NOT NULL DEFAULT '',
        imap_port INTEGER NOT NULL,
        imap_security TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE secrets (
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        sealed BLOB NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (profile_id, kind)
    ) WITHOUT ROWID;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value BLOB NOT NULL
    );
    "#,
    // 2: OAuth tokens: the sealed values live in `secrets` (refresh_token,
    // access_token); this row holds what may be shown.
    r#"
    CREATE TABLE tokens (
        profile_id INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
        access_expires_at INTEGER,
        scopes TEXT NOT NULL DEFAULT '',
        account TEXT,
        tenant_id TEXT,
        object_id TEXT,
        obtained_at TEXT NOT NULL,
        refreshed_at TEXT,
        last_used_at TEXT,
        needs_reconnect INTEGER NOT NULL DEFAULT 0
    );
    "#,
    // 3: results of Test sign-in / Send test message / Check inbound (no secrets).
    r#"
    CREATE TABLE test_results (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        ok INTEGER NOT NULL,
        code TEXT,
        summary TEXT NOT NULL
    );
    CREATE INDEX test_results_by_profile ON test_results (profile_id, kind, at);
    "#,
    // 4: the latest result per profile without a sort (the list reads it for
    // every row), and a bounded history.
    r#"
    CREATE INDEX test_results_latest ON test_results (profile_id, at DESC, id DESC);
    "#,
    // 5: the expiry watch: the history of each profile's client secrets (never
    // a value: Secret ID, the 3-character hint Entra shows, dates), and which
    // warnings were already shown (once per item and threshold).
    r#"
    CREATE TABLE secret_history (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        secret_id TEXT,
        hint TEXT,
        description TEXT NOT NULL DEFAULT '',
        expires_on TEXT,
        added_at TEXT NOT NULL,
        retired_at TEXT
    );
    CREATE INDEX secret_history_by_profile ON secret_history (profile_id, retired_at);
    CREATE TABLE notices_sent (
        item TEXT NOT NULL,
        state TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (item, state)
    ) WITHOUT ROWID;
    "#,
    // 6: token writes are compare-and-set: each write takes the next number of
    // one sequence, so a late answer to an older refresh never replaces (or
    // deletes) a newer connection, even across a disconnect and reconnect.
    r#"
    ALTER TABLE tokens ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE token_seq (n INTEGER NOT NULL);
    INSERT INTO token_seq (n) VALUES (0);
    "#,
    // 7: which secrets a profile has, without reading the sealed blobs: the
    // list reads this covering index (10,000 secrets beside 5,000 tokens:
    // 4.3 ms instead of 7.5 ms).
    r#"
    CREATE INDEX secrets_kinds ON secrets (profile_id, kind);
    "#,
    // 8: each hand-over of a secret to another product (what, when, whether
    // Mailwarden kept its own copy): a secret given out is never forgotten.
    r#"
    CREATE TABLE handovers (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        what TEXT NOT NULL,
        at TEXT NOT NULL,
        kept INTEGER NOT NULL
    );
    CREATE INDEX handovers_by_profile ON handovers (profile_id, at);
    "#,
    // 9: the relay's devices: each legacy sender's own credentials (an Argon2
    // hash, never the password), the profile it sends through, where it may
    // connect from, and whether it may send without TLS or without a password.
    r#"
    CREATE TABLE relay_devices (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
        password_hash TEXT,
        allowed TEXT NOT NULL DEFAULT '',
        plain_ok INTEGER NOT NULL DEFAULT 0,
        rewrite_from INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        last_seen TEXT
    );
    "#,
    // A profile's certificate credential (its private key is a sealed
    // `certificate_key` row in `secrets`).
    r#"
    CREATE TABLE certificates (
        profile_id INTEGER PRIMARY KEY REFERENCES profiles(id) ON DELETE CASCADE,
        der BLOB NOT NULL,
        thumbprint TEXT NOT NULL,
        not_after TEXT NOT NULL,
        subject TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    "#,
    // A custom cloud's Microsoft Graph endpoint, named instead of guessed.
    "ALTER TABLE profiles ADD COLUMN graph_url TEXT;",
    // The end Entra keeps for a profile's certificate (`keyCredentials`'
    // endDateTime, which may come before the certificate's own), as last read.
    "ALTER TABLE certificates ADD COLUMN entra_end TEXT;
     ALTER TABLE certificates ADD COLUMN entra_read_at TEXT;",
    // A relay device's access to its profile's mailbox (the POP3 front).
    "ALTER TABLE relay_devices ADD COLUMN pop3 INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE relay_devices ADD COLUMN on_delete TEXT NOT NULL DEFAULT 'deleteditems';
     ALTER TABLE relay_devices ADD COLUMN newest INTEGER NOT NULL DEFAULT 500;",
    // ... and over IMAP (the IMAP front).
    "ALTER TABLE relay_devices ADD COLUMN imap INTEGER NOT NULL DEFAULT 0;",
    // The POP3 server a profile's mailbox is read from (the POP3 front's upstream).
    "ALTER TABLE profiles ADD COLUMN pop3_host TEXT NOT NULL DEFAULT '';
     ALTER TABLE profiles ADD COLUMN pop3_port INTEGER NOT NULL DEFAULT 995;
     ALTER TABLE profiles ADD COLUMN pop3_security TEXT NOT NULL DEFAULT 'tls';",
];

/// Whether the schema is already the latest: one pragma read, so a read-only
/// call (`mailwarden token`) pays for no migration machinery.
pub fn is_current(conn: &Connection) -> Result<bool> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(v == STEPS.len() as i64)
}

pub fn migrate(conn: &mut Connection) -> Result<()> {
    let migrations = Migrations::new(STEPS.iter().map(|s| M::up(s)).collect());
    migrations.to_latest(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        let m =
            rusqlite_migration::Migrations::new(super::STEPS.iter().map(|s| rusqlite_migration::M::up(s)).collect());
        m.validate().unwrap();
    }
}
