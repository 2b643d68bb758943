//! The relay's devices: each legacy sender's row (its password only as an
//! Argon2 hash), joined to the profile it sends through.

use super::Store;
use crate::error::{CoreError, Result};
use crate::records::{Device, DeviceRow};
use rusqlite::{params, OptionalExtension};

const SELECT: &str = "SELECT d.id, d.name, d.profile_id, p.name, d.password_hash, d.allowed, d.plain_ok,
    d.rewrite_from, d.created_at, d.last_seen, d.pop3, d.on_delete, d.newest, d.imap
    FROM relay_devices d JOIN profiles p ON p.id = d.profile_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    let allowed: Vec<String> = r.get::<_, String>(5)?.split_whitespace().map(str::to_owned).collect();
    let has_password = r.get::<_, Option<String>>(4)?.is_some();
    Ok(DeviceRow {
        device: Device {
            id: r.get(0)?,
            name: r.get(1)?,
            profile_id: r.get(2)?,
            profile_name: r.get(3)?,
            has_password,
            warning: Device::range_warning(&allowed, has_password),
            allowed,
            plain_ok: r.get(6)?,
            rewrite_from: r.get(7)?,
            created_at: r.get(8)?,
            last_seen: r.get(9)?,
            mailbox: crate::records::MailboxAccess {
                pop3: r.get(10)?,
                on_delete: r.get(11)?,
                newest: r.get(12)?,
                imap: r.get(13)?,
            },
        },
        password_hash: r.get(4)?,
    })
}

impl Store {
    pub fn relay_devices(&self) -> Result<Vec<DeviceRow>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY d.name COLLATE NOCASE"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn relay_device(&self, name: &str) -> Result<Option<DeviceRow>> {
        let conn = self.conn()?;
        Ok(conn.query_row(&format!("{SELECT} WHERE d.name = ?1 COLLATE NOCASE"), [name], row).optional()?)
    }

    /// Add a device; a name in use is the `name` field's error.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_relay_device(
        &self,
        name: &str,
        profile_id: i64,
        password_hash: Option<&str>,
        allowed: &[String],
        plain_ok: bool,
        rewrite_from: bool,
        mailbox: &crate::records::MailboxAccess,
        at: &str,
    ) -> Result<i64> {
        let conn = self.conn()?;
        let r = conn.execute(
            "INSERT INTO relay_devices (name, profile_id, password_hash, allowed, plain_ok, rewrite_from, created_at,
               pop3, on_delete, newest, imap)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                name,
                profile_id,
                password_hash,
                allowed.join(" "),
                plain_ok,
                rewrite_from,
                at,
                mailbox.pop3,
                mailbox.on_delete,
                mailbox.newest,
                mailbox.imap
            ],
        );
        match r {
            Ok(_) => Ok(conn.last_insert_rowid()),
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => Err(
                CoreError::invalid("name", format!("A device called \"{name}\" exists already; choose another name.")),
            ),
            Err(e) => Err(e.into()),
        }
    }

    pub fn set_relay_device_password(&self, id: i64, password_hash: Option<&str>) -> Result<()> {
        self.conn()?
            .execute("UPDATE relay_devices SET password_hash = ?2 WHERE id = ?1", params![id, password_hash])?;
        Ok(())
    }

    pub fn delete_relay_device(&self, id: i64) -> Result<()> {
        self.conn()?.execute("DELETE FROM relay_devices WHERE id = ?1", [id])?;
        Ok(())
    }

    pub fn touch_relay_device(&self, id: i64, at: &str) -> Result<()> {
        self.conn()?.execute("UPDATE relay_devices SET last_seen = ?2 WHERE id = ?1", params![id, at])?;
        Ok(())
    }
}
