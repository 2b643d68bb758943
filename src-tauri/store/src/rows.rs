//! The list pane's rows ([`ProfileRow`]): 14 columns of each profile, its
//! secret flags and latest test, in name order. Cached per connection like
//! the full list, until a write here or a commit elsewhere.

use super::profiles::{choice, date, flags_of, text};
use super::Store;
use crate::error::Result;
use crate::profile::{AuthMethod, ProfileRow, Provider, SendMethod};
use rusqlite::Row;
use std::sync::Arc;

const SELECT: &str = "SELECT id, name, enabled, provider, auth_method, send_method, mailbox,
    client_secret_expires, from_address, notes, client_id, tenant, smtp_host, imap_host,
    substr(min(c.not_after, coalesce(c.entra_end, c.not_after)), 1, 10)
    FROM profiles LEFT JOIN certificates c ON c.profile_id = profiles.id";

/// Columns `cols`, each followed by a newline, in one string.
fn joined(row: &Row<'_>, cols: std::ops::Range<usize>) -> rusqlite::Result<String> {
    let mut parts = [""; 6];
    for (part, col) in parts.iter_mut().zip(cols) {
        *part = row.get_ref(col)?.as_str_or_null()?.unwrap_or_default();
    }
    let mut out = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for p in parts {
        out.push_str(p);
        out.push('\n');
    }
    Ok(out)
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<ProfileRow> {
    Ok(ProfileRow {
        id: row.get(0)?,
        name: text(row, 1)?.to_owned(),
        enabled: row.get(2)?,
        provider: choice(row, 3, Provider::parse, "provider")?,
        auth_method: choice(row, 4, AuthMethod::parse, "auth method")?,
        send_method: choice(row, 5, SendMethod::parse, "send method")?,
        mailbox: text(row, 6)?.to_owned(),
        client_secret_expires: date(row, 7)?,
        searched: joined(row, 8..14)?,
        certificate_end: date(row, 14)?,
        has_client_secret: false,
        has_password: false,
        last_test: None,
    })
}

impl Store {
    /// Every profile's list row, ordered by name (case-insensitive).
    pub fn list_rows(&self) -> Result<Arc<Vec<Arc<ProfileRow>>>> {
        self.read_all(
            |c| &mut c.rows,
            SELECT,
            |row, extras| {
                let mut r = from_row(row)?;
                (r.has_client_secret, r.has_password, _) = flags_of(&extras.flags, r.id);
                r.last_test = extras.tests.remove(&r.id);
                Ok(Arc::new(r))
            },
            |r| &r.name,
        )
    }
}
