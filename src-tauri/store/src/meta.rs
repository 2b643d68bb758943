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
    /// The sealed key-check value, read with the rest.
    pub key_check: Option<Vec<u8>>,
}

fn text(conn: &Connection, key: &str) -> Result<Option<String>> {
    let v: Option<Vec<u8>> =
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?;
    Ok(v.and_then(|b| String::from_utf8(b).ok()))
}

pub(super) fn read_or_init(conn: &Connection) -> Result<DbMeta> {
    // One statement for all three (this runs on every start, `token` included).
    let mut stmt = conn.prepare("SELECT key, value FROM settings WHERE key IN ('key_check', 'key_home', 'db_id')")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
    let (mut key_check, mut key_home, mut db_id) = (None, None, None);
    for row in rows {
        let (k, v) = row?;
        match k.as_str() {
            "key_check" => key_check = Some(v),
            "key_home" => key_home = String::from_utf8(v).ok().as_deref().and_then(KeyHome::parse),
            _ => db_id = String::from_utf8(v).ok(),
        }
    }
    drop(stmt);
    let has_key = key_check.is_some();
    let id = match db_id {
        Some(id) => id,
        None => {
            let id = crate::crypto::random_hex(16);
            conn.execute("INSERT OR IGNORE INTO settings (key, value) VALUES ('db_id', ?1)", [id.as_bytes()])?;
            // Another process may have won the race: read what is stored.
            text(conn, "db_id")?.unwrap_or(id)
        }
    };
    Ok(DbMeta { id, has_key, key_home, key_check })
}

impl super::Store {
    /// Where the key lives now ([`DbMeta::key_home`] is as it was at open).
    pub fn key_home(&self) -> Result<Option<KeyHome>> {
        Ok(text(&*self.conn()?, "key_home")?.as_deref().and_then(KeyHome::parse))
    }

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
