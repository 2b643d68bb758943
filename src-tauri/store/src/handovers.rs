//! The record of secrets handed over to other products: what, when, and
//! whether Mailwarden kept using its own copy. Never the value.

use super::Store;
use crate::error::Result;
use crate::records::{HandoverRecord, Reveal};
use rusqlite::params;

impl Store {
    pub fn record_handover(&self, profile_id: i64, what: Reveal, at: &str, kept: bool) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO handovers (profile_id, what, at, kept) VALUES (?1, ?2, ?3, ?4)",
            params![profile_id, what.as_str(), at, kept],
        )?;
        Ok(())
    }

    /// The profile's hand-overs, newest first.
    pub fn handovers(&self, profile_id: i64) -> Result<Vec<HandoverRecord>> {
        let conn = self.conn()?;
        let mut stmt =
            conn.prepare("SELECT what, at, kept FROM handovers WHERE profile_id = ?1 ORDER BY at DESC, id DESC")?;
        let rows = stmt.query_map([profile_id], |r| {
            let what: String = r.get(0)?;
            Ok(HandoverRecord {
                what: Reveal::parse(&what).unwrap_or(Reveal::ClientSecret),
                at: r.get(1)?,
                kept: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
