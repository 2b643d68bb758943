//! Profile rows: insert, update, list, delete, duplicate — each in a transaction.

use super::pool::{Conn, Snapshot};
use super::Store;
use crate::error::{CoreError, FieldError, Result};
use crate::profile::{AuthMethod, Cloud, Profile, Provider, SendMethod, StoredProfile, TlsMode, Validated};
use crate::secret::{SecretChange, SecretKind};
use rusqlite::{ErrorCode, OptionalExtension, Row};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

const SELECT: &str = "SELECT p.id, p.name, p.enabled, p.notes, p.provider, p.auth_method, p.send_method,
    p.mailbox, p.from_address, p.domain, p.tenant, p.cloud, p.authority_url, p.client_id,
    p.client_secret_id, p.client_secret_expires, p.scopes, p.redirect_uri, p.auth_url, p.token_url,
    p.smtp_host, p.smtp_port, p.smtp_security, p.imap_host, p.imap_port, p.imap_security,
    p.created_at, p.updated_at, p.graph_url, substr(min(c.not_after, coalesce(c.entra_end, c.not_after)), 1, 10),
    p.pop3_host, p.pop3_port, p.pop3_security
    FROM profiles p LEFT JOIN certificates c ON c.profile_id = p.id";

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, format!("unknown {what}").into())
}

/// A text column read in place (no allocation), for the values parsed further.
pub(super) fn text<'r>(row: &'r Row<'_>, col: usize) -> rusqlite::Result<&'r str> {
    row.get_ref(col)?.as_str().map_err(|_| bad(col, "text"))
}

pub(super) fn choice<T>(row: &Row<'_>, col: usize, parse: fn(&str) -> Option<T>, what: &str) -> rusqlite::Result<T> {
    parse(text(row, col)?).ok_or_else(|| bad(col, what))
}

fn timestamp(row: &Row<'_>, col: usize) -> rusqlite::Result<OffsetDateTime> {
    OffsetDateTime::parse(text(row, col)?, &Rfc3339).map_err(|_| bad(col, "timestamp"))
}

pub(super) fn date(row: &Row<'_>, col: usize) -> rusqlite::Result<Option<Date>> {
    let s = row.get_ref(col)?.as_str_or_null().map_err(|_| bad(col, "date"))?;
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    s.map(|s| Date::parse(s, &fmt).map_err(|_| bad(col, "date"))).transpose()
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<StoredProfile> {
    let scopes = text(row, 16)?;
    Ok(StoredProfile {
        profile: Profile {
            id: row.get(0)?,
            name: row.get(1)?,
            enabled: row.get(2)?,
            notes: row.get(3)?,
            provider: choice(row, 4, Provider::parse, "provider")?,
            auth_method: choice(row, 5, AuthMethod::parse, "auth method")?,
            send_method: choice(row, 6, SendMethod::parse, "send method")?,
            mailbox: row.get(7)?,
            from_address: row.get(8)?,
            domain: row.get(9)?,
            tenant: row.get(10)?,
            cloud: choice(row, 11, Cloud::parse, "cloud")?,
            authority_url: row.get(12)?,
            graph_url: row.get(28)?,
            client_id: row.get(13)?,
            client_secret_id: row.get(14)?,
            client_secret_expires: date(row, 15)?,
            scopes: scopes.split_whitespace().map(str::to_owned).collect(),
            redirect_uri: row.get(17)?,
            auth_url: row.get(18)?,
            token_url: row.get(19)?,
            smtp_host: row.get(20)?,
            smtp_port: row.get(21)?,
            smtp_security: choice(row, 22, TlsMode::parse, "TLS mode")?,
            imap_host: row.get(23)?,
            imap_port: row.get(24)?,
            imap_security: choice(row, 25, TlsMode::parse, "TLS mode")?,
            pop3_host: row.get(30)?,
            pop3_port: row.get(31)?,
            pop3_security: choice(row, 32, TlsMode::parse, "TLS mode")?,
            created_at: timestamp(row, 26)?,
            updated_at: timestamp(row, 27)?,
        },
        has_client_secret: false,
        has_certificate: false,
        certificate_end: date(row, 29)?,
        has_password: false,
        last_test: None,
    })
}

/// A unique-name violation becomes the field error a form can show.
fn name_taken(e: rusqlite::Error, name: &str) -> CoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => CoreError::Validation(vec![FieldError::new(
            "name",
            format!("A profile named \"{name}\" already exists; choose another name."),
        )]),
        _ => CoreError::Storage(e),
    }
}

