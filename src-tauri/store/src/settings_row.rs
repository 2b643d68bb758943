//! The settings' row: one JSON value in the `settings` table, validated
//! before it is written (the type and its rules are in [`crate::settings`]).

use super::Store;
use crate::error::Result;
use crate::settings::Settings;
use rusqlite::OptionalExtension;

impl Store {
    pub fn settings(&self) -> Result<Settings> {
        let raw: Option<Vec<u8>> =
            self.conn()?.query_row("SELECT value FROM settings WHERE key = 'app'", [], |r| r.get(0)).optional()?;
        // A value written by a newer version with fields this one lacks still reads.
        Ok(raw.and_then(|v| serde_json::from_slice(&v).ok()).unwrap_or_default())
    }

    pub fn save_settings(&self, s: &Settings) -> Result<()> {
        s.validate()?;
        let json = serde_json::to_vec(s).expect("settings serialise");
        self.conn()?.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('app', ?1)", [json])?;
        Ok(())
    }
}
