//! What the database says about itself before its key is loaded: a stable id
//! (the keyring entry is named after it, so a moved, copied or symlinked
//! database finds its key), whether it already has a key (then no new key is
//! ever made for it), and where its key was last kept.

use crate::error::Result;
use rusqlite::{Connection, OptionalExtension};

/// Where a database's data key lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHome {
    Keyring,
    File,
}

impl KeyHome {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyHome::Keyring => "keyring",
            KeyHome::File => "file",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "keyring" => Some(KeyHome::Keyring),
            "file" => Some(KeyHome::File),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbMeta {
    /// Random, made once with the database.
    pub id: String,
    /// The database has a sealed key-check value: it has a key somewhere.
    pub has_key: bool,
    /// Where that key was kept when last recorded (None for older databases).
    pub key_home: Option<KeyHome>,
}

fn text(conn: &Connection, key: &str) -> Result<Option<String>> {
    let v: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(v.and_then(|b| String::from_utf8(b).ok()))
}

pub(super) fn read_or_init(conn: &Connection) -> Result<DbMeta> {
    let has_key: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'key_check')", [], |r| r.get(0))?;
    let key_home = text(conn, "key_home")?.as_deref().and_then(KeyHome::parse);
    let id = match text(conn, "db_id")? {
        Some(id) => id,
        None => {
            let id = crate::crypto::random_hex(16);
            conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('db_id', ?1)", [id.as_bytes()])?;
            // Another process may have won the race: read what is stored.
            text(conn, "db_id")?.unwrap_or(id)
        }
    };
    Ok(DbMeta { id, has_key, key_home })
}

impl super::Store {
    /// Record where the key now lives.
    pub fn set_key_home(&self, home: KeyHome) -> Result<()> {
        let conn = self.conn()?;
        super::durable(&conn, || {
            conn.execute(
                "INSERT OR REPLACE INTO settings (key, value) VALUES ('key_home', ?1)",
                [home.as_str().as_bytes()],
            )
            .map_err(crate::error::CoreError::from)
        })?;
        Ok(())
    }
}