impl Store {
    /// Every profile, ordered by name (case-insensitive). Cached between calls
    /// until a write, here or by another process, changes the database.
    pub fn list(&self) -> Result<Arc<Vec<StoredProfile>>> {
        self.read_all(
            |c| &mut c.cache,
            SELECT,
            |row, extras| {
                let mut s = from_row(row)?;
                set_flags(&mut s, &extras.flags);
                s.last_test = extras.tests.remove(&s.profile.id);
                Ok(s)
            },
            |s| &s.profile.name,
        )
    }

    /// Every row of `sql` (a SELECT over `profiles`) made by `make`, in name
    /// order (`name`), read in one snapshot with the secret flags and latest
    /// tests, and kept in this connection's cache `slot` until the database
    /// changes (`PRAGMA data_version`: a write here or a commit elsewhere).
    pub(super) fn read_all<T>(
        &self,
        slot: fn(&mut Conn) -> &mut Snapshot<T>,
        sql: &str,
        make: impl Fn(&Row<'_>, &mut Extras) -> rusqlite::Result<T>,
        name: fn(&T) -> &str,
    ) -> Result<Arc<Vec<T>>> {
        let mut conn = self.conn()?;
        let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if let Some((v, rows)) = slot(conn.slot()) {
            if *v == version {
                return Ok(rows.clone());
            }
        }
        let tx = conn.unchecked_transaction()?; // one consistent snapshot
        let mut extras = Extras { flags: secret_flags(&tx)?, tests: Store::latest_tests(&tx, None)? };
        let count: usize = tx.query_row("SELECT count(*) FROM profiles", [], |r| r.get(0))?;
        let mut rows = Vec::with_capacity(count);
        // Read in table order (sequential pages) and sort here: ordering by the
        // name index would seek the table once per row, ~3x slower at 10k rows.
        let mut stmt = tx.prepare_cached(sql)?;
        let mut q = stmt.query([])?;
        while let Some(row) = q.next()? {
            rows.push(make(row, &mut extras)?);
        }
        drop(q);
        drop(stmt);
        tx.finish()?;
        // NOCASE order (ASCII case folding, as SQLite's). Names are unique
        // under it, so an unstable sort is deterministic; comparing folded
        // bytes in place allocates no keys.
        rows.sort_unstable_by(|a, b| {
            name(a).bytes().map(|c| c.to_ascii_lowercase()).cmp(name(b).bytes().map(|c| c.to_ascii_lowercase()))
        });
        let rows = Arc::new(rows);
        *slot(conn.slot()) = Some((version, rows.clone()));
        Ok(rows)
    }

    /// Drop the cached rows: the next [`Store::list`] reads SQLite again.
    pub fn invalidate(&self) {
        self.pool.invalidate_all();
    }

    pub fn get(&self, id: i64) -> Result<StoredProfile> {
        self.one(&format!("{SELECT} WHERE p.id = ?1"), id)?.ok_or_else(|| CoreError::no_profile_id(id))
    }

    pub fn find_by_name(&self, name: &str) -> Result<Option<StoredProfile>> {
        self.one(&format!("{SELECT} WHERE p.name = ?1 COLLATE NOCASE"), name)
    }

    /// The profile alone, by exact name (any case) or id: one statement, no
    /// flags or test results (the path of `mailwarden token`).
    pub fn profile_only(&self, name_or_id: &str) -> Result<Option<Profile>> {
        let conn = self.conn()?;
        let id = name_or_id.parse::<i64>().unwrap_or(-1);
        let sql = format!(
            "{SELECT} WHERE p.name = ?1 COLLATE NOCASE OR p.id = ?2 ORDER BY p.name = ?1 COLLATE NOCASE DESC LIMIT 1"
        );
        Ok(conn.query_row(&sql, rusqlite::params![name_or_id, id], from_row).optional()?.map(|s| s.profile))
    }

    fn one(&self, sql: &str, key: impl rusqlite::ToSql) -> Result<Option<StoredProfile>> {
        let conn = self.conn()?;
        let Some(mut s) = conn.query_row(sql, [key], from_row).optional()? else {
            return Ok(None);
        };
        let flags = secret_flags_of(&conn, s.profile.id)?;
        set_flags(&mut s, &flags);
        s.last_test = Store::latest_tests(&conn, Some(s.profile.id))?.remove(&s.profile.id);
        Ok(Some(s))
    }

    /// Insert a validated profile; returns its id. Secrets are sealed with the
    /// new id in the same transaction, so nothing is half-saved.
    pub fn insert(&self, v: &Validated, now: OffsetDateTime) -> Result<i64> {
        let now = crate::clock::rfc3339(now);
        let mut conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        let id = insert_row(&tx, &v.profile, &now)?;
        self.write_secrets(&tx, id, v, &now)?;
        tx.commit()?;
        conn.slot().forget();
        Ok(id)
    }

    pub fn update(&self, id: i64, v: &Validated, now: OffsetDateTime) -> Result<()> {
        let now = crate::clock::rfc3339(now);
        let mut conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        let p = &v.profile;
        let set: Vec<String> = COLUMNS.iter().enumerate().map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
        let sql = format!(
            "UPDATE profiles SET {}, updated_at = ?{} WHERE id = ?{}",
            set.join(", "),
            COLUMNS.len() + 1,
            COLUMNS.len() + 2
        );
        let mut values = values(p);
        values.push(Box::new(now.clone()));
        values.push(Box::new(id));
        let n = tx.execute(&sql, rusqlite::params_from_iter(values.iter())).map_err(|e| name_taken(e, &p.name))?;
        if n == 0 {
            return Err(CoreError::no_profile_id(id));
        }
        self.write_secrets(&tx, id, v, &now)?;
        tx.commit()?;
        conn.slot().forget();
        Ok(())
    }

    fn write_secrets(&self, tx: &rusqlite::Transaction<'_>, id: i64, v: &Validated, now: &str) -> Result<()> {
        self.apply_secret(tx, id, SecretKind::ClientSecret, &v.client_secret, now)?;
        self.sync_secret_history(tx, id, &v.profile, &v.client_secret, now)?;
        self.apply_secret(tx, id, SecretKind::Password, &v.password, now)?;
        if let Some(c) = &v.certificate {
            self.write_certificate(tx, id, c, now)?;
        }
        Ok(())
    }

    /// Delete a profile and (by cascade) every secret it held.
    /// Copy profile `id` under `name`, its client secret and password re-sealed
    /// for the copy (tokens are not copied: they belong to one connection).
    pub fn duplicate(&self, id: i64, name: &str, now: OffsetDateTime) -> Result<i64> {
        let src = self.get(id)?;
        let validated = Validated {
            profile: Profile { name: name.to_owned(), ..src.profile },
            client_secret: SecretChange::Keep,
            password: SecretChange::Keep,
            certificate: None,
        };
        let now = crate::clock::rfc3339(now);
        let mut conn = self.conn()?;
        let tx = conn.unchecked_transaction()?;
        let new_id = insert_row(&tx, &validated.profile, &now)?;
        self.copy_secrets(&tx, id, new_id, &now)?;
        self.sync_secret_history(&tx, new_id, &validated.profile, &SecretChange::Keep, &now)?;
        tx.commit()?;
        conn.slot().forget();
        Ok(new_id)
    }
}

/// The profile columns written on insert and update, in `values` order.
const COLUMNS: [&str; 29] = [
    "name",
    "enabled",
    "notes",
    "provider",
    "auth_method",
    "send_method",
    "mailbox",
    "from_address",
    "domain",
    "tenant",
    "cloud",
    "authority_url",
    "client_id",
    "client_secret_id",
    "client_secret_expires",
    "scopes",
    "redirect_uri",
    "auth_url",
    "token_url",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "imap_host",
    "imap_port",
    "imap_security",
    "graph_url",
    "pop3_host",
    "pop3_port",
    "pop3_security",
];

fn values(p: &Profile) -> Vec<Box<dyn rusqlite::ToSql>> {
    vec![
        Box::new(p.name.clone()),
        Box::new(p.enabled),
        Box::new(p.notes.clone()),
        Box::new(p.provider.as_str()),
        Box::new(p.auth_method.as_str()),
        Box::new(p.send_method.as_str()),
        Box::new(p.mailbox.clone()),
        Box::new(p.from_address.clone()),
        Box::new(p.domain.clone()),
        Box::new(p.tenant.clone()),
        Box::new(p.cloud.as_str()),
        Box::new(p.authority_url.clone()),
        Box::new(p.client_id.clone()),
        Box::new(p.client_secret_id.clone()),
        Box::new(p.client_secret_expires.map(|d| d.to_string())),
        Box::new(p.scopes.join(" ")),
        Box::new(p.redirect_uri.clone()),
        Box::new(p.auth_url.clone()),
        Box::new(p.token_url.clone()),
        Box::new(p.smtp_host.clone()),
        Box::new(p.smtp_port),
        Box::new(p.smtp_security.as_str()),
        Box::new(p.imap_host.clone()),
        Box::new(p.imap_port),
        Box::new(p.imap_security.as_str()),
        Box::new(p.graph_url.clone()),
        Box::new(p.pop3_host.clone()),
        Box::new(p.pop3_port),
        Box::new(p.pop3_security.as_str()),
    ]
}

fn insert_row(tx: &rusqlite::Transaction<'_>, p: &Profile, now: &str) -> Result<i64> {
    let marks: Vec<String> = (1..=COLUMNS.len()).map(|i| format!("?{i}")).collect();
    let stamp = COLUMNS.len() + 1;
    let sql = format!(
        "INSERT INTO profiles ({}, created_at, updated_at) VALUES ({}, ?{stamp}, ?{stamp})",
        COLUMNS.join(", "),
        marks.join(", ")
    );
    let mut values = values(p);
    values.push(Box::new(now.to_owned()));
    tx.execute(&sql, rusqlite::params_from_iter(values.iter())).map_err(|e| name_taken(e, &p.name))?;
    Ok(tx.last_insert_rowid())
}

/// Which of the shown secrets each profile holds: (id, (client secret,
/// password)), ids ascending as `GROUP BY profile_id` yields them.
/// (client secret, password, certificate key) by profile id.
pub(super) type Flags = Vec<(i64, (bool, bool, bool))>;

/// What a full read hands each row: every profile's secret flags and latest test.
pub(super) struct Extras {
    pub flags: Flags,
    pub tests: std::collections::HashMap<i64, crate::records::TestResult>,
}

const FLAGS_SQL: &str =
    "SELECT profile_id, max(kind = 'client_secret'), max(kind = 'password'), max(kind = 'certificate_key') FROM secrets";

fn flags_row(r: &Row<'_>) -> rusqlite::Result<(i64, (bool, bool, bool))> {
    Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
}

pub(super) fn secret_flags(conn: &rusqlite::Connection) -> Result<Flags> {
    let mut stmt = conn.prepare_cached(&format!("{FLAGS_SQL} GROUP BY profile_id"))?;
    let rows = stmt.query_map([], flags_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn secret_flags_of(conn: &rusqlite::Connection, id: i64) -> Result<Flags> {
    let mut stmt = conn.prepare_cached(&format!("{FLAGS_SQL} WHERE profile_id = ?1 GROUP BY profile_id"))?;
    let rows = stmt.query_map([id], flags_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// (client secret, password, certificate) of profile `id`.
pub(super) fn flags_of(flags: &Flags, id: i64) -> (bool, bool, bool) {
    flags.binary_search_by_key(&id, |(id, _)| *id).ok().map(|i| flags[i].1).unwrap_or_default()
}

fn set_flags(s: &mut StoredProfile, flags: &Flags) {
    (s.has_client_secret, s.has_password, s.has_certificate) = flags_of(flags, s.profile.id);
}
