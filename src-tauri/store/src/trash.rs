//! A deleted profile kept for Undo: its rows in every table that belongs to
//! it, exactly as stored (secrets still sealed under the profile's id), so
//! [`Store::restore`] puts it back as it was — connection, secrets, history
//! and tests included. Held in memory by the front end only until the next
//! delete or exit; nothing readable is in it.

use super::Store;
use crate::error::{CoreError, Result};
use rusqlite::types::Value;
use rusqlite::Transaction;

/// One table's rows of the profile: its name, columns and values.
struct Rows {
    table: String,
    columns: Vec<String>,
    values: Vec<Vec<Value>>,
}

/// A deleted profile's rows (see the module docs).
pub struct DeletedProfile {
    pub id: i64,
    pub name: String,
    rows: Vec<Rows>,
}

impl std::fmt::Debug for DeletedProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n: usize = self.rows.iter().map(|r| r.values.len()).sum();
        write!(f, "DeletedProfile {{ id: {}, name: {:?}, rows: {n} (sealed) }}", self.id, self.name)
    }
}

/// The tables whose rows belong to a profile: the profile's own, then every
/// table with a foreign key to it (read from the schema, so a table added
/// later is kept too).
fn tables(tx: &Transaction<'_>) -> Result<Vec<(String, &'static str)>> {
    let mut stmt = tx.prepare_cached(
        "SELECT m.name FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND f.\"table\" = 'profiles' AND f.\"from\" = 'profile_id' ORDER BY m.name",
    )?;
    let children = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(std::iter::once(("profiles".to_owned(), "id")).chain(children.into_iter().map(|t| (t, "profile_id"))).collect())
}

fn read(tx: &Transaction<'_>, table: &str, key: &str, id: i64) -> Result<Rows> {
    // Names from the schema itself, never from a person.
    let mut stmt = tx.prepare(&format!("SELECT * FROM \"{table}\" WHERE \"{key}\" = ?1"))?;
    let columns: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let n = columns.len();
    let values = stmt
        .query_map([id], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect::<rusqlite::Result<Vec<_>>>())?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Rows { table: table.to_owned(), columns, values })
}

impl Store {
    /// Delete profile `id` and everything of it; what was deleted comes back
    /// for Undo.
    pub fn delete(&self, id: i64) -> Result<DeletedProfile> {
        let mut conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        let mut rows = Vec::new();
        for (table, key) in tables(&tx)? {
            rows.push(read(&tx, &table, key, id)?);
        }
        // The profile's own row came first: its name is read from it, not again.
        let own = &rows[0];
        let name = match (own.values.first(), own.columns.iter().position(|c| c == "name")) {
            (Some(row), Some(i)) => match &row[i] {
                Value::Text(name) => name.clone(),
                _ => String::new(),
            },
            _ => return Err(CoreError::no_profile_id(id)),
        };
        tx.execute("DELETE FROM secrets WHERE profile_id = ?1", [id])?;
        tx.execute("DELETE FROM profiles WHERE id = ?1", [id])?;
        tx.commit()?;
        conn.slot().forget();
        Ok(DeletedProfile { id, name, rows })
    }

    /// Put a deleted profile back as it was, under its id.
    pub fn restore(&self, d: &DeletedProfile) -> Result<()> {
        let mut conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        for r in &d.rows {
            let marks = vec!["?"; r.columns.len()].join(", ");
            let cols = r.columns.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ");
            let mut stmt = tx.prepare(&format!("INSERT INTO \"{}\" ({cols}) VALUES ({marks})", r.table))?;
            for values in &r.values {
                stmt.execute(rusqlite::params_from_iter(values.iter())).map_err(|e| match e {
                    rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
                        CoreError::Flow(format!(
                            "“{}” cannot come back: a profile with its name (or its place) was added since. Rename that one, then undo again.",
                            d.name
                        ))
                    }
                    other => other.into(),
                })?;
            }
        }
        tx.commit()?;
        conn.slot().forget();
        Ok(())
    }
}
