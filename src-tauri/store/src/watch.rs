//! A connection kept to ask one question cheaply and often: has anything
//! been committed since I last looked? (`PRAGMA data_version`, which changes
//! whenever *another* connection — of this process or another — commits.)
//! For caches outside the pool: the relay reads its devices for every
//! message and must see a `relay device rm` from the CLI at the next one.

use super::Store;
use crate::error::Result;
use rusqlite::Connection;
use std::sync::Mutex;

pub struct Watch(Mutex<Connection>);

impl Store {
    /// A watch on this database (its own connection, never used to write).
    pub fn watch(&self) -> Result<Watch> {
        Ok(Watch(Mutex::new(super::pool::connect(self.path())?)))
    }
}

impl Watch {
    /// The database's version as this connection sees it: a different
    /// number means something was committed meanwhile.
    pub fn version(&self) -> Result<i64> {
        let conn = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }
}
