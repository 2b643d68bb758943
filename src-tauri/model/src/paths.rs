//! Where data lives: the database path and its key file.

use std::path::{Path, PathBuf};

pub const DB_ENV: &str = "MAILWARDEN_DB";

/// `$MAILWARDEN_DB`, else `$XDG_DATA_HOME/mailwarden/mailwarden.db`
/// (`~/.local/share/mailwarden/mailwarden.db` on Linux).
pub fn default_db_path() -> PathBuf {
    if let Some(p) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    standard_db_path()
}

/// `$XDG_DATA_HOME/mailwarden/mailwarden.db`, whatever `$MAILWARDEN_DB` says:
/// the database a program started by someone else (Postfix, a timer) finds.
pub fn standard_db_path() -> PathBuf {
    let base = directories::BaseDirs::new().map(|b| b.data_dir().to_path_buf()).unwrap_or_else(|| PathBuf::from("."));
    base.join("mailwarden").join("mailwarden.db")
}

/// The fallback key file beside a database: `mailwarden.db` → `mailwarden.db.key`.
pub fn key_file_for(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".key");
    db.with_file_name(name)
}
