//! Which warnings were already shown: one row per item (a secret, a refresh
//! token, a failing test) and state (soon, urgent, expired), so a desktop
//! notification fires once per threshold crossed, across restarts.

use super::Store;
use crate::error::Result;
use rusqlite::params;

impl Store {
    /// Remember that `item` was announced in `state`; false if it already was.
    pub fn mark_notice(&self, item: &str, state: &str, now: &str) -> Result<bool> {
        let n = self.conn()?.execute(
            "INSERT OR IGNORE INTO notices_sent (item, state, at) VALUES (?1, ?2, ?3)",
            params![item, state, now],
        )?;
        Ok(n == 1)
    }
}
